//! Who may do what in the committee service: every permission decision, in one place.
//!
//! Reading bodies, memberships, meetings, topics, decisions, people and terms is open to every
//! authenticated caller (the OParl interface even without a token). The management's office
//! (`committee_secretary`) and admins run the business: bodies, memberships, terms, meetings,
//! minutes and decisions without a topic. Topics follow their route by seats: what a caller may
//! do with a topic, and whether they may read the minutes of a closed meeting, also depends on
//! the seats they hold today (looked up by `app::seats`). A seat names a person (the token's
//! subject) or only an organisation (the token's `org`), whose staff then act for it.

use qmf_platform::{ApiError, Principal, Role};
use uuid::Uuid;

use super::topics::Step;

/// The roles that run the committee's business.
const SECRETARIAT: &[Role] = &[Role::Admin, Role::CommitteeSecretary];

/// Setting up and dissolving working groups (e.g. after the Forum decided it).
pub fn require_body_manager(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(SECRETARIAT)
}

/// Recording and ending memberships.
pub fn require_membership_manager(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(SECRETARIAT)
}

/// Recording the next management term.
pub fn require_term_manager(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(SECRETARIAT)
}

/// Planning meetings, their agenda, invitations and state changes.
pub fn require_meeting_planner(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(SECRETARIAT)
}

/// Recording attendance and writing minutes.
pub fn require_minutes_writer(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(SECRETARIAT)
}

/// Recording a decision of the Forum that has no topic (decisions on topics are the topic's
/// `decide` step, see [`require_step`]).
pub fn require_decision_recorder(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(SECRETARIAT)
}

/// A person's consent to publication: the person themselves (token subject = person id), the
/// committee secretary or admins.
pub fn require_consent_recorder(principal: &Principal, person_id: Uuid) -> Result<(), ApiError> {
    let own = Uuid::parse_str(&principal.subject).ok() == Some(person_id);
    if own || principal.has_any_role(SECRETARIAT) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the person, the committee secretary or admins record this consent".into(),
        ))
    }
}

/// Whether a seat with this role (as stored) makes its holder a member who acts for the body:
/// chair, deputy, speaker or member, not a guest or an invited expert.
pub fn acts_for_body(role: &str) -> bool {
    matches!(role, "chair" | "deputy" | "speaker" | "member")
}

/// Who asks for a meeting's minutes, as far as reading them is concerned.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MinutesReader {
    /// Role `admin`.
    pub admin: bool,
    /// The overall coordination: role `coordinator`.
    pub coordination: bool,
    /// The management: its office (role `committee_secretary`), a member (chair, deputy,
    /// speaker, member) of the management body, or staff of the youth office holding the
    /// current management term.
    pub management: bool,
    /// Holds a seat in the meeting's body today: one naming the person, or one of their
    /// organisation without a named person (its staff act for it).
    pub member_of_body: bool,
}

impl MinutesReader {
    /// Whether the caller reads every meeting's minutes, whatever the body.
    pub fn reads_all(self) -> bool {
        self.admin || self.coordination || self.management
    }
}

/// What the caller's roles alone say about reading minutes.
pub fn minutes_reader_by_roles(principal: &Principal) -> MinutesReader {
    MinutesReader {
        admin: principal.has_role(Role::Admin),
        coordination: principal.has_role(Role::Coordinator),
        management: principal.has_role(Role::CommitteeSecretary),
        member_of_body: false,
    }
}

/// The caller's standing for the minutes of `body`'s meetings, from the roles and the seats
/// held today in that body and in the management body (`seats`: body and role).
pub fn minutes_reader(
    principal: &Principal,
    body: Uuid,
    management: Uuid,
    seats: &[(Uuid, String)],
) -> MinutesReader {
    let mut reader = minutes_reader_by_roles(principal);
    reader.member_of_body = seats.iter().any(|(seat_body, _)| *seat_body == body);
    reader.management |= seats
        .iter()
        .any(|(seat_body, role)| *seat_body == management && acts_for_body(role));
    reader
}

/// Staff of the youth office holding the current management term (`term_holder`) count as the
/// management.
pub fn with_management_term(
    mut reader: MinutesReader,
    principal: &Principal,
    term_holder: Option<Uuid>,
) -> MinutesReader {
    reader.management |= term_holder.is_some() && principal.organization == term_holder;
    reader
}

/// Minutes of a public meeting are as public as the meeting. Those of a closed meeting are for
/// the body's members, the management, the coordination and admins.
pub fn minutes_readable(meeting_public: bool, reader: MinutesReader) -> bool {
    meeting_public || reader.reads_all() || reader.member_of_body
}

