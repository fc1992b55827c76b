//! Decisions (Beschlüsse) of the Forum: taken in a held Forum meeting; setting up or
//! dissolving a working group happens in the same transaction as the decision.

use qmf_platform::{ApiError, RuleName};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::meetings::MeetingState;
use super::rules::Rule;

/// Kind of decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// Richtlinie.
    Guideline,
    /// Empfehlung.
    Recommendation,
    /// Sets up a working group (given in `working_group`).
    EstablishWorkingGroup,
    /// Dissolves the working group `body_id` and ends its memberships.
    DissolveWorkingGroup,
    /// An expert day (Fachtag) or another joint event.
    Event,
    Other,
}

/// Decisions are taken by the Forum in a meeting that was held (minutes may still be open).
pub fn meeting_can_decide(is_forum: bool, state: MeetingState) -> Result<(), ApiError> {
    if !is_forum {
        return Err(
            Rule::DecisionsBelongToTheForum.conflict("only the Forum Jugendhilfe takes decisions")
        );
    }
    match state {
        MeetingState::Held => Ok(()),
        MeetingState::MinutesApproved => Err(Rule::MeetingIsFinal
            .conflict("the meeting's minutes are approved; its decisions are complete")),
        _ => Err(Rule::ForumMeetingNotHeld
            .conflict("decisions are recorded in a Forum meeting that was held")),
    }
}

/// An adopting outcome needs the decision's content; the others must not carry one.
pub fn decision_matches_outcome(adopting: bool, has_decision: bool) -> Result<(), ApiError> {
    match (adopting, has_decision) {
        (true, false) => Err(ApiError::validation(
            "/decision",
            "is required when the Forum adopts the topic",
        )),
        (false, true) => Err(ApiError::validation(
            "/decision",
            "is only recorded when the Forum adopts the topic",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(r: Result<(), ApiError>) -> String {
        match r {
            Ok(()) => "ok".into(),
            Err(ApiError::Conflict { rule, .. }) => rule,
            Err(ApiError::Validation(errors)) => errors[0].pointer.clone(),
            Err(other) => format!("{other:?}"),
        }
    }

    #[test]
    fn forum_decides_in_held_meetings() {
        assert_eq!(rule(meeting_can_decide(true, MeetingState::Held)), "ok");
        assert_eq!(
            rule(meeting_can_decide(false, MeetingState::Held)),
            Rule::DecisionsBelongToTheForum.name()
        );
        assert_eq!(
            rule(meeting_can_decide(true, MeetingState::Invited)),
            Rule::ForumMeetingNotHeld.name()
        );
        assert_eq!(
            rule(meeting_can_decide(true, MeetingState::MinutesApproved)),
            Rule::MeetingIsFinal.name()
        );
        assert_eq!(rule(decision_matches_outcome(true, false)), "/decision");
        assert_eq!(rule(decision_matches_outcome(false, true)), "/decision");
        assert_eq!(rule(decision_matches_outcome(false, false)), "ok");
    }
}
