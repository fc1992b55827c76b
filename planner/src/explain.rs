//! Plain-English explanation of a plan: every broken hard rule, every medium violation and
//! every soft cost, with the dialogues, people and dates that cause it.
//!
//! [`explain`] returns structured [`Item`]s (for a user interface) and
//! [`Explanation::render`] the text a coordinator reads.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate, Weekday};

use crate::model::{Instance, Plan};
use crate::replan::{Baseline, evaluate_with_baseline};
use crate::score::{Evaluation, HardRule, Score, SoftItem, SoftTerm, Violation, evaluate};

/// How much an item weighs in the score.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A hard rule: the plan cannot be used as it is.
    Hard,
    /// A dialogue not taking place (or a published one moved).
    Medium,
    /// A cost that a better plan may avoid.
    Soft,
}

/// One reason in the explanation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// Hard, medium or soft.
    pub severity: Severity,
    /// Rule id: `H1`…`H20`, `M1`, `M2`, `S1`…`S7`.
    pub rule: String,
    /// Rule name, e.g. `day_overload`.
    pub name: String,
    /// Organisation ids of the dialogues (hosts) concerned.
    pub hosts: Vec<String>,
    /// Staff ids concerned.
    pub people: Vec<String>,
    /// Dates concerned.
    pub dates: Vec<NaiveDate>,
    /// What it adds to its part of the score (hard count, medium count or soft points).
    pub cost: i64,
    /// The explanation in plain English.
    pub text: String,
}

/// The explanation of a plan.
#[derive(Clone, Debug)]
pub struct Explanation {
    /// The plan's score.
    pub score: Score,
    /// Every reason, hard first, then medium, then soft (by rule).
    pub items: Vec<Item>,
}

/// Explains `plan`; with a `baseline`, also the replanning terms.
pub fn explain(instance: &Instance, plan: &Plan, baseline: Option<&Baseline>) -> Explanation {
    let eval = match baseline {
        Some(b) => evaluate_with_baseline(instance, plan, b),
        None => evaluate(instance, plan),
    };
    explain_evaluation(instance, plan, &eval, baseline)
}

/// Explains an evaluation already computed for `plan`.
pub fn explain_evaluation(
    instance: &Instance,
    plan: &Plan,
    eval: &Evaluation,
    baseline: Option<&Baseline>,
) -> Explanation {
    let words = Words { inst: instance };
    let mut items = Vec::new();
    for v in eval.all_violations() {
        items.push(words.hard_item(plan, v));
    }
    if let Some(r) = &eval.replan {
        for &h in &r.pinned_changed {
            let before = baseline
                .and_then(|b| b.plan.dialogues.get(h).cloned().flatten())
                .map(|d| d.date);
            let now = plan
                .dialogues
                .get(h)
                .and_then(|d| d.as_ref())
                .map(|d| d.date);
            items.push(Item {
                severity: Severity::Hard,
                rule: "H20".into(),
                name: "pinned_changed".into(),
                hosts: vec![instance.orgs[h].id.clone()],
                people: Vec::new(),
                dates: before.into_iter().chain(now).collect(),
                cost: 1,
                text: format!(
                    "The dialogue of {} was pinned (date and guests fixed), but this plan changes it.",
                    words.org(h)
                ),
            });
        }
    }
    for &h in &eval.unscheduled {
        items.push(Item {
            severity: Severity::Medium,
            rule: "M1".into(),
            name: "unscheduled".into(),
            hosts: vec![instance.orgs[h].id.clone()],
            people: Vec::new(),
            dates: Vec::new(),
            cost: 1,
            text: format!(
                "{} has no date: its quality dialogue does not take place in this plan.",
                words.org(h)
            ),
        });
    }
    if let (Some(r), Some(b)) = (&eval.replan, baseline) {
        for &h in &r.moved_published {
            let before = b.published_date(h);
            let now = plan
                .dialogues
                .get(h)
                .and_then(|d| d.as_ref())
                .map(|d| d.date);
            let where_to = match now {
                Some(d) => format!("to {}", words.date(d)),
                None => "and is no longer scheduled".to_string(),
            };
            items.push(Item {
                severity: Severity::Medium,
                rule: "M2".into(),
                name: "moved_published".into(),
                hosts: vec![instance.orgs[h].id.clone()],
                people: Vec::new(),
                dates: before.into_iter().chain(now).collect(),
                cost: 1,
                text: format!(
                    "The published dialogue of {} moves from {} {where_to}; participants must be told.",
                    words.org(h),
                    before.map(|d| words.date(d)).unwrap_or_default()
                ),
            });
        }
    }
    let total = eval.scheduled as f64 / instance.years.len().max(1) as f64;
    for it in &eval.soft_items {
        items.push(words.soft_item(plan, it, total));
    }
    Explanation {
        score: eval.score(),
        items,
    }
}

