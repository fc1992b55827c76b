#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The platform's shared defences as the case service applies them: the token table, and access
//! checked before the body is looked at.

use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn the_token_table_holds() {
    let app = spawn().await;
    qmf_testkit::token_table::check(&app.base, "/v1/cases", &["caseworker"], Some(OFFICE)).await;
    app.stop().await;
}

#[tokio::test]
async fn a_caller_who_may_not_open_cases_learns_that_before_anything_about_the_body() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    for body in [json!({"help_kind": 7}), json!("not an object"), json!({})] {
        let reply = admin.post("/v1/cases").json(&body).send().await;
        let problem = reply.expect(StatusCode::FORBIDDEN);
        assert!(problem["errors"].is_null(), "{problem}");
    }
    // The same invalid body from a caseworker is a validation problem.
    app.as_(caseworker())
        .post("/v1/cases")
        .json(&json!({"help_kind": 7}))
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
