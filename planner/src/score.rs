//! The full scorer: hard rules H1–H19, medium M1, soft terms S1–S7 (PROBLEM.md §6–§9), with
//! the same totals, per-rule breakdown and violation listing as the reference `validate.py`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value, json};

use crate::model::{Instance, OrgKind, Plan, Scheduled};

/// A hard rule (PROBLEM.md §6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HardRule {
    /// H1: the date is not one of the host's candidate dates.
    DateNotCandidate,
    /// H2: the date lies outside the cycle.
    DateOutsideCycle,
    /// H3: the date is a Saturday or Sunday.
    DateWeekend,
    /// H4: the date is a public holiday.
    DatePublicHoliday,
    /// H5: the date is a Forum date.
    DateForum,
    /// H6: the date is earlier than report_ready + lead days.
    DateBeforeReport,
    /// H7: too many dialogues on one day.
    DayOverload,
    /// H8: too many dialogues in one ISO week.
    WeekOverload,
    /// H9: a host representative is unavailable.
    HostRepUnavailable,
    /// H10: a host representative attends several dialogues on the day of the own one.
    HostRepDoubleBooked,
    /// H11: a guest is unavailable.
    GuestUnavailable,
    /// H12: a person attends several dialogues on one day.
    GuestDoubleBooked,
    /// H13: a guest belongs to the host organisation.
    GuestFromHostOrg,
    /// H14: several guests from one organisation.
    GuestSameOrg,
    /// H15: too few or too many organisations present.
    OrgCount,
    /// H16: no youth office present.
    NoYouthOffice,
    /// H17: too few institutions present.
    TooFewInstitutions,
    /// H18: more participants than the room holds.
    RoomCapacity,
    /// H19: a person is a guest too often in one calendar year.
    GuestYearOverload,
}

impl HardRule {
    /// All hard rules in order H1…H19.
    pub const ALL: [HardRule; 19] = [
        HardRule::DateNotCandidate,
        HardRule::DateOutsideCycle,
        HardRule::DateWeekend,
        HardRule::DatePublicHoliday,
        HardRule::DateForum,
        HardRule::DateBeforeReport,
        HardRule::DayOverload,
        HardRule::WeekOverload,
        HardRule::HostRepUnavailable,
        HardRule::HostRepDoubleBooked,
        HardRule::GuestUnavailable,
        HardRule::GuestDoubleBooked,
        HardRule::GuestFromHostOrg,
        HardRule::GuestSameOrg,
        HardRule::OrgCount,
        HardRule::NoYouthOffice,
        HardRule::TooFewInstitutions,
        HardRule::RoomCapacity,
        HardRule::GuestYearOverload,
    ];

    /// Position 0…18.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Short id, `H1`…`H19`.
    pub fn id(self) -> String {
        format!("H{}", self.index() + 1)
    }

    /// Name used in breakdowns, e.g. `date_not_candidate`.
    pub fn name(self) -> &'static str {
        [
            "date_not_candidate",
            "date_outside_cycle",
            "date_weekend",
            "date_public_holiday",
            "date_forum",
            "date_before_report",
            "day_overload",
            "week_overload",
            "host_rep_unavailable",
            "host_rep_double_booked",
            "guest_unavailable",
            "guest_double_booked",
            "guest_from_host_org",
            "guest_same_org",
            "org_count",
            "no_youth_office",
            "too_few_institutions",
            "room_capacity",
            "guest_year_overload",
        ][self.index()]
    }
}

/// A soft term (PROBLEM.md §8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SoftTerm {
    /// S1: missing guest attendances below the target.
    AttendanceShortfall,
    /// S2: uneven spread of dialogues over the cycle years.
    YearBalance,
    /// S3: guest travel minutes.
    TravelMinutes,
    /// S4: dialogues on Mondays or Fridays.
    MondayFriday,
    /// S5: dialogues in school holidays.
    SchoolHoliday,
    /// S6: dialogues without the host district's youth office.
    DistrictYouthOfficeAbsent,
    /// S7: dialogues outside the host's preferred months.
    PreferredMonth,
}

