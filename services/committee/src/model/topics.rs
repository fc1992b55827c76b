//! Topics (Vorlagen) with their drafts and history, and the steps a client asks for.

use chrono::{DateTime, Utc};
use qmf_platform::{ApiError, ApiResult, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::decisions::{Decision, DecisionInput};
use crate::domain::topics::{ForumOutcome, Step, TopicState, needs_reason};
use crate::store::parse_code;
use crate::store::topics::{DraftRow, HistoryRow, TopicRow};

/// A topic with its current draft.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937d00-0000-7000-8000-000000000005", "origin_body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "state": "scheduled", "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "text": "Das Forum empfiehlt …",
    "draft_number": 2, "meeting_id": "01937c00-0000-7000-8000-000000000003", "agenda_item_id": "01937c01-0000-7000-8000-000000000004",
    "finding_id": null, "decisions": [], "version": 6, "created_at": "2027-01-10T08:00:00Z", "updated_at": "2027-02-20T10:30:00Z"}))]
pub struct Topic {
    pub id: Uuid,
    /// The working group that drafts it, or the steering group for topics it raised.
    pub origin_body_id: Uuid,
    pub state: TopicState,
    /// Title of the current draft.
    pub title: String,
    /// Text of the current draft.
    pub text: String,
    /// Number of the current draft (1, 2, …).
    pub draft_number: i32,
    /// The Forum meeting whose agenda carries (or carried, once decided) the topic.
    pub meeting_id: Option<Uuid>,
    pub agenda_item_id: Option<Uuid>,
    /// The escalated quality-dialogue finding it came from.
    pub finding_id: Option<Uuid>,
    /// The Forum's decisions on it.
    pub decisions: Vec<Decision>,
    /// For `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A topic in a list (without its text).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937d00-0000-7000-8000-000000000005", "origin_body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "state": "submitted", "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "draft_number": 2, "meeting_id": null,
    "finding_id": null, "version": 5, "updated_at": "2027-02-20T10:30:00Z"}))]
pub struct TopicSummary {
    pub id: Uuid,
    pub origin_body_id: Uuid,
    pub state: TopicState,
    pub title: String,
    pub draft_number: i32,
    pub meeting_id: Option<Uuid>,
    pub finding_id: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// A topic in a list.
pub fn summary(row: TopicRow) -> ApiResult<TopicSummary> {
    Ok(TopicSummary {
        id: row.id,
        origin_body_id: row.origin_body_id,
        state: parse_code(&row.state)?,
        title: row.title,
        draft_number: row.draft_number,
        meeting_id: row.meeting_id,
        finding_id: row.finding_id,
        version: row.version,
        updated_at: row.updated_at,
    })
}

/// Title and text of a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie",
    "text": "Das Forum empfiehlt den Jugendämtern und Kliniken, gemeinsame Fallkonferenzen …"}))]
pub struct DraftInput {
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// 1 to 50,000 characters.
    #[schema(min_length = 1, max_length = 50000)]
    pub text: String,
}

impl DraftInput {
    /// Title 1 to 300, text 1 to 50,000 characters.
    pub fn validate(&self) -> ApiResult<()> {
        let mut errors = Vec::new();
        if !(1..=300).contains(&self.title.trim().chars().count()) {
            errors.push(FieldError::new("/title", "must have 1 to 300 characters"));
        }
        if !(1..=50_000).contains(&self.text.trim().chars().count()) {
            errors.push(FieldError::new("/text", "must have 1 to 50000 characters"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// One step in a topic's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"action": "refer_back", "from_state": "submitted", "to_state": "referred_back", "draft_number": 1,
    "meeting_id": null, "reason": "Bitte die Rolle der Kliniken konkretisieren.", "actor": "01936f40-0000-7000-8000-000000000007",
    "at": "2027-02-03T15:12:00Z"}))]
pub struct HistoryEntry {
    /// draft, raise, escalate, new_draft, submit, forward, refer_back, schedule, unschedule or decide.
    pub action: String,
    pub from_state: Option<TopicState>,
    pub to_state: TopicState,
    /// The draft the step was about.
    pub draft_number: i32,
    pub meeting_id: Option<Uuid>,
    pub reason: Option<String>,
    /// Token subject of who acted (`/qmf/dialogue` for escalated findings).
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// The history entry of a stored step.
pub fn history_entry(row: HistoryRow) -> ApiResult<HistoryEntry> {
    Ok(HistoryEntry {
        action: row.action,
        from_state: row.from_state.as_deref().map(parse_code).transpose()?,
        to_state: parse_code(&row.to_state)?,
        draft_number: row.draft_number,
        meeting_id: row.meeting_id,
        reason: row.reason,
        actor: row.actor,
        at: row.at,
    })
}

/// One version of a topic's draft.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"number": 2, "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie",
    "text": "Das Forum empfiehlt gemeinsame Fallkonferenzen …", "created_by": "01936f40-0000-7000-8000-000000000003",
    "created_at": "2027-02-10T09:12:00Z"}))]
