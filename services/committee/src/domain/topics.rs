//! Topics (Vorlagen) and their route, as one explicit state machine:
//!
//! ```text
//! working group: draft ──submit (speaker)──▶ submitted ◀── raise / escalated finding (steering group)
//!                  ▲                            │
//!                  │ new draft, then submit     ├─forward (steering group)──▶ forwarded ──schedule (management)──▶ scheduled
//!                  └──── referred_back ◀────────┘ refer_back (steering group, reason)          ▲                        │
//!                              ▲                                                               │ postponed ◀────────────┤
//!                              └──────────── refer_back by the Forum (reason) ─────────────────┼────────────────────────┤
//!                                                                                              └── unschedule (meeting  │
//!                                                            adopted / adopted_with_changes / rejected ◀── decide ──────┘
//! ```
//!
//! Every step checks who acts in which body and the topic's version (ETag); the three
//! outcomes adopted, adopted with changes and rejected are final.

use qmf_platform::{ApiError, RuleName};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::access::{self, Actor};
use super::rules::Rule;

/// Where a topic stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicState {
    /// The working group drafts it.
    Draft,
    /// In the steering group's inbox, waiting for its deliberation.
    Submitted,
    /// Sent back to the working group (by the steering group or the Forum) for a new draft.
    ReferredBack,
    /// The steering group forwarded it; the management puts it on a Forum agenda.
    Forwarded,
    /// On the agenda of a Forum meeting.
    Scheduled,
    /// The Forum postponed it; the management schedules it again.
    Postponed,
    /// Final.
    Adopted,
    /// Final: adopted in a changed wording.
    AdoptedWithChanges,
    /// Final.
    Rejected,
}

impl TopicState {
    pub fn is_final(self) -> bool {
        matches!(
            self,
            TopicState::Adopted | TopicState::AdoptedWithChanges | TopicState::Rejected
        )
    }
}

/// What the Forum decided on a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForumOutcome {
    Adopted,
    AdoptedWithChanges,
    Rejected,
    Postponed,
    /// Back to the working group (reason required).
    ReferredBack,
}

/// A step on the route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The speaker submits the working group's draft to the steering group.
    Submit,
    /// The steering group forwards the topic to the Forum (through the management).
    Forward,
    /// The steering group refers it back to the working group.
    ReferBack,
    /// The management puts it on a Forum meeting's agenda.
    Schedule,
    /// The meeting was cancelled or the agenda item removed: back to forwarded.
    Unschedule,
    /// The Forum decided.
    Decide(ForumOutcome),
}

impl Step {
    /// Name in the history and in events.
    pub fn action(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Forward => "forward",
            Step::ReferBack => "refer_back",
            Step::Schedule => "schedule",
            Step::Unschedule => "unschedule",
            Step::Decide(_) => "decide",
        }
    }
}

/// Facts about the topic a step depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicFacts {
    pub state: TopicState,
    /// The topic was raised by the steering group itself (or escalated into its inbox).
    pub origin_is_steering_group: bool,
    pub draft_number: i32,
    pub referred_at_draft: Option<i32>,
}

/// The state after `step`, or why it is refused (403 for the wrong actor, see
/// [`access::require_step`]; 409 naming the rule).
pub fn step(facts: TopicFacts, step: Step, actor: Actor) -> Result<TopicState, ApiError> {
    use TopicState::*;
    if facts.state.is_final() {
        return Err(final_topic());
    }
    let next = match (step, facts.state) {
        (Step::Submit, Draft | ReferredBack) => {
            access::require_step(step, facts.origin_is_steering_group, actor)?;
            if facts.state == ReferredBack
                && facts
                    .referred_at_draft
                    .is_some_and(|at| facts.draft_number <= at)
            {
                return Err(Rule::NewDraftRequired.conflict(
                    "the topic was referred back: add a new draft before submitting it again",
                ));
            }
            Submitted
        }
        (Step::Forward | Step::ReferBack, Submitted) => {
            access::require_step(step, facts.origin_is_steering_group, actor)?;
            if step == Step::Forward {
                Forwarded
            } else {
                ReferredBack
            }
        }
        (Step::Schedule, Forwarded | Postponed) => {
            access::require_step(step, facts.origin_is_steering_group, actor)?;
            Scheduled
        }
        (Step::Unschedule, Scheduled) => Forwarded,
        (Step::Decide(outcome), Scheduled) => {
            access::require_step(step, facts.origin_is_steering_group, actor)?;
            match outcome {
                ForumOutcome::Adopted => Adopted,
                ForumOutcome::AdoptedWithChanges => AdoptedWithChanges,
                ForumOutcome::Rejected => Rejected,
                ForumOutcome::Postponed => Postponed,
                ForumOutcome::ReferredBack => ReferredBack,
            }
        }
        (step, state) => {
            return Err(Rule::TransitionNotAllowed.conflict(format!(
                "a topic in state {} cannot take the step {}",
                qmf_platform::codes::code(&state),
                step.action()
            )));
        }
    };
    Ok(next)
}

/// A new draft can be written while the origin body holds the topic.
pub fn draft_allowed(facts: TopicFacts, actor: Actor) -> Result<(), ApiError> {
    if facts.state.is_final() {
        return Err(final_topic());
    }
    access::require_draft_writer(facts.origin_is_steering_group, actor)?;
    match facts.state {
        TopicState::Draft | TopicState::ReferredBack => Ok(()),
        // A topic raised by the steering group stays in its hands until forwarded.
        TopicState::Submitted if facts.origin_is_steering_group => Ok(()),
        _ => Err(Rule::DraftLocked.conflict(
            "the draft is with the steering group or the Forum; it changes only after a referral back",
        )),
    }
}

