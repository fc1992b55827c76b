//! Commitment at a glance (Verbindlichkeit): the criteria of the seeds, judged per organisation
//! on a day from dated facts. The facts come from the directory itself (agreements, leadership
//! confirmations, staff) and from the other services' events (seats and attendance, dialogues,
//! agreed measures, completed trainings). Pure: the same facts, day and thresholds always give
//! the same result, so the history of a quarter is the judgement on its last day.
//!
//! The criteria and their statuses (`met`, `at_risk`, `not_met`), with [`Thresholds`]:
//! - `agreement`: a valid quality development agreement is met; a valid one that ends within
//!   `agreement_ending_days`, or only the old cooperation agreement, is at risk; none is not met.
//! - `leadership`: the newest confirmation by the leader is met while younger than
//!   `leadership_valid_months`, at risk in its last `leadership_warning_months`, not met when
//!   older or missing.
//! - `committees`: a seat held today and the share of the meetings attended (present) of the
//!   bodies it sat in over the last `attendance_window_months`; met from
//!   `attendance_met_share`, at risk from `attendance_at_risk_share` or with a seat but no
//!   meeting yet; not met without a seat or below.
//! - `dialogues`: in the cycle running on the day, a dialogue hosted and held, and at least
//!   `guest_visits_expected` dialogues attended as guest; met with both, at risk with one, not
//!   met with neither (no running cycle: not judged, `met`).
//! - `results`: the measures agreed in dialogues that the organisation owns; met with none
//!   overdue, at risk with up to `overdue_measures_at_risk`, not met with more.
//! - `trainings`: the courses required for the functions of its active staff, done (a
//!   completion still valid on the day) or missing; met from `trainings_met_share` of them
//!   done, at risk from `trainings_at_risk_share`, not met below (nothing required: met).

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// How a criterion stands.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Met,
    AtRisk,
    NotMet,
}

/// The limits the statuses are judged by; configurable per deployment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Thresholds {
    pub agreement_ending_days: u32,
    pub leadership_valid_months: u32,
    pub leadership_warning_months: u32,
    pub attendance_window_months: u32,
    pub attendance_met_share: f64,
    pub attendance_at_risk_share: f64,
    pub guest_visits_expected: u32,
    pub overdue_measures_at_risk: u32,
    pub trainings_met_share: f64,
    pub trainings_at_risk_share: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            agreement_ending_days: 90,
            leadership_valid_months: 24,
            leadership_warning_months: 3,
            attendance_window_months: 24,
            attendance_met_share: 0.6,
            attendance_at_risk_share: 0.4,
            guest_visits_expected: 1,
            overdue_measures_at_risk: 1,
            trainings_met_share: 0.9,
            trainings_at_risk_share: 0.6,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgreementKind {
    Cooperation,
    QualityDevelopment,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFact {
    pub kind: AgreementKind,
    pub signed_on: NaiveDate,
    pub terminated_on: Option<NaiveDate>,
}

/// A seat of the organisation in a body, from `start_on` until before `end_on`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatFact {
    pub body_id: Uuid,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    Present,
    Excused,
}

/// A held meeting of a body and how the organisation took part (`None`: not listed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingFact {
    pub body_id: Uuid,
    pub day: NaiveDate,
    pub presence: Option<Presence>,
}

/// The cycle of quality dialogues running from `start_on` to `end_on` (inclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CycleFact {
    pub id: Uuid,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

/// A dialogue the organisation hosted, held on `held_on` (`None`: not held yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedFact {
    pub cycle_id: Uuid,
    pub held_on: Option<NaiveDate>,
}

/// A held dialogue one of the organisation's staff attended as guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestFact {
    pub cycle_id: Uuid,
    pub dialogue_id: Uuid,
    pub person_id: Uuid,
    pub held_on: NaiveDate,
}

/// A measure agreed in a dialogue that the organisation owns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureFact {
    pub title: String,
    pub agreed_on: NaiveDate,
    pub due_on: Option<NaiveDate>,
    pub completed_on: Option<NaiveDate>,
}

