//! Meetings of the bodies and their agenda; the Forum-meetings report.

use std::collections::HashMap;

use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, Datelike, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_platform::etag::with_etag;
use qmf_platform::{
    ApiError, ApiResult, DbPool, FieldError, IfMatch, Json, Page, PageQuery, Principal, Role,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::topics;
use crate::domain::bodies::{BodyKind, acts_for_body};
use crate::domain::ical::{CalendarEvent, calendar as ical};
use crate::domain::meetings::{
    self, AttendanceStatus, FORUM_MEETINGS_PER_YEAR, MeetingState, MeetingTransition, MinutesReader,
};
use crate::events;
use crate::store::bodies as body_store;
use crate::store::meetings::{self as store, MeetingRow, NewAttendance, NewMeeting};
use crate::store::parse_code;
use crate::store::terms as term_store;
use crate::store::topics as topic_store;
use qmf_contracts::committee::{
    InvitationAgendaItem, InvitationRecipient, MeetingInvitationsSentV1,
};

const WRITERS: &[Role] = &[Role::Admin, Role::CommitteeSecretary];

/// An agenda item (Tagesordnungspunkt).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937c01-0000-7000-8000-000000000004", "position": 2,
    "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "public": true, "topic_id": "01937d00-0000-7000-8000-000000000005"}))]
pub struct AgendaItem {
    pub id: Uuid,
    /// 1-based position on the agenda.
    pub position: i32,
    pub title: String,
    /// Public items appear in the OParl interface.
    pub public: bool,
    /// The topic this item deliberates, if it was scheduled from one.
    pub topic_id: Option<Uuid>,
}

/// A meeting with its agenda.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937c00-0000-7000-8000-000000000003", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "title": "Forum Jugendhilfe, Frühjahrssitzung", "starts_at": "2027-03-17T09:00:00Z", "ends_at": "2027-03-17T13:00:00Z",
    "place": "Landratsamt Künzelsau, Sitzungssaal", "public": true, "state": "planned",
    "agenda": [{"id": "01937c01-0000-7000-8000-000000000004", "position": 1, "title": "Begrüßung", "public": true, "topic_id": null}],
    "attendance": [], "minutes": null, "minutes_withheld": false, "invitations_sent_at": null, "version": 2}))]
pub struct Meeting {
    pub id: Uuid,
    pub body_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub public: bool,
    pub state: MeetingState,
    pub agenda: Vec<AgendaItem>,
    /// Who attended or sent apologies.
    pub attendance: Vec<Attendance>,
    /// The minutes (Protokoll), once written. Those of a closed (non-public) meeting are only
    /// shown to the members of its body, the management, the coordination and admins; for
    /// anyone else they are `null` and `minutes_withheld` is true.
    pub minutes: Option<String>,
    /// The caller may not read this meeting's minutes (whether or not they were written).
    pub minutes_withheld: bool,
    /// When the invitations went out.
    pub invitations_sent_at: Option<DateTime<Utc>>,
    /// Version of the meeting; agenda, attendance and minutes changes count too.
    pub version: i32,
}

/// One entry of the attendance list: a directory person, an organisation's seat, or a named
/// guest without a directory entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "name": null, "status": "present"}))]
pub struct Attendance {
    #[serde(default)]
    pub person_id: Option<Uuid>,
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// For guests without a directory entry, e.g. an invited expert (1 to 200 characters).
    #[serde(default)]
    pub name: Option<String>,
    pub status: AttendanceStatus,
}

async fn meeting_out(
    conn: &mut AsyncPgConnection,
    row: MeetingRow,
    reader: MinutesReader,
) -> ApiResult<Meeting> {
    meetings_out(conn, vec![row], reader)
        .await?
        .pop()
        .ok_or_else(|| ApiError::internal("meeting vanished while mapping"))
}

