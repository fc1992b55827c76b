//! The committee's business rules, each with the stable name a refused request carries in the
//! problem's `rule` (409). Declared once here; everything else refers to the variants.

qmf_platform::rules! {
    /// Rules of the committee service.
    pub enum Rule {
        // Bodies and working groups.
        /// A dissolved body gets no topics, meetings or memberships and is not dissolved again.
        BodyDissolved = "body_dissolved",
        /// Body names are unique.
        BodyNameUnique = "body_name_unique",
        /// A sub-group belongs to an active working group.
        ParentMustBeAnActiveWorkingGroup = "parent_must_be_an_active_working_group",
        /// The central bodies and the permanent working groups stay.
        OnlyTemporaryWorkingGroupsDissolve = "only_temporary_working_groups_dissolve",
        /// A working group with active sub-groups is not dissolved.
        DissolveSubGroupsFirst = "dissolve_sub_groups_first",

        // Memberships.
        /// Speakers (Sprecher/innen) belong to working groups.
        SpeakerOnlyInWorkingGroups = "speaker_only_in_working_groups",
        /// The management's youth office chairs the Forum and the steering group.
        ChairComesWithTheManagementTerm = "chair_comes_with_the_management_term",
        /// A seat names a person still working for the organisation.
        PersonInactive = "person_inactive",
        /// A person holds at most one seat at a time in a body; to change the role, the seat
        /// ends and a new one starts the day after.
        MembershipsDoNotOverlap = "memberships_do_not_overlap",
        /// Seats that come with a management term end with it.
        MembershipComesWithATerm = "membership_comes_with_a_term",
        /// A membership ends once.
        MembershipAlreadyEnded = "membership_already_ended",

        // Management terms.
        /// Only an active youth office holds the management.
        TermRequiresYouthOffice = "term_requires_youth_office",
        /// Terms never overlap.
        TermsDoNotOverlap = "terms_do_not_overlap",
        /// A term starts the day after the latest one ends.
        TermsWithoutGap = "terms_without_gap",
        /// A proposal needs a youth office the directory told about.
        NoYouthOfficeKnown = "no_youth_office_known",

        // Meetings.
        /// Invitations need an agenda.
        AgendaEmpty = "agenda_empty",
        /// The agenda changes only before the meeting is held.
        AgendaFixedAfterMeeting = "agenda_fixed_after_meeting",
        /// Invitations go out once.
        InvitationsAlreadySent = "invitations_already_sent",
        /// A held meeting is neither cancelled nor invited to again.
        MeetingAlreadyHeld = "meeting_already_held",
        /// A meeting with approved minutes, or a cancelled one, does not change.
        MeetingIsFinal = "meeting_is_final",
        /// A meeting takes place on its day (the regional calendar day, Europe/Berlin): before
        /// it, it cannot be marked held nor get minutes or decisions.
        MeetingDayNotReached = "meeting_day_not_reached",
        /// Minutes are written and approved after the meeting was held.
        MinutesRequireHeldMeeting = "minutes_require_held_meeting",
        /// Minutes are approved only when they were written.
        MinutesMissing = "minutes_missing",

        // Topics.
        /// Topics are drafted by a working group or raised by the steering group.
        TopicsComeFromWorkingGroupsOrTheSteeringGroup =
            "topics_come_from_working_groups_or_the_steering_group",
        /// The Forum's decision on a topic is final.
        TopicIsFinal = "topic_is_final",
        /// A step the topic's route does not have from its state.
        TransitionNotAllowed = "transition_not_allowed",
        /// A topic referred back is submitted again only with a new draft.
        NewDraftRequired = "new_draft_required",
        /// The draft changes only while the body it comes from holds the topic.
        DraftLocked = "draft_locked",
        /// Topics are scheduled on meetings of the Forum Jugendhilfe.
        MeetingNotOfForum = "meeting_not_of_forum",

        // Decisions.
        /// Only the Forum Jugendhilfe takes decisions.
        DecisionsBelongToTheForum = "decisions_belong_to_the_forum",
        /// Decisions are recorded in a Forum meeting that was held.
        ForumMeetingNotHeld = "forum_meeting_not_held",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use qmf_platform::RuleName;

    #[test]
    fn rule_names_are_distinct_snake_case() {
        qmf_platform::rules::assert_distinct_names(Rule::ALL);
        assert_eq!(Rule::ALL.len(), 31);
        assert_eq!(Rule::BodyDissolved.to_string(), Rule::BodyDissolved.name());
    }
}
