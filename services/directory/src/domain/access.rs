//! Who may do what in the directory.

use qmf_platform::{ApiError, Principal, Role};
use uuid::Uuid;

/// Admins and the overall coordination keep the directory up to date.
pub const WRITERS: &[Role] = &[Role::Admin, Role::Coordinator];

pub fn require_writer(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(WRITERS)
}

/// Staff contact data (e-mail, phone) is visible to the own organisation and the coordination.
pub fn sees_contact_data(principal: &Principal, organization_id: Uuid) -> bool {
    principal.has_any_role(WRITERS) || principal.belongs_to(organization_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(org: Option<Uuid>, roles: Vec<Role>) -> Principal {
        Principal {
            subject: "s".into(),
            organization: org,
            roles,
        }
    }

    #[test]
    fn contact_data_rule() {
        let own = Uuid::now_v7();
        let other = Uuid::now_v7();
        assert!(sees_contact_data(
            &principal(Some(own), vec![Role::InstitutionStaff]),
            own
        ));
        assert!(!sees_contact_data(
            &principal(Some(other), vec![Role::InstitutionStaff]),
            own
        ));
        assert!(sees_contact_data(
            &principal(None, vec![Role::Coordinator]),
            own
        ));
        assert!(!sees_contact_data(
            &principal(None, vec![Role::Auditor]),
            own
        ));
    }

    #[test]
    fn only_admins_and_coordinators_write() {
        assert!(require_writer(&principal(None, vec![Role::Admin])).is_ok());
        assert!(require_writer(&principal(None, vec![Role::Coordinator])).is_ok());
        assert!(
            require_writer(&principal(
                None,
                vec![Role::YouthOfficeStaff, Role::Caseworker]
            ))
            .is_err()
        );
    }
}
