//! The regional help process as a state machine: which command is allowed in which phase.
//! Every refusal names the rule that failed, so integrating software can react to it.

use chrono::NaiveDate;
use qmf_platform::{ApiError, RuleName};

use super::codes::Phase;
use super::rules::Rule;

/// The commands that move a case through the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    CompleteAssessment,
    AgreePlan,
    RespondToPlan,
    StartHelp,
    HoldReview,
    EndHelp,
    Close,
    CloseWithoutHelp,
    RequestTransfer,
    AnswerTransfer,
    Reopen,
    UpdateBaseData,
}

/// What the rules need to know about a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseState {
    pub phase: Phase,
    pub transfer_pending: bool,
    /// The newest plan version waits for the provider's answer.
    pub plan_proposed: bool,
    /// The provider accepted the current plan.
    pub plan_accepted: bool,
    pub closed_on: Option<NaiveDate>,
    pub archived: bool,
}

/// How long after closing a case may be reopened instead of opening a new one.
#[derive(Debug, Clone, Copy)]
pub struct ProcessSettings {
    pub reopen_within_days: i64,
}

impl Default for ProcessSettings {
    fn default() -> Self {
        ProcessSettings {
            reopen_within_days: 365,
        }
    }
}

fn refuse(rule: Rule, detail: impl Into<String>) -> ApiError {
    rule.conflict(detail)
}

fn phase_name(phase: Phase) -> String {
    match serde_json::to_value(phase) {
        Ok(serde_json::Value::String(name)) => name,
        _ => format!("{phase:?}"),
    }
}

