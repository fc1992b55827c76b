//! What the one command runner guarantees for every command: a repeated request with the same
//! `Idempotency-Key` is answered from the stored answer without running again, and a stale
//! `If-Match` changes nothing at all.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::Value;

/// The steps of a case in its timeline, as written in the database.
async fn steps(app: &TestApp, id: &str) -> Vec<String> {
    app.sql(&format!(
        "SELECT step FROM case_steps WHERE case_id = '{id}' ORDER BY id"
    ))
    .await
    .into_iter()
    .map(|row| row["step"].as_str().unwrap().to_string())
    .collect()
}

/// The types of the events written to the outbox, in order.
async fn events(app: &TestApp) -> Vec<String> {
    app.sql("SELECT event_type FROM outbox ORDER BY id")
        .await
        .into_iter()
        .map(|row| row["event_type"].as_str().unwrap().to_string())
        .collect()
}

/// The audit actions recorded for a case, in order.
async fn audited(app: &TestApp, id: &str) -> Vec<String> {
    app.sql(&format!(
        "SELECT action FROM audit_log WHERE case_id = '{id}' ORDER BY id"
    ))
    .await
    .into_iter()
    .map(|row| row["action"].as_str().unwrap().to_string())
    .collect()
}

#[tokio::test]
async fn a_command_repeated_with_one_idempotency_key_runs_once() {
    let app = spawn().await;
    let cw = app.caseworker();
    let flow = Flow::open(&app).await;
    let send = || {
        app.post(&format!("/v1/cases/{}/assessment", flow.id), &cw)
            .header("If-Match", "\"1\"")
            .header("Idempotency-Key", "assessment-of-mia")
            .json(&assessment())
            .send()
    };

    let first = send().await.unwrap();
    assert!(first.headers().get("idempotent-replayed").is_none());
    assert_eq!(first.headers()["etag"], "\"2\"");
    let first: Value = expect_status(first, StatusCode::OK).await;
    assert_eq!(first["phase"], "assessed");

    // The retry carries the ETag the case had before the first run: run again, it would be
    // refused with 412; the stored answer is the first one.
    let second = send().await.unwrap();
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    assert_eq!(second.headers()["etag"], "\"2\"");
    let second: Value = expect_status(second, StatusCode::OK).await;
    assert_eq!(second, first);

    assert_eq!(
        steps(&app, &flow.id).await,
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
    assert_eq!(
        app.sql(&format!(
            "SELECT id FROM case_documents WHERE case_id = '{}'",
            flow.id
        ))
        .await
        .len(),
        1
    );
    let case = app
        .get(&format!("/v1/cases/{}", flow.id), &cw)
        .send()
        .await
        .unwrap();
    assert_eq!(expect_status(case, StatusCode::OK).await["version"], 2);
    app.stop().await;
}

#[tokio::test]
async fn a_stale_if_match_on_a_command_writes_nothing() {
    let app = spawn().await;
    let cw = app.caseworker();
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
        let mut request = app
            .post(&format!("/v1/cases/{}{path}", flow.id), &cw)
            .header("If-Match", "\"7\"")
            .header("Idempotency-Key", format!("stale{path}"));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let problem = expect_status(response, StatusCode::PRECONDITION_FAILED).await;
        assert!(
            problem["detail"].as_str().unwrap().contains("\"1\""),
            "{path}: {problem}"
        );
    }

    assert_eq!(steps(&app, &flow.id).await, ["opened"]);
    assert_eq!(events(&app).await, events_before);
    assert_eq!(audited(&app, &flow.id).await, audited_before);
    assert!(
        app.sql(&format!(
            "SELECT id FROM case_documents WHERE case_id = '{}'",
            flow.id
        ))
        .await
        .is_empty()
    );
    let case = app
        .get(&format!("/v1/cases/{}", flow.id), &cw)
        .send()
        .await
        .unwrap();
    let case = expect_status(case, StatusCode::OK).await;
    assert_eq!(case["version"], 1);
    assert_eq!(case["phase"], "intake");
    app.stop().await;
}
