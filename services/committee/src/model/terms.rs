//! The management's terms (Geschäftsführung), held in rotation by the youth offices.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::terms::TermRow;

/// A management term (Geschäftsführung).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937b00-0000-7000-8000-000000000001", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "start_on": "2027-01-01", "end_on": "2028-12-31"}))]
pub struct ManagementTerm {
    pub id: Uuid,
    /// The youth office holding the management.
    pub office_id: Uuid,
    pub start_on: NaiveDate,
    /// Last day of the term.
    pub end_on: NaiveDate,
}

pub fn term(row: &TermRow) -> ManagementTerm {
    ManagementTerm {
        id: row.id,
        office_id: row.office_id,
        start_on: row.start_on,
        end_on: row.end_on,
    }
}

/// The proposed next term.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "office_name": "Jugendamt Hohenlohekreis",
    "start_on": "2029-01-01", "end_on": "2030-12-31"}))]
pub struct TermProposal {
    /// The youth office next in rotation: one that never held the management, else the one whose
    /// last term lies furthest back.
    pub office_id: Uuid,
    pub office_name: String,
    /// The day after the latest term ends (none yet: today).
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

/// A new term.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "start_on": "2027-01-01"}))]
pub struct NewTerm {
    /// An active youth office.
    pub office_id: Uuid,
    /// The day after the latest term ends (no gap, no overlap).
    pub start_on: NaiveDate,
}
