//! Sessions of the courses, with their seats.

use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Paged, Principal, Reply, Write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::sessions::{SessionInput, SessionState, state_on};
use crate::store::sessions::{SessionFilter, SessionRow, list as list_rows};

/// A session with what its seats hold now.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938200-0000-7000-8000-000000000011", "course_id": "01938200-0000-7000-8000-000000000001",
    "title": "Grundlagen der Kooperation", "topic": "guidelines", "days": ["2027-03-10", "2027-03-11"],
    "place": "Diakonische Jugendhilfe Heilbronn, Seminarraum 1", "online_url": null, "capacity": 20, "trainers": [],
    "registration_opens_on": "2027-01-10", "registration_closes_on": "2027-03-03", "cancellation_deadline": "2027-03-03",
    "min_youth_office_seats": 5, "min_institution_seats": 5, "reserved_until": "2027-02-10", "max_per_organization": 4,
    "offer_hours": 48, "requires_approval": false, "proposal_id": null, "state": "open", "cancel_reason": null, "confirmed": 12, "offered": 1, "waitlisted": 0,
    "free_seats": 7, "youth_office_taken": 8, "institution_taken": 5, "youth_office_seats_kept": 0,
    "institution_seats_kept": 0, "version": 1, "created_at": "2026-12-04T10:00:00Z", "updated_at": "2026-12-04T10:00:00Z"}))]
pub struct Session {
    pub id: Uuid,
    pub course_id: Uuid,
    /// The course's title.
    pub title: String,
    /// The course's topic.
    pub topic: String,
    pub days: Vec<NaiveDate>,
    pub place: Option<String>,
    pub online_url: Option<String>,
    pub capacity: i32,
    pub trainers: Vec<Uuid>,
    pub registration_opens_on: NaiveDate,
    pub registration_closes_on: NaiveDate,
    pub cancellation_deadline: NaiveDate,
    pub min_youth_office_seats: i32,
    pub min_institution_seats: i32,
    pub reserved_until: Option<NaiveDate>,
    pub max_per_organization: Option<i32>,
    pub offer_hours: i32,
    /// Staff who register themselves wait for their leader's approval.
    pub requires_approval: bool,
    /// The expert-day proposal (Forum decision or dialogue finding) it realises.
    pub proposal_id: Option<Uuid>,
    pub state: SessionState,
    pub cancel_reason: Option<String>,
    /// Seats confirmed.
    pub confirmed: i64,
    /// Seats held by offers to the waiting list.
    pub offered: i64,
    /// Registrations waiting.
    pub waitlisted: i64,
    /// Seats neither confirmed nor offered.
    pub free_seats: i64,
    /// Seats confirmed or offered to youth-office staff.
    pub youth_office_taken: i64,
    /// Seats confirmed or offered to institution staff.
    pub institution_taken: i64,
    /// Of the free seats, those still kept for youth-office staff (until `reserved_until`).
    pub youth_office_seats_kept: i64,
    /// Of the free seats, those still kept for institution staff (until `reserved_until`).
    pub institution_seats_kept: i64,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn view(row: SessionRow) -> Session {
    let free_seats = row.free_seats();
    let (youth_office_seats_kept, institution_seats_kept) = crate::domain::seats::kept(
        &row.seat_rules(),
        row.youth_office_taken,
        row.institution_taken,
        app::today(),
    );
    let state = state_on(
        &row.state,
        row.registration_opens_on,
        row.registration_closes_on,
        row.last_day(),
        free_seats,
        app::today(),
    );
    Session {
        id: row.id,
        course_id: row.course_id,
        title: row.title,
        topic: row.topic,
        days: row.days,
        place: row.place,
        online_url: row.online_url,
        capacity: row.capacity,
        trainers: row.trainers,
        registration_opens_on: row.registration_opens_on,
        registration_closes_on: row.registration_closes_on,
        cancellation_deadline: row.cancellation_deadline,
        min_youth_office_seats: row.min_youth_office_seats,
        min_institution_seats: row.min_institution_seats,
        reserved_until: row.reserved_until,
        max_per_organization: row.max_per_organization,
        offer_hours: row.offer_hours,
        requires_approval: row.requires_approval,
        proposal_id: row.proposal_id,
        state,
        cancel_reason: row.cancel_reason,
        confirmed: row.confirmed,
        offered: row.offered,
        waitlisted: row.waitlisted,
        free_seats,
        youth_office_taken: row.youth_office_taken,
        institution_taken: row.institution_taken,
        youth_office_seats_kept,
        institution_seats_kept,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Schedule a session of a course.
///
/// The organisers. Publishes `training.session.scheduled.v1` (the dialogue service keeps its
/// days free of dialogues).
#[utoipa::path(
    tag = "sessions",
    operation_id = "create_session",
    request_body = SessionInput,
    responses(
        (status = 201, description = "Scheduled.", body = Session,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the session"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rules `course_unknown`, `trainer_unknown` (a trainer who is no active person of an education provider), `proposal_unknown`, `proposal_needs_expert_day` (a proposal is realised by a session of an expert-day course).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/sessions")]
pub async fn create(
    principal: Principal,
    write: Write,
    body: Json<SessionInput>,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let draft = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::catalogue::schedule(conn, &principal, &draft).await?;
            let (version, location) = (row.version, format!("/v1/sessions/{}", row.id));
            Ok(Reply::created(&view(row), version, location))
        })
        .await
}

/// Filters of the session list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SessionListQuery {
    /// Only sessions of this course.
    pub course_id: Option<Uuid>,
    /// Only sessions whose last day is on or after this day.
    pub from: Option<NaiveDate>,
}

