//! The management's terms (Geschäftsführung), held in rotation by the youth offices.

use actix_web::{get, post, web};
use qmf_platform::{ApiResult, DbPool, Json, Principal, Reply, Write};

use crate::TermSettings;
use crate::app;
use crate::domain::access;
use crate::model::terms::{ManagementTerm, NewTerm, TermProposal};

/// Every management term, oldest first.
///
/// A plain array, not a page: a term lasts years, so the list stays short.
#[utoipa::path(
    tag = "management",
    operation_id = "list_management_terms",
    responses((status = 200, description = "The terms.", body = Vec<ManagementTerm>))
)]
#[get("/v1/management-terms")]
pub async fn list(_principal: Principal, pool: web::Data<DbPool>) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::terms::list(&mut conn).await?))
}

/// Propose the next management term by rotation.
///
/// Nothing is stored: the proposal names the youth office whose turn it is and the term's dates,
/// to be started with `POST /v1/management-terms`.
#[utoipa::path(
    tag = "management",
    operation_id = "propose_management_term",
    responses(
        (status = 200, description = "The proposal.", body = TermProposal),
        (status = 409, description = "Rule `no_youth_office_known`: the directory has not told this service about any youth office yet.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/management-terms/proposal")]
pub async fn proposal(
    _principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<TermSettings>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(
        &app::terms::propose(&mut conn, settings.years).await?,
    ))
}

/// Record the next management term.
///
/// Admins and the committee secretary. The term lasts the configured number of years (two by
/// default); its youth office chairs the Forum and the steering group for exactly that period
/// (memberships derived from the term). Publishes `committee.management_term.started.v1`.
#[utoipa::path(
    tag = "management",
    operation_id = "create_management_term",
    request_body = NewTerm,
    responses(
        (status = 201, description = "Recorded.", body = ManagementTerm),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `term_requires_youth_office`, `terms_do_not_overlap` or `terms_without_gap`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/management-terms")]
pub async fn create(
    principal: Principal,
    write: Write,
    settings: web::Data<TermSettings>,
    input: Json<NewTerm>,
) -> ApiResult<Reply> {
    access::require_term_manager(&principal)?;
    let input = input.into_inner()?;
    let years = settings.years;
    write
        .run(async move |conn| {
            let term = app::terms::start(conn, &input, years, &principal.subject).await?;
            Ok(Reply::created_without_location(&term))
        })
        .await
}
