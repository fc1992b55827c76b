//! Bodies (Gremien), working groups and memberships.

use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiResult, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::bodies::{BodyKind, MembershipRole};
use crate::store::bodies::{BodyRow, MembershipRow};
use crate::store::parse_code;

/// A body of the cooperation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11", "kind": "working_group", "name": "AK QMF", "short_name": "AK QMF",
    "permanent": true, "mandate": "Quality and its development, instruments, training concepts, the quality dialogue.",
    "parent_id": null, "status": "active", "established_on": null, "dissolved_on": null, "version": 1,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"}))]
pub struct Body {
    pub id: Uuid,
    pub kind: BodyKind,
    pub name: String,
    pub short_name: Option<String>,
    /// Permanent working groups (AK QMF, AK QMF-Koordination) versus temporary ones set up by the Forum.
    pub permanent: bool,
    pub mandate: Option<String>,
    /// The parent working group of a sub-group.
    pub parent_id: Option<Uuid>,
    /// `active` or `dissolved`.
    pub status: String,
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub fn body(row: BodyRow) -> ApiResult<Body> {
    Ok(Body {
        id: row.id,
        kind: parse_code(&row.kind)?,
        name: row.name,
        short_name: row.short_name,
        permanent: row.permanent,
        mandate: row.mandate,
        parent_id: row.parent_id,
        status: row.status,
        established_on: row.established_on,
        dissolved_on: row.dissolved_on,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A seat in a body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937b01-0000-7000-8000-000000000002", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "role": "speaker", "start_on": "2026-01-01", "end_on": null, "term_id": null, "version": 1}))]
pub struct Membership {
    pub id: Uuid,
    pub body_id: Uuid,
    /// The member (a directory person); `null` when the organisation itself holds the seat,
    /// as the management's youth office chairs the Forum.
    pub person_id: Option<Uuid>,
    /// The organisation the member represents.
    pub organization_id: Uuid,
    pub role: MembershipRole,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    /// Set when the seat comes with a management term and ends with it.
    pub term_id: Option<Uuid>,
    pub version: i32,
}

pub fn membership(row: MembershipRow) -> ApiResult<Membership> {
    Ok(Membership {
        id: row.id,
        body_id: row.body_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        role: parse_code(&row.role)?,
        start_on: row.start_on,
        end_on: row.end_on,
        term_id: row.term_id,
        version: row.version,
    })
}

/// A new membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "role": "speaker", "start_on": "2026-01-01", "end_on": null}))]
pub struct NewMembershipInput {
    /// The member: an active directory person, known to the committee service from the
    /// directory's events.
    pub person_id: Uuid,
    /// The organisation the member represents: the person's own organisation.
    pub organization_id: Uuid,
    pub role: MembershipRole,
    pub start_on: NaiveDate,
    #[serde(default)]
    pub end_on: Option<NaiveDate>,
}

/// The end of a membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"end_on": "2026-12-31"}))]
pub struct MembershipEnd {
    /// Last day; not before the start.
    pub end_on: NaiveDate,
}

/// A new working group or sub-group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "AK Inklusion", "short_name": "AK Inkl", "permanent": false,
    "mandate": "Inclusive help for young people with disabilities (SGB VIII reform).", "parent_id": null, "established_on": "2026-11-05"}))]
pub struct NewWorkingGroup {
    /// Unique among all bodies.
    #[schema(min_length = 2, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 50)]
    pub short_name: Option<String>,
    /// Permanent (like AK QMF) or temporary until its mandate ends.
    pub permanent: bool,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub mandate: Option<String>,
    /// The working group this one is a sub-group of.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    pub established_on: NaiveDate,
}

/// Dissolving a working group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"dissolved_on": "2027-06-30"}))]
pub struct Dissolution {
    /// Last day of the body; its open memberships end on it.
    pub dissolved_on: NaiveDate,
}

/// Field errors of a new working group; `prefix` places the pointers inside a larger body.
pub fn validate_working_group(input: &NewWorkingGroup, prefix: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let name = input.name.trim().chars().count();
    if !(2..=200).contains(&name) {
        errors.push(FieldError::new(
            format!("{prefix}/name"),
            "must have 2 to 200 characters",
        ));
    }
    if input
        .short_name
        .as_deref()
        .is_some_and(|s| s.trim().is_empty() || s.chars().count() > 50)
    {
        errors.push(FieldError::new(
            format!("{prefix}/short_name"),
            "must have 1 to 50 characters",
        ));
    }
    if input
        .mandate
        .as_deref()
        .is_some_and(|m| m.chars().count() > 4000)
    {
        errors.push(FieldError::new(
            format!("{prefix}/mandate"),
            "must have at most 4000 characters",
        ));
    }
    errors
}
