//! Who may see and change which cases (social data protection, §35 SGB I, §§61–68 SGB VIII).
//!
//! The rules are applied inside the database queries (see `store::cases::visible`), so a case a
//! caller may not see is never loaded: the answer is 404, as if it did not exist.

use qmf_platform::{ApiError, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// From whose side a caller looks at cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Staff (and integrating software) of the responsible youth office: the office's open and
    /// closed cases, with all data.
    Office(Uuid),
    /// Staff of an institution: only cases whose current plan it delivers (or is asked to
    /// deliver), without the custody holders' contact data.
    Provider(Uuid),
}

impl Audience {
    pub fn organization(self) -> Uuid {
        match self {
            Audience::Office(org) | Audience::Provider(org) => org,
        }
    }

    pub fn sees_custody_contacts(self) -> bool {
        matches!(self, Audience::Office(_))
    }
}

const OFFICE_ROLES: &[Role] = &[Role::Caseworker, Role::YouthOfficeStaff, Role::Service];

/// The audience of a caller for case data, or 403 for callers who never see single cases
/// (coordination, auditors, admins: they see aggregates or the audit log).
pub fn audience(principal: &Principal) -> Result<Audience, ApiError> {
    let organization = principal.organization;
    if principal.has_any_role(OFFICE_ROLES) {
        return organization.map(Audience::Office).ok_or_else(|| {
            ApiError::Forbidden("the token names no organisation (`org` claim)".into())
        });
    }
    if principal.has_role(Role::InstitutionStaff) {
        return organization.map(Audience::Provider).ok_or_else(|| {
            ApiError::Forbidden("the token names no organisation (`org` claim)".into())
        });
    }
    Err(ApiError::Forbidden(
        "case data is visible only to the responsible youth office and the delivering institution"
            .into(),
    ))
}

/// Commands that only the responsible youth office may give.
pub fn require_office(audience: Audience) -> Result<Uuid, ApiError> {
    match audience {
        Audience::Office(office) => Ok(office),
        Audience::Provider(_) => Err(ApiError::Forbidden(
            "only the responsible youth office leads the case".into(),
        )),
    }
}

/// Changes to a case come from its responsible office only: the office a transfer is offered to
/// reads the case to decide, and leads it once it has accepted.
pub fn require_responsible(office: Uuid, responsible_office: Uuid) -> Result<(), ApiError> {
    if office == responsible_office {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the responsible youth office leads the case; answer the transfer first".into(),
        ))
    }
}

/// Archived cases are readable only with the explicit archive role.
pub fn may_read_archive(principal: &Principal) -> bool {
    principal.has_role(Role::Archivist)
}

/// Outcome statistics are for the overall coordination.
pub fn require_statistics_reader(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(&[Role::Coordinator, Role::Admin])
}

/// Whether an access recorded in the audit log was granted or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AuditOutcome {
    Granted,
    /// Answered 403 or 404: the caller read nothing.
    Refused,
}

/// Whether an answer refuses the caller access to case data: 403, or 404, which the service
/// gives alike for a case that does not exist and one the caller may not see. Refusals are
/// audited like granted reads.
pub fn is_refusal(error: &ApiError) -> bool {
    matches!(error, ApiError::Forbidden(_) | ApiError::NotFound(_))
}

/// The audit log is for auditors only.
pub fn require_auditor(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(&[Role::Auditor])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(roles: Vec<Role>, org: Option<Uuid>) -> Principal {
        Principal {
            subject: "s".into(),
            organization: org,
            roles,
        }
    }

    #[test]
    fn audiences_follow_role_and_organisation() {
        let org = Uuid::now_v7();
        assert_eq!(
            audience(&principal(vec![Role::Caseworker], Some(org))).ok(),
            Some(Audience::Office(org))
        );
        assert_eq!(
            audience(&principal(vec![Role::Service], Some(org))).ok(),
            Some(Audience::Office(org))
        );
        assert_eq!(
            audience(&principal(vec![Role::InstitutionStaff], Some(org))).ok(),
            Some(Audience::Provider(org))
        );
        assert!(audience(&principal(vec![Role::Caseworker], None)).is_err());
        for role in [
            Role::Admin,
            Role::Coordinator,
            Role::Auditor,
            Role::Trainer,
            Role::CommitteeSecretary,
        ] {
            assert!(
                audience(&principal(vec![role], Some(org))).is_err(),
                "{role:?}"
            );
        }
    }

    #[test]
    fn forbidden_and_not_found_are_refusals() {
        assert!(is_refusal(&ApiError::Forbidden("x".into())));
        assert!(is_refusal(&ApiError::NotFound("x".into())));
        assert!(!is_refusal(&ApiError::validation("/x", "y")));
        assert!(!is_refusal(&ApiError::Internal("x".into())));
    }

    #[test]
    fn providers_cannot_lead_cases_or_see_custody_contacts() {
        let org = Uuid::now_v7();
        assert!(require_office(Audience::Provider(org)).is_err());
        assert!(require_responsible(org, org).is_ok());
        assert!(require_responsible(org, Uuid::now_v7()).is_err());
        assert!(!Audience::Provider(org).sees_custody_contacts());
        assert!(Audience::Office(org).sees_custody_contacts());
    }
}
