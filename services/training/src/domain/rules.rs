//! The training service's business rules, each with the stable name a refused request carries
//! in the problem's `rule` (409).

qmf_platform::rules! {
    /// Rules of the training service.
    pub enum Rule {
        /// Sessions are scheduled for existing courses.
        CourseUnknown = "course_unknown",
        /// Trainers are active directory people of an education provider.
        TrainerUnknown = "trainer_unknown",
        /// A session realises an expert-day proposal the service received.
        ProposalUnknown = "proposal_unknown",
        /// Only a session of an expert-day course realises an expert-day proposal.
        ProposalNeedsExpertDay = "proposal_needs_expert_day",
        /// A session keeps its course and its expert-day proposal.
        SessionCourseFixed = "session_course_fixed",
        /// A session never has fewer seats than are confirmed or offered.
        CapacityBelowTaken = "capacity_below_taken",
        /// A cancelled session changes no more.
        SessionCancelled = "session_cancelled",
        /// Registration is possible only inside the session's registration window.
        RegistrationClosed = "registration_closed",
        /// Registrations are for active directory people of a youth office or an institution.
        PersonUnknown = "person_unknown",
        /// A person registers once per session.
        AlreadyRegistered = "already_registered",
        /// After the cancellation deadline only the organiser cancels a registration.
        CancellationDeadlinePassed = "cancellation_deadline_passed",
        /// Only an offered seat can be accepted.
        NotOffered = "registration_not_offered",
        /// An offer is accepted only before it expires.
        OfferExpired = "offer_expired",
        /// A cancelled or expired registration changes no more.
        RegistrationEnded = "registration_ended",
        /// Only a registration waiting for its leader is approved or rejected.
        NotPendingApproval = "registration_not_pending_approval",
        /// Manual offers and moves in the waiting list are for waiting registrations.
        NotWaitlisted = "registration_not_waitlisted",
        /// An offer needs a seat that is neither confirmed nor offered.
        NoFreeSeat = "no_free_seat",
        /// Attendance is recorded for the session's own days.
        DayNotInSession = "day_not_in_session",
        /// Attendance is recorded on or after the day, not before.
        AttendanceBeforeTheDay = "attendance_before_the_day",
        /// Attendance is recorded for the session's confirmed participants.
        NotAParticipant = "not_a_participant",
        /// Only courses completed by attendance or excused parts made up take make-ups.
        MakeUpNotAllowed = "make_up_not_allowed",
        /// A make-up is recorded for a day the participant was excused.
        DayNotExcused = "day_not_excused",
        /// A make-up is recorded once it took place.
        MakeUpInTheFuture = "make_up_in_the_future",
        /// A registration has at most one valid certificate.
        CertificateValid = "certificate_valid",
        /// Certificates are issued for completed registrations only.
        NotCompleted = "not_completed",
        /// A revoked certificate stays revoked.
        CertificateRevoked = "certificate_revoked",
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn rule_names_are_distinct() {
        qmf_platform::rules::assert_distinct_names(super::Rule::ALL);
    }
}
