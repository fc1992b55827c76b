//! Who may do what.
//!
//! - The organisers (`trainer` of the education provider, `admin`) keep the catalogue and the
//!   sessions and see every registration; the coordination (`coordinator`) may register and
//!   cancel for anyone and read everything.
//! - Staff register themselves and cancel their own registrations; an organisation's software
//!   (`service` acting for the organisation) does so for its staff, and so do its leaders and
//!   QMF coordinators (staff functions the directory keeps; `app::leads` looks them up, as the
//!   rule needs the directory copy).
//! - The catalogue and the sessions are readable by every authenticated caller.

use qmf_platform::{ApiError, Principal, Role};
use uuid::Uuid;

const ORGANISERS: [Role; 2] = [Role::Admin, Role::Trainer];

pub fn require_organiser(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(&ORGANISERS)
}

/// Organisers and the coordination act for everyone.
pub fn acts_for_everyone(principal: &Principal) -> bool {
    principal.has_any_role(&[Role::Admin, Role::Trainer, Role::Coordinator])
}

/// Whether `principal` may register or cancel for `person` of `organization`.
pub fn may_act_for(principal: &Principal, person: Uuid, organization: Uuid) -> bool {
    acts_for_everyone(principal)
        || (principal.subject == person.to_string()
            && principal.has_any_role(&[Role::YouthOfficeStaff, Role::InstitutionStaff]))
        || (principal.has_role(Role::Service) && principal.belongs_to(organization))
}

pub fn require_act_for(
    principal: &Principal,
    person: Uuid,
    organization: Uuid,
) -> Result<(), ApiError> {
    if may_act_for(principal, person, organization) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the person, their organisation's software, the organisers or the coordination"
                .into(),
        ))
    }
}

/// Whether `principal` may hold a calendar feed of `organization`'s sessions: its staff and
/// software, the organisers and the coordination.
pub fn may_follow_organization(principal: &Principal, organization: Uuid) -> bool {
    acts_for_everyone(principal)
        || (principal.belongs_to(organization)
            && principal.has_any_role(&[
                Role::YouthOfficeStaff,
                Role::InstitutionStaff,
                Role::Service,
            ]))
}

/// Whether `principal` may hold a calendar feed of what `trainer` teaches: the trainer and
/// the administration.
pub fn may_follow_trainer(principal: &Principal, trainer: Uuid) -> bool {
    principal.has_role(Role::Admin)
        || (principal.has_role(Role::Trainer) && principal.subject == trainer.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn principal(subject: &str, roles: Vec<Role>, organization: Option<Uuid>) -> Principal {
        Principal {
            subject: subject.into(),
            organization,
            roles,
        }
    }

    #[test]
    fn staff_act_for_themselves_software_for_its_organisation_organisers_for_all() {
        let (person, org, other) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let own = principal(&person.to_string(), vec![Role::InstitutionStaff], Some(org));
        assert!(may_act_for(&own, person, org));
        assert!(!may_act_for(&own, Uuid::now_v7(), org));
        let software = principal("client", vec![Role::Service], Some(org));
        assert!(may_act_for(&software, person, org));
        assert!(!may_act_for(&software, person, other));
        let trainer = principal("t", vec![Role::Trainer], None);
        assert!(may_act_for(&trainer, person, other));
        let auditor = principal(&person.to_string(), vec![Role::Auditor], Some(org));
        assert!(!may_act_for(&auditor, person, org));
        assert!(require_organiser(&trainer).is_ok());
        assert!(require_organiser(&own).is_err());
    }
}
