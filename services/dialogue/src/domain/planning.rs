//! Planning runs: the planner (`qmf-planner`) searching a plan for a whole cycle.
//!
//! - A run is requested with a time budget, a seed and whether published (scheduled or
//!   invited) dialogues are pinned; it takes a snapshot of the cycle as a planner instance and
//!   a previous plan, runs on the background-job runner, and ends with a plan, its score and
//!   its explanation.
//! - States: `queued` → `running` → `finished` → `accepted`; `queued` or `running` →
//!   `cancelled` (on request) or `failed`.
//! - The instance is the planner's format (PROBLEM.md v1): every active host of the cycle with
//!   its proposed dates, room, report date, preferred months and representatives, and every
//!   active person of those organisations with their absences. The service knows no
//!   positions, so every organisation stands at the same point and travel costs nothing.
//! - Dialogues that were held (or documented, evaluated) are pinned: date and guests stay.
//!   Scheduled and invited ones are pinned on request, otherwise marked published: moving one
//!   counts as a medium violation, so the plan moves as few as it can.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::cycles::CycleRules;
use qmf_platform::FieldError;

pub const MIN_SECONDS: i32 = 1;
pub const MAX_SECONDS: i32 = 600;
pub const DEFAULT_SECONDS: i32 = 10;
/// A run whose process died this many times is given up.
pub const MAX_ATTEMPTS: i32 = 3;

/// What a run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Waiting for the job runner.
    Queued,
    /// The planner is searching.
    Running,
    /// A plan is ready to be read and accepted.
    Finished,
    /// The planner could not run (the message says why).
    Failed,
    /// Stopped on request before it finished.
    Cancelled,
    /// Its plan was accepted: the dialogues were scheduled.
    Accepted,
}

impl RunState {
    pub fn code(self) -> &'static str {
        match self {
            RunState::Queued => "queued",
            RunState::Running => "running",
            RunState::Finished => "finished",
            RunState::Failed => "failed",
            RunState::Cancelled => "cancelled",
            RunState::Accepted => "accepted",
        }
    }

    pub fn parse(code: &str) -> Option<RunState> {
        [
            RunState::Queued,
            RunState::Running,
            RunState::Finished,
            RunState::Failed,
            RunState::Cancelled,
            RunState::Accepted,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// What a cancellation does to a run in `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cancellation {
    /// Not started: cancelled at once.
    Now,
    /// Running: the runner stops the search at its next look (within a second).
    Requested,
}

/// A run can be cancelled while queued or running.
pub fn cancel(state: RunState) -> Result<Cancellation, RunState> {
    match state {
        RunState::Queued => Ok(Cancellation::Now),
        RunState::Running => Ok(Cancellation::Requested),
        other => Err(other),
    }
}

/// Only a finished run's plan can be accepted.
pub fn accept(state: RunState) -> Result<(), RunState> {
    match state {
        RunState::Finished => Ok(()),
        other => Err(other),
    }
}

/// A request for a planning run.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"seconds": 10, "seed": 1, "pin_published": false}))]
pub struct RunInput {
    /// Time budget of the search in seconds (1 to 600; default 10).
    #[serde(default)]
    pub seconds: Option<i32>,
    /// Seed of the search's random choices (default 1): the same data, seed and budget give
    /// the same plan when the search ends by its epochs, nearly the same by time.
    #[serde(default)]
    pub seed: Option<i64>,
    /// Keep scheduled and invited dialogues exactly as they are (default false: they may move,
    /// but each move counts as a medium violation, so as few as possible move).
    #[serde(default)]
    pub pin_published: bool,
}

/// A checked run request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunDraft {
    pub seconds: i32,
    pub seed: i64,
    pub pin_published: bool,
}

