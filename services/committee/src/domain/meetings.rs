//! Meetings: planned → invited → held → minutes approved, or cancelled before they are held.
//! The agenda can change until the meeting is held. The Forum meets twice a year.

use qmf_platform::ApiError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// State of a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingState {
    Planned,
    /// Invitations were sent.
    Invited,
    Held,
    /// Minutes (Protokoll) approved; final.
    MinutesApproved,
    Cancelled,
}

/// State changes a client can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeetingTransition {
    MarkHeld,
    ApproveMinutes,
    Cancel,
}

/// The state after `transition`, or the rule that refuses it.
pub fn transition(
    state: MeetingState,
    transition: MeetingTransition,
) -> Result<MeetingState, ApiError> {
    use MeetingState::*;
    use MeetingTransition::*;
    match (state, transition) {
        (Planned | Invited, MarkHeld) => Ok(Held),
        (Held, ApproveMinutes) => Ok(MinutesApproved),
        (Planned | Invited, Cancel) => Ok(Cancelled),
        (MinutesApproved | Cancelled, _) => Err(ApiError::conflict(
            "meeting_is_final",
            "the meeting's minutes are approved or it was cancelled",
        )),
        (Held, _) => Err(ApiError::conflict(
            "meeting_already_held",
            "the meeting was held",
        )),
        (Planned | Invited, ApproveMinutes) => Err(ApiError::conflict(
            "minutes_require_held_meeting",
            "minutes can be approved after the meeting was held",
        )),
    }
}

/// The agenda can change only before the meeting is held.
pub fn agenda_editable(state: MeetingState) -> Result<(), ApiError> {
    match state {
        MeetingState::Planned | MeetingState::Invited => Ok(()),
        _ => Err(ApiError::conflict(
            "agenda_fixed_after_meeting",
            "the agenda cannot change once the meeting was held or cancelled",
        )),
    }
}

/// The Forum meets at least this often per year.
pub const FORUM_MEETINGS_PER_YEAR: i64 = 2;

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(r: Result<MeetingState, ApiError>) -> String {
        match r {
            Err(ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn meeting_states() {
        use MeetingState::*;
        use MeetingTransition::*;
        assert_eq!(transition(Planned, MarkHeld).ok(), Some(Held));
        assert_eq!(transition(Held, ApproveMinutes).ok(), Some(MinutesApproved));
        assert_eq!(transition(Invited, Cancel).ok(), Some(Cancelled));
        assert_eq!(rule(transition(Held, Cancel)), "meeting_already_held");
        assert_eq!(
            rule(transition(Planned, ApproveMinutes)),
            "minutes_require_held_meeting"
        );
        assert_eq!(rule(transition(Cancelled, MarkHeld)), "meeting_is_final");
        assert!(agenda_editable(Invited).is_ok());
        assert!(agenda_editable(Held).is_err());
    }
}
