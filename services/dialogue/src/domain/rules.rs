//! The dialogue service's business rules, each with the stable name a refused request carries in
//! the problem's `rule` (409).

qmf_platform::rules! {
    /// Rules of the dialogue service.
    pub enum Rule {
        // Cycles.
        /// Only one cycle is open at a time.
        OneOpenCycle = "one_open_cycle",
        /// Cycles never overlap.
        CyclesDoNotOverlap = "cycles_do_not_overlap",
        /// A closed cycle does not change.
        CycleClosed = "cycle_closed",

        // Hosts.
        /// A host that left the cycle records nothing more.
        HostWithdrawn = "host_withdrawn",
        /// Host representatives are active directory people of the host's own organisation.
        RepresentativeOfOwnOrganization = "representative_of_own_organization",

        // Absences.
        /// Absences are recorded for active directory people.
        PersonUnknown = "person_unknown",

        // Planning.
        /// A plan needs at least one host that named its representatives.
        NothingToPlan = "nothing_to_plan",
        /// Every district of a host has its youth office among the hosts (the planner weighs
        /// the district youth office's presence).
        DistrictWithoutYouthOffice = "district_without_youth_office",
        /// Only a queued or running planning run can be cancelled.
        RunNotCancellable = "run_not_cancellable",
        /// Only a finished planning run's plan can be accepted.
        RunNotFinished = "run_not_finished",
        /// A plan is accepted only while it still keeps every hard rule on the cycle's
        /// current data.
        PlanOutdated = "plan_outdated",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_names_are_distinct() {
        qmf_platform::rules::assert_distinct_names(super::Rule::ALL);
    }
}