impl SoftTerm {
    /// All soft terms in order S1…S7.
    pub const ALL: [SoftTerm; 7] = [
        SoftTerm::AttendanceShortfall,
        SoftTerm::YearBalance,
        SoftTerm::TravelMinutes,
        SoftTerm::MondayFriday,
        SoftTerm::SchoolHoliday,
        SoftTerm::DistrictYouthOfficeAbsent,
        SoftTerm::PreferredMonth,
    ];

    /// Position 0…6.
    pub fn index(self) -> usize {
        self as usize
    }

    /// Short id, `S1`…`S7`.
    pub fn id(self) -> String {
        format!("S{}", self.index() + 1)
    }

    /// Name used in breakdowns, e.g. `travel_minutes`.
    pub fn name(self) -> &'static str {
        [
            "attendance_shortfall",
            "year_balance",
            "travel_minutes",
            "monday_friday",
            "school_holiday",
            "district_youth_office_absent",
            "preferred_month",
        ][self.index()]
    }
}

/// The score triple hard/medium/soft, ordered lexicographically (lower is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Score {
    /// Number of hard violations.
    pub hard: u64,
    /// Medium violations (unscheduled dialogues, moved published dialogues).
    pub medium: u64,
    /// Soft total.
    pub soft: i64,
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.hard, self.medium, self.soft)
    }
}

/// One hard violation: which rule, how much it counts, and who and what causes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The rule broken.
    pub rule: HardRule,
    /// How much it adds to the hard total.
    pub count: u64,
    /// Host organisations involved (dialogues), in listing order.
    pub hosts: Vec<usize>,
    /// Staff members involved.
    pub staff: Vec<usize>,
    /// Other organisations involved (H14: the organisation with several guests).
    pub orgs: Vec<usize>,
    /// The date, when the violation concerns a date.
    pub date: Option<NaiveDate>,
    /// The ISO week (year, week) for H8.
    pub week: Option<(i32, u32)>,
    /// The calendar year for H19.
    pub year: Option<i32>,
    /// The observed number the rule limits (dialogues on the day/week, organisations,
    /// participants, guest attendances, guests from one organisation); 0 if not applicable.
    pub amount: i64,
    /// The line of the reference listing (`validate.py -v`).
    pub text: String,
}

/// One contribution to a soft term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SoftItem {
    /// The term.
    pub term: SoftTerm,
    /// Contribution to the term (for S2 the per-year deviation before rounding, scaled by
    /// the weight and divided by the number of years, rounded down).
    pub value: i64,
    /// Dialogue host, if the item is about a dialogue.
    pub host: Option<usize>,
    /// Staff involved (S1: the person; S3: the guests).
    pub staff: Vec<usize>,
    /// Date of the dialogue, if any.
    pub date: Option<NaiveDate>,
    /// Year (S2).
    pub year: Option<i32>,
    /// The counted quantity: S1 missing attendances, S2 dialogues in the year, S3 minutes.
    pub amount: i64,
}

/// The complete evaluation of a plan.
#[derive(Clone, Debug)]
pub struct Evaluation {
    /// Count per hard rule, H1…H19.
    pub hard: [u64; 19],
    /// Value per soft term, S1…S7.
    pub soft: [i64; 7],
    /// One-line summary per soft term (as in the reference report).
    pub soft_info: [String; 7],
    /// Hard violations per rule, in the reference listing order.
    pub violations: [Vec<Violation>; 19],
    /// Soft contributions.
    pub soft_items: Vec<SoftItem>,
    /// Number of scheduled dialogues.
    pub scheduled: usize,
    /// Unscheduled hosts, in instance order.
    pub unscheduled: Vec<usize>,
    /// Number of guest trips.
    pub guest_trips: u64,
    /// Replanning terms, when the plan is scored against a previous plan.
    pub replan: Option<crate::replan::ReplanEval>,
}

impl Evaluation {
    /// The score triple (with the replanning terms when present).
    pub fn score(&self) -> Score {
        let (extra_hard, extra_medium) = self.replan.as_ref().map_or((0, 0), |r| {
            (r.pinned_changed.len(), r.moved_published.len())
        });
        Score {
            hard: self.hard.iter().sum::<u64>() + extra_hard as u64,
            medium: (self.unscheduled.len() + extra_medium) as u64,
            soft: self.soft.iter().sum(),
        }
    }

