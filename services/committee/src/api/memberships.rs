//! Memberships: who sits where.

use actix_web::{get, post, web};
use chrono::NaiveDate;
use qmf_platform::{
    ApiResult, DbPool, IfMatch, Json, Page, PageParams, Paged, Principal, Reply, Write,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::id_cursor;
use crate::app;
use crate::domain::access;
use crate::model::bodies::{Membership, MembershipEnd, NewMembershipInput};

/// Filters of a body's memberships.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MembershipQuery {
    /// Only memberships active on this day.
    pub active_on: Option<NaiveDate>,
}

/// The memberships of a body.
///
/// Cursor-paginated.
#[utoipa::path(
    tag = "bodies",
    operation_id = "list_body_memberships",
    params(("id" = Uuid, Path, description = "Body id"), MembershipQuery, PageParams),
    responses(
        (status = 200, description = "One page of memberships.", body = Page<Membership>),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`) or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies/{id}/memberships")]
pub async fn memberships(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: Paged<MembershipQuery>,
) -> ApiResult<Reply> {
    let after = id_cursor(&query)?;
    let active_on = query.filter.active_on;
    let mut conn = pool.get().await?;
    let page = app::memberships::list(&mut conn, *id, active_on, after, query.limit).await?;
    Ok(Reply::ok(&page))
}

/// Record a membership.
///
/// Admins and the committee secretary. Speakers belong to working groups; the Forum's and the
/// steering group's chair comes with the management term. A person holds at most one seat at a
/// time in a body: a seat whose period (first and last day included; open-ended without
/// `end_on`) shares a day with another of the person's seats there is refused. Publishes
/// `committee.membership.started.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "create_membership",
    request_body = NewMembershipInput,
    params(("id" = Uuid, Path, description = "Body id")),
    responses(
        (status = 201, description = "Recorded.", body = Membership, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `body_dissolved`, `speaker_only_in_working_groups`, `chair_comes_with_the_management_term`, `person_inactive` or `memberships_do_not_overlap` (the person holds another seat in the body in that period).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown organisation or person (the directory's events may not have arrived yet: retry), or a person of another organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies/{id}/memberships")]
pub async fn create_membership(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<NewMembershipInput>,
) -> ApiResult<Reply> {
    access::require_membership_manager(&principal)?;
    let input = input.into_inner()?;
    let body_id = *id;
    write
        .run(async move |conn| {
            let seat = app::memberships::create(conn, body_id, &input).await?;
            Ok(Reply::created_without_location(&seat).with_etag(seat.version))
        })
        .await
}

/// End a membership.
///
/// Admins and the committee secretary; requires `If-Match`. Memberships that come with a
/// management term end with it. Publishes `committee.membership.ended.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "end_membership",
    request_body = MembershipEnd,
    params(("id" = Uuid, Path, description = "Membership id"), ("If-Match" = String, Header, description = "ETag of the membership")),
    responses(
        (status = 200, description = "Ended.", body = Membership, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such membership.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `membership_comes_with_a_term` or `membership_already_ended`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/memberships/{id}/end")]
pub async fn end_membership(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<MembershipEnd>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_membership_manager(&principal)?;
    let end_on = input.into_inner()?.end_on;
    let id = *id;
    write
        .run(async move |conn| {
            let seat = app::memberships::end(conn, id, end_on, &if_match).await?;
            Ok(Reply::ok_with_etag(&seat, seat.version))
        })
        .await
}
