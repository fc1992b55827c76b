//! Events of the dialogue service (quality dialogues).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::EventType;

pub const SOURCE: &str = "/qmf/dialogue";

pub const FINDING_ESCALATED: &str = "dialogue.finding.escalated.v1";

/// An important finding of a quality dialogue was escalated to the strategic level: the
/// committee service puts it into the steering group's inbox as a new topic, once per
/// `finding_id` however often the event arrives. Free text must not contain personal data of
/// children or families.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"finding_id": "01938000-0000-7000-8000-000000000008", "dialogue_id": "01938001-0000-7000-8000-000000000009",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "title": "Übergänge aus stationären Hilfen in die Volljährigkeit",
    "summary": "Mehrere Einrichtungen berichten, dass Hilfen nach §41 SGB VIII zu früh enden; Vorschlag: gemeinsame Empfehlung.",
    "held_on": "2027-05-12"}))]
pub struct FindingEscalatedV1 {
    pub finding_id: Uuid,
    pub dialogue_id: Uuid,
    /// The institution or youth office that hosted the dialogue.
    pub host_organization_id: Uuid,
    /// Becomes the topic's title (1 to 300 characters).
    pub title: String,
    /// Becomes the text of the topic's first draft (1 to 20,000 characters).
    pub summary: String,
    /// Day of the dialogue.
    pub held_on: NaiveDate,
}

pub const CYCLE_OPENED: &str = "dialogue.cycle.opened.v1";
pub const CYCLE_CLOSED: &str = "dialogue.cycle.closed.v1";
pub const HOST_JOINED: &str = "dialogue.host.joined.v1";
pub const HOST_WITHDRAWN: &str = "dialogue.host.withdrawn.v1";

/// The coordination opened a cycle of quality dialogues; every organisation with a valid
/// agreement on that day became a host (each also gets its own `dialogue.host.joined.v1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"cycle_id": "01938100-0000-7000-8000-000000000001", "start_year": 2027, "years": 3,
    "start_on": "2027-01-01", "end_on": "2029-12-31", "hosts": 25}))]
pub struct CycleOpenedV1 {
    pub cycle_id: Uuid,
    pub start_year: i32,
    pub years: i32,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    /// Hosts at opening.
    pub hosts: i64,
}

/// The coordination closed a cycle: its hosts, dates and guests no longer change, and a new
/// cycle may open. The counts say how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"cycle_id": "01938100-0000-7000-8000-000000000001", "hosts": 25, "hosted": 23, "not_hosted": 2}))]
pub struct CycleClosedV1 {
    pub cycle_id: Uuid,
    /// Hosts still in the cycle at its close.
    pub hosts: i64,
    /// Of them, those whose dialogue took place.
    pub hosted: i64,
    pub not_hosted: i64,
}

/// An organisation became a host of the open cycle: at opening, or later when it signed an
/// agreement or was registered. It hosts one dialogue in the cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"cycle_id": "01938100-0000-7000-8000-000000000001", "host_id": "01938101-0000-7000-8000-000000000002",
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "dialogue_id": "01938102-0000-7000-8000-000000000003"}))]
pub struct HostJoinedV1 {
    pub cycle_id: Uuid,
    pub host_id: Uuid,
    pub organization_id: Uuid,
    /// The host's dialogue, created `unscheduled`.
    pub dialogue_id: Uuid,
}

/// A host left the open cycle because its agreement ended or it was deactivated in the
/// directory. An unscheduled dialogue is withdrawn with it (`dialogue_withdrawn`); a scheduled
/// one stays and is flagged for the coordination to decide (`dialogue_flagged`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"cycle_id": "01938100-0000-7000-8000-000000000001", "host_id": "01938101-0000-7000-8000-000000000002",
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "reason": "agreement_ended",
    "dialogue_id": "01938102-0000-7000-8000-000000000003", "dialogue_withdrawn": true, "dialogue_flagged": false}))]
pub struct HostWithdrawnV1 {
    pub cycle_id: Uuid,
    pub host_id: Uuid,
    pub organization_id: Uuid,
    /// `agreement_ended` or `organization_deactivated`.
    pub reason: String,
    pub dialogue_id: Uuid,
    pub dialogue_withdrawn: bool,
    pub dialogue_flagged: bool,
}

pub const DIALOGUE_SCHEDULED: &str = "dialogue.dialogue.scheduled.v1";
pub const DIALOGUE_RESCHEDULED: &str = "dialogue.dialogue.rescheduled.v1";
pub const DIALOGUE_GUESTS_CHANGED: &str = "dialogue.dialogue.guests_changed.v1";
pub const DIALOGUE_CANCELLED: &str = "dialogue.dialogue.cancelled.v1";