    /// Every hard violation in rule order.
    pub fn all_violations(&self) -> impl Iterator<Item = &Violation> {
        self.violations.iter().flatten()
    }

    /// The breakdown document of `validate.py --json`.
    pub fn to_json(&self, instance: &Instance, solver: Option<&Value>) -> Value {
        let score = self.score();
        let mut hard = Map::new();
        for rule in HardRule::ALL {
            hard.insert(rule.name().into(), json!(self.hard[rule.index()]));
        }
        let mut soft = Map::new();
        for term in SoftTerm::ALL {
            soft.insert(term.name().into(), json!(self.soft[term.index()]));
        }
        let mut out = json!({
            "instance": instance.name,
            "hard": score.hard,
            "medium": score.medium,
            "soft": score.soft,
            "score": score.to_string(),
            "hard_breakdown": hard,
            "soft_breakdown": soft,
            "scheduled": self.scheduled,
            "unscheduled": self.unscheduled.iter().map(|&h| instance.orgs[h].id.clone()).collect::<Vec<_>>(),
            "solver": solver.filter(|s| s.is_object()).cloned().unwrap_or(Value::Null),
        });
        if let (Some(r), Some(map)) = (&self.replan, out.as_object_mut()) {
            map.insert("replan".into(), r.to_json(instance));
        }
        out
    }

    /// The text report of `validate.py` (with `-v`: every violation, at most `max_details`
    /// lines per rule).
    pub fn report(
        &self,
        instance: &Instance,
        solver: Option<&Value>,
        verbose: bool,
        max_details: usize,
    ) -> String {
        let mut out = String::new();
        let score = self.score();
        let gen_field = |key: &str| {
            instance
                .generator
                .get(key)
                .map_or_else(|| "?".to_string(), py_str)
        };
        let (gen_name, gen_version) = if instance.generator.is_object() {
            (gen_field("name"), gen_field("version"))
        } else {
            ("?".to_string(), "?".to_string())
        };
        out.push_str(&format!(
            "instance {} (size {}, seed {}, generator {gen_name} {gen_version})\n",
            instance.name,
            py_str(&instance.size),
            py_str(&instance.seed)
        ));
        if let Some(name) = solver.and_then(|s| s.get("name")).filter(|n| py_truthy(n)) {
            out.push_str(&format!("solution by {}\n", py_str(name)));
        }
        out.push_str(&format!(
            "dialogues {}: {} scheduled, {} unscheduled\n",
            instance.orgs.len(),
            self.scheduled,
            self.unscheduled.len()
        ));
        out.push_str(&format!("hard {}\n", score.hard));
        for rule in HardRule::ALL {
            out.push_str(&format!(
                "  {:<4} {:<30} {:>8}\n",
                rule.id(),
                rule.name(),
                self.hard[rule.index()]
            ));
            if verbose {
                let list = &self.violations[rule.index()];
                for v in list.iter().take(max_details) {
                    out.push_str(&format!("         - {}\n", v.text));
                }
                if list.len() > max_details {
                    out.push_str(&format!("         ... {} more\n", list.len() - max_details));
                }
            }
        }
        if let Some(r) = &self.replan {
            out.push_str(&r.hard_lines(instance, verbose));
        }
        out.push_str(&format!("medium {}\n", score.medium));
        out.push_str(&format!(
            "  M1   {:<30} {:>8}\n",
            "unscheduled",
            self.unscheduled.len()
        ));
        if verbose && !self.unscheduled.is_empty() {
            let ids: Vec<&str> = self
                .unscheduled
                .iter()
                .map(|&h| instance.orgs[h].id.as_str())
                .collect();
            out.push_str(&format!("         - {}\n", ids.join(", ")));
        }
        if let Some(r) = &self.replan {
            out.push_str(&r.medium_lines(instance, verbose));
        }
        out.push_str(&format!("soft {}\n", score.soft));
        for term in SoftTerm::ALL {
            out.push_str(&format!(
                "  {:<4} {:<30} {:>8}   ({})\n",
                term.id(),
                term.name(),
                self.soft[term.index()],
                self.soft_info[term.index()]
            ));
        }
        out.push_str(&format!("score {score}\n"));
        out
    }
}

