//! Meetings: planned → invited → held → minutes approved, or cancelled before they are held.
//! The agenda can change until the meeting is held. The Forum meets twice a year.

use chrono::NaiveDate;
use qmf_platform::{ApiError, FieldError, RuleName};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::Rule;

/// State of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    Planned,
    /// Invitations were sent.
    Invited,
    Held,
    /// Minutes (Protokoll) approved; final.
    MinutesApproved,
    Cancelled,
}

/// State changes a client can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingTransition {
    MarkHeld,
    ApproveMinutes,
    Cancel,
}

/// The state after `transition`, or the rule that refuses it.
pub fn transition(
    state: MeetingState,
    transition: MeetingTransition,
) -> Result<MeetingState, ApiError> {
    use MeetingState::*;
    use MeetingTransition::*;
    match (state, transition) {
        (Planned | Invited, MarkHeld) => Ok(Held),
        (Held, ApproveMinutes) => Ok(MinutesApproved),
        (Planned | Invited, Cancel) => Ok(Cancelled),
        (MinutesApproved | Cancelled, _) => Err(final_state()),
        (Held, _) => Err(already_held()),
        (Planned | Invited, ApproveMinutes) => Err(Rule::MinutesRequireHeldMeeting
            .conflict("minutes can be approved after the meeting was held")),
    }
}

/// The agenda can change only before the meeting is held.
pub fn agenda_editable(state: MeetingState) -> Result<(), ApiError> {
    match state {
        MeetingState::Planned | MeetingState::Invited => Ok(()),
        _ => Err(Rule::AgendaFixedAfterMeeting
            .conflict("the agenda cannot change once the meeting was held or cancelled")),
    }
}

/// Invitations go out once, while the meeting is planned and has an agenda.
pub fn invitations_allowed(state: MeetingState, agenda_items: usize) -> Result<(), ApiError> {
    match state {
        MeetingState::Planned if agenda_items == 0 => {
            Err(Rule::AgendaEmpty.conflict("an invitation needs an agenda with at least one item"))
        }
        MeetingState::Planned => Ok(()),
        MeetingState::Invited => {
            Err(Rule::InvitationsAlreadySent.conflict("the invitations to this meeting were sent"))
        }
        MeetingState::Held => Err(already_held()),
        MeetingState::MinutesApproved | MeetingState::Cancelled => Err(final_state()),
    }
}

/// Attendance (including excuses sent beforehand) can be recorded until the minutes are
/// approved.
pub fn attendance_editable(state: MeetingState) -> Result<(), ApiError> {
    match state {
        MeetingState::Planned | MeetingState::Invited | MeetingState::Held => Ok(()),
        MeetingState::MinutesApproved | MeetingState::Cancelled => Err(final_state()),
    }
}

/// Minutes are written after the meeting was held and fixed by their approval.
pub fn minutes_editable(state: MeetingState) -> Result<(), ApiError> {
    match state {
        MeetingState::Held => Ok(()),
        MeetingState::Planned | MeetingState::Invited => Err(Rule::MinutesRequireHeldMeeting
            .conflict("minutes can be written after the meeting was held")),
        MeetingState::MinutesApproved | MeetingState::Cancelled => Err(final_state()),
    }
}

/// Refuses what implies that the meeting happened (marking it held, minutes, decisions) before
/// the meeting's day; on the day itself it is allowed, also before the meeting's start time.
pub fn meeting_day_reached(meeting_day: NaiveDate, today: NaiveDate) -> Result<(), ApiError> {
    if meeting_day <= today {
        Ok(())
    } else {
        Err(Rule::MeetingDayNotReached.conflict(format!(
            "the meeting takes place on {meeting_day}: it counts as held, and gets minutes and \
             decisions, from that day on"
        )))
    }
}

/// Minutes can be approved only when they were written.
pub fn minutes_present(minutes: Option<&str>) -> Result<(), ApiError> {
    match minutes {
        Some(text) if !text.trim().is_empty() => Ok(()),
        _ => Err(Rule::MinutesMissing.conflict("write the minutes before approving them")),
    }
}

fn final_state() -> ApiError {
    Rule::MeetingIsFinal.conflict("the meeting's minutes are approved or it was cancelled")
}

fn already_held() -> ApiError {
    Rule::MeetingAlreadyHeld.conflict("the meeting was held")
}

/// How someone took part in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Present,
    /// Excused in advance (entschuldigt).
    Excused,
    /// A guest, e.g. KVJS or an invited expert.
    Guest,
}

/// The Forum meets at least this often per year.
pub const FORUM_MEETINGS_PER_YEAR: i64 = 2;

/// Years a report may ask for.
pub const REPORT_YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A report covers at most this many years after its first.
pub const REPORT_MAX_SPAN: i32 = 50;

