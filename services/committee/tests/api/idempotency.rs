//! A POST sent again with the same `Idempotency-Key` runs once: the second answer is the first
//! one replayed (`Idempotent-Replayed: true`), and nothing is written or published twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use serde_json::{Value, json};
use uuid::Uuid;

/// Posts `body` to `path` as `caller` with the idempotency key `key`.
async fn post(caller: &Caller, path: &str, key: &str, body: &Value) -> Reply {
    caller
        .post(path)
        .idempotency_key(key)
        .json(body)
        .send()
        .await
}

#[tokio::test]
async fn planning_a_meeting_twice_with_one_key_plans_it_once() {
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let secretary = secretary(&app);
    let path = format!("/v1/bodies/{group}/meetings");
    let meeting = json!({"title": "Sitzung AK QMF", "starts_at": "2027-05-04T09:00:00Z",
        "ends_at": "2027-05-04T12:00:00Z", "place": "Landratsamt Heilbronn", "public": false});
    let key = Uuid::now_v7().to_string();

    let first = post(&secretary, &path, &key, &meeting).await;
    let planned = first.expect(StatusCode::CREATED);
    assert_eq!(first.header("idempotent-replayed"), None);
    let etag = first.etag();

    let again = post(&secretary, &path, &key, &meeting).await;
    assert_eq!(again.expect(StatusCode::CREATED), planned);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.etag(), etag);
    assert!(
        again
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );

    // One meeting, one event.
    let ids = secretary.list_ids(&path).await;
    assert_eq!(ids, [id_of(planned)]);
    let scheduled = app
        .count(&format!(
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'committee.meeting.scheduled.v1' \
             AND subject = '{}'",
            id_of(planned)
        ))
        .await;
    assert_eq!(scheduled, 1);

    // The same key with another request is refused, and still nothing is planned.
    let other = json!({"title": "Andere Sitzung", "starts_at": "2027-06-01T09:00:00Z",
        "ends_at": "2027-06-01T12:00:00Z", "place": "Heilbronn"});
    post(&secretary, &path, &key, &other)
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    let count = app
        .count(&format!(
            "SELECT count(*) AS n FROM meetings WHERE body_id = '{group}'"
        ))
        .await;
    assert_eq!(count, 1);
    app.stop().await;
}

#[tokio::test]
async fn drafting_a_topic_twice_with_one_key_drafts_it_once() {
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let member = Uuid::now_v7();
    app.seat(&group, member, INSTITUTION, "member").await;
    let caller = app.as_(Persona::person(member, INSTITUTION));
    let path = format!("/v1/bodies/{group}/topics");
    let draft = json!({"title": "Empfehlung Hilfeplanung", "text": "Das Forum empfiehlt …"});
    let key = "draft-hilfeplanung";

    let first = post(&caller, &path, key, &draft).await;
    let topic = first.expect(StatusCode::CREATED);
    let location = first.header("location").expect("a Location");

    let again = post(&caller, &path, key, &draft).await;
    assert_eq!(again.expect(StatusCode::CREATED), topic);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), Some(location));

    let id = id_of(topic);
    let topics = app
        .count(&format!(
            "SELECT count(*) AS n FROM topics WHERE origin_body_id = '{group}'"
        ))
        .await;
    assert_eq!(topics, 1);
    let history = secretary(&app)
        .get(&format!("/v1/topics/{id}/history"))
        .send()
        .await;
    let history = history.expect(StatusCode::OK);
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
    app.seat(&group, other, INSTITUTION, "member").await;
    let theirs = post(
        &app.as_(Persona::person(other, INSTITUTION)),
        &path,
        key,
        &draft,
    )
    .await;
    theirs.expect(StatusCode::CREATED);
    assert_eq!(theirs.header("idempotent-replayed"), None);
    app.stop().await;
}
