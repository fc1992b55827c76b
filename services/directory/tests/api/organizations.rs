#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Organisations: the lifecycle, every list filter, every validation rule and every conflict.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const REGISTERED: &str = "directory.organization.registered.v1";
const UPDATED: &str = "directory.organization.updated.v1";
const DEACTIVATED: &str = "directory.organization.deactivated.v1";

#[tokio::test]
async fn create_read_update_and_deactivate_an_organization() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let draft = institution("hohenlohekreis");

    // Coordinators keep the directory up to date as well as admins.
    let created = app
        .as_(Persona::coordinator())
        .post("/v1/organizations")
        .json(&draft)
        .send()
        .await;
    let body = created.expect(StatusCode::CREATED).clone();
    let id = id(&body);
    assert_eq!(
        created.header("location"),
        Some(format!("/v1/organizations/{id}").as_str())
    );
    assert_eq!(created.etag(), "\"1\"");
    for field in [
        "name",
        "kind",
        "district",
        "umbrella_carrier",
        "address",
        "email",
        "phone",
        "external_ids",
    ] {
        assert_eq!(body[field], draft[field], "{field}");
    }
    assert_eq!(body["active"], true);
    assert_eq!(body["deactivated_at"], Value::Null);
    assert_eq!(body["has_valid_agreement"], false);
    assert_eq!(body["version"], 1);
    assert_eq!(body["created_at"], body["updated_at"]);

    let read = admin.get(&format!("/v1/organizations/{id}")).send().await;
    assert_eq!(read.expect(StatusCode::OK), &body);
    assert_eq!(read.etag(), "\"1\"");

    // A full replacement; names are trimmed and e-mail addresses lower-cased.
    let replacement = json!({
        "name": "  Kinder- und Jugendhilfe Öhringen  ",
        "kind": "institution",
        "district": "hohenlohekreis",
        "umbrella_carrier": "Diakonie Württemberg",
        "address": {"street": "Hunnenstraße 12", "postal_code": "74613", "city": "Öhringen"},
        "email": " Info@KJH-Oehringen.example ",
        "phone": "+49 7941 1234-0",
        "external_ids": {"okjug": "INST-0042", "case-system.v2": "77"}
    });
    let updated = admin
        .put(&format!("/v1/organizations/{id}"))
        .if_match("\"1\"")
        .json(&replacement)
        .send()
        .await;
    let after = updated.expect(StatusCode::OK).clone();
    assert_eq!(updated.etag(), "\"2\"");
    assert_eq!(after["version"], 2);
    assert_eq!(after["name"], "Kinder- und Jugendhilfe Öhringen");
    assert_eq!(after["email"], "info@kjh-oehringen.example");
    assert_eq!(after["umbrella_carrier"], "Diakonie Württemberg");
    assert_eq!(after["address"], replacement["address"]);
    assert_eq!(after["external_ids"], replacement["external_ids"]);
    assert_eq!(after["created_at"], body["created_at"]);
    assert_ne!(after["updated_at"], body["updated_at"]);

    // Optional fields left out of a replacement are cleared.
    let minimal = without(
        without(
            without(
                without(
                    with(replacement.clone(), "/name", json!("KJH Öhringen")),
                    "/email",
                ),
                "/phone",
            ),
            "/umbrella_carrier",
        ),
        "/external_ids",
    );
    let cleared = admin
        .put(&format!("/v1/organizations/{id}"))
        .if_match("\"2\"")
        .json(&minimal)
        .send()
        .await;
    let cleared_body = cleared.expect(StatusCode::OK).clone();
    assert_eq!(cleared.etag(), "\"3\"");
    assert_eq!(cleared_body["email"], Value::Null);
    assert_eq!(cleared_body["phone"], Value::Null);
    assert_eq!(cleared_body["umbrella_carrier"], Value::Null);
    assert_eq!(cleared_body["external_ids"], json!({}));

    let read = admin.get(&format!("/v1/organizations/{id}")).send().await;
    assert_eq!(read.expect(StatusCode::OK), &cleared_body);
    assert_eq!(read.etag(), "\"3\"");

    let deactivated = app
        .as_(Persona::coordinator())
        .post(&format!("/v1/organizations/{id}/deactivate"))
        .if_match("\"3\"")
        .send()
        .await;
    let deactivated_body = deactivated.expect(StatusCode::OK).clone();
    assert_eq!(deactivated.etag(), "\"4\"");
    assert_eq!(deactivated_body["active"], false);
    assert_eq!(deactivated_body["version"], 4);
    assert!(deactivated_body["deactivated_at"].is_string());
    assert_eq!(deactivated_body["name"], "KJH Öhringen");

    // Deactivated organisations stay readable.
    let read = admin.get(&format!("/v1/organizations/{id}")).send().await;
    assert_eq!(read.expect(StatusCode::OK), &deactivated_body);
    assert_eq!(read.etag(), "\"4\"");

    app.expect_outbox(&[REGISTERED, UPDATED, UPDATED, DEACTIVATED])
        .await;
    app.stop().await;
}

