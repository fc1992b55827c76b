use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_contracts::directory::AgreementKind;
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Principal, Reply, SyncPaged, Write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::{self, today};
use crate::domain::access;
use crate::domain::agreement::{AgreementDraft, Termination, is_valid};
use crate::store::agreements::{AgreementFilter, AgreementRow, list as list_rows};
use crate::store::parse_code;

/// A signed agreement. Agreements are records of signed documents: they are never edited,
/// only terminated.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f41-0000-7000-8000-000000000002", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "kind": "quality_development_agreement", "signed_on": "2021-06-30",
    "signed_by": "Dr. Maria Muster, Einrichtungsleitung", "terminated_on": null,
    "termination_reason": null, "valid": true, "version": 1,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"
}))]
pub struct AgreementResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: AgreementKind,
    pub signed_on: NaiveDate,
    pub signed_by: String,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    /// Valid today: signed and not terminated.
    pub valid: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn response(row: AgreementRow) -> ApiResult<AgreementResponse> {
    Ok(AgreementResponse {
        id: row.id,
        organization_id: row.organization_id,
        kind: parse_code(&row.kind)?,
        valid: is_valid(row.signed_on, row.terminated_on, today()),
        signed_on: row.signed_on,
        signed_by: row.signed_by,
        terminated_on: row.terminated_on,
        termination_reason: row.termination_reason,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Record a signed agreement.
///
/// Admins and coordinators. From 2021 only the quality development agreement can be signed;
/// an organisation has at most one running agreement of each kind. Publishes
/// `directory.agreement.signed.v1` (subject: the organisation).
#[utoipa::path(
    tag = "agreements",
    operation_id = "create_agreement",
    request_body = AgreementDraft,
    responses(
        (status = 201, description = "Recorded.", body = AgreementResponse,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the agreement"))),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `organization_inactive` or `one_running_agreement_per_kind`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/agreements")]
pub async fn create(
    principal: Principal,
    write: Write,
    body: Json<AgreementDraft>,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let draft = body.into_inner()?;
    draft.validate(today()).map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::agreements::sign(conn, &draft).await?;
            let (version, location) = (row.version, format!("/v1/agreements/{}", row.id));
            Ok(Reply::created(&response(row)?, version, location))
        })
        .await
}

/// Filters of the agreement list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgreementListQuery {
    pub organization_id: Option<Uuid>,
    pub kind: Option<AgreementKind>,
    /// Only agreements valid (`true`) or not valid (`false`) today.
    pub valid: Option<bool>,
}

/// List agreements. Every authenticated caller may read them.
///
/// Cursor-paginated in creation order; with `modified_since` in change order, so a sync client
/// sees every change after its last run. Filters by organisation, kind and validity today.
#[utoipa::path(
    tag = "agreements",
    operation_id = "list_agreements",
    params(AgreementListQuery, qmf_platform::PageParams, qmf_platform::SyncParams),
    responses((status = 200, description = "One page of agreements.", body = Page<AgreementResponse>))
)]
#[get("/v1/agreements")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: SyncPaged<AgreementListQuery>,
) -> ApiResult<Reply> {
    let after = query.after()?;
    let filter = AgreementFilter {
        organization_id: query.filter.organization_id,
        kind: query.filter.kind,
        valid_on: query.filter.valid.map(|v| (today(), v)),
        modified_since: query.modified_since,
    };
    let mut conn = pool.get().await?;
    let rows = list_rows(&mut conn, &filter, query.order(), after, query.limit).await?;
    let page = query.sync_page(rows, |row| query.key(row.id, row.change_xid));
    Ok(Reply::ok(&page.try_map(response)?))
}

/// Read one agreement.
///
/// Answers with a strong `ETag`; send it as `If-Match` when terminating the agreement.
#[utoipa::path(
    tag = "agreements",
    operation_id = "get_agreement",
    params(("id" = Uuid, Path, description = "Agreement id")),
    responses(
        (status = 200, description = "The agreement.", body = AgreementResponse, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such agreement.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/agreements/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = app::agreements::find(&mut conn, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&response(row)?, version))
}

/// Terminate an agreement.
///
/// Admins and coordinators; requires `If-Match`. Publishes `directory.agreement.terminated.v1`.
#[utoipa::path(
    tag = "agreements",
    operation_id = "terminate_agreement",
    request_body = Termination,
    params(
        ("id" = Uuid, Path, description = "Agreement id"),
        ("If-Match" = String, Header, description = "ETag of the current version"),
    ),
    responses(
        (status = 200, description = "Terminated.", body = AgreementResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such agreement.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `agreement_already_terminated`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/agreements/{id}/terminate")]
pub async fn terminate(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<Termination>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let termination = body.into_inner()?;
    write
        .run(async move |conn| {
            let row = app::agreements::terminate(conn, *id, &if_match, &termination).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&response(row)?, version))
        })
        .await
}
