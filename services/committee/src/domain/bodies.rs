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

/// Checks a new membership against the body's kind and status.
pub fn check_membership(
    body_kind: BodyKind,
    body_active: bool,
    role: MembershipRole,
    start_on: chrono::NaiveDate,
    end_on: Option<chrono::NaiveDate>,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_platform::ApiError;
    if let Some(end) = end_on
        && end < start_on
    {
        return Err(ApiError::validation(
            "/end_on",
            "must not be before start_on",
        ));
    }
    if !body_active {
        return Err(ApiError::conflict(
            "body_dissolved",
            "the body is dissolved",
        ));
    }
    if role == MembershipRole::Speaker && body_kind != BodyKind::WorkingGroup {
        return Err(ApiError::conflict(
            "speaker_only_in_working_groups",
            "speakers (Sprecher/innen) belong to working groups",
        ));
    }
    if role == MembershipRole::Chair
        && matches!(body_kind, BodyKind::Forum | BodyKind::SteeringGroup)
    {
        return Err(ApiError::conflict(
            "chair_comes_with_the_management_term",
            "the management's youth office chairs the Forum and the steering group; record a management term",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn rule(r: Result<(), qmf_platform::ApiError>) -> String {
        match r {
            Err(qmf_platform::ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn membership_rules() {
        let start = day("2026-01-01");
        assert!(
            check_membership(
                BodyKind::WorkingGroup,
                true,
                MembershipRole::Speaker,
                start,
                None
            )
            .is_ok()
        );
        assert_eq!(
            rule(check_membership(
                BodyKind::Forum,
                true,
                MembershipRole::Speaker,
                start,
                None
            )),
            "speaker_only_in_working_groups"
        );
        assert_eq!(
            rule(check_membership(
                BodyKind::Forum,
                true,
                MembershipRole::Chair,
                start,
                None
            )),
            "chair_comes_with_the_management_term"
        );
        assert!(
            check_membership(
                BodyKind::WorkingGroup,
                true,
                MembershipRole::Chair,
                start,
                None
            )
            .is_ok()
        );
        assert_eq!(
            rule(check_membership(
                BodyKind::WorkingGroup,
                false,
                MembershipRole::Member,
                start,
                None
            )),
            "body_dissolved"
        );
        assert!(
            check_membership(
                BodyKind::Forum,
                true,
                MembershipRole::Guest,
                start,
                Some(day("2025-12-31"))
            )
            .is_err()
        );
    }
}
