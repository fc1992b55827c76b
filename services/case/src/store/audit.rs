//! The append-only audit log: every read and write of case data, in the same transaction as
//! the access itself, so no access happens without its record.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::{ApiError, Principal};
use uuid::Uuid;

use super::code;
use super::schema::audit_log;
use crate::domain::access::AuditOutcome;

/// Records that `principal` did `action` on `case_id` (no content, only the fact).
#[tracing::instrument(skip_all, fields(case_id = ?case_id, action))]
pub async fn record(
    mut conn: &AsyncPgConnection,
    principal: &Principal,
    case_id: Option<Uuid>,
    action: &str,
) -> Result<(), ApiError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::subject.eq(&principal.subject),
            audit_log::organization_id.eq(principal.organization),
            audit_log::case_id.eq(case_id),
            audit_log::action.eq(action),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| ApiError::Internal(format!("audit record refused: {e}")))?;
    Ok(())
}

/// Records that `principal` tried `action` on `case_id` (if the request named one) and was
/// refused. Runs outside the refused request's transaction, which was rolled back.
#[tracing::instrument(skip_all, fields(case_id = ?case_id, action))]
pub async fn record_refused(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    case_id: Option<Uuid>,
    action: &str,
) -> Result<(), ApiError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::subject.eq(&principal.subject),
            audit_log::organization_id.eq(principal.organization),
            audit_log::case_id.eq(case_id),
            audit_log::action.eq(action),
            audit_log::outcome.eq(code(&AuditOutcome::Refused)),
        ))
        .execute(conn)
        .await
        .map_err(|e| ApiError::Internal(format!("audit record refused: {e}")))?;
    Ok(())
}

/// Records that `principal` did `action` on something other than a case, named by `target`
/// (e.g. `instrument/review/2`).
#[tracing::instrument(skip_all, fields(target, action))]
pub async fn record_about(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    target: &str,
    action: &str,
) -> Result<(), ApiError> {
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::subject.eq(&principal.subject),
            audit_log::organization_id.eq(principal.organization),
            audit_log::target.eq(target),
            audit_log::action.eq(action),
        ))
        .execute(conn)
        .await
        .map_err(|e| ApiError::Internal(format!("audit record refused: {e}")))?;
    Ok(())
}

/// Records the read of a listed page: one row naming every case on it (none for an empty page).
#[tracing::instrument(skip_all, fields(cases = case_ids.len(), action))]
pub async fn record_reads(
    mut conn: &AsyncPgConnection,
    principal: &Principal,
    case_ids: &[Uuid],
    action: &str,
) -> Result<(), ApiError> {
    if case_ids.is_empty() {
        return Ok(());
    }
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::subject.eq(&principal.subject),
            audit_log::organization_id.eq(principal.organization),
            audit_log::case_ids.eq(Some(case_ids)),
            audit_log::action.eq(action),
        ))
        .execute(&mut conn)
        .await
        .map_err(|e| ApiError::Internal(format!("audit record refused: {e}")))?;
    Ok(())
}

/// One entry of the append-only audit log: who did what to which case (or, for other actions,
/// to which `target`), when.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize, utoipa::ToSchema)]
#[diesel(table_name = audit_log)]
#[schema(example = json!({"id": 48213, "at": "2027-03-02T09:14:05Z", "subject": "01936f40-0000-7000-8000-000000000001",
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "case_id": "01937a10-0000-7000-8000-0000000000c1",
    "case_ids": null, "target": null, "action": "case.read", "outcome": "granted"}))]
pub struct AuditEntry {
    pub id: i64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub subject: String,
    pub organization_id: Option<Uuid>,
    /// The case read or changed; `null` for a listed page (see `case_ids`) and for actions not
    /// on a case.
    pub case_id: Option<Uuid>,
    /// The cases of a listed page, read together (`case.list`, `case.review_due`).
    pub case_ids: Option<Vec<Uuid>>,
    /// What an action other than on a case was about, e.g. `instrument/review/2` for
    /// `instrument.release`.
    pub target: Option<String>,
    pub action: String,
    /// `refused`: the caller was answered 403 or 404 and read nothing.
    #[schema(value_type = AuditOutcome)]
    pub outcome: String,
}

#[tracing::instrument(skip_all, fields(case_id = ?case_id, outcome = ?outcome, limit))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    case_id: Option<Uuid>,
    outcome: Option<AuditOutcome>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<AuditEntry>, ApiError> {
    let mut query = audit_log::table
        .select(AuditEntry::as_select())
        .into_boxed();
    if let Some(case_id) = case_id {
        // The case's own rows and the listed pages it was on (both indexed).
        query = query.filter(
            audit_log::case_id
                .eq(case_id)
                .or(audit_log::case_ids.contains(vec![case_id])),
        );
    }
    if let Some(outcome) = outcome {
        query = query.filter(audit_log::outcome.eq(code(&outcome)));
    }
    if let Some(after) = after {
        query = query.filter(audit_log::id.gt(after));
    }
    Ok(query
        .order(audit_log::id.asc())
        .limit(limit + 1)
        .load(conn)
        .await?)
}
