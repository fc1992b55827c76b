#![allow(clippy::unwrap_used, clippy::expect_used)]
//! People (staff): the lifecycle, every list filter, every validation rule and every conflict.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const REGISTERED: &str = "directory.person.registered.v1";
const UPDATED: &str = "directory.person.updated.v1";
const DEACTIVATED: &str = "directory.person.deactivated.v1";
const ORG_REGISTERED: &str = "directory.organization.registered.v1";
const ORG_DEACTIVATED: &str = "directory.organization.deactivated.v1";

/// The writable part of a person representation.
fn stored_draft(person: &Value) -> Value {
    json!({
        "organization_id": person["organization_id"], "given_name": person["given_name"],
        "family_name": person["family_name"], "email": person["email"], "phone": person["phone"],
        "functions": person["functions"], "active_from": person["active_from"],
        "active_until": person["active_until"]
    })
}

#[tokio::test]
async fn create_read_update_and_deactivate_a_person() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let draft = person(&org);

    let created = app
        .as_(Persona::coordinator())
        .post("/v1/people")
        .json(&draft)
        .send()
        .await;
    let body = created.expect(StatusCode::CREATED).clone();
    let id = id(&body);
    let path = format!("/v1/people/{id}");
    assert_eq!(created.header("location"), Some(path.as_str()));
    assert_eq!(created.etag(), "\"1\"");
    for field in [
        "organization_id",
        "given_name",
        "family_name",
        "email",
        "phone",
        "functions",
        "active_from",
        "active_until",
    ] {
        assert_eq!(body[field], draft[field], "{field}");
    }
    assert_eq!(body["active"], true);
    assert_eq!(body["version"], 1);
    assert_eq!(body["created_at"], body["updated_at"]);

    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &body);
    assert_eq!(read.etag(), "\"1\"");

    let replacement = json!({
        "organization_id": org,
        "given_name": "  Lena Marie ",
        "family_name": " Beispiel-Muster",
        "email": " L.Beispiel@Example.ORG ",
        "phone": null,
        "functions": ["leader", "qmf_coordinator"],
        "active_from": "2023-04-01",
        "active_until": null
    });
    let updated = admin
        .put(&path)
        .if_match("\"1\"")
        .json(&replacement)
        .send()
        .await;
    let after = updated.expect(StatusCode::OK).clone();
    assert_eq!(updated.etag(), "\"2\"");
    assert_eq!(after["version"], 2);
    assert_eq!(after["given_name"], "Lena Marie");
    assert_eq!(after["family_name"], "Beispiel-Muster");
    assert_eq!(after["email"], "l.beispiel@example.org");
    assert!(
        after.get("phone").is_none(),
        "a cleared phone is absent: {after}"
    );
    assert_eq!(after["functions"], json!(["leader", "qmf_coordinator"]));
    assert_eq!(after["active_from"], "2023-04-01");
    assert_eq!(after["created_at"], body["created_at"]);

    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &after);
    assert_eq!(read.etag(), "\"2\"");

    // Ending the active period in the future keeps the person active until then.
    let later = app.create_person(person(&org)).await;
    let later_path = format!("/v1/people/{}", common::id(&later));
    let until = days_from_today(30);
    let reply = app
        .as_(Persona::coordinator())
        .post(&format!("{later_path}/deactivate"))
        .if_match("\"1\"")
        .json(&json!({"active_until": until}))
        .send()
        .await;
    assert_eq!(reply.expect(StatusCode::OK)["active_until"], until.as_str());
    assert_eq!(reply.body["active"], true);
    assert_eq!(reply.etag(), "\"2\"");

    // Ending it yesterday makes the person inactive today.
    let yesterday = days_from_today(-1);
    let reply = admin
        .post(&format!("{path}/deactivate"))
        .if_match("\"2\"")
        .json(&json!({"active_until": yesterday}))
        .send()
        .await;
    let deactivated = reply.expect(StatusCode::OK).clone();
    assert_eq!(reply.etag(), "\"3\"");
    assert_eq!(deactivated["version"], 3);
    assert_eq!(deactivated["active"], false);
    assert_eq!(deactivated["active_until"], yesterday.as_str());
    assert_eq!(deactivated["given_name"], "Lena Marie");

    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &deactivated);
    assert_eq!(read.etag(), "\"3\"");

    // The active period may end on its first day.
    let short = app
        .create_person(with(person(&org), "/active_from", json!("2024-05-01")))
        .await;
    admin
        .post(&format!("/v1/people/{}/deactivate", common::id(&short)))
        .if_match("\"1\"")
        .json(&json!({"active_until": "2024-05-01"}))
        .send()
        .await
        .expect(StatusCode::OK);

    app.expect_outbox(&[
        ORG_REGISTERED,
        REGISTERED,
        UPDATED,
        REGISTERED,
        DEACTIVATED,
        DEACTIVATED,
        REGISTERED,
        DEACTIVATED,
    ])
    .await;
    app.stop().await;
}

