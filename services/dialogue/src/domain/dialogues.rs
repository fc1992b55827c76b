//! A dialogue's life and the rules one dialogue must keep.
//!
//! ```text
//! unscheduled ──schedule──▶ scheduled ──invite──▶ invited ──mark_held──▶ held ──document──▶ documented ──evaluate──▶ evaluated
//!      │                      │  ▲ reschedule  │ reschedule (back to scheduled; invite again)
//!      └──────cancel──────────┴──┴─────────────┴──cancel──▶ cancelled
//! ```
//!
//! Scheduling (and rescheduling, and every change of the guest list) checks the hard rules of
//! the planner problem (v1, §6) that concern one dialogue, with the region-wide limits of one
//! dialogue a day and two an ISO week, and names every rule it breaks with the people and days
//! concerned. The rule names are the planner's.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, NaiveDate, Weekday};
use qmf_platform::{ApiError, RuleName, Violation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::cycles::CycleRules;
use super::hosts::Absence;

qmf_platform::rules! {
    /// The hard rules of one dialogue (planner problem v1, §6), by the planner's names.
    pub enum DialogueRule {
        /// The date is one the host proposed.
        DateNotCandidate = "date_not_candidate",
        /// The date lies in the cycle.
        DateOutsideCycle = "date_outside_cycle",
        /// Not on a Saturday or Sunday.
        DateWeekend = "date_weekend",
        /// Not on a public holiday of Baden-Württemberg.
        DatePublicHoliday = "date_public_holiday",
        /// Not on the day of a Forum meeting.
        DateForum = "date_forum",
        /// Not on a day of a QMF training session (not a rule of the planner's problem: the
        /// service leaves those days out of the planner's candidate dates).
        DateTraining = "date_training",
        /// Not earlier than the quality report's date plus the report lead days.
        DateBeforeReport = "date_before_report",
        /// At most `max_dialogues_per_day` dialogues a day in the region.
        DayOverload = "day_overload",
        /// At most `max_dialogues_per_iso_week` dialogues an ISO week in the region.
        WeekOverload = "week_overload",
        /// Every host representative can come.
        HostRepUnavailable = "host_rep_unavailable",
        /// A host representative attends no other dialogue that day.
        HostRepDoubleBooked = "host_rep_double_booked",
        /// Every guest can come.
        GuestUnavailable = "guest_unavailable",
        /// A guest attends no other dialogue that day.
        GuestDoubleBooked = "guest_double_booked",
        /// Guests come from other organisations than the host.
        GuestFromHostOrg = "guest_from_host_org",
        /// One guest per organisation.
        GuestSameOrg = "guest_same_org",
        /// Between `min_orgs_per_dialogue` and `max_orgs_per_dialogue` organisations, the host
        /// included.
        OrgCount = "org_count",
        /// At least one youth office (a youth-office host counts).
        NoYouthOffice = "no_youth_office",
        /// At least two institutions (an institution host counts).
        TooFewInstitutions = "too_few_institutions",
        /// Representatives and guests fit into the host's room.
        RoomCapacity = "room_capacity",
        /// A staff member is a guest at most `max_guest_dialogues_per_staff_per_year` times a
        /// calendar year.
        GuestYearOverload = "guest_year_overload",
        /// Guests are active people of the directory.
        GuestUnknown = "guest_unknown",
        /// The host has named its representatives.
        NoRepresentatives = "no_representatives",
    }
}

/// Where a dialogue stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DialogueState {
    /// No date yet.
    Unscheduled,
    /// Date, place and guests are set.
    Scheduled,
    /// Invitations went out.
    Invited,
    /// It took place.
    Held,
    /// Its results are documented.
    Documented,
    /// Its participants rated it.
    Evaluated,
    /// Called off.
    Cancelled,
    /// Its host left the cycle before it was scheduled.
    Withdrawn,
}

