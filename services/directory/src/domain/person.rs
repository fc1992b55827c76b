//! Staff members (Mitarbeitende) of an organisation.

use chrono::NaiveDate;
use qmf_contracts::directory::StaffFunction;
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::text::Checks;

/// A staff member as written by clients (create and full update).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "given_name": "Lena",
    "family_name": "Beispiel", "email": "l.beispiel@jugendamt.example", "phone": "+49 7131 56-2000",
    "functions": ["caseworker", "qmf_coordinator"], "active_from": "2024-01-01", "active_until": null
}))]
pub struct PersonDraft {
    /// The organisation employing the person; cannot change later.
    pub organization_id: Uuid,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub given_name: String,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub family_name: String,
    /// Work e-mail; visible only to the own organisation and the coordination.
    #[serde(default)]
    #[schema(
        max_length = 254,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub email: Option<String>,
    /// Work phone; visible only to the own organisation and the coordination.
    #[serde(default)]
    #[schema(
        min_length = 3,
        max_length = 40,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub phone: Option<String>,
    /// At least one function, no repeats.
    #[schema(min_items = 1)]
    pub functions: Vec<StaffFunction>,
    /// First day of the active period.
    pub active_from: NaiveDate,
    /// Last day of the active period; `null` while open.
    #[serde(default)]
    pub active_until: Option<NaiveDate>,
}

impl PersonDraft {
    pub fn validate(&self) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("/given_name", &self.given_name, 1, 100);
        c.text("/family_name", &self.family_name, 1, 100);
        c.email("/email", self.email.as_deref());
        c.phone("/phone", self.phone.as_deref());
        if self.functions.is_empty() {
            c.fail("/functions", "must name at least one function");
        }
        let mut seen = self.functions.clone();
        seen.sort();
        seen.dedup();
        if seen.len() != self.functions.len() {
            c.fail("/functions", "must not repeat a function");
        }
        if let Some(until) = self.active_until
            && until < self.active_from
        {
            c.fail("/active_until", "must not be before active_from");
        }
        c.finish()
    }

    pub fn normalized(mut self) -> Self {
        self.given_name = self.given_name.trim().to_string();
        self.family_name = self.family_name.trim().to_string();
        self.email = self.email.map(|e| e.trim().to_lowercase());
        self.phone = self.phone.map(|p| p.trim().to_string());
        self
    }
}

/// Whether a person is active on `day`.
pub fn is_active(active_from: NaiveDate, active_until: Option<NaiveDate>, day: NaiveDate) -> bool {
    active_from <= day && active_until.is_none_or(|until| until >= day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn draft() -> PersonDraft {
        PersonDraft {
            organization_id: Uuid::nil(),
            given_name: "Lena".into(),
            family_name: "Beispiel".into(),
            email: None,
            phone: None,
            functions: vec![StaffFunction::Caseworker],
            active_from: date("2024-01-01"),
            active_until: None,
        }
    }

    #[test]
    fn functions_must_be_given_once() {
        let mut d = draft();
        d.functions.clear();
        assert!(d.validate().is_err());
        d.functions = vec![StaffFunction::Leader, StaffFunction::Leader];
        assert!(d.validate().is_err());
    }

    #[test]
    fn the_active_period_cannot_end_before_it_starts() {
        let mut d = draft();
        d.active_until = Some(date("2023-12-31"));
        let errors = d.validate().err().unwrap_or_default();
        assert_eq!(errors[0].pointer, "/active_until");
        d.active_until = Some(date("2024-01-01"));
        assert!(d.validate().is_ok());
    }

    #[test]
    fn activity_follows_the_period() {
        assert!(is_active(date("2024-01-01"), None, date("2030-01-01")));
        assert!(!is_active(date("2024-01-01"), None, date("2023-12-31")));
        assert!(is_active(
            date("2024-01-01"),
            Some(date("2024-06-30")),
            date("2024-06-30")
        ));
        assert!(!is_active(
            date("2024-01-01"),
            Some(date("2024-06-30")),
            date("2024-07-01")
        ));
    }
}
