//! Organisations: youth offices, institutions, KVJS and the education provider.

use std::collections::BTreeMap;

use qmf_contracts::directory::{District, OrganizationKind};
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::text::Checks;

/// Postal address (Anschrift).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"street": "Lerchenstraße 40", "postal_code": "74072", "city": "Heilbronn"}))]
pub struct Address {
    /// Street and number.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub street: String,
    /// German postal code, five digits.
    #[schema(
        min_length = 5,
        max_length = 5,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub postal_code: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub city: String,
}

/// An organisation as written by clients (create and full update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "name": "Kinder- und Jugendhilfe Öhringen", "kind": "institution",
    "district": "hohenlohekreis", "umbrella_carrier": "Diakonie Württemberg",
    "address": {"street": "Hunnenstraße 12", "postal_code": "74613", "city": "Öhringen"},
    "email": "info@kjh-oehringen.example", "phone": "+49 7941 1234-0",
    "external_ids": {"okjug": "INST-0042"}
}))]
pub struct OrganizationDraft {
    /// Unique name (case-insensitive), 2 to 200 characters.
    #[schema(
        min_length = 2,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub name: String,
    pub kind: OrganizationKind,
    /// Required for youth offices and institutions.
    #[serde(default)]
    pub district: Option<District>,
    /// Umbrella carrier (Dachverband/Träger) of an institution; only institutions have one.
    #[serde(default)]
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub umbrella_carrier: Option<String>,
    pub address: Address,
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub email: Option<String>,
    #[serde(default)]
    #[schema(
        min_length = 3,
        max_length = 40,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub phone: Option<String>,
    /// Ids of this organisation in integrating systems: system name → id.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
}

pub const MAX_EXTERNAL_IDS: usize = 20;

impl OrganizationDraft {
    /// Checks every field; returns all problems at once.
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("/name", &self.name, 2, 200);
        match self.kind {
            OrganizationKind::YouthOffice | OrganizationKind::Institution => {
                if self.district.is_none() {
                    c.fail(
                        "/district",
                        "is required for youth offices and institutions",
                    );
                }
            }
            OrganizationKind::StateYouthOffice | OrganizationKind::EducationProvider => {}
        }
        if self.kind != OrganizationKind::Institution && self.umbrella_carrier.is_some() {
            c.fail(
                "/umbrella_carrier",
                "only institutions have an umbrella carrier",
            );
        }
        c.optional_text("/umbrella_carrier", self.umbrella_carrier.as_deref(), 200);
        c.text("/address/street", &self.address.street, 1, 200);
        if !(self.address.postal_code.len() == 5
            && self
                .address
                .postal_code
                .chars()
                .all(|ch| ch.is_ascii_digit()))
        {
            c.fail(
                "/address/postal_code",
                "must be a German postal code of five digits",
            );
        }
        c.text("/address/city", &self.address.city, 1, 100);
        c.email("/email", self.email.as_deref());
        c.phone("/phone", self.phone.as_deref());
        if self.external_ids.len() > MAX_EXTERNAL_IDS {
            c.fail(
                "/external_ids",
                format!("at most {MAX_EXTERNAL_IDS} entries"),
            );
        }
        for (system, id) in &self.external_ids {
            let pointer = format!("/external_ids/{}", escape_pointer(system));
            let valid_system = (1..=50).contains(&system.len())
                && system
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || "_.-".contains(ch));
            if !valid_system {
                c.fail(&pointer, "system names use 1-50 of a-z, 0-9, _ . -");
            }
            c.text(&pointer, id, 1, 100);
        }
        c.finish()
    }

    /// Trims surrounding whitespace so that stored names compare as users expect.
    pub fn normalized(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.umbrella_carrier = self.umbrella_carrier.map(|u| u.trim().to_string());
        self.address.street = self.address.street.trim().to_string();
        self.address.city = self.address.city.trim().to_string();
        self.email = self.email.map(|e| e.trim().to_lowercase());
        self.phone = self.phone.map(|p| p.trim().to_string());
        self
    }
}

/// RFC 6901 escaping of one pointer segment.
pub fn escape_pointer(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> OrganizationDraft {
        OrganizationDraft {
            name: "Jugendamt Hohenlohekreis".into(),
            kind: OrganizationKind::YouthOffice,
            district: Some(District::Hohenlohekreis),
            umbrella_carrier: None,
            address: Address {
                street: "Allee 17".into(),
                postal_code: "74653".into(),
                city: "Künzelsau".into(),
            },
            email: Some("jugendamt@hohenlohekreis.example".into()),
            phone: Some("+49 7940 18-0".into()),
            external_ids: BTreeMap::new(),
        }
    }

    fn pointers(d: &OrganizationDraft) -> Vec<String> {
        d.validate()
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.pointer)
            .collect()
    }

    #[test]
    fn a_complete_draft_is_valid() {
        assert!(draft().validate().is_ok());
    }

    #[test]
    fn youth_offices_and_institutions_need_a_district() {
        let mut d = draft();
        d.district = None;
        assert_eq!(pointers(&d), vec!["/district"]);
        d.kind = OrganizationKind::StateYouthOffice;
        assert!(d.validate().is_ok());
    }

    #[test]
    fn only_institutions_have_an_umbrella_carrier() {
        let mut d = draft();
        d.umbrella_carrier = Some("Caritas".into());
        assert_eq!(pointers(&d), vec!["/umbrella_carrier"]);
        d.kind = OrganizationKind::Institution;
        assert!(d.validate().is_ok());
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut d = draft();
        d.name = " ".into();
        d.address.postal_code = "7407".into();
        d.email = Some("no-at-sign".into());
        d.phone = Some("call me".into());
        d.external_ids.insert("Bad System".into(), "".into());
        assert_eq!(
            pointers(&d),
            vec![
                "/name",
                "/address/postal_code",
                "/email",
                "/phone",
                "/external_ids/Bad System",
                "/external_ids/Bad System"
            ]
        );
    }
}
