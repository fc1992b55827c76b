//! The instance and solution files of problem v1 (PROBLEM.md §3, §4) and their parsed model.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde_json::{Value, json};

use crate::error::InputError;
use crate::json::{
    Kind, excerpt, need, need_array, need_date, need_int, need_str, parse_date, quote,
};

/// `format` of an instance file.
pub const INSTANCE_FORMAT: &str = "qmf-dialogue-planner-instance";
/// `format` of a solution file.
pub const SOLUTION_FORMAT: &str = "qmf-dialogue-planner-solution";

/// The numeric rules of an instance (`rules`, PROBLEM.md §3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rules {
    /// Most dialogues region-wide on one calendar day (H7).
    pub max_dialogues_per_day: i64,
    /// Most dialogues region-wide in one ISO week (H8).
    pub max_dialogues_per_iso_week: i64,
    /// Days between `report_ready` and the earliest dialogue date (H6).
    pub report_lead_days: i64,
    /// Fewest organisations present at a dialogue (H15).
    pub min_orgs_per_dialogue: i64,
    /// Most organisations present at a dialogue (H15).
    pub max_orgs_per_dialogue: i64,
    /// Fewest youth offices present (H16).
    pub min_youth_offices_per_dialogue: i64,
    /// Fewest institutions present (H17).
    pub min_institutions_per_dialogue: i64,
    /// Most guest attendances of one person in one calendar year (H19).
    pub max_guest_dialogues_per_staff_per_year: i64,
    /// Guest attendances every person should reach (S1).
    pub target_guest_dialogues_per_staff: i64,
    /// Road distance as a percentage of the straight line (travel, §5.3).
    pub travel_road_factor_percent: i64,
    /// Travel speed in km/h (travel, §5.3).
    pub travel_speed_kmh: i64,
    /// Weights of the soft terms.
    pub weights: Weights,
}

/// The weights of the soft terms S1–S7 (`rules.weights`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Weights {
    /// S1, per missing guest attendance.
    pub attendance_shortfall: i64,
    /// S2, per dialogue of deviation from an even spread over the years.
    pub year_balance: i64,
    /// S3, per travel minute.
    pub travel_minute: i64,
    /// S4, per dialogue on a Monday or Friday.
    pub monday_friday: i64,
    /// S5, per dialogue in school holidays.
    pub school_holiday: i64,
    /// S6, per dialogue without the host district's youth office.
    pub district_youth_office_absent: i64,
    /// S7, per dialogue outside the host's preferred months.
    pub preferred_month: i64,
}

/// Kind of organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrgKind {
    /// A district youth office (`JA-…`).
    YouthOffice,
    /// An institution (`E001`, …).
    Institution,
}

/// An organisation, which hosts one dialogue per cycle.
#[derive(Clone, Debug)]
pub struct Org {
    /// Unique id.
    pub id: String,
    /// Display name (informational, may be empty).
    pub name: String,
    /// Youth office or institution.
    pub kind: OrgKind,
    /// District name; each district has exactly one youth office.
    pub district: String,
    /// Position east of Heilbronn in metres.
    pub xm: i64,
    /// Position north of Heilbronn in metres.
    pub ym: i64,
    /// Most participants (host reps and guests) the room holds.
    pub room_capacity: i64,
    /// Date the quality report is ready.
    pub report_ready: NaiveDate,
    /// Preferred months 1–12, empty for no preference.
    pub preferred_months: BTreeSet<u32>,
    /// Proposed dates as listed in the file.
    pub candidate_dates: Vec<NaiveDate>,
    /// Proposed dates, sorted and distinct.
    pub candidates: BTreeSet<NaiveDate>,
    /// Staff indices of the host representatives, in file order.
    pub reps: Vec<usize>,
    /// Staff indices of all staff, in file order.
    pub staff: Vec<usize>,
}

