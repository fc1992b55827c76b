//! Opening, reading, updating and listing cases.

use actix_web::http::header;
use actix_web::{HttpRequest, get, post, put, web};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, PageParams, Principal, Reply, SyncPaged,
    SyncParams, Write,
};
use uuid::Uuid;

use crate::app::cases::{self as app, CaseListFilter, Step, Upserted};
use crate::app::views::CaseResponse;
use crate::app::{Caller, today};
use crate::domain::access;
use crate::domain::case_file::CaseDraft;
use crate::settings::CaseSettings;

fn location(case: &CaseResponse) -> String {
    format!("/v1/cases/{}", case.id)
}

/// Open a case (intake).
///
/// For the responsible youth office (roles `caseworker`, `youth_office_staff`, `service` with
/// `org`). The case belongs to the caller's office, which the directory must know as an active
/// youth office (from its events); the caseworker must be a person the directory lists as
/// working for that office. Names and dates of birth are stored encrypted. Publishes
/// `case.opened.v1` (pseudonymised).
#[utoipa::path(
    tag = "cases",
    operation_id = "open_case",
    request_body = CaseDraft,
    responses(
        (status = 201, description = "Opened.", body = CaseResponse,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the case"))),
        (status = 403, description = "Only the youth office's staff open cases.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `case_requires_active_youth_office` (the caller's organisation is not an active youth office in the directory, or not yet known to this service) or `external_id_unique`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid base data, or `/caseworker_id` is not an active person of the caller's youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases")]
pub async fn open(
    principal: Principal,
    write: Write,
    settings: web::Data<CaseSettings>,
    body: Json<CaseDraft>,
) -> ApiResult<Reply> {
    let office = access::require_office(access::audience(&principal)?)?;
    let draft = body.into_inner()?;
    draft.validate(today()).map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let case = app::open(conn, &principal, office, &draft, settings.get_ref()).await?;
            Ok(Reply::created(&case, case.version, location(&case)))
        })
        .await
}

/// List the cases the caller may see.
///
/// The office's cases for youth-office staff; for institution staff the cases whose current
/// plan it delivers. The page is recorded in the audit log as one entry naming every listed case (`case_ids`).
#[utoipa::path(
    tag = "cases",
    operation_id = "list_cases",
    params(CaseListFilter, PageParams, SyncParams),
    responses(
        (status = 200, description = "One page of cases.", body = Page<CaseResponse>),
        (status = 403, description = "The caller never sees single cases (coordination, auditors, admins).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    query: SyncPaged<CaseListFilter>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let page = app::list(&mut conn, &principal, settings.get_ref(), &query).await?;
    Ok(Reply::ok(&page))
}

/// Read one case.
///
/// The read is recorded in the audit log, a refused read too. Answers with a strong `ETag`; send
/// it as `If-Match` with the next step.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case.", body = CaseResponse, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "The caller never sees single cases.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let case = app::get(&mut conn, &principal, settings.get_ref(), *id).await?;
    Ok(Reply::ok_with_etag(&case, case.version))
}

/// Update a case's base data (caseworker, help kind, personal data, external ids).
///
/// Responsible youth office only; requires `If-Match`; not for closed cases. The caseworker must
/// be a person the directory lists as working for the responsible office (also when unchanged:
/// a caseworker who left has to be replaced).
#[utoipa::path(
    tag = "cases",
    operation_id = "update_case",
    request_body = CaseDraft,
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "ETag of the version being replaced"),
    ),
    responses(
        (status = 200, description = "Updated.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `closed_case_is_read_only`, `archived_case_is_read_only` or `external_id_unique`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid base data, or `/caseworker_id` is not an active person of the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/cases/{id}")]
pub async fn update(
    principal: Principal,
    write: Write,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<CaseDraft>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let audience = access::audience(&principal)?;
    let office = access::require_office(audience)?;
    let draft = body.into_inner()?;
    draft.validate(today()).map_err(ApiError::Validation)?;
    let id = *id;
    write
        .run(async move |conn| {
            let caller = Caller::new(&principal, audience, settings.get_ref());
            let case = app::update(conn, caller, office, id, if_match, &draft).await?;
            Ok(Reply::ok_with_etag(&case, case.version))
        })
        .await
}

