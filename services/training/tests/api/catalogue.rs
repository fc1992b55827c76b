//! The catalogue and sessions: who keeps them, what is checked, what is published.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use uuid::Uuid;

use crate::common::*;

#[tokio::test]
async fn the_organisers_keep_the_catalogue_and_everyone_reads_it() {
    let app = spawn().await;
    let course = course(&app).await;
    let staff = app.as_(Persona::institution_staff().of(INSTITUTIONS[0]));
    let read = staff.get(&format!("/v1/courses/{course}")).send().await;
    assert_eq!(read.expect(StatusCode::OK)["topic"], "guidelines");
    assert_eq!(staff.list_all("/v1/courses").await.len(), 1);
    staff
        .post("/v1/courses")
        .json(
            &json!({"title": "X", "topic": "guidelines", "description": "Y",
            "duration_hours": 1, "completion_rule": "all_parts_attended"}),
        )
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .post("/v1/courses")
        .json(
            &json!({"title": " ", "topic": "guidelines", "description": "Y",
            "duration_hours": 0, "completion_rule": "all_parts_attended"}),
        )
        .send()
        .await
        .expect_validation(&["/title", "/duration_hours"]);
    organiser(&app)
        .post("/v1/courses")
        .json(
            &json!({"title": "Aufbau", "topic": "process_steps", "description": "Y",
            "duration_hours": 6, "completion_rule": "all_parts_attended",
            "prerequisites": [Uuid::now_v7()]}),
        )
        .send()
        .await
        .expect_conflict("course_unknown");
    app.stop().await;
}

#[tokio::test]
async fn a_session_is_scheduled_checked_and_published_and_its_cancellation_ends_registrations() {
    let app = spawn().await;
    let course = course(&app).await;
    organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(&Uuid::now_v7().to_string(), json!({})))
        .send()
        .await
        .expect_conflict("course_unknown");
    organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(
            &course,
            json!({"capacity": 4, "min_youth_office_seats": 3, "min_institution_seats": 3,
                "registration_closes_on": days_from_today(30), "place": null}),
        ))
        .send()
        .await
        .expect_validation(&[
            "/place",
            "/registration_closes_on",
            "/min_institution_seats",
            "/reserved_until",
        ]);
    let created = organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(&course, json!({})))
        .send()
        .await;
    let session = created.expect(StatusCode::CREATED).clone();
    assert_eq!(session["state"], "open");
    assert_eq!(session["free_seats"], 10);
    app.expect_outbox(&["training.course.added.v1", "training.session.scheduled.v1"])
        .await;

    let person = person(&app, INSTITUTIONS[0]).await;
    register(&app, &session, person, INSTITUTIONS[0])
        .await
        .expect(StatusCode::CREATED);
    let path = format!("/v1/sessions/{}", session["id"].as_str().unwrap());
    let etag = organiser(&app).get(&path).send().await.etag();
    app.as_(Persona::institution_staff().of(INSTITUTIONS[0]))
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "Referentin erkrankt"}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let cancelled = organiser(&app)
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "Referentin erkrankt"}))
        .send()
        .await;
    assert_eq!(cancelled.expect(StatusCode::OK)["state"], "cancelled");
    let events = app
        .expect_outbox(&[
            "training.registration.confirmed.v1",
            "training.registration.cancelled.v1",
            "training.session.cancelled.v1",
        ])
        .await;
    assert_eq!(events[2].subject, session["id"].as_str().unwrap());
    register(&app, &session, person, INSTITUTIONS[0])
        .await
        .expect_conflict("session_cancelled");
    let etag = organiser(&app).get(&path).send().await.etag();
    organiser(&app)
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "noch einmal"}))
        .send()
        .await
        .expect_conflict("session_cancelled");
    app.stop().await;
}

