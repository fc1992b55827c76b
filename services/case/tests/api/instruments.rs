//! Releasing instrument versions: only a JSON Schema that constrains the documents is released,
//! so a release can never switch the validation of documents off; every release is audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use qmf_testkit::auth;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn release(schema: Value) -> Value {
    json!({"title": "Bedarfserhebung 2027", "description": "Beschluss des Forums", "schema": schema})
}

fn pointers(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn only_schemas_that_constrain_documents_are_released() {
    let app = spawn().await;
    let coordinator = auth::token_for("coordinator-1", &["coordinator"], None);
    let post = |key: &str, body: Value| {
        app.post(&format!("/v1/instruments/{key}/versions"), &coordinator)
            .json(&body)
            .send()
    };
    let refusals = [
        // Valid JSON Schemas that accept any document.
        (
            json!({}),
            vec!["/schema/type", "/schema/properties", "/schema/required"],
        ),
        (json!(true), vec!["/schema"]),
        (
            json!({"type": "object"}),
            vec!["/schema/properties", "/schema/required"],
        ),
        (
            json!({"type": "object", "properties": {}, "required": []}),
            vec!["/schema/properties", "/schema/required"],
        ),
        (
            json!({"type": "object", "properties": {"summary": {"type": "string"}}}),
            vec!["/schema/required"],
        ),
        (
            json!({"type": "array", "properties": {"summary": {}}, "required": ["summary"]}),
            vec!["/schema/type"],
        ),
        // A required field the schema does not declare.
        (
            json!({"type": "object", "properties": {"summary": {}}, "required": ["sumary"]}),
            vec!["/schema/required/0"],
        ),
        // Invalid against the meta-schema, another dialect, an unresolvable reference.
        (
            json!({"type": "object", "properties": {"summary": {"type": "text"}}, "required": ["summary"]}),
            vec!["/schema/properties/summary/type"],
        ),
        (
            json!({"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
                "properties": {"summary": {}}, "required": ["summary"]}),
            vec!["/schema/$schema"],
        ),
        (
            json!({"type": "object", "properties": {"summary": {"$ref": "https://example.org/other.json"}},
                "required": ["summary"]}),
            vec!["/schema"],
        ),
    ];
    for (schema, expected) in refusals {
        let problem = expect_status(
            post("assessment", release(schema.clone())).await.unwrap(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
        assert_eq!(pointers(&problem), expected, "{schema}");
    }
    // Nothing was released: documents are still checked against version 1.
    let versions = app
        .sql("SELECT key, version FROM instruments WHERE key = 'assessment'")
        .await;
    assert_eq!(versions, vec![json!({"key": "assessment", "version": 1})]);
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    let mut empty = assessment();
    empty["document"]["content"] = json!({});
    flow.command(
        &cw,
        "/assessment",
        Some(empty),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;

    // An unknown instrument key is not there.
    let schema = json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
        "properties": {"summary": {"type": "string", "minLength": 1}}, "required": ["summary"]});
    expect_status(
        post("no_such_instrument", release(schema.clone()))
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_status(
        app.get("/v1/instruments/no_such_instrument/versions/1", &cw)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;

    // A schema that constrains the documents is released and the release is audited.
    let released = expect_status(
        post("assessment", release(schema)).await.unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(released["version"], 2);
    let auditor = auth::token(&["auditor"], None);
    let log = expect_status(
        app.get("/v1/audit-log?limit=200", &auditor)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let releases: Vec<&Value> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "instrument.release")
        .collect();
    assert_eq!(releases.len(), 1, "{log}");
    assert_eq!(releases[0]["subject"], "coordinator-1");
    assert_eq!(releases[0]["target"], "instrument/assessment/2");
    assert!(releases[0]["case_id"].is_null());
    app.stop().await;
}
