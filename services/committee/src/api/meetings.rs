//! Meetings of the bodies: planning, reading, state changes; the Forum-meetings report.

use actix_web::{get, post, web};
use chrono::{DateTime, Datelike, Utc};
use qmf_platform::{
    ApiResult, DbPool, IfMatch, Json, Page, PageParams, Paged, Principal, Reply, Write,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::meetings::report_years;
use crate::model::meetings::{ForumYear, Meeting, NewMeetingInput, TransitionInput};

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
    write: Write,
    id: web::Path<Uuid>,
    input: Json<NewMeetingInput>,
) -> ApiResult<Reply> {
    access::require_meeting_planner(&principal)?;
    let input = input.into_inner()?;
    input.validate()?;
    let body_id = *id;
    write
        .run(async move |conn| {
            let meeting = app::meetings::plan(conn, &principal, body_id, &input).await?;
            Ok(Reply::created_without_location(&meeting).with_etag(meeting.version))
        })
        .await
}

/// Filters of a body's meeting list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BodyMeetingsQuery {
    /// Only meetings that start at or after this time (RFC 3339; encode `+` as `%2B`), e.g. now
    /// for the coming ones.
    #[param(example = "2027-01-01T00:00:00Z")]
    pub from: Option<DateTime<Utc>>,
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
    params(("id" = Uuid, Path, description = "Body id"), BodyMeetingsQuery, PageParams),
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
    query: Paged<BodyMeetingsQuery>,
) -> ApiResult<Reply> {
    let after = query.after::<(DateTime<Utc>, Uuid)>()?;
    let (from, limit) = (query.filter.from, query.limit);
    let mut conn = pool.get().await?;
    let page = app::meetings::list(&mut conn, &principal, *id, from, after, limit).await?;
    Ok(Reply::ok(&page))
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
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let meeting = app::meetings::get(&mut conn, &principal, *id).await?;
    Ok(Reply::ok_with_etag(&meeting, meeting.version))
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
    write: Write,
    id: web::Path<Uuid>,
    input: Json<TransitionInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_meeting_planner(&principal)?;
    let requested = input.into_inner()?.transition;
    let id = *id;
    write
        .run(async move |conn| {
            let meeting =
                app::meetings::transition(conn, &principal, id, &if_match, requested).await?;
            Ok(Reply::ok_with_etag(&meeting, meeting.version))
        })
        .await
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
) -> ApiResult<Reply> {
    let (from, to) = report_years(query.from_year, query.to_year, Utc::now().year())?;
    let mut conn = pool.get().await?;
    Ok(Reply::ok(
        &app::meetings::forum_report(&mut conn, from, to).await?,
    ))
}