/// Checks `command` against the case and returns the phase the case is in afterwards.
pub fn apply(
    state: &CaseState,
    command: Command,
    today: NaiveDate,
    settings: ProcessSettings,
) -> Result<Phase, ApiError> {
    use Command::*;
    use Phase::*;
    if state.archived {
        return Err(refuse(
            Rule::ArchivedCaseIsReadOnly,
            "the case is archived; nothing can change any more",
        ));
    }
    let phase = state.phase;
    let wrong_phase = |rule: Rule, expected: &str| {
        refuse(
            rule,
            format!(
                "allowed only {expected}; the case is in phase {}",
                phase_name(phase)
            ),
        )
    };
    match command {
        CompleteAssessment => match phase {
            Intake => Ok(Assessed),
            _ => Err(wrong_phase(Rule::AssessmentOnlyAtIntake, "at intake")),
        },
        AgreePlan => match phase {
            Assessed | PlanAgreed => Ok(PlanAgreed),
            HelpRunning if state.plan_proposed => Err(refuse(
                Rule::PlanAwaitingProvider,
                "the newest plan version still waits for the provider's answer",
            )),
            HelpRunning => Ok(HelpRunning),
            _ => Err(wrong_phase(
                Rule::PlanRequiresAssessment,
                "after the needs assessment and while the help runs",
            )),
        },
        RespondToPlan => {
            if !state.plan_proposed {
                return Err(refuse(
                    Rule::NoPlanAwaitingProvider,
                    "no plan version waits for the provider's answer",
                ));
            }
            Ok(phase)
        }
        StartHelp => match phase {
            PlanAgreed if state.plan_accepted => Ok(HelpRunning),
            PlanAgreed => Err(refuse(
                Rule::HelpStartRequiresAcceptedPlan,
                "the provider has not accepted the help plan",
            )),
            _ => Err(wrong_phase(
                Rule::HelpStartRequiresAcceptedPlan,
                "once a plan is agreed",
            )),
        },
        HoldReview => match phase {
            HelpRunning => Ok(HelpRunning),
            _ => Err(wrong_phase(
                Rule::ReviewRequiresRunningHelp,
                "while the help runs",
            )),
        },
        EndHelp => match phase {
            HelpRunning => Ok(Ending),
            _ => Err(wrong_phase(
                Rule::EndRequiresRunningHelp,
                "while the help runs",
            )),
        },
        Close => match phase {
            Ending => Ok(Closed),
            _ => Err(wrong_phase(
                Rule::CloseRequiresEndedHelp,
                "after the help has ended",
            )),
        },
        CloseWithoutHelp => match phase {
            Intake | Assessed => Ok(Closed),
            _ => Err(wrong_phase(
                Rule::CloseWithoutHelpOnlyBeforePlan,
                "at intake or after the assessment",
            )),
        },
        RequestTransfer => match phase {
            Closed => Err(wrong_phase(
                Rule::TransferRequiresOpenCase,
                "while the case is open",
            )),
            _ if state.transfer_pending => Err(refuse(
                Rule::TransferAlreadyPending,
                "a transfer of responsibility is already waiting for an answer",
            )),
            _ => Ok(phase),
        },
        AnswerTransfer => {
            if state.transfer_pending {
                Ok(phase)
            } else {
                Err(refuse(
                    Rule::NoTransferPending,
                    "no transfer waits for an answer",
                ))
            }
        }
        Reopen => match (phase, state.closed_on) {
            (Closed, Some(closed_on)) => {
                if (today - closed_on).num_days() <= settings.reopen_within_days {
                    Ok(Intake)
                } else {
                    Err(refuse(
                        Rule::ReopenWindowPassed,
                        format!(
                            "a case can be reopened within {} days of closing; open a new case",
                            settings.reopen_within_days
                        ),
                    ))
                }
            }
            _ => Err(wrong_phase(Rule::ReopenOnlyClosed, "for closed cases")),
        },
        UpdateBaseData => match phase {
            Closed => Err(wrong_phase(
                Rule::ClosedCaseIsReadOnly,
                "while the case is open",
            )),
            _ => Ok(phase),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(phase: Phase) -> CaseState {
        CaseState {
            phase,
            transfer_pending: false,
            plan_proposed: false,
            plan_accepted: false,
            closed_on: None,
            archived: false,
        }
    }

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn rule(result: Result<Phase, ApiError>) -> String {
        match result {
            Err(ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        }
    }

    impl PartialEq<Rule> for String {
        fn eq(&self, rule: &Rule) -> bool {
            self == rule.name()
        }
    }

    const TODAY: &str = "2026-11-23";

    fn run(s: &CaseState, c: Command) -> Result<Phase, ApiError> {
        apply(s, c, day(TODAY), ProcessSettings::default())
    }

    #[test]
    fn the_happy_path_runs_through_every_phase() {
        let mut s = state(Phase::Intake);
        s.phase = run(&s, Command::CompleteAssessment).unwrap_or(Phase::Intake);
        assert_eq!(s.phase, Phase::Assessed);
        s.phase = run(&s, Command::AgreePlan).unwrap_or(Phase::Intake);
        assert_eq!(s.phase, Phase::PlanAgreed);
        s.plan_accepted = true;
        s.phase = run(&s, Command::StartHelp).unwrap_or(Phase::Intake);
        assert_eq!(s.phase, Phase::HelpRunning);
        assert_eq!(run(&s, Command::HoldReview).ok(), Some(Phase::HelpRunning));
        s.phase = run(&s, Command::EndHelp).unwrap_or(Phase::Intake);
        assert_eq!(s.phase, Phase::Ending);
        assert_eq!(run(&s, Command::Close).ok(), Some(Phase::Closed));
    }

    #[test]
    fn steps_out_of_order_are_refused_with_their_rule() {
        assert_eq!(
            rule(run(&state(Phase::Intake), Command::AgreePlan)),
            Rule::PlanRequiresAssessment
        );
        assert_eq!(
            rule(run(&state(Phase::Assessed), Command::StartHelp)),
            Rule::HelpStartRequiresAcceptedPlan
        );
        assert_eq!(
            rule(run(&state(Phase::PlanAgreed), Command::StartHelp)),
            Rule::HelpStartRequiresAcceptedPlan
        );
        assert_eq!(
            rule(run(&state(Phase::PlanAgreed), Command::HoldReview)),
            Rule::ReviewRequiresRunningHelp
        );
        assert_eq!(
            rule(run(&state(Phase::Assessed), Command::EndHelp)),
            Rule::EndRequiresRunningHelp
        );
        assert_eq!(
            rule(run(&state(Phase::HelpRunning), Command::Close)),
            Rule::CloseRequiresEndedHelp
        );
        assert_eq!(
            rule(run(&state(Phase::HelpRunning), Command::CloseWithoutHelp)),
            Rule::CloseWithoutHelpOnlyBeforePlan
        );
        assert_eq!(
            rule(run(&state(Phase::Assessed), Command::CompleteAssessment)),
            Rule::AssessmentOnlyAtIntake
        );
        assert_eq!(
            rule(run(&state(Phase::Closed), Command::UpdateBaseData)),
            Rule::ClosedCaseIsReadOnly
        );
    }

    #[test]
    fn a_new_plan_version_waits_for_the_previous_answer() {
        let mut s = state(Phase::HelpRunning);
        assert_eq!(run(&s, Command::AgreePlan).ok(), Some(Phase::HelpRunning));
        s.plan_proposed = true;
        assert_eq!(
            rule(run(&s, Command::AgreePlan)),
            Rule::PlanAwaitingProvider
        );
        assert_eq!(
            run(&s, Command::RespondToPlan).ok(),
            Some(Phase::HelpRunning)
        );
        s.plan_proposed = false;
        assert_eq!(
            rule(run(&s, Command::RespondToPlan)),
            Rule::NoPlanAwaitingProvider
        );
    }

    #[test]
    fn closing_without_help_is_possible_before_a_plan() {
        assert_eq!(
            run(&state(Phase::Intake), Command::CloseWithoutHelp).ok(),
            Some(Phase::Closed)
        );
        assert_eq!(
            run(&state(Phase::Assessed), Command::CloseWithoutHelp).ok(),
            Some(Phase::Closed)
        );
    }

    #[test]
    fn transfers_one_at_a_time_and_only_for_open_cases() {
        let mut s = state(Phase::HelpRunning);
        assert_eq!(
            run(&s, Command::RequestTransfer).ok(),
            Some(Phase::HelpRunning)
        );
        assert_eq!(
            rule(run(&s, Command::AnswerTransfer)),
            Rule::NoTransferPending
        );
        s.transfer_pending = true;
        assert_eq!(
            rule(run(&s, Command::RequestTransfer)),
            Rule::TransferAlreadyPending
        );
        assert!(run(&s, Command::AnswerTransfer).is_ok());
        assert_eq!(
            rule(run(&state(Phase::Closed), Command::RequestTransfer)),
            Rule::TransferRequiresOpenCase
        );
    }

    #[test]
    fn reopening_only_within_the_window_and_never_when_archived() {
        let mut s = state(Phase::Closed);
        s.closed_on = Some(day("2026-01-01"));
        assert_eq!(run(&s, Command::Reopen).ok(), Some(Phase::Intake));
        s.closed_on = Some(day("2024-01-01"));
        assert_eq!(rule(run(&s, Command::Reopen)), Rule::ReopenWindowPassed);
        assert_eq!(
            rule(run(&state(Phase::HelpRunning), Command::Reopen)),
            Rule::ReopenOnlyClosed
        );
        s.archived = true;
        assert_eq!(rule(run(&s, Command::Reopen)), Rule::ArchivedCaseIsReadOnly);
    }
}
