//! Bodies (Gremien): reading them, setting up working groups and dissolving them.

use actix_web::{get, post, web};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, PageParams, Paged, Principal, Reply, Write,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::id_cursor;
use crate::app;
use crate::domain::access;
use crate::domain::bodies::BodyKind;
use crate::model::bodies::{Body, Dissolution, NewWorkingGroup, validate_working_group};

/// Filters of the body list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BodyListQuery {
    pub kind: Option<BodyKind>,
    /// `active` or `dissolved`.
    pub status: Option<String>,
}

/// List bodies. Every authenticated caller may read them.
///
/// Cursor-paginated.
#[utoipa::path(
    tag = "bodies",
    operation_id = "list_bodies",
    params(BodyListQuery, PageParams),
    responses(
        (status = 200, description = "One page of bodies.", body = Page<Body>),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`), an unknown `status` or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<BodyListQuery>,
) -> ApiResult<Reply> {
    let filter = &query.filter;
    if filter
        .status
        .as_deref()
        .is_some_and(|s| s != "active" && s != "dissolved")
    {
        return Err(ApiError::validation(
            "/query/status",
            "must be active or dissolved",
        ));
    }
    let after = id_cursor(&query)?;
    let mut conn = pool.get().await?;
    let status = filter.status.as_deref();
    let page = app::bodies::list(&mut conn, filter.kind, status, after, query.limit).await?;
    Ok(Reply::ok(&page))
}

/// Read one body.
///
/// Answers with a strong `ETag`; send it as `If-Match` with the next change.
#[utoipa::path(
    tag = "bodies",
    operation_id = "get_body",
    params(("id" = Uuid, Path, description = "Body id")),
    responses(
        (status = 200, description = "The body.", body = Body, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let body = app::bodies::get(&mut conn, *id).await?;
    Ok(Reply::ok_with_etag(&body, body.version))
}

/// Set up a working group (or a sub-group of one).
///
/// Admins and the committee secretary, e.g. after the Forum decided it. Publishes
/// `committee.body.established.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "create_working_group",
    request_body = NewWorkingGroup,
    responses(
        (status = 201, description = "Set up.", body = Body, headers(("ETag" = String, description = "Strong ETag"), ("Location" = String, description = "URL of the body"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `body_name_unique` or `parent_must_be_an_active_working_group`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies")]
pub async fn create_working_group(
    principal: Principal,
    write: Write,
    input: Json<NewWorkingGroup>,
) -> ApiResult<Reply> {
    access::require_body_manager(&principal)?;
    let input = input.into_inner()?;
    let errors = validate_working_group(&input, "");
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    write
        .run(async move |conn| {
            let body = app::bodies::establish_working_group(conn, &input).await?;
            let location = format!("/v1/bodies/{}", body.id);
            Ok(Reply::created(&body, body.version, location))
        })
        .await
}

/// Dissolve a temporary working group; its open memberships end the same day.
///
/// Admins and the committee secretary; requires `If-Match`. Publishes
/// `committee.body.dissolved.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "dissolve_working_group",
    request_body = Dissolution,
    params(("id" = Uuid, Path, description = "Body id"), ("If-Match" = String, Header, description = "ETag of the body")),
    responses(
        (status = 200, description = "Dissolved.", body = Body, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `only_temporary_working_groups_dissolve`, `body_dissolved` or `dissolve_sub_groups_first`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies/{id}/dissolve")]
pub async fn dissolve(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<Dissolution>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_body_manager(&principal)?;
    let on = input.into_inner()?.dissolved_on;
    let id = *id;
    write
        .run(async move |conn| {
            let body = app::bodies::dissolve_working_group(conn, id, on, Some(&if_match)).await?;
            Ok(Reply::ok_with_etag(&body, body.version))
        })
        .await
}
