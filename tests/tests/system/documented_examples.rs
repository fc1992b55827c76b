//! The examples in the generated API and event documents are what third-party developers copy
//! first: every example of a component schema must satisfy that schema (with its references
//! resolved in the same document), so an example cannot drift from the code it describes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use serde_json::{Value, json};

fn document(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../openapi")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// Checks every component example of `doc`; returns how many were checked.
fn check_examples(name: &str, doc: &Value) -> usize {
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut checked = 0;
    let mut failures = Vec::new();
    for (schema_name, schema) in schemas {
        let Some(example) = schema.get("example") else {
            continue;
        };
        // The schema, with the document's components beside it so `#/components/...` resolves.
        let rooted = json!({
            "$ref": format!("#/components/schemas/{schema_name}"),
            "components": doc["components"],
        });
        let validator = jsonschema::validator_for(&rooted)
            .unwrap_or_else(|e| panic!("{name}: schema {schema_name} does not compile: {e}"));
        for error in validator.iter_errors(example) {
            failures.push(format!(
                "{name}: example of {schema_name} at {}: {error}",
                error.instance_path()
            ));
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    checked
}

#[test]
fn every_documented_example_satisfies_its_schema() {
    let mut total = 0;
    for name in [
        "directory.json",
        "case.json",
        "committee.json",
        "dialogue.json",
        "training.json",
        "asyncapi.json",
    ] {
        total += check_examples(name, &document(name));
    }
    // The documents do carry examples; an empty walk would prove nothing.
    assert!(total > 80, "only {total} examples found");
}

#[test]
fn a_wrong_example_is_caught() {
    let doc = json!({"components": {"schemas": {
        "Day": {"type": "object", "required": ["on"], "properties": {"on": {"type": "string"}},
                "example": {"on": 3}},
    }}});
    let result = std::panic::catch_unwind(|| check_examples("test", &doc));
    assert!(result.is_err());
}