#[tokio::test]
async fn people_list_filters() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org1 = app.institution_id().await;
    let org2 = id(&app
        .create_organization(youth_office("stadt_heilbronn"))
        .await);
    let mut ids = Vec::new();
    for draft in [
        json!({"organization_id": org1, "given_name": "Lena", "family_name": "Beispiel",
               "functions": ["caseworker"], "active_from": "2024-01-01"}),
        json!({"organization_id": org1, "given_name": "Jonas", "family_name": "Müller",
               "functions": ["leader", "qmf_coordinator"], "active_from": "2020-01-01",
               "active_until": days_from_today(0)}),
        json!({"organization_id": org2, "given_name": "Mia", "family_name": "Schäfer",
               "functions": ["trainer"], "active_from": days_from_today(1)}),
        json!({"organization_id": org2, "given_name": "Paul", "family_name": "Schmidt",
               "functions": ["specialist", "caseworker"], "active_from": "2020-01-01",
               "active_until": "2023-12-31"}),
        json!({"organization_id": org2, "given_name": "Anna_%", "family_name": "Wagner",
               "functions": ["leader"], "active_from": "2020-01-01"}),
    ] {
        ids.push(id(&app.create_person(draft).await));
    }
    let [lena, jonas, mia, paul, anna] = ids.clone().try_into().unwrap();
    let lena_read = admin.get(&format!("/v1/people/{lena}")).send().await;
    let before_update = lena_read.body["updated_at"].as_str().unwrap().to_string();
    let anna_read = admin.get(&format!("/v1/people/{anna}")).send().await;
    let anna_created = anna_read.body["updated_at"].as_str().unwrap().to_string();
    admin
        .put(&format!("/v1/people/{lena}"))
        .if_match("\"1\"")
        .json(&with(
            stored_draft(&lena_read.body),
            "/family_name",
            json!("Beispiel-Neu"),
        ))
        .send()
        .await
        .expect(StatusCode::OK);

    let cases: Vec<(String, Vec<&String>)> = vec![
        (String::new(), vec![&lena, &jonas, &mia, &paul, &anna]),
        (format!("organization_id={org1}"), vec![&lena, &jonas]),
        (format!("organization_id={org2}"), vec![&mia, &paul, &anna]),
        (format!("organization_id={}", uuid::Uuid::now_v7()), vec![]),
        ("function=leader".into(), vec![&jonas, &anna]),
        ("function=qmf_coordinator".into(), vec![&jonas]),
        ("function=caseworker".into(), vec![&lena, &paul]),
        ("function=trainer".into(), vec![&mia]),
        // Active today: from active_from through active_until (inclusive).
        ("active=true".into(), vec![&lena, &jonas, &anna]),
        ("active=false".into(), vec![&mia, &paul]),
        (
            format!("organization_id={org2}&active=false&function=specialist"),
            vec![&paul],
        ),
        ("q=SCH".into(), vec![&mia, &paul]),
        ("q=sch%C3%84fer".into(), vec![&mia]),
        ("q=jonas".into(), vec![&jonas]),
        ("q=beispiel-neu".into(), vec![&lena]),
        ("q=_%25".into(), vec![&anna]),
        ("q=%25".into(), vec![&anna]),
        ("q=a_".into(), vec![&anna]),
        ("q=nobody".into(), vec![]),
        (
            format!("modified_since={}", before_update.replace('+', "%2B")),
            // Change order: Mia, Paul and Anna were created after Lena's first version, then
            // Lena changed.
            vec![&jonas, &mia, &paul, &anna, &lena],
        ),
        (
            format!("modified_since={}", anna_created.replace('+', "%2B")),
            vec![&lena],
        ),
    ];
    app.settle_writes().await;
    for (query, expected) in cases {
        let got = admin.list_ids(&format!("/v1/people?{query}")).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(got, expected, "query {query:?}");
    }
    let items = admin
        .list_all(&format!("/v1/people?organization_id={org1}"))
        .await;
    assert_eq!(items[1]["active"], true, "active through its last day");
    assert_eq!(
        &items[0],
        admin
            .get(&format!("/v1/people/{lena}"))
            .send()
            .await
            .expect(StatusCode::OK)
    );
    app.stop().await;
}