pub struct Draft {
    pub number: i32,
    pub title: String,
    pub text: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A stored draft.
pub fn draft(row: DraftRow) -> Draft {
    Draft {
        number: row.number,
        title: row.title,
        text: row.text,
        created_by: row.created_by,
        created_at: row.created_at,
    }
}

/// A step a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicAction {
    /// The working group's speaker submits the current draft to the steering group.
    Submit,
    /// The steering group forwards the topic to the Forum (through the management).
    Forward,
    /// The steering group refers it back to the working group (`reason` required).
    ReferBack,
    /// The management puts it on a planned Forum meeting's agenda (`meeting_id` required).
    Schedule,
    /// The management records the Forum's decision (`outcome` required; `decision` for adopting outcomes).
    Decide,
}

/// A step on a topic's route.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TopicTransitionInput)]
#[schema(example = json!({"action": "decide", "outcome": "adopted",
    "decision": {"kind": "establish_working_group", "title": "Einrichtung AK Inklusion", "text": "Das Forum richtet den befristeten AK Inklusion ein.",
        "working_group": {"name": "AK Inklusion", "permanent": false, "mandate": "Empfehlungen zur inklusiven Jugendhilfe."}}}))]
pub struct TransitionInput {
    pub action: TopicAction,
    /// Required for `refer_back`, and for `decide` with `referred_back` or `adopted_with_changes`
    /// (what changed); 1 to 4000 characters.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 4000)]
    pub reason: Option<String>,
    /// The Forum meeting, for `schedule`.
    #[serde(default)]
    pub meeting_id: Option<Uuid>,
    /// The Forum's outcome, for `decide`.
    #[serde(default)]
    pub outcome: Option<ForumOutcome>,
    /// The decision's content, for `decide` with `adopted` or `adopted_with_changes`.
    #[serde(default)]
    pub decision: Option<DecisionInput>,
}

impl TransitionInput {
    /// The step asked for, after checking which fields belong to it.
    pub fn step(&self) -> ApiResult<Step> {
        let mut errors = Vec::new();
        let step = match self.action {
            TopicAction::Submit => Step::Submit,
            TopicAction::Forward => Step::Forward,
            TopicAction::ReferBack => Step::ReferBack,
            TopicAction::Schedule => Step::Schedule,
            TopicAction::Decide => match self.outcome {
                Some(outcome) => Step::Decide(outcome),
                None => {
                    errors.push(FieldError::new("/outcome", "is required to decide"));
                    Step::Decide(ForumOutcome::Postponed)
                }
            },
        };
        let schedule = step == Step::Schedule;
        match (self.meeting_id.is_some(), schedule) {
            (false, true) => errors.push(FieldError::new("/meeting_id", "is required to schedule")),
            (true, false) => {
                errors.push(FieldError::new("/meeting_id", "is only given to schedule"))
            }
            _ => {}
        }
        if self.outcome.is_some() && !matches!(step, Step::Decide(_)) {
            errors.push(FieldError::new("/outcome", "is only given to decide"));
        }
        match (&self.reason, needs_reason(step)) {
            (None, true) => errors.push(FieldError::new("/reason", "is required for this step")),
            (Some(reason), _) if !(1..=4000).contains(&reason.trim().chars().count()) => {
                errors.push(FieldError::new("/reason", "must have 1 to 4000 characters"))
            }
            _ => {}
        }
        let adopting = matches!(
            step,
            Step::Decide(ForumOutcome::Adopted | ForumOutcome::AdoptedWithChanges)
        );
        if let Err(ApiError::Validation(mut more)) =
            crate::domain::decisions::decision_matches_outcome(adopting, self.decision.is_some())
        {
            errors.append(&mut more);
        }
        if let Some(decision) = &self.decision {
            errors.extend(decision.validate("/decision"));
        }
        if errors.is_empty() {
            Ok(step)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}