impl DialogueState {
    pub fn parse(code: &str) -> Result<Self, ApiError> {
        serde_json::from_value(serde_json::Value::String(code.to_string()))
            .map_err(|_| ApiError::internal(format!("unknown dialogue state {code:?}")))
    }

    pub fn code(self) -> &'static str {
        match self {
            DialogueState::Unscheduled => "unscheduled",
            DialogueState::Scheduled => "scheduled",
            DialogueState::Invited => "invited",
            DialogueState::Held => "held",
            DialogueState::Documented => "documented",
            DialogueState::Evaluated => "evaluated",
            DialogueState::Cancelled => "cancelled",
            DialogueState::Withdrawn => "withdrawn",
        }
    }
}

qmf_platform::rules! {
    /// Rules of a dialogue's life.
    pub enum StateRule {
        /// Only an unscheduled, scheduled or invited dialogue gets a (new) date; a new date
        /// of an invited one takes it back to scheduled, to be invited to again.
        DialogueAlreadyHeld = "dialogue_already_held",
        /// Invitations go out for a scheduled dialogue, once.
        InvitationsNeedASchedule = "invitations_need_a_schedule",
        /// Guests answer invitations that went out.
        ResponsesNeedInvitations = "responses_need_invitations",
        /// A declining guest is replaced by a colleague of the same organisation.
        ReplacementFromTheSameOrganization = "replacement_from_the_same_organization",
        /// Guests change only while the dialogue is scheduled.
        GuestsFixedAfterInvitations = "guests_fixed_after_invitations",
        /// A held, documented, evaluated, cancelled or withdrawn dialogue is not cancelled.
        DialogueIsFinal = "dialogue_is_final",
    }
}

/// What scheduling does: the first date, or a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduling {
    First,
    Reschedule,
}

/// Whether a dialogue in `state` may get a date.
pub fn schedule(state: DialogueState) -> Result<Scheduling, ApiError> {
    match state {
        DialogueState::Unscheduled => Ok(Scheduling::First),
        DialogueState::Scheduled | DialogueState::Invited => Ok(Scheduling::Reschedule),
        other => {
            Err(StateRule::DialogueAlreadyHeld
                .conflict(format!("the dialogue is {}", other.code())))
        }
    }
}

/// Whether invitations may go out for a dialogue in `state`.
pub fn invite(state: DialogueState) -> Result<(), ApiError> {
    match state {
        DialogueState::Scheduled => Ok(()),
        other => Err(StateRule::InvitationsNeedASchedule.conflict(format!(
            "invitations go out for a scheduled dialogue; it is {}",
            other.code()
        ))),
    }
}

/// Whether guests of a dialogue in `state` may answer.
pub fn respond(state: DialogueState) -> Result<(), ApiError> {
    match state {
        DialogueState::Invited => Ok(()),
        other => Err(StateRule::ResponsesNeedInvitations.conflict(format!(
            "guests answer once invitations went out; the dialogue is {}",
            other.code()
        ))),
    }
}

/// Whether the guests of a dialogue in `state` may change.
pub fn change_guests(state: DialogueState) -> Result<(), ApiError> {
    match state {
        DialogueState::Scheduled => Ok(()),
        other => Err(StateRule::GuestsFixedAfterInvitations.conflict(format!(
            "guests change while the dialogue is scheduled; it is {}",
            other.code()
        ))),
    }
}

/// Whether a dialogue in `state` may be cancelled.
pub fn cancel(state: DialogueState) -> Result<(), ApiError> {
    match state {
        DialogueState::Unscheduled | DialogueState::Scheduled | DialogueState::Invited => Ok(()),
        other => {
            Err(StateRule::DialogueIsFinal.conflict(format!("the dialogue is {}", other.code())))
        }
    }
}

/// An organisation taking part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Org {
    pub id: Uuid,
    pub youth_office: bool,
}

/// A guest as the checks need them: `None` organisation when the directory does not know the
/// person as active.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guest {
    pub person: Uuid,
    pub org: Option<Org>,
}

