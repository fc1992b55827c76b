//! Instruments: the region's versioned forms (assessment, help plan, review, final evaluation),
//! defined as JSON Schema. A document records the version it was filled with; releasing a new
//! version never changes existing documents.

use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Which form an instrument is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InstrumentKey {
    /// Bedarfserhebung / sozialpädagogische Diagnose.
    Assessment,
    /// Hilfeplan (§36 SGB VIII).
    HelpPlan,
    /// Hilfeplangespräch / Fortschreibung.
    Review,
    /// Abschlussbewertung at the end of a help.
    FinalEvaluation,
}

/// The versions the region starts with (developed by AK QMF, adopted by the Forum); the
/// migration `seed_instruments` stores them.
pub const SEEDS: &[(InstrumentKey, &str)] = &[
    (
        InstrumentKey::Assessment,
        include_str!("../../instruments/assessment.v1.json"),
    ),
    (
        InstrumentKey::HelpPlan,
        include_str!("../../instruments/help_plan.v1.json"),
    ),
    (
        InstrumentKey::Review,
        include_str!("../../instruments/review.v1.json"),
    ),
    (
        InstrumentKey::FinalEvaluation,
        include_str!("../../instruments/final_evaluation.v1.json"),
    ),
];

/// Checks that `schema` is a JSON Schema a document can be validated against.
pub fn check_schema(schema: &Value) -> Result<(), Vec<FieldError>> {
    if !schema.is_object() {
        return Err(vec![FieldError::new(
            "/schema",
            "must be a JSON Schema object",
        )]);
    }
    if let Err(error) = jsonschema::meta::validate(schema) {
        return Err(vec![FieldError::new(
            format!("/schema{}", error.instance_path()),
            error.masked().to_string(),
        )]);
    }
    jsonschema::validator_for(schema)
        .map(|_| ())
        .map_err(|e| vec![FieldError::new("/schema", e.masked().to_string())])
}

/// Validates a filled document against its instrument version. Pointers are prefixed with
/// `base` (the document's place in the request); messages never repeat the submitted values.
pub fn validate_document(
    schema: &Value,
    content: &Value,
    base: &str,
) -> Result<(), Vec<FieldError>> {
    let validator = jsonschema::validator_for(schema).map_err(|e| {
        vec![FieldError::new(
            base,
            format!("the instrument is unusable: {}", e.masked()),
        )]
    })?;
    let errors: Vec<FieldError> = validator
        .iter_errors(content)
        .map(|e| {
            FieldError::new(
                format!("{base}{}", e.instance_path()),
                e.masked().to_string(),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn seed(key: InstrumentKey) -> Value {
        SEEDS
            .iter()
            .find(|(k, _)| *k == key)
            .and_then(|(_, text)| serde_json::from_str(text).ok())
            .unwrap_or(Value::Null)
    }

    #[test]
    fn every_seeded_instrument_is_a_valid_schema() {
        for (key, _) in SEEDS {
            assert!(check_schema(&seed(*key)).is_ok(), "{key:?}");
        }
    }

    #[test]
    fn documents_are_checked_against_their_instrument_without_echoing_values() {
        let schema = seed(InstrumentKey::FinalEvaluation);
        let good = json!({"summary": "Ziele weitgehend erreicht", "satisfaction_young_person": 4,
            "satisfaction_parents": 5, "follow_up": "none"});
        assert!(validate_document(&schema, &good, "/document/content").is_ok());
        let bad = json!({"summary": "Mia Beispiel", "satisfaction_young_person": 9, "satisfaction_parents": 5,
            "follow_up": "none", "extra": "Mia Beispiel"});
        let errors = validate_document(&schema, &bad, "/document/content")
            .err()
            .unwrap_or_default();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert!(
            pointers.contains(&"/document/content/satisfaction_young_person"),
            "{pointers:?}"
        );
        assert!(
            errors.iter().all(|e| !e.message.contains("Mia")),
            "{errors:?}"
        );
    }

    #[test]
    fn broken_schemas_are_refused() {
        assert!(check_schema(&json!({"type": "no-such-type"})).is_err());
        assert!(check_schema(&json!("not an object")).is_err());
        assert!(check_schema(&json!({"type": "object", "required": ["a"]})).is_ok());
    }
}