/// Python's `str()` of a JSON value, for the report header.
fn py_str(v: &Value) -> String {
    match v {
        Value::Null => "None".into(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn py_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// Scores a plan with every rule of problem v1.
pub fn evaluate(instance: &Instance, plan: &Plan) -> Evaluation {
    let mut ctx = Ctx::new(instance, plan);
    date_rules(&mut ctx);
    day_overload(&mut ctx);
    week_overload(&mut ctx);
    people_rules(&mut ctx);
    double_booking(&mut ctx);
    guest_year_overload(&mut ctx);
    composition_rules(&mut ctx);
    soft_terms(&mut ctx);
    let Ctx {
        hard,
        violations,
        soft,
        soft_info,
        soft_items,
        scheduled,
        guest_trips,
        ..
    } = ctx;
    let unscheduled = (0..instance.orgs.len())
        .filter(|&h| plan.dialogues.get(h).is_none_or(Option::is_none))
        .collect();
    Evaluation {
        hard,
        soft,
        soft_info,
        violations,
        soft_items,
        scheduled: scheduled.len(),
        unscheduled,
        guest_trips,
        replan: None,
    }
}

/// Just the score triple of a plan.
pub fn score(instance: &Instance, plan: &Plan) -> Score {
    evaluate(instance, plan).score()
}

struct Ctx<'a> {
    inst: &'a Instance,
    scheduled: Vec<(usize, &'a Scheduled)>,
    hard: [u64; 19],
    violations: [Vec<Violation>; 19],
    soft: [i64; 7],
    soft_info: [String; 7],
    soft_items: Vec<SoftItem>,
    guest_trips: u64,
}

impl<'a> Ctx<'a> {
    fn new(inst: &'a Instance, plan: &'a Plan) -> Self {
        Self {
            inst,
            scheduled: plan.scheduled().collect(),
            hard: [0; 19],
            violations: Default::default(),
            soft: [0; 7],
            soft_info: Default::default(),
            soft_items: Vec::new(),
            guest_trips: 0,
        }
    }

    fn org(&self, o: usize) -> &'a str {
        &self.inst.orgs[o].id
    }

    fn person(&self, s: usize) -> &'a str {
        &self.inst.staff[s].id
    }

    fn push(&mut self, mut v: Violation) {
        if v.count != 1 {
            v.text = format!("{} (counts {})", v.text, v.count);
        }
        self.hard[v.rule.index()] += v.count;
        self.violations[v.rule.index()].push(v);
    }
}

fn violation(
    rule: HardRule,
    host: Option<usize>,
    date: Option<NaiveDate>,
    text: String,
) -> Violation {
    Violation {
        rule,
        count: 1,
        hosts: host.into_iter().collect(),
        staff: Vec::new(),
        orgs: Vec::new(),
        date,
        week: None,
        year: None,
        amount: 0,
        text,
    }
}

fn iso_week(day: NaiveDate) -> (i32, u32) {
    let w = day.iso_week();
    (w.year(), w.week())
}

/// H1–H6: the date of each scheduled dialogue.
fn date_rules(ctx: &mut Ctx<'_>) {
    let inst = ctx.inst;
    for (h, d) in ctx.scheduled.clone() {
        let id = ctx.org(h);
        let t = d.date;
        let o = &inst.orgs[h];
        if !o.candidates.contains(&t) {
            ctx.push(violation(
                HardRule::DateNotCandidate,
                Some(h),
                Some(t),
                format!("{id} on {t}: not one of its candidate dates"),
            ));
        }
        if t < inst.start || t > inst.end {
            ctx.push(violation(
                HardRule::DateOutsideCycle,
                Some(h),
                Some(t),
                format!(
                    "{id} on {t}: outside the cycle {}..{}",
                    inst.start, inst.end
                ),
            ));
        }
        if t.weekday().number_from_monday() >= 6 {
            ctx.push(violation(
                HardRule::DateWeekend,
                Some(h),
                Some(t),
                format!("{id} on {t}: weekend"),
            ));
        }
        if inst.public_holidays.contains(&t) {
            ctx.push(violation(
                HardRule::DatePublicHoliday,
                Some(h),
                Some(t),
                format!("{id} on {t}: public holiday"),
            ));
        }
        if inst.forum_dates.contains(&t) {
            ctx.push(violation(
                HardRule::DateForum,
                Some(h),
                Some(t),
                format!("{id} on {t}: Forum date"),
            ));
        }
        let earliest = inst.earliest(h);
        if t < earliest {
            ctx.push(violation(
                HardRule::DateBeforeReport,
                Some(h),
                Some(t),
                format!(
                    "{id} on {t}: earlier than report_ready+{} = {earliest}",
                    inst.rules.report_lead_days
                ),
            ));
        }
    }
}

/// H7: dialogues per calendar day.
fn day_overload(ctx: &mut Ctx<'_>) {
    let mut per_day: BTreeMap<NaiveDate, Vec<usize>> = BTreeMap::new();
    for &(h, d) in &ctx.scheduled {
        per_day.entry(d.date).or_default().push(h);
    }
    let limit = ctx.inst.rules.max_dialogues_per_day;
    for (day, hosts) in per_day {
        let n = hosts.len() as i64;
        if n > limit {
            let ids: Vec<&str> = hosts.iter().map(|&h| ctx.org(h)).collect();
            let mut v = violation(
                HardRule::DayOverload,
                None,
                Some(day),
                format!("{day}: {n} dialogues ({})", ids.join(", ")),
            );
            v.count = (n - limit) as u64;
            v.hosts = hosts;
            v.amount = n;
            ctx.push(v);
        }
    }
}

/// H8: dialogues per ISO week.
fn week_overload(ctx: &mut Ctx<'_>) {
    let mut per_week: BTreeMap<(i32, u32), Vec<usize>> = BTreeMap::new();
    for &(h, d) in &ctx.scheduled {
        per_week.entry(iso_week(d.date)).or_default().push(h);
    }
    let limit = ctx.inst.rules.max_dialogues_per_iso_week;
    for ((y, w), hosts) in per_week {
        let n = hosts.len() as i64;
        if n > limit {
            let ids: Vec<&str> = hosts.iter().map(|&h| ctx.org(h)).collect();
            let mut v = violation(
                HardRule::WeekOverload,
                None,
                None,
                format!("ISO week {y}-W{w:02}: {n} dialogues ({})", ids.join(", ")),
            );
            v.count = (n - limit) as u64;
            v.hosts = hosts;
            v.week = Some((y, w));
            v.amount = n;
            ctx.push(v);
        }
    }
}

/// H9, H11, H13, H14: availability of reps and guests, guests' organisations.
fn people_rules(ctx: &mut Ctx<'_>) {
    let inst = ctx.inst;
    for (h, d) in ctx.scheduled.clone() {
        let id = ctx.org(h);
        let t = d.date;
        for &r in &inst.orgs[h].reps {
            if inst.staff[r].unavailable_on(t) {
                let mut v = violation(
                    HardRule::HostRepUnavailable,
                    Some(h),
                    Some(t),
                    format!(
                        "{id} on {t}: host representative {} is unavailable",
                        ctx.person(r)
                    ),
                );
                v.staff = vec![r];
                ctx.push(v);
            }
        }
        for &g in &d.guests {
            if inst.staff[g].unavailable_on(t) {
                let mut v = violation(
                    HardRule::GuestUnavailable,
                    Some(h),
                    Some(t),
                    format!("{id} on {t}: guest {} is unavailable", ctx.person(g)),
                );
                v.staff = vec![g];
                ctx.push(v);
            }
            if inst.staff[g].org == h {
                let mut v = violation(
                    HardRule::GuestFromHostOrg,
                    Some(h),
                    Some(t),
                    format!(
                        "{id} on {t}: guest {} belongs to the host organisation",
                        ctx.person(g)
                    ),
                );
                v.staff = vec![g];
                ctx.push(v);
            }
        }
        let mut by_org: BTreeMap<&str, (usize, Vec<usize>)> = BTreeMap::new();
        for &g in &d.guests {
            let o = inst.staff[g].org;
            if o != h {
                by_org
                    .entry(ctx.org(o))
                    .or_insert((o, Vec::new()))
                    .1
                    .push(g);
            }
        }
        for (oid, (o, guests)) in by_org {
            if guests.len() > 1 {
                let ids: Vec<&str> = guests.iter().map(|&g| ctx.person(g)).collect();
                let mut v = violation(
                    HardRule::GuestSameOrg,
                    Some(h),
                    Some(t),
                    format!(
                        "{id} on {t}: {} guests from {oid} ({})",
                        guests.len(),
                        ids.join(", ")
                    ),
                );
                v.count = guests.len() as u64 - 1;
                v.amount = guests.len() as i64;
                v.staff = guests;
                v.orgs = vec![o];
                ctx.push(v);
            }
        }
    }
}

/// H10 and H12: a person attending several dialogues on one day.
fn double_booking(ctx: &mut Ctx<'_>) {
    let inst = ctx.inst;
    // (staff id, day) -> [(host, as host rep)]
    type Attendances = (usize, Vec<(usize, bool)>);
    let mut attend: BTreeMap<(&str, NaiveDate), Attendances> = BTreeMap::new();
    for &(h, d) in &ctx.scheduled {
        let reps = &inst.orgs[h].reps;
        for &r in reps {
            attend
                .entry((ctx.person(r), d.date))
                .or_insert((r, Vec::new()))
                .1
                .push((h, true));
        }
        for &g in &d.guests {
            if !reps.contains(&g) {
                attend
                    .entry((ctx.person(g), d.date))
                    .or_insert((g, Vec::new()))
                    .1
                    .push((h, false));
            }
        }
    }
    for ((sid, day), (s, items)) in attend {
        if items.len() > 1 {
            let rule = if items.iter().any(|&(_, rep)| rep) {
                HardRule::HostRepDoubleBooked
            } else {
                HardRule::GuestDoubleBooked
            };
            let hosts: Vec<usize> = items.iter().map(|&(h, _)| h).collect();
            let ids: Vec<&str> = hosts.iter().map(|&h| ctx.org(h)).collect();
            let mut v = violation(
                rule,
                None,
                Some(day),
                format!(
                    "{sid} on {day}: attends {} dialogues ({})",
                    items.len(),
                    ids.join(", ")
                ),
            );
            v.count = items.len() as u64 - 1;
            v.amount = items.len() as i64;
            v.hosts = hosts;
            v.staff = vec![s];
            ctx.push(v);
        }
    }
}

/// H19: guest attendances per person and calendar year.
fn guest_year_overload(ctx: &mut Ctx<'_>) {
    let mut per_year: BTreeMap<(&str, i32), (usize, Vec<usize>)> = BTreeMap::new();
    for &(h, d) in &ctx.scheduled {
        for &g in &d.guests {
            per_year
                .entry((ctx.person(g), d.date.year()))
                .or_insert((g, Vec::new()))
                .1
                .push(h);
        }
    }
    let limit = ctx.inst.rules.max_guest_dialogues_per_staff_per_year;
    for ((sid, year), (s, hosts)) in per_year {
        let n = hosts.len() as i64;
        if n > limit {
            let mut v = violation(
                HardRule::GuestYearOverload,
                None,
                None,
                format!("{sid} in {year}: guest at {n} dialogues"),
            );
            v.count = (n - limit) as u64;
            v.amount = n;
            v.hosts = hosts;
            v.staff = vec![s];
            v.year = Some(year);
            ctx.push(v);
        }
    }
}

/// H15–H18: who is present at each dialogue.
fn composition_rules(ctx: &mut Ctx<'_>) {
    let inst = ctx.inst;
    let r = &inst.rules;
    for (h, d) in ctx.scheduled.clone() {
        let id = ctx.org(h);
        let t = d.date;
        let mut present: Vec<usize> = d.guests.iter().map(|&g| inst.staff[g].org).collect();
        present.push(h);
        present.sort_unstable();
        present.dedup();
        let n_orgs = present.len() as i64;
        if n_orgs < r.min_orgs_per_dialogue || n_orgs > r.max_orgs_per_dialogue {
            let mut v = violation(
                HardRule::OrgCount,
                Some(h),
                Some(t),
                format!(
                    "{id} on {t}: {n_orgs} organisations, allowed {}..{}",
                    r.min_orgs_per_dialogue, r.max_orgs_per_dialogue
                ),
            );
            v.amount = n_orgs;
            ctx.push(v);
        }
        let n_yo = present
            .iter()
            .filter(|&&o| inst.orgs[o].kind == OrgKind::YouthOffice)
            .count() as i64;
        if n_yo < r.min_youth_offices_per_dialogue {
            let mut v = violation(
                HardRule::NoYouthOffice,
                Some(h),
                Some(t),
                format!("{id} on {t}: no youth office present"),
            );
            v.amount = n_yo;
            ctx.push(v);
        }
        let n_inst = n_orgs - n_yo;
        if n_inst < r.min_institutions_per_dialogue {
            let mut v = violation(
                HardRule::TooFewInstitutions,
                Some(h),
                Some(t),
                format!(
                    "{id} on {t}: {n_inst} institution(s), need {}",
                    r.min_institutions_per_dialogue
                ),
            );
            v.amount = n_inst;
            ctx.push(v);
        }
        let reps = &inst.orgs[h].reps;
        let participants =
            (reps.len() + d.guests.iter().filter(|g| !reps.contains(g)).count()) as i64;
        if participants > inst.orgs[h].room_capacity {
            let mut v = violation(
                HardRule::RoomCapacity,
                Some(h),
                Some(t),
                format!(
                    "{id} on {t}: {participants} participants, room holds {}",
                    inst.orgs[h].room_capacity
                ),
            );
            v.amount = participants;
            ctx.push(v);
        }
    }
}

/// The S2 value for dialogue counts per cycle year and the total (PROBLEM.md §8).
pub fn year_balance_value(weight: i64, per_year: &[i64], total: i64) -> i64 {
    let ny = per_year.len() as i64;
    if ny == 0 {
        return 0;
    }
    let dev: i64 = per_year.iter().map(|&n| (ny * n - total).abs()).sum();
    (weight * dev + ny / 2).div_euclid(ny)
}

/// S1–S7.
fn soft_terms(ctx: &mut Ctx<'_>) {
    let inst = ctx.inst;
    let r = &inst.rules;
    let w = &r.weights;
    let mut items = Vec::new();
    let dialogue_item = |term: SoftTerm, h: usize, d: &Scheduled, value: i64| SoftItem {
        term,
        value,
        host: Some(h),
        staff: Vec::new(),
        date: Some(d.date),
        year: None,
        amount: 1,
    };

    // S1
    let mut guest_count = vec![0i64; inst.staff.len()];
    for &(_, d) in &ctx.scheduled {
        for &g in &d.guests {
            guest_count[g] += 1;
        }
    }
    let target = r.target_guest_dialogues_per_staff;
    let mut missing = 0;
    for (s, &n) in guest_count.iter().enumerate() {
        let m = (target - n).max(0);
        if m > 0 {
            missing += m;
            items.push(SoftItem {
                term: SoftTerm::AttendanceShortfall,
                value: w.attendance_shortfall * m,
                host: None,
                staff: vec![s],
                date: None,
                year: None,
                amount: m,
            });
        }
    }
    let i = SoftTerm::AttendanceShortfall.index();
    ctx.soft[i] = w.attendance_shortfall * missing;
    ctx.soft_info[i] =
        format!("{missing} missing guest attendances below {target} per staff member");

    // S2
    let mut per_year: Vec<i64> = vec![0; inst.years.len()];
    for &(_, d) in &ctx.scheduled {
        if let Some(k) = inst.years.iter().position(|&y| y == d.date.year()) {
            per_year[k] += 1;
        }
    }
    let total = ctx.scheduled.len() as i64;
    let ny = inst.years.len() as i64;
    let i = SoftTerm::YearBalance.index();
    ctx.soft[i] = year_balance_value(w.year_balance, &per_year, total);
    let parts: Vec<String> = inst
        .years
        .iter()
        .zip(&per_year)
        .map(|(y, n)| format!("{y}={n}"))
        .collect();
    ctx.soft_info[i] = format!(
        "per year {}; target {total}/{ny} = {:.2}",
        parts.join(" "),
        total as f64 / ny.max(1) as f64
    );
    for (k, &y) in inst.years.iter().enumerate() {
        let dev = (ny * per_year[k] - total).abs();
        if dev > 0 {
            items.push(SoftItem {
                term: SoftTerm::YearBalance,
                value: (w.year_balance * dev).div_euclid(ny.max(1)),
                host: None,
                staff: Vec::new(),
                date: None,
                year: Some(y),
                amount: per_year[k],
            });
        }
    }

    // S3
    let mut minutes = 0i64;
    let mut trips = 0u64;
    for &(h, d) in &ctx.scheduled {
        let m: i64 = d
            .guests
            .iter()
            .map(|&g| i64::from(inst.travel(inst.staff[g].org, h)))
            .sum();
        minutes += m;
        trips += d.guests.len() as u64;
        if m > 0 {
            let mut it = dialogue_item(SoftTerm::TravelMinutes, h, d, w.travel_minute * m);
            it.staff = d.guests.clone();
            it.amount = m;
            items.push(it);
        }
    }
    let i = SoftTerm::TravelMinutes.index();
    ctx.soft[i] = w.travel_minute * minutes;
    ctx.soft_info[i] = format!("{minutes} minutes over {trips} guest trips");
    ctx.guest_trips = trips;

    // S4, S5, S7: per dialogue date
    let (mut mf, mut sh, mut pm) = (0i64, 0i64, 0i64);
    for &(h, d) in &ctx.scheduled {
        let wd = d.date.weekday().number_from_monday();
        if wd == 1 || wd == 5 {
            mf += 1;
            items.push(dialogue_item(SoftTerm::MondayFriday, h, d, w.monday_friday));
        }
        if inst.in_school_holidays(d.date) {
            sh += 1;
            items.push(dialogue_item(
                SoftTerm::SchoolHoliday,
                h,
                d,
                w.school_holiday,
            ));
        }
    }
    // S6
    let mut absent = 0i64;
    for &(h, d) in &ctx.scheduled {
        let yo = inst.district_youth_office[h];
        if h != yo && !d.guests.iter().any(|&g| inst.staff[g].org == yo) {
            absent += 1;
            items.push(dialogue_item(
                SoftTerm::DistrictYouthOfficeAbsent,
                h,
                d,
                w.district_youth_office_absent,
            ));
        }
    }
    for &(h, d) in &ctx.scheduled {
        let months = &inst.orgs[h].preferred_months;
        if !months.is_empty() && !months.contains(&d.date.month()) {
            pm += 1;
            items.push(dialogue_item(
                SoftTerm::PreferredMonth,
                h,
                d,
                w.preferred_month,
            ));
        }
    }
    let set = |ctx: &mut Ctx<'_>, term: SoftTerm, value: i64, info: String| {
        ctx.soft[term.index()] = value;
        ctx.soft_info[term.index()] = info;
    };
    set(
        ctx,
        SoftTerm::MondayFriday,
        w.monday_friday * mf,
        format!("{mf} dialogues on a Monday or Friday"),
    );
    set(
        ctx,
        SoftTerm::SchoolHoliday,
        w.school_holiday * sh,
        format!("{sh} dialogues in school holidays"),
    );
    set(
        ctx,
        SoftTerm::DistrictYouthOfficeAbsent,
        w.district_youth_office_absent * absent,
        format!("{absent} dialogues without the host district's youth office"),
    );
    set(
        ctx,
        SoftTerm::PreferredMonth,
        w.preferred_month * pm,
        format!("{pm} dialogues outside the host's preferred months"),
    );
    items.sort_by_key(|it| it.term);
    ctx.soft_items = items;
}