#[tokio::test]
async fn every_kind_of_organization_can_be_registered() {
    let app = spawn().await;
    for draft in [
        youth_office("main_tauber_kreis"),
        institution("landkreis_heilbronn"),
        regional("state_youth_office"),
        regional("education_provider"),
        // A district is allowed (not required) for KVJS and the education provider.
        with(
            regional("education_provider"),
            "/district",
            json!("stadt_heilbronn"),
        ),
    ] {
        let body = app.create_organization(draft.clone()).await;
        assert_eq!(body["kind"], draft["kind"]);
        assert_eq!(
            body["district"],
            draft.get("district").cloned().unwrap_or(Value::Null)
        );
        assert_eq!(
            body["external_ids"],
            draft.get("external_ids").cloned().unwrap_or(json!({}))
        );
    }
    app.expect_outbox(&[REGISTERED; 5]).await;
    app.stop().await;
}

/// Names of the list fixture, in creation order.
struct Fixture {
    office_heilbronn: String,
    office_hohenlohe: String,
    oehringen: String,
    hall_percent: String,
    crailsheim: String,
    kvjs: String,
    jucon: String,
    closed: String,
}

async fn list_fixture(app: &TestApp) -> Fixture {
    let mut ids = Vec::new();
    for draft in [
        with(
            youth_office("stadt_heilbronn"),
            "/name",
            json!("Jugendamt Stadt Heilbronn"),
        ),
        with(
            youth_office("hohenlohekreis"),
            "/name",
            json!("Jugendamt Hohenlohekreis"),
        ),
        with(
            institution("hohenlohekreis"),
            "/name",
            json!("Kinderhilfe Öhringen"),
        ),
        with(
            institution("schwaebisch_hall"),
            "/name",
            json!("Jugendhilfe 100% Hall"),
        ),
        with(
            institution("schwaebisch_hall"),
            "/name",
            json!("Hilfe 1000 Crailsheim"),
        ),
        with(
            regional("state_youth_office"),
            "/name",
            json!("KVJS Landesjugendamt"),
        ),
        with(
            regional("education_provider"),
            "/name",
            json!("JuCon Bildung"),
        ),
        with(
            institution("hohenlohekreis"),
            "/name",
            json!("Alte Einrichtung Künzelsau"),
        ),
    ] {
        ids.push(id(&app.create_organization(draft).await));
    }
    let [
        office_heilbronn,
        office_hohenlohe,
        oehringen,
        hall_percent,
        crailsheim,
        kvjs,
        jucon,
        closed,
    ] = ids.try_into().unwrap();
    Fixture {
        office_heilbronn,
        office_hohenlohe,
        oehringen,
        hall_percent,
        crailsheim,
        kvjs,
        jucon,
        closed,
    }
}

