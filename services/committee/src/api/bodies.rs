use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::etag::with_etag;
use qmf_platform::{ApiError, ApiResult, DbPool, Page, PageQuery, Principal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::bodies::{BodyKind, MembershipRole};
use crate::store::bodies::{self as store, BodyRow, MembershipRow};
use crate::store::parse_code;

/// A body of the cooperation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11", "kind": "working_group", "name": "AK QMF", "short_name": "AK QMF",
    "permanent": true, "mandate": "Quality and its development, instruments, training concepts, the quality dialogue.",
    "parent_id": null, "status": "active", "established_on": null, "dissolved_on": null, "version": 1,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"}))]
pub struct Body {
    pub id: Uuid,
    pub kind: BodyKind,
    pub name: String,
    pub short_name: Option<String>,
    /// Permanent working groups (AK QMF, AK QMF-Koordination) versus temporary ones set up by the Forum.
    pub permanent: bool,
    pub mandate: Option<String>,
    /// The parent working group of a sub-group.
    pub parent_id: Option<Uuid>,
    /// `active` or `dissolved`.
    pub status: String,
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn body(row: BodyRow) -> ApiResult<Body> {
    Ok(Body {
        id: row.id,
        kind: parse_code(&row.kind)?,
        name: row.name,
        short_name: row.short_name,
        permanent: row.permanent,
        mandate: row.mandate,
        parent_id: row.parent_id,
        status: row.status,
        established_on: row.established_on,
        dissolved_on: row.dissolved_on,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Filters of the body list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BodyListQuery {
    pub kind: Option<BodyKind>,
    /// `active` or `dissolved`.
    pub status: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List bodies. Every authenticated caller may read them.
#[utoipa::path(
    tag = "bodies",
    operation_id = "list_bodies",
    params(BodyListQuery),
    responses((status = 200, description = "One page of bodies.", body = Page<Body>))
)]
#[get("/v1/bodies")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<BodyListQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    if query
        .status
        .as_deref()
        .is_some_and(|s| s != "active" && s != "dissolved")
    {
        return Err(ApiError::validation(
            "/query/status",
            "must be active or dissolved",
        ));
    }
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<Uuid>()?);
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn, query.kind, query.status.as_deref(), after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| row.id);
    let items = page
        .items
        .into_iter()
        .map(body)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Read one body.
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
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
    let version = row.version;
    Ok(with_etag(&mut HttpResponse::Ok(), version).json(body(row)?))
}

/// A seat in a body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Membership {
    pub id: Uuid,
    pub body_id: Uuid,
    /// The member (a directory person); `null` when the organisation itself holds the seat,
    /// as the management's youth office chairs the Forum.
    pub person_id: Option<Uuid>,
    /// The organisation the member represents.
    pub organization_id: Uuid,
    pub role: MembershipRole,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    /// Set when the seat comes with a management term and ends with it.
    pub term_id: Option<Uuid>,
    pub version: i32,
}

pub fn membership(row: MembershipRow) -> ApiResult<Membership> {
    Ok(Membership {
        id: row.id,
        body_id: row.body_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        role: parse_code(&row.role)?,
        start_on: row.start_on,
        end_on: row.end_on,
        term_id: row.term_id,
        version: row.version,
    })
}

/// Filters of a body's memberships.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MembershipQuery {
    /// Only memberships active on this day.
    pub active_on: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The memberships of a body.
#[utoipa::path(
    tag = "bodies",
    operation_id = "list_body_memberships",
    params(("id" = Uuid, Path, description = "Body id"), MembershipQuery),
    responses(
        (status = 200, description = "One page of memberships.", body = Page<Membership>),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies/{id}/memberships")]
pub async fn memberships(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<MembershipQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<Uuid>()?);
    let mut conn = pool.get().await?;
    store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
    let rows = store::memberships_of(&mut conn, *id, query.active_on, after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| row.id);
    let items = page
        .items
        .into_iter()
        .map(membership)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}
