//! Events of the committee service.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::EventType;

pub const SOURCE: &str = "/qmf/committee";

pub const MANAGEMENT_TERM_STARTED: &str = "committee.management_term.started.v1";

/// A youth office was entrusted with the management (Geschäftsführung) for a term; it chairs
/// the Forum and the steering group from `start_on` to `end_on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"term_id": "01937b00-0000-7000-8000-000000000001", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "start_on": "2027-01-01", "end_on": "2028-12-31"}))]
pub struct ManagementTermStartedV1 {
    pub term_id: Uuid,
    pub office_id: Uuid,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

pub const MEMBERSHIP_STARTED: &str = "committee.membership.started.v1";
pub const MEMBERSHIP_ENDED: &str = "committee.membership.ended.v1";

/// Someone took a seat in a body (or a membership's data changed at its start).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"membership_id": "01937b01-0000-7000-8000-000000000002", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "role": "speaker", "start_on": "2026-01-01", "end_on": null}))]
pub struct MembershipStartedV1 {
    pub membership_id: Uuid,
    pub body_id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Uuid,
    /// chair, deputy, speaker, member, guest or expert.
    pub role: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

/// A membership ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"membership_id": "01937b01-0000-7000-8000-000000000002", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11", "end_on": "2026-12-31"}))]
pub struct MembershipEndedV1 {
    pub membership_id: Uuid,
    pub body_id: Uuid,
    pub end_on: NaiveDate,
}

pub const BODY_ESTABLISHED: &str = "committee.body.established.v1";
pub const BODY_DISSOLVED: &str = "committee.body.dissolved.v1";

/// A working group (or sub-group) was set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11", "kind": "working_group", "name": "AK Inklusion",
    "parent_id": null, "permanent": false, "established_on": "2026-11-05"}))]
pub struct BodyEstablishedV1 {
    pub body_id: Uuid,
    pub kind: String,
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub permanent: bool,
    pub established_on: Option<NaiveDate>,
}

/// A working group was dissolved; its memberships ended the same day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11", "dissolved_on": "2027-06-30", "memberships_ended": 9}))]
pub struct BodyDissolvedV1 {
    pub body_id: Uuid,
    pub dissolved_on: NaiveDate,
    pub memberships_ended: i64,
}

pub const MEETING_SCHEDULED: &str = "committee.meeting.scheduled.v1";
pub const MEETING_INVITATIONS_SENT: &str = "committee.meeting.invitations_sent.v1";
pub const MEETING_HELD: &str = "committee.meeting.held.v1";
pub const MEETING_CANCELLED: &str = "committee.meeting.cancelled.v1";
pub const MEETING_ATTENDANCE_RECORDED: &str = "committee.meeting.attendance_recorded.v1";

/// A meeting of a body was planned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"meeting_id": "01937c00-0000-7000-8000-000000000003", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "title": "Forum Jugendhilfe, Frühjahrssitzung", "starts_at": "2027-03-17T09:00:00Z", "ends_at": "2027-03-17T13:00:00Z",
    "place": "Landratsamt Künzelsau, Sitzungssaal", "public": true, "body_kind": "forum"}))]
pub struct MeetingScheduledV1 {
    pub meeting_id: Uuid,
    pub body_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub public: bool,
    /// Kind of the meeting's body (`forum`, `management`, `steering_group`, `coordination`,
    /// `working_group`); the dialogue service keeps Forum days free. Absent in events
    /// published before it was added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_kind: Option<String>,
}

/// One agenda item as sent with an invitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvitationAgendaItem {
    pub position: i32,
    pub title: String,
}

