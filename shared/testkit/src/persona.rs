//! Who a test request acts as: roles, an organisation and a subject, turned into a signed
//! development token ([`crate::auth`]).
//!
//! ```ignore
//! let admin = Persona::admin();
//! let caseworker = Persona::caseworker().of(office).subject("caseworker-1");
//! let person = Persona::person(person_id, institution); // institution staff, subject = id
//! app.as_(&caseworker).get("/v1/cases").send().await.expect(StatusCode::OK);
//! ```

use std::fmt::Display;

use uuid::Uuid;

/// Every role of the platform (the JWT `roles` claim).
pub const ROLES: &[&str] = &[
    "admin",
    "coordinator",
    "youth_office_staff",
    "institution_staff",
    "caseworker",
    "auditor",
    "committee_secretary",
    "trainer",
    "service",
];

/// The subject of a persona that was not given one. Idempotency keys are scoped per subject,
/// so personas without an explicit subject share their keys.
pub const DEFAULT_SUBJECT: &str = "test-user";

/// A caller: the claims `sub`, `roles` and `org` of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Persona {
    pub subject: String,
    pub roles: Vec<String>,
    pub org: Option<Uuid>,
}

impl Persona {
    /// A persona with these roles (possibly none or unknown ones), no organisation and the
    /// default subject.
    pub fn roles(roles: &[&str]) -> Persona {
        Persona {
            subject: DEFAULT_SUBJECT.to_string(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            org: None,
        }
    }

    /// A persona with one role.
    pub fn role(role: &str) -> Persona {
        Persona::roles(&[role])
    }

    /// Platform administration.
    pub fn admin() -> Persona {
        Persona::role("admin")
    }

    /// Overall coordination.
    pub fn coordinator() -> Persona {
        Persona::role("coordinator")
    }

    /// The management's office (meetings, agendas, minutes).
    pub fn committee_secretary() -> Persona {
        Persona::role("committee_secretary")
    }

    /// A youth office's caseworker (leads cases); give the office with [`Persona::of`].
    pub fn caseworker() -> Persona {
        Persona::role("caseworker")
    }

    /// Staff of a youth office; give the office with [`Persona::of`].
    pub fn youth_office_staff() -> Persona {
        Persona::role("youth_office_staff")
    }

    /// Staff of an institution (a provider, a member of a body); give the organisation with
    /// [`Persona::of`].
    pub fn institution_staff() -> Persona {
        Persona::role("institution_staff")
    }

    /// Audit (reads audit logs, no case data).
    pub fn auditor() -> Persona {
        Persona::role("auditor")
    }

    /// A person the directory lists for `organization`, acting as themselves: institution
    /// staff of that organisation whose subject is the person's id (as a directory person's
    /// token carries it).
    #[track_caller]
    pub fn person(id: impl Display, organization: impl Display) -> Persona {
        Persona::institution_staff().of(organization).subject(id)
    }

    /// The same persona acting for organisation `org` (a UUID, as `Uuid` or text).
    #[track_caller]
    pub fn of(mut self, org: impl Display) -> Persona {
        let text = org.to_string();
        match Uuid::parse_str(&text) {
            Ok(org) => self.org = Some(org),
            Err(e) => panic!("a persona's organisation must be a UUID, not {text:?}: {e}"),
        }
        self
    }

    /// The same persona with another subject, e.g. a directory person's id.
    pub fn subject(mut self, subject: impl Display) -> Persona {
        self.subject = subject.to_string();
        self
    }

    /// A valid token (one hour) with this persona's claims.
    pub fn token(&self) -> String {
        let roles: Vec<&str> = self.roles.iter().map(String::as_str).collect();
        crate::auth::token_for(&self.subject, &roles, self.org)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use base64::Engine;

    fn claims(token: &str) -> serde_json::Value {
        let payload = token.split('.').nth(1).unwrap();
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(payload)
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[test]
    fn a_persona_becomes_the_claims_of_its_token() {
        let org = Uuid::now_v7();
        let claims = claims(
            &Persona::roles(&["caseworker", "youth_office_staff"])
                .of(org)
                .subject("cw-1")
                .token(),
        );
        assert_eq!(claims["sub"], "cw-1");
        assert_eq!(
            claims["roles"],
            serde_json::json!(["caseworker", "youth_office_staff"])
        );
        assert_eq!(claims["org"], org.to_string());
        let admin = self::claims(&Persona::admin().token());
        assert_eq!(admin["sub"], DEFAULT_SUBJECT);
        assert_eq!(admin["org"], serde_json::Value::Null);
    }

    #[test]
    fn a_person_acts_as_themselves_for_their_organisation() {
        let (person, org) = (Uuid::now_v7(), Uuid::now_v7());
        let claims = claims(&Persona::person(person, org).token());
        assert_eq!(claims["sub"], person.to_string());
        assert_eq!(claims["roles"], serde_json::json!(["institution_staff"]));
        assert_eq!(claims["org"], org.to_string());
        assert_eq!(Persona::auditor().roles, ["auditor"]);
        assert_eq!(Persona::caseworker().of(org).org, Some(org));
    }

    #[test]
    fn an_organisation_given_as_text_is_parsed() {
        let org = Uuid::now_v7();
        assert_eq!(Persona::admin().of(org.to_string()).org, Some(org));
        assert!(std::panic::catch_unwind(|| Persona::admin().of("office-a")).is_err());
    }
}