#[tokio::test]
async fn organization_list_filters() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let f = list_fixture(&app).await;
    let all = vec![
        f.office_heilbronn.clone(),
        f.office_hohenlohe.clone(),
        f.oehringen.clone(),
        f.hall_percent.clone(),
        f.crailsheim.clone(),
        f.kvjs.clone(),
        f.jucon.clone(),
        f.closed.clone(),
    ];
    // Öhringen has a valid agreement; Crailsheim's ended today; the others never had one.
    app.create_agreement(quality_agreement(&f.oehringen)).await;
    let ended = app
        .create_agreement(agreement(
            &f.crailsheim,
            "cooperation_agreement",
            "2019-03-01",
        ))
        .await;
    admin
        .post(&format!("/v1/agreements/{}/terminate", id(&ended)))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": today().to_string(), "reason": "Einrichtung geschlossen"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let before_deactivation = admin
        .get(&format!("/v1/organizations/{}", f.closed))
        .send()
        .await;
    let closed_created_at = before_deactivation.body["updated_at"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .post(&format!("/v1/organizations/{}/deactivate", f.closed))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);

    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("", all.iter().collect()),
        (
            "kind=youth_office",
            vec![&f.office_heilbronn, &f.office_hohenlohe],
        ),
        (
            "kind=institution",
            vec![&f.oehringen, &f.hall_percent, &f.crailsheim, &f.closed],
        ),
        ("kind=state_youth_office", vec![&f.kvjs]),
        ("kind=education_provider", vec![&f.jucon]),
        (
            "district=hohenlohekreis",
            vec![&f.office_hohenlohe, &f.oehringen, &f.closed],
        ),
        (
            "district=schwaebisch_hall",
            vec![&f.hall_percent, &f.crailsheim],
        ),
        ("district=main_tauber_kreis", vec![]),
        (
            "kind=institution&district=hohenlohekreis",
            vec![&f.oehringen, &f.closed],
        ),
        ("active=false", vec![&f.closed]),
        (
            "active=true",
            all.iter().filter(|i| **i != f.closed).collect(),
        ),
        ("has_valid_agreement=true", vec![&f.oehringen]),
        (
            "has_valid_agreement=false",
            all.iter().filter(|i| **i != f.oehringen).collect(),
        ),
        (
            "has_valid_agreement=false&active=true&kind=institution",
            vec![&f.hall_percent, &f.crailsheim],
        ),
        // Text search: case-insensitive, also for umlauts; LIKE wildcards match literally.
        (
            "q=JUGENDAMT",
            vec![&f.office_heilbronn, &f.office_hohenlohe, &f.kvjs],
        ),
        ("q=%C3%B6hringen", vec![&f.oehringen]),
        ("q=%C3%96HRINGEN", vec![&f.oehringen]),
        ("q=100%25", vec![&f.hall_percent]),
        ("q=100", vec![&f.hall_percent, &f.crailsheim]),
        ("q=_", vec![]),
        ("q=jugend&kind=state_youth_office", vec![&f.kvjs]),
        // Blank search text is no filter.
        ("q=%20%20", all.iter().collect()),
    ];
    for (query, expected) in cases {
        let ids = admin.list_ids(&format!("/v1/organizations?{query}")).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids, expected, "query {query:?}");
    }

    // The list shows the same representation as a single read, including the agreement status.
    let items = admin.list_all("/v1/organizations?q=hringen").await;
    assert_eq!(items.len(), 1);
    let single = admin
        .get(&format!("/v1/organizations/{}", f.oehringen))
        .send()
        .await;
    assert_eq!(&items[0], single.expect(StatusCode::OK));
    assert_eq!(items[0]["has_valid_agreement"], true);

    // modified_since: only changes after that time (the deactivation), in change order.
    app.settle_writes().await;
    let changed = admin
        .list_all(&format!(
            "/v1/organizations?modified_since={}",
            urlencode(&closed_created_at)
        ))
        .await;
    let changed_ids: Vec<String> = changed.iter().map(id).collect();
    assert_eq!(changed_ids, vec![f.closed.clone()]);
    assert_eq!(changed[0]["active"], false);
    let since_2000 = admin
        .list_ids("/v1/organizations?modified_since=2000-01-01T00:00:00Z")
        .await;
    let mut change_order = all.clone();
    change_order.retain(|i| *i != f.closed);
    change_order.push(f.closed.clone());
    assert_eq!(since_2000, change_order);
    let in_future = admin
        .list_ids(&format!(
            "/v1/organizations?modified_since={}T00:00:00Z",
            days_from_today(2)
        ))
        .await;
    assert!(in_future.is_empty());
    app.stop().await;
}

