//! Reads of a case's plans, reviews and documents, the compound overview for integrating
//! software (one request instead of five), and the office's due reviews.

use actix_web::{get, web};
use qmf_platform::{ApiResult, DbPool, Principal, Reply};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::records::{self as app, CaseOverview, Document, DueReview, Plan};
use crate::settings::CaseSettings;

/// Read a case with its plan in force, a proposed plan, its reviews and the next review date.
///
/// Visible to the responsible office and to the institution delivering the current plan;
/// audited as one read.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_overview",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case and its plan, reviews and next review.", body = CaseOverview),
        (status = 403, description = "The caller never sees single cases.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}/overview")]
pub async fn overview(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let overview = app::overview(&mut conn, &principal, settings.get_ref(), *id).await?;
    Ok(Reply::ok(&overview))
}

/// Every plan version of a case, newest first; old versions stay readable.
///
/// A plain array, not a page: a case has one plan version per change of its plan, a short list
/// that is always read whole. An institution sees only the versions addressed to it. The read is
/// recorded in the audit log.
#[utoipa::path(
    tag = "cases",
    operation_id = "list_case_plans",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "Plan versions.", body = Vec<Plan>),
        (status = 403, description = "The caller never sees single cases (coordination, auditors, admins).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}/plans")]
pub async fn list_plans(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let plans = app::plans(&mut conn, &principal, *id).await?;
    Ok(Reply::ok(&plans))
}

/// Read a document of a case (decrypted). Institutions read the help plan, reviews and final
/// evaluation of cases they deliver, not the needs assessment.
///
/// The read is recorded in the audit log. `content` is `null` once the document was erased after
/// the retention period.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_document",
    params(("id" = Uuid, Path, description = "Case id"), ("document_id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document.", body = Document),
        (status = 403, description = "The caller never sees single cases (coordination, auditors, admins).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or document, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}/documents/{document_id}")]
pub async fn document(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<Reply> {
    let (id, document_id) = path.into_inner();
    let mut conn = pool.get().await?;
    let document =
        app::document(&mut conn, &principal, settings.get_ref(), id, document_id).await?;
    Ok(Reply::ok(&document))
}

/// Window of the due-reviews list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DueQuery {
    /// Include reviews due within this many days from today (0-365, default 30); overdue ones
    /// are always included.
    #[param(minimum = 0, maximum = 365)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub within_days: Option<i64>,
    /// Only overdue reviews.
    pub overdue_only: Option<bool>,
}

/// Reviews due and overdue at the caller's youth office, earliest first (at most 500).
///
/// A plain array, not a page: it is a work list of what is due now, capped at the 500 earliest
/// reviews.
#[utoipa::path(
    tag = "cases",
    operation_id = "list_due_reviews",
    params(DueQuery),
    responses(
        (status = 200, description = "Due reviews.", body = Vec<DueReview>),
        (status = 422, description = "`within_days` is out of range.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only youth-office staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/reviews/due")]
pub async fn due_reviews(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<DueQuery>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let due =
        app::due_reviews(&mut conn, &principal, query.within_days, query.overdue_only).await?;
    Ok(Reply::ok(&due))
}