/// 403 unless the reader may read the meeting's minutes (the meeting itself is no secret).
pub fn require_minutes_readable(
    meeting_public: bool,
    reader: MinutesReader,
) -> Result<(), ApiError> {
    if minutes_readable(meeting_public, reader) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "the minutes of a closed meeting are for the members of its body, the management, \
             the coordination and admins"
                .into(),
        ))
    }
}

/// What the acting person is, as far as one topic is concerned. Derived from current
/// memberships and from the token's roles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Actor {
    /// Speaker (Sprecher/in) of the body the topic comes from.
    pub speaker_of_origin: bool,
    /// Chair, deputy, speaker or member of the body the topic comes from.
    pub member_of_origin: bool,
    /// Chair, deputy or member of the steering group.
    pub steering_group_member: bool,
    /// The management: its office (role `committee_secretary`) or a member of the management body.
    pub management: bool,
}

/// The caller as an actor on a topic from `origin`, from the seats held today in the origin
/// body, the steering group and the management body (`seats`: body and role).
pub fn topic_actor(
    principal: &Principal,
    origin: Uuid,
    steering_group: Uuid,
    management: Uuid,
    seats: &[(Uuid, String)],
) -> Actor {
    let mut actor = Actor {
        management: principal.has_role(Role::CommitteeSecretary),
        ..Actor::default()
    };
    for (body, role) in seats {
        if *body == origin {
            actor.member_of_origin |= acts_for_body(role);
            actor.speaker_of_origin |= role == "speaker";
        }
        if *body == steering_group {
            actor.steering_group_member |= acts_for_body(role);
        }
        if *body == management {
            actor.management |= acts_for_body(role);
        }
    }
    actor
}

/// How a new topic starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicStart {
    /// A working group drafts it.
    Draft,
    /// The steering group raises it.
    Raise,
}

/// A working group's members draft its topics; the steering group's members raise theirs.
pub fn require_topic_starter(start: TopicStart, actor: Actor) -> Result<(), ApiError> {
    let allowed = match start {
        TopicStart::Draft => actor.member_of_origin,
        TopicStart::Raise => actor.steering_group_member,
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only members of the body draft or raise its topics".into(),
        ))
    }
}

/// The members of the body a topic comes from write its drafts.
pub fn require_draft_writer(origin_is_steering_group: bool, actor: Actor) -> Result<(), ApiError> {
    let holder = if origin_is_steering_group {
        actor.steering_group_member
    } else {
        actor.member_of_origin
    };
    if holder {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only members of the body the topic comes from write its drafts".into(),
        ))
    }
}