/// A staff member.
#[derive(Clone, Debug)]
pub struct Staff {
    /// Unique id.
    pub id: String,
    /// Display name (optional `name` field, an extension of the instance format: explanations
    /// name the person by it; empty when absent).
    pub name: String,
    /// Index of the organisation.
    pub org: usize,
    /// Host representative of the own organisation.
    pub host_rep: bool,
    /// Inclusive unavailable ranges.
    pub unavailable: Vec<(NaiveDate, NaiveDate)>,
    /// Fixed ISO weekday off (1 Monday … 7 Sunday).
    pub weekday_off: Option<u32>,
}

impl Staff {
    /// Whether the person is unavailable on `day` (§5.2).
    pub fn unavailable_on(&self, day: NaiveDate) -> bool {
        self.weekday_off == Some(day.weekday().number_from_monday())
            || self.unavailable.iter().any(|&(a, b)| a <= day && day <= b)
    }
}

/// A parsed instance.
#[derive(Clone, Debug)]
pub struct Instance {
    /// `name`, e.g. `L-7`.
    pub name: String,
    /// `size` as given (informational).
    pub size: Value,
    /// `seed` as given (informational).
    pub seed: Value,
    /// `generator` as given (informational).
    pub generator: Value,
    /// First day of the cycle.
    pub start: NaiveDate,
    /// Last day of the cycle.
    pub end: NaiveDate,
    /// Calendar years of the cycle, ascending.
    pub years: Vec<i32>,
    /// Rules and weights.
    pub rules: Rules,
    /// Public holidays.
    pub public_holidays: HashSet<NaiveDate>,
    /// School holiday ranges, inclusive.
    pub school_holidays: Vec<(NaiveDate, NaiveDate)>,
    /// Names of the public holidays (when given), for explanations.
    pub public_holiday_names: HashMap<NaiveDate, String>,
    /// Names of the school holiday ranges (parallel to `school_holidays`; may be empty).
    pub school_holiday_names: Vec<String>,
    /// Forum dates.
    pub forum_dates: HashSet<NaiveDate>,
    /// Organisations in file order.
    pub orgs: Vec<Org>,
    /// Staff in file order.
    pub staff: Vec<Staff>,
    /// For every organisation the index of its district's youth office.
    pub district_youth_office: Vec<usize>,
    org_index: HashMap<String, usize>,
    staff_index: HashMap<String, usize>,
    travel: Vec<u32>,
}

const RULE_KEYS: [&str; 11] = [
    "max_dialogues_per_day",
    "max_dialogues_per_iso_week",
    "report_lead_days",
    "min_orgs_per_dialogue",
    "max_orgs_per_dialogue",
    "min_youth_offices_per_dialogue",
    "min_institutions_per_dialogue",
    "max_guest_dialogues_per_staff_per_year",
    "target_guest_dialogues_per_staff",
    "travel_road_factor_percent",
    "travel_speed_kmh",
];

const WEIGHT_KEYS: [&str; 7] = [
    "attendance_shortfall",
    "year_balance",
    "travel_minute",
    "monday_friday",
    "school_holiday",
    "district_youth_office_absent",
    "preferred_month",
];

/// Reads a JSON file; `what` (`instance`, `solution`) prefixes the error message.
pub fn load_json(path: &Path, what: &str) -> Result<Value, InputError> {
    let raw = std::fs::read(path).map_err(|e| {
        InputError::new(format!(
            "{what}: cannot read {}: {e}",
            quote(&path.display().to_string())
        ))
    })?;
    let text = String::from_utf8(raw).map_err(|_| {
        InputError::new(format!(
            "{what}: {} is not UTF-8 text",
            quote(&path.display().to_string())
        ))
    })?;
    parse_json_text(&text, &path.display().to_string(), what)
}

/// Parses JSON text; `name` (a path) and `what` appear in the error message.
pub fn parse_json_text(text: &str, name: &str, what: &str) -> Result<Value, InputError> {
    serde_json::from_str(text).map_err(|e| {
        InputError::new(format!(
            "{what}: {} is not valid JSON: {} at line {} column {}",
            quote(name),
            json_error_text(&e),
            e.line(),
            e.column()
        ))
    })
}

fn json_error_text(e: &serde_json::Error) -> String {
    let full = e.to_string();
    match full.find(" at line ") {
        Some(pos) => full[..pos].to_string(),
        None => full,
    }
}

