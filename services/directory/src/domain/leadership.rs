//! Leadership confirmations: commitment (Verbindlichkeit) includes the obligation of each
//! organisation's leadership to carry the cooperation into its house. The directory records it
//! as a dated statement by the organisation's leader.

use chrono::NaiveDate;
use qmf_platform::{ApiError, FieldError, Principal, RuleName as _};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::access;
use super::rules::Rule;
use super::text::Checks;

/// A leader's statement as recorded by clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "leader_id": "01936f40-0000-7000-8000-000000000001", "confirmed_on": "2026-11-30",
    "statement": "Die Leitung stellt die Umsetzung der Kooperation in der Einrichtung sicher."
}))]
pub struct ConfirmationDraft {
    pub organization_id: Uuid,
    /// The directory person who confirms: a leader (function `leader`) of the organisation,
    /// active on `confirmed_on`.
    pub leader_id: Uuid,
    /// Date of the statement; not in the future.
    pub confirmed_on: NaiveDate,
    /// The statement's wording, if it is to be kept.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub statement: Option<String>,
}

impl ConfirmationDraft {
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        c.optional_text("/statement", self.statement.as_deref(), 2000);
        if self.confirmed_on > today {
            c.fail("/confirmed_on", "must not be in the future");
        }
        c.finish()
    }
}

/// The person named as confirming leader, as the directory holds them.
#[derive(Debug, Clone, Copy)]
pub struct Confirmer<'a> {
    pub organization_id: Uuid,
    pub functions: &'a [String],
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
}

/// Only a leader of the organisation, in office on the day of the statement, confirms for it.
pub fn check_confirmer(
    organization_id: Uuid,
    confirmed_on: NaiveDate,
    confirmer: Confirmer<'_>,
) -> Result<(), ApiError> {
    if confirmer.organization_id != organization_id {
        return Err(Rule::ConfirmedByItsLeader
            .conflict("the confirming person works for another organisation"));
    }
    if !confirmer.functions.iter().any(|f| f == "leader") {
        return Err(Rule::ConfirmedByItsLeader.conflict(
            "the confirming person is not a leader (function `leader`) of the organisation",
        ));
    }
    let active = confirmer.active_from <= confirmed_on
        && confirmer
            .active_until
            .is_none_or(|until| confirmed_on < until);
    if !active {
        return Err(Rule::ConfirmedByItsLeader.conflict(format!(
            "the confirming leader was not in office on {confirmed_on}"
        )));
    }
    Ok(())
}

/// Admins and the coordination record confirmations for any organisation; a leader records
/// their own (the token's subject is their directory id, its organisation theirs).
pub fn require_recorder(principal: &Principal, draft: &ConfirmationDraft) -> Result<(), ApiError> {
    if access::require_writer(principal).is_ok() {
        return Ok(());
    }
    if principal.belongs_to(draft.organization_id)
        && principal.subject == draft.leader_id.to_string()
    {
        return Ok(());
    }
    Err(ApiError::Forbidden(
        "only the organisation's leader, the coordination and admins record a leadership \
         confirmation"
            .into(),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use qmf_platform::Role;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn leader(org: Uuid) -> (Uuid, Vec<String>) {
        (org, vec!["leader".to_string()])
    }

    #[test]
    fn only_a_leader_of_the_organisation_in_office_confirms() {
        let org = Uuid::now_v7();
        let (_, functions) = leader(org);
        let confirmer = Confirmer {
            organization_id: org,
            functions: &functions,
            active_from: day("2020-01-01"),
            active_until: Some(day("2026-07-01")),
        };
        assert!(check_confirmer(org, day("2026-06-30"), confirmer).is_ok());
        for (on, who) in [
            (day("2026-07-01"), confirmer),
            (day("2019-12-31"), confirmer),
            (
                day("2026-01-01"),
                Confirmer {
                    organization_id: Uuid::now_v7(),
                    ..confirmer
                },
            ),
        ] {
            let refused = check_confirmer(org, on, who).unwrap_err();
            assert!(
                matches!(refused, ApiError::Conflict { rule, .. } if rule == "confirmed_by_its_leader")
            );
        }
        let specialist = vec!["specialist".to_string(), "qmf_coordinator".to_string()];
        assert!(
            check_confirmer(
                org,
                day("2026-01-01"),
                Confirmer {
                    functions: &specialist,
                    ..confirmer
                }
            )
            .is_err()
        );
    }

    #[test]
    fn the_leader_records_their_own_the_coordination_any() {
        let org = Uuid::now_v7();
        let leader_id = Uuid::now_v7();
        let draft = ConfirmationDraft {
            organization_id: org,
            leader_id,
            confirmed_on: day("2026-11-30"),
            statement: None,
        };
        let principal = |subject: String, org: Option<Uuid>, roles: Vec<Role>| Principal {
            subject,
            organization: org,
            roles,
        };
        let own = principal(
            leader_id.to_string(),
            Some(org),
            vec![Role::InstitutionStaff],
        );
        assert!(require_recorder(&own, &draft).is_ok());
        let colleague = principal("someone".into(), Some(org), vec![Role::InstitutionStaff]);
        assert!(require_recorder(&colleague, &draft).is_err());
        let elsewhere = principal(
            leader_id.to_string(),
            Some(Uuid::now_v7()),
            vec![Role::InstitutionStaff],
        );
        assert!(require_recorder(&elsewhere, &draft).is_err());
        assert!(
            require_recorder(
                &principal("c".into(), None, vec![Role::Coordinator]),
                &draft
            )
            .is_ok()
        );
        assert!(
            require_recorder(&principal("a".into(), None, vec![Role::Auditor]), &draft).is_err()
        );
    }

    #[test]
    fn a_statement_is_dated_today_or_earlier() {
        let draft = ConfirmationDraft {
            organization_id: Uuid::now_v7(),
            leader_id: Uuid::now_v7(),
            confirmed_on: day("2026-12-06"),
            statement: Some(String::new()),
        };
        let errors = draft.validate(day("2026-12-05")).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/statement", "/confirmed_on"]);
    }
}