/// Maps meetings with their agenda and attendance, loaded in one query each; minutes the
/// reader may not read are withheld.
async fn meetings_out(
    conn: &mut AsyncPgConnection,
    rows: Vec<MeetingRow>,
    reader: MinutesReader,
) -> ApiResult<Vec<Meeting>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut agendas: HashMap<Uuid, Vec<AgendaItem>> = HashMap::new();
    for item in store::agendas(conn, &ids).await? {
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
    for a in store::attendances(conn, &ids).await? {
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
            let withheld = !meetings::minutes_readable(row.public, reader);
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

fn reply(status: actix_web::http::StatusCode, meeting: Meeting) -> HttpResponse {
    let version = meeting.version;
    with_etag(&mut HttpResponse::build(status), version).json(meeting)
}

/// What the caller's roles alone say about reading minutes.
fn roles_reader(principal: &Principal) -> MinutesReader {
    MinutesReader {
        admin: principal.has_role(Role::Admin),
        coordination: principal.has_role(Role::Coordinator),
        management: principal.has_role(Role::CommitteeSecretary),
        member_of_body: false,
    }
}

/// The caller's standing for the minutes of `body_id`'s meetings: the roles, and when they do
/// not decide, the seats held today in that body and in the management body (resolved as for
/// topics: seats naming the person, or the organisation's seats without a named person) and
/// whether the caller's organisation holds the current management term.
async fn minutes_reader(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    body_id: Uuid,
) -> ApiResult<MinutesReader> {
    let mut reader = roles_reader(principal);
    if reader.reads_all() {
        return Ok(reader);
    }
    let management = body_store::central(conn, BodyKind::Management).await?;
    let person = Uuid::parse_str(&principal.subject).ok();
    let today = crate::store::regional_day(conn, Utc::now()).await?;
    let seats = topic_store::roles_in(
        conn,
        &[body_id, management.id],
        person,
        principal.organization,
        today,
    )
    .await?;
    reader.member_of_body = seats.iter().any(|(body, _)| *body == body_id);
    reader.management = seats
        .iter()
        .any(|(body, role)| *body == management.id && acts_for_body(role));
    if !reader.management
        && let Some(organization) = principal.organization
    {
        reader.management = term_store::holder_on(conn, today).await? == Some(organization);
    }
    Ok(reader)
}

/// The reader of a list of meetings of one body: seats are looked up only when a closed
/// meeting is among them.
async fn list_reader(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    body_id: Uuid,
    rows: &[MeetingRow],
) -> ApiResult<MinutesReader> {
    if rows.iter().all(|row| row.public) {
        Ok(roles_reader(principal))
    } else {
        minutes_reader(conn, principal, body_id).await
    }
}

/// A new meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Forum Jugendhilfe, Frühjahrssitzung", "starts_at": "2027-03-17T09:00:00Z",
    "ends_at": "2027-03-17T13:00:00Z", "place": "Landratsamt Künzelsau, Sitzungssaal", "public": true}))]