fn travel_minutes_between(a: &Org, b: &Org, rules: &Rules) -> u32 {
    let dx = i128::from(a.xm - b.xm);
    let dy = i128::from(a.ym - b.ym);
    let d2 = (dx * dx + dy * dy) as u128;
    let mut p = (rules.travel_road_factor_percent * 60) as u128;
    let mut q = (100 * 1000 * rules.travel_speed_kmh) as u128;
    let g = gcd(p, q);
    p /= g;
    q /= g;
    let minutes = (isqrt(4 * p * p * d2) + q) / (2 * q);
    u32::try_from(minutes).unwrap_or(u32::MAX)
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a.max(1)
}

/// Integer square root (largest r with r² ≤ n).
pub fn isqrt(n: u128) -> u128 {
    if n < 2 {
        return n;
    }
    let mut x = (n as f64).sqrt() as u128;
    while x * x > n {
        x -= 1;
    }
    while (x + 1) * (x + 1) <= n {
        x += 1;
    }
    x
}

impl Instance {
    /// Reads and checks an instance file.
    pub fn load(path: &Path) -> Result<Self, InputError> {
        Self::from_json(&load_json(path, "instance")?)
    }

    /// Parses an instance from JSON text.
    pub fn from_text(text: &str) -> Result<Self, InputError> {
        Self::from_json(&parse_json_text(text, "<text>", "instance")?)
    }

