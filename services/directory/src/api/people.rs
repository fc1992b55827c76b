use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_contracts::directory::StaffFunction;
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Principal, Reply, SyncPaged, Write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app::{self, today};
use crate::domain::access;
use crate::domain::person::{PersonDraft, is_active};
use crate::domain::search_text;
use crate::store::parse_code;
use crate::store::people::{self as store, PersonFilter, PersonRow};

/// A staff member. `email` and `phone` are present only for callers of the same organisation
/// and for the coordination (admins, coordinators).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "given_name": "Lena", "family_name": "Beispiel", "email": "l.beispiel@jugendamt.example",
    "phone": "+49 7131 56-2000", "functions": ["caseworker"], "active_from": "2024-01-01",
    "active_until": null, "active": true, "version": 1,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"
}))]
pub struct PersonResponse {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    pub functions: Vec<StaffFunction>,
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
    /// Active today.
    pub active: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn response(row: PersonRow, principal: &Principal) -> ApiResult<PersonResponse> {
    let contact = access::sees_contact_data(principal, row.organization_id);
    Ok(PersonResponse {
        id: row.id,
        organization_id: row.organization_id,
        given_name: row.given_name,
        family_name: row.family_name,
        email: if contact { row.email } else { None },
        phone: if contact { row.phone } else { None },
        functions: row
            .functions
            .iter()
            .map(|f| parse_code(f))
            .collect::<ApiResult<_>>()?,
        active: is_active(row.active_from, row.active_until, today()),
        active_from: row.active_from,
        active_until: row.active_until,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Register a staff member.
///
/// Admins and coordinators. The organisation must exist and be active. Publishes
/// `directory.person.registered.v1`.
#[utoipa::path(
    tag = "people",
    operation_id = "create_person",
    request_body = PersonDraft,
    responses(
        (status = 201, description = "Registered.", body = PersonResponse,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the new person"))),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `organization_inactive`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/people")]
pub async fn create(
    principal: Principal,
    write: Write,
    body: Json<PersonDraft>,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let draft = body.into_inner()?.normalized();
    draft.validate().map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::people::register(conn, &draft).await?;
            let (version, location) = (row.version, format!("/v1/people/{}", row.id));
            Ok(Reply::created(
                &response(row, &principal)?,
                version,
                location,
            ))
        })
        .await
}

/// Filters of the people list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PersonListQuery {
    /// Only staff of this organisation.
    pub organization_id: Option<Uuid>,
    /// Only staff with this function.
    pub function: Option<StaffFunction>,
    /// Only staff active (`true`) or not active (`false`) today.
    pub active: Option<bool>,
    /// Case-insensitive text contained in the given or family name.
    pub q: Option<String>,
}

/// List staff members.
///
/// Every authenticated caller may read names and functions; contact data only as described on
/// `PersonResponse`.
#[utoipa::path(
    tag = "people",
    operation_id = "list_people",
    params(PersonListQuery, qmf_platform::PageParams, qmf_platform::SyncParams),
    responses((status = 200, description = "One page of people.", body = Page<PersonResponse>))
)]
#[get("/v1/people")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: SyncPaged<PersonListQuery>,
) -> ApiResult<Reply> {
    let after = query.after()?;
    let filter = PersonFilter {
        organization_id: query.filter.organization_id,
        function: query.filter.function,
        active_on: query.filter.active.map(|a| (today(), a)),
        modified_since: query.modified_since,
        name_contains: search_text(query.filter.q.clone())?,
    };
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn, &filter, query.order(), after, query.limit).await?;
    let page = query.sync_page(rows, |row| query.key(row.id, row.change_xid));
    Ok(Reply::ok(&page.try_map(|row| response(row, &principal))?))
}

/// Read one staff member.
///
/// Answers with a strong `ETag`; send it as `If-Match` with the next update or deactivation.
#[utoipa::path(
    tag = "people",
    operation_id = "get_person",
    params(("id" = Uuid, Path, description = "Person id")),
    responses(
        (status = 200, description = "The person.", body = PersonResponse, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/people/{id}")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = app::people::find(&mut conn, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&response(row, &principal)?, version))
}

/// Replace a staff member's data.
///
/// Admins and coordinators; requires `If-Match`. `organization_id` cannot change: a move to
/// another organisation is a new registration. Publishes `directory.person.updated.v1`.
#[utoipa::path(
    tag = "people",
    operation_id = "update_person",
    request_body = PersonDraft,
    params(
        ("id" = Uuid, Path, description = "Person id"),
        ("If-Match" = String, Header, description = "ETag of the version being replaced"),
    ),
    responses(
        (status = 200, description = "Updated.", body = PersonResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/people/{id}")]
pub async fn update(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<PersonDraft>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let draft = body.into_inner()?.normalized();
    draft.validate().map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::people::update(conn, *id, &if_match, &draft).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&response(row, &principal)?, version))
        })
        .await
}

/// End of a staff member's active period.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"active_until": "2026-12-31"}))]
pub struct Deactivation {
    /// Last active day; not before `active_from`.
    pub active_until: NaiveDate,
}

/// Deactivate a staff member (end the active period).
///
/// Admins and coordinators; requires `If-Match`. Publishes `directory.person.deactivated.v1`.
#[utoipa::path(
    tag = "people",
    operation_id = "deactivate_person",
    request_body = Deactivation,
    params(
        ("id" = Uuid, Path, description = "Person id"),
        ("If-Match" = String, Header, description = "ETag of the current version"),
    ),
    responses(
        (status = 200, description = "Deactivated.", body = PersonResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `person_already_inactive`: the active period is already closed.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/people/{id}/deactivate")]
pub async fn deactivate(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<Deactivation>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let until = body.into_inner()?.active_until;
    write
        .run(async move |conn| {
            let row = app::people::deactivate(conn, *id, &if_match, until).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&response(row, &principal)?, version))
        })
        .await
}