/// A guest of a dialogue: a directory person of another organisation than the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DialogueGuest {
    pub person_id: Uuid,
    pub organization_id: Uuid,
}

/// A dialogue got its date, place and guests (it was `unscheduled`), or a new date
/// (`dialogue.dialogue.rescheduled.v1`, with the previous day and the reason). The host's
/// representatives attend too and are not listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "date": "2027-05-12",
    "starts_at": "2027-05-12T07:00:00Z", "ends_at": "2027-05-12T11:30:00Z", "place": "Seminarraum",
    "guests": [{"person_id": "01936f40-0000-7000-8000-000000000011", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60"}],
    "previous_date": null, "reason": null}))]
pub struct DialogueScheduledV1 {
    pub dialogue_id: Uuid,
    pub cycle_id: Uuid,
    pub host_organization_id: Uuid,
    /// The regional day (Europe/Berlin).
    pub date: NaiveDate,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub place: String,
    pub guests: Vec<DialogueGuest>,
    /// With a rescheduling: the day before.
    pub previous_date: Option<NaiveDate>,
    /// With a rescheduling: why it moved.
    pub reason: Option<String>,
}

/// The guests of a scheduled dialogue changed; `guests` is the whole new list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "date": "2027-05-12",
    "guests": [{"person_id": "01936f40-0000-7000-8000-000000000011", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60"}]}))]
pub struct DialogueGuestsChangedV1 {
    pub dialogue_id: Uuid,
    pub cycle_id: Uuid,
    pub host_organization_id: Uuid,
    pub date: NaiveDate,
    pub guests: Vec<DialogueGuest>,
}

/// A dialogue was called off; its day is free again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "previous_state": "scheduled", "date": "2027-05-12",
    "reason": "Raum nicht verfügbar"}))]
pub struct DialogueCancelledV1 {
    pub dialogue_id: Uuid,
    pub cycle_id: Uuid,
    pub host_organization_id: Uuid,
    /// `unscheduled`, `scheduled` or `invited`.
    pub previous_state: String,
    pub date: Option<NaiveDate>,
    pub reason: String,
}

pub const DIALOGUE_INVITED: &str = "dialogue.dialogue.invited.v1";
pub const PARTICIPANT_RESPONDED: &str = "dialogue.participant.responded.v1";
pub const PARTICIPANT_REPLACED: &str = "dialogue.participant.replaced.v1";

/// Someone invited to a dialogue: a host representative or a guest. `name` and `email` come
/// from the directory (work e-mail), when it has them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Participant {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// `representative` or `guest`.
    pub role: String,
    pub name: Option<String>,
    pub email: Option<String>,
}

/// Invitations to a dialogue went out (it is now `invited`). Carries what a mail or calendar
/// service needs: the dialogue, everyone invited, and an iCalendar object (RFC 5545, one
/// VEVENT whose UID is stable per dialogue and whose SEQUENCE grows with every change).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "host_name": "Kinder- und Jugendhilfe Öhringen",
    "date": "2027-05-12", "starts_at": "2027-05-12T07:00:00Z", "ends_at": "2027-05-12T11:30:00Z", "place": "Seminarraum",
    "participants": [{"person_id": "01936f40-0000-7000-8000-000000000011", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
        "role": "guest", "name": "Lena Beispiel", "email": "l.beispiel@jugendamt.example"}],
    "ics_filename": "qualitaetsdialog-01938102-0000-7000-8000-000000000003.ics",
    "ics": "BEGIN:VCALENDAR\r\n...\r\nEND:VCALENDAR\r\n"}))]
pub struct DialogueInvitedV1 {
    pub dialogue_id: Uuid,
    pub cycle_id: Uuid,
    pub host_organization_id: Uuid,
    pub host_name: String,
    pub date: NaiveDate,
    pub starts_at: chrono::DateTime<chrono::Utc>,
    pub ends_at: chrono::DateTime<chrono::Utc>,
    pub place: String,
    pub participants: Vec<Participant>,
    pub ics_filename: String,
    /// CRLF line endings, lines folded at 75 octets.
    pub ics: String,
}

/// A guest accepted or declined an invitation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "person_id": "01936f40-0000-7000-8000-000000000011",
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "response": "accepted"}))]
pub struct ParticipantRespondedV1 {
    pub dialogue_id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// `accepted` or `declined`.
    pub response: String,
}

