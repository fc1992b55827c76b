//! A training across the directory, training, dialogue and case services: directory people
//! register through their organisation's software, the second waits, gets the seat the first
//! gives back as an offer and accepts it; attendance completes the course, it appears in the
//! training record and brings a certificate anyone can verify by its code; the session's days
//! are blackout days in the dialogue service; and when the case service releases a new
//! version of an instrument the course teaches, the person needs a refresher.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Days};
use serde_json::json;
use uuid::Uuid;

use crate::common::{self, Cluster, Persona, StatusCode, eventually};

#[tokio::test]
async fn a_directory_person_waits_gets_a_seat_attends_and_completes() {
    let cluster = Cluster::new();
    let training = cluster.start(common::training()).await;
    let dialogue = cluster.start(common::dialogue()).await;
    let case = cluster.start(common::case()).await;
    let directory = cluster.start(common::directory()).await;
    let admin = directory.as_(Persona::admin());
    let organizations = common::organizations_with_agreements(
        &admin,
        &[
            ("Jugendamt Hohenlohekreis", "youth_office", "hohenlohekreis"),
            (
                "Kinder- und Jugendhilfe Öhringen",
                "institution",
                "hohenlohekreis",
            ),
        ],
    )
    .await;
    let training_app = &training;
    eventually("the training service knows the people", || async move {
        let n = training_app
            .sql("SELECT count(*) AS n FROM directory_people")
            .await;
        (n[0]["n"] == 4).then_some(())
    })
    .await;

    let organiser = training.as_(Persona::role("trainer"));
    let course = organiser
        .post("/v1/courses")
        .json(&json!({"title": "Instrumente in der Hilfeplanung", "topic": "instruments",
            "description": "Die Instrumente des gemeinsamen Prozesses anwenden.", "duration_hours": 6,
            "completion_rule": "all_parts_attended", "required_for": ["specialist"],
            "instruments": ["help_plan"]}))
        .send()
        .await;
    let course = course.expect(StatusCode::CREATED)["id"].clone();
    let today = qmf_platform::region::today();
    let mut day = today + Days::new(21);
    while day.weekday().number_from_monday() > 5 {
        day = day + Days::new(1);
    }
    let session = organiser
        .post("/v1/sessions")
        .json(
            &json!({"course_id": course, "days": [day], "place": "Öhringen", "capacity": 1,
            "registration_opens_on": today, "registration_closes_on": today + Days::new(14),
            "cancellation_deadline": today + Days::new(14)}),
        )
        .send()
        .await;
    let session = session.expect(StatusCode::CREATED).clone();
    let session_id = session["id"].as_str().unwrap().to_string();

    // The session's day is a blackout day for dialogues.
    let coordinator = dialogue.as_(Persona::coordinator());
    let (reader, blackout) = (
        &coordinator,
        format!("/v1/blackout-days?from={day}&to={day}"),
    );
    let blackout = &blackout;
    eventually("the training day is a blackout day", || async move {
        let days = reader.get(blackout).send().await;
        let items = days.expect(StatusCode::OK)["items"].clone();
        let reasons = items[0]["reasons"].as_array().cloned().unwrap_or_default();
        reasons
            .iter()
            .any(|r| r["kind"] == "training_session")
            .then_some(())
    })
    .await;

    // Both register through their organisation's software: the first gets the seat.
    let register = |person: Uuid, org: Uuid| {
        let caller = training.as_(Persona::role("service").of(org));
        let path = format!("/v1/sessions/{session_id}/registrations");
        async move {
            caller
                .post(&path)
                .json(&json!({"person_id": person}))
                .send()
                .await
                .expect(StatusCode::CREATED)
                .clone()
        }
    };
    let (office, office_people) = organizations[0].clone();
    let (institution, institution_people) = organizations[1].clone();
    let first = register(office_people[0], office).await;
    let second = register(institution_people[0], institution).await;
    assert_eq!(first["state"], "confirmed");
    assert_eq!(second["state"], "waitlisted");

    // The first gives the seat back; the second is offered it and accepts.
    let software = training.as_(Persona::role("service").of(office));
    let first_path = format!("/v1/registrations/{}", first["id"].as_str().unwrap());
    let etag = software.get(&first_path).send().await.etag();
    software
        .post(&format!("{first_path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "Terminüberschneidung"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let person = training.as_(
        Persona::institution_staff()
            .of(institution)
            .subject(institution_people[0]),
    );
    let second_path = format!("/v1/registrations/{}", second["id"].as_str().unwrap());
    let offered = person.get(&second_path).send().await;
    let etag = offered.etag();
    assert_eq!(offered.expect(StatusCode::OK)["state"], "offered");
    let accepted = person
        .post(&format!("{second_path}/acceptance"))
        .if_match(&etag)
        .send()
        .await;
    assert_eq!(accepted.expect(StatusCode::OK)["state"], "confirmed");

    // The day comes (the test moves it back); the trainer records attendance.
    let yesterday = today - Days::new(1);
    training
        .execute(&format!(
            "UPDATE sessions SET days = ARRAY['{yesterday}']::date[] WHERE id = '{session_id}'"
        ))
        .await;
    organiser
        .put(&format!("/v1/sessions/{session_id}/attendance/{yesterday}"))
        .json(&json!({"entries": [{"registration_id": second["id"], "status": "present"}]}))
        .send()
        .await
        .expect(StatusCode::OK);
    let record = person
        .get(&format!(
            "/v1/people/{}/training-record",
            institution_people[0]
        ))
        .send()
        .await;
    let record = record.expect(StatusCode::OK).clone();
    assert_eq!(record["completed"][0]["course_id"], course);
    assert_eq!(record["completed"][0]["completed_on"], json!(yesterday));

    // A certificate came with the completion; anyone verifies its code.
    let certificates = person
        .get(&format!(
            "/v1/certificates?person_id={}",
            institution_people[0]
        ))
        .send()
        .await;
    let certificate = certificates.expect(StatusCode::OK)["items"][0].clone();
    let code = certificate["code"].as_str().unwrap();
    let verified = training
        .anonymous()
        .get(&format!("/v1/certificate-verifications/{code}"))
        .send()
        .await;
    let verified = verified.expect(StatusCode::OK);
    assert_eq!(verified["state"], "valid");
    assert_eq!(verified["course_title"], "Instrumente in der Hilfeplanung");
    assert_eq!(
        verified["organization_name"],
        "Kinder- und Jugendhilfe Öhringen"
    );

    // The course is current for them ...
    let needs_path = format!("/v1/people/{}/training-needs", institution_people[0]);
    let needs = person.get(&needs_path).send().await;
    assert_eq!(
        needs.expect(StatusCode::OK)["courses"][0]["state"],
        "current"
    );
    // ... until the case service releases a new help plan.
    case.as_(Persona::coordinator())
        .post("/v1/instruments/help_plan/versions")
        .json(
            &json!({"title": "Hilfeplan 2027", "description": "Beschluss des Forums",
            "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "properties": {"summary": {"type": "string", "minLength": 1}},
                "required": ["summary"]}}),
        )
        .send()
        .await
        .expect(StatusCode::CREATED);
    let (reader, path) = (&person, &needs_path);
    eventually("the person needs a refresher", || async move {
        let needs = reader.get(path).send().await;
        let course = needs.expect(StatusCode::OK)["courses"][0].clone();
        (course["state"] == "refresher" && course["reason"] == "help_plan v2").then_some(())
    })
    .await;
    case.stop().await;
    directory.stop().await;
    dialogue.stop().await;
    training.stop().await;
}