pub struct NewMeetingInput {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`.
    pub ends_at: DateTime<Utc>,
    pub place: String,
    /// Public meetings appear in the OParl interface.
    #[serde(default)]
    pub public: bool,
}

/// Plan a meeting of a body.
///
/// Admins and the committee secretary. Publishes `committee.meeting.scheduled.v1`; a dissolved
/// body gets no meetings.
#[utoipa::path(
    tag = "meetings",
    operation_id = "plan_meeting",
    request_body = NewMeetingInput,
    params(("id" = Uuid, Path, description = "Body id")),
    responses(
        (status = 201, description = "Planned; publishes `committee.meeting.scheduled.v1`.", body = Meeting, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `body_dissolved`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies/{id}/meetings")]
pub async fn plan(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<NewMeetingInput>,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let input = input.into_inner()?;
    let mut errors = Vec::new();
    for (pointer, text, max) in [("/title", &input.title, 300), ("/place", &input.place, 300)] {
        let len = text.trim().chars().count();
        if len == 0 || len > max {
            errors.push(FieldError::new(
                pointer,
                format!("must have 1 to {max} characters"),
            ));
        }
    }
    if input.ends_at <= input.starts_at {
        errors.push(FieldError::new("/ends_at", "must be after starts_at"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let body_id = *id;
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let body = body_store::find(conn, body_id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
            if body.status != "active" {
                return Err(ApiError::conflict(
                    "body_dissolved",
                    "the body is dissolved",
                ));
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
            events::meeting_scheduled(conn, &row).await?;
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::CREATED, meeting))
}

/// Filters and paging of a body's meeting list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BodyMeetingsQuery {
    /// Only meetings that start at or after this time (RFC 3339; encode `+` as `%2B`), e.g. now
    /// for the coming ones.
    #[param(example = "2027-01-01T00:00:00Z")]
    pub from: Option<DateTime<Utc>>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The meetings of a body in time order (start, then id), cancelled ones included, with their
/// agendas and attendance. Every authenticated caller may read them.
///
/// The minutes of closed (non-public) meetings are shown only to the members of the body, the
/// management, the coordination and admins; for others `minutes` is `null` and
/// `minutes_withheld` true.
#[utoipa::path(
    tag = "meetings",
    operation_id = "list_body_meetings",
    params(("id" = Uuid, Path, description = "Body id"), BodyMeetingsQuery),
    responses(
        (status = 200, description = "One page of the body's meetings.", body = Page<Meeting>),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` outside 1 to 200, or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies/{id}/meetings")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<BodyMeetingsQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<(DateTime<Utc>, Uuid)>()?);
    let mut conn = pool.get().await?;
    body_store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
    let rows = store::of_body(&mut conn, *id, query.from, after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| (row.starts_at, row.id));
    let reader = list_reader(&mut conn, &principal, *id, &page.items).await?;
    Ok(HttpResponse::Ok().json(Page {
        items: meetings_out(&mut conn, page.items, reader).await?,
        next_cursor: page.next_cursor,
    }))
}

/// Read a meeting with its agenda and attendance.
///
/// Every authenticated caller may read a meeting. The minutes of a closed (non-public) meeting
/// are shown only to the members of its body, the management, the coordination and admins;
/// for anyone else `minutes` is `null` and `minutes_withheld` true
/// (`GET /v1/meetings/{id}/minutes` answers them 403).
#[utoipa::path(
    tag = "meetings",
    operation_id = "get_meeting",
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The meeting; minutes of a closed meeting withheld from callers who may not read them.", body = Meeting, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".into()))?;
    let reader = list_reader(
        &mut conn,
        &principal,
        row.body_id,
        std::slice::from_ref(&row),
    )
    .await?;
    Ok(reply(
        actix_web::http::StatusCode::OK,
        meeting_out(&mut conn, row, reader).await?,
    ))
}

/// The minutes of a meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"meeting_id": "01937c00-0000-7000-8000-000000000003",
    "text": "TOP 1: Begrüßung durch die Geschäftsführung. TOP 2: Das Forum beschließt …", "approved": false, "version": 7}))]
pub struct Minutes {
    pub meeting_id: Uuid,
    pub text: String,
    /// Approved minutes are final; until then the management may still correct them.
    pub approved: bool,
    /// Version of the meeting (its ETag), for `PUT /v1/meetings/{id}/minutes`.
    pub version: i32,
}

/// Read the minutes (Protokoll) of a meeting.
///
/// Minutes of a public meeting: every authenticated caller. Minutes of a closed (non-public)
/// meeting: the members of its body (a seat held today naming the caller, or held by the
/// caller's organisation without a named person), the management (`committee_secretary`, a
/// member of the management body, staff of the youth office holding the current management
/// term), the coordination (`coordinator`) and admins; anyone else gets 403.
#[utoipa::path(
    tag = "meetings",
    operation_id = "read_minutes",
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 200, description = "The minutes.", body = Minutes, headers(("ETag" = String, description = "Strong ETag of the meeting"))),
        (status = 403, description = "The meeting is closed and the caller is not a member of its body, the management, the coordination or an admin.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting, or no minutes written yet.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/meetings/{id}/minutes")]
