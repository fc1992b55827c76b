//! Events of the case service. They carry no personal data: a per-case pseudonym (not the
//! case id), organisation ids, codes, dates and figures.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::EventType;

pub const SOURCE: &str = "/qmf/case";

pub const CASE_OPENED: &str = "case.opened.v1";

/// A case was opened at a youth office.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case": "5b1f3c1e-0d7a-4c55-9a56-2f0e8a1b9c3d", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "help_kind": "family_help", "opened_on": "2026-11-23"}))]
pub struct CaseOpenedV1 {
    /// Pseudonym of the case: stable across its events, useless for the case API.
    pub case: Uuid,
    pub office_id: Uuid,
    /// Help kind code (see the case service's `HelpKind`).
    pub help_kind: String,
    pub opened_on: NaiveDate,
}

pub const ASSESSMENT_COMPLETED: &str = "case.assessment_completed.v1";
pub const PLAN_AGREED: &str = "case.plan_agreed.v1";
pub const HELP_STARTED: &str = "case.help_started.v1";
pub const REVIEW_HELD: &str = "case.review_held.v1";
pub const TRANSFERRED: &str = "case.transferred.v1";
pub const CLOSED: &str = "case.closed.v1";

/// The needs assessment of a case was completed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case": "5b1f3c1e-0d7a-4c55-9a56-2f0e8a1b9c3d", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "help_kind": "family_help", "instrument_version": 1, "young_person_heard": true, "agreement_reached": true}))]
pub struct AssessmentCompletedV1 {
    pub case: Uuid,
    pub office_id: Uuid,
    pub help_kind: String,
    /// Version of the assessment instrument used.
    pub instrument_version: i32,
    pub young_person_heard: bool,
    pub agreement_reached: bool,
}

/// A help-plan version was agreed and sent to the provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case": "5b1f3c1e-0d7a-4c55-9a56-2f0e8a1b9c3d", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "help_kind": "family_help", "plan_version": 1,
    "goal_count": 3, "review_interval_months": 6, "start_on": "2026-12-01"}))]
pub struct PlanAgreedV1 {
    pub case: Uuid,
    pub office_id: Uuid,
    pub provider_id: Uuid,
    pub help_kind: String,
    pub plan_version: i32,
    pub goal_count: i32,
    pub review_interval_months: i32,
    pub start_on: NaiveDate,
}

/// The help started with the accepted plan's provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case": "5b1f3c1e-0d7a-4c55-9a56-2f0e8a1b9c3d", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "help_kind": "family_help", "started_on": "2026-12-01"}))]
pub struct HelpStartedV1 {
    pub case: Uuid,
    pub office_id: Uuid,
    pub provider_id: Uuid,
    pub help_kind: String,
    pub started_on: NaiveDate,
}

/// A help-plan review was held; ratings are 1 (not reached) to 5 (fully reached).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case": "5b1f3c1e-0d7a-4c55-9a56-2f0e8a1b9c3d", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "held_on": "2027-06-01", "ratings": [3, 4, 2],
    "young_person_heard": true, "agreement_reached": true}))]
pub struct ReviewHeldV1 {
    pub case: Uuid,
    pub office_id: Uuid,
    pub provider_id: Uuid,
    pub held_on: NaiveDate,
    /// One rating per goal, in goal order.
    pub ratings: Vec<i32>,
    pub young_person_heard: bool,
    pub agreement_reached: bool,
}

/// Responsibility for a case moved to another youth office (§86 SGB VIII).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case": "5b1f3c1e-0d7a-4c55-9a56-2f0e8a1b9c3d", "from_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "to_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e61", "help_kind": "family_help"}))]
pub struct TransferredV1 {
    pub case: Uuid,
    pub from_office_id: Uuid,
    pub to_office_id: Uuid,
    pub help_kind: String,
}

/// A case was closed: the outcome figures for quality reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"case": "5b1f3c1e-0d7a-4c55-9a56-2f0e8a1b9c3d", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "help_kind": "family_help", "duration_days": 412,
    "end_kind": "planned", "end_reason": "goals_reached", "goal_attainment": 4.0}))]