impl Explanation {
    /// The explanation as text: a summary line, then one paragraph per kind.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Score {} (hard rules broken / dialogues missing or moved / soft costs).",
            self.score
        );
        let sections = [
            (
                Severity::Hard,
                "Broken rules (the plan cannot be used as it is)",
            ),
            (Severity::Medium, "Dialogues not taking place or moved"),
            (Severity::Soft, "Costs a better plan might avoid"),
        ];
        for (severity, title) in sections {
            let list: Vec<&Item> = self
                .items
                .iter()
                .filter(|i| i.severity == severity)
                .collect();
            let _ = writeln!(out);
            if list.is_empty() {
                let _ = writeln!(out, "{title}: none.");
                continue;
            }
            let _ = writeln!(out, "{title}:");
            for i in list {
                let cost = match severity {
                    Severity::Soft => format!(" [{} points]", i.cost),
                    _ if i.cost != 1 => format!(" [counts {}]", i.cost),
                    _ => String::new(),
                };
                let _ = writeln!(out, "- {} {}{cost}", i.rule, i.text);
            }
        }
        out
    }
}

struct Words<'a> {
    inst: &'a Instance,
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn month_name(m: u32) -> &'static str {
    [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ]
    .get(m.saturating_sub(1) as usize)
    .copied()
    .unwrap_or("?")
}

