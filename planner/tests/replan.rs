//! Replanning: pinned dialogues keep date and guests, moving a published dialogue counts as
//! a medium violation (M2), and the previous-plan format round-trips.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use qmf_planner::model::{Instance, Marks, Plan, Solution, solution_json};
use qmf_planner::replan::{Baseline, evaluate_with_baseline};
use qmf_planner::solver::{Options, solve};
use serde_json::json;

fn instance(name: &str) -> Instance {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    Instance::load(&dir.join(format!("{name}.json"))).unwrap()
}

fn options(epochs: u64) -> Options {
    Options {
        seed: 3,
        threads: 2,
        epoch_steps: 4_000,
        max_epochs: Some(epochs),
        verify: true,
        ..Options::default()
    }
}

fn sorted(v: &[usize]) -> Vec<usize> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v
}

/// A first plan of S-1 with some dialogues pinned and others published.
fn previous(inst: &Instance) -> (Baseline, Vec<usize>, Vec<usize>) {
    let first = solve(inst, None, &options(2), &mut |_| {}).unwrap();
    assert_eq!(first.score.medium, 0);
    let hosts: Vec<usize> = first.plan.scheduled().map(|(h, _)| h).collect();
    let pinned = hosts[..4].to_vec();
    let published = hosts[4..10].to_vec();
    let mut marks = vec![Marks::default(); inst.orgs.len()];
    for &h in &pinned {
        marks[h].pinned = true;
    }
    for &h in &published {
        marks[h].published = true;
    }
    (
        Baseline {
            plan: first.plan,
            marks,
        },
        pinned,
        published,
    )
}

#[test]
fn scorer_counts_changed_pins_and_moved_publications() {
    let inst = instance("S-1");
    let (baseline, pinned, published) = previous(&inst);
    let unchanged = evaluate_with_baseline(&inst, &baseline.plan, &baseline);
    let r = unchanged.replan.as_ref().unwrap();
    assert!(r.pinned_changed.is_empty() && r.moved_published.is_empty());

    let mut plan: Plan = baseline.plan.clone();
    plan.dialogues[pinned[0]].as_mut().unwrap().guests.pop();
    let moved = plan.dialogues[published[0]].as_mut().unwrap();
    moved.date = moved.date.succ_opt().unwrap();
    plan.dialogues[published[1]] = None;
    // guests of a published dialogue may change without counting
    plan.dialogues[published[2]]
        .as_mut()
        .unwrap()
        .guests
        .reverse();
    let eval = evaluate_with_baseline(&inst, &plan, &baseline);
    let r = eval.replan.as_ref().unwrap();
    assert_eq!(r.pinned_changed, [pinned[0]]);
    assert_eq!(
        sorted(&r.moved_published),
        sorted(&[published[0], published[1]])
    );
    let plain = qmf_planner::score::evaluate(&inst, &plan).score();
    assert_eq!(eval.score().hard, plain.hard + 1);
    assert_eq!(eval.score().medium, plain.medium + 2);
    let text = eval.report(&inst, None, true, 50);
    assert!(
        text.contains("  M2   moved_published                       2"),
        "{text}"
    );
}

#[test]
fn solver_keeps_pins_and_moves_only_what_it_must() {
    let mut inst = instance("S-1");
    let (baseline, pinned, published) = previous(&inst);
    // the host representative of one published dialogue is now away on its date
    let forced = published[0];
    let day = baseline.plan.dialogues[forced].as_ref().unwrap().date;
    let rep = inst.orgs[forced].reps[0];
    inst.staff[rep].unavailable.push((day, day));

    let out = solve(&inst, Some(&baseline), &options(3), &mut |_| {}).unwrap();
    let eval = evaluate_with_baseline(&inst, &out.plan, &baseline);
    assert_eq!(out.score, eval.score());
    assert_eq!(out.search_score, eval.score());
    for &h in &pinned {
        let (a, b) = (
            out.plan.dialogues[h].as_ref().unwrap(),
            baseline.plan.dialogues[h].as_ref().unwrap(),
        );
        assert_eq!((a.date, sorted(&a.guests)), (b.date, sorted(&b.guests)));
    }
    for &h in &published[1..] {
        assert_eq!(
            out.plan.dialogues[h].as_ref().map(|d| d.date),
            baseline.plan.dialogues[h].as_ref().map(|d| d.date),
            "published {} moved",
            inst.orgs[h].id
        );
    }
    let r = eval.replan.as_ref().unwrap();
    assert_eq!(r.moved_published, [forced]);
    assert!(r.pinned_changed.is_empty());
    assert_eq!((eval.score().hard, eval.score().medium), (0, 1));
}

#[test]
fn a_pinned_dialogue_stays_even_when_it_breaks_a_rule() {
    let mut inst = instance("S-1");
    let (baseline, pinned, _) = previous(&inst);
    let h = pinned[1];
    let day = baseline.plan.dialogues[h].as_ref().unwrap().date;
    let rep = inst.orgs[h].reps[0];
    inst.staff[rep].unavailable.push((day, day));
    let out = solve(&inst, Some(&baseline), &options(2), &mut |_| {}).unwrap();
    assert_eq!(out.plan.dialogues[h], baseline.plan.dialogues[h]);
    let eval = evaluate_with_baseline(&inst, &out.plan, &baseline);
    assert_eq!(
        eval.hard[qmf_planner::score::HardRule::HostRepUnavailable.index()],
        1
    );
    assert_eq!(out.score, eval.score());
}

#[test]
fn previous_plan_marks_round_trip_and_are_checked() {
    let inst = instance("S-1");
    let (baseline, _, _) = previous(&inst);
    let doc = solution_json(&inst, &baseline.plan, json!({}), Some(&baseline.marks));
    let back = Solution::from_json(&doc, &inst).unwrap();
    assert_eq!(back.plan, baseline.plan);
    assert_eq!(back.marks, baseline.marks);
    let mut bad = doc.clone();
    bad["dialogues"][0]["pinned"] = json!("yes");
    let err = Solution::from_json(&bad, &inst).unwrap_err().to_string();
    assert_eq!(
        err,
        "solution.dialogues[0].pinned: expected true or false, got \"yes\""
    );
}
