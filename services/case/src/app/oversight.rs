//! Views for the overall coordination (aggregates only) and for auditors (the audit log).

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, Page, Paged};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::access::AuditOutcome;
use crate::domain::codes::HelpKind;
use crate::store::{audit, parse_code, statistics};

pub use crate::store::audit::AuditEntry;

/// Groups smaller than this are suppressed, so no single family can be recognised.
pub const MIN_GROUP_SIZE: i64 = 5;

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

/// Filters of the audit log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditFilter {
    /// Only entries about this case.
    pub case_id: Option<Uuid>,
    /// Only granted or only refused accesses.
    pub outcome: Option<AuditOutcome>,
}

/// Outcome figures per institution and help kind of the helps closed from `from` to `to`;
/// groups smaller than [`MIN_GROUP_SIZE`] are suppressed.
#[tracing::instrument(skip_all, fields(from = %from, to = %to))]
pub async fn outcomes(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<OutcomeGroup>> {
    statistics::outcomes(conn, from, to)
        .await?
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
        .collect()
}

/// One page of the audit log, oldest first.
#[tracing::instrument(skip_all, fields(case_id = ?query.filter.case_id, limit = query.limit))]
pub async fn audit_log(
    conn: &mut AsyncPgConnection,
    query: &Paged<AuditFilter>,
) -> ApiResult<Page<AuditEntry>> {
    let after = query.after::<i64>()?;
    let rows = audit::list(
        conn,
        query.filter.case_id,
        query.filter.outcome,
        after,
        query.limit,
    )
    .await?;
    Ok(query.page(rows, |entry| entry.id))
}