fn list(items: &[String]) -> String {
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} and {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

impl Words<'_> {
    fn org(&self, o: usize) -> String {
        let org = &self.inst.orgs[o];
        if org.name.is_empty() {
            org.id.clone()
        } else {
            format!("{} ({})", org.name, org.id)
        }
    }

    fn person(&self, s: usize) -> String {
        let st = &self.inst.staff[s];
        let org = &self.inst.orgs[st.org];
        match (st.name.is_empty(), org.name.is_empty()) {
            (true, _) => format!("{} of {}", st.id, org.id),
            (false, true) => format!("{} ({} of {})", st.name, st.id, org.id),
            (false, false) => format!("{} ({})", st.name, org.name),
        }
    }

    fn date(&self, d: NaiveDate) -> String {
        format!("{} {}", weekday_name(d.weekday()), d)
    }

    fn hosts(&self, hs: &[usize]) -> String {
        list(&hs.iter().map(|&h| self.org(h)).collect::<Vec<_>>())
    }

    /// Why person `s` is away on `day`.
    fn away_reason(&self, s: usize, day: NaiveDate) -> String {
        let st = &self.inst.staff[s];
        if st.weekday_off == Some(day.weekday().number_from_monday()) {
            return format!("has {}s off", weekday_name(day.weekday()));
        }
        match st.unavailable.iter().find(|&&(a, b)| a <= day && day <= b) {
            Some((a, b)) => format!("is away from {a} to {b}"),
            None => "is unavailable".into(),
        }
    }

    fn hard_item(&self, plan: &Plan, v: &Violation) -> Item {
        let inst = self.inst;
        let r = &inst.rules;
        let host = v.hosts.first().copied().unwrap_or(0);
        let person = v.staff.first().copied().unwrap_or(0);
        let day = v.date.unwrap_or(inst.start);
        let dlg = || format!("The dialogue of {} on {}", self.org(host), self.date(day));
        let text = match v.rule {
            HardRule::DateNotCandidate => format!(
                "{} is not on one of the dates {} proposed.",
                dlg(),
                inst.orgs[host].id
            ),
            HardRule::DateOutsideCycle => format!(
                "{} lies outside the cycle ({} to {}).",
                dlg(),
                inst.start,
                inst.end
            ),
            HardRule::DateWeekend => format!("{} falls on a weekend.", dlg()),
            HardRule::DatePublicHoliday => match inst.public_holiday_names.get(&day) {
                Some(name) => format!("{} falls on a public holiday ({name}).", dlg()),
                None => format!("{} falls on a public holiday.", dlg()),
            },
            HardRule::DateForum => {
                format!("{} clashes with the regional Forum on that day.", dlg())
            }
            HardRule::DateBeforeReport => format!(
                "{} is too early: the quality report is ready on {}, and the dialogue needs {} days after that (from {}).",
                dlg(),
                inst.orgs[host].report_ready,
                r.report_lead_days,
                inst.earliest(host)
            ),
            HardRule::DayOverload => format!(
                "{} dialogues are planned on {} ({}); at most {} per day is allowed.",
                v.amount,
                self.date(day),
                self.hosts(&v.hosts),
                r.max_dialogues_per_day
            ),
            HardRule::WeekOverload => {
                let (y, w) = v.week.unwrap_or((0, 0));
                format!(
                    "{} dialogues fall in ISO week {y}-W{w:02} ({}); at most {} per week are allowed.",
                    v.amount,
                    self.hosts(&v.hosts),
                    r.max_dialogues_per_iso_week
                )
            }
            HardRule::HostRepUnavailable => format!(
                "{}: host representative {} {} and cannot attend.",
                dlg(),
                self.person(person),
                self.away_reason(person, day)
            ),
            HardRule::HostRepDoubleBooked => format!(
                "{} must attend the own organisation's dialogue on {} but is booked for {} dialogues that day ({}).",
                self.person(person),
                self.date(day),
                v.amount,
                self.hosts(&v.hosts)
            ),
            HardRule::GuestUnavailable => format!(
                "{}: guest {} {}.",
                dlg(),
                self.person(person),
                self.away_reason(person, day)
            ),
            HardRule::GuestDoubleBooked => format!(
                "{} is booked for {} dialogues on {} ({}).",
                self.person(person),
                v.amount,
                self.date(day),
                self.hosts(&v.hosts)
            ),
            HardRule::GuestFromHostOrg => format!(
                "{}: {} is listed as a guest but belongs to the host organisation.",
                dlg(),
                self.person(person)
            ),
            HardRule::GuestSameOrg => {
                let o = v.orgs.first().copied().unwrap_or(0);
                let people: Vec<String> =
                    v.staff.iter().map(|&s| inst.staff[s].id.clone()).collect();
                format!(
                    "{} has {} guests from {} ({}); only one guest per organisation is allowed.",
                    dlg(),
                    v.amount,
                    self.org(o),
                    list(&people)
                )
            }
            HardRule::OrgCount => format!(
                "{} brings together {} organisations (host included); {} to {} are needed.",
                dlg(),
                v.amount,
                r.min_orgs_per_dialogue,
                r.max_orgs_per_dialogue
            ),
            HardRule::NoYouthOffice => format!("{} has no youth office taking part.", dlg()),
            HardRule::TooFewInstitutions => format!(
                "{} has only {} institution(s) taking part (host included); at least {} are needed.",
                dlg(),
                v.amount,
                r.min_institutions_per_dialogue
            ),
            HardRule::RoomCapacity => format!(
                "{} would have {} participants, but the room holds {}.",
                dlg(),
                v.amount,
                inst.orgs[host].room_capacity
            ),
            HardRule::GuestYearOverload => format!(
                "{} is a guest at {} dialogues in {} ({}); at most {} per year are allowed.",
                self.person(person),
                v.amount,
                v.year.unwrap_or(0),
                self.hosts(&v.hosts),
                r.max_guest_dialogues_per_staff_per_year
            ),
        };
        let dates: Vec<NaiveDate> = match v.date {
            Some(d) => vec![d],
            // H8, H19: the dates of the dialogues concerned
            None => v
                .hosts
                .iter()
                .filter_map(|&h| {
                    plan.dialogues
                        .get(h)
                        .and_then(|d| d.as_ref())
                        .map(|d| d.date)
                })
                .collect(),
        };
        Item {
            severity: Severity::Hard,
            rule: v.rule.id(),
            name: v.rule.name().to_string(),
            hosts: v.hosts.iter().map(|&h| inst.orgs[h].id.clone()).collect(),
            people: v.staff.iter().map(|&s| inst.staff[s].id.clone()).collect(),
            dates,
            cost: v.count as i64,
            text,
        }
    }

    fn soft_item(&self, plan: &Plan, it: &SoftItem, per_year: f64) -> Item {
        let inst = self.inst;
        let host = it.host.unwrap_or(0);
        let day = it.date.unwrap_or(inst.start);
        let dlg = || format!("The dialogue of {} on {}", self.org(host), self.date(day));
        let target = inst.rules.target_guest_dialogues_per_staff;
        let text = match it.term {
            SoftTerm::AttendanceShortfall => {
                let s = it.staff.first().copied().unwrap_or(0);
                let got = target - it.amount;
                format!(
                    "{} is a guest at {} dialogue(s); everyone should attend {} as a guest.",
                    self.person(s),
                    got,
                    target
                )
            }
            SoftTerm::YearBalance => format!(
                "{} has {} dialogues, while an even spread gives {:.1} per year.",
                it.year.unwrap_or(0),
                it.amount,
                per_year
            ),
            SoftTerm::TravelMinutes => {
                let mut trips: Vec<(u32, usize)> = plan
                    .dialogues
                    .get(host)
                    .and_then(|d| d.as_ref())
                    .map(|d| {
                        d.guests
                            .iter()
                            .map(|&g| (inst.travel(inst.staff[g].org, host), g))
                            .collect()
                    })
                    .unwrap_or_default();
                trips.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                let parts: Vec<String> = trips
                    .iter()
                    .filter(|t| t.0 > 0)
                    .map(|&(m, g)| format!("{} {m} min", inst.staff[g].id))
                    .collect();
                format!(
                    "{}: guests travel {} minutes in total ({}).",
                    dlg(),
                    it.amount,
                    list(&parts)
                )
            }
            SoftTerm::MondayFriday => format!(
                "{} is on a {}; Mondays and Fridays are avoided.",
                dlg(),
                weekday_name(day.weekday())
            ),
            SoftTerm::SchoolHoliday => {
                let name = inst
                    .school_holidays
                    .iter()
                    .position(|&(a, b)| a <= day && day <= b)
                    .and_then(|k| inst.school_holiday_names.get(k))
                    .filter(|n| !n.is_empty());
                match name {
                    Some(n) => format!("{} falls in the school holidays ({n}).", dlg()),
                    None => format!("{} falls in the school holidays.", dlg()),
                }
            }
            SoftTerm::DistrictYouthOfficeAbsent => format!(
                "{} has no guest from {}, the youth office of the host's district.",
                dlg(),
                self.org(inst.district_youth_office[host])
            ),
            SoftTerm::PreferredMonth => {
                let months: Vec<String> = inst.orgs[host]
                    .preferred_months
                    .iter()
                    .map(|&m| month_name(m).to_string())
                    .collect();
                format!(
                    "{} is in {}, but {} prefers {}.",
                    dlg(),
                    month_name(day.month()),
                    inst.orgs[host].id,
                    list(&months)
                )
            }
        };
        Item {
            severity: Severity::Soft,
            rule: it.term.id(),
            name: it.term.name().to_string(),
            hosts: it
                .host
                .map(|h| inst.orgs[h].id.clone())
                .into_iter()
                .collect(),
            people: it.staff.iter().map(|&s| inst.staff[s].id.clone()).collect(),
            dates: it.date.into_iter().collect(),
            cost: it.value,
            text,
        }
    }
}
