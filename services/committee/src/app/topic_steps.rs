//! The steps on a topic's route (see `domain::topics`): submitting, deliberating, scheduling on
//! a Forum agenda, the Forum's decision, and taking a topic off an agenda again.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal, RuleName};
use uuid::Uuid;

use super::decisions::{check_forum_meeting, record};
use super::seats;
use super::topics::{facts, lock_checked, log_step, view};
use crate::domain::access::Actor;
use crate::domain::bodies::BodyKind;
use crate::domain::meetings as meeting_rules;
use crate::domain::rules::Rule;
use crate::domain::topics::{self as rules, ForumOutcome, Step, TopicFacts, TopicState};
use crate::model::topics::{Topic, TransitionInput};
use crate::store::topics::{self as store, Change, TopicRow};
use crate::store::{bodies as body_store, meetings as meeting_store, parse_code};

/// Takes `step` (checked against `input` by [`TransitionInput::step`]) on the topic's route:
/// scheduling adds the agenda item to a planned or invited Forum meeting; deciding records the
/// decision of adopting outcomes in the held Forum meeting. Every step is kept in the history
/// and publishes `committee.topic.transitioned.v1`.
#[tracing::instrument(skip_all, fields(topic_id = %id, action = step.action()))]
pub async fn take(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    step: Step,
    input: &TransitionInput,
) -> ApiResult<Topic> {
    let reason = input.reason.as_deref().map(str::trim);
    let (row, origin) = lock_checked(conn, id, if_match).await?;
    let actor = seats::topic_actor(conn, principal, &origin).await?;
    let before = facts(&row, &origin)?;
    let next = rules::step(before, step, actor)?;
    let mut change = Change {
        state: next,
        meeting_id: None,
        agenda_item_id: None,
        referred_at_draft: None,
    };
    match step {
        Step::ReferBack => change.referred_at_draft = Some(row.draft_number),
        Step::Schedule => {
            let meeting_id = input.meeting_id.unwrap_or_default();
            let meeting = meeting_store::lock(conn, meeting_id)
                .await?
                .ok_or_else(|| ApiError::validation("/meeting_id", "no such meeting"))?;
            let forum = body_store::central(conn, BodyKind::Forum).await?;
            if meeting.body_id != forum.id {
                return Err(Rule::MeetingNotOfForum
                    .conflict("topics are scheduled on a meeting of the Forum Jugendhilfe"));
            }
            meeting_rules::agenda_editable(parse_code(&meeting.state)?)?;
            let item =
                meeting_store::add_item(conn, meeting.id, &row.title, true, Some(row.id)).await?;
            meeting_store::touch(conn, meeting.id, None).await?;
            change.meeting_id = Some(meeting.id);
            change.agenda_item_id = Some(item.id);
        }
        Step::Decide(outcome) => {
            let meeting_id = row
                .meeting_id
                .ok_or_else(|| ApiError::internal("scheduled topic without meeting"))?;
            let meeting = meeting_store::lock(conn, meeting_id)
                .await?
                .ok_or_else(|| ApiError::internal("topic's meeting missing"))?;
            check_forum_meeting(conn, &meeting).await?;
            if let Some(decision) = &input.decision {
                record(conn, &meeting, Some(row.id), decision, &principal.subject).await?;
            }
            match outcome {
                ForumOutcome::Adopted
                | ForumOutcome::AdoptedWithChanges
                | ForumOutcome::Rejected => {
                    change.meeting_id = row.meeting_id;
                    change.agenda_item_id = row.agenda_item_id;
                }
                ForumOutcome::ReferredBack => change.referred_at_draft = Some(row.draft_number),
                ForumOutcome::Postponed => {}
            }
        }
        Step::Submit | Step::Forward | Step::Unschedule => {}
    }
    let after = store::apply(conn, &row, change).await?;
    // Decisions name the meeting even when the topic leaves its agenda.
    let logged = TopicRow {
        meeting_id: after.meeting_id.or(match step {
            Step::Decide(_) => row.meeting_id,
            _ => None,
        }),
        ..after.clone()
    };
    log_step(
        conn,
        Some(before.state),
        &logged,
        step.action(),
        reason,
        &principal.subject,
    )
    .await?;
    view(conn, after).await
}

/// Takes a scheduled topic off a meeting that was cancelled or whose agenda item was removed:
/// back to `forwarded`, so the management can schedule it again.
#[tracing::instrument(skip_all, fields(topic_id = %row.id, meeting_id = %meeting_id))]
pub(crate) async fn unschedule(
    conn: &mut AsyncPgConnection,
    row: &TopicRow,
    meeting_id: Uuid,
    reason: &str,
    actor: &str,
) -> ApiResult<()> {
    let next = rules::step(
        TopicFacts {
            state: parse_code(&row.state)?,
            origin_is_steering_group: false,
            draft_number: row.draft_number,
            referred_at_draft: row.referred_at_draft,
        },
        Step::Unschedule,
        Actor::default(),
    )?;
    let after = store::apply(
        conn,
        row,
        Change {
            state: next,
            meeting_id: None,
            agenda_item_id: None,
            referred_at_draft: None,
        },
    )
    .await?;
    let logged = TopicRow {
        meeting_id: Some(meeting_id),
        ..after
    };
    log_step(
        conn,
        Some(TopicState::Scheduled),
        &logged,
        Step::Unschedule.action(),
        Some(reason),
        actor,
    )
    .await
}

/// Unschedules every topic on a cancelled meeting.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub(crate) async fn unschedule_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    actor: &str,
) -> ApiResult<()> {
    for row in store::scheduled_on(conn, meeting_id).await? {
        unschedule(conn, &row, meeting_id, "the meeting was cancelled", actor).await?;
    }
    Ok(())
}
