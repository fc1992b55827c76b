//! Invitations to a meeting: the event a mail or calendar service sends them from, with the
//! agenda, everyone holding a seat on the meeting day and an iCalendar attachment.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use qmf_contracts::committee::{
    InvitationAgendaItem, InvitationRecipient, MeetingInvitationsSentV1,
};
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal};
use uuid::Uuid;

use super::meetings::{lock_checked, view};
use crate::domain::access;
use crate::domain::ical::{CalendarEvent, calendar as ical};
use crate::domain::meetings::{self as rules, MeetingState};
use crate::events;
use crate::model::meetings::Meeting;
use crate::store::bodies as body_store;
use crate::store::meetings::{self as store, MeetingRow};

/// The meeting as an iCalendar object; the description lists the agenda.
pub(crate) async fn calendar(
    conn: &mut AsyncPgConnection,
    row: &MeetingRow,
    cancelled: bool,
) -> ApiResult<String> {
    let body = body_store::find(conn, row.body_id)
        .await?
        .ok_or_else(|| ApiError::internal("meeting without body"))?;
    let agenda = store::agenda(conn, row.id).await?;
    let mut description = format!("{}\nTagesordnung:", body.name);
    for item in &agenda {
        description.push_str(&format!("\nTOP {}: {}", item.position, item.title));
    }
    Ok(ical(&CalendarEvent {
        meeting_id: row.id,
        sequence: row.version,
        title: &row.title,
        place: &row.place,
        description: &description,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        cancelled,
        stamp: Utc::now(),
    }))
}

/// Sends the invitations, once, from `planned` with an agenda: the meeting becomes `invited`
/// and `committee.meeting.invitations_sent.v1` is published.
#[tracing::instrument(skip_all, fields(meeting_id = %id))]
pub async fn send(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    message: Option<String>,
) -> ApiResult<Meeting> {
    let (_, state) = lock_checked(conn, id, if_match).await?;
    let agenda = store::agenda(conn, id).await?;
    rules::invitations_allowed(state, agenda.len())?;
    store::mark_invitations_sent(conn, id).await?;
    let row = store::touch(conn, id, Some(MeetingState::Invited)).await?;
    let body = body_store::find(conn, row.body_id)
        .await?
        .ok_or_else(|| ApiError::internal("meeting without body"))?;
    let day = crate::store::regional_day(conn, row.starts_at).await?;
    let recipients = store::seats_on(conn, row.body_id, day)
        .await?
        .into_iter()
        .map(|seat| InvitationRecipient {
            person_id: seat.person_id,
            organization_id: seat.organization_id,
            role: seat.role,
            name: match (seat.given_name, seat.family_name) {
                (Some(given), Some(family)) => Some(format!("{given} {family}")),
                _ => None,
            },
            email: seat.email,
        })
        .collect();
    let data = MeetingInvitationsSentV1 {
        meeting_id: row.id,
        body_id: row.body_id,
        body_name: body.name,
        title: row.title.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        place: row.place.clone(),
        message,
        agenda: agenda
            .into_iter()
            .map(|item| InvitationAgendaItem {
                position: item.position,
                title: item.title,
            })
            .collect(),
        recipients,
        ics_filename: format!("sitzung-{}.ics", row.id),
        ics: calendar(conn, &row, false).await?,
    };
    events::meeting_invitations_sent(conn, &data).await?;
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}
