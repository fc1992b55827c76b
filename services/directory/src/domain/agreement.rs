//! Agreements: commitment (Verbindlichkeit) rests on a signed agreement. An organisation takes
//! part in QMF while it has a valid one.

use super::rules::Rule;
use chrono::NaiveDate;
use qmf_contracts::directory::AgreementKind;
use qmf_platform::RuleName as _;
use qmf_platform::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::text::Checks;

/// First day on which only the quality development agreement can be signed.
pub fn quality_development_era() -> NaiveDate {
    NaiveDate::from_ymd_opt(2021, 1, 1).unwrap_or_default()
}

/// A signed agreement as recorded by clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "kind": "quality_development_agreement",
    "signed_on": "2021-06-30", "signed_by": "Dr. Maria Muster, Einrichtungsleitung"
}))]
pub struct AgreementDraft {
    pub organization_id: Uuid,
    pub kind: AgreementKind,
    /// Date of signature; not in the future. Cooperation agreements: before 2021;
    /// quality development agreements: 2021 or later.
    pub signed_on: NaiveDate,
    /// Who signed for the organisation (name and function).
    #[schema(
        min_length = 2,
        max_length = 200,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub signed_by: String,
}

impl AgreementDraft {
    pub fn validate(&self, today: NaiveDate) -> Result<(), Vec<FieldError>> {
        let mut c = Checks::default();
        c.text("/signed_by", &self.signed_by, 2, 200);
        if self.signed_on > today {
            c.fail("/signed_on", "must not be in the future");
        }
        let era = quality_development_era();
        match self.kind {
            AgreementKind::CooperationAgreement if self.signed_on >= era => c.fail(
                "/kind",
                "from 2021 on only a quality_development_agreement can be signed",
            ),
            AgreementKind::QualityDevelopmentAgreement if self.signed_on < era => c.fail(
                "/signed_on",
                "the quality development agreement exists from 2021-01-01 on",
            ),
            _ => {}
        }
        c.finish()
    }
}

/// Ending an agreement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"terminated_on": "2026-12-31", "reason": "Einrichtung geschlossen"}))]
pub struct Termination {
    /// First day on which the agreement is no longer valid; not before the signature.
    pub terminated_on: NaiveDate,
    /// Why the agreement ends.
    #[schema(
        min_length = 1,
        max_length = 500,
        pattern = "^[^\\x00-\\x1F\\x7F-\\x9F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub reason: String,
}

impl Termination {
    /// Checks the termination against the agreement's current state.
    pub fn check(
        &self,
        signed_on: NaiveDate,
        already_terminated_on: Option<NaiveDate>,
    ) -> Result<(), ApiError> {
        let mut c = Checks::default();
        c.text("/reason", &self.reason, 1, 500);
        if self.terminated_on < signed_on {
            c.fail(
                "/terminated_on",
                "must not be before the agreement was signed",
            );
        }
        c.finish().map_err(ApiError::Validation)?;
        if let Some(on) = already_terminated_on {
            return Err(Rule::AgreementAlreadyTerminated
                .conflict(format!("the agreement was already terminated on {on}")));
        }
        Ok(())
    }
}

/// Whether an agreement is valid on `day`.
pub fn is_valid(signed_on: NaiveDate, terminated_on: Option<NaiveDate>, day: NaiveDate) -> bool {
    signed_on <= day && terminated_on.is_none_or(|end| end > day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    fn draft(kind: AgreementKind, signed_on: &str) -> AgreementDraft {
        AgreementDraft {
            organization_id: Uuid::nil(),
            kind,
            signed_on: date(signed_on),
            signed_by: "Maria Muster".into(),
        }
    }

    #[test]
    fn from_2021_only_the_quality_development_agreement_can_be_signed() {
        let today = date("2026-11-23");
        assert!(
            draft(AgreementKind::CooperationAgreement, "2020-12-31")
                .validate(today)
                .is_ok()
        );
        let errors = draft(AgreementKind::CooperationAgreement, "2021-01-01")
            .validate(today)
            .err()
            .unwrap_or_default();
        assert_eq!(errors[0].pointer, "/kind");
        assert!(
            draft(AgreementKind::QualityDevelopmentAgreement, "2021-01-01")
                .validate(today)
                .is_ok()
        );
        assert!(
            draft(AgreementKind::QualityDevelopmentAgreement, "2020-12-31")
                .validate(today)
                .is_err()
        );
    }

    #[test]
    fn signatures_cannot_lie_in_the_future() {
        let today = date("2026-11-23");
        assert!(
            draft(AgreementKind::QualityDevelopmentAgreement, "2026-11-24")
                .validate(today)
                .is_err()
        );
    }

    #[test]
    fn termination_rules() {
        let t = Termination {
            terminated_on: date("2022-01-01"),
            reason: "closed".into(),
        };
        assert!(t.check(date("2021-06-01"), None).is_ok());
        assert!(matches!(
            t.check(date("2022-06-01"), None),
            Err(ApiError::Validation(_))
        ));
        assert!(matches!(
            t.check(date("2021-06-01"), Some(date("2021-12-31"))),
            Err(ApiError::Conflict { .. })
        ));
    }

    #[test]
    fn validity_window() {
        assert!(is_valid(date("2021-01-01"), None, date("2021-01-01")));
        assert!(!is_valid(date("2021-01-02"), None, date("2021-01-01")));
        assert!(is_valid(
            date("2021-01-01"),
            Some(date("2022-01-01")),
            date("2021-12-31")
        ));
        assert!(!is_valid(
            date("2021-01-01"),
            Some(date("2022-01-01")),
            date("2022-01-01")
        ));
    }
}