    /// Checks and converts a parsed instance document (PROBLEM.md §3).
    pub fn from_json(doc: &Value) -> Result<Self, InputError> {
        let w = "instance";
        let format = need_str(doc, "format", w)?;
        if format != INSTANCE_FORMAT {
            return Err(InputError::new(format!(
                "instance.format: expected {}, got {}",
                quote(INSTANCE_FORMAT),
                quote(format)
            )));
        }
        let version = need_int(doc, "format_version", w)?;
        if version != 1 {
            return Err(InputError::new(format!(
                "instance.format_version: this planner reads version 1, got {version}"
            )));
        }
        let name = need_str(doc, "name", w)?.to_string();
        let size = doc.get("size").cloned().unwrap_or(Value::Null);
        let seed = doc.get("seed").cloned().unwrap_or(Value::Null);
        let generator = doc.get("generator").cloned().unwrap_or_else(|| json!({}));

        let cycle = need(doc, "cycle", Kind::Object, w)?;
        let start = need_date(cycle, "start", "instance.cycle")?;
        let end = need_date(cycle, "end", "instance.cycle")?;
        if end < start {
            return Err(InputError::new("instance.cycle: end is before start"));
        }
        let years_value = need_array(cycle, "years", "instance.cycle")?;
        let expect: Vec<i32> = (start.year()..=end.year()).collect();
        let years_ok = years_value.len() == expect.len()
            && years_value
                .iter()
                .zip(&expect)
                .all(|(v, &y)| v.as_f64() == Some(f64::from(y)));
        if !years_ok {
            return Err(InputError::new(format!(
                "instance.cycle.years: expected {expect:?} (calendar years touched by the cycle), got {}",
                excerpt(&Value::Array(years_value.clone()), 60)
            )));
        }

        let rules_value = need(doc, "rules", Kind::Object, w)?;
        let mut r = [0i64; 11];
        for (slot, key) in r.iter_mut().zip(RULE_KEYS) {
            *slot = need_int(rules_value, key, "instance.rules")?;
        }
        let weights_value = need(rules_value, "weights", Kind::Object, "instance.rules")?;
        let mut wt = [0i64; 7];
        for (slot, key) in wt.iter_mut().zip(WEIGHT_KEYS) {
            *slot = need_int(weights_value, key, "instance.rules.weights")?;
        }
        let rules = Rules {
            max_dialogues_per_day: r[0],
            max_dialogues_per_iso_week: r[1],
            report_lead_days: r[2],
            min_orgs_per_dialogue: r[3],
            max_orgs_per_dialogue: r[4],
            min_youth_offices_per_dialogue: r[5],
            min_institutions_per_dialogue: r[6],
            max_guest_dialogues_per_staff_per_year: r[7],
            target_guest_dialogues_per_staff: r[8],
            travel_road_factor_percent: r[9],
            travel_speed_kmh: r[10],
            weights: Weights {
                attendance_shortfall: wt[0],
                year_balance: wt[1],
                travel_minute: wt[2],
                monday_friday: wt[3],
                school_holiday: wt[4],
                district_youth_office_absent: wt[5],
                preferred_month: wt[6],
            },
        };
        if rules.travel_speed_kmh <= 0 || rules.travel_road_factor_percent <= 0 {
            return Err(InputError::new(
                "instance.rules: travel factor and speed must be positive",
            ));
        }
        if !(0..=100_000).contains(&rules.report_lead_days) {
            return Err(InputError::new(
                "instance.rules.report_lead_days: must lie in 0..100000",
            ));
        }

        let cal = need(doc, "calendar", Kind::Object, w)?;
        let mut public_holidays = HashSet::new();
        let mut public_holiday_names = HashMap::new();
        let mut school_holiday_names = Vec::new();
        for (i, h) in need_array(cal, "public_holidays", "instance.calendar")?
            .iter()
            .enumerate()
        {
            let loc = format!("instance.calendar.public_holidays[{i}]");
            let date = need_date(h, "date", &loc)?;
            public_holidays.insert(date);
            if let Some(name) = h.get("name").and_then(Value::as_str) {
                public_holiday_names.insert(date, name.to_string());
            }
        }
        let mut school_holidays = Vec::new();
        for (i, h) in need_array(cal, "school_holidays", "instance.calendar")?
            .iter()
            .enumerate()
        {
            let loc = format!("instance.calendar.school_holidays[{i}]");
            let a = need_date(h, "start", &loc)?;
            let b = need_date(h, "end", &loc)?;
            if b < a {
                return Err(InputError::new(format!("{loc}: end is before start")));
            }
            school_holidays.push((a, b));
            school_holiday_names.push(
                h.get("name")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
            );
        }
        let mut forum_dates = HashSet::new();
        for (i, f) in need_array(cal, "forum_dates", "instance.calendar")?
            .iter()
            .enumerate()
        {
            forum_dates.insert(parse_date(
                f,
                &format!("instance.calendar.forum_dates[{i}]"),
            )?);
        }

        let mut orgs: Vec<Org> = Vec::new();
        let mut org_index = HashMap::new();
        for (i, o) in need_array(doc, "organisations", w)?.iter().enumerate() {
            let loc = format!("instance.organisations[{i}]");
            let id = need_str(o, "id", &loc)?.to_string();
            if org_index.contains_key(&id) {
                return Err(InputError::new(format!(
                    "{loc}.id: duplicate organisation id {}",
                    quote(&id)
                )));
            }
            let kind = match need_str(o, "kind", &loc)? {
                "youth_office" => OrgKind::YouthOffice,
                "institution" => OrgKind::Institution,
                other => {
                    return Err(InputError::new(format!(
                        "{loc}.kind: expected 'youth_office' or 'institution', got {}",
                        quote(other)
                    )));
                }
            };
            let x = need(o, "x_km", Kind::Number, &loc)?.as_f64().unwrap_or(0.0);
            let y = need(o, "y_km", Kind::Number, &loc)?.as_f64().unwrap_or(0.0);
            let room_capacity = need_int(o, "room_capacity", &loc)?;
            let mut preferred_months = BTreeSet::new();
            for m in need_array(o, "preferred_months", &loc)? {
                match m.as_u64().filter(|m| (1..=12).contains(m)) {
                    Some(m) => preferred_months.insert(m as u32),
                    None => {
                        return Err(InputError::new(format!(
                            "{loc}.preferred_months: months are integers 1..12, got {}",
                            excerpt(m, 40)
                        )));
                    }
                };
            }
            let mut candidate_dates = Vec::new();
            for (j, c) in need_array(o, "candidate_dates", &loc)?.iter().enumerate() {
                candidate_dates.push(parse_date(c, &format!("{loc}.candidate_dates[{j}]"))?);
            }
            let district = need_str(o, "district", &loc)?.to_string();
            let report_ready = need_date(o, "report_ready", &loc)?;
            let name = o
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            org_index.insert(id.clone(), orgs.len());
            orgs.push(Org {
                id,
                name,
                kind,
                district,
                xm: to_metres(x),
                ym: to_metres(y),
                room_capacity,
                report_ready,
                preferred_months,
                candidates: candidate_dates.iter().copied().collect(),
                candidate_dates,
                reps: Vec::new(),
                staff: Vec::new(),
            });
        }

        let mut youth_office_of: HashMap<&str, usize> = HashMap::new();
        for (i, o) in orgs.iter().enumerate() {
            if o.kind == OrgKind::YouthOffice {
                if youth_office_of.contains_key(o.district.as_str()) {
                    return Err(InputError::new(format!(
                        "instance: two youth offices for district {}",
                        quote(&o.district)
                    )));
                }
                youth_office_of.insert(&o.district, i);
            }
        }
        let mut district_youth_office = Vec::with_capacity(orgs.len());
        for o in &orgs {
            match youth_office_of.get(o.district.as_str()) {
                Some(&yo) => district_youth_office.push(yo),
                None => {
                    return Err(InputError::new(format!(
                        "instance: organisation {} is in district {}, which has no youth office",
                        quote(&o.id),
                        quote(&o.district)
                    )));
                }
            }
        }

        let mut staff: Vec<Staff> = Vec::new();
        let mut staff_index = HashMap::new();
        for (i, s) in need_array(doc, "staff", w)?.iter().enumerate() {
            let loc = format!("instance.staff[{i}]");
            let id = need_str(s, "id", &loc)?.to_string();
            if staff_index.contains_key(&id) {
                return Err(InputError::new(format!(
                    "{loc}.id: duplicate staff id {}",
                    quote(&id)
                )));
            }
            let org_id = need_str(s, "org", &loc)?;
            let Some(&org) = org_index.get(org_id) else {
                return Err(InputError::new(format!(
                    "{loc}.org: unknown organisation {}",
                    quote(org_id)
                )));
            };
            let mut unavailable = Vec::new();
            for (j, u) in need_array(s, "unavailable", &loc)?.iter().enumerate() {
                let uloc = format!("{loc}.unavailable[{j}]");
                let a = need_date(u, "start", &uloc)?;
                let b = need_date(u, "end", &uloc)?;
                if b < a {
                    return Err(InputError::new(format!("{uloc}: end is before start")));
                }
                unavailable.push((a, b));
            }
            let Some(off) = s.get("weekday_off") else {
                return Err(InputError::new(format!(
                    "{loc}: missing field 'weekday_off' (use null for none)"
                )));
            };
            let weekday_off = if off.is_null() {
                None
            } else {
                match off.as_u64().filter(|d| (1..=7).contains(d)) {
                    Some(d) => Some(d as u32),
                    None => {
                        return Err(InputError::new(format!(
                            "{loc}.weekday_off: expected null or an ISO weekday 1..7, got {}",
                            excerpt(off, 40)
                        )));
                    }
                }
            };
            let host_rep = need(s, "host_rep", Kind::Bool, &loc)?
                .as_bool()
                .unwrap_or(false);
            let index = staff.len();
            staff_index.insert(id.clone(), index);
            orgs[org].staff.push(index);
            if host_rep {
                orgs[org].reps.push(index);
            }
            let name = s
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            staff.push(Staff {
                id,
                name,
                org,
                host_rep,
                unavailable,
                weekday_off,
            });
        }
        if let Some(o) = orgs.iter().find(|o| o.reps.is_empty()) {
            return Err(InputError::new(format!(
                "instance: organisation {} has no host representative",
                quote(&o.id)
            )));
        }

        let n = orgs.len();
        let mut travel = vec![0u32; n * n];
        for a in 0..n {
            for b in 0..n {
                travel[a * n + b] = travel_minutes_between(&orgs[a], &orgs[b], &rules);
            }
        }
        Ok(Self {
            name,
            size,
            seed,
            generator,
            start,
            end,
            years: expect,
            rules,
            public_holidays,
            school_holidays,
            public_holiday_names,
            school_holiday_names,
            forum_dates,
            orgs,
            staff,
            district_youth_office,
            org_index,
            staff_index,
            travel,
        })
    }