/// A declining guest was replaced by a colleague of the same organisation, who is invited now
/// (`ics` is the invitation to send them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "declined_person_id": "01936f40-0000-7000-8000-000000000011",
    "replacement": {"person_id": "01936f40-0000-7000-8000-000000000012", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
        "role": "guest", "name": "Jonas Bauer", "email": "j.bauer@jugendamt.example"},
    "ics": "BEGIN:VCALENDAR\r\n...\r\nEND:VCALENDAR\r\n"}))]
pub struct ParticipantReplacedV1 {
    pub dialogue_id: Uuid,
    pub declined_person_id: Uuid,
    pub replacement: Participant,
    pub ics: String,
}

pub const REPORT_SUBMITTED: &str = "dialogue.report.submitted.v1";
pub const DIALOGUE_HELD: &str = "dialogue.dialogue.held.v1";
pub const DIALOGUE_DOCUMENTED: &str = "dialogue.dialogue.documented.v1";
pub const FINDING_RECORDED: &str = "dialogue.finding.recorded.v1";
pub const EVALUATION_COMPLETED: &str = "dialogue.evaluation.completed.v1";
pub const MEASURE_COMPLETED: &str = "dialogue.measure.completed.v1";

/// The host submitted its quality report; from now on the invited participants can read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "template_version": 1, "date": "2027-05-12"}))]
pub struct ReportSubmittedV1 {
    pub dialogue_id: Uuid,
    pub host_organization_id: Uuid,
    pub template_version: i32,
    /// Day of the dialogue.
    pub date: NaiveDate,
}

/// Whether someone invited was at the dialogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct DialogueAttendance {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// `representative` or `guest`.
    pub role: String,
    pub present: bool,
}

/// A dialogue took place; who was there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "date": "2027-05-12",
    "attendance": [{"person_id": "01936f40-0000-7000-8000-000000000011", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
        "role": "guest", "present": true}]}))]
pub struct DialogueHeldV1 {
    pub dialogue_id: Uuid,
    pub cycle_id: Uuid,
    pub host_organization_id: Uuid,
    pub date: NaiveDate,
    pub attendance: Vec<DialogueAttendance>,
}

/// The host documented a held dialogue's results (each finding has its own
/// `dialogue.finding.recorded.v1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "date": "2027-05-12", "findings": 2}))]
pub struct DialogueDocumentedV1 {
    pub dialogue_id: Uuid,
    pub cycle_id: Uuid,
    pub host_organization_id: Uuid,
    pub date: NaiveDate,
    pub findings: i64,
}

/// A finding of a dialogue and what it leads to: `expert_day` (the training service may plan
/// one from it), `forum_topic` (also published as `dialogue.finding.escalated.v1`),
/// `publication`, or `agreed_measure` with the organisation carrying it out and a due date.
/// Free text contains no personal data of children or families.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"finding_id": "01938000-0000-7000-8000-000000000008", "dialogue_id": "01938102-0000-7000-8000-000000000003",
    "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "kind": "expert_day",
    "title": "Fachtag Übergänge in die Volljährigkeit", "summary": "Ein gemeinsamer Fachtag soll die Praxis nach §41 SGB VIII klären.",
    "owner_organization_id": null, "due_on": null, "held_on": "2027-05-12"}))]
pub struct FindingRecordedV1 {
    pub finding_id: Uuid,
    pub dialogue_id: Uuid,
    pub host_organization_id: Uuid,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub owner_organization_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub held_on: NaiveDate,
}

/// The evaluation of a dialogue was completed: how many participants rated it and the average
/// per criterion in hundredths (425 = 4.25 on the scale 1 to 5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "host_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "ratings": 6, "preparation": 433, "exchange": 467, "results": 400, "organisation": 483}))]
pub struct EvaluationCompletedV1 {
    pub dialogue_id: Uuid,
    pub host_organization_id: Uuid,
    pub ratings: i64,
    pub preparation: i32,
    pub exchange: i32,
    pub results: i32,
    pub organisation: i32,
}

/// An agreed measure was carried out (`done`) or dropped with a reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"finding_id": "01938000-0000-7000-8000-000000000009", "dialogue_id": "01938102-0000-7000-8000-000000000003",
    "owner_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "state": "done", "reason": null,
    "due_on": "2027-12-31", "completed_on": "2027-11-20", "overdue": false}))]
