//! Every service starts, migrates and serves the shared operational endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use qmf_platform::config::ServiceInfo;
use qmf_platform::server::Commands;

async fn check(info: ServiceInfo, commands: Commands, start: common::Starter) {
    let cluster = common::Cluster::new();
    let service = cluster.start(info, commands, start).await;
    let http = reqwest::Client::new();

    // Ready once the database answers and the relay (and consumer) have connected to the broker.
    let mut ready = None;
    for _ in 0..100 {
        let response = http.get(service.url("/health/ready")).send().await.unwrap();
        if response.status() == 200 {
            ready = Some(response.json::<serde_json::Value>().await.unwrap());
            break;
        }
        assert_eq!(response.status(), 503);
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let ready = ready.unwrap_or_else(|| panic!("{} never became ready", info.name));
    assert_eq!(ready["database"], "up");
    assert_eq!(ready["broker"], "up");
    let live = http.get(service.url("/health/live")).send().await.unwrap();
    assert_eq!(live.status(), 200);

    let spec: serde_json::Value = http
        .get(service.url("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(spec["info"]["title"], info.title);
    assert!(spec["paths"]["/health/ready"].is_object());

    let docs = http.get(service.url("/docs/")).send().await.unwrap();
    assert_eq!(docs.status(), 200);
    assert!(
        docs.text().await.unwrap().contains("swagger"),
        "Swagger UI is served offline"
    );

    let metrics = http
        .get(service.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("qmf_http_requests_total"), "{metrics}");

    let missing = http
        .get(service.url("/v1/nothing-here"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );
    service.stop().await;
}

#[tokio::test]
async fn directory_shell() {
    check(
        qmf_directory::SERVICE,
        qmf_directory::commands(),
        common::directory,
    )
    .await;
}

#[tokio::test]
async fn case_shell() {
    check(qmf_case::SERVICE, qmf_case::commands(), common::case).await;
}

#[tokio::test]
async fn committee_shell() {
    check(
        qmf_committee::SERVICE,
        qmf_committee::commands(),
        common::committee,
    )
    .await;
}

#[tokio::test]
async fn dialogue_shell() {
    check(
        qmf_dialogue::SERVICE,
        qmf_dialogue::commands(),
        common::dialogue,
    )
    .await;
}

#[tokio::test]
async fn training_shell() {
    check(
        qmf_training::SERVICE,
        qmf_training::commands(),
        common::training,
    )
    .await;
}

#[tokio::test]
async fn cors_allows_only_the_configured_origins() {
    let cluster = common::Cluster::new();
    let service = cluster
        .start_with(
            qmf_directory::SERVICE,
            qmf_directory::commands(),
            common::directory,
            &[("QMF_CORS_ALLOWED_ORIGINS", "https://frontend.example")],
        )
        .await;
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, service.url("/v1/organizations"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
    };
    let allowed = preflight("https://frontend.example").await.unwrap();
    assert_eq!(allowed.status(), 200);
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://frontend.example"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );
    service.stop().await;
}

#[tokio::test]
async fn oversized_uploads_are_refused_as_problems() {
    let cluster = common::Cluster::new();
    let service = cluster
        .start_with(
            qmf_directory::SERVICE,
            qmf_directory::commands(),
            common::directory,
            &[("QMF_MAX_UPLOAD_BYTES", "1000")],
        )
        .await;
    let response = reqwest::Client::new()
        .post(service.url("/v1/organizations/import"))
        .bearer_auth(qmf_testkit::auth::token(&["admin"], None))
        .header("Content-Type", "text/csv")
        .body("x".repeat(5000))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["status"], 413);
    service.stop().await;
}