fn urlencode(text: &str) -> String {
    text.replace('+', "%2B").replace(':', "%3A")
}

#[tokio::test]
async fn organization_validation_rules() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let valid = institution("hohenlohekreis");
    let long = |n: usize| json!("x".repeat(n));
    let long_system = "s".repeat(51);
    let long_system_pointer = format!("/external_ids/{long_system}");
    let mut many_ids = serde_json::Map::new();
    for i in 0..21 {
        many_ids.insert(format!("system{i}"), json!("1"));
    }
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (with(valid.clone(), "/name", json!("")), vec!["/name"]),
        (with(valid.clone(), "/name", json!("   ")), vec!["/name"]),
        (with(valid.clone(), "/name", json!(" A ")), vec!["/name"]),
        (with(valid.clone(), "/name", long(201)), vec!["/name"]),
        (
            with(valid.clone(), "/name", json!("Einrichtung\u{7}Nord")),
            vec!["/name"],
        ),
        (without(valid.clone(), "/district"), vec!["/district"]),
        (
            with(valid.clone(), "/district", Value::Null),
            vec!["/district"],
        ),
        (
            without(youth_office("stadt_heilbronn"), "/district"),
            vec!["/district"],
        ),
        (
            with(
                youth_office("stadt_heilbronn"),
                "/umbrella_carrier",
                json!("Caritas"),
            ),
            vec!["/umbrella_carrier"],
        ),
        (
            with(
                regional("state_youth_office"),
                "/umbrella_carrier",
                json!("Caritas"),
            ),
            vec!["/umbrella_carrier"],
        ),
        (
            with(
                regional("education_provider"),
                "/umbrella_carrier",
                json!("Diakonie"),
            ),
            vec!["/umbrella_carrier"],
        ),
        (
            with(valid.clone(), "/umbrella_carrier", long(201)),
            vec!["/umbrella_carrier"],
        ),
        (
            with(valid.clone(), "/umbrella_carrier", json!(" ")),
            vec!["/umbrella_carrier"],
        ),
        (
            with(valid.clone(), "/address/postal_code", json!("7407")),
            vec!["/address/postal_code"],
        ),
        (
            with(valid.clone(), "/address/postal_code", json!("740720")),
            vec!["/address/postal_code"],
        ),
        (
            with(valid.clone(), "/address/postal_code", json!("74O72")),
            vec!["/address/postal_code"],
        ),
        (
            with(valid.clone(), "/address/postal_code", json!("")),
            vec!["/address/postal_code"],
        ),
        (
            with(valid.clone(), "/address/street", json!(" ")),
            vec!["/address/street"],
        ),
        (
            with(valid.clone(), "/address/street", long(201)),
            vec!["/address/street"],
        ),
        (
            with(valid.clone(), "/address/city", json!("")),
            vec!["/address/city"],
        ),
        (
            with(valid.clone(), "/address/city", long(101)),
            vec!["/address/city"],
        ),
        (
            with(valid.clone(), "/email", json!("no-at-sign")),
            vec!["/email"],
        ),
        (
            with(valid.clone(), "/email", json!("a@localhost")),
            vec!["/email"],
        ),
        (
            with(valid.clone(), "/email", json!("a b@example.org")),
            vec!["/email"],
        ),
        (
            with(valid.clone(), "/email", json!("@example.org")),
            vec!["/email"],
        ),
        (
            with(valid.clone(), "/email", json!("a@b@example.org")),
            vec!["/email"],
        ),
        (
            with(valid.clone(), "/phone", json!("call me")),
            vec!["/phone"],
        ),
        (with(valid.clone(), "/phone", json!("12")), vec!["/phone"]),
        (
            with(valid.clone(), "/phone", json!("07131+56")),
            vec!["/phone"],
        ),
        (
            with(valid.clone(), "/phone", json!("1".repeat(21))),
            vec!["/phone"],
        ),
        (
            with(valid.clone(), "/external_ids", json!({"Bad System": "1"})),
            vec!["/external_ids/Bad System"],
        ),
        (
            with(valid.clone(), "/external_ids", json!({"a/b~c": "1"})),
            vec!["/external_ids/a~1b~0c"],
        ),
        (
            with(valid.clone(), "/external_ids", json!({"": "1"})),
            vec!["/external_ids/"],
        ),
        (
            with(
                valid.clone(),
                "/external_ids",
                json!({long_system.clone(): "1"}),
            ),
            vec![long_system_pointer.as_str()],
        ),
        (
            with(valid.clone(), "/external_ids", json!({"okjug": ""})),
            vec!["/external_ids/okjug"],
        ),
        (
            with(
                valid.clone(),
                "/external_ids",
                json!({"okjug": "x".repeat(101)}),
            ),
            vec!["/external_ids/okjug"],
        ),
        (
            with(valid.clone(), "/external_ids", Value::Object(many_ids)),
            vec!["/external_ids"],
        ),
        // Every problem at once, in field order.
        (
            json!({
                "name": "", "kind": "youth_office", "umbrella_carrier": "Caritas",
                "address": {"street": "", "postal_code": "1", "city": ""},
                "email": "x", "phone": "y", "external_ids": {"BAD": ""}
            }),
            vec![
                "/name",
                "/district",
                "/umbrella_carrier",
                "/address/street",
                "/address/postal_code",
                "/address/city",
                "/email",
                "/phone",
                "/external_ids/BAD",
                "/external_ids/BAD",
            ],
        ),
    ];
    for (body, pointers) in &cases {
        let reply = admin.post("/v1/organizations").json(body).send().await;
        reply.expect_validation(pointers);
    }

    // Boundaries that are valid.
    for body in [
        with(institution("hohenlohekreis"), "/name", long(200)),
        with(institution("hohenlohekreis"), "/name", json!("AB")),
        with(institution("hohenlohekreis"), "/address/city", long(100)),
        with(
            institution("hohenlohekreis"),
            "/phone",
            json!("(07131) 56-0"),
        ),
        with(institution("hohenlohekreis"), "/phone", json!("071 31/5 6")),
        with(institution("hohenlohekreis"), "/email", Value::Null),
        with(
            institution("hohenlohekreis"),
            "/external_ids",
            json!({"a.b-c_9": "x".repeat(100)}),
        ),
    ] {
        app.create_organization(body).await;
    }
    app.expect_outbox(&[REGISTERED; 7]).await;

    // The same rules guard a replacement, and a refused replacement changes nothing.
    let stored = app.create_organization(institution("hohenlohekreis")).await;
    let path = format!("/v1/organizations/{}", id(&stored));
    let reply = admin
        .put(&path)
        .if_match("\"1\"")
        .json(&with(
            with(stored_draft(&stored), "/address/postal_code", json!("1")),
            "/kind",
            json!("youth_office"),
        ))
        .send()
        .await;
    reply.expect_validation(&["/umbrella_carrier", "/address/postal_code"]);
    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &stored);
    app.expect_outbox(&[REGISTERED]).await;
    app.stop().await;
}