    /// Index of the organisation with this id.
    pub fn org_by_id(&self, id: &str) -> Option<usize> {
        self.org_index.get(id).copied()
    }

    /// Index of the staff member with this id.
    pub fn staff_by_id(&self, id: &str) -> Option<usize> {
        self.staff_index.get(id).copied()
    }

    /// One-way travel minutes from organisation `from` to organisation `to` (§5.3).
    pub fn travel(&self, from: usize, to: usize) -> u32 {
        self.travel[from * self.orgs.len() + to]
    }

    /// Earliest allowed dialogue date of a host (`report_ready` + `report_lead_days`).
    pub fn earliest(&self, org: usize) -> NaiveDate {
        self.orgs[org].report_ready + chrono::Days::new(self.rules.report_lead_days as u64)
    }

    /// Whether `day` lies in any school holiday range.
    pub fn in_school_holidays(&self, day: NaiveDate) -> bool {
        self.school_holidays
            .iter()
            .any(|&(a, b)| a <= day && day <= b)
    }
}

fn to_metres(km: f64) -> i64 {
    (km * 1000.0).round_ties_even() as i64
}

/// One scheduled dialogue: date and guest staff indices (in the order given).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scheduled {
    /// The date.
    pub date: NaiveDate,
    /// Guests, staff indices, distinct.
    pub guests: Vec<usize>,
}

