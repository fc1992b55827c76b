#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The platform's shared defences as the committee service applies them: the token table.

use crate::common::spawn;

#[tokio::test]
async fn the_token_table_holds() {
    let app = spawn().await;
    qmf_testkit::token_table::check(&app.base, "/v1/bodies", &["institution_staff"], None).await;
}

#[tokio::test]
async fn oparl_links_ignore_a_clients_forwarding_headers() {
    let app = spawn().await;
    let text = reqwest::Client::new()
        .get(format!("{}/oparl/v1/system", app.base))
        .header("X-Forwarded-Host", "evil.example")
        .header("X-Forwarded-Proto", "https")
        .header("Forwarded", "host=evil.example;proto=https")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!text.contains("evil.example"), "{text}");
    assert!(text.contains(&app.base), "{text}");
}

#[tokio::test]
async fn a_non_member_learns_that_before_anything_about_the_body() {
    use reqwest::{Method, StatusCode};
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let outsider = crate::common::person_token(uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    for body in [serde_json::json!({"title": 5}), serde_json::json!({})] {
        let (problem, _) = app
            .send_as(
                &outsider,
                Method::POST,
                &format!("/v1/bodies/{group}/topics"),
                None,
                Some(body),
                StatusCode::FORBIDDEN,
            )
            .await;
        assert!(problem["errors"].is_null(), "{problem}");
    }
}
