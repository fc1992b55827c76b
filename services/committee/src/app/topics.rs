//! Topics (Vorlagen): drafting or raising them, new drafts, reading them with their history,
//! and escalated quality-dialogue findings that arrive as topics. The steps on a topic's route
//! are in [`super::topic_steps`].

use diesel_async::AsyncPgConnection;
use qmf_contracts::dialogue::FindingEscalatedV1;
use qmf_platform::pagination::ListKey;
use qmf_platform::{ApiError, ApiResult, IfMatch, Json, Page, Principal, RuleName, not_found};
use uuid::Uuid;

use super::seats;
use crate::domain::access::{self, TopicStart};
use crate::domain::bodies::BodyKind;
use crate::domain::rules::Rule;
use crate::domain::topics::{TopicFacts, TopicState, draft_allowed};
use crate::events;
use crate::model::decisions::decision;
use crate::model::topics::{
    Draft, DraftInput, HistoryEntry, Topic, TopicSummary, draft, history_entry, summary,
};
use crate::store::bodies::{self as body_store, BodyRow};
use crate::store::topics::{self as store, NewHistory, NewTopic, TopicFilter, TopicRow};
use crate::store::{decisions as decision_store, parse_code};

/// Who the topic history names for escalated findings.
pub const DIALOGUE_ACTOR: &str = qmf_contracts::dialogue::SOURCE;