/// Someone invited: a seat in the body on the meeting day. Seats that come with the management
/// term name only the youth office (no person, name or e-mail): the mail service addresses the
/// office. `email` is the person's work e-mail from the directory, when it has one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct InvitationRecipient {
    pub person_id: Option<Uuid>,
    pub organization_id: Uuid,
    /// chair, deputy, speaker, member, guest or expert.
    pub role: String,
    /// Given and family name.
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Invitations to a meeting were sent (the meeting is now `invited`). Carries everything a
/// mail or calendar service needs: the meeting, its agenda, who is invited and an iCalendar
/// object (RFC 5545, one VEVENT whose UID is stable per meeting) to attach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"meeting_id": "01937c00-0000-7000-8000-000000000003", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "body_name": "Forum Jugendhilfe", "title": "Forum Jugendhilfe, Frühjahrssitzung", "starts_at": "2027-03-17T09:00:00Z",
    "ends_at": "2027-03-17T13:00:00Z", "place": "Landratsamt Künzelsau, Sitzungssaal", "message": "Bitte beachten Sie die Vorlage zu TOP 2.",
    "agenda": [{"position": 1, "title": "Begrüßung"}, {"position": 2, "title": "Empfehlung Kooperation Jugendhilfe–Psychiatrie"}],
    "recipients": [{"person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "role": "member",
        "name": "Lena Beispiel", "email": "l.beispiel@jugendamt.example"}],
    "ics_filename": "sitzung-01937c00-0000-7000-8000-000000000003.ics",
    "ics": "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//QMF Heilbronn-Franken//committee//DE\r\nBEGIN:VEVENT\r\n...\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"}))]
pub struct MeetingInvitationsSentV1 {
    pub meeting_id: Uuid,
    pub body_id: Uuid,
    pub body_name: String,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    /// Optional text of the invitation.
    pub message: Option<String>,
    pub agenda: Vec<InvitationAgendaItem>,
    pub recipients: Vec<InvitationRecipient>,
    /// Suggested file name of the attachment.
    pub ics_filename: String,
    /// The iCalendar object, CRLF line endings, lines folded at 75 octets.
    pub ics: String,
}

/// A meeting took place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"meeting_id": "01937c00-0000-7000-8000-000000000003", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "starts_at": "2027-03-17T09:00:00Z", "present": 14, "excused": 3, "guests": 2}))]
pub struct MeetingHeldV1 {
    pub meeting_id: Uuid,
    pub body_id: Uuid,
    pub starts_at: DateTime<Utc>,
    /// Attendance as recorded when the meeting was marked held.
    pub present: i64,
    pub excused: i64,
    pub guests: i64,
}

/// How a member organisation took part in a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MemberAttendance {
    Present,
    /// Excused beforehand (entschuldigt).
    Excused,
}

/// One organisation's (and, where recorded, its representative's) attendance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AttendanceEntryV1 {
    pub organization_id: Uuid,
    /// The directory person who attended or was excused, if recorded.
    pub person_id: Option<Uuid>,
    pub status: MemberAttendance,
}

/// The attendance list of a meeting was recorded or corrected (until its minutes are
/// approved); replaces every earlier list of the meeting. Lists the organisations present or
/// excused; guests are not members and are left out. An organisation with a seat in the body
/// that is not listed was absent without excuse.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"meeting_id": "01937c00-0000-7000-8000-000000000003", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "starts_at": "2027-03-17T09:00:00Z", "entries": [
        {"organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "person_id": "01936f40-0000-7000-8000-000000000001", "status": "present"},
        {"organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "person_id": null, "status": "excused"}]}))]
pub struct MeetingAttendanceRecordedV1 {
    pub meeting_id: Uuid,
    pub body_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub entries: Vec<AttendanceEntryV1>,
}

/// A meeting was cancelled. If invitations had gone out, `ics` cancels the calendar entry
/// (same UID, `STATUS:CANCELLED`, higher `SEQUENCE`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"meeting_id": "01937c00-0000-7000-8000-000000000003", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "starts_at": "2027-03-17T09:00:00Z", "invitations_were_sent": true, "ics": "BEGIN:VCALENDAR\r\n...\r\nEND:VCALENDAR\r\n", "body_kind": "forum"}))]
pub struct MeetingCancelledV1 {
    pub meeting_id: Uuid,
    pub body_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub invitations_were_sent: bool,
    pub ics: Option<String>,
    /// Kind of the meeting's body, as in `committee.meeting.scheduled.v1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_kind: Option<String>,
}

pub const TOPIC_TRANSITIONED: &str = "committee.topic.transitioned.v1";

/// A topic (Vorlage) moved along its route: drafted, submitted to the steering group,
/// forwarded or referred back, scheduled on a Forum agenda, decided by the Forum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"topic_id": "01937d00-0000-7000-8000-000000000005", "origin_body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "action": "refer_back", "from_state": "submitted", "to_state": "referred_back", "draft_number": 1,
    "meeting_id": null, "finding_id": null, "version": 3}))]