fn final_topic() -> ApiError {
    Rule::TopicIsFinal.conflict("the Forum's decision on this topic is final")
}

/// Steps that need a reason.
pub fn needs_reason(step: Step) -> bool {
    matches!(
        step,
        Step::ReferBack
            | Step::Decide(ForumOutcome::ReferredBack)
            | Step::Decide(ForumOutcome::AdoptedWithChanges)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use TopicState::*;

    fn facts(state: TopicState) -> TopicFacts {
        TopicFacts {
            state,
            origin_is_steering_group: false,
            draft_number: 1,
            referred_at_draft: None,
        }
    }

    fn outcome(r: Result<TopicState, ApiError>) -> String {
        match r {
            Ok(state) => format!("{state:?}"),
            Err(ApiError::Conflict { rule, .. }) => rule,
            Err(ApiError::Forbidden(_)) => "forbidden".into(),
            Err(other) => format!("{other:?}"),
        }
    }

    const SPEAKER: Actor = Actor {
        speaker_of_origin: true,
        member_of_origin: true,
        steering_group_member: false,
        management: false,
    };
    const STEERING: Actor = Actor {
        speaker_of_origin: false,
        member_of_origin: false,
        steering_group_member: true,
        management: false,
    };
    const MANAGEMENT: Actor = Actor {
        speaker_of_origin: false,
        member_of_origin: false,
        steering_group_member: false,
        management: true,
    };

    #[test]
    fn the_route_with_its_actors() {
        assert_eq!(
            outcome(step(facts(Draft), Step::Submit, SPEAKER)),
            "Submitted"
        );
        let member = Actor {
            speaker_of_origin: false,
            ..SPEAKER
        };
        assert_eq!(
            outcome(step(facts(Draft), Step::Submit, member)),
            "forbidden"
        );
        assert_eq!(
            outcome(step(facts(Submitted), Step::Forward, STEERING)),
            "Forwarded"
        );
        assert_eq!(
            outcome(step(facts(Submitted), Step::Forward, SPEAKER)),
            "forbidden"
        );
        assert_eq!(
            outcome(step(facts(Submitted), Step::ReferBack, STEERING)),
            "ReferredBack"
        );
        assert_eq!(
            outcome(step(facts(Forwarded), Step::Schedule, MANAGEMENT)),
            "Scheduled"
        );
        assert_eq!(
            outcome(step(facts(Forwarded), Step::Schedule, STEERING)),
            "forbidden"
        );
        assert_eq!(
            outcome(step(facts(Postponed), Step::Schedule, MANAGEMENT)),
            "Scheduled"
        );
        assert_eq!(
            outcome(step(
                facts(Scheduled),
                Step::Decide(ForumOutcome::AdoptedWithChanges),
                MANAGEMENT
            )),
            "AdoptedWithChanges"
        );
        assert_eq!(
            outcome(step(
                facts(Scheduled),
                Step::Decide(ForumOutcome::ReferredBack),
                MANAGEMENT
            )),
            "ReferredBack"
        );
        assert_eq!(
            outcome(step(facts(Scheduled), Step::Unschedule, Actor::default())),
            "Forwarded"
        );
    }

    #[test]
    fn forbidden_shortcuts_and_final_states() {
        // The Forum cannot decide what is not on its agenda; the steering group cannot skip.
        assert_eq!(
            outcome(step(
                facts(Forwarded),
                Step::Decide(ForumOutcome::Adopted),
                MANAGEMENT
            )),
            Rule::TransitionNotAllowed.name()
        );
        assert_eq!(
            outcome(step(facts(Draft), Step::Forward, STEERING)),
            Rule::TransitionNotAllowed.name()
        );
        assert_eq!(
            outcome(step(facts(Submitted), Step::Schedule, MANAGEMENT)),
            Rule::TransitionNotAllowed.name()
        );
        for state in [Adopted, AdoptedWithChanges, Rejected] {
            for s in [
                Step::Submit,
                Step::Forward,
                Step::Schedule,
                Step::Decide(ForumOutcome::Postponed),
            ] {
                assert_eq!(
                    outcome(step(facts(state), s, MANAGEMENT)),
                    Rule::TopicIsFinal.name()
                );
            }
            assert!(draft_allowed(facts(state), SPEAKER).is_err());
        }
    }

    #[test]
    fn referral_back_needs_a_new_draft() {
        let referred = TopicFacts {
            state: ReferredBack,
            origin_is_steering_group: false,
            draft_number: 2,
            referred_at_draft: Some(2),
        };
        assert_eq!(
            outcome(step(referred, Step::Submit, SPEAKER)),
            Rule::NewDraftRequired.name()
        );
        let revised = TopicFacts {
            draft_number: 3,
            ..referred
        };
        assert_eq!(outcome(step(revised, Step::Submit, SPEAKER)), "Submitted");
        assert!(draft_allowed(referred, SPEAKER).is_ok());
        assert!(draft_allowed(facts(Submitted), SPEAKER).is_err());
        assert!(draft_allowed(facts(Draft), STEERING).is_err());
    }

    #[test]
    fn steering_group_topics() {
        let raised = TopicFacts {
            state: Submitted,
            origin_is_steering_group: true,
            draft_number: 1,
            referred_at_draft: None,
        };
        assert!(draft_allowed(raised, STEERING).is_ok());
        assert_eq!(outcome(step(raised, Step::Forward, STEERING)), "Forwarded");
        let referred = TopicFacts {
            state: ReferredBack,
            draft_number: 2,
            referred_at_draft: Some(1),
            ..raised
        };
        assert_eq!(outcome(step(referred, Step::Submit, STEERING)), "Submitted");
        assert!(needs_reason(Step::ReferBack));
        assert!(!needs_reason(Step::Forward));
    }
}
