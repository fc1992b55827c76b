//! Events of the training service (QMF trainings).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::EventType;

pub const SOURCE: &str = "/qmf/training";

pub const COURSE_ADDED: &str = "training.course.added.v1";
pub const SESSION_SCHEDULED: &str = "training.session.scheduled.v1";
pub const SESSION_CANCELLED: &str = "training.session.cancelled.v1";
pub const SESSION_CHANGED: &str = "training.session.changed.v1";
pub const REGISTRATION_CONFIRMED: &str = "training.registration.confirmed.v1";
pub const REGISTRATION_WAITLISTED: &str = "training.registration.waitlisted.v1";
pub const REGISTRATION_OFFERED: &str = "training.registration.offered.v1";
pub const REGISTRATION_OFFER_EXPIRED: &str = "training.registration.offer_expired.v1";
pub const REGISTRATION_CANCELLED: &str = "training.registration.cancelled.v1";
pub const REGISTRATION_PENDING_APPROVAL: &str = "training.registration.pending_approval.v1";

/// A session of a course was scheduled, or changed (`training.session.changed.v1`, the whole
/// session as it is now): its days, where, how many seats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session_id": "01938200-0000-7000-8000-000000000011",
    "course_id": "01938200-0000-7000-8000-000000000001", "title": "Grundlagen der Kooperation",
    "topic": "guidelines", "days": ["2027-03-10", "2027-03-11"],
    "place": "Diakonische Jugendhilfe Heilbronn, Seminarraum 1", "online": false, "capacity": 20,
    "proposal_id": null, "version": 1}))]
pub struct SessionScheduledV1 {
    pub session_id: Uuid,
    pub course_id: Uuid,
    /// The course's title.
    pub title: String,
    /// The course's topic, e.g. `guidelines`, `expert_day`.
    pub topic: String,
    /// Every day of the session, ascending (the dialogue service keeps them free of dialogues).
    pub days: Vec<NaiveDate>,
    pub place: Option<String>,
    /// Held online (the link is not part of the event).
    pub online: bool,
    pub capacity: i32,
    /// The expert-day proposal it realises: the id of the Forum decision
    /// (`committee.decision.recorded.v1`) or of the dialogue finding
    /// (`dialogue.finding.recorded.v1`) it came from.
    #[serde(default)]
    pub proposal_id: Option<Uuid>,
    /// The session's version: 1 when scheduled, raised by each change, so a consumer keeps
    /// the newest.
    #[serde(default)]
    pub version: i32,
}

/// A course was added to the catalogue. Courses are not changed afterwards; the training
/// service republishes every course on request (`POST /v1/courses/republish`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"course_id": "01938200-0000-7000-8000-000000000001",
    "title": "Grundlagen der Kooperation", "topic": "guidelines",
    "required_for": ["caseworker", "leader"], "valid_for_years": null}))]
pub struct CourseAddedV1 {
    pub course_id: Uuid,
    pub title: String,
    /// The catalogue's topic code (`guidelines`, `process_steps`, `instruments`, …).
    pub topic: String,
    /// Staff functions of the directory for which the course is required.
    pub required_for: Vec<crate::directory::StaffFunction>,
    /// How long a completion counts; none: for good.
    pub valid_for_years: Option<i32>,
}

/// A session was called off; its registrations end with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session_id": "01938200-0000-7000-8000-000000000011",
    "course_id": "01938200-0000-7000-8000-000000000001", "days": ["2027-03-10", "2027-03-11"],
    "reason": "Referentin erkrankt", "registrations_ended": 14}))]
pub struct SessionCancelledV1 {
    pub session_id: Uuid,
    pub course_id: Uuid,
    pub days: Vec<NaiveDate>,
    pub reason: String,
    /// Registrations (confirmed, waiting, offered) that ended with the session.
    pub registrations_ended: i64,
}

