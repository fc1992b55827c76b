//! Meetings: planning them, reading them with agenda, attendance and (when the caller may read
//! them) minutes, their state changes, and the Forum-meetings report.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, IfMatch, Page, Principal, RuleName, not_found};
use uuid::Uuid;

use super::invitations::calendar;
use super::seats;
use super::topic_steps::unschedule_meeting;
use crate::domain::access::{self, MinutesReader};
use crate::domain::meetings::{
    self as rules, FORUM_MEETINGS_PER_YEAR, MeetingState, MeetingTransition,
};
use crate::domain::rules::Rule;
use crate::events;
use crate::model::meetings::{AgendaItem, Attendance, ForumYear, Meeting, NewMeetingInput};
use crate::store::meetings::{self as store, MeetingRow, NewMeeting};
use crate::store::{bodies as body_store, parse_code};

/// The meeting with its agenda and attendance; minutes the reader may not read are withheld.
pub(crate) async fn view(
    conn: &mut AsyncPgConnection,
    row: MeetingRow,
    reader: MinutesReader,
) -> ApiResult<Meeting> {
    views(conn, vec![row], reader)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("meeting vanished while mapping"))
}

/// Meetings with their agenda and attendance, loaded in one query each.
async fn views(
    conn: &mut AsyncPgConnection,
    rows: Vec<MeetingRow>,
    reader: MinutesReader,
) -> ApiResult<Vec<Meeting>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let (agenda_rows, attendance_rows) =
        futures_util::try_join!(store::agendas(conn, &ids), store::attendances(conn, &ids))?;
    assemble(rows, agenda_rows, attendance_rows, reader)
}

/// Meetings with their agenda items and attendance, as read.
fn assemble(
    rows: Vec<MeetingRow>,
    agenda_rows: Vec<store::AgendaItemRow>,
    attendance_rows: Vec<store::AttendanceRow>,
    reader: MinutesReader,
) -> ApiResult<Vec<Meeting>> {
    let mut agendas: HashMap<Uuid, Vec<AgendaItem>> = HashMap::new();
    for item in agenda_rows {
        agendas
            .entry(item.meeting_id)
            .or_default()
            .push(AgendaItem {
                id: item.id,
                position: item.position,
                title: item.title,
                public: item.public,
                topic_id: item.topic_id,
            });
    }
    let mut attendances: HashMap<Uuid, Vec<Attendance>> = HashMap::new();
    for a in attendance_rows {
        attendances
            .entry(a.meeting_id)
            .or_default()
            .push(Attendance {
                person_id: a.person_id,
                organization_id: a.organization_id,
                name: a.name,
                status: parse_code(&a.status)?,
            });
    }
    rows.into_iter()
        .map(|row| {
            let withheld = !access::minutes_readable(row.public, reader);
            Ok(Meeting {
                id: row.id,
                body_id: row.body_id,
                title: row.title,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                place: row.place,
                public: row.public,
                state: parse_code(&row.state)?,
                agenda: agendas.remove(&row.id).unwrap_or_default(),
                attendance: attendances.remove(&row.id).unwrap_or_default(),
                minutes: row.minutes.filter(|_| !withheld),
                minutes_withheld: withheld,
                invitations_sent_at: row.invitations_sent_at,
                version: row.version,
            })
        })
        .collect()
}

/// Locks a meeting, checks the client's ETag and returns it with its state.
pub(crate) async fn lock_checked(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<(MeetingRow, MeetingState)> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("meeting"))?;
    if_match.check(current.version)?;
    let state = parse_code(&current.state)?;
    Ok((current, state))
}

/// 409 `meeting_day_not_reached` before the meeting's day (Europe/Berlin, as for decisions):
/// nothing that implies the meeting happened is recorded earlier.
pub(crate) async fn check_meeting_day(
    conn: &mut AsyncPgConnection,
    meeting: &MeetingRow,
) -> ApiResult<()> {
    let day = crate::store::regional_day(conn, meeting.starts_at).await?;
    let today = crate::store::regional_day(conn, Utc::now()).await?;
    rules::meeting_day_reached(day, today)
}