/// The writable part of an organisation representation.
fn stored_draft(org: &Value) -> Value {
    json!({
        "name": org["name"], "kind": org["kind"], "district": org["district"],
        "umbrella_carrier": org["umbrella_carrier"], "address": org["address"],
        "email": org["email"], "phone": org["phone"], "external_ids": org["external_ids"]
    })
}

#[tokio::test]
async fn organization_conflicts() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());

    // organization_name_unique: case-insensitive, after trimming, also for umlauts.
    let nord = app
        .create_organization(with(
            institution("hohenlohekreis"),
            "/name",
            json!("Jugendhilfe Nord"),
        ))
        .await;
    app.create_organization(with(
        institution("hohenlohekreis"),
        "/name",
        json!("Kinderhilfe Öhringen"),
    ))
    .await;
    for name in [
        "Jugendhilfe Nord",
        "JUGENDHILFE NORD",
        "  jugendhilfe nord ",
        "KINDERHILFE ÖHRINGEN",
    ] {
        admin
            .post("/v1/organizations")
            .json(&with(institution("stadt_heilbronn"), "/name", json!(name)))
            .send()
            .await
            .expect_conflict("organization_name_unique");
    }
    let other = app.create_organization(institution("hohenlohekreis")).await;
    let other_path = format!("/v1/organizations/{}", id(&other));
    admin
        .put(&other_path)
        .if_match("\"1\"")
        .json(&with(
            stored_draft(&other),
            "/name",
            json!("jugendhilfe NORD"),
        ))
        .send()
        .await
        .expect_conflict("organization_name_unique");
    // Keeping one's own name is no conflict.
    admin
        .put(&format!("/v1/organizations/{}", id(&nord)))
        .if_match("\"1\"")
        .json(&with(
            stored_draft(&nord),
            "/name",
            json!("JUGENDHILFE NORD"),
        ))
        .send()
        .await
        .expect(StatusCode::OK);
    // A deactivated organisation keeps its name.
    admin
        .post(&format!("{other_path}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    admin
        .post("/v1/organizations")
        .json(&with(
            institution("hohenlohekreis"),
            "/name",
            other["name"].clone(),
        ))
        .send()
        .await
        .expect_conflict("organization_name_unique");

    // one_youth_office_per_district: on create, on a district change, on a kind change.
    let heilbronn = app
        .create_organization(youth_office("stadt_heilbronn"))
        .await;
    admin
        .post("/v1/organizations")
        .json(&youth_office("stadt_heilbronn"))
        .send()
        .await
        .expect_conflict("one_youth_office_per_district");
    let hohenlohe = app
        .create_organization(youth_office("hohenlohekreis"))
        .await;
    admin
        .put(&format!("/v1/organizations/{}", id(&hohenlohe)))
        .if_match("\"1\"")
        .json(&with(
            stored_draft(&hohenlohe),
            "/district",
            json!("stadt_heilbronn"),
        ))
        .send()
        .await
        .expect_conflict("one_youth_office_per_district");
    let institution_heilbronn = app
        .create_organization(institution("stadt_heilbronn"))
        .await;
    admin
        .put(&format!("/v1/organizations/{}", id(&institution_heilbronn)))
        .if_match("\"1\"")
        .json(&with(
            with(
                stored_draft(&institution_heilbronn),
                "/kind",
                json!("youth_office"),
            ),
            "/umbrella_carrier",
            Value::Null,
        ))
        .send()
        .await
        .expect_conflict("one_youth_office_per_district");
    // Refused writes changed nothing.
    let read = admin
        .get(&format!("/v1/organizations/{}", id(&hohenlohe)))
        .send()
        .await;
    assert_eq!(read.expect(StatusCode::OK), &hohenlohe);
    // Once the district's youth office is deactivated, a new one can be registered.
    let heilbronn_path = format!("/v1/organizations/{}", id(&heilbronn));
    admin
        .post(&format!("{heilbronn_path}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    app.create_organization(youth_office("stadt_heilbronn"))
        .await;

    // organization_already_inactive
    let reply = admin
        .post(&format!("{heilbronn_path}/deactivate"))
        .if_match("\"2\"")
        .send()
        .await;
    reply.expect_conflict("organization_already_inactive");
    let read = admin.get(&heilbronn_path).send().await;
    assert_eq!(read.etag(), "\"2\"");

    // Unknown organisations.
    let unknown = format!("/v1/organizations/{}", uuid::Uuid::now_v7());
    admin
        .get(&unknown)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    admin
        .put(&unknown)
        .if_match("\"1\"")
        .json(&institution("hohenlohekreis"))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    admin
        .post(&format!("{unknown}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");

    app.expect_outbox(&[
        REGISTERED,
        REGISTERED,
        REGISTERED,
        UPDATED,
        DEACTIVATED,
        REGISTERED,
        REGISTERED,
        REGISTERED,
        DEACTIVATED,
        REGISTERED,
    ])
    .await;
    app.stop().await;
}
