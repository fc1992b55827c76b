//! The business rules of the case service a request can break. Breaking one answers 409 with
//! the rule's name in the problem's `rule` member; clients branch on these names, so they are
//! spelled here and nowhere else.

qmf_platform::rules! {
    /// Rules of the case service.
    pub enum Rule {
        /// A case is opened only for a youth office the directory lists as active.
        CaseRequiresActiveYouthOffice = "case_requires_active_youth_office",
        /// An id of an integrating system names one case per youth office.
        ExternalIdUnique = "external_id_unique",
        /// Archived cases never change.
        ArchivedCaseIsReadOnly = "archived_case_is_read_only",
        /// Closed cases keep their base data.
        ClosedCaseIsReadOnly = "closed_case_is_read_only",
        /// The needs assessment is completed once, at intake.
        AssessmentOnlyAtIntake = "assessment_only_at_intake",
        /// A plan follows the needs assessment.
        PlanRequiresAssessment = "plan_requires_assessment",
        /// A new plan version waits until the provider answered the previous one.
        PlanAwaitingProvider = "plan_awaiting_provider",
        /// The provider answers only a plan version that waits for its answer.
        NoPlanAwaitingProvider = "no_plan_awaiting_provider",
        /// The provider of a plan is an active institution with a valid agreement.
        ProviderRequiresValidAgreement = "provider_requires_valid_agreement",
        /// The help starts once the provider accepted the plan.
        HelpStartRequiresAcceptedPlan = "help_start_requires_accepted_plan",
        /// Reviews are held while the help runs.
        ReviewRequiresRunningHelp = "review_requires_running_help",
        /// Only a running help ends.
        EndRequiresRunningHelp = "end_requires_running_help",
        /// A case with a help is closed after the help ended.
        CloseRequiresEndedHelp = "close_requires_ended_help",
        /// Closing without help is possible before a plan.
        CloseWithoutHelpOnlyBeforePlan = "close_without_help_only_before_plan",
        /// Only open cases are transferred.
        TransferRequiresOpenCase = "transfer_requires_open_case",
        /// One transfer at a time.
        TransferAlreadyPending = "transfer_already_pending",
        /// A transfer is answered only while one is offered.
        NoTransferPending = "no_transfer_pending",
        /// Only closed cases are reopened.
        ReopenOnlyClosed = "reopen_only_closed",
        /// Reopening is possible within the configured period after closing.
        ReopenWindowPassed = "reopen_window_passed",
    }
}

#[cfg(test)]
mod tests {
    use super::Rule;

    #[test]
    fn rule_names_are_distinct_snake_case() {
        qmf_platform::rules::assert_distinct_names(Rule::ALL);
    }
}
