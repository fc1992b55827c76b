//! A dialogue's results: attendance, documentation with findings, ratings, measures.

use std::collections::BTreeSet;

use diesel_async::AsyncPgConnection;
use qmf_contracts::dialogue::{
    DialogueAttendance, DialogueDocumentedV1, DialogueEvent, DialogueHeldV1, EvaluationCompletedV1,
    FindingEscalatedV1, FindingRecordedV1, MeasureCompletedV1,
};
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal, RuleName, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::access;
use crate::domain::dialogues::DialogueState;
use crate::domain::results::{
    self as rules, FindingDraft, FindingKind, MeasureState, Ratings, ResultRule, averages,
};
use crate::store::dialogues::{self as dialogue_store, DialogueRow};
use crate::store::results::{self as store, FindingRow};

async fn publish(conn: &mut AsyncPgConnection, event: DialogueEvent) -> ApiResult<()> {
    qmf_events::publish(conn, &event).await?;
    Ok(())
}

async fn lock_as_host(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<DialogueRow> {
    let current = dialogue_store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    access::require_host_editor(principal, current.host_organization_id)?;
    if_match.check(current.version)?;
    Ok(current)
}

fn day_of(row: &DialogueRow) -> ApiResult<chrono::NaiveDate> {
    row.day
        .ok_or_else(|| ApiError::internal("a dialogue past scheduling without a day"))
}

/// Marks an invited dialogue held on or after its day, with who was there
/// (`dialogue.dialogue.held.v1`). Guests who declined are not listed.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn mark_held(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    present: &BTreeSet<Uuid>,
) -> ApiResult<DialogueRow> {
    let current = lock_as_host(conn, principal, id, if_match).await?;
    rules::mark_held(DialogueState::parse(&current.state)?, current.day, today())?;
    let mut invited: Vec<(Uuid, Uuid, &str)> = current
        .representatives
        .iter()
        .map(|r| (*r, current.host_organization_id, "representative"))
        .collect();
    for ((guest, org), response) in current
        .guest_ids
        .iter()
        .zip(current.guest_organizations.iter())
        .zip(current.guest_responses.iter())
    {
        if response != "declined" {
            invited.push((*guest, *org, "guest"));
        }
    }
    let strangers: Vec<String> = present
        .iter()
        .filter(|p| !invited.iter().any(|(i, _, _)| i == *p))
        .map(Uuid::to_string)
        .collect();
    if !strangers.is_empty() {
        return Err(ResultRule::AttendanceOfParticipants.conflict(format!(
            "not invited to this dialogue: {}",
            strangers.join(", ")
        )));
    }
    let attendance: Vec<(Uuid, Uuid, &str, bool)> = invited
        .iter()
        .map(|(p, o, role)| (*p, *o, *role, present.contains(p)))
        .collect();
    let rows = store::mark_held(conn, id, &attendance).await?;
    publish(
        conn,
        DialogueEvent::DialogueHeld(DialogueHeldV1 {
            dialogue_id: id,
            cycle_id: current.cycle_id,
            host_organization_id: current.host_organization_id,
            date: day_of(&current)?,
            attendance: rows
                .into_iter()
                .map(|a| DialogueAttendance {
                    person_id: a.person_id,
                    organization_id: a.organization_id,
                    role: a.role,
                    present: a.present,
                })
                .collect(),
        }),
    )
    .await?;
    dialogue_store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))
}

