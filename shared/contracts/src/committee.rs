//! Events of the committee service.

use chrono::NaiveDate;
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

pub const EVENTS: &[EventType] = &[
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
