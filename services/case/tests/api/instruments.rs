//! Releasing instrument versions: only a JSON Schema that constrains the documents is released,
//! so a release can never switch the validation of documents off; every release is audited.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use serde_json::{Value, json};

fn release(schema: Value) -> Value {
    json!({"title": "Bedarfserhebung 2027", "description": "Beschluss des Forums", "schema": schema})
}

#[tokio::test]
async fn only_schemas_that_constrain_documents_are_released() {
    let app = spawn().await;
    let coordinator = app.as_(Persona::coordinator().subject("coordinator-1"));
    let post = |key: &str, body: Value| {
        coordinator
            .post(&format!("/v1/instruments/{key}/versions"))
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
        let reply = post("assessment", release(schema.clone())).await;
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(reply.pointers(), expected, "{schema}");
    }
    // Nothing was released: documents are still checked against version 1.
    let versions = app
        .sql("SELECT key, version FROM instruments WHERE key = 'assessment'")
        .await;
    assert_eq!(versions, vec![json!({"key": "assessment", "version": 1})]);
    let cw = app.as_(caseworker());
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
    post("no_such_instrument", release(schema.clone()))
        .await
        .expect(StatusCode::NOT_FOUND);
    cw.get("/v1/instruments/no_such_instrument/versions/1")
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    // A schema that constrains the documents is released and the release is audited.
    let released = post("assessment", release(schema)).await;
    assert_eq!(released.expect(StatusCode::CREATED)["version"], 2);
    let log = app
        .as_(Persona::auditor())
        .get("/v1/audit-log?limit=200")
        .send()
        .await;
    let log = log.expect(StatusCode::OK);
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
    // And published, once, with no personal data; the refusals published nothing.
    let published = app
        .sql(
            "SELECT subject, envelope->'data' AS data FROM outbox \
             WHERE event_type = 'case.instrument_released.v1'",
        )
        .await;
    assert_eq!(published.len(), 1, "{published:?}");
    assert_eq!(published[0]["subject"], "instrument/assessment");
    let data = &published[0]["data"];
    assert_eq!(data["instrument"], "assessment");
    assert_eq!(data["version"], 2);
    assert_eq!(data["title"], "Bedarfserhebung 2027");
    assert_eq!(
        data.as_object().unwrap().keys().collect::<Vec<_>>(),
        ["instrument", "released_on", "title", "version"]
    );
    app.stop().await;
}