/// A plan: for every organisation (by index) its dialogue, or `None` when unscheduled.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// One entry per organisation, in instance order.
    pub dialogues: Vec<Option<Scheduled>>,
}

impl Plan {
    /// The plan with every dialogue unscheduled.
    pub fn empty(instance: &Instance) -> Self {
        Self {
            dialogues: vec![None; instance.orgs.len()],
        }
    }

    /// Scheduled dialogues as (host index, dialogue), in instance order.
    pub fn scheduled(&self) -> impl Iterator<Item = (usize, &Scheduled)> {
        self.dialogues
            .iter()
            .enumerate()
            .filter_map(|(h, d)| d.as_ref().map(|d| (h, d)))
    }
}

/// Marks of the replanning extension on one dialogue of a previous plan (see README).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Marks {
    /// Date and guests must stay as they are.
    pub pinned: bool,
    /// The dialogue has been announced; moving it counts as a medium violation (M2).
    pub published: bool,
}

/// A parsed solution file.
#[derive(Clone, Debug)]
pub struct Solution {
    /// The plan.
    pub plan: Plan,
    /// The `solver` object, if any.
    pub solver: Option<Value>,
    /// Replanning marks per organisation (all false for ordinary solutions).
    pub marks: Vec<Marks>,
}

impl Solution {
    /// Reads and checks a solution file against its instance.
    pub fn load(path: &Path, instance: &Instance) -> Result<Self, InputError> {
        Self::from_json(&load_json(path, "solution")?, instance)
    }