/// Documents a held dialogue: minutes and findings (`dialogue.dialogue.documented.v1`, a
/// `dialogue.finding.recorded.v1` per finding, and `dialogue.finding.escalated.v1` for each
/// Forum topic, which the committee puts into the steering group's inbox).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn document(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    minutes: &str,
    drafts: &[FindingDraft],
) -> ApiResult<(DialogueRow, Vec<FindingRow>)> {
    let current = lock_as_host(conn, principal, id, if_match).await?;
    rules::document(DialogueState::parse(&current.state)?)?;
    let held_on = day_of(&current)?;
    let findings = store::document(conn, id, minutes, drafts).await?;
    publish(
        conn,
        DialogueEvent::DialogueDocumented(DialogueDocumentedV1 {
            dialogue_id: id,
            cycle_id: current.cycle_id,
            host_organization_id: current.host_organization_id,
            date: held_on,
            findings: findings.len() as i64,
        }),
    )
    .await?;
    for finding in &findings {
        publish(
            conn,
            DialogueEvent::FindingRecorded(FindingRecordedV1 {
                finding_id: finding.id,
                dialogue_id: id,
                host_organization_id: current.host_organization_id,
                kind: finding.kind.clone(),
                title: finding.title.clone(),
                summary: finding.summary.clone(),
                owner_organization_id: finding.owner_organization_id,
                due_on: finding.due_on,
                held_on,
            }),
        )
        .await?;
        if finding.kind == FindingKind::ForumTopic.code() {
            publish(
                conn,
                DialogueEvent::FindingEscalated(FindingEscalatedV1 {
                    finding_id: finding.id,
                    dialogue_id: id,
                    host_organization_id: current.host_organization_id,
                    title: finding.title.clone(),
                    summary: finding.summary.clone(),
                    held_on,
                }),
            )
            .await?;
        }
    }
    let row = dialogue_store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    Ok((row, findings))
}

/// A participant who was present rates a documented dialogue, once.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn rate(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    ratings: &Ratings,
    comment: Option<&str>,
) -> ApiResult<()> {
    let current = dialogue_store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    rules::rate(DialogueState::parse(&current.state)?)?;
    let person = access::person_of(principal);
    let present = store::attendance(conn, id)
        .await?
        .into_iter()
        .any(|a| a.present && Some(a.person_id) == person);
    let Some(person) = person.filter(|_| present) else {
        return Err(ResultRule::RatingsByPresentParticipants
            .conflict("only participants who were present rate the dialogue"));
    };
    if !store::rate(conn, id, person, ratings, comment).await? {
        return Err(ResultRule::RatingsByPresentParticipants.conflict("rated already"));
    }
    Ok(())
}

/// Completes the evaluation of a documented dialogue with the ratings given
/// (`dialogue.evaluation.completed.v1`).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn complete_evaluation(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<DialogueRow> {
    let current = lock_as_host(conn, principal, id, if_match).await?;
    rules::rate(DialogueState::parse(&current.state)?)?;
    let ratings = store::ratings_of(conn, id).await?;
    let Some([preparation, exchange, results, organisation]) = averages(&ratings) else {
        return Err(ResultRule::EvaluationNeedsRatings.conflict("nobody rated the dialogue yet"));
    };
    store::mark_evaluated(conn, id).await?;
    publish(
        conn,
        DialogueEvent::EvaluationCompleted(EvaluationCompletedV1 {
            dialogue_id: id,
            host_organization_id: current.host_organization_id,
            ratings: ratings.len() as i64,
            preparation,
            exchange,
            results,
            organisation,
        }),
    )
    .await?;
    dialogue_store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))
}

/// Marks an agreed measure done or dropped: its owning organisation's staff or the
/// coordination (`dialogue.measure.completed.v1`).
#[tracing::instrument(skip_all, fields(finding_id = %id))]
pub async fn close_measure(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    state: MeasureState,
    reason: Option<&str>,
) -> ApiResult<FindingRow> {
    let current = store::lock_finding(conn, id)
        .await?
        .ok_or_else(|| not_found("finding"))?;
    let (Some(owner), Some(due_on)) = (current.owner_organization_id, current.due_on) else {
        return Err(ResultRule::NotAMeasure.conflict("the finding is no agreed measure"));
    };
    access::require_host_editor(principal, owner)?;
    if_match.check(current.version)?;
    if current.measure_state.as_deref() != Some("open") {
        return Err(ResultRule::MeasureClosed.conflict(format!(
            "the measure is {}",
            current.measure_state.as_deref().unwrap_or("closed")
        )));
    }
    let code = match state {
        MeasureState::Done => "done",
        MeasureState::Dropped => "dropped",
        MeasureState::Open => {
            return Err(ApiError::validation("/state", "must be done or dropped"));
        }
    };
    let row = store::close_measure(conn, id, code, reason).await?;
    let completed_on = today();
    publish(
        conn,
        DialogueEvent::MeasureCompleted(MeasureCompletedV1 {
            finding_id: id,
            dialogue_id: row.dialogue_id,
            owner_organization_id: owner,
            state: code.to_string(),
            reason: reason.map(str::to_string),
            due_on,
            completed_on,
            overdue: completed_on > due_on,
        }),
    )
    .await?;
    Ok(row)
}
