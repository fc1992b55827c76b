#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The platform's shared defences as the committee service applies them: the token table.

use crate::common::*;

use serde_json::json;
use uuid::Uuid;

#[tokio::test]
async fn the_token_table_holds() {
    let app = spawn().await;
    qmf_testkit::token_table::check(&app.base, "/v1/bodies", &["institution_staff"], None).await;
    app.stop().await;
}

#[tokio::test]
async fn oparl_links_ignore_a_clients_forwarding_headers() {
    let app = spawn().await;
    let system = app
        .anonymous()
        .get("/oparl/v1/system")
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .header("Forwarded", "host=evil.example;proto=https")
        .send()
        .await;
    let text = system.body.to_string();
    assert!(!text.contains("evil.example"), "{text}");
    assert!(text.contains(&app.base), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn a_non_member_learns_that_before_anything_about_the_body() {
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let outsider = app.as_(Persona::person(Uuid::now_v7(), Uuid::now_v7()));
    for body in [json!({"title": 5}), json!({})] {
        let reply = outsider
            .post(&format!("/v1/bodies/{group}/topics"))
            .json(&body)
            .send()
            .await;
        let problem = reply.expect(StatusCode::FORBIDDEN);
        assert!(problem["errors"].is_null(), "{problem}");
    }
    app.stop().await;
}
