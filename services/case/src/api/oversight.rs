//! Views for the overall coordination (aggregates only) and for auditors (the audit log).

use actix_web::{get, web};
use chrono::NaiveDate;
use qmf_platform::{ApiError, ApiResult, DbPool, Page, PageParams, Paged, Principal, Reply};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::oversight::{self as app, AuditEntry, AuditFilter, OutcomeGroup};
use crate::app::today;
use crate::domain::access;

/// Period of the outcome statistics.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutcomeQuery {
    /// First closing day counted (default: one year ago).
    pub from: Option<NaiveDate>,
    /// Last closing day counted (default: today).
    pub to: Option<NaiveDate>,
}

/// Outcome statistics per institution and help kind (helps closed in the period).
///
/// For the overall coordination (`coordinator`, `admin`). Anonymous: groups smaller than five
/// are suppressed. A plain array, not a page: one row per institution and help kind, a short
/// report that is only meaningful whole.
#[utoipa::path(
    tag = "statistics",
    operation_id = "get_outcome_statistics",
    params(OutcomeQuery),
    responses(
        (status = 200, description = "One entry per institution and help kind.", body = Vec<OutcomeGroup>),
        (status = 422, description = "`from` lies after `to`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 403, description = "Only the overall coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/statistics/outcomes")]
pub async fn outcomes(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<OutcomeQuery>,
) -> ApiResult<Reply> {
    access::require_statistics_reader(&principal)?;
    let to = query.to.unwrap_or_else(today);
    let from = query.from.unwrap_or(to - chrono::Duration::days(365));
    if from > to {
        return Err(ApiError::validation(
            "/query/from",
            "must not be after `to`",
        ));
    }
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::outcomes(&mut conn, from, to).await?))
}

/// Read the audit log (who accessed which case when, and how), oldest first.
///
/// Auditors only. Refused reads of case data (answered 403 or 404) are listed too, with
/// `outcome: refused` and the case id the caller asked for, whether that case exists or not.
/// The log is append-only: the database refuses updates and deletes.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_log",
    params(AuditFilter, PageParams),
    responses(
        (status = 200, description = "One page of audit entries.", body = Page<AuditEntry>),
        (status = 403, description = "Only auditors.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/audit-log")]
pub async fn audit_log(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<AuditFilter>,
) -> ApiResult<Reply> {
    access::require_auditor(&principal)?;
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::audit_log(&mut conn, &query).await?))
}