/// A staff member of the organisation with their functions (codes) and active period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffFact {
    pub person_id: Uuid,
    pub functions: Vec<String>,
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
}

/// A course of the catalogue and the staff functions it is required for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CourseFact {
    pub id: Uuid,
    pub title: String,
    pub required_for: Vec<String>,
    pub valid_for_years: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionFact {
    pub person_id: Uuid,
    pub course_id: Uuid,
    pub completed_on: NaiveDate,
}

/// Everything known of one organisation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    pub agreements: Vec<AgreementFact>,
    pub confirmations: Vec<NaiveDate>,
    pub seats: Vec<SeatFact>,
    pub meetings: Vec<MeetingFact>,
    pub hosted: Vec<HostedFact>,
    pub guest_visits: Vec<GuestFact>,
    pub measures: Vec<MeasureFact>,
    pub staff: Vec<StaffFact>,
    pub completions: Vec<CompletionFact>,
}

/// The judgement of one criterion with its figures.
#[derive(Debug, Clone, PartialEq)]
pub enum Criterion {
    Agreement {
        status: Status,
        kind: Option<AgreementKind>,
        valid_until: Option<NaiveDate>,
    },
    Leadership {
        status: Status,
        confirmed_on: Option<NaiveDate>,
        valid_until: Option<NaiveDate>,
    },
    Committees {
        status: Status,
        seats: u32,
        meetings: u32,
        present: u32,
        excused: u32,
    },
    Dialogues {
        status: Status,
        cycle_id: Option<Uuid>,
        hosted_held: u32,
        hosted_pending: u32,
        guest_visits: u32,
        /// Dialogues attended as guest per staff member (the organisation's own view only).
        guest_visits_by_person: BTreeMap<Uuid, u32>,
    },
    Results {
        status: Status,
        open: u32,
        done: u32,
        /// The overdue measures by title, earliest due first.
        overdue: Vec<String>,
    },
    Trainings {
        status: Status,
        required: u32,
        done: u32,
        /// Missing trainings per staff function: function → course titles with how many of
        /// its staff miss each.
        missing_by_function: BTreeMap<String, BTreeMap<String, u32>>,
    },
}

impl Criterion {
    pub fn status(&self) -> Status {
        match self {
            Criterion::Agreement { status, .. }
            | Criterion::Leadership { status, .. }
            | Criterion::Committees { status, .. }
            | Criterion::Dialogues { status, .. }
            | Criterion::Results { status, .. }
            | Criterion::Trainings { status, .. } => *status,
        }
    }
}

/// Every criterion of one organisation on `on`, in the seeds' order; `cycle` is the cycle of
/// dialogues running on `on`, if any.
pub fn judge(
    facts: &Facts,
    courses: &[CourseFact],
    cycle: Option<&CycleFact>,
    on: NaiveDate,
    t: &Thresholds,
) -> Vec<Criterion> {
    vec![
        agreement(facts, on, t),
        leadership(facts, on, t),
        committees(facts, on, t),
        dialogues(facts, cycle, t),
        results(facts, on, t),
        trainings(facts, courses, on, t),
    ]
}

fn valid_on(a: &AgreementFact, on: NaiveDate) -> bool {
    a.signed_on <= on && a.terminated_on.is_none_or(|end| on < end)
}

fn agreement(facts: &Facts, on: NaiveDate, t: &Thresholds) -> Criterion {
    let valid: Vec<&AgreementFact> = facts
        .agreements
        .iter()
        .filter(|a| valid_on(a, on))
        .collect();
    let best = valid
        .iter()
        .find(|a| a.kind == AgreementKind::QualityDevelopment)
        .or(valid.first());
    let Some(best) = best else {
        return Criterion::Agreement {
            status: Status::NotMet,
            kind: None,
            valid_until: None,
        };
    };
    let ending_soon = best
        .terminated_on
        .is_some_and(|end| (end - on).num_days() <= i64::from(t.agreement_ending_days));
    let status = if best.kind == AgreementKind::QualityDevelopment && !ending_soon {
        Status::Met
    } else {
        Status::AtRisk
    };
    Criterion::Agreement {
        status,
        kind: Some(best.kind),
        valid_until: best.terminated_on,
    }
}

