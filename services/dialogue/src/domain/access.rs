//! Who may do what, in one place.
//!
//! - The coordination (`coordinator`) and admins open cycles, change their rules, import school
//!   holidays, and may record anything a host or a staff member records.
//! - A host's own staff (`youth_office_staff` or `institution_staff` acting for the host's
//!   organisation) record its planning details.
//! - Staff record their own absences (token subject = their directory person id); integrating
//!   software (`service`, scoped to its organisation) sets the absences of that organisation's
//!   staff in bulk.
//! - Every authenticated caller reads cycles, hosts and blackout days: they are the region's
//!   shared planning. Absences are read by the coordination, the person, and their own
//!   organisation.

use qmf_platform::{ApiError, Principal, Role};
use uuid::Uuid;

const COORDINATION: [Role; 2] = [Role::Admin, Role::Coordinator];
const STAFF: [Role; 2] = [Role::YouthOfficeStaff, Role::InstitutionStaff];

/// 403 unless the caller is the coordination.
pub fn require_coordination(principal: &Principal) -> Result<(), ApiError> {
    principal.require_any(&COORDINATION)
}

fn is_coordination(principal: &Principal) -> bool {
    principal.has_any_role(&COORDINATION)
}

/// The coordination, or staff acting for the host's organisation.
pub fn require_host_editor(principal: &Principal, organization: Uuid) -> Result<(), ApiError> {
    if is_coordination(principal)
        || (principal.has_any_role(&STAFF) && principal.belongs_to(organization))
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the coordination and the host organisation's own staff record its planning"
                .into(),
        ))
    }
}

/// The person themselves (token subject), or the coordination.
pub fn require_absence_writer(principal: &Principal, person: Uuid) -> Result<(), ApiError> {
    if is_coordination(principal) || is_person(principal, person) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "staff record their own absences; the coordination may record anyone's".into(),
        ))
    }
}

/// Integrating software of the organisation (`service` scoped to it), or the coordination.
pub fn require_bulk_absence_writer(
    principal: &Principal,
    organization: Uuid,
) -> Result<(), ApiError> {
    if is_coordination(principal)
        || (principal.has_role(Role::Service) && principal.belongs_to(organization))
    {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "only the organisation's integrating software and the coordination set absences in bulk"
                .into(),
        ))
    }
}

/// Whose absences the caller may read: everyone's (`None`), or those of one organisation and
/// the caller themselves.
pub enum AbsenceReader {
    Everyone,
    Own {
        organization: Option<Uuid>,
        person: Option<Uuid>,
    },
}

pub fn absence_reader(principal: &Principal) -> AbsenceReader {
    if is_coordination(principal) {
        AbsenceReader::Everyone
    } else {
        AbsenceReader::Own {
            organization: principal
                .has_any_role(&[
                    Role::YouthOfficeStaff,
                    Role::InstitutionStaff,
                    Role::Service,
                ])
                .then_some(principal.organization)
                .flatten(),
            person: Uuid::parse_str(&principal.subject).ok(),
        }
    }
}

impl AbsenceReader {
    pub fn may_read(&self, person: Uuid, organization: Uuid) -> bool {
        match self {
            AbsenceReader::Everyone => true,
            AbsenceReader::Own {
                organization: own_org,
                person: own,
            } => *own == Some(person) || *own_org == Some(organization),
        }
    }
}

/// Who may create, list and revoke a feed: a person's feed is theirs (or the coordination's);
/// an organisation's feed is for its staff and software (or the coordination).
pub fn require_feed_owner(
    principal: &Principal,
    person: Option<Uuid>,
    organization: Option<Uuid>,
) -> Result<(), ApiError> {
    let allowed = is_coordination(principal)
        || person.is_some_and(|p| is_person(principal, p))
        || organization.is_some_and(|o| {
            principal.has_any_role(&[
                Role::YouthOfficeStaff,
                Role::InstitutionStaff,
                Role::Service,
            ]) && principal.belongs_to(o)
        });
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "a person's feed is theirs, an organisation's its staff's".into(),
        ))
    }
}

/// Whether the caller is the coordination.
pub fn coordination(principal: &Principal) -> bool {
    is_coordination(principal)
}

/// The person the caller is (token subject), if it is a person id.
pub fn person_of(principal: &Principal) -> Option<Uuid> {
    Uuid::parse_str(&principal.subject).ok()
}

fn is_person(principal: &Principal, person: Uuid) -> bool {
    Uuid::parse_str(&principal.subject).ok() == Some(person)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn principal(subject: &str, roles: Vec<Role>, org: Option<Uuid>) -> Principal {
        Principal {
            subject: subject.into(),
            roles,
            organization: org,
        }
    }

    #[test]
    fn host_planning_is_for_the_coordination_and_the_hosts_own_staff() {
        let org = Uuid::now_v7();
        let other = Uuid::now_v7();
        assert!(require_host_editor(&principal("c", vec![Role::Coordinator], None), org).is_ok());
        assert!(
            require_host_editor(
                &principal("s", vec![Role::InstitutionStaff], Some(org)),
                org
            )
            .is_ok()
        );
        assert!(
            require_host_editor(
                &principal("s", vec![Role::InstitutionStaff], Some(other)),
                org
            )
            .is_err()
        );
        assert!(require_host_editor(&principal("a", vec![Role::Auditor], Some(org)), org).is_err());
    }

    #[test]
    fn absences_are_recorded_by_the_person_or_the_coordination() {
        let person = Uuid::now_v7();
        let someone = principal(&person.to_string(), vec![Role::InstitutionStaff], None);
        assert!(require_absence_writer(&someone, person).is_ok());
        assert!(require_absence_writer(&someone, Uuid::now_v7()).is_err());
        let org = Uuid::now_v7();
        let software = principal("client", vec![Role::Service], Some(org));
        assert!(require_bulk_absence_writer(&software, org).is_ok());
        assert!(require_bulk_absence_writer(&software, Uuid::now_v7()).is_err());
        assert!(require_bulk_absence_writer(&someone, org).is_err());
    }
}