/// A registration changed: confirmed (a seat), waitlisted (with its place in the queue),
/// offered (a freed seat held until `offered_until`), offer expired, or cancelled. The event
/// type says which; the payload is the registration as it is now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"registration_id": "01938200-0000-7000-8000-000000000021",
    "session_id": "01938200-0000-7000-8000-000000000011", "course_id": "01938200-0000-7000-8000-000000000001",
    "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "state": "offered", "waitlist_position": 3, "offered_until": "2027-02-12T09:30:00Z", "reason": null,
    "late_cancellation": false}))]
pub struct RegistrationChangedV1 {
    pub registration_id: Uuid,
    pub session_id: Uuid,
    pub course_id: Uuid,
    /// The directory person registered.
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// `pending_approval`, `confirmed`, `waitlisted`, `offered`, `expired` or `cancelled`.
    pub state: String,
    /// Place in the waiting list (waitlisted and offered registrations).
    pub waitlist_position: Option<i64>,
    /// Until when an offered seat is held.
    pub offered_until: Option<DateTime<Utc>>,
    /// Why it was waitlisted or cancelled, when said.
    pub reason: Option<String>,
    /// Cancelled after the session's cancellation deadline.
    #[serde(default)]
    pub late_cancellation: bool,
}

/// Everything the training service publishes. Subjects: the session (a session's
/// registrations are delivered in order).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TrainingEvent {
    CourseAdded(CourseAddedV1),
    SessionScheduled(SessionScheduledV1),
    SessionCancelled(SessionCancelledV1),
    SessionChanged(SessionScheduledV1),
    RegistrationConfirmed(RegistrationChangedV1),
    RegistrationWaitlisted(RegistrationChangedV1),
    RegistrationOffered(RegistrationChangedV1),
    RegistrationOfferExpired(RegistrationChangedV1),
    RegistrationCancelled(RegistrationChangedV1),
    RegistrationPendingApproval(RegistrationChangedV1),
    AttendanceRecorded(AttendanceRecordedV1),
    CompletionAchieved(CompletionV1),
    CompletionWithdrawn(CompletionV1),
    ReminderDue(ReminderDueV1),
    CertificateIssued(CertificateV1),
    CertificateRevoked(CertificateV1),
}

impl crate::Event for TrainingEvent {
    fn source(&self) -> &'static str {
        SOURCE
    }

    fn event_type(&self) -> &'static str {
        match self {
            TrainingEvent::CourseAdded(_) => COURSE_ADDED,
            TrainingEvent::SessionScheduled(_) => SESSION_SCHEDULED,
            TrainingEvent::SessionCancelled(_) => SESSION_CANCELLED,
            TrainingEvent::SessionChanged(_) => SESSION_CHANGED,
            TrainingEvent::RegistrationConfirmed(_) => REGISTRATION_CONFIRMED,
            TrainingEvent::RegistrationWaitlisted(_) => REGISTRATION_WAITLISTED,
            TrainingEvent::RegistrationOffered(_) => REGISTRATION_OFFERED,
            TrainingEvent::RegistrationOfferExpired(_) => REGISTRATION_OFFER_EXPIRED,
            TrainingEvent::RegistrationCancelled(_) => REGISTRATION_CANCELLED,
            TrainingEvent::RegistrationPendingApproval(_) => REGISTRATION_PENDING_APPROVAL,
            TrainingEvent::AttendanceRecorded(_) => ATTENDANCE_RECORDED,
            TrainingEvent::CompletionAchieved(_) => COMPLETION_ACHIEVED,
            TrainingEvent::CompletionWithdrawn(_) => COMPLETION_WITHDRAWN,
            TrainingEvent::ReminderDue(_) => REMINDER_DUE,
            TrainingEvent::CertificateIssued(_) => CERTIFICATE_ISSUED,
            TrainingEvent::CertificateRevoked(_) => CERTIFICATE_REVOKED,
        }
    }

    fn subject(&self) -> String {
        let subject = match self {
            TrainingEvent::CourseAdded(e) => e.course_id,
            TrainingEvent::SessionScheduled(e) | TrainingEvent::SessionChanged(e) => e.session_id,
            TrainingEvent::SessionCancelled(e) => e.session_id,
            TrainingEvent::RegistrationConfirmed(e)
            | TrainingEvent::RegistrationWaitlisted(e)
            | TrainingEvent::RegistrationOffered(e)
            | TrainingEvent::RegistrationOfferExpired(e)
            | TrainingEvent::RegistrationCancelled(e)
            | TrainingEvent::RegistrationPendingApproval(e) => e.session_id,
            TrainingEvent::AttendanceRecorded(e) => e.session_id,
            TrainingEvent::CompletionAchieved(e) | TrainingEvent::CompletionWithdrawn(e) => {
                e.session_id
            }
            TrainingEvent::ReminderDue(e) => e.session_id,
            TrainingEvent::CertificateIssued(e) | TrainingEvent::CertificateRevoked(e) => {
                e.session_id
            }
        };
        subject.to_string()
    }
}