fn leadership(facts: &Facts, on: NaiveDate, t: &Thresholds) -> Criterion {
    let newest = facts
        .confirmations
        .iter()
        .filter(|d| **d <= on)
        .max()
        .copied();
    let valid_until =
        newest.and_then(|d| d.checked_add_months(Months::new(t.leadership_valid_months)));
    let warn_from =
        valid_until.and_then(|d| d.checked_sub_months(Months::new(t.leadership_warning_months)));
    let status = match (valid_until, warn_from) {
        (Some(until), _) if on >= until => Status::NotMet,
        (Some(_), Some(warn)) if on >= warn => Status::AtRisk,
        (Some(_), _) => Status::Met,
        (None, _) => Status::NotMet,
    };
    Criterion::Leadership {
        status,
        confirmed_on: newest,
        valid_until,
    }
}

fn seat_on(seat: &SeatFact, day: NaiveDate) -> bool {
    seat.start_on <= day && seat.end_on.is_none_or(|end| day < end)
}

fn committees(facts: &Facts, on: NaiveDate, t: &Thresholds) -> Criterion {
    let seats = facts.seats.iter().filter(|s| seat_on(s, on)).count() as u32;
    let since = on
        .checked_sub_months(Months::new(t.attendance_window_months))
        .unwrap_or(NaiveDate::MIN);
    let counted: Vec<&MeetingFact> = facts
        .meetings
        .iter()
        .filter(|m| since < m.day && m.day <= on)
        .filter(|m| {
            facts
                .seats
                .iter()
                .any(|s| s.body_id == m.body_id && seat_on(s, m.day))
        })
        .collect();
    let meetings = counted.len() as u32;
    let present = counted
        .iter()
        .filter(|m| m.presence == Some(Presence::Present))
        .count() as u32;
    let excused = counted
        .iter()
        .filter(|m| m.presence == Some(Presence::Excused))
        .count() as u32;
    let share = if meetings == 0 {
        None
    } else {
        Some(f64::from(present) / f64::from(meetings))
    };
    let status = match share {
        _ if seats == 0 => Status::NotMet,
        None => Status::AtRisk,
        Some(s) if s >= t.attendance_met_share => Status::Met,
        Some(s) if s >= t.attendance_at_risk_share => Status::AtRisk,
        Some(_) => Status::NotMet,
    };
    Criterion::Committees {
        status,
        seats,
        meetings,
        present,
        excused,
    }
}

fn dialogues(facts: &Facts, cycle: Option<&CycleFact>, t: &Thresholds) -> Criterion {
    let Some(cycle) = cycle else {
        return Criterion::Dialogues {
            status: Status::Met,
            cycle_id: None,
            hosted_held: 0,
            hosted_pending: 0,
            guest_visits: 0,
            guest_visits_by_person: BTreeMap::new(),
        };
    };
    let hosted: Vec<&HostedFact> = facts
        .hosted
        .iter()
        .filter(|h| h.cycle_id == cycle.id)
        .collect();
    let hosted_held = hosted.iter().filter(|h| h.held_on.is_some()).count() as u32;
    let hosted_pending = hosted.len() as u32 - hosted_held;
    let visits: Vec<&GuestFact> = facts
        .guest_visits
        .iter()
        .filter(|g| g.cycle_id == cycle.id)
        .collect();
    let dialogues: BTreeSet<Uuid> = visits.iter().map(|g| g.dialogue_id).collect();
    let mut by_person: BTreeMap<Uuid, u32> = BTreeMap::new();
    for visit in &visits {
        *by_person.entry(visit.person_id).or_default() += 1;
    }
    let guest_visits = dialogues.len() as u32;
    let fulfilled = u32::from(hosted_held > 0) + u32::from(guest_visits >= t.guest_visits_expected);
    let status = match fulfilled {
        2 => Status::Met,
        1 => Status::AtRisk,
        _ => Status::NotMet,
    };
    Criterion::Dialogues {
        status,
        cycle_id: Some(cycle.id),
        hosted_held,
        hosted_pending,
        guest_visits,
        guest_visits_by_person: by_person,
    }
}

