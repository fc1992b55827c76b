//! The harness on a service with only the platform's shared endpoints: start, personas,
//! problems, the outbox and the check at the end that every event was published.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::Commands;
use qmf_testkit::{Persona, ServiceUnderTest, StatusCode, TcpProxy, TestApp};

const PLAIN: ServiceInfo = ServiceInfo {
    name: "plain",
    title: "Plain test service",
    description: "Only the endpoints every service shares.",
    default_port: 8099,
};

fn commands() -> Commands {
    Commands {
        info: PLAIN,
        migrations: vec![qmf_platform::db::MIGRATIONS, qmf_events::MIGRATIONS],
        openapi: || qmf_platform::http::document(&PLAIN, |_| {}),
        documents: vec![],
    }
}

fn plain() -> ServiceUnderTest {
    ServiceUnderTest::new(commands, |config, _| {
        qmf_platform::server::start(config, |_| {}, None, Vec::new())
    })
}

/// Writes an event into the outbox as a service's transaction would.
async fn commit_event(app: &TestApp, event_type: &str) -> uuid::Uuid {
    let envelope =
        qmf_events::Envelope::new("/qmf/plain", event_type, "s-1", serde_json::json!({"n": 1}));
    let json = String::from_utf8(envelope.to_json().unwrap()).unwrap();
    app.execute(&format!(
        "INSERT INTO outbox (event_id, event_type, source, subject, envelope) \
         VALUES ('{}', '{event_type}', '/qmf/plain', 's-1', '{json}'::jsonb)",
        envelope.id
    ))
    .await;
    envelope.id
}

#[tokio::test]
async fn a_service_starts_ready_and_answers_personas_with_problems() {
    let app = TestApp::start(plain().env("QMF_CORS_ALLOWED_ORIGINS", "https://a.example")).await;
    assert_eq!(app.info.name, "plain");
    assert_eq!(app.env["QMF_CORS_ALLOWED_ORIGINS"], "https://a.example");
    let ready = app.anonymous().get("/health/ready").send().await;
    assert_eq!(ready.expect(StatusCode::OK)["broker"], "up");
    app.as_(Persona::admin())
        .get("/v1/nothing")
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    let org = uuid::Uuid::now_v7();
    let staff = app.as_(Persona::role("caseworker").of(org).subject("cw-1"));
    assert!(staff.token().is_some());
    let refused = app.bearer("not-a-token").get("/v1/nothing").send().await;
    assert!(refused.status.is_client_error(), "{refused:?}");
    assert_eq!(
        app.sql("SELECT 1 AS one").await,
        vec![serde_json::json!({"one": 1})]
    );
    app.expect_outbox(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn committed_events_are_seen_in_the_outbox_and_on_the_broker() {
    let app = TestApp::start(plain()).await;
    let mut probe = app.probe().await;
    let id = commit_event(&app, "plain.thing.happened.v1").await;
    let rows = app.expect_outbox(&["plain.thing.happened.v1"]).await;
    assert_eq!(rows[0].event_id, id);
    app.expect_outbox(&[]).await;
    let published = probe.next(qmf_testkit::EVENT_WAIT).await.unwrap();
    assert_eq!(published["id"], id.to_string());
    commit_event(&app, "plain.thing.changed.v1").await;
    commit_event(&app, "plain.thing.changed.v1").await;
    let envelopes = app
        .expect_events(
            &mut probe,
            &["plain.thing.changed.v1", "plain.thing.changed.v1"],
        )
        .await;
    assert_eq!(envelopes[1]["subject"], "s-1");
    app.stop().await;
}

#[tokio::test]
async fn stop_fails_when_an_event_never_leaves_the_outbox() {
    let proxy = TcpProxy::start(qmf_testkit::amqp_socket_addr());
    let url = proxy.url_for(&qmf_testkit::amqp_url());
    let app = TestApp::start(plain().env("QMF_AMQP_URL", &url)).await;
    proxy.set_down(true);
    commit_event(&app, "plain.thing.stuck.v1").await;
    let stopped = AssertUnwindSafe(app.stop()).catch_unwind().await;
    let panic = stopped.expect_err("stop must fail");
    let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
    assert!(message.contains("plain.thing.stuck.v1"), "{message}");
}
