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

pub const EVENTS: &[EventType] = &[EventType {
    name: FINDING_ESCALATED,
    source: SOURCE,
    description: "An important finding of a quality dialogue was escalated; the committee service makes it a topic in the steering group's inbox (exactly once per finding). The contract is fixed; the dialogue service does not publish it yet.",
    payload: "FindingEscalatedV1",
}];
