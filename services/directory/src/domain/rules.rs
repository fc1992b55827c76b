//! The directory's rules a request can break (409 with the rule's name).

qmf_platform::rules! {
    /// Every rule of the directory, by the name clients see in a 409 problem's `rule`.
    pub enum Rule {
        /// Organisation names are unique, ignoring case.
        OrganizationNameUnique = "organization_name_unique",
        /// A district has one active youth office.
        OneYouthOfficePerDistrict = "one_youth_office_per_district",
        /// An organisation has at most one running agreement of each kind.
        OneRunningAgreementPerKind = "one_running_agreement_per_kind",
        /// People and agreements are added only to active organisations.
        OrganizationInactive = "organization_inactive",
        /// A deactivated organisation cannot be deactivated again.
        OrganizationAlreadyInactive = "organization_already_inactive",
        /// A person whose active period has an end cannot be deactivated again.
        PersonAlreadyInactive = "person_already_inactive",
        /// A terminated agreement cannot be terminated again.
        AgreementAlreadyTerminated = "agreement_already_terminated",
        ConfirmedByItsLeader = "confirmed_by_its_leader",
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
