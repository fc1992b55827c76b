//! Every service starts, migrates and serves the shared operational endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::{self, Persona, ServiceUnderTest, StatusCode, TestApp};

async fn check(service: ServiceUnderTest) {
    let info = service.info();
    let service = TestApp::start(service).await;
    let anonymous = service.anonymous();

    // Ready once the database answers and the relay (and consumer) have connected to the
    // broker; the harness waited for that.
    let ready = anonymous.get("/health/ready").send().await;
    let ready = ready.expect(StatusCode::OK);
    assert_eq!(ready["database"], "up");
    assert_eq!(ready["broker"], "up");
    anonymous
        .get("/health/live")
        .send()
        .await
        .expect(StatusCode::OK);

    let spec = anonymous.get("/openapi.json").send().await;
    let spec = spec.expect(StatusCode::OK);
    assert_eq!(spec["info"]["title"], info.title);
    assert!(spec["paths"]["/health/ready"].is_object());

    let docs = anonymous.get("/docs/").send().await;
    let docs = docs.expect(StatusCode::OK);
    assert!(
        docs.as_str().unwrap_or_default().contains("swagger"),
        "Swagger UI is served offline"
    );

    let metrics = anonymous.get("/metrics").send().await;
    let metrics = metrics.body.as_str().unwrap_or_default();
    assert!(metrics.contains("qmf_http_requests_total"), "{metrics}");

    anonymous
        .get("/v1/nothing-here")
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    service.stop().await;
}

#[tokio::test]
async fn directory_shell() {
    check(common::directory()).await;
}

#[tokio::test]
async fn case_shell() {
    check(common::case()).await;
}

#[tokio::test]
async fn committee_shell() {
    check(common::committee()).await;
}

#[tokio::test]
async fn dialogue_shell() {
    check(common::dialogue()).await;
}

#[tokio::test]
async fn training_shell() {
    check(common::training()).await;
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let service = TestApp::start(
        common::directory().env("QMF_CORS_ALLOWED_ORIGINS", "https://frontend.example"),
    )
    .await;
    let preflight = |origin: &'static str| {
        service
            .anonymous()
            .request(reqwest::Method::OPTIONS, "/v1/organizations")
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    let allowed = preflight("https://frontend.example").await;
    allowed.expect(StatusCode::OK);
    assert_eq!(
        allowed.header("access-control-allow-origin"),
        Some("https://frontend.example")
    );
    let refused = preflight("https://evil.example").await;
    assert_eq!(refused.header("access-control-allow-origin"), None);
    service.stop().await;
}

#[tokio::test]
async fn oversized_uploads_are_refused_as_problems() {
    let service = TestApp::start(common::directory().env("QMF_MAX_UPLOAD_BYTES", "1000")).await;
    service
        .as_(Persona::admin())
        .post("/v1/organizations/import")
        .header("Content-Type", "text/csv")
        .body("x".repeat(5000))
        .send()
        .await
        .expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
    service.stop().await;
}
