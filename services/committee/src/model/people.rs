//! The people the committee knows (from the directory's events) and their consent to appear
//! in the public OParl interface.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::people::PersonRow;

/// A person as the committee service knows them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "given_name": "Lena", "family_name": "Beispiel", "active": true, "public_consent": true, "consent_changed_at": "2027-01-12T10:00:00Z"}))]
pub struct Person {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    /// Still working for the organisation, as the directory says.
    pub active: bool,
    /// Agreed to appear (name, memberships) in the public OParl interface.
    pub public_consent: bool,
    pub consent_changed_at: Option<DateTime<Utc>>,
}

pub fn person(row: PersonRow) -> Person {
    Person {
        id: row.id,
        organization_id: row.organization_id,
        given_name: row.given_name,
        family_name: row.family_name,
        active: row.active,
        public_consent: row.public_consent,
        consent_changed_at: row.consent_changed_at,
    }
}

/// Consent to publication.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"consent": true}))]
pub struct ConsentInput {
    pub consent: bool,
}
