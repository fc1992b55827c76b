//! The base data of a case: who is helped, who holds custody, which help, who leads it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::codes::HelpKind;

/// The child or young person the help is for. Stored encrypted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"given_name": "Mia", "family_name": "Beispiel", "date_of_birth": "2014-03-02"}))]
pub struct YoungPerson {
    #[schema(min_length = 1, max_length = 100)]
    pub given_name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub family_name: String,
    pub date_of_birth: NaiveDate,
}

/// A person with custody (Personensorgeberechtigte/r). Stored encrypted; the contact data is
/// visible only to the responsible youth office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "given_name": "Sandra", "family_name": "Beispiel", "relation": "mother",
    "address": "Musterweg 3, 74072 Heilbronn", "phone": "+49 7131 555-0101", "email": null
}))]
pub struct CustodyHolder {
    #[schema(min_length = 1, max_length = 100)]
    pub given_name: String,
    #[schema(min_length = 1, max_length = 100)]
    pub family_name: String,
    /// E.g. mother, father, guardian (Vormund).
    #[schema(min_length = 1, max_length = 50)]
    pub relation: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub address: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub phone: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 200)]
    pub email: Option<String>,
}

/// Personal data of a case, sealed as one encrypted value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalData {
    pub young_person: YoungPerson,
    pub custody_holders: Vec<CustodyHolder>,
}

impl PersonalData {
    /// The view of an institution: custody holders without contact data.
    pub fn without_custody_contacts(mut self) -> Self {
        for holder in &mut self.custody_holders {
            holder.address = None;
            holder.phone = None;
            holder.email = None;
        }
        self
    }
}

/// A case as written by the responsible youth office (open and full update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "caseworker_id": "01936f40-0000-7000-8000-000000000001",
    "help_kind": "family_help",
    "young_person": {"given_name": "Mia", "family_name": "Beispiel", "date_of_birth": "2014-03-02"},
    "custody_holders": [{"given_name": "Sandra", "family_name": "Beispiel", "relation": "mother",
        "address": "Musterweg 3, 74072 Heilbronn", "phone": "+49 7131 555-0101", "email": null}],
    "external_ids": {"okjug": "2026-000123"}
}))]
pub struct CaseDraft {
    /// The leading caseworker (fallführende Fachkraft): a person id from the directory.
    pub caseworker_id: Uuid,
    pub help_kind: HelpKind,
    pub young_person: YoungPerson,
    /// People with custody; may be empty for young adults (§41).
    #[serde(default)]
    #[schema(max_items = 10)]
    pub custody_holders: Vec<CustodyHolder>,
    /// Ids of the case in integrating systems (system → id), unique per youth office.
    #[serde(default)]
    pub external_ids: BTreeMap<String, String>,
}

fn text(errors: &mut Vec<FieldError>, pointer: &str, value: &str, max: usize) {
    let len = value.trim().chars().count();
    if len == 0 {
        errors.push(FieldError::new(pointer, "must not be empty"));
    } else if len > max {
        errors.push(FieldError::new(
            pointer,
            format!("must have at most {max} characters"),
        ));
    }
}

