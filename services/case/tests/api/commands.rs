//! What the one command runner guarantees for every command: a repeated request with the same
//! `Idempotency-Key` is answered from the stored answer without running again, and a stale
//! `If-Match` changes nothing at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

/// The steps of a case in its timeline, as written in the database.
async fn recorded_steps(app: &TestApp, id: &str) -> Vec<String> {
    let rows = app
        .sql(&format!(
            "SELECT step FROM case_steps WHERE case_id = '{id}' ORDER BY id"
        ))
        .await;
    column(&rows, "step")
}

/// The types of the events written to the outbox, in order.
async fn events(app: &TestApp) -> Vec<String> {
    column(
        &app.sql("SELECT event_type FROM outbox ORDER BY id").await,
        "event_type",
    )
}

/// The audit actions recorded for a case, in order.
async fn audited(app: &TestApp, id: &str) -> Vec<String> {
    let rows = app
        .sql(&format!(
            "SELECT action FROM audit_log WHERE case_id = '{id}' ORDER BY id"
        ))
        .await;
    column(&rows, "action")
}

/// How many documents a case has.
async fn documents(app: &TestApp, id: &str) -> usize {
    app.sql(&format!(
        "SELECT id FROM case_documents WHERE case_id = '{id}'"
    ))
    .await
    .len()
}

#[tokio::test]
async fn a_command_repeated_with_one_idempotency_key_runs_once() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let flow = Flow::open(&app).await;
    let send = || {
        cw.post(&flow.path("/assessment"))
            .if_match("\"1\"")
            .idempotency_key("assessment-of-mia")
            .json(&assessment())
            .send()
    };

    let first = send().await;
    assert!(first.header("idempotent-replayed").is_none());
    assert_eq!(first.etag(), "\"2\"");
    let assessed = first.expect(StatusCode::OK);
    assert_eq!(assessed["phase"], "assessed");

    // The retry carries the ETag the case had before the first run: run again, it would be
    // refused with 412; the stored answer is the first one.
    let second = send().await;
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.etag(), "\"2\"");
    assert_eq!(second.expect(StatusCode::OK), assessed);

    assert_eq!(
        recorded_steps(&app, &flow.id).await,
        ["opened", "assessment_completed"]
    );
    let events = events(&app).await;
    assert_eq!(
        events
            .iter()
            .filter(|t| *t == "case.assessment_completed.v1")
            .count(),
        1,
        "{events:?}"
    );
    assert_eq!(documents(&app, &flow.id).await, 1);
    let case = cw.get(&flow.path("")).send().await;
    assert_eq!(case.expect(StatusCode::OK)["version"], 2);
    app.stop().await;
}

#[tokio::test]
async fn a_stale_if_match_on_a_command_writes_nothing() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let flow = Flow::open(&app).await;
    let events_before = events(&app).await;
    let audited_before = audited(&app, &flow.id).await;

    let close_without_help =
        serde_json::json!({"end_reason": "no_need", "participation": participation()});
    for (path, body) in [
        ("/assessment", Some(assessment())),
        ("/close-without-help", Some(close_without_help)),
        ("/close", None),
    ] {
        let mut request = cw
            .post(&flow.path(path))
            .if_match("\"7\"")
            .idempotency_key(format!("stale{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let reply = request.send().await;
        let problem = reply.expect(StatusCode::PRECONDITION_FAILED);
        assert!(
            problem["detail"].as_str().unwrap().contains("\"1\""),
            "{path}: {problem}"
        );
    }

    assert_eq!(recorded_steps(&app, &flow.id).await, ["opened"]);
    assert_eq!(events(&app).await, events_before);
    assert_eq!(audited(&app, &flow.id).await, audited_before);
    assert_eq!(documents(&app, &flow.id).await, 0);
    let case = cw.get(&flow.path("")).send().await;
    let case = case.expect(StatusCode::OK);
    assert_eq!(case["version"], 1);
    assert_eq!(case["phase"], "intake");
    app.stop().await;
}
