//! Views for the overall coordination (aggregates only) and for auditors (the audit log).

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use qmf_platform::{ApiError, ApiResult, DbPool, Page, PageQuery, Principal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::access::{self, AuditOutcome};
use crate::domain::codes::HelpKind;
use crate::store::audit::{self, AuditEntry};
use crate::store::{parse_code, statistics};

/// Groups smaller than this are suppressed, so no single family can be recognised.
pub const MIN_GROUP_SIZE: i64 = 5;

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

/// Outcome figures of one institution and help kind. Groups with fewer than five helps are
/// reported as `suppressed` without figures.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "help_kind": "family_help", "suppressed": false,
    "cases": 12, "mean_duration_days": 398.5, "planned_end_share": 0.75, "goal_attainment": 3.9}))]
pub struct OutcomeGroup {
    pub provider_id: Uuid,
    pub help_kind: HelpKind,
    pub suppressed: bool,
    /// Number of helps closed in the period.
    pub cases: Option<i64>,
    /// Mean days from the start to the end of the help.
    pub mean_duration_days: Option<f64>,
    /// Share of planned ends (0-1).
    pub planned_end_share: Option<f64>,
    /// Mean final goal rating (1-5).
    pub goal_attainment: Option<f64>,
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
) -> ApiResult<HttpResponse> {
    access::require_statistics_reader(&principal)?;
    let today = super::today();
    let to = query.to.unwrap_or(today);
    let from = query.from.unwrap_or(to - chrono::Duration::days(365));
    if from > to {
        return Err(ApiError::validation(
            "/query/from",
            "must not be after `to`",
        ));
    }
    let mut conn = pool.get().await?;
    let rows = statistics::outcomes(&mut conn, from, to).await?;
    let groups = rows
        .into_iter()
        .map(|row| {
            let suppressed = row.cases < MIN_GROUP_SIZE;
            Ok(OutcomeGroup {
                provider_id: row.provider_id,
                help_kind: parse_code(&row.help_kind)?,
                suppressed,
                cases: (!suppressed).then_some(row.cases),
                mean_duration_days: row.mean_duration_days.filter(|_| !suppressed),
                planned_end_share: row.planned_end_share.filter(|_| !suppressed),
                goal_attainment: row.goal_attainment.filter(|_| !suppressed),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(groups))
}

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Only entries about this case.
    pub case_id: Option<Uuid>,
    /// Only granted or only refused accesses.
    pub outcome: Option<AuditOutcome>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Read the audit log (who accessed which case when, and how), oldest first.
///
/// Auditors only. Refused reads of case data (answered 403 or 404) are listed too, with
/// `outcome: refused` and the case id the caller asked for, whether that case exists or not.
/// The log is append-only: the database refuses updates and deletes.
#[utoipa::path(
    tag = "audit",
    operation_id = "list_audit_log",
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of audit entries.", body = Page<AuditEntry>),
        (status = 403, description = "Only auditors.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/audit-log")]
pub async fn audit_log(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<AuditQuery>,
) -> ApiResult<HttpResponse> {
    access::require_auditor(&principal)?;
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<i64>()?);
    let mut conn = pool.get().await?;
    let rows = audit::list(&mut conn, query.case_id, query.outcome, after, limit).await?;
    Ok(HttpResponse::Ok().json(Page::from_rows(rows, limit, |entry| entry.id)))
}
