use actix_web::{get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiResult, DbPool, Json, Page, Principal, Reply, SyncPaged, Write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::{self, today};
use crate::domain::leadership::{ConfirmationDraft, require_recorder};
use crate::store::leadership::{ConfirmationFilter, ConfirmationRow, list as list_rows};

/// A leader's dated statement that the leadership carries the cooperation into its house
/// (Verpflichtung der Leitung), one of the criteria of commitment. A record of a statement:
/// never edited; a newer statement supersedes an older one.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f42-0000-7000-8000-000000000003", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "leader_id": "01936f40-0000-7000-8000-000000000001", "confirmed_on": "2026-11-30",
    "statement": "Die Leitung stellt die Umsetzung der Kooperation in der Einrichtung sicher.",
    "version": 1, "created_at": "2026-12-01T09:00:00Z", "updated_at": "2026-12-01T09:00:00Z"
}))]
pub struct ConfirmationResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The confirming leader (a directory person of the organisation).
    pub leader_id: Uuid,
    pub confirmed_on: NaiveDate,
    pub statement: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn response(row: ConfirmationRow) -> ConfirmationResponse {
    ConfirmationResponse {
        id: row.id,
        organization_id: row.organization_id,
        leader_id: row.leader_id,
        confirmed_on: row.confirmed_on,
        statement: row.statement,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

/// Record a leadership confirmation.
///
/// The organisation's leader records their own statement (token subject = their directory id,
/// token organisation = theirs); admins and coordinators record it for any organisation. The
/// confirming person must be a leader (function `leader`) of the organisation, in office on
/// `confirmed_on`, and the organisation active. Publishes `directory.leadership.confirmed.v1`
/// (subject: the organisation).
#[utoipa::path(
    tag = "leadership confirmations",
    operation_id = "create_leadership_confirmation",
    request_body = ConfirmationDraft,
    responses(
        (status = 201, description = "Recorded.", body = ConfirmationResponse,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the confirmation"))),
        (status = 403, description = "Only the organisation's leader, coordinators and admins.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `organization_inactive` or `confirmed_by_its_leader`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, an unknown organisation or person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/leadership-confirmations")]
pub async fn create(
    principal: Principal,
    write: Write,
    body: Json<ConfirmationDraft>,
) -> ApiResult<Reply> {
    let draft = body.into_inner()?;
    require_recorder(&principal, &draft)?;
    draft
        .validate(today())
        .map_err(qmf_platform::ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::leadership::confirm(conn, &draft).await?;
            let (version, location) = (
                row.version,
                format!("/v1/leadership-confirmations/{}", row.id),
            );
            Ok(Reply::created(&response(row), version, location))
        })
        .await
}

/// Filters of the confirmation list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ConfirmationListQuery {
    pub organization_id: Option<Uuid>,
}

/// List leadership confirmations. Every authenticated caller may read them.
///
/// Cursor-paginated in creation order; with `modified_since` in change order. The newest
/// `confirmed_on` of an organisation is its current confirmation.
#[utoipa::path(
    tag = "leadership confirmations",
    operation_id = "list_leadership_confirmations",
    params(ConfirmationListQuery, qmf_platform::PageParams, qmf_platform::SyncParams),
    responses((status = 200, description = "One page of confirmations.", body = Page<ConfirmationResponse>))
)]
#[get("/v1/leadership-confirmations")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: SyncPaged<ConfirmationListQuery>,
) -> ApiResult<Reply> {
    let after = query.after()?;
    let filter = ConfirmationFilter {
        organization_id: query.filter.organization_id,
        modified_since: query.modified_since,
    };
    let mut conn = pool.get().await?;
    let rows = list_rows(&mut conn, &filter, query.order(), after, query.limit).await?;
    let page = query.sync_page(rows, |row| query.key(row.id, row.change_xid));
    Ok(Reply::ok(&page.try_map(|row| {
        Ok::<_, qmf_platform::ApiError>(response(row))
    })?))
}

/// Read one leadership confirmation.
#[utoipa::path(
    tag = "leadership confirmations",
    operation_id = "get_leadership_confirmation",
    params(("id" = Uuid, Path, description = "Confirmation id")),
    responses(
        (status = 200, description = "The confirmation.", body = ConfirmationResponse, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such confirmation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/leadership-confirmations/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = app::leadership::find(&mut conn, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&response(row), version))
}