/// Open or update a case by the id an integrating system knows it under.
///
/// Idempotent: the first call opens the case (201); repeating it with the same body changes
/// nothing (200); a different body updates the case and then requires `If-Match` (428 without).
/// The path's system and id are added to the case's `external_ids`. Opening and updating follow
/// the rules of `open_case` and `update_case` (active youth office, caseworker of the office).
#[utoipa::path(
    tag = "cases",
    operation_id = "upsert_case_by_external_id",
    request_body = CaseDraft,
    params(
        ("system" = String, Path, description = "Name of the integrating system, e.g. `okjug`"),
        ("external_id" = String, Path, description = "The case's id in that system"),
        ("If-Match" = Option<String>, Header, description = "Required when the case exists and the body changes it"),
    ),
    responses(
        (status = 200, description = "Existing case, unchanged or updated.", body = CaseResponse, headers(("ETag" = String, description = "ETag"))),
        (status = 201, description = "Opened.", body = CaseResponse, headers(("ETag" = String, description = "ETag"), ("Location" = String, description = "URL of the case"))),
        (status = 403, description = "Only the youth office's staff and integrating software.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `case_requires_active_youth_office`, `closed_case_is_read_only` or `external_id_unique`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid base data, or `/caseworker_id` is not an active person of the youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "The case exists and the body changes it, but `If-Match` is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/cases/by-external-id/{system}/{external_id}")]
pub async fn upsert_by_external_id(
    principal: Principal,
    write: Write,
    settings: web::Data<CaseSettings>,
    path: web::Path<(String, String)>,
    body: Json<CaseDraft>,
    req: HttpRequest,
) -> ApiResult<Reply> {
    let audience = access::audience(&principal)?;
    let office = access::require_office(audience)?;
    let (system, external_id) = path.into_inner();
    let mut draft = body.into_inner()?;
    draft
        .external_ids
        .insert(system.clone(), external_id.clone());
    draft.validate(today()).map_err(ApiError::Validation)?;
    // Required only when the case exists and the body changes it, so read here, checked there.
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    write
        .run(async move |conn| {
            let caller = Caller::new(&principal, audience, settings.get_ref());
            let upserted = app::upsert_by_external_id(
                conn,
                caller,
                office,
                &system,
                &external_id,
                &draft,
                if_match.as_deref(),
            )
            .await?;
            Ok(match upserted {
                Upserted::Opened(case) => Reply::created(&case, case.version, location(&case)),
                Upserted::Existing(case) => Reply::ok_with_etag(&case, case.version),
            })
        })
        .await
}

/// Look a case up by the id an integrating system knows it under.
///
/// Only among the cases of the caller's youth office; the read is recorded in the audit log like a
/// read by id, a refused read too.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_by_external_id",
    params(
        ("system" = String, Path, description = "Name of the integrating system"),
        ("external_id" = String, Path, description = "The case's id in that system"),
    ),
    responses(
        (status = 200, description = "The case.", body = CaseResponse, headers(("ETag" = String, description = "ETag"))),
        (status = 403, description = "Only the youth office's staff and integrating software.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case of the caller's office has this id.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/by-external-id/{system}/{external_id}")]
pub async fn get_by_external_id(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    path: web::Path<(String, String)>,
) -> ApiResult<Reply> {
    let (system, external_id) = path.into_inner();
    let mut conn = pool.get().await?;
    let case = app::get_by_external_id(
        &mut conn,
        &principal,
        settings.get_ref(),
        &system,
        &external_id,
    )
    .await?;
    Ok(Reply::ok_with_etag(&case, case.version))
}

/// The steps of a case, oldest first: what happened, who, when.
///
/// A plain array, not a page: the steps of one case are few (one per step of the help process) and
/// a timeline is read whole. The read is recorded in the audit log.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_timeline",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The timeline.", body = Vec<Step>),
        (status = 403, description = "The caller never sees single cases (coordination, auditors, admins).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}/timeline")]
pub async fn timeline(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let steps = app::timeline(&mut conn, &principal, *id).await?;
    Ok(Reply::ok(&steps))
}