pub struct TopicTransitionedV1 {
    pub topic_id: Uuid,
    pub origin_body_id: Uuid,
    /// draft, raise, escalate, submit, forward, refer_back, schedule, unschedule or decide.
    pub action: String,
    pub from_state: Option<String>,
    /// draft, submitted, referred_back, forwarded, scheduled, postponed, adopted,
    /// adopted_with_changes or rejected.
    pub to_state: String,
    pub draft_number: i32,
    /// The Forum meeting for `schedule`, `unschedule` and `decide`.
    pub meeting_id: Option<Uuid>,
    /// The quality-dialogue finding the topic came from, if escalated.
    pub finding_id: Option<Uuid>,
    /// Version of the topic after the step.
    pub version: i32,
}

pub const DECISION_RECORDED: &str = "committee.decision.recorded.v1";

/// The Forum took a decision (Beschluss) in a held meeting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"decision_id": "01937e00-0000-7000-8000-000000000006", "meeting_id": "01937c00-0000-7000-8000-000000000003",
    "topic_id": "01937d00-0000-7000-8000-000000000005", "kind": "establish_working_group", "title": "Einrichtung AK Inklusion",
    "decided_on": "2027-03-17", "body_id": "01937e01-0000-7000-8000-000000000007"}))]
pub struct DecisionRecordedV1 {
    pub decision_id: Uuid,
    pub meeting_id: Uuid,
    pub topic_id: Option<Uuid>,
    /// guideline, recommendation, establish_working_group, dissolve_working_group, event or other.
    pub kind: String,
    pub title: String,
    pub decided_on: NaiveDate,
    /// The working group set up or dissolved by the decision.
    pub body_id: Option<Uuid>,
}

/// Everything the committee publishes. Subjects: a management term under its office, a seat
/// under its body, a decision under its meeting, everything else under itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CommitteeEvent {
    ManagementTermStarted(ManagementTermStartedV1),
    MembershipStarted(MembershipStartedV1),
    MembershipEnded(MembershipEndedV1),
    BodyEstablished(BodyEstablishedV1),
    BodyDissolved(BodyDissolvedV1),
    MeetingScheduled(MeetingScheduledV1),
    MeetingInvitationsSent(MeetingInvitationsSentV1),
    MeetingHeld(MeetingHeldV1),
    MeetingCancelled(MeetingCancelledV1),
    MeetingAttendanceRecorded(MeetingAttendanceRecordedV1),
    TopicTransitioned(TopicTransitionedV1),
    DecisionRecorded(DecisionRecordedV1),
}

