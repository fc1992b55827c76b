//! Attendance and minutes (Protokoll) of a meeting.

use actix_web::{get, put, web};
use qmf_platform::{ApiResult, DbPool, IfMatch, Json, Principal, Reply, Write};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::model::meetings::{AttendanceList, Meeting, Minutes, MinutesInput};

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
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let minutes = app::minutes::read(&mut conn, &principal, *id).await?;
    Ok(Reply::ok_with_etag(&minutes, minutes.version))
}

/// Record who attended (present, excused, guest), replacing the previous list.
///
/// Until the minutes are approved; apologies can be recorded before the meeting. An entry that
/// names a person without `organization_id` counts for the organisation the person works for.
/// Publishes `committee.meeting.attendance_recorded.v1` with the organisations present or
/// excused.
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
    write: Write,
    id: web::Path<Uuid>,
    input: Json<AttendanceList>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_minutes_writer(&principal)?;
    let input = input.into_inner()?;
    input.validate()?;
    let id = *id;
    write
        .run(async move |conn| {
            let meeting =
                app::minutes::record_attendance(conn, &principal, id, &if_match, &input.entries)
                    .await?;
            Ok(Reply::ok_with_etag(&meeting, meeting.version))
        })
        .await
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
    write: Write,
    id: web::Path<Uuid>,
    input: Json<MinutesInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_minutes_writer(&principal)?;
    let input = input.into_inner()?;
    input.validate()?;
    let id = *id;
    write
        .run(async move |conn| {
            let meeting = app::minutes::write(conn, &principal, id, &if_match, &input.text).await?;
            Ok(Reply::ok_with_etag(&meeting, meeting.version))
        })
        .await
}
