//! Repeated requests and repeated events: a POST sent again with the same `Idempotency-Key`
//! runs once, and a Forum meeting delivered twice (or republished, or late after its
//! cancellation) blocks its day once and only while it stands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;
use crate::dialogues::{Setup, wednesdays};

#[tokio::test]
async fn opening_a_cycle_twice_with_one_key_opens_it_once() {
    let app = spawn().await;
    let key = Uuid::now_v7().to_string();
    let body = json!({"start_year": this_year() + 1});
    let open = |body: Value| {
        coordinator(&app)
            .post("/v1/cycles")
            .idempotency_key(&key)
            .json(&body)
            .send()
    };
    let first = open(body.clone()).await;
    let cycle = first.expect(StatusCode::CREATED);
    assert_eq!(first.header("idempotent-replayed"), None);

    let again = open(body).await;
    assert_eq!(again.expect(StatusCode::CREATED), cycle);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.etag(), first.etag());
    assert_eq!(count(&app, "SELECT count(*) AS n FROM cycles").await, 1);
    let opened = count(
        &app,
        "SELECT count(*) AS n FROM outbox WHERE event_type = 'dialogue.cycle.opened.v1'",
    )
    .await;
    assert_eq!(opened, 1);

    // The key with another request is refused, and no second cycle appears.
    open(json!({"start_year": this_year() + 4}))
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM cycles").await, 1);
    app.stop().await;
}

#[tokio::test]
async fn scheduling_twice_with_one_key_schedules_once_even_with_the_old_etag() {
    let setup = Setup::new().await;
    let host = INSTITUTIONS[0];
    let (path, etag) = setup.dialogue_of(host).await;
    let day = wednesdays(setup.year)[0];
    let body = setup.body(day, &setup.guests_for(host));
    let key = Uuid::now_v7().to_string();
    let schedule = |body: Value| {
        coordinator(&setup.app)
            .post(&format!("{path}/schedule"))
            .if_match(etag.clone())
            .idempotency_key(&key)
            .json(&body)
            .send()
    };
    let first = schedule(body.clone()).await;
    let scheduled = first.expect(StatusCode::OK);
    assert_eq!(scheduled["date"], json!(day));

    // The retry carries the ETag from before the change: answered from the stored reply, not
    // refused as stale, and nothing happens twice.
    let again = schedule(body).await;
    assert_eq!(again.expect(StatusCode::OK), scheduled);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.etag(), first.etag());
    let id = scheduled["id"].as_str().unwrap();
    let events = count(
        &setup.app,
        &format!(
            "SELECT count(*) AS n FROM outbox WHERE event_type = 'dialogue.dialogue.scheduled.v1' \
             AND subject = '{id}'"
        ),
    )
    .await;
    assert_eq!(events, 1);
    let history = count(
        &setup.app,
        &format!("SELECT count(*) AS n FROM dialogue_history WHERE dialogue_id = '{id}'"),
    )
    .await;
    let read = coordinator(&setup.app)
        .get(&format!("{path}/history"))
        .send()
        .await;
    assert_eq!(
        read.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len() as i64,
        history
    );

    // Another body under the same key is refused; the dialogue keeps its date.
    schedule(setup.body(wednesdays(setup.year)[1], &setup.guests_for(host)))
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    let now = coordinator(&setup.app).get(&path).send().await;
    assert_eq!(now.expect(StatusCode::OK)["date"], json!(day));
    setup.app.stop().await;
}

/// The number in the column `n` of a one-row query.
async fn count(app: &TestApp, query: &str) -> i64 {
    app.sql(query).await[0]["n"].as_i64().unwrap()
}

/// Whether `day` is a blocked day with a Forum meeting, as the blackout list says.
async fn forum_blocks(app: &TestApp, day: NaiveDate) -> bool {
    let reply = coordinator(app)
        .get(&format!("/v1/blackout-days?from={day}&to={day}"))
        .send()
        .await;
    reply.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| {
            d["blocked"] == true
                && d["reasons"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["kind"] == "forum_meeting")
        })
}

#[tokio::test]
async fn a_forum_meeting_delivered_twice_or_late_after_its_cancellation_blocks_its_day_once() {
    let app = spawn().await;
    let meeting = Uuid::now_v7();
    let day = NaiveDate::from_ymd_opt(this_year() + 1, 3, 10).unwrap();
    let scheduled = json!({"meeting_id": meeting, "body_id": Uuid::now_v7(),
        "title": "Forum Jugendhilfe", "starts_at": format!("{day}T09:00:00Z"),
        "ends_at": format!("{day}T12:00:00Z"), "place": "Heilbronn", "public": true,
        "body_kind": "forum"});

    // The same message twice (a redelivery): the inbox applies it once.
    let envelope = qmf_events::Envelope::new(
        "/qmf/committee",
        "committee.meeting.scheduled.v1",
        "test",
        scheduled.clone(),
    );
    let bytes = envelope.to_json().unwrap();
    for _ in 0..2 {
        assert!(
            qmf_testkit::publish(&app.exchange, "committee.meeting.scheduled.v1", &bytes).await
        );
    }
    // A republication of the same meeting under a new event id.
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.scheduled.v1",
        scheduled.clone(),
    )
    .await;
    // Delivered in order to one consumer: both copies above were handled before this one.
    let inbox = count(
        &app,
        &format!(
            "SELECT count(*) AS n FROM inbox WHERE event_id = '{}'",
            envelope.id
        ),
    )
    .await;
    assert_eq!(inbox, 1);
    let rows = count(
        &app,
        &format!("SELECT count(*) AS n FROM forum_meetings WHERE meeting_id = '{meeting}'"),
    )
    .await;
    assert_eq!(rows, 1);
    assert!(forum_blocks(&app, day).await);

    // Cancelled: the day is free again, and a late copy of the scheduling does not revive it.
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.cancelled.v1",
        json!({"meeting_id": meeting, "body_id": scheduled["body_id"],
            "starts_at": scheduled["starts_at"], "invitations_were_sent": false,
            "ics": null, "body_kind": "forum"}),
    )
    .await;
    assert!(!forum_blocks(&app, day).await);
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.scheduled.v1",
        scheduled,
    )
    .await;
    assert!(!forum_blocks(&app, day).await);

    // A meeting of another body is no Forum meeting and blocks nothing.
    let other_day = day + chrono::Days::new(1);
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.scheduled.v1",
        json!({"meeting_id": Uuid::now_v7(), "body_id": Uuid::now_v7(), "title": "AK QMF",
            "starts_at": format!("{other_day}T09:00:00Z"),
            "ends_at": format!("{other_day}T12:00:00Z"), "place": "Heilbronn", "public": false,
            "body_kind": "working_group"}),
    )
    .await;
    assert!(!forum_blocks(&app, other_day).await);
    app.stop().await;
}