pub struct MeasureCompletedV1 {
    pub finding_id: Uuid,
    pub dialogue_id: Uuid,
    pub owner_organization_id: Uuid,
    /// `done` or `dropped`.
    pub state: String,
    pub reason: Option<String>,
    pub due_on: NaiveDate,
    pub completed_on: NaiveDate,
    /// Completed after its due date.
    pub overdue: bool,
}

/// Everything the dialogue service publishes. Subjects: a cycle's events under the cycle, a
/// host's under its organisation, a dialogue's under the dialogue, a finding under itself.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum DialogueEvent {
    CycleOpened(CycleOpenedV1),
    CycleClosed(CycleClosedV1),
    HostJoined(HostJoinedV1),
    HostWithdrawn(HostWithdrawnV1),
    DialogueScheduled(DialogueScheduledV1),
    DialogueRescheduled(DialogueScheduledV1),
    DialogueGuestsChanged(DialogueGuestsChangedV1),
    DialogueCancelled(DialogueCancelledV1),
    DialogueInvited(DialogueInvitedV1),
    ParticipantResponded(ParticipantRespondedV1),
    ParticipantReplaced(ParticipantReplacedV1),
    ReportSubmitted(ReportSubmittedV1),
    DialogueHeld(DialogueHeldV1),
    DialogueDocumented(DialogueDocumentedV1),
    FindingRecorded(FindingRecordedV1),
    EvaluationCompleted(EvaluationCompletedV1),
    MeasureCompleted(MeasureCompletedV1),
    FindingEscalated(FindingEscalatedV1),
}

impl crate::Event for DialogueEvent {
    fn source(&self) -> &'static str {
        SOURCE
    }

    fn event_type(&self) -> &'static str {
        match self {
            DialogueEvent::CycleOpened(_) => CYCLE_OPENED,
            DialogueEvent::CycleClosed(_) => CYCLE_CLOSED,
            DialogueEvent::HostJoined(_) => HOST_JOINED,
            DialogueEvent::HostWithdrawn(_) => HOST_WITHDRAWN,
            DialogueEvent::DialogueScheduled(_) => DIALOGUE_SCHEDULED,
            DialogueEvent::DialogueRescheduled(_) => DIALOGUE_RESCHEDULED,
            DialogueEvent::DialogueGuestsChanged(_) => DIALOGUE_GUESTS_CHANGED,
            DialogueEvent::DialogueCancelled(_) => DIALOGUE_CANCELLED,
            DialogueEvent::DialogueInvited(_) => DIALOGUE_INVITED,
            DialogueEvent::ParticipantResponded(_) => PARTICIPANT_RESPONDED,
            DialogueEvent::ParticipantReplaced(_) => PARTICIPANT_REPLACED,
            DialogueEvent::ReportSubmitted(_) => REPORT_SUBMITTED,
            DialogueEvent::DialogueHeld(_) => DIALOGUE_HELD,
            DialogueEvent::DialogueDocumented(_) => DIALOGUE_DOCUMENTED,
            DialogueEvent::FindingRecorded(_) => FINDING_RECORDED,
            DialogueEvent::EvaluationCompleted(_) => EVALUATION_COMPLETED,
            DialogueEvent::MeasureCompleted(_) => MEASURE_COMPLETED,
            DialogueEvent::FindingEscalated(_) => FINDING_ESCALATED,
        }
    }

    fn subject(&self) -> String {
        let subject = match self {
            DialogueEvent::CycleOpened(e) => e.cycle_id,
            DialogueEvent::CycleClosed(e) => e.cycle_id,
            DialogueEvent::HostJoined(e) => e.organization_id,
            DialogueEvent::HostWithdrawn(e) => e.organization_id,
            DialogueEvent::DialogueScheduled(e) => e.dialogue_id,
            DialogueEvent::DialogueRescheduled(e) => e.dialogue_id,
            DialogueEvent::DialogueGuestsChanged(e) => e.dialogue_id,
            DialogueEvent::DialogueCancelled(e) => e.dialogue_id,
            DialogueEvent::DialogueInvited(e) => e.dialogue_id,
            DialogueEvent::ParticipantResponded(e) => e.dialogue_id,
            DialogueEvent::ParticipantReplaced(e) => e.dialogue_id,
            DialogueEvent::ReportSubmitted(e) => e.dialogue_id,
            DialogueEvent::DialogueHeld(e) => e.dialogue_id,
            DialogueEvent::DialogueDocumented(e) => e.dialogue_id,
            DialogueEvent::FindingRecorded(e) => e.finding_id,
            DialogueEvent::EvaluationCompleted(e) => e.dialogue_id,
            DialogueEvent::MeasureCompleted(e) => e.finding_id,
            DialogueEvent::FindingEscalated(e) => e.finding_id,
        };
        subject.to_string()
    }
}