#[tokio::test]
async fn person_validation_rules() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let valid = person(&org);
    let long = |n: usize| json!("x".repeat(n));
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (
            with(valid.clone(), "/given_name", json!("")),
            vec!["/given_name"],
        ),
        (
            with(valid.clone(), "/given_name", json!("   ")),
            vec!["/given_name"],
        ),
        (
            with(valid.clone(), "/given_name", long(101)),
            vec!["/given_name"],
        ),
        (
            with(valid.clone(), "/family_name", json!("")),
            vec!["/family_name"],
        ),
        (
            with(valid.clone(), "/family_name", long(101)),
            vec!["/family_name"],
        ),
        (
            with(valid.clone(), "/family_name", json!("Bei\nspiel")),
            vec!["/family_name"],
        ),
        (with(valid.clone(), "/email", json!("lena")), vec!["/email"]),
        (
            with(valid.clone(), "/email", json!("lena@example.")),
            vec!["/email"],
        ),
        (
            with(valid.clone(), "/phone", json!("0800-CALL-ME")),
            vec!["/phone"],
        ),
        (with(valid.clone(), "/phone", json!("1-2")), vec!["/phone"]),
        (
            with(valid.clone(), "/functions", json!([])),
            vec!["/functions"],
        ),
        (
            with(
                valid.clone(),
                "/functions",
                json!(["leader", "caseworker", "leader"]),
            ),
            vec!["/functions"],
        ),
        (
            with(valid.clone(), "/active_until", json!("2023-12-31")),
            vec!["/active_until"],
        ),
        // Schema errors point at the field, too.
        (
            with(valid.clone(), "/functions", json!(["boss"])),
            vec!["/functions/0"],
        ),
        (
            with(valid.clone(), "/functions", json!(["leader", "boss"])),
            vec!["/functions/1"],
        ),
        (
            with(valid.clone(), "/active_from", json!("2024-02-30")),
            vec!["/active_from"],
        ),
        (
            with(valid.clone(), "/active_from", json!("01.01.2024")),
            vec!["/active_from"],
        ),
        (
            with(valid.clone(), "/organization_id", json!("not-a-uuid")),
            vec!["/organization_id"],
        ),
        (
            with(valid.clone(), "/given_name", json!(42)),
            vec!["/given_name"],
        ),
        // Every problem at once.
        (
            json!({
                "organization_id": org, "given_name": "", "family_name": "", "email": "x",
                "phone": "y", "functions": [], "active_from": "2024-01-02",
                "active_until": "2024-01-01"
            }),
            vec![
                "/given_name",
                "/family_name",
                "/email",
                "/phone",
                "/functions",
                "/active_until",
            ],
        ),
    ];
    for (body, pointers) in &cases {
        admin
            .post("/v1/people")
            .json(body)
            .send()
            .await
            .expect_validation(pointers);
    }
    // A missing required field is reported at the field.
    admin
        .post("/v1/people")
        .json(&without(valid.clone(), "/functions"))
        .send()
        .await
        .expect_validation(&["/functions"]);

    // Valid boundaries.
    for body in [
        with(valid.clone(), "/given_name", json!("X")),
        with(valid.clone(), "/family_name", long(100)),
        with(valid.clone(), "/active_until", json!("2024-01-01")),
        without(without(valid.clone(), "/email"), "/phone"),
        with(
            valid.clone(),
            "/functions",
            json!([
                "leader",
                "qmf_coordinator",
                "caseworker",
                "specialist",
                "trainer"
            ]),
        ),
    ] {
        app.create_person(body).await;
    }

    // The same rules guard a replacement; a refused replacement changes nothing.
    let stored = app.create_person(valid.clone()).await;
    let path = format!("/v1/people/{}", id(&stored));
    admin
        .put(&path)
        .if_match("\"1\"")
        .json(&with(
            with(valid.clone(), "/functions", json!([])),
            "/email",
            json!("x"),
        ))
        .send()
        .await
        .expect_validation(&["/email", "/functions"]);

    // The end of the active period cannot lie before its start.
    admin
        .post(&format!("{path}/deactivate"))
        .if_match("\"1\"")
        .json(&json!({"active_until": "2023-12-31"}))
        .send()
        .await
        .expect_validation(&["/active_until"]);
    admin
        .post(&format!("{path}/deactivate"))
        .if_match("\"1\"")
        .json(&json!({"active_until": "2024-12-31", "reason": "left"}))
        .send()
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    admin
        .post(&format!("{path}/deactivate"))
        .if_match("\"1\"")
        .json(&json!({}))
        .send()
        .await
        .expect_validation(&["/active_until"]);
    admin
        .post(&format!("{path}/deactivate"))
        .if_match("\"1\"")
        .json(&json!({"active_until": "soon"}))
        .send()
        .await
        .expect_validation(&["/active_until"]);

    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &stored);
    assert_eq!(read.etag(), "\"1\"");
    app.expect_outbox(&[
        ORG_REGISTERED,
        REGISTERED,
        REGISTERED,
        REGISTERED,
        REGISTERED,
        REGISTERED,
        REGISTERED,
    ])
    .await;
    app.stop().await;
}

