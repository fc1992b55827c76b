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
    let org = app.institution_id().await;
    let draft = person(&org);

    let created = send(app.post("/v1/people", &coordinator()).json(&draft)).await;
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

    let read = app.read(&path).await;
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
    let updated = app.put_json(&path, "\"1\"", &replacement).await;
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

    let read = app.read(&path).await;
    assert_eq!(read.expect(StatusCode::OK), &after);
    assert_eq!(read.etag(), "\"2\"");

    // Ending the active period in the future keeps the person active until then.
    let later = app.create_person(person(&org)).await;
    let later_path = format!("/v1/people/{}", common::id(&later));
    let until = days_from_today(30);
    let reply = send(
        app.post(&format!("{later_path}/deactivate"), &coordinator())
            .header("If-Match", "\"1\"")
            .json(&json!({"active_until": until})),
    )
    .await;
    assert_eq!(reply.expect(StatusCode::OK)["active_until"], until.as_str());
    assert_eq!(reply.body["active"], true);
    assert_eq!(reply.etag(), "\"2\"");

    // Ending it yesterday makes the person inactive today.
    let yesterday = days_from_today(-1);
    let reply = app
        .post_if_match(
            &format!("{path}/deactivate"),
            "\"2\"",
            Some(&json!({"active_until": yesterday})),
        )
        .await;
    let deactivated = reply.expect(StatusCode::OK).clone();
    assert_eq!(reply.etag(), "\"3\"");
    assert_eq!(deactivated["version"], 3);
    assert_eq!(deactivated["active"], false);
    assert_eq!(deactivated["active_until"], yesterday.as_str());
    assert_eq!(deactivated["given_name"], "Lena Marie");

    let read = app.read(&path).await;
    assert_eq!(read.expect(StatusCode::OK), &deactivated);
    assert_eq!(read.etag(), "\"3\"");

    // The active period may end on its first day.
    let short = app
        .create_person(with(person(&org), "/active_from", json!("2024-05-01")))
        .await;
    app.post_if_match(
        &format!("/v1/people/{}/deactivate", common::id(&short)),
        "\"1\"",
        Some(&json!({"active_until": "2024-05-01"})),
    )
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
    let lena_read = app.read(&format!("/v1/people/{lena}")).await;
    let before_update = lena_read.body["updated_at"].as_str().unwrap().to_string();
    let anna_read = app.read(&format!("/v1/people/{anna}")).await;
    let anna_created = anna_read.body["updated_at"].as_str().unwrap().to_string();
    app.put_json(
        &format!("/v1/people/{lena}"),
        "\"1\"",
        &with(
            stored_draft(&lena_read.body),
            "/family_name",
            json!("Beispiel-Neu"),
        ),
    )
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
    for (query, expected) in cases {
        let got = app.list_ids(&format!("/v1/people?{query}")).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(got, expected, "query {query:?}");
    }
    let items = app
        .list_all(&format!("/v1/people?organization_id={org1}"))
        .await;
    assert_eq!(items[1]["active"], true, "active through its last day");
    assert_eq!(
        &items[0],
        app.read(&format!("/v1/people/{lena}"))
            .await
            .expect(StatusCode::OK)
    );
    app.stop().await;
}

#[tokio::test]
async fn person_validation_rules() {
    let app = spawn().await;
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
        app.post_json("/v1/people", body)
            .await
            .expect_validation(pointers);
    }
    // A missing required field is reported at the field.
    app.post_json("/v1/people", &without(valid.clone(), "/functions"))
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
    app.put_json(
        &path,
        "\"1\"",
        &with(
            with(valid.clone(), "/functions", json!([])),
            "/email",
            json!("x"),
        ),
    )
    .await
    .expect_validation(&["/email", "/functions"]);

    // The end of the active period cannot lie before its start.
    app.post_if_match(
        &format!("{path}/deactivate"),
        "\"1\"",
        Some(&json!({"active_until": "2023-12-31"})),
    )
    .await
    .expect_validation(&["/active_until"]);
    app.post_if_match(
        &format!("{path}/deactivate"),
        "\"1\"",
        Some(&json!({"active_until": "2024-12-31", "reason": "left"})),
    )
    .await
    .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    app.post_if_match(&format!("{path}/deactivate"), "\"1\"", Some(&json!({})))
        .await
        .expect_validation(&["/active_until"]);
    app.post_if_match(
        &format!("{path}/deactivate"),
        "\"1\"",
        Some(&json!({"active_until": "soon"})),
    )
    .await
    .expect_validation(&["/active_until"]);

    let read = app.read(&path).await;
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
    let org = app.institution_id().await;
    let other_org = app.institution_id().await;

    // Unknown organisation: the reference in the body is invalid.
    app.post_json("/v1/people", &person(&uuid::Uuid::now_v7().to_string()))
        .await
        .expect_validation(&["/organization_id"]);

    // The organisation cannot change: a move is a new registration.
    let stored = app.create_person(person(&org)).await;
    let path = format!("/v1/people/{}", id(&stored));
    app.put_json(&path, "\"1\"", &person(&other_org))
        .await
        .expect_validation(&["/organization_id"]);
    app.put_json(&path, "\"1\"", &person(&uuid::Uuid::now_v7().to_string()))
        .await
        .expect_validation(&["/organization_id"]);
    let read = app.read(&path).await;
    assert_eq!(read.expect(StatusCode::OK), &stored);
    assert_eq!(read.etag(), "\"1\"");

    // person_already_inactive: a closed active period cannot be closed again.
    app.post_if_match(
        &format!("{path}/deactivate"),
        "\"1\"",
        Some(&json!({"active_until": "2025-06-30"})),
    )
    .await
    .expect(StatusCode::OK);
    app.post_if_match(
        &format!("{path}/deactivate"),
        "\"2\"",
        Some(&json!({"active_until": "2025-07-31"})),
    )
    .await
    .expect_conflict("person_already_inactive");
    let with_end = app
        .create_person(with(
            person(&org),
            "/active_until",
            json!(days_from_today(90)),
        ))
        .await;
    app.post_if_match(
        &format!("/v1/people/{}/deactivate", id(&with_end)),
        "\"1\"",
        Some(&json!({"active_until": days_from_today(10)})),
    )
    .await
    .expect_conflict("person_already_inactive");

    // organization_inactive: no new staff for a deactivated organisation.
    app.post_if_match(
        &format!("/v1/organizations/{org}/deactivate"),
        "\"1\"",
        None,
    )
    .await
    .expect(StatusCode::OK);
    app.post_json("/v1/people", &person(&org))
        .await
        .expect_conflict("organization_inactive");

    // Unknown people.
    let unknown = format!("/v1/people/{}", uuid::Uuid::now_v7());
    app.read(&unknown)
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    app.put_json(&unknown, "\"1\"", &person(&other_org))
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    app.post_if_match(
        &format!("{unknown}/deactivate"),
        "\"1\"",
        Some(&json!({"active_until": "2025-01-01"})),
    )
    .await
    .expect_problem(StatusCode::NOT_FOUND, "not-found");

    let staff = app
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
