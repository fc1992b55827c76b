//! Bodies (Gremien) and memberships.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use qmf_platform::{ApiError, RuleName};

use super::rules::Rule;

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
    start_on: NaiveDate,
    end_on: Option<NaiveDate>,
) -> Result<(), ApiError> {
    if let Some(end) = end_on
        && end < start_on
    {
        return Err(ApiError::validation(
            "/end_on",
            "must not be before start_on",
        ));
    }
    if !body_active {
        return Err(Rule::BodyDissolved.conflict("the body is dissolved"));
    }
    if role == MembershipRole::Speaker && body_kind != BodyKind::WorkingGroup {
        return Err(Rule::SpeakerOnlyInWorkingGroups
            .conflict("speakers (Sprecher/innen) belong to working groups"));
    }
    if role == MembershipRole::Chair
        && matches!(body_kind, BodyKind::Forum | BodyKind::SteeringGroup)
    {
        return Err(Rule::ChairComesWithTheManagementTerm.conflict(
            "the management's youth office chairs the Forum and the steering group; record a management term",
        ));
    }
    Ok(())
}

/// The days of a membership, first and last included; open-ended without a last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
}

impl Period {
    /// Whether the two periods share at least one day.
    pub fn overlaps(self, other: Period) -> bool {
        self.end_on.is_none_or(|end| other.start_on <= end)
            && other.end_on.is_none_or(|end| self.start_on <= end)
    }
}

/// Refuses a seat for a person in a body when its period overlaps one of the person's other
/// seats in that body (`others`: their ids and periods).
pub fn check_no_overlap(period: Period, others: &[(Uuid, Period)]) -> Result<(), ApiError> {
    match others.iter().find(|(_, other)| period.overlaps(*other)) {
        None => Ok(()),
        Some((id, other)) => Err(Rule::MembershipsDoNotOverlap.conflict(format!(
            "the person already holds a seat in this body from {}{} (membership {id}); end it \
             first or start the new seat after it",
            other.start_on,
            other
                .end_on
                .map_or_else(|| " on".to_string(), |end| format!(" to {end}")),
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn rule(r: Result<(), ApiError>) -> String {
        match r {
            Err(ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn a_person_holds_one_seat_at_a_time_in_a_body() {
        let period = |start: &str, end: Option<&str>| Period {
            start_on: day(start),
            end_on: end.map(day),
        };
        let open = period("2026-01-01", None);
        let first_half = period("2026-01-01", Some("2026-06-30"));
        let second_half = period("2026-07-01", Some("2026-12-31"));
        assert!(open.overlaps(second_half));
        assert!(second_half.overlaps(open));
        assert!(!first_half.overlaps(second_half), "adjacent periods");
        assert!(!second_half.overlaps(first_half));
        assert!(
            first_half.overlaps(period("2026-06-30", Some("2026-06-30"))),
            "the last day"
        );
        assert!(
            first_half.overlaps(period("2025-01-01", Some("2026-01-01"))),
            "the first day"
        );
        assert!(period("2026-03-01", None).overlaps(open));
        assert!(!period("2027-01-01", None).overlaps(second_half));

        let id = Uuid::nil();
        assert!(check_no_overlap(second_half, &[]).is_ok());
        assert!(check_no_overlap(second_half, &[(id, first_half)]).is_ok());
        assert_eq!(
            rule(check_no_overlap(
                second_half,
                &[(id, first_half), (id, open)]
            )),
            Rule::MembershipsDoNotOverlap.name()
        );
        assert_eq!(
            rule(check_no_overlap(open, &[(id, second_half)])),
            Rule::MembershipsDoNotOverlap.name()
        );
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
            Rule::SpeakerOnlyInWorkingGroups.name()
        );
        assert_eq!(
            rule(check_membership(
                BodyKind::Forum,
                true,
                MembershipRole::Chair,
                start,
                None
            )),
            Rule::ChairComesWithTheManagementTerm.name()
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
            Rule::BodyDissolved.name()
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