impl crate::Event for CommitteeEvent {
    fn source(&self) -> &'static str {
        SOURCE
    }

    fn event_type(&self) -> &'static str {
        match self {
            CommitteeEvent::ManagementTermStarted(_) => MANAGEMENT_TERM_STARTED,
            CommitteeEvent::MembershipStarted(_) => MEMBERSHIP_STARTED,
            CommitteeEvent::MembershipEnded(_) => MEMBERSHIP_ENDED,
            CommitteeEvent::BodyEstablished(_) => BODY_ESTABLISHED,
            CommitteeEvent::BodyDissolved(_) => BODY_DISSOLVED,
            CommitteeEvent::MeetingScheduled(_) => MEETING_SCHEDULED,
            CommitteeEvent::MeetingInvitationsSent(_) => MEETING_INVITATIONS_SENT,
            CommitteeEvent::MeetingHeld(_) => MEETING_HELD,
            CommitteeEvent::MeetingCancelled(_) => MEETING_CANCELLED,
            CommitteeEvent::MeetingAttendanceRecorded(_) => MEETING_ATTENDANCE_RECORDED,
            CommitteeEvent::TopicTransitioned(_) => TOPIC_TRANSITIONED,
            CommitteeEvent::DecisionRecorded(_) => DECISION_RECORDED,
        }
    }

    fn subject(&self) -> String {
        let subject = match self {
            CommitteeEvent::ManagementTermStarted(e) => e.office_id,
            CommitteeEvent::MembershipStarted(e) => e.body_id,
            CommitteeEvent::MembershipEnded(e) => e.body_id,
            CommitteeEvent::BodyEstablished(e) => e.body_id,
            CommitteeEvent::BodyDissolved(e) => e.body_id,
            CommitteeEvent::MeetingScheduled(e) => e.meeting_id,
            CommitteeEvent::MeetingInvitationsSent(e) => e.meeting_id,
            CommitteeEvent::MeetingHeld(e) => e.meeting_id,
            CommitteeEvent::MeetingCancelled(e) => e.meeting_id,
            CommitteeEvent::MeetingAttendanceRecorded(e) => e.meeting_id,
            CommitteeEvent::TopicTransitioned(e) => e.topic_id,
            CommitteeEvent::DecisionRecorded(e) => e.meeting_id,
        };
        subject.to_string()
    }
}

pub const EVENTS: &[EventType] = &[
    EventType {
        name: MEETING_SCHEDULED,
        source: SOURCE,
        description: "A meeting of a body was planned.",
        payload: "MeetingScheduledV1",
    },
    EventType {
        name: MEETING_INVITATIONS_SENT,
        source: SOURCE,
        description: "Invitations to a meeting were sent; carries the agenda, the recipients and an iCalendar attachment.",
        payload: "MeetingInvitationsSentV1",
    },
    EventType {
        name: MEETING_HELD,
        source: SOURCE,
        description: "A meeting took place; carries the attendance counts.",
        payload: "MeetingHeldV1",
    },
    EventType {
        name: MEETING_ATTENDANCE_RECORDED,
        source: SOURCE,
        description: "The attendance list of a meeting was recorded or corrected; lists the organisations present or excused and replaces every earlier list of the meeting.",
        payload: "MeetingAttendanceRecordedV1",
    },
    EventType {
        name: MEETING_CANCELLED,
        source: SOURCE,
        description: "A meeting was cancelled; carries an iCalendar cancellation when invitations had gone out.",
        payload: "MeetingCancelledV1",
    },
    EventType {
        name: TOPIC_TRANSITIONED,
        source: SOURCE,
        description: "A topic took a step on its route from a working group (or the steering group) to a Forum decision.",
        payload: "TopicTransitionedV1",
    },
    EventType {
        name: DECISION_RECORDED,
        source: SOURCE,
        description: "The Forum's decision was recorded in the decision register.",
        payload: "DecisionRecordedV1",
    },
    EventType {
        name: BODY_ESTABLISHED,
        source: SOURCE,
        description: "A working group or sub-group was set up.",
        payload: "BodyEstablishedV1",
    },
    EventType {
        name: BODY_DISSOLVED,
        source: SOURCE,
        description: "A working group was dissolved; its open memberships ended with it.",
        payload: "BodyDissolvedV1",
    },
    EventType {
        name: MANAGEMENT_TERM_STARTED,
        source: SOURCE,
        description: "A management term was recorded; its youth office chairs the Forum and the steering group for the term.",
        payload: "ManagementTermStartedV1",
    },
    EventType {
        name: MEMBERSHIP_STARTED,
        source: SOURCE,
        description: "A membership in a body was recorded.",
        payload: "MembershipStartedV1",
    },
    EventType {
        name: MEMBERSHIP_ENDED,
        source: SOURCE,
        description: "A membership in a body ended.",
        payload: "MembershipEndedV1",
    },
];
