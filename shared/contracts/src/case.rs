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

pub const EVENTS: &[EventType] = &[EventType {
    name: CASE_OPENED,
    source: SOURCE,
    description: "A help case was opened. Pseudonymised: no names, no dates of birth.",
    payload: "CaseOpenedV1",
}];