pub struct ClosedV1 {
    pub case: Uuid,
    pub office_id: Uuid,
    /// The provider of the last accepted plan; `null` when closed without help.
    pub provider_id: Option<Uuid>,
    pub help_kind: String,
    /// Days from the start of the help to its end; `null` without help.
    pub duration_days: Option<i64>,
    /// `planned`, `unplanned` or `without_help`.
    pub end_kind: String,
    pub end_reason: String,
    /// Mean of the final goal ratings (1-5); `null` without help.
    pub goal_attainment: Option<f64>,
}

/// Everything the case service publishes, each under the case's pseudonym as subject.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum CaseEvent {
    Opened(CaseOpenedV1),
    AssessmentCompleted(AssessmentCompletedV1),
    PlanAgreed(PlanAgreedV1),
    HelpStarted(HelpStartedV1),
    ReviewHeld(ReviewHeldV1),
    Transferred(TransferredV1),
    Closed(ClosedV1),
    InstrumentReleased(InstrumentReleasedV1),
}

impl crate::Event for CaseEvent {
    fn source(&self) -> &'static str {
        SOURCE
    }

    fn event_type(&self) -> &'static str {
        match self {
            CaseEvent::Opened(_) => CASE_OPENED,
            CaseEvent::AssessmentCompleted(_) => ASSESSMENT_COMPLETED,
            CaseEvent::PlanAgreed(_) => PLAN_AGREED,
            CaseEvent::HelpStarted(_) => HELP_STARTED,
            CaseEvent::ReviewHeld(_) => REVIEW_HELD,
            CaseEvent::Transferred(_) => TRANSFERRED,
            CaseEvent::Closed(_) => CLOSED,
            CaseEvent::InstrumentReleased(_) => INSTRUMENT_RELEASED,
        }
    }

    fn subject(&self) -> String {
        let case = match self {
            CaseEvent::Opened(e) => e.case,
            CaseEvent::AssessmentCompleted(e) => e.case,
            CaseEvent::PlanAgreed(e) => e.case,
            CaseEvent::HelpStarted(e) => e.case,
            CaseEvent::ReviewHeld(e) => e.case,
            CaseEvent::Transferred(e) => e.case,
            CaseEvent::Closed(e) => e.case,
            CaseEvent::InstrumentReleased(e) => return format!("instrument/{}", e.instrument),
        };
        case.to_string()
    }
}

pub const EVENTS: &[EventType] = &[
    EventType {
        name: CASE_OPENED,
        source: SOURCE,
        description: "A help case was opened. Pseudonymised: no names, no dates of birth.",
        payload: "CaseOpenedV1",
    },
    EventType {
        name: ASSESSMENT_COMPLETED,
        source: SOURCE,
        description: "The needs assessment of a case was completed.",
        payload: "AssessmentCompletedV1",
    },
    EventType {
        name: PLAN_AGREED,
        source: SOURCE,
        description: "A help-plan version was agreed with the family and sent to the provider.",
        payload: "PlanAgreedV1",
    },
    EventType {
        name: HELP_STARTED,
        source: SOURCE,
        description: "The help started with the provider that accepted the plan.",
        payload: "HelpStartedV1",
    },
    EventType {
        name: REVIEW_HELD,
        source: SOURCE,
        description: "A help-plan review (Hilfeplangespräch) was held.",
        payload: "ReviewHeldV1",
    },
    EventType {
        name: TRANSFERRED,
        source: SOURCE,
        description: "Responsibility for a case moved to another youth office (§86 SGB VIII).",
        payload: "TransferredV1",
    },
    EventType {
        name: CLOSED,
        source: SOURCE,
        description: "A case was closed; carries the outcome figures (duration, end, goal attainment).",
        payload: "ClosedV1",
    },
    EventType {
        name: INSTRUMENT_RELEASED,
        source: SOURCE,
        description: "A new version of an instrument was released (subject: `instrument/<key>`). No personal data; the training service marks the staff trained on an older version as needing a refresher.",
        payload: "InstrumentReleasedV1",
    },
];

pub const INSTRUMENT_RELEASED: &str = "case.instrument_released.v1";

/// A new version of an instrument (assessment, help plan, review, final evaluation) was
/// released, as adopted by the Forum.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"instrument": "help_plan", "version": 2, "title": "Hilfeplan",
    "released_on": "2027-01-15"}))]
pub struct InstrumentReleasedV1 {
    /// `assessment`, `help_plan`, `review` or `final_evaluation`.
    pub instrument: String,
    pub version: i32,
    pub title: String,
    pub released_on: NaiveDate,
}