/// Who takes a step on a topic's route: the working group's speaker submits (the steering
/// group's members for its own topics), the steering group deliberates, the management
/// schedules and records the Forum's decisions. Unscheduling follows a meeting's cancellation.
pub fn require_step(
    step: Step,
    origin_is_steering_group: bool,
    actor: Actor,
) -> Result<(), ApiError> {
    let (allowed, refusal) = match step {
        Step::Submit if origin_is_steering_group => (
            actor.steering_group_member,
            "only the working group's speaker submits its topics to the steering group",
        ),
        Step::Submit => (
            actor.speaker_of_origin,
            "only the working group's speaker submits its topics to the steering group",
        ),
        Step::Forward | Step::ReferBack => (
            actor.steering_group_member,
            "only members of the steering group deliberate topics",
        ),
        Step::Schedule => (
            actor.management,
            "the management puts topics on the Forum's agenda",
        ),
        Step::Decide(_) => (
            actor.management,
            "the management records the Forum's decisions",
        ),
        Step::Unschedule => (true, ""),
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(refusal.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::topics::ForumOutcome;

    fn principal(subject: &str, roles: Vec<Role>, org: Option<Uuid>) -> Principal {
        Principal {
            subject: subject.into(),
            organization: org,
            roles,
        }
    }

    #[test]
    fn the_secretariat_runs_the_business() {
        type Check = fn(&Principal) -> Result<(), ApiError>;
        let checks: [Check; 6] = [
            require_body_manager,
            require_membership_manager,
            require_term_manager,
            require_meeting_planner,
            require_minutes_writer,
            require_decision_recorder,
        ];
        for check in checks {
            assert!(check(&principal("s", vec![Role::Admin], None)).is_ok());
            assert!(check(&principal("s", vec![Role::CommitteeSecretary], None)).is_ok());
            for role in [Role::Coordinator, Role::YouthOfficeStaff, Role::Auditor] {
                assert!(matches!(
                    check(&principal("s", vec![role], Some(Uuid::now_v7()))),
                    Err(ApiError::Forbidden(_))
                ));
            }
        }
    }

    #[test]
    fn consent_is_the_persons_own_or_the_secretariats() {
        let person = Uuid::now_v7();
        let own = principal(&person.to_string(), vec![Role::InstitutionStaff], None);
        assert!(require_consent_recorder(&own, person).is_ok());
        assert!(require_consent_recorder(&own, Uuid::now_v7()).is_err());
        let secretary = principal("x", vec![Role::CommitteeSecretary], None);
        assert!(require_consent_recorder(&secretary, person).is_ok());
    }

    #[test]
    fn minutes_of_closed_meetings_are_for_members_management_coordination_and_admins() {
        let nobody = MinutesReader::default();
        assert!(minutes_readable(true, nobody), "public meeting");
        assert!(!minutes_readable(false, nobody));
        assert!(matches!(
            require_minutes_readable(false, nobody),
            Err(ApiError::Forbidden(_))
        ));
        for reader in [
            MinutesReader {
                admin: true,
                ..nobody
            },
            MinutesReader {
                coordination: true,
                ..nobody
            },
            MinutesReader {
                management: true,
                ..nobody
            },
            MinutesReader {
                member_of_body: true,
                ..nobody
            },
        ] {
            assert!(minutes_readable(false, reader), "{reader:?}");
            assert!(require_minutes_readable(false, reader).is_ok());
        }
        assert!(
            !MinutesReader {
                member_of_body: true,
                ..nobody
            }
            .reads_all()
        );
    }

    #[test]
    fn seats_and_the_term_make_minutes_readers() {
        let (body, management, office) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let staff = principal("s", vec![Role::YouthOfficeStaff], Some(office));
        let guest = minutes_reader(&staff, body, management, &[(body, "guest".into())]);
        assert!(guest.member_of_body && !guest.management);
        let manager = minutes_reader(&staff, body, management, &[(management, "member".into())]);
        assert!(manager.management && !manager.member_of_body);
        let management_guest = [(management, "guest".into())];
        assert!(!minutes_reader(&staff, body, management, &management_guest).reads_all());
        let nobody = minutes_reader(&staff, body, management, &[]);
        assert!(with_management_term(nobody, &staff, Some(office)).management);
        assert!(!with_management_term(nobody, &staff, Some(Uuid::now_v7())).management);
        assert!(!with_management_term(nobody, &staff, None).management);
        let secretary = principal("s", vec![Role::CommitteeSecretary], None);
        assert!(minutes_reader_by_roles(&secretary).reads_all());
    }

    #[test]
    fn seats_make_topic_actors() {
        let (origin, steering, management) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let staff = principal("s", vec![Role::InstitutionStaff], None);
        let actor =
            |seats: &[(Uuid, String)]| topic_actor(&staff, origin, steering, management, seats);
        let speaker = actor(&[(origin, "speaker".into())]);
        assert!(speaker.speaker_of_origin && speaker.member_of_origin);
        assert!(!actor(&[(origin, "guest".into())]).member_of_origin);
        assert!(actor(&[(steering, "deputy".into())]).steering_group_member);
        assert!(actor(&[(management, "chair".into())]).management);
        let secretary = principal("s", vec![Role::CommitteeSecretary], None);
        assert!(topic_actor(&secretary, origin, steering, management, &[]).management);
    }

    #[test]
    fn steps_need_their_actor() {
        let speaker = Actor {
            speaker_of_origin: true,
            member_of_origin: true,
            ..Actor::default()
        };
        let steering = Actor {
            steering_group_member: true,
            ..Actor::default()
        };
        let management = Actor {
            management: true,
            ..Actor::default()
        };
        assert!(require_step(Step::Submit, false, speaker).is_ok());
        assert!(require_step(Step::Submit, true, speaker).is_err());
        assert!(require_step(Step::Submit, true, steering).is_ok());
        assert!(require_step(Step::Forward, false, steering).is_ok());
        assert!(require_step(Step::ReferBack, false, management).is_err());
        assert!(require_step(Step::Schedule, false, management).is_ok());
        assert!(require_step(Step::Decide(ForumOutcome::Adopted), false, steering).is_err());
        assert!(require_step(Step::Unschedule, false, Actor::default()).is_ok());
        assert!(require_topic_starter(TopicStart::Draft, speaker).is_ok());
        assert!(require_topic_starter(TopicStart::Raise, speaker).is_err());
        assert!(require_draft_writer(false, speaker).is_ok());
        assert!(require_draft_writer(true, speaker).is_err());
    }
}
