//! Replanning: pinned dialogues and minimal change against a previous plan (see README).
//!
//! A previous plan is an ordinary solution file whose dialogue entries may carry
//! `"pinned": true` (date and guests must stay exactly as they are) and `"published": true`
//! (the date has been announced; moving it counts as one medium violation, `M2`).

use serde_json::{Value, json};

use crate::model::{Instance, Marks, Plan, Scheduled};
use crate::score::{Evaluation, evaluate};

/// A previous plan with its replanning marks.
#[derive(Clone, Debug)]
pub struct Baseline {
    /// The previous plan.
    pub plan: Plan,
    /// Marks per organisation.
    pub marks: Vec<Marks>,
}

impl Baseline {
    /// Whether host `h` is pinned.
    pub fn pinned(&self, h: usize) -> bool {
        self.marks.get(h).is_some_and(|m| m.pinned)
    }

    /// Whether host `h` is published and was scheduled in the previous plan; then only its
    /// previous date avoids M2.
    pub fn published_date(&self, h: usize) -> Option<chrono::NaiveDate> {
        if self.marks.get(h).is_some_and(|m| m.published) {
            self.plan.dialogues.get(h)?.as_ref().map(|d| d.date)
        } else {
            None
        }
    }
}

/// The replanning terms of a plan scored against a baseline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplanEval {
    /// Pinned hosts whose date or guests differ from the previous plan (hard, `H20`).
    pub pinned_changed: Vec<usize>,
    /// Published hosts whose dialogue moved to another date or was unscheduled (medium, `M2`).
    pub moved_published: Vec<usize>,
    /// The previous dates of the moved dialogues, for the listing.
    previous: Vec<(usize, Option<chrono::NaiveDate>, Option<chrono::NaiveDate>)>,
}

fn same(a: Option<&Scheduled>, b: Option<&Scheduled>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => {
            let mut x = a.guests.clone();
            let mut y = b.guests.clone();
            x.sort_unstable();
            y.sort_unstable();
            a.date == b.date && x == y
        }
        _ => false,
    }
}

/// The replanning terms of `plan` against `baseline`.
pub fn replan_terms(instance: &Instance, plan: &Plan, baseline: &Baseline) -> ReplanEval {
    let mut out = ReplanEval::default();
    for h in 0..instance.orgs.len() {
        let now = plan.dialogues.get(h).and_then(Option::as_ref);
        let before = baseline.plan.dialogues.get(h).and_then(Option::as_ref);
        if baseline.pinned(h) && !same(now, before) {
            out.pinned_changed.push(h);
        }
        if let Some(date) = baseline.published_date(h)
            && now.map(|d| d.date) != Some(date)
        {
            out.moved_published.push(h);
            out.previous.push((h, Some(date), now.map(|d| d.date)));
        }
    }
    out
}

/// Scores a plan with every rule of problem v1 plus the replanning terms.
pub fn evaluate_with_baseline(instance: &Instance, plan: &Plan, baseline: &Baseline) -> Evaluation {
    let mut e = evaluate(instance, plan);
    e.replan = Some(replan_terms(instance, plan, baseline));
    e
}

fn show(d: Option<chrono::NaiveDate>) -> String {
    d.map_or_else(|| "unscheduled".to_string(), |d| d.to_string())
}

impl ReplanEval {
    /// JSON of the replanning terms (added as `replan` to the breakdown document).
    pub fn to_json(&self, instance: &Instance) -> Value {
        let ids = |v: &[usize]| -> Vec<String> {
            v.iter().map(|&h| instance.orgs[h].id.clone()).collect()
        };
        json!({
            "pinned_changed": ids(&self.pinned_changed),
            "moved_published": ids(&self.moved_published),
        })
    }

    /// The M2 lines of the text report.
    pub fn medium_lines(&self, instance: &Instance, verbose: bool) -> String {
        let mut out = format!(
            "  M2   {:<30} {:>8}\n",
            "moved_published",
            self.moved_published.len()
        );
        if verbose {
            for &(h, before, now) in &self.previous {
                out.push_str(&format!(
                    "         - {}: {} -> {}\n",
                    instance.orgs[h].id,
                    show(before),
                    show(now)
                ));
            }
        }
        out
    }

    /// The H20 lines of the text report.
    pub fn hard_lines(&self, instance: &Instance, verbose: bool) -> String {
        let mut out = format!(
            "  H20  {:<30} {:>8}\n",
            "pinned_changed",
            self.pinned_changed.len()
        );
        if verbose && !self.pinned_changed.is_empty() {
            let ids: Vec<&str> = self
                .pinned_changed
                .iter()
                .map(|&h| instance.orgs[h].id.as_str())
                .collect();
            out.push_str(&format!("         - {}\n", ids.join(", ")));
        }
        out
    }
}
