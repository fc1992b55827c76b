use std::collections::BTreeMap;

use actix_web::{get, post, put, web};
use chrono::{DateTime, Utc};
use qmf_contracts::directory::{District, OrganizationKind};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Principal, Reply, SyncPaged, Write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::{self, today};
use crate::domain::access;
use crate::domain::organization::{Address, OrganizationDraft};
use crate::domain::search_text;
use crate::store::organizations::{self as store, OrganizationFilter, OrganizationRow};
use crate::store::parse_code;

/// An organisation taking part in QMF.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "name": "Kinder- und Jugendhilfe Öhringen",
    "kind": "institution", "district": "hohenlohekreis", "umbrella_carrier": "Diakonie Württemberg",
    "address": {"street": "Hunnenstraße 12", "postal_code": "74613", "city": "Öhringen"},
    "email": "info@kjh-oehringen.example", "phone": "+49 7941 1234-0",
    "external_ids": {"okjug": "INST-0042"}, "active": true, "deactivated_at": null,
    "has_valid_agreement": true, "version": 1,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"
}))]
pub struct OrganizationResponse {
    pub id: Uuid,
    pub name: String,
    pub kind: OrganizationKind,
    pub district: Option<District>,
    pub umbrella_carrier: Option<String>,
    pub address: Address,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_ids: BTreeMap<String, String>,
    /// Deactivated organisations no longer take part but stay readable.
    pub active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    /// Whether a signed, not terminated agreement is valid today: the organisation takes part in QMF.
    pub has_valid_agreement: bool,
    /// Row version; the ETag is this number in quotes.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn response(
    row: OrganizationRow,
    has_valid_agreement: bool,
) -> ApiResult<OrganizationResponse> {
    Ok(OrganizationResponse {
        id: row.id,
        kind: parse_code(&row.kind)?,
        district: row.district.as_deref().map(parse_code).transpose()?,
        name: row.name,
        umbrella_carrier: row.umbrella_carrier,
        address: Address {
            street: row.street,
            postal_code: row.postal_code,
            city: row.city,
        },
        email: row.email,
        phone: row.phone,
        external_ids: serde_json::from_value(row.external_ids).unwrap_or_default(),
        active: row.active,
        deactivated_at: row.deactivated_at,
        has_valid_agreement,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Register an organisation.
///
/// Admins and the overall coordination only. Names are unique (case-insensitive); each district
/// has one active youth office. Publishes `directory.organization.registered.v1`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "create_organization",
    request_body = OrganizationDraft,
    responses(
        (status = 201, description = "Registered.", body = OrganizationResponse,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the new organisation"))),
        (status = 403, description = "Only admins and coordinators register organisations.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `organization_name_unique` or `one_youth_office_per_district`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/organizations")]
pub async fn create(
    principal: Principal,
    write: Write,
    body: Json<OrganizationDraft>,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let draft = body.into_inner()?.normalized();
    draft.validate().map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::organizations::register(conn, &draft).await?;
            let (version, location) = (row.version, format!("/v1/organizations/{}", row.id));
            Ok(Reply::created(&response(row, false)?, version, location))
        })
        .await
}

/// Filters of the organisation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrganizationListQuery {
    pub kind: Option<OrganizationKind>,
    pub district: Option<District>,
    /// Only active (`true`) or only deactivated (`false`) organisations.
    pub active: Option<bool>,
    /// Only organisations with (`true`) or without (`false`) a valid agreement today.
    pub has_valid_agreement: Option<bool>,
    /// Case-insensitive text contained in the name.
    #[param(example = "Heilbronn")]
    pub q: Option<String>,
}

/// List organisations.
///
/// Every authenticated caller may read organisations. Creation order (stable under concurrent
/// inserts), or change order with `modified_since`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "list_organizations",
    params(OrganizationListQuery, qmf_platform::PageParams, qmf_platform::SyncParams),
    responses(
        (status = 200, description = "One page of organisations.", body = Page<OrganizationResponse>),
    )
)]
#[get("/v1/organizations")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: SyncPaged<OrganizationListQuery>,
) -> ApiResult<Reply> {
    let after = query.after()?;
    let filter = OrganizationFilter {
        kind: query.filter.kind,
        district: query.filter.district,
        active: query.filter.active,
        has_valid_agreement: query.filter.has_valid_agreement,
        modified_since: query.modified_since,
        name_contains: search_text(query.filter.q.clone())?,
    };
    let mut conn = pool.get().await?;
    let rows = store::list(
        &mut conn,
        &filter,
        query.order(),
        after,
        query.limit,
        today(),
    )
    .await?;
    let page = query.sync_page(rows, |(row, _)| query.key(row.id, row.change_xid));
    Ok(Reply::ok(
        &page.try_map(|(row, valid)| response(row, valid))?,
    ))
}

/// Read one organisation.
///
/// Answers with a strong `ETag` of the current version; send it as `If-Match` with the next update
/// or deactivation.
#[utoipa::path(
    tag = "organizations",
    operation_id = "get_organization",
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "The organisation.", body = OrganizationResponse,
            headers(("ETag" = String, description = "Strong ETag of the current version"))),
        (status = 404, description = "No such organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/organizations/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let (row, valid) = app::organizations::find(&mut conn, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&response(row, valid)?, version))
}

/// Replace an organisation's data.
///
/// Admins and coordinators; requires `If-Match`. Publishes `directory.organization.updated.v1`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "update_organization",
    request_body = OrganizationDraft,
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("If-Match" = String, Header, description = "ETag of the version being replaced"),
    ),
    responses(
        (status = 200, description = "Updated.", body = OrganizationResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `organization_name_unique` or `one_youth_office_per_district`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/organizations/{id}")]
pub async fn update(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<OrganizationDraft>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let draft = body.into_inner()?.normalized();
    draft.validate().map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let (row, valid) = app::organizations::update(conn, *id, &if_match, &draft).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&response(row, valid)?, version))
        })
        .await
}

/// Deactivate an organisation.
///
/// It no longer takes part but stays readable. Admins and coordinators; requires `If-Match`.
/// Publishes `directory.organization.deactivated.v1`.
#[utoipa::path(
    tag = "organizations",
    operation_id = "deactivate_organization",
    params(
        ("id" = Uuid, Path, description = "Organisation id"),
        ("If-Match" = String, Header, description = "ETag of the version being deactivated"),
    ),
    responses(
        (status = 200, description = "Deactivated.", body = OrganizationResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `organization_already_inactive`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/organizations/{id}/deactivate")]
pub async fn deactivate(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    write
        .run(async move |conn| {
            let (row, valid) = app::organizations::deactivate(conn, *id, &if_match).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&response(row, valid)?, version))
        })
        .await
}