fn results(facts: &Facts, on: NaiveDate, t: &Thresholds) -> Criterion {
    let agreed: Vec<&MeasureFact> = facts
        .measures
        .iter()
        .filter(|m| m.agreed_on <= on)
        .collect();
    let done_by = |m: &MeasureFact| m.completed_on.is_some_and(|d| d <= on);
    let done = agreed.iter().filter(|m| done_by(m)).count() as u32;
    let mut overdue: Vec<&MeasureFact> = agreed
        .iter()
        .copied()
        .filter(|m| !done_by(m) && m.due_on.is_some_and(|due| due < on))
        .collect();
    overdue.sort_by_key(|m| (m.due_on, m.title.clone()));
    let overdue: Vec<String> = overdue.into_iter().map(|m| m.title.clone()).collect();
    let status = match overdue.len() as u32 {
        0 => Status::Met,
        n if n <= t.overdue_measures_at_risk => Status::AtRisk,
        _ => Status::NotMet,
    };
    Criterion::Results {
        status,
        open: agreed.len() as u32 - done,
        done,
        overdue,
    }
}

fn trainings(facts: &Facts, courses: &[CourseFact], on: NaiveDate, t: &Thresholds) -> Criterion {
    let active = facts
        .staff
        .iter()
        .filter(|p| p.active_from <= on && p.active_until.is_none_or(|until| on < until));
    let (mut required, mut done) = (0u32, 0u32);
    let mut missing_by_function: BTreeMap<String, BTreeMap<String, u32>> = BTreeMap::new();
    for person in active {
        // A course required for several of a person's functions counts once.
        let mut due: BTreeMap<Uuid, (&CourseFact, &String)> = BTreeMap::new();
        for function in &person.functions {
            for course in courses.iter().filter(|c| c.required_for.contains(function)) {
                due.entry(course.id).or_insert((course, function));
            }
        }
        for (course, function) in due.into_values() {
            required += 1;
            let valid = facts.completions.iter().any(|c| {
                c.person_id == person.person_id
                    && c.course_id == course.id
                    && c.completed_on <= on
                    && course.valid_for_years.is_none_or(|years| {
                        c.completed_on
                            .checked_add_months(Months::new(12 * years))
                            .is_some_and(|until| on < until)
                    })
            });
            if valid {
                done += 1;
            } else {
                *missing_by_function
                    .entry(function.clone())
                    .or_default()
                    .entry(course.title.clone())
                    .or_default() += 1;
            }
        }
    }
    let status = if required == 0 {
        Status::Met
    } else {
        let share = f64::from(done) / f64::from(required);
        if share >= t.trainings_met_share {
            Status::Met
        } else if share >= t.trainings_at_risk_share {
            Status::AtRisk
        } else {
            Status::NotMet
        }
    };
    Criterion::Trainings {
        status,
        required,
        done,
        missing_by_function,
    }
}

/// The last day of the quarter that `day` falls in.
pub fn quarter_end(day: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let last_month = (day.month0() / 3) * 3 + 3;
    let (year, next_month) = if last_month == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), last_month + 1)
    };
    NaiveDate::from_ymd_opt(year, next_month, 1)
        .and_then(|first| first.pred_opt())
        .unwrap_or(day)
}

/// Who reads an organisation's engagement, and how much of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The overall coordination or an admin: every organisation, staff only as counts.
    Coordination,
    /// The organisation's own leader or QMF coordinator: its own, staff by their ids.
    Own,
}