    /// Checks and converts a parsed solution document (PROBLEM.md §4).
    pub fn from_json(doc: &Value, instance: &Instance) -> Result<Self, InputError> {
        let w = "solution";
        let format = need_str(doc, "format", w)?;
        if format != SOLUTION_FORMAT {
            return Err(InputError::new(format!(
                "solution.format: expected {}, got {}",
                quote(SOLUTION_FORMAT),
                quote(format)
            )));
        }
        let version = need_int(doc, "format_version", w)?;
        if version != 1 {
            return Err(InputError::new(format!(
                "solution.format_version: this planner reads version 1, got {version}"
            )));
        }
        if let Some(named) = doc.get("instance").filter(|v| !v.is_null())
            && named.as_str() != Some(instance.name.as_str())
        {
            let shown = named.as_str().map_or_else(|| excerpt(named, 40), quote);
            return Err(InputError::new(format!(
                "solution.instance: solution is for {shown}, instance file is {}",
                quote(&instance.name)
            )));
        }
        let mut plan = Plan::empty(instance);
        let mut seen_host = vec![false; instance.orgs.len()];
        let mut marks = vec![Marks::default(); instance.orgs.len()];
        for (i, d) in need_array(doc, "dialogues", w)?.iter().enumerate() {
            let loc = format!("solution.dialogues[{i}]");
            let host_id = need_str(d, "host", &loc)?;
            let Some(host) = instance.org_by_id(host_id) else {
                return Err(InputError::new(format!(
                    "{loc}.host: unknown organisation {}",
                    quote(host_id)
                )));
            };
            if seen_host[host] {
                return Err(InputError::new(format!(
                    "{loc}.host: {} appears more than once",
                    quote(host_id)
                )));
            }
            seen_host[host] = true;
            let Some(date_value) = d.get("date") else {
                return Err(InputError::new(format!(
                    "{loc}: missing field 'date' (use null for unscheduled)"
                )));
            };
            let guests = need_array(d, "guests", &loc)?;
            for (key, slot) in [("pinned", 0), ("published", 1)] {
                if let Some(v) = d.get(key) {
                    let Some(flag) = v.as_bool() else {
                        return Err(InputError::new(format!(
                            "{loc}.{key}: expected true or false, got {}",
                            excerpt(v, 40)
                        )));
                    };
                    if slot == 0 {
                        marks[host].pinned = flag;
                    } else {
                        marks[host].published = flag;
                    }
                }
            }
            if date_value.is_null() {
                if !guests.is_empty() {
                    return Err(InputError::new(format!(
                        "{loc}: unscheduled dialogue (date null) must have an empty guest list"
                    )));
                }
                continue;
            }
            let date = parse_date(date_value, &format!("{loc}.date"))?;
            let mut list = Vec::with_capacity(guests.len());
            for (j, g) in guests.iter().enumerate() {
                let Some(gid) = g.as_str() else {
                    return Err(InputError::new(format!(
                        "{loc}.guests[{j}]: expected a staff id string, got {}",
                        excerpt(g, 40)
                    )));
                };
                let Some(s) = instance.staff_by_id(gid) else {
                    return Err(InputError::new(format!(
                        "{loc}.guests[{j}]: unknown staff id {}",
                        quote(gid)
                    )));
                };
                if list.contains(&s) {
                    return Err(InputError::new(format!(
                        "{loc}.guests[{j}]: staff {} listed twice in one dialogue",
                        quote(gid)
                    )));
                }
                list.push(s);
            }
            plan.dialogues[host] = Some(Scheduled { date, guests: list });
        }
        Ok(Self {
            plan,
            solver: doc.get("solver").cloned(),
            marks,
        })
    }
}

/// The solution document of a plan (PROBLEM.md §4), every host listed in instance order.
/// `marks`, when given, adds the `pinned`/`published` fields of the replanning extension.
pub fn solution_json(
    instance: &Instance,
    plan: &Plan,
    solver: Value,
    marks: Option<&[Marks]>,
) -> Value {
    let dialogues: Vec<Value> = plan
        .dialogues
        .iter()
        .enumerate()
        .map(|(h, d)| {
            let mut entry = match d {
                Some(d) => json!({
                    "host": instance.orgs[h].id,
                    "date": d.date.format("%Y-%m-%d").to_string(),
                    "guests": d.guests.iter().map(|&s| instance.staff[s].id.clone()).collect::<Vec<_>>(),
                }),
                None => json!({"host": instance.orgs[h].id, "date": null, "guests": []}),
            };
            if let (Some(marks), Some(map)) = (marks, entry.as_object_mut()) {
                let m = marks.get(h).copied().unwrap_or_default();
                if m.pinned {
                    map.insert("pinned".into(), Value::Bool(true));
                }
                if m.published {
                    map.insert("published".into(), Value::Bool(true));
                }
            }
            entry
        })
        .collect();
    json!({
        "format": SOLUTION_FORMAT,
        "format_version": 1,
        "instance": instance.name,
        "solver": solver,
        "dialogues": dialogues,
    })
}
