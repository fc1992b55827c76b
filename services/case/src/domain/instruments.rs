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

/// The JSON Schema dialect of instruments.
pub const SCHEMA_DIALECT: &str = "https://json-schema.org/draft/2020-12/schema";

/// Checks that `schema` can be released as an instrument version: a valid JSON Schema (2020-12,
/// checked against its meta-schema) that constrains a document, i.e. a JSON object with named
/// fields of which some must be filled. An empty schema (`{}`) would accept anything and so switch
/// the validation of documents off. Pointers point into the request (`/schema/…`).
pub fn check_schema(schema: &Value) -> Result<(), Vec<FieldError>> {
    let Some(object) = schema.as_object() else {
        return Err(vec![FieldError::new(
            "/schema",
            "must be a JSON Schema object",
        )]);
    };
    if let Some(dialect) = object.get("$schema")
        && dialect.as_str().map(|d| d.trim_end_matches('#')) != Some(SCHEMA_DIALECT)
    {
        return Err(vec![FieldError::new(
            "/schema/$schema",
            format!("must be {SCHEMA_DIALECT} (or left out)"),
        )]);
    }
    let meta = jsonschema::draft202012::meta::validator();
    let errors: Vec<FieldError> = meta
        .iter_errors(schema)
        .map(|error| {
            FieldError::new(
                format!("/schema{}", error.instance_path()),
                error.masked().to_string(),
            )
        })
        .collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut errors = Vec::new();
    if object.get("type").and_then(Value::as_str) != Some("object") {
        errors.push(FieldError::new(
            "/schema/type",
            "must be \"object\": a document is a JSON object",
        ));
    }
    let properties = object.get("properties").and_then(Value::as_object);
    if properties.is_none_or(|p| p.is_empty()) {
        errors.push(FieldError::new(
            "/schema/properties",
            "must name the document's fields (at least one)",
        ));
    }
    match object.get("required").and_then(Value::as_array) {
        Some(required) if !required.is_empty() => {
            for (i, name) in required.iter().enumerate() {
                let declared = name
                    .as_str()
                    .is_some_and(|n| properties.is_some_and(|p| p.contains_key(n)));
                if !declared {
                    errors.push(FieldError::new(
                        format!("/schema/required/{i}"),
                        "must be one of the `properties`",
                    ));
                }
            }
        }
        _ => errors.push(FieldError::new(
            "/schema/required",
            "must list the fields every document fills (at least one)",
        )),
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    jsonschema::draft202012::new(schema)
        .map(|_| ())
        .map_err(|e| vec![FieldError::new("/schema", e.masked().to_string())])
}

/// Compiles an instrument version's schema for validating documents.
pub fn compile(schema: &Value, base: &str) -> Result<jsonschema::Validator, Vec<FieldError>> {
    jsonschema::validator_for(schema).map_err(|e| {
        vec![FieldError::new(
            base,
            format!("the instrument is unusable: {}", e.masked()),
        )]
    })
}

/// Checks a filled document with its instrument version's compiled schema. Pointers are
/// prefixed with `base` (the document's place in the request); messages never repeat the
/// submitted values.
pub fn check_document(
    validator: &jsonschema::Validator,
    content: &Value,
    base: &str,
) -> Result<(), Vec<FieldError>> {
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
    #![allow(clippy::unwrap_used)]
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
        assert!(
            check_document(
                &compile(&schema, "/document/content").unwrap(),
                &good,
                "/document/content"
            )
            .is_ok()
        );
        let bad = json!({"summary": "Mia Beispiel", "satisfaction_young_person": 9, "satisfaction_parents": 5,
            "follow_up": "none", "extra": "Mia Beispiel"});
        let errors = check_document(
            &compile(&schema, "/document/content").unwrap(),
            &bad,
            "/document/content",
        )
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

    fn pointers(schema: Value) -> Vec<String> {
        check_schema(&schema)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|e| e.pointer)
            .collect()
    }

    #[test]
    fn broken_schemas_are_refused() {
        assert_eq!(pointers(json!({"type": "no-such-type"})), ["/schema/type"]);
        assert_eq!(pointers(json!("not an object")), ["/schema"]);
        assert_eq!(
            pointers(json!({"type": "object", "properties": {"a": {"minLength": "one"}}})),
            ["/schema/properties/a/minLength"]
        );
        assert_eq!(
            pointers(
                json!({"type": "object", "properties": {"a": {}}, "required": ["a"],
                "$ref": "https://example.org/elsewhere.json"})
            ),
            ["/schema"]
        );
    }

    #[test]
    fn a_released_schema_must_constrain_the_document() {
        let good =
            json!({"type": "object", "required": ["a"], "properties": {"a": {"type": "string"}}});
        assert!(check_schema(&good).is_ok());
        let mut with_dialect = good.clone();
        with_dialect["$schema"] = json!(SCHEMA_DIALECT);
        assert!(check_schema(&with_dialect).is_ok());
        with_dialect["$schema"] = json!("http://json-schema.org/draft-04/schema#");
        assert_eq!(pointers(with_dialect), ["/schema/$schema"]);
        assert_eq!(
            pointers(json!({})),
            ["/schema/type", "/schema/properties", "/schema/required"]
        );
        assert_eq!(
            pointers(json!({"type": "object", "properties": {}, "required": []})),
            ["/schema/properties", "/schema/required"]
        );
        assert_eq!(
            pointers(
                json!({"type": ["object", "null"], "properties": {"a": {}}, "required": ["a"]})
            ),
            ["/schema/type"]
        );
        assert_eq!(
            pointers(json!({"type": "object", "properties": {"a": {}}, "required": ["a", "b"]})),
            ["/schema/required/1"]
        );
    }
}
