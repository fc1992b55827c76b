//! A meeting's agenda and its invitations.

use actix_web::{delete, post, put, web};
use qmf_platform::{ApiResult, IfMatch, Json, Principal, Reply, Write};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::model::meetings::{AgendaOrder, InvitationInput, Meeting, NewAgendaItem};

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
    write: Write,
    id: web::Path<Uuid>,
    input: Json<NewAgendaItem>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_meeting_planner(&principal)?;
    let input = input.into_inner()?;
    input.validate()?;
    let id = *id;
    write
        .run(async move |conn| {
            let meeting = app::agenda::add_item(conn, &principal, id, &if_match, &input).await?;
            Ok(Reply::ok_with_etag(&meeting, meeting.version))
        })
        .await
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
    write: Write,
    id: web::Path<Uuid>,
    input: Json<AgendaOrder>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_meeting_planner(&principal)?;
    let order = input.into_inner()?.item_ids;
    let id = *id;
    write
        .run(async move |conn| {
            let meeting = app::agenda::reorder(conn, &principal, id, &if_match, &order).await?;
            Ok(Reply::ok_with_etag(&meeting, meeting.version))
        })
        .await
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
    write: Write,
    path: web::Path<(Uuid, Uuid)>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_meeting_planner(&principal)?;
    let (id, item_id) = path.into_inner();
    write
        .run(async move |conn| {
            let meeting =
                app::agenda::remove_item(conn, &principal, id, item_id, &if_match).await?;
            Ok(Reply::ok_with_etag(&meeting, meeting.version))
        })
        .await
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
    write: Write,
    id: web::Path<Uuid>,
    input: Json<InvitationInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_meeting_planner(&principal)?;
    let message = input.into_inner()?.message()?;
    let id = *id;
    write
        .run(async move |conn| {
            let meeting = app::invitations::send(conn, &principal, id, &if_match, message).await?;
            Ok(Reply::ok_with_etag(&meeting, meeting.version))
        })
        .await
}