/// Plans a meeting of an active body and publishes `committee.meeting.scheduled.v1`.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn plan(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    body_id: Uuid,
    input: &NewMeetingInput,
) -> ApiResult<Meeting> {
    let body = body_store::find(conn, body_id)
        .await?
        .ok_or_else(|| not_found("body"))?;
    if body.status != "active" {
        return Err(Rule::BodyDissolved.conflict("the body is dissolved"));
    }
    let row = store::insert(
        conn,
        NewMeeting {
            body_id,
            title: input.title.trim(),
            starts_at: input.starts_at,
            ends_at: input.ends_at,
            place: input.place.trim(),
            public: input.public,
        },
    )
    .await?;
    events::meeting_scheduled(conn, &row, &body.kind).await?;
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}

/// One page of a body's meetings in time order (start, then id), from `from` on.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    body_id: Uuid,
    from: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> ApiResult<Page<Meeting>> {
    body_store::find(conn, body_id)
        .await?
        .ok_or_else(|| not_found("body"))?;
    let rows = store::of_body(conn, body_id, from, after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| (row.starts_at, row.id));
    let reader = seats::minutes_reader_for(conn, principal, body_id, &page.items).await?;
    Ok(Page {
        items: views(conn, page.items, reader).await?,
        next_cursor: page.next_cursor,
        sync_cursor: None,
    })
}

/// One meeting, its minutes withheld from callers who may not read them.
#[tracing::instrument(skip_all, fields(meeting_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Meeting> {
    // The meeting, its agenda and its attendance in one round trip (sent together; an unknown
    // id simply finds no items).
    let shared: &AsyncPgConnection = conn;
    let ids = [id];
    let (row, agenda_rows, attendance_rows) = futures_util::try_join!(
        store::find(shared, id),
        store::agendas(shared, &ids),
        store::attendances(shared, &ids),
    )?;
    let row = row.ok_or_else(|| not_found("meeting"))?;
    let reader =
        seats::minutes_reader_for(conn, principal, row.body_id, std::slice::from_ref(&row)).await?;
    assemble(vec![row], agenda_rows, attendance_rows, reader)?
        .pop()
        .ok_or_else(|| ApiError::internal("meeting vanished while mapping"))
}

/// Marks a meeting held (publishing `committee.meeting.held.v1`), approves its minutes, or
/// cancels it (taking its topics off the agenda and publishing `committee.meeting.cancelled.v1`,
/// with an iCalendar cancellation when invitations had gone out).
#[tracing::instrument(skip_all, fields(meeting_id = %id, transition = ?requested))]
pub async fn transition(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    requested: MeetingTransition,
) -> ApiResult<Meeting> {
    let (current, state) = lock_checked(conn, id, if_match).await?;
    let next = rules::transition(state, requested)?;
    if matches!(
        requested,
        MeetingTransition::MarkHeld | MeetingTransition::ApproveMinutes
    ) {
        check_meeting_day(conn, &current).await?;
    }
    if requested == MeetingTransition::ApproveMinutes {
        rules::minutes_present(current.minutes.as_deref())?;
    }
    let row = store::touch(conn, id, Some(next)).await?;
    match requested {
        MeetingTransition::MarkHeld => {
            let attendance = store::attendance(conn, id).await?;
            events::meeting_held(conn, &row, &attendance).await?;
        }
        MeetingTransition::Cancel => {
            unschedule_meeting(conn, id, &principal.subject).await?;
            let ics = match row.invitations_sent_at {
                Some(_) => Some(calendar(conn, &row, true).await?),
                None => None,
            };
            let body = body_store::find(conn, row.body_id)
                .await?
                .ok_or_else(|| not_found("body"))?;
            events::meeting_cancelled(conn, &row, ics, &body.kind).await?;
        }
        MeetingTransition::ApproveMinutes => {}
    }
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}

/// Forum meetings per year from `from` to `to`, flagging years below the agreed two.
#[tracing::instrument(skip_all, fields(from = %from, to = %to))]
pub async fn forum_report(
    conn: &mut AsyncPgConnection,
    from: i32,
    to: i32,
) -> ApiResult<Vec<ForumYear>> {
    let rows = store::forum_counts(conn, from, to).await?;
    Ok(rows
        .into_iter()
        .map(|r| ForumYear {
            year: r.year,
            planned: r.planned,
            held: r.held,
            below_minimum: r.planned < FORUM_MEETINGS_PER_YEAR,
        })
        .collect())
}
