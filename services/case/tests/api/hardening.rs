#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The platform's shared defences as the case service applies them: the token table, and access
//! checked before the body is looked at.

use reqwest::StatusCode;
use serde_json::json;

use crate::common::{expect_status, spawn};

#[tokio::test]
async fn the_token_table_holds() {
    let app = spawn().await;
    qmf_testkit::token_table::check(&app.base, "/v1/cases", &["caseworker"], Some(app.office))
        .await;
    app.stop().await;
}

#[tokio::test]
async fn a_caller_who_may_not_open_cases_learns_that_before_anything_about_the_body() {
    let app = spawn().await;
    let admin = qmf_testkit::auth::token(&["admin"], None);
    for body in [json!({"help_kind": 7}), json!("not an object"), json!({})] {
        let response = app
            .post("/v1/cases", &admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        let problem = expect_status(response, StatusCode::FORBIDDEN).await;
        assert!(problem["errors"].is_null(), "{problem}");
    }
    // The same invalid body from a caseworker is a validation problem.
    let response = app
        .post("/v1/cases", &app.caseworker())
        .json(&json!({"help_kind": 7}))
        .send()
        .await
        .unwrap();
    expect_status(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    app.stop().await;
}
