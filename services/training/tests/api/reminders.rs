//! Reminders 7 days and 1 day before a session, once each, with its confirmed participants;
//! none for a cancelled session or one scheduled too late for the 7-day reminder.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Days;
use serde_json::{Value, json};

use crate::common::*;

async fn reminders(app: &TestApp) -> Vec<Value> {
    app.sql(
        "SELECT envelope -> 'data' AS data FROM outbox WHERE event_type = 'training.reminder.due.v1' ORDER BY id",
    )
    .await
    .into_iter()
    .map(|row| row["data"].clone())
    .collect()
}

async fn move_to(app: &TestApp, session: &Value, days_ahead: u64) {
    app.execute(&format!(
        "UPDATE sessions SET days = ARRAY['{}']::date[] WHERE id = '{}'",
        today() + Days::new(days_ahead),
        session["id"].as_str().unwrap()
    ))
    .await;
}

#[tokio::test]
async fn reminders_go_out_a_week_and_a_day_before_once_each() {
    let app = spawn().await;
    let session = session(&app, json!({})).await;
    let (anna, ben) = (
        person(&app, OFFICES[0]).await,
        person(&app, INSTITUTIONS[0]).await,
    );
    register(&app, &session, anna, OFFICES[0])
        .await
        .expect(StatusCode::CREATED);
    register(&app, &session, ben, INSTITUTIONS[0])
        .await
        .expect(StatusCode::CREATED);
    let leader = person(&app, OFFICES[0]).await;
    app.execute(&format!(
        "UPDATE directory_people SET functions = '{{leader}}' WHERE id = '{leader}'"
    ))
    .await;
    let remind = || qmf_training::app::reminders::remind(app.pool());
    // Three weeks ahead: nothing due.
    assert_eq!(remind().await.unwrap(), 0);

    move_to(&app, &session, 6).await;
    assert_eq!(remind().await.unwrap(), 1);
    assert_eq!(remind().await.unwrap(), 0, "once");
    move_to(&app, &session, 1).await;
    assert_eq!(remind().await.unwrap(), 1);
    assert_eq!(remind().await.unwrap(), 0, "once");
    let sent = reminders(&app).await;
    let days: Vec<&Value> = sent.iter().map(|r| &r["days_before"]).collect();
    assert_eq!(days, [&json!(7), &json!(1)]);
    let mut people: Vec<&str> = sent[1]["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["person_id"].as_str().unwrap())
        .collect();
    people.sort_unstable();
    let mut expected = vec![anna.to_string(), ben.to_string()];
    expected.sort();
    assert_eq!(people, expected);
    // Anna's leader is told too; Ben's organisation has none.
    for participant in sent[1]["participants"].as_array().unwrap() {
        let leaders = if participant["person_id"] == json!(anna) {
            json!([leader])
        } else {
            json!([])
        };
        assert_eq!(participant["leaders"], leaders);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_late_session_gets_only_the_nearest_reminder_and_a_cancelled_one_none() {
    let app = spawn().await;
    let late = session(&app, json!({})).await;
    move_to(&app, &late, 1).await;
    let cancelled = session(&app, json!({})).await;
    move_to(&app, &cancelled, 3).await;
    let path = format!("/v1/sessions/{}", cancelled["id"].as_str().unwrap());
    let etag = organiser(&app).get(&path).send().await.etag();
    organiser(&app)
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "zu wenige Anmeldungen"}))
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        qmf_training::app::reminders::remind(app.pool())
            .await
            .unwrap(),
        1
    );
    let sent = reminders(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["days_before"], 1);
    assert_eq!(sent[0]["session_id"], late["id"]);
    assert_eq!(sent[0]["participants"], json!([]));
    app.stop().await;
}