#[tokio::test]
async fn organisers_change_a_session_but_not_its_course_nor_below_its_taken_seats() {
    let app = spawn().await;
    let course_id = course(&app).await;
    let created = organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(&course_id, json!({"capacity": 1})))
        .send()
        .await;
    let created = created.expect(StatusCode::CREATED).clone();
    let path = format!("/v1/sessions/{}", created["id"].as_str().unwrap());
    let (anna, ben) = (
        person(&app, OFFICES[0]).await,
        person(&app, INSTITUTIONS[0]).await,
    );
    register(&app, &created, anna, OFFICES[0])
        .await
        .expect(StatusCode::CREATED);
    let waiting = register(&app, &created, ben, INSTITUTIONS[0]).await;
    assert_eq!(waiting.expect(StatusCode::CREATED)["state"], "waitlisted");
    let etag = organiser(&app).get(&path).send().await.etag();
    let change = |extra: serde_json::Value| session_body(&course_id, extra);

    app.as_(Persona::institution_staff().of(INSTITUTIONS[0]))
        .put(&path)
        .if_match(&etag)
        .json(&change(json!({"capacity": 2})))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .put(&path)
        .json(&change(json!({"capacity": 2})))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    organiser(&app)
        .put(&path)
        .if_match("\"9\"")
        .json(&change(json!({"capacity": 2})))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let other = course(&app).await;
    organiser(&app)
        .put(&path)
        .if_match(&etag)
        .json(&session_body(&other, json!({"capacity": 2})))
        .send()
        .await
        .expect_conflict("session_course_fixed");
    // Anna holds the only seat: not below one.
    organiser(&app)
        .put(&path)
        .if_match(&etag)
        .json(&change(json!({"capacity": 0})))
        .send()
        .await
        .expect_validation(&["/capacity"]);

    // Two seats and another place: Ben is offered the new seat; the change is published.
    let moved = days_from_today(30);
    let changed = organiser(&app)
        .put(&path)
        .if_match(&etag)
        .json(&change(
            json!({"capacity": 2, "days": [moved], "place": "Schwäbisch Hall"}),
        ))
        .send()
        .await;
    let changed = changed.expect(StatusCode::OK).clone();
    assert_eq!(changed["version"], 2);
    assert_eq!(changed["days"], json!([moved]));
    assert_eq!(changed["offered"], 1);
    let published = app
        .sql(
            "SELECT envelope->'data'->>'version' AS version, envelope->'data'->>'place' AS place \
             FROM outbox WHERE event_type = 'training.session.changed.v1'",
        )
        .await;
    assert_eq!(
        published,
        [json!({"version": "2", "place": "Schwäbisch Hall"})]
    );
    let etag = format!("\"{}\"", changed["version"]);
    organiser(&app)
        .put(&path)
        .if_match(&etag)
        .json(&change(json!({"capacity": 1, "days": [moved]})))
        .send()
        .await
        .expect_conflict("capacity_below_taken");
    app.stop().await;
}

#[tokio::test]
async fn a_course_is_published_when_added_and_republished_on_an_admins_request() {
    let app = spawn().await;
    let first = course(&app).await;
    let events = app.new_events().await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type, "training.course.added.v1");
    assert_eq!(events[0].subject, first);
    let published = app
        .sql(&format!(
            "SELECT envelope FROM outbox WHERE event_id = '{}'",
            events[0].event_id
        ))
        .await;
    let data = &published[0]["envelope"]["data"];
    assert_eq!(data["required_for"], json!(["caseworker"]));
    assert_eq!(data["topic"], "guidelines");
    assert_eq!(data["valid_for_years"], serde_json::Value::Null);

    let second = course(&app).await;
    app.new_events().await;
    for persona in [
        Persona::role("trainer"),
        Persona::coordinator(),
        Persona::institution_staff().of(INSTITUTIONS[0]),
    ] {
        app.as_(persona)
            .post("/v1/courses/republish")
            .json(&json!({}))
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    assert!(app.new_events().await.is_empty());
    let republished = app
        .as_(Persona::admin())
        .post("/v1/courses/republish")
        .json(&json!({}))
        .send()
        .await;
    assert_eq!(republished.expect(StatusCode::OK)["courses"], 2);
    let mut subjects: Vec<String> = app
        .new_events()
        .await
        .into_iter()
        .inspect(|e| assert_eq!(e.event_type, "training.course.added.v1"))
        .map(|e| e.subject)
        .collect();
    subjects.sort();
    let mut expected = vec![first, second];
    expected.sort();
    assert_eq!(subjects, expected);

    // Repeated with its Idempotency-Key, a republish answers again and publishes nothing more.
    let republish = || {
        app.as_(Persona::admin())
            .post("/v1/courses/republish")
            .json(&json!({}))
            .idempotency_key("republish-1")
            .send()
    };
    let once = republish().await;
    once.expect(StatusCode::OK);
    assert_eq!(app.new_events().await.len(), 2);
    let again = republish().await;
    assert_eq!(again.expect(StatusCode::OK), &once.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert!(app.new_events().await.is_empty());
    app.stop().await;
}