/// The dialogue as it would be.
#[derive(Debug, Clone)]
pub struct Proposal {
    pub date: NaiveDate,
    pub host: Org,
    pub representatives: Vec<Uuid>,
    pub guests: Vec<Guest>,
    pub room_capacity: Option<i32>,
    pub proposed_dates: Vec<NaiveDate>,
    /// The report's date plus the lead days.
    pub earliest: Option<NaiveDate>,
    pub cycle: (NaiveDate, NaiveDate),
}

/// What the rest of the region looks like around the date.
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    pub public_holiday: Option<String>,
    pub forum_meeting: Option<String>,
    /// The title of a training session on the day.
    pub training_session: Option<String>,
    /// Absences of the representatives and guests.
    pub absences: Vec<Absence>,
    /// Other dialogues on the day and in its ISO week.
    pub others_on_day: i32,
    pub others_in_week: i32,
    /// People attending another dialogue on the day (as representative or guest).
    pub busy: BTreeSet<Uuid>,
    /// Per guest, their guest dialogues in the date's calendar year, this one not counted.
    pub guest_dialogues_in_year: BTreeMap<Uuid, i32>,
}

/// Every hard rule the dialogue would break, in the planner's order.
pub fn check(p: &Proposal, s: &Surroundings, rules: &CycleRules) -> Vec<Violation> {
    let mut v = Vec::new();
    let date = p.date;
    let on = |rule: DialogueRule, message: String| Violation::new(rule, message).dates([date]);
    if p.representatives.is_empty() {
        v.push(Violation::new(
            DialogueRule::NoRepresentatives,
            "the host has not named its representatives".to_string(),
        ));
    }
    if !p.proposed_dates.contains(&date) {
        v.push(on(
            DialogueRule::DateNotCandidate,
            format!("{date} is not one of the host's proposed dates"),
        ));
    }
    if date < p.cycle.0 || date > p.cycle.1 {
        v.push(on(
            DialogueRule::DateOutsideCycle,
            format!(
                "{date} lies outside the cycle, {} to {}",
                p.cycle.0, p.cycle.1
            ),
        ));
    }
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        v.push(on(
            DialogueRule::DateWeekend,
            format!("{date} is a {}", date.weekday()),
        ));
    }
    if let Some(name) = &s.public_holiday {
        v.push(on(
            DialogueRule::DatePublicHoliday,
            format!("{date} is a public holiday ({name})"),
        ));
    }
    if let Some(title) = &s.forum_meeting {
        v.push(on(
            DialogueRule::DateForum,
            format!("the Forum meets on {date} ({title})"),
        ));
    }
    if let Some(title) = &s.training_session {
        v.push(on(
            DialogueRule::DateTraining,
            format!("a training session takes place on {date} ({title})"),
        ));
    }
    if let Some(earliest) = p.earliest
        && date < earliest
    {
        v.push(on(
            DialogueRule::DateBeforeReport,
            format!("the quality report allows a dialogue from {earliest} on"),
        ));
    }
    if s.others_on_day + 1 > rules.max_dialogues_per_day {
        v.push(on(
            DialogueRule::DayOverload,
            format!(
                "{} other dialogues are on {date}; the region holds at most {} a day",
                s.others_on_day, rules.max_dialogues_per_day
            ),
        ));
    }
    if s.others_in_week + 1 > rules.max_dialogues_per_iso_week {
        let week = date.iso_week();
        v.push(on(
            DialogueRule::WeekOverload,
            format!(
                "{} other dialogues are in week {} of {}; the region holds at most {} a week",
                s.others_in_week,
                week.week(),
                week.year(),
                rules.max_dialogues_per_iso_week
            ),
        ));
    }
    let absent = |person: Uuid| {
        s.absences
            .iter()
            .any(|a| a.person_id == person && a.covers(date))
    };
    let reps_away: Vec<Uuid> = p
        .representatives
        .iter()
        .copied()
        .filter(|r| absent(*r))
        .collect();
    if !reps_away.is_empty() {
        v.push(
            on(
                DialogueRule::HostRepUnavailable,
                format!(
                    "{} host representative(s) are absent on {date}",
                    reps_away.len()
                ),
            )
            .people(reps_away),
        );
    }
    let reps_busy: Vec<Uuid> = p
        .representatives
        .iter()
        .copied()
        .filter(|r| s.busy.contains(r))
        .collect();
    if !reps_busy.is_empty() {
        v.push(
            on(
                DialogueRule::HostRepDoubleBooked,
                format!(
                    "{} host representative(s) attend another dialogue on {date}",
                    reps_busy.len()
                ),
            )
            .people(reps_busy),
        );
    }
    let known: Vec<(Uuid, Org)> = p
        .guests
        .iter()
        .filter_map(|g| g.org.map(|o| (g.person, o)))
        .collect();
    let unknown: Vec<Uuid> = p
        .guests
        .iter()
        .filter(|g| g.org.is_none())
        .map(|g| g.person)
        .collect();
    if !unknown.is_empty() {
        v.push(
            Violation::new(
                DialogueRule::GuestUnknown,
                format!(
                    "{} guest(s) are not active people of the directory",
                    unknown.len()
                ),
            )
            .people(unknown),
        );
    }
    let guests_away: Vec<Uuid> = known
        .iter()
        .map(|(g, _)| *g)
        .filter(|g| absent(*g))
        .collect();
    if !guests_away.is_empty() {
        v.push(
            on(
                DialogueRule::GuestUnavailable,
                format!("{} guest(s) are absent on {date}", guests_away.len()),
            )
            .people(guests_away),
        );
    }
    let guests_busy: Vec<Uuid> = known
        .iter()
        .map(|(g, _)| *g)
        .filter(|g| s.busy.contains(g))
        .collect();
    if !guests_busy.is_empty() {
        v.push(
            on(
                DialogueRule::GuestDoubleBooked,
                format!(
                    "{} guest(s) attend another dialogue on {date}",
                    guests_busy.len()
                ),
            )
            .people(guests_busy),
        );
    }
    let from_host: Vec<Uuid> = known
        .iter()
        .filter(|(_, o)| o.id == p.host.id)
        .map(|(g, _)| *g)
        .collect();
    if !from_host.is_empty() {
        v.push(
            Violation::new(
                DialogueRule::GuestFromHostOrg,
                "guests come from other organisations than the host".to_string(),
            )
            .people(from_host),
        );
    }
    let mut per_org: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (guest, org) in known.iter().filter(|(_, o)| o.id != p.host.id) {
        per_org.entry(org.id).or_default().push(*guest);
    }
    let crowded: Vec<(Uuid, Vec<Uuid>)> = per_org
        .iter()
        .filter(|(_, guests)| guests.len() > 1)
        .map(|(org, guests)| (*org, guests.clone()))
        .collect();
    if !crowded.is_empty() {
        v.push(
            Violation::new(
                DialogueRule::GuestSameOrg,
                "one guest per organisation".to_string(),
            )
            .organizations(crowded.iter().map(|(o, _)| *o))
            .people(crowded.into_iter().flat_map(|(_, g)| g)),
        );
    }
    let mut orgs: BTreeMap<Uuid, bool> = BTreeMap::new();
    orgs.insert(p.host.id, p.host.youth_office);
    for (_, org) in &known {
        orgs.insert(org.id, org.youth_office);
    }
    let count = orgs.len() as i32;
    if count < rules.min_orgs_per_dialogue || count > rules.max_orgs_per_dialogue {
        v.push(Violation::new(
            DialogueRule::OrgCount,
            format!(
                "{count} organisations take part; a dialogue has {} to {}",
                rules.min_orgs_per_dialogue, rules.max_orgs_per_dialogue
            ),
        ));
    }
    let youth_offices = orgs.values().filter(|y| **y).count() as i32;
    let institutions = count - youth_offices;
    if youth_offices < rules.min_youth_offices_per_dialogue {
        v.push(Violation::new(
            DialogueRule::NoYouthOffice,
            format!(
                "{youth_offices} youth offices take part; at least {} must",
                rules.min_youth_offices_per_dialogue
            ),
        ));
    }
    if institutions < rules.min_institutions_per_dialogue {
        v.push(Violation::new(
            DialogueRule::TooFewInstitutions,
            format!(
                "{institutions} institutions take part; at least {} must",
                rules.min_institutions_per_dialogue
            ),
        ));
    }
    let mut participants: BTreeSet<Uuid> = p.representatives.iter().copied().collect();
    participants.extend(p.guests.iter().map(|g| g.person));
    if let Some(capacity) = p.room_capacity
        && participants.len() as i32 > capacity
    {
        v.push(Violation::new(
            DialogueRule::RoomCapacity,
            format!(
                "{} participants; the host's room holds {capacity}",
                participants.len()
            ),
        ));
    }
    let over: Vec<Uuid> = known
        .iter()
        .map(|(g, _)| *g)
        .filter(|g| {
            s.guest_dialogues_in_year.get(g).copied().unwrap_or(0) + 1
                > rules.max_guest_dialogues_per_staff_per_year
        })
        .collect();
    if !over.is_empty() {
        v.push(
            Violation::new(
                DialogueRule::GuestYearOverload,
                format!(
                    "{} guest(s) would attend more than {} dialogues as guest in {}",
                    over.len(),
                    rules.max_guest_dialogues_per_staff_per_year,
                    date.year()
                ),
            )
            .people(over),
        );
    }
    v
}