pub const EVENTS: &[EventType] = &[
    EventType {
        name: CYCLE_OPENED,
        source: SOURCE,
        description: "The coordination opened a cycle of quality dialogues (subject: the cycle).",
        payload: "CycleOpenedV1",
    },
    EventType {
        name: CYCLE_CLOSED,
        source: SOURCE,
        description: "The coordination closed a cycle, with how many hosts held their dialogue (subject: the cycle).",
        payload: "CycleClosedV1",
    },
    EventType {
        name: HOST_JOINED,
        source: SOURCE,
        description: "An organisation became a host of the open cycle, at opening or when it later signed an agreement (subject: the organisation).",
        payload: "HostJoinedV1",
    },
    EventType {
        name: HOST_WITHDRAWN,
        source: SOURCE,
        description: "A host left the open cycle (agreement ended, organisation deactivated); its unscheduled dialogue is withdrawn, a scheduled one flagged for the coordination (subject: the organisation).",
        payload: "HostWithdrawnV1",
    },
    EventType {
        name: DIALOGUE_SCHEDULED,
        source: SOURCE,
        description: "A dialogue got its date, place and guests (subject: the dialogue).",
        payload: "DialogueScheduledV1",
    },
    EventType {
        name: DIALOGUE_RESCHEDULED,
        source: SOURCE,
        description: "A scheduled dialogue moved to another date, with the previous day and the reason (subject: the dialogue).",
        payload: "DialogueScheduledV1",
    },
    EventType {
        name: DIALOGUE_GUESTS_CHANGED,
        source: SOURCE,
        description: "The guest list of a scheduled dialogue changed; the payload has the whole new list (subject: the dialogue).",
        payload: "DialogueGuestsChangedV1",
    },
    EventType {
        name: DIALOGUE_CANCELLED,
        source: SOURCE,
        description: "A dialogue was called off; its day is free again (subject: the dialogue).",
        payload: "DialogueCancelledV1",
    },
    EventType {
        name: DIALOGUE_INVITED,
        source: SOURCE,
        description: "Invitations to a dialogue went out, with everyone invited and an iCalendar object to attach (subject: the dialogue).",
        payload: "DialogueInvitedV1",
    },
    EventType {
        name: PARTICIPANT_RESPONDED,
        source: SOURCE,
        description: "A guest accepted or declined an invitation (subject: the dialogue).",
        payload: "ParticipantRespondedV1",
    },
    EventType {
        name: PARTICIPANT_REPLACED,
        source: SOURCE,
        description: "A declining guest was replaced by a colleague of the same organisation, with the replacement's invitation (subject: the dialogue).",
        payload: "ParticipantReplacedV1",
    },
    EventType {
        name: REPORT_SUBMITTED,
        source: SOURCE,
        description: "The host submitted its quality report; the invited participants can read it now (subject: the dialogue).",
        payload: "ReportSubmittedV1",
    },
    EventType {
        name: DIALOGUE_HELD,
        source: SOURCE,
        description: "A dialogue took place, with who was there (subject: the dialogue).",
        payload: "DialogueHeldV1",
    },
    EventType {
        name: DIALOGUE_DOCUMENTED,
        source: SOURCE,
        description: "The host documented a held dialogue's results (subject: the dialogue).",
        payload: "DialogueDocumentedV1",
    },
    EventType {
        name: FINDING_RECORDED,
        source: SOURCE,
        description: "A finding of a dialogue with its follow-up: expert day, Forum topic, publication or agreed measure (subject: the finding).",
        payload: "FindingRecordedV1",
    },
    EventType {
        name: EVALUATION_COMPLETED,
        source: SOURCE,
        description: "The participants' evaluation of a dialogue was completed, with the average per criterion (subject: the dialogue).",
        payload: "EvaluationCompletedV1",
    },
    EventType {
        name: MEASURE_COMPLETED,
        source: SOURCE,
        description: "An agreed measure was carried out or dropped (subject: the finding).",
        payload: "MeasureCompletedV1",
    },
    EventType {
        name: FINDING_ESCALATED,
        source: SOURCE,
        description: "A finding of kind forum_topic: the committee service makes it a topic in the steering group's inbox (exactly once per finding).",
        payload: "FindingEscalatedV1",
    },
];
