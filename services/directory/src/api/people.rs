use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_contracts::directory::StaffFunction;
use qmf_platform::{ApiError, ApiResult, DbPool, IfMatch, Json, Page, Principal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{created, list_key, list_order, ok_with_etag, page_params, search_text, today};
use crate::domain::access;
use crate::domain::person::{PersonDraft, is_active};
use crate::events;
use crate::store::organizations as organization_store;
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

/// The organisation a person or agreement refers to must exist (422) and be active (409).
pub async fn require_active_organization(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> ApiResult<()> {
    match organization_store::find(conn, organization_id, today()).await? {
        None => Err(ApiError::validation(
            "/organization_id",
            "no such organisation",
        )),
        Some((row, _)) if !row.active => Err(ApiError::conflict(
            "organization_inactive",
            "the organisation is deactivated",
        )),
        Some(_) => Ok(()),
    }
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
    pool: web::Data<DbPool>,
    body: Json<PersonDraft>,
) -> ApiResult<HttpResponse> {
    access::require_writer(&principal)?;
    let draft = body.into_inner()?.normalized();
    draft.validate().map_err(ApiError::Validation)?;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            require_active_organization(conn, draft.organization_id).await?;
            let row = store::insert(conn, Uuid::now_v7(), &draft).await?;
            events::person_registered(conn, &row).await?;
            Ok(row)
        })
        .await?;
    let version = row.version;
    let location = format!("/v1/people/{}", row.id);
    Ok(created(&response(row, &principal)?, version, location))
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
    /// Only people changed after this time; switches to change order for incremental sync.
    pub modified_since: Option<DateTime<Utc>>,
    /// Case-insensitive text contained in the given or family name.
    pub q: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List staff members.
///
/// Every authenticated caller may read names and functions; contact data only as described on
/// `PersonResponse`.
#[utoipa::path(
    tag = "people",
    operation_id = "list_people",
    params(PersonListQuery),
    responses((status = 200, description = "One page of people.", body = Page<PersonResponse>))
)]
#[get("/v1/people")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<PersonListQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let (limit, after) = page_params(query.limit, query.cursor)?;
    let order = list_order(query.modified_since);
    let filter = PersonFilter {
        organization_id: query.organization_id,
        function: query.function,
        active_on: query.active.map(|a| (today(), a)),
        modified_since: query.modified_since,
        name_contains: search_text(query.q)?,
    };
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn, &filter, order, after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| list_key(order, row.id, row.change_seq));
    Ok(HttpResponse::Ok().json(page.try_map(|row| response(row, &principal))?))
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
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such person".into()))?;
    let version = row.version;
    Ok(ok_with_etag(&response(row, &principal)?, version))
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
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: Json<PersonDraft>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    access::require_writer(&principal)?;
    let draft = body.into_inner()?.normalized();
    draft.validate().map_err(ApiError::Validation)?;
    let id = *id;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let current = store::lock(conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such person".into()))?;
            if_match.check(current.version)?;
            if current.organization_id != draft.organization_id {
                return Err(ApiError::validation(
                    "/organization_id",
                    "cannot change; register the person anew at the other organisation",
                ));
            }
            let row = store::update(conn, id, &draft).await?;
            events::person_updated(conn, &row).await?;
            Ok(row)
        })
        .await?;
    let version = row.version;
    Ok(ok_with_etag(&response(row, &principal)?, version))
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
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: Json<Deactivation>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    access::require_writer(&principal)?;
    let until = body.into_inner()?.active_until;
    let id = *id;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let current = store::lock(conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such person".into()))?;
            if_match.check(current.version)?;
            if let Some(closed) = current.active_until {
                return Err(ApiError::conflict(
                    "person_already_inactive",
                    format!("the active period already ends on {closed}"),
                ));
            }
            if until < current.active_from {
                return Err(ApiError::validation(
                    "/active_until",
                    "must not be before active_from",
                ));
            }
            let row = store::end_activity(conn, id, until).await?;
            events::person_deactivated(conn, &row).await?;
            Ok(row)
        })
        .await?;
    let version = row.version;
    Ok(ok_with_etag(&response(row, &principal)?, version))
}
