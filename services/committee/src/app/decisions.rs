//! The Forum's decisions: recorded in a held Forum meeting, with or without a topic; a decision
//! to set up or dissolve a working group does so in the same transaction.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, Page, not_found};
use uuid::Uuid;

use super::bodies::{dissolve_working_group, establish_working_group};
use super::meetings::check_meeting_day;
use crate::domain::bodies::BodyKind;
use crate::domain::decisions::{DecisionKind, meeting_can_decide};
use crate::events;
use crate::model::decisions::{Decision, DecisionInput, decision};
use crate::store::decisions::{self as store, DecisionFilter, DecisionRow, NewDecision};
use crate::store::meetings::{self as meeting_store, MeetingRow};
use crate::store::{bodies as body_store, parse_code};

/// Checks that `meeting` is a held Forum meeting whose day has come (a decision carries the
/// meeting's day, never a future one).
pub(crate) async fn check_forum_meeting(
    conn: &mut AsyncPgConnection,
    meeting: &MeetingRow,
) -> ApiResult<()> {
    let forum = body_store::central(conn, BodyKind::Forum).await?;
    meeting_can_decide(meeting.body_id == forum.id, parse_code(&meeting.state)?)?;
    check_meeting_day(conn, meeting).await
}

/// Records a decision: sets up or dissolves the working group it names, writes the register
/// entry and publishes `committee.decision.recorded.v1`. The caller checked the meeting with
/// [`check_forum_meeting`] and validated `input`.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting.id, topic_id = ?topic_id))]
pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    meeting: &MeetingRow,
    topic_id: Option<Uuid>,
    input: &DecisionInput,
    actor: &str,
) -> ApiResult<DecisionRow> {
    let decided_on = crate::store::regional_day(conn, meeting.starts_at).await?;
    let body_id = match input.kind {
        DecisionKind::EstablishWorkingGroup => match &input.working_group {
            Some(spec) => Some(
                establish_working_group(conn, &spec.as_new(decided_on))
                    .await?
                    .id,
            ),
            None => None,
        },
        DecisionKind::DissolveWorkingGroup => match input.body_id {
            Some(id) => {
                body_store::find(conn, id)
                    .await?
                    .ok_or_else(|| ApiError::validation("/decision/body_id", "no such body"))?;
                Some(dissolve_working_group(conn, id, decided_on, None).await?.id)
            }
            None => None,
        },
        _ => None,
    };
    let row = store::insert(
        conn,
        NewDecision {
            meeting_id: meeting.id,
            topic_id,
            kind: input.kind,
            title: input.title.trim(),
            text: input.text.trim(),
            decided_on,
            body_id,
            created_by: actor,
        },
    )
    .await?;
    events::decision_recorded(conn, &row).await?;
    Ok(row)
}

/// Records a decision of the Forum that has no topic, in the held meeting `meeting_id`.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn record_in_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    input: &DecisionInput,
    actor: &str,
) -> ApiResult<Decision> {
    let meeting = meeting_store::lock(conn, meeting_id)
        .await?
        .ok_or_else(|| not_found("meeting"))?;
    check_forum_meeting(conn, &meeting).await?;
    decision(record(conn, &meeting, None, input, actor).await?)
}

/// One page of the register, newest first; the cursor is (decided_on, id).
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &DecisionFilter<'_>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> ApiResult<Page<Decision>> {
    let rows = store::list(conn, filter, after, limit).await?;
    Page::from_rows(rows, limit, |row| (row.decided_on, row.id)).try_map(decision)
}

/// One decision.
#[tracing::instrument(skip_all, fields(decision_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Decision> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("decision"))?;
    decision(row)
}