pub async fn read_minutes(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".into()))?;
    let reader = list_reader(
        &mut conn,
        &principal,
        row.body_id,
        std::slice::from_ref(&row),
    )
    .await?;
    meetings::require_minutes_readable(row.public, reader)?;
    let text = row
        .minutes
        .ok_or_else(|| ApiError::NotFound("the meeting has no minutes yet".into()))?;
    let state: MeetingState = parse_code(&row.state)?;
    Ok(
        with_etag(&mut HttpResponse::Ok(), row.version).json(Minutes {
            meeting_id: row.id,
            text,
            approved: state == MeetingState::MinutesApproved,
            version: row.version,
        }),
    )
}

/// Locks a meeting, checks the client's ETag and returns it with its state.
async fn lock_checked(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<(MeetingRow, MeetingState)> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such meeting".into()))?;
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
    meetings::meeting_day_reached(day, today)
}

/// A state change of a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeetingTransitionInput)]
#[schema(example = json!({"transition": "mark_held"}))]
pub struct TransitionInput {
    pub transition: MeetingTransition,
}

/// Mark a meeting held, approve its minutes or cancel it.
///
/// `mark_held` publishes `committee.meeting.held.v1` with the attendance counts; it and
/// `approve_minutes` are refused before the meeting's day (Europe/Berlin); on the day itself
/// they are allowed. `approve_minutes` needs written minutes; `cancel` takes scheduled topics off the agenda
/// (back to `forwarded`) and publishes `committee.meeting.cancelled.v1`, with an iCalendar
/// cancellation when invitations had gone out.
#[utoipa::path(
    tag = "meetings",
    operation_id = "change_meeting_state",
    request_body = TransitionInput,
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = String, Header, description = "ETag of the meeting")),
    responses(
        (status = 200, description = "Changed.", body = Meeting, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `meeting_is_final`, `meeting_already_held`, `minutes_require_held_meeting`, `minutes_missing` or `meeting_day_not_reached` (marking held or approving minutes before the meeting's day).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/transitions")]
pub async fn transition(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<TransitionInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let requested = input.into_inner()?.transition;
    let id = *id;
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (current, state) = lock_checked(conn, id, &if_match).await?;
            let next = meetings::transition(state, requested)?;
            if matches!(
                requested,
                MeetingTransition::MarkHeld | MeetingTransition::ApproveMinutes
            ) {
                check_meeting_day(conn, &current).await?;
            }
            if requested == MeetingTransition::ApproveMinutes {
                meetings::minutes_present(current.minutes.as_deref())?;
            }
            let row = store::touch(conn, id, Some(next)).await?;
            match requested {
                MeetingTransition::MarkHeld => {
                    let attendance = store::attendance(conn, id).await?;
                    events::meeting_held(conn, &row, &attendance).await?;
                }
                MeetingTransition::Cancel => {
                    topics::unschedule_meeting(conn, id, &principal.subject).await?;
                    let ics = match row.invitations_sent_at {
                        Some(_) => Some(calendar(conn, &row, true).await?),
                        None => None,
                    };
                    events::meeting_cancelled(conn, &row, ics).await?;
                }
                MeetingTransition::ApproveMinutes => {}
            }
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, meeting))
}

/// A new agenda item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "public": true}))]
pub struct NewAgendaItem {
    pub title: String,
    #[serde(default = "public_by_default")]
    pub public: bool,
}

fn public_by_default() -> bool {
    true
}

/// Add an item at the end of the agenda (until the meeting is held).
///
/// Admins and the committee secretary; requires `If-Match` with the meeting's ETag. The title has
/// 1 to 500 characters.
#[utoipa::path(
    tag = "meetings",
    operation_id = "add_agenda_item",
    request_body = NewAgendaItem,
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = String, Header, description = "ETag of the meeting")),
    responses(
        (status = 200, description = "The meeting with its new agenda.", body = Meeting, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `agenda_fixed_after_meeting`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/agenda-items")]
pub async fn add_item(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<NewAgendaItem>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let input = input.into_inner()?;
    let len = input.title.trim().chars().count();
    if len == 0 || len > 500 {
        return Err(ApiError::validation(
            "/title",
            "must have 1 to 500 characters",
        ));
    }
    let id = *id;
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            meetings::agenda_editable(lock_checked(conn, id, &if_match).await?.1)?;
            store::add_item(conn, id, input.title.trim(), input.public, None).await?;
            let row = store::touch(conn, id, None).await?;
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, meeting))
}

