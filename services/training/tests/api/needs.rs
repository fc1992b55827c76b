//! Who still needs which training: required courses by the staff functions the directory's
//! person events carry, completions, expiry, and the refresher an instrument release asks for.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Days;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;

/// A person registered through the directory's event, with their functions.
async fn staff(app: &TestApp, organization: Uuid, functions: &[&str]) -> Uuid {
    let id = Uuid::now_v7();
    app.apply_event(
        "/qmf/directory",
        "directory.person.registered.v1",
        json!({"id": id, "organization_id": organization, "given_name": "Anna",
            "family_name": "Becker", "email": "a.becker@example.org", "functions": functions,
            "active_from": "2020-01-01", "active_until": null, "version": 1}),
    )
    .await;
    id
}

async fn course_teaching(app: &TestApp, instruments: Value, years: Value) -> String {
    let reply = organiser(app)
        .post("/v1/courses")
        .json(
            &json!({"title": "Hilfeplanung mit den Instrumenten", "topic": "instruments",
            "description": "Bedarfserhebung und Hilfeplan.", "duration_hours": 6,
            "completion_rule": "all_parts_attended", "required_for": ["caseworker"],
            "instruments": instruments, "valid_for_years": years}),
        )
        .send()
        .await;
    reply.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// `person` completes `course` in a session held yesterday.
async fn complete(app: &TestApp, course: &str, person: Uuid, organization: Uuid) {
    let session = organiser(app)
        .post("/v1/sessions")
        .json(&session_body(course, json!({})))
        .send()
        .await;
    let session = session.expect(StatusCode::CREATED).clone();
    let registration = register(app, &session, person, organization).await;
    let registration = registration.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let id = session["id"].as_str().unwrap();
    let yesterday = today() - Days::new(1);
    app.execute(&format!(
        "UPDATE sessions SET days = ARRAY['{yesterday}']::date[] WHERE id = '{id}'"
    ))
    .await;
    organiser(app)
        .put(&format!("/v1/sessions/{id}/attendance/{yesterday}"))
        .json(&json!({"entries": [{"registration_id": registration, "status": "present"}]}))
        .send()
        .await
        .expect(StatusCode::OK);
}

fn states(needs: &Value) -> Vec<(String, String)> {
    needs["courses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["course_title"].as_str().unwrap().to_string(),
                c["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_caseworker_needs_the_required_courses_and_a_refresher_after_a_release() {
    let app = spawn().await;
    let anna = staff(&app, INSTITUTIONS[0], &["caseworker"]).await;
    let leader = staff(&app, INSTITUTIONS[0], &["leader"]).await;
    let stored = app
        .sql(&format!(
            "SELECT functions FROM directory_people WHERE id = '{anna}'"
        ))
        .await;
    assert_eq!(stored[0]["functions"], json!(["caseworker"]));
    let basics = course(&app).await;
    let instruments = course_teaching(&app, json!(["help_plan", "assessment"]), json!(null)).await;
    let path = format!("/v1/people/{anna}/training-needs");
    let read = |caller: Caller| {
        let path = path.clone();
        async move { caller.get(&path).send().await }
    };

    // Nothing done yet: both courses missing; the leader needs neither.
    let needs = read(as_person(&app, anna, INSTITUTIONS[0])).await;
    let needs = needs.expect(StatusCode::OK).clone();
    assert_eq!(needs["open"], 2);
    assert!(states(&needs).iter().all(|(_, s)| s == "missing"));
    let theirs = as_person(&app, leader, INSTITUTIONS[0])
        .get(&format!("/v1/people/{leader}/training-needs"))
        .send()
        .await;
    assert_eq!(theirs.expect(StatusCode::OK)["courses"], json!([]));
    // Her leader reads it; a colleague or another organisation's software does not.
    read(as_person(&app, leader, INSTITUTIONS[0]))
        .await
        .expect(StatusCode::OK);
    let colleague = staff(&app, INSTITUTIONS[0], &["specialist"]).await;
    read(as_person(&app, colleague, INSTITUTIONS[0]))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    read(app.as_(Persona::role("service").of(INSTITUTIONS[1])))
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .get(&format!("/v1/people/{}/training-needs", Uuid::now_v7()))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");

    // Trained on the instruments: that course is current.
    complete(&app, &instruments, anna, INSTITUTIONS[0]).await;
    let needs = read(organiser(&app)).await;
    let needs = needs.expect(StatusCode::OK).clone();
    let by_title: Vec<(String, String)> = states(&needs);
    assert!(by_title.contains(&("Hilfeplanung mit den Instrumenten".into(), "current".into())));
    assert!(by_title.contains(&("Grundlagen der Kooperation".into(), "missing".into())));

    // The case service releases help plan version 2 (twice, as a redelivery would): a refresher.
    let release = json!({"instrument": "help_plan", "version": 2, "title": "Hilfeplan 2027",
        "released_on": today()});
    for _ in 0..2 {
        app.apply_event("/qmf/case", "case.instrument_released.v1", release.clone())
            .await;
    }
    assert_eq!(
        app.sql("SELECT count(*) AS n FROM instrument_releases")
            .await[0]["n"],
        1
    );
    // Released today, trained yesterday.
    let needs = read(as_person(&app, anna, INSTITUTIONS[0])).await;
    let needs = needs.expect(StatusCode::OK).clone();
    let refresher = needs["courses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["course_id"] == json!(instruments))
        .unwrap()
        .clone();
    assert_eq!(refresher["state"], "refresher");
    assert_eq!(refresher["reason"], "help_plan v2");
    assert_eq!(refresher["due_since"], json!(today()));

    // The organisation's view: its software, the organisers; counts per course.
    let org_path = format!("/v1/organizations/{}/training-needs", INSTITUTIONS[0]);
    as_person(&app, anna, INSTITUTIONS[0])
        .get(&org_path)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.as_(Persona::role("service").of(INSTITUTIONS[1]))
        .get(&org_path)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let org = app
        .as_(Persona::role("service").of(INSTITUTIONS[0]))
        .get(&org_path)
        .send()
        .await;
    let org = org.expect(StatusCode::OK).clone();
    // Anna (caseworker) has required courses; the leader and the specialist none.
    assert_eq!(org["people"].as_array().unwrap().len(), 1, "{org}");
    let summary: Vec<(Value, Value, Value)> = org["courses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["course_id"].clone(),
                c["missing"].clone(),
                c["refresher"].clone(),
            )
        })
        .collect();
    assert!(summary.contains(&(json!(basics), json!(1), json!(0))));
    assert!(summary.contains(&(json!(instruments), json!(0), json!(1))));
    app.stop().await;
}

#[tokio::test]
async fn a_completion_expires_after_the_courses_years() {
    let app = spawn().await;
    let anna = staff(&app, OFFICES[0], &["caseworker"]).await;
    let course = course_teaching(&app, json!([]), json!(2)).await;
    complete(&app, &course, anna, OFFICES[0]).await;
    let path = format!("/v1/people/{anna}/training-needs");
    let state = |needs: &Value| {
        needs["courses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["course_id"] == json!(course))
            .unwrap()["state"]
            .clone()
    };
    let needs = organiser(&app).get(&path).send().await;
    assert_eq!(state(needs.expect(StatusCode::OK)), "current");
    // Three years ago instead.
    app.execute("UPDATE completions SET completed_on = completed_on - 1100")
        .await;
    let needs = organiser(&app).get(&path).send().await;
    assert_eq!(state(needs.expect(StatusCode::OK)), "expired");
    organiser(&app)
        .post("/v1/courses")
        .json(
            &json!({"title": "x", "topic": "refresher", "description": "x", "duration_hours": 1,
            "completion_rule": "all_parts_attended", "required_for": ["janitor"],
            "valid_for_years": 0}),
        )
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