/// Scheduling a dialogue: its date, time, place and guests.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts_at": "2027-05-12T07:00:00Z", "ends_at": "2027-05-12T11:30:00Z",
    "place": "Kinder- und Jugendhilfe Öhringen, Seminarraum", "guests": ["01936f40-0000-7000-8000-000000000011",
    "01936f40-0000-7000-8000-000000000012", "01936f40-0000-7000-8000-000000000013"], "reason": null}))]
pub struct ScheduleInput {
    pub starts_at: chrono::DateTime<chrono::Utc>,
    /// On the same regional day, after `starts_at`.
    pub ends_at: chrono::DateTime<chrono::Utc>,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub place: String,
    /// Directory people of other organisations (the host's representatives attend anyway).
    #[schema(max_items = 50)]
    pub guests: Vec<Uuid>,
    /// Why a scheduled dialogue moves (kept in its history; up to 500 characters).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// A checked schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleDraft {
    pub date: NaiveDate,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub place: String,
    pub guests: Vec<Uuid>,
    pub reason: Option<String>,
}

pub const MAX_GUESTS: usize = 50;

impl ScheduleInput {
    pub fn validate(self) -> Result<ScheduleDraft, Vec<qmf_platform::FieldError>> {
        use qmf_platform::FieldError;
        let mut errors = Vec::new();
        let date = super::calendar::berlin_date(self.starts_at);
        if self.ends_at <= self.starts_at {
            errors.push(FieldError::new("/ends_at", "must be after starts_at"));
        } else if super::calendar::berlin_date(self.ends_at) != date {
            errors.push(FieldError::new(
                "/ends_at",
                "must be on the same day as starts_at (Europe/Berlin)",
            ));
        }
        let place = self.place.trim().to_string();
        if !(1..=300).contains(&place.chars().count()) {
            errors.push(FieldError::new("/place", "must have 1 to 300 characters"));
        }
        let guests: BTreeSet<Uuid> = self.guests.iter().copied().collect();
        if guests.len() != self.guests.len() {
            errors.push(FieldError::new("/guests", "names a person twice"));
        }
        if guests.len() > MAX_GUESTS {
            errors.push(FieldError::new(
                "/guests",
                format!("at most {MAX_GUESTS} guests"),
            ));
        }
        let reason = self
            .reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            errors.push(FieldError::new("/reason", "at most 500 characters"));
        }
        if errors.is_empty() {
            Ok(ScheduleDraft {
                date,
                starts_at: self.starts_at,
                ends_at: self.ends_at,
                place,
                guests: self.guests,
                reason,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::absences::Period;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn org(youth_office: bool) -> Org {
        Org {
            id: Uuid::now_v7(),
            youth_office,
        }
    }

    /// A valid dialogue of an institution on Wednesday 12 May 2027 with a youth office and two
    /// more institutions.
    fn valid() -> (Proposal, Surroundings) {
        let host = org(false);
        let guests = [org(true), org(false), org(false)]
            .into_iter()
            .map(|o| Guest {
                person: Uuid::now_v7(),
                org: Some(o),
            })
            .collect();
        let proposal = Proposal {
            date: day(2027, 5, 12),
            host,
            representatives: vec![Uuid::now_v7()],
            guests,
            room_capacity: Some(8),
            proposed_dates: vec![day(2027, 5, 12), day(2027, 6, 9)],
            earliest: Some(day(2027, 4, 1)),
            cycle: (day(2027, 1, 1), day(2029, 12, 31)),
        };
        (proposal, Surroundings::default())
    }

    fn names(violations: &[Violation]) -> Vec<&str> {
        violations.iter().map(|v| v.rule.as_str()).collect()
    }

    #[test]
    fn a_valid_dialogue_breaks_nothing() {
        let (p, s) = valid();
        assert!(check(&p, &s, &CycleRules::default()).is_empty());
        qmf_platform::rules::assert_distinct_names(DialogueRule::ALL);
        qmf_platform::rules::assert_distinct_names(StateRule::ALL);
    }

    #[test]
    fn every_date_rule_is_named_with_its_day() {
        let (mut p, mut s) = valid();
        p.date = day(2027, 3, 6); // a Saturday, not proposed, before the report
        s.public_holiday = Some("Feiertag".into());
        s.forum_meeting = Some("Forum".into());
        s.others_on_day = 1;
        s.others_in_week = 2;
        let v = check(&p, &s, &CycleRules::default());
        assert_eq!(
            names(&v),
            [
                "date_not_candidate",
                "date_weekend",
                "date_public_holiday",
                "date_forum",
                "date_before_report",
                "day_overload",
                "week_overload"
            ]
        );
        assert!(v.iter().all(|v| v.dates == [day(2027, 3, 6)]));
        p.date = day(2030, 1, 2);
        assert!(
            names(&check(&p, &Surroundings::default(), &CycleRules::default()))
                .contains(&"date_outside_cycle")
        );
    }

    #[test]
    fn people_rules_name_the_people() {
        let (mut p, mut s) = valid();
        let rep = p.representatives[0];
        let away = p.guests[0].person;
        let busy = p.guests[1].person;
        s.absences = vec![
            Absence {
                person_id: rep,
                period: Period::Weekday { weekday: 3 },
            },
            Absence {
                person_id: away,
                period: Period::Range {
                    start: day(2027, 5, 10),
                    end: day(2027, 5, 14),
                },
            },
        ];
        s.busy.insert(busy);
        s.busy.insert(rep);
        let stranger = Uuid::now_v7();
        p.guests.push(Guest {
            person: stranger,
            org: None,
        });
        s.guest_dialogues_in_year.insert(busy, 4);
        let v = check(&p, &s, &CycleRules::default());
        assert_eq!(
            names(&v),
            [
                "host_rep_unavailable",
                "host_rep_double_booked",
                "guest_unknown",
                "guest_unavailable",
                "guest_double_booked",
                "guest_year_overload"
            ]
        );
        assert_eq!(v[0].people, [rep]);
        assert_eq!(v[2].people, [stranger]);
        assert_eq!(v[3].people, [away]);
        assert_eq!(v[4].people, [busy]);
        assert_eq!(v[5].people, [busy]);
    }

    #[test]
    fn composition_rules_count_organisations_the_host_included() {
        let (mut p, s) = valid();
        let rules = CycleRules::default();
        // Two guests of one organisation, one from the host.
        let twice = p.guests[1].org.unwrap();
        p.guests.push(Guest {
            person: Uuid::now_v7(),
            org: Some(twice),
        });
        p.guests.push(Guest {
            person: Uuid::now_v7(),
            org: Some(p.host),
        });
        p.room_capacity = Some(5);
        let v = check(&p, &s, &rules);
        assert_eq!(
            names(&v),
            ["guest_from_host_org", "guest_same_org", "room_capacity"]
        );
        assert_eq!(v[1].organizations, [twice.id]);
        // Only the host and one institution: too few organisations, no youth office, one
        // institution short.
        let (mut p, s) = valid();
        p.guests = vec![p.guests[1]];
        assert_eq!(
            names(&check(&p, &s, &rules)),
            ["org_count", "no_youth_office"]
        );
        p.guests = vec![];
        assert_eq!(
            names(&check(&p, &s, &rules)),
            ["org_count", "no_youth_office", "too_few_institutions"]
        );
        // A youth-office host counts as the youth office.
        let (mut p, s) = valid();
        p.host = org(true);
        p.guests[0].org = Some(org(false));
        assert!(check(&p, &s, &rules).is_empty());
    }

    #[test]
    fn states_allow_their_steps() {
        assert_eq!(
            schedule(DialogueState::Unscheduled).unwrap(),
            Scheduling::First
        );
        assert_eq!(
            schedule(DialogueState::Scheduled).unwrap(),
            Scheduling::Reschedule
        );
        assert_eq!(
            schedule(DialogueState::Invited).unwrap(),
            Scheduling::Reschedule
        );
        assert!(schedule(DialogueState::Held).is_err());
        assert!(invite(DialogueState::Scheduled).is_ok());
        assert!(invite(DialogueState::Invited).is_err());
        assert!(respond(DialogueState::Invited).is_ok());
        assert!(respond(DialogueState::Scheduled).is_err());
        assert!(change_guests(DialogueState::Scheduled).is_ok());
        assert!(change_guests(DialogueState::Unscheduled).is_err());
        assert!(cancel(DialogueState::Invited).is_ok());
        assert!(cancel(DialogueState::Held).is_err());
        assert!(cancel(DialogueState::Cancelled).is_err());
        for state in [
            "unscheduled",
            "scheduled",
            "invited",
            "held",
            "documented",
            "evaluated",
            "cancelled",
            "withdrawn",
        ] {
            assert_eq!(DialogueState::parse(state).unwrap().code(), state);
        }
    }

    #[test]
    fn a_schedule_stays_on_one_regional_day() {
        let input = |starts: &str, ends: &str| ScheduleInput {
            starts_at: starts.parse().unwrap(),
            ends_at: ends.parse().unwrap(),
            place: " Seminarraum ".into(),
            guests: vec![],
            reason: None,
        };
        let draft = input("2027-05-11T22:30:00Z", "2027-05-12T02:00:00Z")
            .validate()
            .unwrap();
        assert_eq!(draft.date, day(2027, 5, 12));
        assert_eq!(draft.place, "Seminarraum");
        let errors = input("2027-05-12T20:00:00Z", "2027-05-12T23:00:00Z")
            .validate()
            .unwrap_err();
        assert_eq!(errors[0].pointer, "/ends_at");
        let errors = input("2027-05-12T10:00:00Z", "2027-05-12T09:00:00Z")
            .validate()
            .unwrap_err();
        assert_eq!(errors[0].pointer, "/ends_at");
    }
}