pub const EVENTS: &[EventType] = &[
    EventType {
        name: COURSE_ADDED,
        source: SOURCE,
        description: "A course was added to the catalogue, with the staff functions it is required for; republished for every course by `POST /v1/courses/republish`.",
        payload: "CourseAddedV1",
    },
    EventType {
        name: SESSION_SCHEDULED,
        source: SOURCE,
        description: "A training session was scheduled with its days, place and seats (subject: the session).",
        payload: "SessionScheduledV1",
    },
    EventType {
        name: SESSION_CHANGED,
        source: SOURCE,
        description: "A session was changed by the organisers: the whole session as it is now, with its version (subject: the session).",
        payload: "SessionScheduledV1",
    },
    EventType {
        name: SESSION_CANCELLED,
        source: SOURCE,
        description: "A training session was called off with its reason; its registrations ended (subject: the session).",
        payload: "SessionCancelledV1",
    },
    EventType {
        name: REGISTRATION_CONFIRMED,
        source: SOURCE,
        description: "A person has a seat in a session: registered into a free seat, or accepted an offered one (subject: the session).",
        payload: "RegistrationChangedV1",
    },
    EventType {
        name: REGISTRATION_WAITLISTED,
        source: SOURCE,
        description: "A registration went onto the waiting list: no seat free for the person (full, seats reserved for the other kind of organisation, or the organisation's limit), with its place (subject: the session).",
        payload: "RegistrationChangedV1",
    },
    EventType {
        name: REGISTRATION_OFFERED,
        source: SOURCE,
        description: "A freed seat is offered to the next eligible person on the waiting list and held for them until `offered_until` (subject: the session).",
        payload: "RegistrationChangedV1",
    },
    EventType {
        name: REGISTRATION_OFFER_EXPIRED,
        source: SOURCE,
        description: "An offered seat was not accepted in time; it goes to the next eligible person (subject: the session).",
        payload: "RegistrationChangedV1",
    },
    EventType {
        name: REGISTRATION_CANCELLED,
        source: SOURCE,
        description: "A registration was cancelled (by the person, their organisation or the organiser); a seat it held is offered on (subject: the session).",
        payload: "RegistrationChangedV1",
    },
    EventType {
        name: REGISTRATION_PENDING_APPROVAL,
        source: SOURCE,
        description: "A person registered themselves for a session that requires approval: the registration waits for their organisation's leader (subject: the session).",
        payload: "RegistrationChangedV1",
    },
    EventType {
        name: ATTENDANCE_RECORDED,
        source: SOURCE,
        description: "The attendance of a session day was recorded or corrected, with the day's counts by status; published only when a status changed, so a repeated upload publishes nothing (subject: the session).",
        payload: "AttendanceRecordedV1",
    },
    EventType {
        name: COMPLETION_ACHIEVED,
        source: SOURCE,
        description: "A person completed a course by its completion rule (subject: the session).",
        payload: "CompletionV1",
    },
    EventType {
        name: COMPLETION_WITHDRAWN,
        source: SOURCE,
        description: "A correction of the attendance took a completion back (subject: the session).",
        payload: "CompletionV1",
    },
    EventType {
        name: REMINDER_DUE,
        source: SOURCE,
        description: "A session begins in 7 days, or tomorrow: its confirmed participants to remind, once each (subject: the session).",
        payload: "ReminderDueV1",
    },
    EventType {
        name: CERTIFICATE_ISSUED,
        source: SOURCE,
        description: "A certificate of attendance was issued for a completion (subject: the session).",
        payload: "CertificateV1",
    },
    EventType {
        name: CERTIFICATE_REVOKED,
        source: SOURCE,
        description: "A certificate was revoked: its verification answers `revoked` from now on (subject: the session).",
        payload: "CertificateV1",
    },
];

