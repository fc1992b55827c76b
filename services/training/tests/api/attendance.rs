//! Attendance per day: only the organisers, only the session's days from the day on, only its
//! confirmed participants; idempotent uploads, corrections with history; completion achieved
//! and withdrawn by the course's rule; the training record.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Days;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

async fn count(app: &TestApp, event_type: &str) -> i64 {
    app.sql(&format!(
        "SELECT count(*) AS n FROM outbox WHERE event_type = '{event_type}'"
    ))
    .await[0]["n"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn attendance_is_recorded_once_corrected_with_history_and_decides_completion() {
    let app = spawn().await;
    let session = session(&app, json!({"capacity": 2})).await;
    let mut people = Vec::new();
    for org in [INSTITUTIONS[0], OFFICES[0], INSTITUTIONS[1]] {
        let person = person(&app, org).await;
        let reply = register(&app, &session, person, org).await;
        people.push((person, org, id(reply.expect(StatusCode::CREATED))));
    }
    // The session took place yesterday and the day before; the third person only waited.
    let (first, second) = (today() - Days::new(2), today() - Days::new(1));
    app.execute(&format!(
        "UPDATE sessions SET days = ARRAY['{first}', '{second}']::date[] WHERE id = '{}'",
        id(&session)
    ))
    .await;
    let path = |day: chrono::NaiveDate| format!("/v1/sessions/{}/attendance/{day}", id(&session));
    let body = |entries: &[(&str, &str)]| json!({"entries": entries.iter().map(|(r, s)| json!({"registration_id": r, "status": s})).collect::<Vec<_>>()});
    let (anna, ben, waiting) = (&people[0].2, &people[1].2, &people[2].2);

    app.as_(Persona::institution_staff().of(INSTITUTIONS[0]))
        .put(&path(first))
        .json(&body(&[(anna, "present")]))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .put(&path(today()))
        .json(&body(&[(anna, "present")]))
        .send()
        .await
        .expect_conflict("day_not_in_session");
    organiser(&app)
        .put(&path(first))
        .json(&body(&[(anna, "present"), (waiting, "present")]))
        .send()
        .await
        .expect_conflict("not_a_participant");
    organiser(&app)
        .put(&path(first))
        .json(&body(&[(anna, "present"), (anna, "absent")]))
        .send()
        .await
        .expect_validation(&["/entries/1/registration_id"]);

    // Day one, twice: the retry changes nothing and publishes nothing.
    let day_one = body(&[(anna, "present"), (ben, "late")]);
    let recorded = organiser(&app)
        .put(&path(first))
        .json(&day_one)
        .send()
        .await;
    assert_eq!(recorded.expect(StatusCode::OK)["changed"], 2);
    let again = organiser(&app)
        .put(&path(first))
        .json(&day_one)
        .send()
        .await;
    assert_eq!(again.expect(StatusCode::OK)["changed"], 0);
    assert_eq!(count(&app, "training.attendance.recorded.v1").await, 1);

    // Day two: Anna completes, Ben was absent.
    organiser(&app)
        .put(&path(second))
        .json(&body(&[(anna, "present"), (ben, "absent")]))
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(count(&app, "training.completion.achieved.v1").await, 1);
    let (anna_person, anna_org, _) = people[0];
    let record_path = format!("/v1/people/{anna_person}/training-record");
    let record = as_person(&app, anna_person, anna_org)
        .get(&record_path)
        .send()
        .await;
    let record = record.expect(StatusCode::OK).clone();
    assert_eq!(record["completed"].as_array().unwrap().len(), 1);
    assert_eq!(record["completed"][0]["completed_on"], json!(second));
    assert_eq!(record["no_shows"], json!([]));
    as_person(&app, people[1].0, people[1].1)
        .get(&record_path)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");

    // A correction takes it back, another gives it again; the history keeps each.
    organiser(&app)
        .put(&path(second))
        .json(&body(&[(anna, "absent")]))
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(count(&app, "training.completion.withdrawn.v1").await, 1);
    let record = as_person(&app, anna_person, anna_org)
        .get(&record_path)
        .send()
        .await;
    assert_eq!(record.expect(StatusCode::OK)["completed"], json!([]));
    organiser(&app)
        .put(&path(second))
        .json(&body(&[(anna, "present")]))
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(count(&app, "training.completion.achieved.v1").await, 2);
    let attendance = as_person(&app, anna_person, anna_org)
        .get(&format!("/v1/registrations/{anna}/attendance"))
        .send()
        .await;
    let attendance = attendance.expect(StatusCode::OK).clone();
    assert_eq!(attendance["entries"].as_array().unwrap().len(), 2);
    let history: Vec<(Value, Value)> = attendance["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["status_before"].clone(), h["status_after"].clone()))
        .collect();
    assert_eq!(
        history,
        [
            (Value::Null, json!("present")),
            (Value::Null, json!("present")),
            (json!("present"), json!("absent")),
            (json!("absent"), json!("present")),
        ]
    );

    // Ben, late on day one and absent on day two, came; corrected to absent on both, he is a
    // no-show in his record.
    let ben_record = format!("/v1/people/{}/training-record", people[1].0);
    let record = organiser(&app).get(&ben_record).send().await;
    assert_eq!(record.expect(StatusCode::OK)["no_shows"], json!([]));
    organiser(&app)
        .put(&path(first))
        .json(&body(&[(ben, "absent")]))
        .send()
        .await
        .expect(StatusCode::OK);
    let record = organiser(&app).get(&ben_record).send().await;
    let no_shows = record.expect(StatusCode::OK)["no_shows"].clone();
    assert_eq!(no_shows.as_array().unwrap().len(), 1);
    assert_eq!(no_shows[0]["session_id"], session["id"]);
    app.stop().await;
}

#[tokio::test]
async fn attendance_waits_for_the_day() {
    let app = spawn().await;
    let session = session(&app, json!({})).await;
    let anna = person(&app, OFFICES[0]).await;
    let registration = register(&app, &session, anna, OFFICES[0]).await;
    let registration = id(registration.expect(StatusCode::CREATED));
    let day = session["days"][0].as_str().unwrap();
    organiser(&app)
        .put(&format!("/v1/sessions/{}/attendance/{day}", id(&session)))
        .json(&json!({"entries": [{"registration_id": registration, "status": "present"}]}))
        .send()
        .await
        .expect_conflict("attendance_before_the_day");
    app.stop().await;
}

#[tokio::test]
async fn an_excused_day_counts_once_made_up_for_courses_that_allow_it() {
    let app = spawn().await;
    let make_up_course = organiser(&app)
        .post("/v1/courses")
        .json(
            &json!({"title": "Prozessschritte", "topic": "process_steps",
            "description": "Die Schritte eines Hilfefalls.", "duration_hours": 12,
            "completion_rule": "attended_or_excused_with_make_up"}),
        )
        .send()
        .await;
    let make_up_course = id(make_up_course.expect(StatusCode::CREATED));
    let strict_course = course(&app).await;
    let (first, second) = (today() - Days::new(2), today() - Days::new(1));
    let mut held = Vec::new();
    for course in [&make_up_course, &strict_course] {
        let session = organiser(&app)
            .post("/v1/sessions")
            .json(&session_body(course, json!({})))
            .send()
            .await;
        let session = session.expect(StatusCode::CREATED).clone();
        let anna = person(&app, OFFICES[0]).await;
        let registration = register(&app, &session, anna, OFFICES[0]).await;
        let registration = id(registration.expect(StatusCode::CREATED));
        app.execute(&format!(
            "UPDATE sessions SET days = ARRAY['{first}', '{second}']::date[] WHERE id = '{}'",
            id(&session)
        ))
        .await;
        for (day, status) in [(first, "present"), (second, "excused")] {
            organiser(&app)
                .put(&format!("/v1/sessions/{}/attendance/{day}", id(&session)))
                .json(&json!({"entries": [{"registration_id": registration, "status": status}]}))
                .send()
                .await
                .expect(StatusCode::OK);
        }
        held.push(registration);
    }
    // Excused alone completes nothing.
    assert_eq!(count(&app, "training.completion.achieved.v1").await, 0);
    let make_up = |registration: &str, day: chrono::NaiveDate| {
        format!("/v1/registrations/{registration}/make-ups/{day}")
    };
    let body = json!({"made_up_on": today(), "note": "Nachgeholt im Kurs vom Vortag"});

    as_person(&app, Uuid::now_v7(), OFFICES[0])
        .put(&make_up(&held[0], second))
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .put(&make_up(&held[1], second))
        .json(&body)
        .send()
        .await
        .expect_conflict("make_up_not_allowed");
    organiser(&app)
        .put(&make_up(&held[0], first))
        .json(&body)
        .send()
        .await
        .expect_conflict("day_not_excused");
    organiser(&app)
        .put(&make_up(&held[0], second))
        .json(&json!({"made_up_on": today() + Days::new(3), "note": "später"}))
        .send()
        .await
        .expect_conflict("make_up_in_the_future");
    organiser(&app)
        .put(&make_up(&held[0], second))
        .json(&json!({"made_up_on": today(), "note": " "}))
        .send()
        .await
        .expect_validation(&["/note"]);

    // Made up: completed, with a certificate; the same make-up again changes nothing.
    for _ in 0..2 {
        let recorded = organiser(&app)
            .put(&make_up(&held[0], second))
            .json(&body)
            .send()
            .await;
        assert_eq!(recorded.expect(StatusCode::OK)["day"], json!(second));
    }
    assert_eq!(count(&app, "training.completion.achieved.v1").await, 1);
    assert_eq!(count(&app, "training.certificate.issued.v1").await, 1);
    let attendance = organiser(&app)
        .get(&format!("/v1/registrations/{}/attendance", held[0]))
        .send()
        .await;
    let make_ups = attendance.expect(StatusCode::OK)["make_ups"].clone();
    assert_eq!(make_ups.as_array().unwrap().len(), 1);
    assert_eq!(make_ups[0]["note"], "Nachgeholt im Kurs vom Vortag");
    app.stop().await;
}
