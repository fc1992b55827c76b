//! Scheduling dialogues by hand, changing their guests, cancelling them. Every date and guest
//! list is checked against the hard rules of one dialogue and the region-wide limits; the
//! open cycle is locked while a dialogue's date or guests change, so two requests cannot both
//! take the region's last slot of a day or week.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_contracts::dialogue::{
    DialogueCancelledV1, DialogueGuest, DialogueGuestsChangedV1, DialogueScheduledV1,
};
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal, RuleName, not_found};
use uuid::Uuid;

use crate::domain::access;
use crate::domain::calendar::bw_public_holidays;
use crate::domain::dialogues::{
    self as rules, DialogueState, Guest, Org, Proposal, ScheduleDraft, Scheduling, Surroundings,
};
use crate::domain::rules::Rule;
use crate::events;
use crate::store::absences as absence_store;
use crate::store::calendar as calendar_store;
use crate::store::cycles::{self as cycle_store, CycleRow};
use crate::store::dialogues::{self as store, DialogueRow, Step};
use crate::store::hosts as host_store;

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<DialogueRow> {
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))
}

/// The dialogue and its cycle, locked in the order cycle, dialogue (as every writer here
/// locks), after checking the caller may plan it and the version they read.
async fn lock_for_planning(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<(CycleRow, DialogueRow)> {
    let peek = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    access::require_host_editor(principal, peek.host_organization_id)?;
    let cycle = cycle_store::lock(conn, peek.cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    if_match.check(current.version)?;
    if cycle.state != "open" {
        return Err(Rule::CycleClosed.conflict("the cycle is closed"));
    }
    Ok((cycle, current))
}

/// Checks the dialogue as it would be on `date` with `guests`; the guests with their
/// organisations when every rule holds.
pub(crate) async fn check_guests(
    conn: &mut AsyncPgConnection,
    cycle: &CycleRow,
    dialogue: &DialogueRow,
    date: NaiveDate,
    guests: &[Uuid],
) -> ApiResult<Vec<(Uuid, Uuid)>> {
    let host = host_store::find(conn, dialogue.host_id)
        .await?
        .ok_or_else(|| not_found("host"))?;
    if host.state != "active" {
        return Err(Rule::HostWithdrawn.conflict("the host left the cycle"));
    }
    let cycle_rules = cycle.rules()?;
    let organizations = store::organizations_of(conn, guests, date).await?;
    let mut people: Vec<Uuid> = host.representatives.clone();
    people.extend(guests.iter().copied());
    let load = store::load_around(conn, dialogue.id, date).await?;
    let surroundings = Surroundings {
        public_holiday: bw_public_holidays(chrono::Datelike::year(&date))
            .into_iter()
            .find(|h| h.date == date)
            .map(|h| h.name.to_string()),
        forum_meeting: calendar_store::forum_meetings(conn, date, date)
            .await?
            .into_iter()
            .next()
            .map(|m| m.title),
        training_session: calendar_store::training_days(conn, date, date)
            .await?
            .into_iter()
            .next()
            .map(|(_, _, title)| title),
        absences: absence_store::of_people(conn, &people, date, date)
            .await?
            .iter()
            .filter_map(|row| row.absence())
            .collect(),
        others_on_day: load.on_day,
        others_in_week: load.in_week,
        busy: store::busy_on(conn, dialogue.id, date, &people).await?,
        guest_dialogues_in_year: store::guest_dialogues_in_year(conn, dialogue.id, date, guests)
            .await?,
    };
    let proposal = Proposal {
        date,
        host: Org {
            id: host.organization_id,
            youth_office: host.organization_kind == "youth_office",
        },
        representatives: host.representatives.clone(),
        guests: guests
            .iter()
            .map(|person| Guest {
                person: *person,
                org: organizations.get(person).copied(),
            })
            .collect(),
        room_capacity: host.room_capacity,
        proposed_dates: host.proposed_dates.clone(),
        earliest: host.report_ready_on.map(|ready| {
            ready + chrono::Days::new(u64::try_from(cycle_rules.report_lead_days).unwrap_or(0))
        }),
        cycle: (cycle.start_on, cycle.end_on),
    };
    let violations = rules::check(&proposal, &surroundings, &cycle_rules);
    if !violations.is_empty() {
        return Err(ApiError::Violations(violations));
    }
    Ok(guests
        .iter()
        .filter_map(|person| organizations.get(person).map(|org| (*person, org.id)))
        .collect())
}

fn guest_list(guests: &[(Uuid, Uuid)]) -> Vec<DialogueGuest> {
    guests
        .iter()
        .map(|(person_id, organization_id)| DialogueGuest {
            person_id: *person_id,
            organization_id: *organization_id,
        })
        .collect()
}

/// Schedules or reschedules a dialogue by hand (`dialogue.dialogue.scheduled.v1` or
/// `…rescheduled.v1`).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn schedule(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    draft: &ScheduleDraft,
) -> ApiResult<DialogueRow> {
    let (cycle, current) = lock_for_planning(conn, principal, id, if_match).await?;
    let state = DialogueState::parse(&current.state)?;
    let scheduling = rules::schedule(state)?;
    let guests = check_guests(conn, &cycle, &current, draft.date, &draft.guests).await?;
    write_schedule(
        conn,
        &principal.subject,
        &current,
        scheduling,
        draft,
        &guests,
    )
    .await?;
    get(conn, id).await
}

/// Writes a checked date, time, place and guest list with its history step and event
/// (`dialogue.dialogue.scheduled.v1`, or `…rescheduled.v1` with the reason).
pub(crate) async fn write_schedule(
    conn: &mut AsyncPgConnection,
    actor: &str,
    current: &DialogueRow,
    scheduling: Scheduling,
    draft: &ScheduleDraft,
    guests: &[(Uuid, Uuid)],
) -> ApiResult<()> {
    let id = current.id;
    let state = DialogueState::parse(&current.state)?;
    store::set_schedule(conn, id, DialogueState::Scheduled.code(), draft).await?;
    store::set_guests(conn, id, guests).await?;
    let rescheduled = scheduling == Scheduling::Reschedule;
    store::record(
        conn,
        id,
        Step {
            action: if rescheduled {
                "reschedule"
            } else {
                "schedule"
            },
            from_state: state.code(),
            to_state: DialogueState::Scheduled.code(),
            day_before: current.day,
            day_after: Some(draft.date),
            reason: draft.reason.as_deref(),
            actor,
        },
    )
    .await?;
    events::dialogue_scheduled(
        conn,
        DialogueScheduledV1 {
            dialogue_id: id,
            cycle_id: current.cycle_id,
            host_organization_id: current.host_organization_id,
            date: draft.date,
            starts_at: draft.starts_at,
            ends_at: draft.ends_at,
            place: draft.place.clone(),
            guests: guest_list(guests),
            previous_date: if rescheduled { current.day } else { None },
            reason: if rescheduled {
                draft.reason.clone()
            } else {
                None
            },
        },
        rescheduled,
    )
    .await
}

/// Replaces the guests of a scheduled dialogue (`dialogue.dialogue.guests_changed.v1`).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn change_guests(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    guests: &[Uuid],
) -> ApiResult<DialogueRow> {
    let (cycle, current) = lock_for_planning(conn, principal, id, if_match).await?;
    rules::change_guests(DialogueState::parse(&current.state)?)?;
    let date = current
        .day
        .ok_or_else(|| ApiError::internal("a scheduled dialogue without a day"))?;
    let guests = check_guests(conn, &cycle, &current, date, guests).await?;
    write_guests(conn, &principal.subject, &current, &guests, None).await?;
    get(conn, id).await
}