/// Admins and coordinators read every organisation's engagement; an organisation's leader or
/// QMF coordinator (the token's subject is their directory id, active today) reads its own;
/// nobody else. `viewer` is the directory person the token's subject names, if any: their
/// organisation and functions.
pub fn reader(
    principal: &qmf_platform::Principal,
    organization_id: Uuid,
    viewer: Option<(Uuid, &[String])>,
) -> Result<Reader, qmf_platform::ApiError> {
    use qmf_platform::Role;
    if principal.has_any_role(&[Role::Admin, Role::Coordinator]) {
        return Ok(Reader::Coordination);
    }
    let own = principal.belongs_to(organization_id)
        && viewer.is_some_and(|(org, functions)| {
            org == organization_id
                && functions
                    .iter()
                    .any(|f| f == "leader" || f == "qmf_coordinator")
        });
    if own {
        Ok(Reader::Own)
    } else {
        Err(qmf_platform::ApiError::Forbidden(
            "an organisation's engagement is for its leader and QMF coordinator, the \
             coordination and admins"
                .into(),
        ))
    }
}

/// The worst status of `criteria`.
pub fn overall(criteria: &[Criterion]) -> Status {
    criteria
        .iter()
        .map(Criterion::status)
        .max()
        .unwrap_or(Status::Met)
}

/// The last days of the `count` quarters before the one `on` falls in, oldest first.
pub fn past_quarter_ends(on: NaiveDate, count: usize) -> Vec<NaiveDate> {
    use chrono::Datelike;
    let mut ends = Vec::with_capacity(count);
    let mut day = on;
    for _ in 0..count {
        let first_of_quarter =
            NaiveDate::from_ymd_opt(day.year(), (day.month0() / 3) * 3 + 1, 1).unwrap_or(day);
        let Some(previous_end) = first_of_quarter.pred_opt() else {
            break;
        };
        ends.push(previous_end);
        day = previous_end;
    }
    ends.reverse();
    ends
}

/// The criteria's names, in the order [`judge`] gives them.
pub const CRITERIA: [&str; 6] = [
    "agreement",
    "leadership",
    "committees",
    "dialogues",
    "results",
    "trainings",
];

/// The kinds of organisation the region's table lists: the parties of the agreements (youth
/// offices and institutions). The state youth office and the education provider take part in
/// other ways and are not judged there (their own view still answers).
pub const REGION_KINDS: [&str; 2] = ["youth_office", "institution"];

/// The region's table of every organisation is for the coordination and admins only.
pub fn require_region_reader(
    principal: &qmf_platform::Principal,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_platform::Role;
    if principal.has_any_role(&[Role::Admin, Role::Coordinator]) {
        Ok(())
    } else {
        Err(qmf_platform::ApiError::Forbidden(
            "the region's engagement table is for the coordination and admins".into(),
        ))
    }
}

