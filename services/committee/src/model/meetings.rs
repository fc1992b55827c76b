//! Meetings of the bodies with agenda, attendance and minutes; the Forum-meetings report.

use chrono::{DateTime, Utc};
use qmf_platform::{ApiError, ApiResult, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::meetings::{AttendanceStatus, MeetingState, MeetingTransition};

/// An agenda item (Tagesordnungspunkt).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937c01-0000-7000-8000-000000000004", "position": 2,
    "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "public": true, "topic_id": "01937d00-0000-7000-8000-000000000005"}))]
pub struct AgendaItem {
    pub id: Uuid,
    /// 1-based position on the agenda.
    pub position: i32,
    pub title: String,
    /// Public items appear in the OParl interface.
    pub public: bool,
    /// The topic this item deliberates, if it was scheduled from one.
    pub topic_id: Option<Uuid>,
}

/// A meeting with its agenda.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937c00-0000-7000-8000-000000000003", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "title": "Forum Jugendhilfe, Frühjahrssitzung", "starts_at": "2027-03-17T09:00:00Z", "ends_at": "2027-03-17T13:00:00Z",
    "place": "Landratsamt Künzelsau, Sitzungssaal", "public": true, "state": "planned",
    "agenda": [{"id": "01937c01-0000-7000-8000-000000000004", "position": 1, "title": "Begrüßung", "public": true, "topic_id": null}],
    "attendance": [], "minutes": null, "minutes_withheld": false, "invitations_sent_at": null, "version": 2}))]
pub struct Meeting {
    pub id: Uuid,
    pub body_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub public: bool,
    pub state: MeetingState,
    pub agenda: Vec<AgendaItem>,
    /// Who attended or sent apologies.
    pub attendance: Vec<Attendance>,
    /// The minutes (Protokoll), once written. Those of a closed (non-public) meeting are only
    /// shown to the members of its body, the management, the coordination and admins; for
    /// anyone else they are `null` and `minutes_withheld` is true.
    pub minutes: Option<String>,
    /// The caller may not read this meeting's minutes (whether or not they were written).
    pub minutes_withheld: bool,
    /// When the invitations went out.
    pub invitations_sent_at: Option<DateTime<Utc>>,
    /// Version of the meeting; agenda, attendance and minutes changes count too.
    pub version: i32,
}

/// One entry of the attendance list: a directory person, an organisation's seat, or a named
/// guest without a directory entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "name": null, "status": "present"}))]
pub struct Attendance {
    #[serde(default)]
    pub person_id: Option<Uuid>,
    /// The organisation represented; left out with a `person_id`, the one the person works for.
    #[serde(default)]
    pub organization_id: Option<Uuid>,
    /// For guests without a directory entry, e.g. an invited expert (1 to 200 characters).
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub name: Option<String>,
    pub status: AttendanceStatus,
}

/// A new meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Forum Jugendhilfe, Frühjahrssitzung", "starts_at": "2027-03-17T09:00:00Z",
    "ends_at": "2027-03-17T13:00:00Z", "place": "Landratsamt Künzelsau, Sitzungssaal", "public": true}))]
pub struct NewMeetingInput {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    pub starts_at: DateTime<Utc>,
    /// After `starts_at`.
    pub ends_at: DateTime<Utc>,
    #[schema(min_length = 1, max_length = 300)]
    pub place: String,
    /// Public meetings appear in the OParl interface.
    #[serde(default)]
    pub public: bool,
}