/// Writes a checked guest list of a dialogue that keeps its date, with its history step and
/// `dialogue.dialogue.guests_changed.v1`.
pub(crate) async fn write_guests(
    conn: &mut AsyncPgConnection,
    actor: &str,
    current: &DialogueRow,
    guests: &[(Uuid, Uuid)],
    reason: Option<&str>,
) -> ApiResult<()> {
    let id = current.id;
    let date = current
        .day
        .ok_or_else(|| ApiError::internal("a scheduled dialogue without a day"))?;
    store::set_guests(conn, id, guests).await?;
    store::touch(conn, id).await?;
    store::record(
        conn,
        id,
        Step {
            action: "change_guests",
            from_state: &current.state,
            to_state: &current.state,
            day_before: current.day,
            day_after: current.day,
            reason,
            actor,
        },
    )
    .await?;
    events::dialogue_guests_changed(
        conn,
        DialogueGuestsChangedV1 {
            dialogue_id: id,
            cycle_id: current.cycle_id,
            host_organization_id: current.host_organization_id,
            date,
            guests: guest_list(guests),
        },
    )
    .await
}

/// Calls a dialogue off (`dialogue.dialogue.cancelled.v1`); its day is free again.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    reason: &str,
) -> ApiResult<DialogueRow> {
    let (cycle, current) = lock_for_planning(conn, principal, id, if_match).await?;
    let state = DialogueState::parse(&current.state)?;
    rules::cancel(state)?;
    store::set_state(conn, id, DialogueState::Cancelled.code()).await?;
    store::record(
        conn,
        id,
        Step {
            action: "cancel",
            from_state: state.code(),
            to_state: DialogueState::Cancelled.code(),
            day_before: current.day,
            day_after: None,
            reason: Some(reason),
            actor: &principal.subject,
        },
    )
    .await?;
    events::dialogue_cancelled(
        conn,
        DialogueCancelledV1 {
            dialogue_id: id,
            cycle_id: cycle.id,
            host_organization_id: current.host_organization_id,
            previous_state: state.code().to_string(),
            date: current.day,
            reason: reason.to_string(),
        },
    )
    .await?;
    get(conn, id).await
}

/// Guests of a row, paired with their organisations and responses.
pub fn guests_of(row: &DialogueRow) -> Vec<(Uuid, Uuid, String)> {
    row.guest_ids
        .iter()
        .zip(row.guest_organizations.iter())
        .zip(row.guest_responses.iter())
        .map(|((p, o), r)| (*p, *o, r.clone()))
        .collect()
}