/// The new order of the agenda.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"item_ids": ["01937c01-0000-7000-8000-000000000006", "01937c01-0000-7000-8000-000000000004", "01937c01-0000-7000-8000-000000000005"]}))]
pub struct AgendaOrder {
    /// Every item id of the agenda exactly once, in the new order.
    pub item_ids: Vec<Uuid>,
}

/// Reorder the agenda (until the meeting is held).
///
/// Admins and the committee secretary; requires `If-Match` with the meeting's ETag. `item_ids`
/// must list every agenda item exactly once.
#[utoipa::path(
    tag = "meetings",
    operation_id = "reorder_agenda",
    request_body = AgendaOrder,
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = String, Header, description = "ETag of the meeting")),
    responses(
        (status = 200, description = "Reordered.", body = Meeting, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `agenda_fixed_after_meeting`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/agenda-order")]
pub async fn reorder(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<AgendaOrder>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let order = input.into_inner()?.item_ids;
    let id = *id;
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            meetings::agenda_editable(lock_checked(conn, id, &if_match).await?.1)?;
            let mut current: Vec<Uuid> = store::agenda(conn, id)
                .await?
                .into_iter()
                .map(|i| i.id)
                .collect();
            let mut wanted = order.clone();
            current.sort();
            wanted.sort();
            if current != wanted {
                return Err(ApiError::validation(
                    "/item_ids",
                    "must name every agenda item exactly once",
                ));
            }
            store::reorder(conn, id, &order).await?;
            let row = store::touch(conn, id, None).await?;
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, meeting))
}

/// Remove an agenda item (until the meeting is held); later items move up.
///
/// A topic scheduled with the item goes back to `forwarded`. A public item of a public
/// meeting stays visible in the OParl interface as a deleted object.
#[utoipa::path(
    tag = "meetings",
    operation_id = "remove_agenda_item",
    params(("id" = Uuid, Path, description = "Meeting id"), ("item_id" = Uuid, Path, description = "Agenda item id"),
        ("If-Match" = String, Header, description = "ETag of the meeting")),
    responses(
        (status = 200, description = "Removed.", body = Meeting, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting or item.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `agenda_fixed_after_meeting`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/meetings/{id}/agenda-items/{item_id}")]
pub async fn remove_item(
    principal: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let (id, item_id) = path.into_inner();
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (meeting, state) = lock_checked(conn, id, &if_match).await?;
            meetings::agenda_editable(state)?;
            let removed = store::remove_item(conn, &meeting, item_id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such agenda item".into()))?;
            if let Some(topic_id) = removed.topic_id
                && let Some(topic) = topic_store::lock(conn, topic_id).await?
            {
                topics::unschedule(
                    conn,
                    &topic,
                    id,
                    "the agenda item was removed",
                    &principal.subject,
                )
                .await?;
            }
            let rest: Vec<Uuid> = store::agenda(conn, id)
                .await?
                .into_iter()
                .map(|i| i.id)
                .collect();
            store::reorder(conn, id, &rest).await?;
            let row = store::touch(conn, id, None).await?;
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, meeting))
}

/// Years of the Forum report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ForumReportQuery {
    /// First year, 1900 to 2200 (default: last year).
    #[param(minimum = 1900, maximum = 2200)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub from_year: Option<i32>,
    /// Last year, 1900 to 2200, at most 50 years after `from_year` (default: next year).
    #[param(minimum = 1900, maximum = 2200)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub to_year: Option<i32>,
}

