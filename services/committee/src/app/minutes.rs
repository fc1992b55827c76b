//! What a meeting leaves behind: who attended, and the minutes (Protokoll), written after the
//! meeting was held and read by whom `domain::access` allows.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal, not_found};
use uuid::Uuid;

use super::meetings::{check_meeting_day, lock_checked, view};
use super::seats;
use crate::domain::access;
use crate::domain::meetings::{self as rules, MeetingState};
use crate::events;
use crate::model::meetings::{Attendance, Meeting, Minutes};
use crate::store::meetings::{self as store, NewAttendance};
use crate::store::parse_code;

/// The minutes of a meeting, for those who may read them; 404 while none are written.
#[tracing::instrument(skip_all, fields(meeting_id = %id))]
pub async fn read(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Minutes> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("meeting"))?;
    let reader =
        seats::minutes_reader_for(conn, principal, row.body_id, std::slice::from_ref(&row)).await?;
    access::require_minutes_readable(row.public, reader)?;
    let text = row
        .minutes
        .ok_or_else(|| ApiError::NotFound("the meeting has no minutes yet".into()))?;
    let state: MeetingState = parse_code(&row.state)?;
    Ok(Minutes {
        meeting_id: row.id,
        text,
        approved: state == MeetingState::MinutesApproved,
        version: row.version,
    })
}

/// Writes or corrects the minutes of a held meeting, not before its day.
#[tracing::instrument(skip_all, fields(meeting_id = %id))]
pub async fn write(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    text: &str,
) -> ApiResult<Meeting> {
    let (current, state) = lock_checked(conn, id, if_match).await?;
    rules::minutes_editable(state)?;
    check_meeting_day(conn, &current).await?;
    store::set_minutes(conn, id, text.trim()).await?;
    let row = store::touch(conn, id, None).await?;
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}

/// Replaces the attendance list, until the minutes are approved.
#[tracing::instrument(skip_all, fields(meeting_id = %id, entries = entries.len()))]
pub async fn record_attendance(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    entries: &[Attendance],
) -> ApiResult<Meeting> {
    rules::attendance_editable(lock_checked(conn, id, if_match).await?.1)?;
    let status_codes: Vec<String> = entries
        .iter()
        .map(|e| crate::store::code(&e.status))
        .collect();
    // An entry naming a person without an organisation counts for the organisation the
    // person works for (the attendance list and its event name organisations).
    let unplaced: Vec<Uuid> = entries
        .iter()
        .filter(|e| e.organization_id.is_none())
        .filter_map(|e| e.person_id)
        .collect();
    let works_for = crate::store::people::organizations_of(conn, &unplaced).await?;
    let rows: Vec<NewAttendance<'_>> = entries
        .iter()
        .zip(&status_codes)
        .map(|(e, status)| NewAttendance {
            person_id: e.person_id,
            organization_id: e
                .organization_id
                .or_else(|| e.person_id.and_then(|p| works_for.get(&p).copied())),
            name: e.name.as_deref().map(str::trim),
            status,
        })
        .collect();
    store::replace_attendance(conn, id, &rows).await?;
    let row = store::touch(conn, id, None).await?;
    let attendance = store::attendance(conn, id).await?;
    events::meeting_attendance_recorded(conn, &row, &attendance).await?;
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}
