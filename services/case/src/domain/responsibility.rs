//! Who leads a case (fallführend): a youth office and one of its caseworkers. Both are taken
//! from the directory, through its events in the read copy, never from the caller's word: a
//! token's `org` claim names the caller's organisation, it does not make it a youth office, and
//! a caseworker id in a request names a person, it does not make them staff of the office.

use chrono::NaiveDate;
use qmf_directory_copy::store::{CopiedOrganization, CopiedPerson};
use qmf_platform::{ApiError, RuleName};
use uuid::Uuid;

use super::rules::Rule;

/// A case is opened only for a youth office the directory knows and lists as active. `None`:
/// the directory has not told this service about the organisation (unknown, or not yet synced).
pub fn check_office(office: Option<&CopiedOrganization>) -> Result<(), ApiError> {
    let detail = match office {
        None => "the directory has not (yet) announced the caller's organisation (`org` claim)",
        Some(org) if org.kind != "youth_office" => {
            "the caller's organisation (`org` claim) is not a youth office"
        }
        Some(org) if !org.active => "the caller's youth office is deactivated in the directory",
        Some(_) => return Ok(()),
    };
    Err(Rule::CaseRequiresActiveYouthOffice.conflict(detail))
}

/// The caseworker is a person the directory lists as working for the responsible office on
/// `day`. `None`: the directory has not told this service about the person.
pub fn check_caseworker(
    office: Uuid,
    caseworker: Option<&CopiedPerson>,
    day: NaiveDate,
) -> Result<(), ApiError> {
    let message = match caseworker {
        None => "is not a person the directory has (yet) announced",
        Some(person) if person.organization_id != office => {
            "is not a person of the responsible youth office"
        }
        Some(person) if !person.works_for(office, day) => {
            "no longer works for the responsible youth office"
        }
        Some(_) => return Ok(()),
    };
    Err(ApiError::validation("/caseworker_id", message))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn organization(kind: &str, active: bool) -> CopiedOrganization {
        CopiedOrganization {
            id: Uuid::now_v7(),
            name: "Jugendamt".into(),
            kind: kind.into(),
            active,
            version: 1,
        }
    }

    fn rule(result: Result<(), ApiError>) -> String {
        match result {
            Err(ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        }
    }

    fn pointer(result: Result<(), ApiError>) -> String {
        match result {
            Err(ApiError::Validation(errors)) => errors[0].pointer.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn only_an_active_youth_office_leads_a_case() {
        assert!(check_office(Some(&organization("youth_office", true))).is_ok());
        for office in [
            None,
            Some(organization("institution", true)),
            Some(organization("state_youth_office", true)),
            Some(organization("youth_office", false)),
        ] {
            assert_eq!(
                rule(check_office(office.as_ref())),
                Rule::CaseRequiresActiveYouthOffice.name()
            );
        }
    }

    #[test]
    fn the_caseworker_works_for_the_responsible_office() {
        let office = Uuid::now_v7();
        let person = CopiedPerson {
            id: Uuid::now_v7(),
            organization_id: office,
            active: true,
            active_until: None,
            version: 1,
        };
        let today = day("2026-11-23");
        assert!(check_caseworker(office, Some(&person), today).is_ok());
        assert_eq!(
            pointer(check_caseworker(office, None, today)),
            "/caseworker_id"
        );
        assert_eq!(
            pointer(check_caseworker(Uuid::now_v7(), Some(&person), today)),
            "/caseworker_id"
        );
        let left = CopiedPerson {
            active: false,
            ..person.clone()
        };
        assert_eq!(
            pointer(check_caseworker(office, Some(&left), today)),
            "/caseworker_id"
        );
        let leaving = CopiedPerson {
            active_until: Some(day("2026-11-22")),
            ..person
        };
        assert_eq!(
            pointer(check_caseworker(office, Some(&leaving), today)),
            "/caseworker_id"
        );
    }
}
