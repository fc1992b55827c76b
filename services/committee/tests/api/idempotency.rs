//! A POST sent again with the same `Idempotency-Key` runs once: the second answer is the first
//! one replayed (`Idempotent-Replayed: true`), and nothing is written or published twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use qmf_testkit::auth;
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// Posts `body` to `path` with `token` and the idempotency key `key`.
async fn post(app: &App, path: &str, token: &str, key: &str, body: &Value) -> Response {
    app.http
        .post(format!("{}{path}", app.base))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

fn header(response: &Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
}

#[tokio::test]
async fn planning_a_meeting_twice_with_one_key_plans_it_once() {
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let token = auth::token(&["committee_secretary"], None);
    let path = format!("/v1/bodies/{group}/meetings");
    let meeting = json!({"title": "Sitzung AK QMF", "starts_at": "2027-05-04T09:00:00Z",
        "ends_at": "2027-05-04T12:00:00Z", "place": "Landratsamt Heilbronn", "public": false});
    let key = Uuid::now_v7().to_string();

    let first = post(&app, &path, &token, &key, &meeting).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    assert_eq!(header(&first, "idempotent-replayed"), None);
    let etag = header(&first, "etag").expect("an ETag");
    let planned: Value = first.json().await.unwrap();

    let again = post(&app, &path, &token, &key, &meeting).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        header(&again, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(header(&again, "etag"), Some(etag));
    assert!(
        header(&again, "content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let replayed: Value = again.json().await.unwrap();
    assert_eq!(replayed, planned);

    // One meeting, one event.
    let (page, _) = app
        .send(reqwest::Method::GET, &path, None, None, StatusCode::OK)
        .await;
    let ids: Vec<&Value> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["id"])
        .collect();
    assert_eq!(ids, [&planned["id"]]);
    let scheduled = app
        .count(&format!(
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'committee.meeting.scheduled.v1' \
             AND subject = '{}'",
            planned["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(scheduled, 1);

    // The same key with another request is refused, and still nothing is planned.
    let other = json!({"title": "Andere Sitzung", "starts_at": "2027-06-01T09:00:00Z",
        "ends_at": "2027-06-01T12:00:00Z", "place": "Heilbronn"});
    let reused = post(&app, &path, &token, &key, &other).await;
    assert_eq!(reused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let problem: Value = reused.json().await.unwrap();
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("/idempotency-key-reused"),
        "{problem}"
    );
    let count = app
        .count(&format!(
            "SELECT count(*) AS n FROM meetings WHERE body_id = '{group}'"
        ))
        .await;
    assert_eq!(count, 1);
}

#[tokio::test]
async fn drafting_a_topic_twice_with_one_key_drafts_it_once() {
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let member = Uuid::now_v7();
    app.seat(&group, member, app.institution, "member").await;
    let token = person_token(member, app.institution);
    let path = format!("/v1/bodies/{group}/topics");
    let draft = json!({"title": "Empfehlung Hilfeplanung", "text": "Das Forum empfiehlt …"});
    let key = "draft-hilfeplanung";

    let first = post(&app, &path, &token, key, &draft).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = header(&first, "location").expect("a Location");
    let topic: Value = first.json().await.unwrap();

    let again = post(&app, &path, &token, key, &draft).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        header(&again, "idempotent-replayed").as_deref(),
        Some("true")
    );
    assert_eq!(header(&again, "location"), Some(location));
    assert_eq!(again.json::<Value>().await.unwrap(), topic);

    let id = topic["id"].as_str().unwrap();
    let topics = app
        .count(&format!(
            "SELECT count(*) AS n FROM topics WHERE origin_body_id = '{group}'"
        ))
        .await;
    assert_eq!(topics, 1);
    let (history, _) = app
        .send(
            reqwest::Method::GET,
            &format!("/v1/topics/{id}/history"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(history.as_array().unwrap().len(), 1, "{history}");
    let events = app
        .count(&format!(
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'committee.topic.transitioned.v1' \
             AND subject = '{id}'"
        ))
        .await;
    assert_eq!(events, 1);

    // Another caller's key is their own: the same key drafts a second topic for them.
    let other = Uuid::now_v7();
    app.seat(&group, other, app.institution, "member").await;
    let theirs = post(
        &app,
        &path,
        &person_token(other, app.institution),
        key,
        &draft,
    )
    .await;
    assert_eq!(theirs.status(), StatusCode::CREATED);
    assert_eq!(header(&theirs, "idempotent-replayed"), None);
}