/// The topic with its current draft and decisions.
pub(crate) async fn view(conn: &mut AsyncPgConnection, row: TopicRow) -> ApiResult<Topic> {
    let (draft, decisions) = futures_util::try_join!(
        store::current_draft(conn, &row),
        decision_store::of_topic(conn, row.id)
    )?;
    let decisions = decisions
        .into_iter()
        .map(decision)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Topic {
        id: row.id,
        origin_body_id: row.origin_body_id,
        state: parse_code(&row.state)?,
        title: row.title,
        text: draft.text,
        draft_number: row.draft_number,
        meeting_id: row.meeting_id,
        agenda_item_id: row.agenda_item_id,
        finding_id: row.finding_id,
        decisions,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// What a step depends on.
pub(crate) fn facts(row: &TopicRow, origin: &BodyRow) -> ApiResult<TopicFacts> {
    Ok(TopicFacts {
        state: parse_code(&row.state)?,
        origin_is_steering_group: origin.kind == "steering_group",
        draft_number: row.draft_number,
        referred_at_draft: row.referred_at_draft,
    })
}

/// Locks a topic, checks the client's ETag and returns it with its origin body.
pub(crate) async fn lock_checked(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<(TopicRow, BodyRow)> {
    let row = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("topic"))?;
    if_match.check(row.version)?;
    let origin = body_store::find(conn, row.origin_body_id)
        .await?
        .ok_or_else(|| ApiError::internal("topic without origin body"))?;
    Ok((row, origin))
}

/// Writes the history entry and publishes `committee.topic.transitioned.v1` for a step.
pub(crate) async fn log_step(
    conn: &mut AsyncPgConnection,
    before: Option<TopicState>,
    after: &TopicRow,
    action: &str,
    reason: Option<&str>,
    actor: &str,
) -> ApiResult<()> {
    let to_state: TopicState = parse_code(&after.state)?;
    store::record(
        conn,
        NewHistory {
            topic_id: after.id,
            action,
            from_state: before,
            to_state,
            draft_number: after.draft_number,
            meeting_id: after.meeting_id,
            reason,
            actor,
        },
    )
    .await?;
    events::topic_transitioned(conn, after, action, before).await
}

/// Drafts a topic in a working group (`draft`) or raises one in the steering group (in its
/// inbox, `submitted`). The body's members only; the input is looked at once the caller may
/// draft here.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn create(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    body_id: Uuid,
    input: Json<DraftInput>,
) -> ApiResult<Topic> {
    let origin = body_store::find(conn, body_id)
        .await?
        .ok_or_else(|| not_found("body"))?;
    let (start, state, action) = match origin.kind.as_str() {
        "working_group" => (TopicStart::Draft, TopicState::Draft, "draft"),
        "steering_group" => (TopicStart::Raise, TopicState::Submitted, "raise"),
        _ => {
            return Err(
                Rule::TopicsComeFromWorkingGroupsOrTheSteeringGroup.conflict(
                    "topics are drafted by a working group or raised by the steering group",
                ),
            );
        }
    };
    if origin.status != "active" {
        return Err(Rule::BodyDissolved.conflict("the body is dissolved"));
    }
    let actor = seats::topic_actor(conn, principal, &origin).await?;
    access::require_topic_starter(start, actor)?;
    let input = input.into_inner()?;
    input.validate()?;
    let row = store::insert(
        conn,
        NewTopic {
            origin_body_id: origin.id,
            state,
            title: input.title.trim(),
            text: input.text.trim(),
            finding_id: None,
            created_by: &principal.subject,
        },
    )
    .await?
    .ok_or_else(|| ApiError::internal("topic insert returned nothing"))?;
    log_step(conn, None, &row, action, None, &principal.subject).await?;
    view(conn, row).await
}

/// Adds a new draft, while the body the topic comes from holds it.
#[tracing::instrument(skip_all, fields(topic_id = %id))]
pub async fn add_draft(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    input: Json<DraftInput>,
) -> ApiResult<Topic> {
    let (row, origin) = lock_checked(conn, id, if_match).await?;
    let actor = seats::topic_actor(conn, principal, &origin).await?;
    draft_allowed(facts(&row, &origin)?, actor)?;
    let input = input.into_inner()?;
    input.validate()?;
    let state: TopicState = parse_code(&row.state)?;
    let row = store::add_draft(
        conn,
        &row,
        input.title.trim(),
        input.text.trim(),
        &principal.subject,
    )
    .await?;
    log_step(
        conn,
        Some(state),
        &row,
        "new_draft",
        None,
        &principal.subject,
    )
    .await?;
    view(conn, row).await
}

/// Puts an escalated finding into the steering group's inbox. The topic's `finding_id` is
/// unique, so a second event for the same finding (redelivered, or re-sent with another event
/// id) changes nothing. The consumer checked the finding's title and summary.
#[tracing::instrument(skip_all, fields(finding_id = %finding.finding_id))]
pub async fn escalate(conn: &mut AsyncPgConnection, finding: &FindingEscalatedV1) -> ApiResult<()> {
    let steering = body_store::central(conn, BodyKind::SteeringGroup).await?;
    let text = format!(
        "{}\n\n(Ergebnis des Qualitätsdialogs vom {}; Dialog {}, Befund {})",
        finding.summary.trim(),
        finding.held_on.format("%d.%m.%Y"),
        finding.dialogue_id,
        finding.finding_id
    );
    let inserted = store::insert(
        conn,
        NewTopic {
            origin_body_id: steering.id,
            state: TopicState::Submitted,
            title: finding.title.trim(),
            text: &text,
            finding_id: Some(finding.finding_id),
            created_by: DIALOGUE_ACTOR,
        },
    )
    .await?;
    if let Some(row) = inserted {
        log_step(conn, None, &row, "escalate", None, DIALOGUE_ACTOR).await?;
    }
    Ok(())
}

/// One page of topics in id order.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &TopicFilter,
    after: Option<Uuid>,
    limit: i64,
) -> ApiResult<Page<TopicSummary>> {
    let rows = store::list(conn, filter, after, limit).await?;
    Page::from_rows(rows, limit, |row| ListKey::Id(row.id)).try_map(summary)
}

/// One topic with its current draft and decisions.
#[tracing::instrument(skip_all, fields(topic_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Topic> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("topic"))?;
    view(conn, row).await
}

/// Every step of a topic, oldest first.
#[tracing::instrument(skip_all, fields(topic_id = %id))]
pub async fn history(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Vec<HistoryEntry>> {
    let (topic, history) =
        futures_util::try_join!(store::find(conn, id), store::history(conn, id))?;
    topic.ok_or_else(|| not_found("topic"))?;
    history.into_iter().map(history_entry).collect()
}

/// Every draft of a topic, oldest first.
#[tracing::instrument(skip_all, fields(topic_id = %id))]
pub async fn drafts(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Vec<Draft>> {
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("topic"))?;
    Ok(store::drafts(conn, id)
        .await?
        .into_iter()
        .map(draft)
        .collect())
}