/// Forum meetings of one year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2027, "planned": 2, "held": 1, "below_minimum": false}))]
pub struct ForumYear {
    pub year: i32,
    /// Meetings planned or held (not cancelled).
    pub planned: i64,
    /// Meetings held.
    pub held: i64,
    /// Fewer than two meetings planned or held: the Forum meets twice a year.
    pub below_minimum: bool,
}

/// Forum meetings per year, flagging years below the two meetings the cooperation agreed on.
///
/// A plain array, not a page: one row per year of a range of at most 50 years.
#[utoipa::path(
    tag = "meetings",
    operation_id = "forum_meetings_report",
    params(ForumReportQuery),
    responses(
        (status = 200, description = "One row per year.", body = Vec<ForumYear>),
        (status = 422, description = "A year outside 1900 to 2200 (pointer `/query/from_year` or `/query/to_year`), or the years are reversed or span more than 50 years (`/query/from_year`).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/reports/forum-meetings")]
pub async fn forum_report(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<ForumReportQuery>,
) -> ApiResult<HttpResponse> {
    let (from, to) = meetings::report_years(query.from_year, query.to_year, Utc::now().year())?;
    let mut conn = pool.get().await?;
    let rows = store::forum_counts(&mut conn, from, to).await?;
    let years: Vec<ForumYear> = rows
        .into_iter()
        .map(|r| ForumYear {
            year: r.year,
            planned: r.planned,
            held: r.held,
            below_minimum: r.planned < FORUM_MEETINGS_PER_YEAR,
        })
        .collect();
    Ok(HttpResponse::Ok().json(years))
}

/// The meeting as an iCalendar object; the description lists the agenda.
async fn calendar(
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

/// Sending the invitations.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"message": "Bitte beachten Sie die Vorlage zu TOP 2."}))]
pub struct InvitationInput {
    /// Optional text for the invitation, up to 4000 characters.
    #[serde(default)]
    pub message: Option<String>,
}

/// Send the invitations: the meeting becomes `invited`.
///
/// Publishes `committee.meeting.invitations_sent.v1` with the meeting, its agenda, everyone
/// holding a seat in the body on the meeting day, and an iCalendar attachment; a mail or
/// calendar service sends them. Only once, from `planned`, with at least one agenda item.
#[utoipa::path(
    tag = "meetings",
    operation_id = "send_invitations",
    request_body = InvitationInput,
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = String, Header, description = "ETag of the meeting")),
    responses(
        (status = 200, description = "Sent; the meeting is `invited`.", body = Meeting, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `agenda_empty`, `invitations_already_sent`, `meeting_already_held` or `meeting_is_final`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/invitations")]
pub async fn invite(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<InvitationInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let message = input.into_inner()?.message.map(|m| m.trim().to_string());
    if message.as_deref().is_some_and(|m| m.chars().count() > 4000) {
        return Err(ApiError::validation(
            "/message",
            "must have at most 4000 characters",
        ));
    }
    let id = *id;
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (_, state) = lock_checked(conn, id, &if_match).await?;
            let agenda = store::agenda(conn, id).await?;
            meetings::invitations_allowed(state, agenda.len())?;
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
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, meeting))
}

/// The whole attendance list of a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entries": [
    {"person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "status": "present"},
    {"organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "status": "excused"},
    {"name": "Dr. Beispiel (KJP Weinsberg)", "status": "guest"}]}))]
