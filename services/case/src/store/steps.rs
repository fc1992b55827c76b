//! The timeline of a case: every step, who, when.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::{ApiError, Principal};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::schema::case_steps;

#[tracing::instrument(skip_all, fields(case_id = %case_id, step))]
pub async fn record(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
    step: &str,
    principal: &Principal,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    diesel::insert_into(case_steps::table)
        .values((
            case_steps::case_id.eq(case_id),
            case_steps::step.eq(step),
            case_steps::actor_subject.eq(&principal.subject),
            case_steps::actor_org.eq(principal.organization),
            case_steps::details.eq(details),
        ))
        .execute(&mut conn)
        .await?;
    Ok(())
}

/// One step in a case's timeline.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = case_steps)]
#[schema(example = json!({"step": "plan_agreed", "at": "2026-11-23T10:15:00Z", "actor_subject": "caseworker-17",
    "actor_org": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "details": {"plan_version": 1}}))]
pub struct Step {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub case_id: Uuid,
    /// What happened, e.g. `opened`, `assessment_completed`, `plan_agreed`.
    pub step: String,
    pub at: DateTime<Utc>,
    /// Who did it (token subject) and for which organisation.
    pub actor_subject: String,
    pub actor_org: Option<Uuid>,
    /// Ids and codes of the step; never personal data.
    pub details: serde_json::Value,
}

#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn timeline(mut conn: &AsyncPgConnection, case_id: Uuid) -> Result<Vec<Step>, ApiError> {
    Ok(case_steps::table
        .filter(case_steps::case_id.eq(case_id))
        .select(Step::as_select())
        .order(case_steps::id.asc())
        .load(&mut conn)
        .await?)
}
