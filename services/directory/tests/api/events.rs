#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Events: every change publishes exactly one CloudEvent of the right type on the exchange.

use crate::common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Checks the CloudEvents envelope and returns its `data`.
#[track_caller]
fn envelope(event: &Value, event_type: &str, subject: &str) -> Value {
    assert_eq!(event["specversion"], "1.0", "{event}");
    assert_eq!(event["source"], "/qmf/directory", "{event}");
    assert_eq!(event["type"], event_type, "{event}");
    assert_eq!(event["subject"], subject, "{event}");
    assert_eq!(event["datacontenttype"], "application/json", "{event}");
    let id = uuid::Uuid::parse_str(event["id"].as_str().unwrap()).unwrap();
    assert_eq!(id.get_version_num(), 7, "{event}");
    let time = chrono::DateTime::parse_from_rfc3339(event["time"].as_str().unwrap()).unwrap();
    let age = chrono::Utc::now().signed_duration_since(time);
    assert!(
        age >= chrono::Duration::seconds(-5) && age < chrono::Duration::seconds(60),
        "event time {time} is not the time of the change"
    );
    assert!(event["data"].is_object(), "{event}");
    event["data"].clone()
}

#[tokio::test]
async fn every_change_publishes_exactly_one_event() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut probe = app.probe().await;
    let mut event_ids = HashSet::new();
    let mut one = async |app: &TestApp, probe: &mut qmf_testkit::EventProbe, event_type| {
        let events = app.expect_events(probe, &[event_type]).await;
        assert!(
            event_ids.insert(events[0]["id"].to_string()),
            "event ids are unique"
        );
        events.into_iter().next().unwrap()
    };

    // Organisation registered.
    let org = app.create_organization(institution("hohenlohekreis")).await;
    let org_id = id(&org);
    let event = one(&app, &mut probe, "directory.organization.registered.v1").await;
    let data = envelope(&event, "directory.organization.registered.v1", &org_id);
    assert_eq!(
        data,
        json!({
            "id": org_id, "name": org["name"], "kind": "institution",
            "district": "hohenlohekreis", "umbrella_carrier": "Caritas",
            "city": "Schwäbisch Hall", "active": true, "version": 1
        })
    );

    // Organisation updated: a full snapshot with the new version.
    let renamed = with(
        with(
            institution("schwaebisch_hall"),
            "/name",
            json!("Jugendhilfe Hall"),
        ),
        "/address/city",
        json!("Crailsheim"),
    );
    admin
        .put(&format!("/v1/organizations/{org_id}"))
        .if_match("\"1\"")
        .json(&renamed)
        .send()
        .await
        .expect(StatusCode::OK);
    let event = one(&app, &mut probe, "directory.organization.updated.v1").await;
    let data = envelope(&event, "directory.organization.updated.v1", &org_id);
    assert_eq!(
        data,
        json!({
            "id": org_id, "name": "Jugendhilfe Hall", "kind": "institution",
            "district": "schwaebisch_hall", "umbrella_carrier": "Caritas",
            "city": "Crailsheim", "active": true, "version": 2
        })
    );

    // Person registered: carries the work e-mail, never the phone.
    let person_id = id(&app.create_person(person(&org_id)).await);
    let event = one(&app, &mut probe, "directory.person.registered.v1").await;
    let data = envelope(&event, "directory.person.registered.v1", &person_id);
    assert_eq!(
        data,
        json!({
            "id": person_id, "organization_id": org_id, "given_name": "Lena",
            "family_name": "Beispiel", "email": "l.beispiel@example.org",
            "functions": ["caseworker"], "active_from": "2024-01-01", "active_until": null,
            "version": 1
        })
    );

    // Person updated.
    admin
        .put(&format!("/v1/people/{person_id}"))
        .if_match("\"1\"")
        .json(&with(
            person(&org_id),
            "/functions",
            json!(["leader", "trainer"]),
        ))
        .send()
        .await
        .expect(StatusCode::OK);
    let event = one(&app, &mut probe, "directory.person.updated.v1").await;
    let data = envelope(&event, "directory.person.updated.v1", &person_id);
    assert_eq!(data["functions"], json!(["leader", "trainer"]));
    assert_eq!(data["version"], 2);
    assert!(data.get("phone").is_none());

    // Person deactivated.
    admin
        .post(&format!("/v1/people/{person_id}/deactivate"))
        .if_match("\"2\"")
        .json(&json!({"active_until": "2026-03-31"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let event = one(&app, &mut probe, "directory.person.deactivated.v1").await;
    let data = envelope(&event, "directory.person.deactivated.v1", &person_id);
    assert_eq!(
        data,
        json!({
            "id": person_id, "organization_id": org_id, "active_until": "2026-03-31",
            "version": 3
        })
    );

    // Agreement signed: the subject is the organisation.
    let signed = app.create_agreement(quality_agreement(&org_id)).await;
    let agreement_id = id(&signed);
    let event = one(&app, &mut probe, "directory.agreement.signed.v1").await;
    let data = envelope(&event, "directory.agreement.signed.v1", &org_id);
    assert_eq!(
        data,
        json!({
            "id": agreement_id, "organization_id": org_id,
            "kind": "quality_development_agreement", "signed_on": "2021-06-30"
        })
    );

    // Agreement terminated: the subject is the organisation.
    admin
        .post(&format!("/v1/agreements/{agreement_id}/terminate"))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": "2027-12-31", "reason": "Einrichtung schließt"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let event = one(&app, &mut probe, "directory.agreement.terminated.v1").await;
    let data = envelope(&event, "directory.agreement.terminated.v1", &org_id);
    assert_eq!(
        data,
        json!({
            "id": agreement_id, "organization_id": org_id,
            "kind": "quality_development_agreement", "terminated_on": "2027-12-31"
        })
    );

    // Organisation deactivated.
    let reply = admin
        .post(&format!("/v1/organizations/{org_id}/deactivate"))
        .if_match("\"2\"")
        .send()
        .await;
    let deactivated = reply.expect(StatusCode::OK).clone();
    let event = one(&app, &mut probe, "directory.organization.deactivated.v1").await;
    let data = envelope(&event, "directory.organization.deactivated.v1", &org_id);
    assert_eq!(data["id"], org_id.as_str());
    assert_eq!(data["version"], 3);
    let announced =
        chrono::DateTime::parse_from_rfc3339(data["deactivated_at"].as_str().unwrap()).unwrap();
    let stored =
        chrono::DateTime::parse_from_rfc3339(deactivated["deactivated_at"].as_str().unwrap())
            .unwrap();
    assert_eq!(announced, stored);
    assert_eq!(data.as_object().unwrap().len(), 3, "{data}");

    // Reads and refused writes publish nothing; the broker has nothing else for us.
    admin
        .get(&format!("/v1/organizations/{org_id}"))
        .send()
        .await;
    admin.list_all("/v1/people").await;
    admin
        .post(&format!("/v1/organizations/{org_id}/deactivate"))
        .if_match("\"3\"")
        .send()
        .await
        .expect_conflict("organization_already_inactive");
    admin
        .post("/v1/people")
        .json(&person(&org_id))
        .send()
        .await
        .expect_conflict("organization_inactive");
    admin
        .put(&format!("/v1/people/{person_id}"))
        .if_match("\"1\"")
        .json(&person(&org_id))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    app.expect_events(&mut probe, &[]).await;
    assert!(
        probe.next(Duration::from_millis(300)).await.is_none(),
        "no further event"
    );
    app.stop().await;
}

#[tokio::test]
async fn events_of_one_subject_arrive_in_order() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let org = app.institution_id().await;
    for (version, name) in (1..).zip(["Eins", "Zwei", "Drei", "Vier", "Fünf"]) {
        app.as_(Persona::admin())
            .put(&format!("/v1/organizations/{org}"))
            .if_match(format!("\"{version}\""))
            .json(&with(institution("hohenlohekreis"), "/name", json!(name)))
            .send()
            .await
            .expect(StatusCode::OK);
    }
    let mut types = vec!["directory.organization.registered.v1"];
    types.extend(["directory.organization.updated.v1"; 5]);
    let events = app.expect_events(&mut probe, &types).await;
    let versions: Vec<i64> = events
        .iter()
        .map(|e| e["data"]["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(events[5]["data"]["name"], "Fünf");
    app.stop().await;
}