/// List sessions with their free seats. Every authenticated caller.
#[utoipa::path(
    tag = "sessions",
    operation_id = "list_sessions",
    params(SessionListQuery, qmf_platform::PageParams),
    responses((status = 200, description = "One page of sessions.", body = Page<Session>))
)]
#[get("/v1/sessions")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<SessionListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let filter = SessionFilter {
        course_id: query.filter.course_id,
        from: query.filter.from,
    };
    let mut conn = pool.get().await?;
    let rows = list_rows(&mut conn, &filter, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(
        &page.try_map(|row| Ok::<_, ApiError>(view(row)))?,
    ))
}

/// Read a session with its free seats (its availability). Every authenticated caller.
#[utoipa::path(
    tag = "sessions",
    operation_id = "get_session",
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 200, description = "The session.", body = Session, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such session.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/sessions/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = app::catalogue::session(&mut conn, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&view(row), version))
}

/// Change a session.
///
/// The organisers, with the session's ETag; the whole session as written for scheduling, with
/// the same course (and expert-day proposal, if any). Days, place, seats, trainers, windows and
/// quotas may change; the capacity never drops below the seats confirmed or offered, and seats
/// it adds are offered to the waiting list. Publishes `training.session.changed.v1` with the
/// new version (the dialogue service moves the days it keeps free).
#[utoipa::path(
    tag = "sessions",
    operation_id = "change_session",
    params(("id" = Uuid, Path, description = "Session id"), ("If-Match" = String, Header, description = "ETag of the session as read")),
    request_body = SessionInput,
    responses(
        (status = 200, description = "Changed.", body = Session, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rules `session_cancelled`, `session_course_fixed`, `capacity_below_taken`, `trainer_unknown`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The session changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/sessions/{id}")]
pub async fn change(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<SessionInput>,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let draft = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    let id = *id;
    write
        .run(async move |conn| {
            let row = app::catalogue::change(conn, &principal, id, &if_match, &draft).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&view(row), version))
        })
        .await
}

/// Why a session is called off.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Referentin erkrankt"}))]
pub struct CancelSessionInput {
    /// 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Call a session off.
///
/// The organisers. Every live registration ends with it. Publishes
/// `training.session.cancelled.v1` and `training.registration.cancelled.v1` for each.
#[utoipa::path(
    tag = "sessions",
    operation_id = "cancel_session",
    params(("id" = Uuid, Path, description = "Session id"), ("If-Match" = String, Header, description = "ETag of the session as read")),
    request_body = CancelSessionInput,
    responses(
        (status = 200, description = "Cancelled.", body = Session, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `session_cancelled`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The session changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/sessions/{id}/cancellation")]
pub async fn cancel(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<CancelSessionInput>,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let reason = body.into_inner()?.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation("/reason", "1 to 500 characters"));
    }
    let id = *id;
    write
        .run(async move |conn| {
            let row = app::catalogue::cancel(conn, &principal, id, &if_match, &reason).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&view(row), version))
        })
        .await
}