/// The years of the Forum report: by default from last year to next year; each within
/// [`REPORT_YEARS`], the first not after the last, at most [`REPORT_MAX_SPAN`] apart.
pub fn report_years(
    from_year: Option<i32>,
    to_year: Option<i32>,
    this_year: i32,
) -> Result<(i32, i32), ApiError> {
    let (first, last) = (*REPORT_YEARS.start(), *REPORT_YEARS.end());
    let around = |offset: i32| this_year.saturating_add(offset).clamp(first, last);
    let from = from_year.unwrap_or_else(|| around(-1));
    let to = to_year.unwrap_or_else(|| around(1));
    let mut errors = Vec::new();
    for (name, year) in [("from_year", from), ("to_year", to)] {
        if !REPORT_YEARS.contains(&year) {
            errors.push(FieldError::new(
                format!("/query/{name}"),
                format!("must be a year from {first} to {last}"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if to
        .checked_sub(from)
        .is_none_or(|span| !(0..=REPORT_MAX_SPAN).contains(&span))
    {
        return Err(ApiError::validation(
            "/query/from_year",
            format!("must not be after to_year, at most {REPORT_MAX_SPAN} years apart"),
        ));
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(r: Result<MeetingState, ApiError>) -> String {
        match r {
            Err(ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn meeting_states() {
        use MeetingState::*;
        use MeetingTransition::*;
        assert_eq!(transition(Planned, MarkHeld).ok(), Some(Held));
        assert_eq!(transition(Held, ApproveMinutes).ok(), Some(MinutesApproved));
        assert_eq!(transition(Invited, Cancel).ok(), Some(Cancelled));
        assert_eq!(
            rule(transition(Held, Cancel)),
            Rule::MeetingAlreadyHeld.name()
        );
        assert_eq!(
            rule(transition(Planned, ApproveMinutes)),
            Rule::MinutesRequireHeldMeeting.name()
        );
        assert_eq!(
            rule(transition(Cancelled, MarkHeld)),
            Rule::MeetingIsFinal.name()
        );
        assert!(agenda_editable(Invited).is_ok());
        assert!(agenda_editable(Held).is_err());
    }

    fn rule_of(r: Result<(), ApiError>) -> String {
        match r {
            Err(ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn a_meeting_happens_on_its_day_not_before() {
        let day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
        assert!(meeting_day_reached(day("2027-03-17"), day("2027-03-17")).is_ok());
        assert!(meeting_day_reached(day("2027-03-17"), day("2027-03-18")).is_ok());
        assert_eq!(
            rule_of(meeting_day_reached(day("2027-03-17"), day("2027-03-16"))),
            Rule::MeetingDayNotReached.name()
        );
        assert_eq!(
            rule_of(meeting_day_reached(day("2028-01-01"), day("2027-12-31"))),
            Rule::MeetingDayNotReached.name()
        );
    }

    fn pointers(r: Result<(i32, i32), ApiError>) -> Vec<String> {
        match r {
            Err(ApiError::Validation(errors)) => errors.into_iter().map(|e| e.pointer).collect(),
            other => vec![format!("{other:?}")],
        }
    }

    #[test]
    fn report_years_are_bounded() {
        assert_eq!(report_years(None, None, 2026).ok(), Some((2025, 2027)));
        assert_eq!(
            report_years(Some(1900), Some(1950), 2026).ok(),
            Some((1900, 1950))
        );
        assert_eq!(
            report_years(Some(2200), None, 2199).ok(),
            Some((2200, 2200))
        );
        assert_eq!(
            pointers(report_years(Some(i32::MIN), Some(i32::MAX), 2026)),
            ["/query/from_year", "/query/to_year"]
        );
        assert_eq!(
            pointers(report_years(Some(1899), None, 2026)),
            ["/query/from_year"]
        );
        assert_eq!(
            pointers(report_years(None, Some(2201), 2026)),
            ["/query/to_year"]
        );
        assert_eq!(
            pointers(report_years(Some(2030), Some(2029), 2026)),
            ["/query/from_year"]
        );
        assert_eq!(
            pointers(report_years(Some(1900), Some(1951), 2026)),
            ["/query/from_year"]
        );
        // A clock far off the bounds still gives years the report accepts.
        assert_eq!(report_years(None, None, i32::MAX).ok(), Some((2200, 2200)));
    }

    #[test]
    fn invitations_attendance_minutes() {
        use MeetingState::*;
        assert!(invitations_allowed(Planned, 1).is_ok());
        assert_eq!(
            rule_of(invitations_allowed(Planned, 0)),
            Rule::AgendaEmpty.name()
        );
        assert_eq!(
            rule_of(invitations_allowed(Invited, 3)),
            Rule::InvitationsAlreadySent.name()
        );
        assert_eq!(
            rule_of(invitations_allowed(Cancelled, 3)),
            Rule::MeetingIsFinal.name()
        );
        assert!(attendance_editable(Held).is_ok());
        assert_eq!(
            rule_of(attendance_editable(MinutesApproved)),
            Rule::MeetingIsFinal.name()
        );
        assert!(minutes_editable(Held).is_ok());
        assert_eq!(
            rule_of(minutes_editable(Invited)),
            Rule::MinutesRequireHeldMeeting.name()
        );
        assert_eq!(
            rule_of(minutes_present(Some("  "))),
            Rule::MinutesMissing.name()
        );
        assert!(minutes_present(Some("Protokoll")).is_ok());
    }
}