#[tokio::test]
async fn person_conflicts() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let other_org = app.institution_id().await;

    // Unknown organisation: the reference in the body is invalid.
    admin
        .post("/v1/people")
        .json(&person(&uuid::Uuid::now_v7().to_string()))
        .send()
        .await
        .expect_validation(&["/organization_id"]);

    // The organisation cannot change: a move is a new registration.
    let stored = app.create_person(person(&org)).await;
    let path = format!("/v1/people/{}", id(&stored));
    admin
        .put(&path)
        .if_match("\"1\"")
        .json(&person(&other_org))
        .send()
        .await
        .expect_validation(&["/organization_id"]);
    admin
        .put(&path)
        .if_match("\"1\"")
        .json(&person(&uuid::Uuid::now_v7().to_string()))
        .send()
        .await
        .expect_validation(&["/organization_id"]);
    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &stored);
    assert_eq!(read.etag(), "\"1\"");

    // person_already_inactive: a closed active period cannot be closed again.
    admin
        .post(&format!("{path}/deactivate"))
        .if_match("\"1\"")
        .json(&json!({"active_until": "2025-06-30"}))
        .send()
        .await
        .expect(StatusCode::OK);
    admin
        .post(&format!("{path}/deactivate"))
        .if_match("\"2\"")
        .json(&json!({"active_until": "2025-07-31"}))
        .send()
        .await
        .expect_conflict("person_already_inactive");
    let with_end = app
        .create_person(with(
            person(&org),
            "/active_until",
            json!(days_from_today(90)),
        ))
        .await;
    admin
        .post(&format!("/v1/people/{}/deactivate", id(&with_end)))
        .if_match("\"1\"")
        .json(&json!({"active_until": days_from_today(10)}))
        .send()
        .await
        .expect_conflict("person_already_inactive");

    // organization_inactive: no new staff for a deactivated organisation.
    admin
        .post(&format!("/v1/organizations/{org}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    admin
        .post("/v1/people")
        .json(&person(&org))
        .send()
        .await
        .expect_conflict("organization_inactive");

    // Unknown people.
    let unknown = format!("/v1/people/{}", uuid::Uuid::now_v7());
    admin
        .get(&unknown)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    admin
        .put(&unknown)
        .if_match("\"1\"")
        .json(&person(&other_org))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    admin
        .post(&format!("{unknown}/deactivate"))
        .if_match("\"1\"")
        .json(&json!({"active_until": "2025-01-01"}))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");

    let staff = admin
        .list_ids(&format!("/v1/people?organization_id={org}"))
        .await;
    assert_eq!(staff, vec![id(&stored), id(&with_end)]);
    app.expect_outbox(&[
        ORG_REGISTERED,
        ORG_REGISTERED,
        REGISTERED,
        DEACTIVATED,
        REGISTERED,
        ORG_DEACTIVATED,
    ])
    .await;
    app.stop().await;
}