impl RunInput {
    pub fn validate(self) -> Result<RunDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let seconds = self.seconds.unwrap_or(DEFAULT_SECONDS);
        if !(MIN_SECONDS..=MAX_SECONDS).contains(&seconds) {
            errors.push(FieldError::new(
                "/seconds",
                format!("must be from {MIN_SECONDS} to {MAX_SECONDS}"),
            ));
        }
        let seed = self.seed.unwrap_or(1);
        if seed < 0 {
            errors.push(FieldError::new("/seed", "must be 0 or more"));
        }
        if errors.is_empty() {
            Ok(RunDraft {
                seconds,
                seed,
                pin_published: self.pin_published,
            })
        } else {
            Err(errors)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the instance

/// A host of the cycle as the planner sees it.
#[derive(Debug, Clone)]
pub struct PlanHost {
    pub organization_id: Uuid,
    pub name: String,
    pub youth_office: bool,
    pub district: Option<String>,
    pub room_capacity: Option<i32>,
    pub preferred_months: Vec<i32>,
    pub report_ready_on: Option<NaiveDate>,
    pub proposed_dates: Vec<NaiveDate>,
    pub representatives: Vec<Uuid>,
    /// The dialogue's state and, when it has one, its date and guests.
    pub dialogue_state: String,
    pub day: Option<NaiveDate>,
    pub guests: Vec<Uuid>,
}

/// A person who can attend.
#[derive(Debug, Clone)]
pub struct PlanPerson {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    /// Absent days (inclusive ranges).
    pub ranges: Vec<(NaiveDate, NaiveDate)>,
    /// Weekdays off (ISO 1 = Monday).
    pub weekdays: Vec<u32>,
}

/// Everything the instance is built from.
#[derive(Debug, Clone)]
pub struct PlanningData {
    pub cycle_id: Uuid,
    pub start_year: i32,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub rules: CycleRules,
    pub public_holidays: Vec<(NaiveDate, String)>,
    pub school_holidays: Vec<(String, NaiveDate, NaiveDate)>,
    pub forum_dates: Vec<NaiveDate>,
    /// Days of training sessions: no dialogue then, so they are no candidate dates.
    pub training_days: Vec<NaiveDate>,
    pub hosts: Vec<PlanHost>,
    pub people: Vec<PlanPerson>,
}

/// An instance and its previous plan.
#[derive(Debug, Clone)]
pub struct Built {
    pub instance: Value,
    pub previous: Value,
    pub pinned: i32,
    pub published: i32,
    /// Hosts left out of the plan because they have named no representative yet (the planner,
    /// like scheduling by hand, needs one); their staff cannot be guests in this plan either.
    pub left_out: Vec<(Uuid, String)>,
}

/// Room of a host that has not said: as many as a dialogue can have.
const ROOM_UNKNOWN: i32 = 99;
/// States in which a dialogue took place: always pinned.
pub const TOOK_PLACE: [&str; 3] = ["held", "documented", "evaluated"];
/// States of a date that was announced.
pub const PUBLISHED: [&str; 2] = ["scheduled", "invited"];
/// States in which a dialogue gets no date any more.
const CLOSED: [&str; 2] = ["cancelled", "withdrawn"];

/// Why no instance can be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildError {
    /// No active host.
    NoHosts,
    /// Hosts whose district has no youth office among the hosts (names).
    DistrictWithoutYouthOffice(Vec<String>),
}

/// The planner's district of every host: its own district when that district has a youth
/// office among the hosts (the first by name is the district's youth office); a further youth
/// office of the same district gets a district of its own.
fn districts(hosts: &[PlanHost]) -> Result<Vec<String>, BuildError> {
    let mut first_office: BTreeMap<&str, (&str, Uuid)> = BTreeMap::new();
    for host in hosts.iter().filter(|h| h.youth_office) {
        let key = host.district.as_deref().unwrap_or("");
        let candidate = (host.name.as_str(), host.organization_id);
        first_office
            .entry(key)
            .and_modify(|f| {
                if candidate < *f {
                    *f = candidate;
                }
            })
            .or_insert(candidate);
    }
    let mut missing = Vec::new();
    let mut out = Vec::with_capacity(hosts.len());
    for host in hosts {
        let key = host.district.as_deref().unwrap_or("");
        match first_office.get(key) {
            Some((_, office)) if host.youth_office && *office != host.organization_id => {
                out.push(format!("{key}/{}", host.organization_id));
            }
            Some(_) => out.push(if key.is_empty() {
                "(none)".to_string()
            } else {
                key.to_string()
            }),
            None => missing.push(host.name.clone()),
        }
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        missing.sort();
        Err(BuildError::DistrictWithoutYouthOffice(missing))
    }
}

/// Builds the planner instance and the previous plan of a cycle.
pub fn build(data: &PlanningData, pin_published: bool) -> Result<Built, BuildError> {
    let (mut hosts, without): (Vec<&PlanHost>, Vec<&PlanHost>) = data
        .hosts
        .iter()
        .partition(|h| !h.representatives.is_empty());
    let mut left_out: Vec<(Uuid, String)> = without
        .iter()
        .map(|h| (h.organization_id, h.name.clone()))
        .collect();
    left_out.sort_by(|a, b| (&a.1, a.0).cmp(&(&b.1, b.0)));
    if hosts.is_empty() {
        return Err(BuildError::NoHosts);
    }
    // Youth offices first, then institutions, each by name.
    hosts.sort_by(|a, b| {
        (!a.youth_office, &a.name, a.organization_id).cmp(&(
            !b.youth_office,
            &b.name,
            b.organization_id,
        ))
    });
    let owned: Vec<PlanHost> = hosts.iter().map(|h| (*h).clone()).collect();
    let district_of = districts(&owned)?;
    let host_orgs: BTreeSet<Uuid> = owned.iter().map(|h| h.organization_id).collect();
    let mut people: Vec<&PlanPerson> = data
        .people
        .iter()
        .filter(|p| host_orgs.contains(&p.organization_id))
        .collect();
    let order: BTreeMap<Uuid, usize> = owned
        .iter()
        .enumerate()
        .map(|(i, h)| (h.organization_id, i))
        .collect();
    people.sort_by_key(|p| (order.get(&p.organization_id).copied(), p.id));
    let known: BTreeSet<Uuid> = people.iter().map(|p| p.id).collect();

    let lead = i64::from(data.rules.report_lead_days);
    let mut organisations = Vec::new();
    let mut dialogues = Vec::new();
    let (mut pinned, mut published) = (0, 0);
    for (host, district) in owned.iter().zip(&district_of) {
        let took_place = TOOK_PLACE.contains(&host.dialogue_state.as_str());
        let announced = PUBLISHED.contains(&host.dialogue_state.as_str());
        // A cancelled dialogue gets no new date; its host's staff can still be guests.
        let mut candidates: BTreeSet<NaiveDate> = if CLOSED.contains(&host.dialogue_state.as_str())
        {
            BTreeSet::new()
        } else {
            host.proposed_dates
                .iter()
                .copied()
                .filter(|d| !data.training_days.contains(d))
                .collect()
        };
        let current = host.day.filter(|_| took_place || announced);
        if let Some(day) = current {
            candidates.insert(day);
        }
        let report_ready = host
            .report_ready_on
            .unwrap_or(data.start_on - chrono::Days::new(lead.max(0) as u64));
        organisations.push(json!({
            "id": host.organization_id.to_string(),
            "name": host.name,
            "kind": if host.youth_office { "youth_office" } else { "institution" },
            "district": district,
            "town": host.district.clone().unwrap_or_default(),
            "x_km": 0.0,
            "y_km": 0.0,
            "room_capacity": host.room_capacity.unwrap_or(ROOM_UNKNOWN),
            "report_ready": report_ready,
            "preferred_months": host.preferred_months,
            "candidate_dates": candidates,
        }));
        if let Some(day) = current {
            let guests: Vec<String> = host
                .guests
                .iter()
                .filter(|g| known.contains(g))
                .map(Uuid::to_string)
                .collect();
            let pin = took_place || pin_published;
            if pin {
                pinned += 1;
            } else {
                published += 1;
            }
            let mut entry = json!({"host": host.organization_id.to_string(), "date": day,
                "guests": guests});
            entry[if pin { "pinned" } else { "published" }] = json!(true);
            dialogues.push(entry);
        }
    }
    let reps: BTreeSet<Uuid> = owned
        .iter()
        .flat_map(|h| h.representatives.iter().copied())
        .collect();
    let staff: Vec<Value> = people
        .iter()
        .map(|p| {
            let mut weekdays = p.weekdays.clone();
            weekdays.sort_unstable();
            weekdays.dedup();
            let mut ranges: Vec<(NaiveDate, NaiveDate)> = p
                .ranges
                .iter()
                .filter(|(a, b)| *b >= data.start_on && *a <= data.end_on)
                .map(|(a, b)| ((*a).max(data.start_on), (*b).min(data.end_on)))
                .collect();
            // The planner knows one weekday off; further ones become single days.
            for &weekday in weekdays.iter().skip(1) {
                ranges.extend(
                    data.start_on
                        .iter_days()
                        .take_while(|d| *d <= data.end_on)
                        .filter(|d| d.weekday().number_from_monday() == weekday)
                        .map(|d| (d, d)),
                );
            }
            ranges.sort();
            ranges.dedup();
            json!({
                "id": p.id.to_string(),
                "name": p.name,
                "org": p.organization_id.to_string(),
                "host_rep": reps.contains(&p.id),
                "unavailable": ranges.iter().map(|(a, b)| json!({"start": a, "end": b})).collect::<Vec<_>>(),
                "weekday_off": weekdays.first(),
            })
        })
        .collect();
    let years: Vec<i32> = (data.start_on.year()..=data.end_on.year()).collect();
    let name = format!("cycle-{}", data.start_year);
    let instance = json!({
        "format": "qmf-dialogue-planner-instance",
        "format_version": 1,
        "generator": {"name": "qmf-dialogue", "version": env!("CARGO_PKG_VERSION")},
        "name": name,
        "size": "cycle",
        "seed": 0,
        "cycle": {"start": data.start_on, "end": data.end_on, "years": years},
        "rules": data.rules,
        "calendar": {
            "public_holidays": data.public_holidays.iter()
                .filter(|(d, _)| *d >= data.start_on && *d <= data.end_on)
                .map(|(d, n)| json!({"date": d, "name": n})).collect::<Vec<_>>(),
            "school_holidays": data.school_holidays.iter()
                .filter(|(_, a, b)| *b >= data.start_on && *a <= data.end_on)
                .map(|(n, a, b)| json!({"name": n, "start": a, "end": b})).collect::<Vec<_>>(),
            "forum_dates": data.forum_dates.iter().collect::<BTreeSet<_>>(),
        },
        "organisations": organisations,
        "staff": staff,
    });
    let previous = json!({
        "format": "qmf-dialogue-planner-solution",
        "format_version": 1,
        "instance": name,
        "solver": {"name": "qmf-dialogue", "note": "the cycle as it stands"},
        "dialogues": dialogues,
    });
    Ok(Built {
        instance,
        previous,
        pinned,
        published,
        left_out,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn host(name: &str, youth_office: bool, district: &str) -> PlanHost {
        PlanHost {
            organization_id: Uuid::now_v7(),
            name: name.into(),
            youth_office,
            district: Some(district.into()),
            room_capacity: Some(10),
            preferred_months: vec![5],
            report_ready_on: None,
            proposed_dates: vec![day("2027-05-05")],
            representatives: vec![Uuid::now_v7()],
            dialogue_state: "unscheduled".into(),
            day: None,
            guests: vec![],
        }
    }

    /// The representatives of `hosts` as people.
    fn reps(hosts: &[PlanHost]) -> Vec<PlanPerson> {
        hosts
            .iter()
            .map(|h| PlanPerson {
                id: h.representatives[0],
                organization_id: h.organization_id,
                name: format!("Vertretung {}", h.name),
                ranges: vec![],
                weekdays: vec![],
            })
            .collect()
    }

    fn data(hosts: Vec<PlanHost>, mut people: Vec<PlanPerson>) -> PlanningData {
        let given: Vec<Uuid> = people.iter().map(|p| p.id).collect();
        people.extend(reps(&hosts).into_iter().filter(|p| !given.contains(&p.id)));
        PlanningData {
            cycle_id: Uuid::now_v7(),
            start_year: 2027,
            start_on: day("2027-01-01"),
            end_on: day("2029-12-31"),
            rules: CycleRules::default(),
            public_holidays: vec![(day("2027-05-01"), "Tag der Arbeit".into())],
            school_holidays: vec![],
            forum_dates: vec![day("2027-03-10")],
            training_days: vec![day("2027-05-12")],
            hosts,
            people,
        }
    }

    #[test]
    fn the_instance_is_one_the_planner_reads() {
        let mut office = host("Jugendamt", true, "heilbronn");
        let mut institution = host("Einrichtung", false, "heilbronn");
        let mut unplanned = host("Einrichtung ohne Vertretung", false, "heilbronn");
        unplanned.representatives.clear();
        let rep = Uuid::now_v7();
        office.representatives = vec![rep];
        institution.dialogue_state = "held".into();
        institution.day = Some(day("2027-04-07"));
        institution.guests = vec![rep, Uuid::now_v7()];
        let people = vec![PlanPerson {
            id: rep,
            organization_id: office.organization_id,
            name: "Anna Amt".into(),
            ranges: vec![(day("2026-12-20"), day("2027-01-06"))],
            weekdays: vec![5, 3],
        }];
        let mut all = data(vec![institution.clone(), office.clone()], people);
        all.hosts.push(unplanned.clone());
        let built = build(&all, false).unwrap();
        let instance = qmf_planner::model::Instance::from_json(&built.instance).unwrap();
        assert_eq!(instance.orgs.len(), 2);
        assert_eq!(
            built.left_out,
            vec![(unplanned.organization_id, unplanned.name.clone())]
        );
        // Youth offices first.
        assert_eq!(instance.orgs[0].id, office.organization_id.to_string());
        assert_eq!(instance.staff.len(), 2);
        assert_eq!(instance.staff[0].id, rep.to_string());
        assert!(instance.staff[0].host_rep);
        assert_eq!(instance.staff[0].weekday_off, Some(3));
        // Clipped to the cycle; the second weekday off as single days.
        assert!(
            instance.staff[0]
                .unavailable
                .contains(&(day("2027-01-01"), day("2027-01-06")))
        );
        assert!(instance.staff[0].unavailable.len() > 150);
        // The held dialogue is pinned, its unknown guest left out, its date a candidate.
        let previous = qmf_planner::model::Solution::from_json(&built.previous, &instance).unwrap();
        assert!(previous.marks[1].pinned);
        assert_eq!(built.pinned, 1);
        assert_eq!(previous.plan.dialogues[1].as_ref().unwrap().guests.len(), 1);
        assert!(instance.orgs[1].candidates.contains(&day("2027-04-07")));
    }

    #[test]
    fn published_dialogues_are_pinned_only_on_request() {
        let office = host("Jugendamt", true, "heilbronn");
        let mut institution = host("Einrichtung", false, "heilbronn");
        institution.dialogue_state = "invited".into();
        institution.day = Some(day("2027-05-05"));
        let hosts = vec![office, institution];
        let free = build(&data(hosts.clone(), vec![]), false).unwrap();
        assert_eq!((free.pinned, free.published), (0, 1));
        assert_eq!(free.previous["dialogues"][0]["published"], true);
        let pinned = build(&data(hosts, vec![]), true).unwrap();
        assert_eq!((pinned.pinned, pinned.published), (1, 0));
    }

    #[test]
    fn every_district_needs_a_youth_office_and_a_second_one_gets_its_own() {
        let hosts = vec![
            host("Jugendamt A", true, "heilbronn"),
            host("Jugendamt B", true, "heilbronn"),
            host("Einrichtung", false, "heilbronn"),
        ];
        let built = build(&data(hosts.clone(), vec![]), false).unwrap();
        let districts: Vec<&str> = built.instance["organisations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["district"].as_str().unwrap())
            .collect();
        assert_eq!(districts[0], "heilbronn");
        assert!(districts[1].starts_with("heilbronn/"));
        assert_eq!(districts[2], "heilbronn");
        qmf_planner::model::Instance::from_json(&built.instance).unwrap();

        let orphan = vec![
            host("Jugendamt A", true, "heilbronn"),
            host("Einrichtung Hall", false, "schwaebisch_hall"),
        ];
        assert_eq!(
            build(&data(orphan, vec![]), false).unwrap_err(),
            BuildError::DistrictWithoutYouthOffice(vec!["Einrichtung Hall".into()])
        );
        assert_eq!(
            build(&data(vec![], vec![]), false).unwrap_err(),
            BuildError::NoHosts
        );
    }

    #[test]
    fn runs_are_cancelled_while_waiting_or_running_and_accepted_when_finished() {
        assert_eq!(cancel(RunState::Queued), Ok(Cancellation::Now));
        assert_eq!(cancel(RunState::Running), Ok(Cancellation::Requested));
        assert_eq!(cancel(RunState::Finished), Err(RunState::Finished));
        assert!(accept(RunState::Finished).is_ok());
        assert_eq!(accept(RunState::Running), Err(RunState::Running));
        assert_eq!(accept(RunState::Accepted), Err(RunState::Accepted));
        for state in [
            "queued",
            "running",
            "finished",
            "failed",
            "cancelled",
            "accepted",
        ] {
            assert_eq!(RunState::parse(state).unwrap().code(), state);
        }
        assert!(
            RunInput {
                seconds: Some(0),
                seed: Some(-1),
                pin_published: false
            }
            .validate()
            .unwrap_err()
            .len()
                == 2
        );
    }
}