impl CaseDraft {
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        text(
            &mut errors,
            "/young_person/given_name",
            &self.young_person.given_name,
            100,
        );
        text(
            &mut errors,
            "/young_person/family_name",
            &self.young_person.family_name,
            100,
        );
        let birth = self.young_person.date_of_birth;
        if birth > today {
            errors.push(FieldError::new(
                "/young_person/date_of_birth",
                "must not be in the future",
            ));
        } else if today.year() - birth.year() > 27 {
            // Help under SGB VIII ends at 27 at the latest (§41).
            errors.push(FieldError::new(
                "/young_person/date_of_birth",
                "the young person would be older than 27; SGB VIII help ends at 27",
            ));
        }
        if self.custody_holders.len() > 10 {
            errors.push(FieldError::new(
                "/custody_holders",
                "at most 10 custody holders",
            ));
        }
        for (i, holder) in self.custody_holders.iter().enumerate() {
            let base = format!("/custody_holders/{i}");
            text(
                &mut errors,
                &format!("{base}/given_name"),
                &holder.given_name,
                100,
            );
            text(
                &mut errors,
                &format!("{base}/family_name"),
                &holder.family_name,
                100,
            );
            text(
                &mut errors,
                &format!("{base}/relation"),
                &holder.relation,
                50,
            );
            for (field, value) in [
                ("address", &holder.address),
                ("phone", &holder.phone),
                ("email", &holder.email),
            ] {
                if let Some(value) = value {
                    text(&mut errors, &format!("{base}/{field}"), value, 200);
                }
            }
            if holder.email.as_deref().is_some_and(|e| !e.contains('@')) {
                errors.push(FieldError::new(
                    format!("{base}/email"),
                    "must be an e-mail address",
                ));
            }
        }
        if self.external_ids.len() > 10 {
            errors.push(FieldError::new("/external_ids", "at most 10 entries"));
        }
        for (system, id) in &self.external_ids {
            let pointer = format!("/external_ids/{system}");
            if !(1..=50).contains(&system.len())
                || !system
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c))
            {
                errors.push(FieldError::new(
                    &pointer,
                    "system names use 1-50 of a-z, 0-9, _ . -",
                ));
            }
            text(&mut errors, &pointer, id, 100);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The personal data as stored: text without surrounding spaces (the limits are checked on
    /// the trimmed text, so a stored value keeps within them).
    pub fn personal_data(&self) -> PersonalData {
        let trim = |text: &str| text.trim().to_string();
        let trim_optional = |text: &Option<String>| text.as_deref().map(trim);
        PersonalData {
            young_person: YoungPerson {
                given_name: trim(&self.young_person.given_name),
                family_name: trim(&self.young_person.family_name),
                date_of_birth: self.young_person.date_of_birth,
            },
            custody_holders: self
                .custody_holders
                .iter()
                .map(|holder| CustodyHolder {
                    given_name: trim(&holder.given_name),
                    family_name: trim(&holder.family_name),
                    relation: trim(&holder.relation),
                    address: trim_optional(&holder.address),
                    phone: trim_optional(&holder.phone),
                    email: trim_optional(&holder.email),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn draft() -> CaseDraft {
        CaseDraft {
            caseworker_id: Uuid::nil(),
            help_kind: HelpKind::FamilyHelp,
            young_person: YoungPerson {
                given_name: "Mia".into(),
                family_name: "Beispiel".into(),
                date_of_birth: day("2014-03-02"),
            },
            custody_holders: vec![CustodyHolder {
                given_name: "Sandra".into(),
                family_name: "Beispiel".into(),
                relation: "mother".into(),
                address: Some("Musterweg 3".into()),
                phone: None,
                email: Some("not-an-address".into()),
            }],
            external_ids: BTreeMap::new(),
        }
    }

    #[test]
    fn fields_are_checked_with_pointers() {
        let errors = draft()
            .validate(day("2026-11-23"))
            .err()
            .unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pointer, "/custody_holders/0/email");
        let mut d = draft();
        d.custody_holders[0].email = None;
        d.young_person.date_of_birth = day("2027-01-01");
        assert_eq!(
            d.validate(day("2026-11-23")).err().unwrap_or_default()[0].pointer,
            "/young_person/date_of_birth"
        );
        d.young_person.date_of_birth = day("1990-01-01");
        assert!(d.validate(day("2026-11-23")).is_err());
    }

    #[test]
    fn personal_data_is_stored_trimmed() {
        let mut padded = draft();
        padded.young_person.given_name = format!("  {}  ", "M".repeat(100));
        padded.custody_holders[0].address = Some(" Musterweg 3 ".into());
        let data = padded.personal_data();
        assert_eq!(data.young_person.given_name, "M".repeat(100));
        assert_eq!(
            data.custody_holders[0].address.as_deref(),
            Some("Musterweg 3")
        );
    }

    #[test]
    fn institutions_do_not_see_custody_contacts() {
        let data = draft().personal_data().without_custody_contacts();
        assert_eq!(data.custody_holders[0].address, None);
        assert_eq!(data.custody_holders[0].given_name, "Sandra");
    }
}