pub const ATTENDANCE_RECORDED: &str = "training.attendance.recorded.v1";
pub const COMPLETION_ACHIEVED: &str = "training.completion.achieved.v1";
pub const COMPLETION_WITHDRAWN: &str = "training.completion.withdrawn.v1";

/// The attendance of a session day was recorded or corrected: how many changed, and the
/// day's counts by status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session_id": "01938200-0000-7000-8000-000000000011", "day": "2027-03-10",
    "changed": 18, "present": 16, "late": 1, "excused": 1, "absent": 0}))]
pub struct AttendanceRecordedV1 {
    pub session_id: Uuid,
    pub day: NaiveDate,
    /// Statuses that changed with this recording.
    pub changed: i64,
    pub present: i64,
    pub late: i64,
    pub excused: i64,
    pub absent: i64,
}

/// A person completed a course by its completion rule (achieved), or a correction of the
/// attendance took the completion back (withdrawn).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"registration_id": "01938200-0000-7000-8000-000000000021",
    "session_id": "01938200-0000-7000-8000-000000000011", "course_id": "01938200-0000-7000-8000-000000000001",
    "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "completed_on": "2027-03-11"}))]
pub struct CompletionV1 {
    pub registration_id: Uuid,
    pub session_id: Uuid,
    pub course_id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// The session's last day.
    pub completed_on: NaiveDate,
}

pub const REMINDER_DUE: &str = "training.reminder.due.v1";

/// A participant to remind, with the leaders of their organisation to tell as well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SessionParticipant {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// Directory people with the function `leader` in the participant's organisation.
    #[serde(default)]
    pub leaders: Vec<Uuid>,
}

/// A session begins in `days_before` days (7 or 1): whom to remind. Delivering the reminder
/// (e-mail to the participants and their organisations' leaders) is another system's job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session_id": "01938200-0000-7000-8000-000000000011",
    "course_id": "01938200-0000-7000-8000-000000000001", "title": "Grundlagen der Kooperation",
    "first_day": "2027-03-10", "days_before": 7, "place": "Diakonische Jugendhilfe Heilbronn, Seminarraum 1",
    "online": false, "participants": [{"person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
        "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
        "leaders": ["01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e61"]}]}))]
pub struct ReminderDueV1 {
    pub session_id: Uuid,
    pub course_id: Uuid,
    pub title: String,
    pub first_day: NaiveDate,
    /// 7 or 1.
    pub days_before: i32,
    pub place: Option<String>,
    pub online: bool,
    /// Confirmed participants.
    pub participants: Vec<SessionParticipant>,
}

pub const CERTIFICATE_ISSUED: &str = "training.certificate.issued.v1";
pub const CERTIFICATE_REVOKED: &str = "training.certificate.revoked.v1";

/// A certificate of attendance was issued, or revoked (with the reason). Names stay in the
/// training service; the event carries ids only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"certificate_id": "01938200-0000-7000-8000-000000000031",
    "registration_id": "01938200-0000-7000-8000-000000000021",
    "session_id": "01938200-0000-7000-8000-000000000011", "course_id": "01938200-0000-7000-8000-000000000001",
    "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "issued_on": "2027-03-11", "revoke_reason": null}))]
pub struct CertificateV1 {
    pub certificate_id: Uuid,
    pub registration_id: Uuid,
    pub session_id: Uuid,
    pub course_id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub issued_on: NaiveDate,
    /// Why it was revoked (revocations only).
    pub revoke_reason: Option<String>,
}
