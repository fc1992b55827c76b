//! Quality reports: written by the host, read by the invited participants and the
//! coordination after submission (every read recorded), pre-filled with outcome figures.

use diesel_async::AsyncPgConnection;
use qmf_contracts::dialogue::{DialogueEvent, ReportSubmittedV1};
use qmf_platform::{ApiError, ApiResult, Principal, RuleName, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::access;
use crate::domain::reports::{self as rules, OutcomeFigures, ReportRule, TEMPLATE_VERSION};
use crate::store::cycles as cycle_store;
use crate::store::dialogues::{self as dialogue_store, DialogueRow};
use crate::store::reports::{self as store, ReadRow, ReportRow};

async fn dialogue(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<DialogueRow> {
    dialogue_store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))
}

/// Saves the host's draft at the version the client read (`if_match` is `None` only for the
/// first draft).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn save(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: Option<&qmf_platform::IfMatch>,
    content: &serde_json::Value,
) -> ApiResult<ReportRow> {
    let dialogue = dialogue(conn, id).await?;
    access::require_host_editor(principal, dialogue.host_organization_id)?;
    rules::check(TEMPLATE_VERSION, content).map_err(ApiError::Validation)?;
    if matches!(dialogue.state.as_str(), "cancelled" | "withdrawn") {
        return Err(
            ReportRule::DialogueNotPlanned.conflict(format!("the dialogue is {}", dialogue.state))
        );
    }
    if let Some(current) = store::lock(conn, id).await? {
        let if_match = if_match.ok_or_else(|| {
            ApiError::PreconditionRequired("send If-Match with the report's ETag".into())
        })?;
        if_match.check(current.version)?;
        if current.state == "submitted" {
            return Err(ReportRule::ReportSubmitted.conflict("the report was submitted"));
        }
    }
    store::save_draft(conn, id, TEMPLATE_VERSION, content).await
}

/// Submits the report, at least the cycle's `report_lead_days` before the dialogue
/// (`dialogue.report.submitted.v1`).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn submit(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &qmf_platform::IfMatch,
) -> ApiResult<ReportRow> {
    let dialogue = dialogue(conn, id).await?;
    access::require_host_editor(principal, dialogue.host_organization_id)?;
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("report"))?;
    if_match.check(current.version)?;
    if current.state == "submitted" {
        return Err(ReportRule::ReportSubmitted.conflict("the report was submitted"));
    }
    let cycle = cycle_store::find(conn, dialogue.cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    rules::submission(dialogue.day, today(), cycle.rules()?.report_lead_days)?;
    let row = store::submit(conn, id).await?;
    let date = dialogue
        .day
        .ok_or_else(|| ApiError::internal("a submitted report's dialogue without a day"))?;
    let event = DialogueEvent::ReportSubmitted(ReportSubmittedV1 {
        dialogue_id: id,
        host_organization_id: dialogue.host_organization_id,
        template_version: row.template_version,
        date,
    });
    qmf_events::publish(conn, &event).await?;
    Ok(row)
}

/// Reads the report and records the read. The host's staff and the coordination read it any
/// time (a draft too); invited participants once it was submitted; nobody else.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn read(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<ReportRow> {
    let dialogue = dialogue(conn, id).await?;
    let host = access::require_host_editor(principal, dialogue.host_organization_id).is_ok();
    let invited = access::person_of(principal).is_some_and(|person| {
        dialogue.representatives.contains(&person)
            || dialogue
                .guest_ids
                .iter()
                .zip(dialogue.guest_responses.iter())
                .any(|(g, r)| *g == person && r != "declined")
    });
    if !host && !invited {
        return Err(ApiError::Forbidden(
            "the report is for the invited participants, the host and the coordination".into(),
        ));
    }
    let report = store::find(conn, id)
        .await?
        .filter(|r| host || r.state == "submitted")
        .ok_or_else(|| not_found("submitted report"))?;
    store::record_read(conn, id, &principal.subject, principal.organization).await?;
    Ok(report)
}

/// Who read the report when: the host's staff and the coordination.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn reads(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<ReadRow>> {
    let dialogue = dialogue(conn, id).await?;
    access::require_host_editor(principal, dialogue.host_organization_id)?;
    store::reads(conn, id).await
}

/// Outcome figures of the host's helps closed in the last twelve months, per help kind, with
/// small groups suppressed: the pre-fill of the report's `outcomes`.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn prefill(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<OutcomeFigures>> {
    let dialogue = dialogue(conn, id).await?;
    access::require_host_editor(principal, dialogue.host_organization_id)?;
    let since = chrono::Utc::now() - chrono::Duration::days(365);
    let rows = store::outcomes(
        conn,
        dialogue.host_organization_id,
        dialogue.host_kind == "youth_office",
        since,
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            rules::figures(
                r.help_kind,
                r.cases,
                r.mean_duration_days,
                r.planned_end_share,
                r.goal_attainment,
            )
        })
        .collect())
}
