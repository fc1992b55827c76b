//! Absences: recorded by the person or the coordination, set in bulk by integrating software.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use uuid::Uuid;

use crate::common::*;

#[tokio::test]
async fn staff_record_their_own_absences_and_nobody_elses() {
    let app = spawn().await;
    let org = INSTITUTIONS[0];
    let me = person(&app, org).await;
    let colleague = person(&app, org).await;
    let caller = app.as_(Persona::person(me, org));
    let range = json!({"person_id": me, "start_on": "2027-08-02", "end_on": "2027-08-20", "note": "Urlaub"});
    let created = caller.post("/v1/absences").json(&range).send().await;
    let created = created.expect(StatusCode::CREATED).clone();
    assert_eq!(created["organization_id"], org.to_string());
    assert_eq!(created["note"], "Urlaub");
    caller
        .post("/v1/absences")
        .json(&json!({"person_id": me, "weekday": 5}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    // Someone else's absence.
    caller
        .post("/v1/absences")
        .json(&json!({"person_id": colleague, "weekday": 1}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    // Both a range and a weekday; an end before the start; weekday 8.
    caller
        .post("/v1/absences")
        .json(&json!({"person_id": me, "start_on": "2027-08-02", "end_on": "2027-08-20", "weekday": 1}))
        .send()
        .await
        .expect_validation(&[""]);
    caller
        .post("/v1/absences")
        .json(&json!({"person_id": me, "start_on": "2027-08-20", "end_on": "2027-08-02"}))
        .send()
        .await
        .expect_validation(&["/end_on"]);
    caller
        .post("/v1/absences")
        .json(&json!({"person_id": me, "weekday": 8}))
        .send()
        .await
        .expect_validation(&["/weekday"]);
    // The coordination records for anyone the directory knows, and nobody else.
    coordinator(&app)
        .post("/v1/absences")
        .json(&json!({"person_id": colleague, "weekday": 1}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    coordinator(&app)
        .post("/v1/absences")
        .json(&json!({"person_id": Uuid::now_v7(), "weekday": 1}))
        .send()
        .await
        .expect_conflict("person_unknown");

    // Removing: not by a colleague, by the person.
    let path = format!("/v1/absences/{}", created["id"].as_str().unwrap());
    app.as_(Persona::person(colleague, org))
        .delete(&path)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    caller
        .delete(&path)
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    caller
        .delete(&path)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    app.stop().await;
}

#[tokio::test]
async fn absences_are_read_by_the_own_organisation_and_the_coordination() {
    let app = spawn().await;
    let mine = person(&app, INSTITUTIONS[0]).await;
    let theirs = person(&app, INSTITUTIONS[1]).await;
    for who in [mine, theirs] {
        coordinator(&app)
            .post("/v1/absences")
            .json(&json!({"person_id": who, "weekday": 3}))
            .send()
            .await
            .expect(StatusCode::CREATED);
    }
    let seen = staff_of(&app, INSTITUTIONS[0])
        .list_all("/v1/absences")
        .await;
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0]["person_id"], mine.to_string());
    // Asking for the other organisation's people shows nothing.
    let other = staff_of(&app, INSTITUTIONS[0])
        .list_all(&format!("/v1/absences?organization_id={}", INSTITUTIONS[1]))
        .await;
    assert!(other.is_empty());
    // The person sees their own, however their token is scoped.
    let own = app
        .as_(Persona::person(theirs, INSTITUTIONS[1]))
        .list_all("/v1/absences")
        .await;
    assert_eq!(own.len(), 1);
    assert_eq!(coordinator(&app).list_all("/v1/absences").await.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn integrating_software_replaces_its_organisations_absences_in_bulk() {
    let app = spawn().await;
    let org = INSTITUTIONS[0];
    let a = person(&app, org).await;
    let b = person(&app, org).await;
    let outsider = person(&app, INSTITUTIONS[1]).await;
    let software = app.as_(Persona::role("service").of(org));
    let path = format!("/v1/organizations/{org}/absences");
    let body = json!({"absences": [
        {"person_id": a, "start_on": "2027-08-02", "end_on": "2027-08-20"},
        {"person_id": a, "weekday": 5},
        {"person_id": b, "start_on": "2027-12-23", "end_on": "2028-01-05"}]});
    let reply = software.put(&path).json(&body).send().await;
    assert_eq!(reply.expect(StatusCode::OK)["replaced"], 3);
    // Again with fewer: the list replaces, it does not add.
    let reply = software
        .put(&path)
        .json(&json!({"absences": [{"person_id": b, "weekday": 1}]}))
        .send()
        .await;
    assert_eq!(reply.expect(StatusCode::OK)["replaced"], 1);
    assert_eq!(
        coordinator(&app)
            .list_all(&format!("/v1/absences?organization_id={org}"))
            .await
            .len(),
        1
    );
    // Another organisation's software, a person of another organisation, invalid entries.
    app.as_(Persona::role("service").of(INSTITUTIONS[1]))
        .put(&path)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    staff_of(&app, org)
        .put(&path)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    software
        .put(&path)
        .json(&json!({"absences": [{"person_id": outsider, "weekday": 2}]}))
        .send()
        .await
        .expect_conflict("person_unknown");
    software
        .put(&path)
        .json(&json!({"absences": [{"person_id": a, "weekday": 2}, {"person_id": a}]}))
        .send()
        .await
        .expect_validation(&["/absences/1"]);
    app.stop().await;
}