pub struct AttendanceList {
    /// Up to 500 entries; each names a person, an organisation or (for guests) a name.
    pub entries: Vec<Attendance>,
}

/// Record who attended (present, excused, guest), replacing the previous list.
///
/// Until the minutes are approved; apologies can be recorded before the meeting.
#[utoipa::path(
    tag = "meetings",
    operation_id = "record_attendance",
    request_body = AttendanceList,
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = String, Header, description = "ETag of the meeting")),
    responses(
        (status = 200, description = "Recorded.", body = Meeting, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `meeting_is_final`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/attendance")]
pub async fn record_attendance(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<AttendanceList>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let entries = input.into_inner()?.entries;
    let mut errors = Vec::new();
    if entries.len() > 500 {
        errors.push(FieldError::new("/entries", "must have at most 500 entries"));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, entry) in entries.iter().enumerate() {
        if entry.person_id.is_none() && entry.organization_id.is_none() && entry.name.is_none() {
            errors.push(FieldError::new(
                format!("/entries/{i}"),
                "must name a person, an organisation or a guest",
            ));
        }
        if entry
            .name
            .as_deref()
            .is_some_and(|n| !(1..=200).contains(&n.trim().chars().count()))
        {
            errors.push(FieldError::new(
                format!("/entries/{i}/name"),
                "must have 1 to 200 characters",
            ));
        }
        if let Some(person) = entry.person_id
            && !seen.insert(person)
        {
            errors.push(FieldError::new(
                format!("/entries/{i}/person_id"),
                "appears twice",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let id = *id;
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            meetings::attendance_editable(lock_checked(conn, id, &if_match).await?.1)?;
            let status_codes: Vec<String> = entries
                .iter()
                .map(|e| crate::store::code(&e.status))
                .collect();
            let rows: Vec<NewAttendance<'_>> = entries
                .iter()
                .zip(&status_codes)
                .map(|(e, status)| NewAttendance {
                    person_id: e.person_id,
                    organization_id: e.organization_id,
                    name: e.name.as_deref().map(str::trim),
                    status,
                })
                .collect();
            store::replace_attendance(conn, id, &rows).await?;
            let row = store::touch(conn, id, None).await?;
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, meeting))
}

/// The minutes of a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "TOP 1: Begrüßung durch die Geschäftsführung. TOP 2: Das Forum beschließt …"}))]
pub struct MinutesInput {
    /// 1 to 100,000 characters.
    pub text: String,
}

/// Write or correct the minutes (Protokoll) of a held meeting, until they are approved; not
/// before the meeting's day.
///
/// Admins and the committee secretary; requires `If-Match` with the meeting's ETag. The text has 1
/// to 100,000 characters.
#[utoipa::path(
    tag = "meetings",
    operation_id = "write_minutes",
    request_body = MinutesInput,
    params(("id" = Uuid, Path, description = "Meeting id"), ("If-Match" = String, Header, description = "ETag of the meeting")),
    responses(
        (status = 200, description = "Saved.", body = Meeting, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `minutes_require_held_meeting`, `meeting_is_final` or `meeting_day_not_reached`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/meetings/{id}/minutes")]
pub async fn write_minutes(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<MinutesInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(WRITERS)?;
    let text = input.into_inner()?.text;
    if !(1..=100_000).contains(&text.trim().chars().count()) {
        return Err(ApiError::validation(
            "/text",
            "must have 1 to 100000 characters",
        ));
    }
    let id = *id;
    let mut conn = pool.get().await?;
    let meeting = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (current, state) = lock_checked(conn, id, &if_match).await?;
            meetings::minutes_editable(state)?;
            check_meeting_day(conn, &current).await?;
            store::set_minutes(conn, id, text.trim()).await?;
            let row = store::touch(conn, id, None).await?;
            meeting_out(conn, row, roles_reader(&principal)).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, meeting))
}