impl NewMeetingInput {
    /// Title and place have 1 to 300 characters; the meeting ends after it starts.
    pub fn validate(&self) -> ApiResult<()> {
        let mut errors = Vec::new();
        for (pointer, text, max) in [("/title", &self.title, 300), ("/place", &self.place, 300)] {
            let len = text.trim().chars().count();
            if len == 0 || len > max {
                errors.push(FieldError::new(
                    pointer,
                    format!("must have 1 to {max} characters"),
                ));
            }
        }
        if self.ends_at <= self.starts_at {
            errors.push(FieldError::new("/ends_at", "must be after starts_at"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// The minutes of a meeting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"meeting_id": "01937c00-0000-7000-8000-000000000003",
    "text": "TOP 1: Begrüßung durch die Geschäftsführung. TOP 2: Das Forum beschließt …", "approved": false, "version": 7}))]
pub struct Minutes {
    pub meeting_id: Uuid,
    pub text: String,
    /// Approved minutes are final; until then the management may still correct them.
    pub approved: bool,
    /// Version of the meeting (its ETag), for `PUT /v1/meetings/{id}/minutes`.
    pub version: i32,
}

/// A state change of a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MeetingTransitionInput)]
#[schema(example = json!({"transition": "mark_held"}))]
pub struct TransitionInput {
    pub transition: MeetingTransition,
}

/// A new agenda item.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "public": true}))]
pub struct NewAgendaItem {
    #[schema(min_length = 1, max_length = 500)]
    pub title: String,
    #[serde(default = "public_by_default")]
    pub public: bool,
}

fn public_by_default() -> bool {
    true
}

impl NewAgendaItem {
    /// The title has 1 to 500 characters.
    pub fn validate(&self) -> ApiResult<()> {
        let len = self.title.trim().chars().count();
        if len == 0 || len > 500 {
            return Err(ApiError::validation(
                "/title",
                "must have 1 to 500 characters",
            ));
        }
        Ok(())
    }
}

/// The new order of the agenda.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"item_ids": ["01937c01-0000-7000-8000-000000000006", "01937c01-0000-7000-8000-000000000004", "01937c01-0000-7000-8000-000000000005"]}))]
pub struct AgendaOrder {
    /// Every item id of the agenda exactly once, in the new order.
    pub item_ids: Vec<Uuid>,
}

/// Forum meetings of one year.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"year": 2027, "planned": 2, "held": 1, "below_minimum": false}))]
pub struct ForumYear {
    pub year: i32,
    /// Meetings planned or held (not cancelled).
    pub planned: i64,
    /// Meetings held.
    pub held: i64,
    /// Fewer than two meetings planned or held: the Forum meets twice a year.
    pub below_minimum: bool,
}

/// Sending the invitations.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"message": "Bitte beachten Sie die Vorlage zu TOP 2."}))]
pub struct InvitationInput {
    /// Optional text for the invitation, up to 4000 characters.
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub message: Option<String>,
}

impl InvitationInput {
    /// The trimmed message, at most 4000 characters.
    pub fn message(self) -> ApiResult<Option<String>> {
        let message = self.message.map(|m| m.trim().to_string());
        if message.as_deref().is_some_and(|m| m.chars().count() > 4000) {
            return Err(ApiError::validation(
                "/message",
                "must have at most 4000 characters",
            ));
        }
        Ok(message)
    }
}

/// The whole attendance list of a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entries": [
    {"person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "status": "present"},
    {"organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "status": "excused"},
    {"name": "Dr. Beispiel (KJP Weinsberg)", "status": "guest"}]}))]
pub struct AttendanceList {
    /// Up to 500 entries; each names a person, an organisation or (for guests) a name.
    #[schema(max_items = 500)]
    pub entries: Vec<Attendance>,
}

impl AttendanceList {
    /// At most 500 entries, each naming a person, an organisation or a guest (1 to 200
    /// characters), no person twice.
    pub fn validate(&self) -> ApiResult<()> {
        let entries = &self.entries;
        let mut errors = Vec::new();
        if entries.len() > 500 {
            errors.push(FieldError::new("/entries", "must have at most 500 entries"));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, entry) in entries.iter().enumerate() {
            if entry.person_id.is_none() && entry.organization_id.is_none() && entry.name.is_none()
            {
                errors.push(FieldError::new(
                    format!("/entries/{i}"),
                    "must name a person, an organisation or a guest",
                ));
            }
            if entry
                .name
                .as_deref()
                .is_some_and(|n| !(1..=200).contains(&n.trim().chars().count()))
            {
                errors.push(FieldError::new(
                    format!("/entries/{i}/name"),
                    "must have 1 to 200 characters",
                ));
            }
            if let Some(person) = entry.person_id
                && !seen.insert(person)
            {
                errors.push(FieldError::new(
                    format!("/entries/{i}/person_id"),
                    "appears twice",
                ));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// The minutes of a meeting.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"text": "TOP 1: Begrüßung durch die Geschäftsführung. TOP 2: Das Forum beschließt …"}))]
pub struct MinutesInput {
    /// 1 to 100,000 characters.
    #[schema(min_length = 1, max_length = 100000)]
    pub text: String,
}

impl MinutesInput {
    /// The text has 1 to 100,000 characters.
    pub fn validate(&self) -> ApiResult<()> {
        if !(1..=100_000).contains(&self.text.trim().chars().count()) {
            return Err(ApiError::validation(
                "/text",
                "must have 1 to 100000 characters",
            ));
        }
        Ok(())
    }
}
