//! Bodies (Gremien) and memberships.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Kind of body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BodyKind {
    /// Forum Jugendhilfe: the decision level.
    Forum,
    /// Geschäftsführung, held for two years by a youth office.
    Management,
    /// Steuerungsgruppe.
    SteeringGroup,
    /// Gesamtkoordination.
    Coordination,
    /// Arbeitskreis (or its sub-group, Unterarbeitskreis).
    WorkingGroup,
}

/// Role of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MembershipRole {
    /// Vorsitz.
    Chair,
    /// Stellvertretung.
    Deputy,
    /// Sprecher/in of a working group.
    Speaker,
    Member,
    /// Guest such as KVJS.
    Guest,
    /// Invited expert.
    Expert,
}