/// Rebuilding the view from the kept events is an operation for admins.
pub fn require_rebuilder(
    principal: &qmf_platform::Principal,
) -> Result<(), qmf_platform::ApiError> {
    principal.require_any(&[qmf_platform::Role::Admin])
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn status_of(criteria: &[Criterion], index: usize) -> Status {
        criteria[index].status()
    }

    #[test]
    fn the_agreement_is_met_by_a_valid_quality_development_agreement() {
        let t = Thresholds::default();
        let qda = |signed: &str, end: Option<&str>| AgreementFact {
            kind: AgreementKind::QualityDevelopment,
            signed_on: day(signed),
            terminated_on: end.map(day),
        };
        let mut facts = Facts::default();
        let on = day("2026-12-05");
        assert_eq!(agreement(&facts, on, &t).status(), Status::NotMet);
        facts.agreements = vec![AgreementFact {
            kind: AgreementKind::Cooperation,
            signed_on: day("2015-01-01"),
            terminated_on: None,
        }];
        assert_eq!(agreement(&facts, on, &t).status(), Status::AtRisk);
        facts.agreements.push(qda("2021-06-30", None));
        assert_eq!(agreement(&facts, on, &t).status(), Status::Met);
        // Ending within 90 days: at risk; ended: not met.
        facts.agreements = vec![qda("2021-06-30", Some("2027-02-01"))];
        assert_eq!(agreement(&facts, on, &t).status(), Status::AtRisk);
        assert_eq!(
            agreement(&facts, day("2026-10-01"), &t).status(),
            Status::Met
        );
        assert_eq!(
            agreement(&facts, day("2027-02-01"), &t).status(),
            Status::NotMet
        );
    }

    #[test]
    fn a_leadership_confirmation_holds_two_years_and_warns_in_the_last_three_months() {
        let t = Thresholds::default();
        let facts = Facts {
            confirmations: vec![day("2024-01-15"), day("2023-01-01")],
            ..Facts::default()
        };
        let at = |on: &str| leadership(&facts, day(on), &t);
        assert_eq!(at("2025-10-14").status(), Status::Met);
        assert_eq!(at("2025-10-15").status(), Status::AtRisk);
        assert_eq!(at("2026-01-15").status(), Status::NotMet);
        assert_eq!(at("2022-12-31").status(), Status::NotMet);
        assert!(
            matches!(at("2025-01-01"), Criterion::Leadership { confirmed_on: Some(d), valid_until: Some(u), .. }
            if d == day("2024-01-15") && u == day("2026-01-15"))
        );
    }

    #[test]
    fn committee_attendance_counts_the_meetings_of_bodies_it_sat_in_within_two_years() {
        let t = Thresholds::default();
        let forum = Uuid::now_v7();
        let group = Uuid::now_v7();
        let meeting = |body, on: &str, presence| MeetingFact {
            body_id: body,
            day: day(on),
            presence,
        };
        let mut facts = Facts {
            seats: vec![
                SeatFact {
                    body_id: forum,
                    start_on: day("2024-01-01"),
                    end_on: None,
                },
                SeatFact {
                    body_id: group,
                    start_on: day("2024-01-01"),
                    end_on: Some(day("2025-01-01")),
                },
            ],
            meetings: vec![
                meeting(forum, "2025-03-17", Some(Presence::Present)),
                meeting(forum, "2025-10-20", Some(Presence::Excused)),
                meeting(forum, "2026-03-16", None),
                meeting(forum, "2026-10-19", Some(Presence::Present)),
                // Before the seat; outside the window; after the group seat ended.
                meeting(forum, "2023-10-01", None),
                meeting(group, "2024-02-01", None),
                meeting(group, "2025-06-01", None),
            ],
            ..Facts::default()
        };
        let judged = committees(&facts, day("2026-12-05"), &t);
        assert_eq!(
            judged,
            Criterion::Committees {
                status: Status::AtRisk,
                seats: 1,
                meetings: 4,
                present: 2,
                excused: 1
            }
        );
        facts.meetings[2].presence = Some(Presence::Present);
        assert_eq!(
            committees(&facts, day("2026-12-05"), &t).status(),
            Status::Met
        );
        facts.seats.clear();
        assert_eq!(
            committees(&facts, day("2026-12-05"), &t).status(),
            Status::NotMet
        );
    }

    #[test]
    fn dialogues_need_a_held_dialogue_of_its_own_and_a_visit_as_guest_in_the_running_cycle() {
        let t = Thresholds::default();
        let cycle = CycleFact {
            id: Uuid::now_v7(),
            start_on: day("2026-01-01"),
            end_on: day("2028-12-31"),
        };
        let old = Uuid::now_v7();
        let (anna, ben) = (Uuid::now_v7(), Uuid::now_v7());
        let visit = |cycle_id, dialogue_id, person_id| GuestFact {
            cycle_id,
            dialogue_id,
            person_id,
            held_on: day("2026-05-05"),
        };
        let shared = Uuid::now_v7();
        let mut facts = Facts {
            hosted: vec![HostedFact {
                cycle_id: cycle.id,
                held_on: None,
            }],
            guest_visits: vec![visit(old, Uuid::now_v7(), anna)],
            ..Facts::default()
        };
        assert_eq!(dialogues(&facts, Some(&cycle), &t).status(), Status::NotMet);
        facts.guest_visits.push(visit(cycle.id, shared, anna));
        facts.guest_visits.push(visit(cycle.id, shared, ben));
        assert_eq!(dialogues(&facts, Some(&cycle), &t).status(), Status::AtRisk);
        facts.hosted[0].held_on = Some(day("2026-09-09"));
        let judged = dialogues(&facts, Some(&cycle), &t);
        let Criterion::Dialogues {
            status,
            hosted_held,
            guest_visits,
            guest_visits_by_person,
            ..
        } = judged
        else {
            panic!("{judged:?}");
        };
        assert_eq!((status, hosted_held, guest_visits), (Status::Met, 1, 1));
        assert_eq!(
            guest_visits_by_person,
            BTreeMap::from([(anna, 1), (ben, 1)])
        );
        assert_eq!(dialogues(&facts, None, &t).status(), Status::Met);
    }

    #[test]
    fn overdue_measures_put_results_at_risk_and_then_fail_them() {
        let t = Thresholds::default();
        let measure = |title: &str, due: &str, done: Option<&str>| MeasureFact {
            title: title.into(),
            agreed_on: day("2026-01-10"),
            due_on: Some(day(due)),
            completed_on: done.map(day),
        };
        let mut facts = Facts {
            measures: vec![
                measure("Konzept Elternarbeit", "2026-06-30", Some("2026-06-01")),
                measure("Fortbildung Team", "2027-03-31", None),
            ],
            ..Facts::default()
        };
        let on = day("2026-12-05");
        assert_eq!(results(&facts, on, &t).status(), Status::Met);
        facts
            .measures
            .push(measure("Hausordnung überarbeiten", "2026-11-30", None));
        assert_eq!(
            results(&facts, on, &t),
            Criterion::Results {
                status: Status::AtRisk,
                open: 2,
                done: 1,
                overdue: vec!["Hausordnung überarbeiten".into()]
            }
        );
        facts.measures.push(measure(
            "Beschwerdeverfahren",
            "2026-09-30",
            Some("2026-12-06"),
        ));
        let Criterion::Results {
            status, overdue, ..
        } = results(&facts, on, &t)
        else {
            panic!()
        };
        assert_eq!(status, Status::NotMet);
        assert_eq!(overdue, ["Beschwerdeverfahren", "Hausordnung überarbeiten"]);
    }

    #[test]
    fn trainings_count_courses_required_for_the_functions_of_active_staff_with_valid_completions() {
        let t = Thresholds::default();
        let basics = CourseFact {
            id: Uuid::now_v7(),
            title: "Grundlagen".into(),
            required_for: vec!["caseworker".into(), "leader".into()],
            valid_for_years: None,
        };
        let instruments = CourseFact {
            id: Uuid::now_v7(),
            title: "Instrumente".into(),
            required_for: vec!["caseworker".into()],
            valid_for_years: Some(2),
        };
        let courses = [basics.clone(), instruments.clone()];
        let (lea, tom, gone) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let staff = |id, functions: &[&str], until: Option<&str>| StaffFact {
            person_id: id,
            functions: functions.iter().map(|f| f.to_string()).collect(),
            active_from: day("2020-01-01"),
            active_until: until.map(day),
        };
        let done = |person_id, course: &CourseFact, on: &str| CompletionFact {
            person_id,
            course_id: course.id,
            completed_on: day(on),
        };
        let facts = Facts {
            staff: vec![
                staff(lea, &["caseworker", "leader"], None),
                staff(tom, &["caseworker"], None),
                staff(gone, &["caseworker"], Some("2025-01-01")),
            ],
            completions: vec![
                done(lea, &basics, "2021-05-05"),
                done(lea, &instruments, "2024-01-01"),
                done(tom, &basics, "2022-02-02"),
                // Expired after two years.
                done(tom, &instruments, "2023-01-01"),
            ],
            ..Facts::default()
        };
        let judged = trainings(&facts, &courses, day("2025-06-01"), &t);
        let Criterion::Trainings {
            status,
            required,
            done: completed,
            missing_by_function,
        } = judged
        else {
            panic!()
        };
        assert_eq!((status, required, completed), (Status::AtRisk, 4, 3));
        assert_eq!(
            missing_by_function,
            BTreeMap::from([(
                "caseworker".to_string(),
                BTreeMap::from([("Instrumente".to_string(), 1)])
            )])
        );
        assert_eq!(
            trainings(&Facts::default(), &courses, day("2025-06-01"), &t).status(),
            Status::Met
        );
        assert_eq!(
            trainings(&facts, &courses, day("2026-06-01"), &t).status(),
            Status::NotMet
        );
    }

    #[test]
    fn the_history_covers_the_quarters_before_the_current_one() {
        assert_eq!(
            past_quarter_ends(day("2026-12-05"), 3),
            [day("2026-03-31"), day("2026-06-30"), day("2026-09-30")]
        );
        assert_eq!(
            past_quarter_ends(day("2026-01-01"), 2),
            [day("2025-09-30"), day("2025-12-31")]
        );
    }

    #[test]
    fn only_the_coordination_and_the_organisations_leader_or_coordinator_read() {
        use qmf_platform::{Principal, Role};
        let org = Uuid::now_v7();
        let principal = |roles: Vec<Role>, of: Option<Uuid>| Principal {
            subject: "s".into(),
            organization: of,
            roles,
        };
        let leader = ["leader".to_string()];
        let coordinator = ["qmf_coordinator".to_string(), "specialist".to_string()];
        let specialist = ["specialist".to_string()];
        let staff = principal(vec![Role::InstitutionStaff], Some(org));
        assert_eq!(
            reader(&principal(vec![Role::Coordinator], None), org, None).unwrap(),
            Reader::Coordination
        );
        assert_eq!(
            reader(&principal(vec![Role::Admin], None), org, None).unwrap(),
            Reader::Coordination
        );
        assert_eq!(
            reader(&staff, org, Some((org, &leader))).unwrap(),
            Reader::Own
        );
        assert_eq!(
            reader(&staff, org, Some((org, &coordinator))).unwrap(),
            Reader::Own
        );
        assert!(reader(&staff, org, Some((org, &specialist))).is_err());
        assert!(reader(&staff, org, Some((Uuid::now_v7(), &leader))).is_err());
        assert!(reader(&staff, org, None).is_err());
        let elsewhere = principal(vec![Role::InstitutionStaff], Some(Uuid::now_v7()));
        assert!(reader(&elsewhere, org, Some((org, &leader))).is_err());
        assert!(reader(&principal(vec![Role::Auditor], None), org, None).is_err());
    }

    #[test]
    fn the_overall_status_is_the_worst() {
        let criteria = judge(
            &Facts::default(),
            &[],
            None,
            day("2026-12-05"),
            &Thresholds::default(),
        );
        assert_eq!(overall(&criteria), Status::NotMet);
        assert_eq!(overall(&criteria[3..]), Status::Met);
    }

    #[test]
    fn quarters_end_on_their_last_day() {
        for (day_in, end) in [
            ("2026-01-01", "2026-03-31"),
            ("2026-05-17", "2026-06-30"),
            ("2026-09-30", "2026-09-30"),
            ("2026-12-05", "2026-12-31"),
        ] {
            assert_eq!(quarter_end(day(day_in)), day(end));
        }
    }

    #[test]
    fn judge_lists_every_criterion_in_the_seeds_order() {
        let criteria = judge(
            &Facts::default(),
            &[],
            None,
            day("2026-12-05"),
            &Thresholds::default(),
        );
        assert_eq!(criteria.len(), 6);
        assert_eq!(status_of(&criteria, 0), Status::NotMet);
        assert_eq!(status_of(&criteria, 5), Status::Met);
    }
}
