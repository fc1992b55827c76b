//! People from the directory's events and their consent to publication.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use qmf_testkit::eventually;
use serde_json::{Value, json};
use uuid::Uuid;

const DIRECTORY: &str = "/qmf/directory";

fn person(id: Uuid, org: Uuid, family_name: &str, version: i32) -> Value {
    json!({"id": id, "organization_id": org, "given_name": "Lena", "family_name": family_name,
        "email": "l.beispiel@jugendamt.example", "functions": ["caseworker"], "active_from": "2024-01-01",
        "active_until": null, "version": version})
}

/// Reads person `id` until it has the family name `family_name`.
async fn read_when(app: &TestApp, id: Uuid, family_name: &str) -> Value {
    let secretary = &secretary(app);
    let path = &format!("/v1/people/{id}");
    eventually(
        &format!("person {id} is called {family_name}"),
        || async move {
            let reply = secretary.get(path).send().await;
            (reply.status == StatusCode::OK && reply.body["family_name"] == family_name)
                .then_some(reply.body)
        },
    )
    .await
}

/// The kinds of the OParl tombstones kept, in order.
async fn tombstones(app: &TestApp) -> Vec<Value> {
    app.sql("SELECT kind FROM oparl_tombstones ORDER BY kind")
        .await
        .into_iter()
        .map(|row| row["kind"].clone())
        .collect()
}

#[tokio::test]
async fn people_arrive_from_the_directory_and_consent_to_publication() {
    let app = spawn().await;
    let id = Uuid::now_v7();
    let org = OFFICES[0];
    app.publish_event(
        DIRECTORY,
        "directory.person.registered.v1",
        person(id, org, "Beispiel", 2),
    )
    .await;
    read_when(&app, id, "Beispiel").await;
    // An older version arriving late changes nothing; a newer one does.
    for (family_name, version) in [("Alt", 1), ("Muster", 3)] {
        app.publish_event(
            DIRECTORY,
            "directory.person.updated.v1",
            person(id, org, family_name, version),
        )
        .await;
    }
    let current = read_when(&app, id, "Muster").await;
    assert_eq!(current["public_consent"], false);

    let group = app.body("AK QMF").await;
    app.seat(&group, id, org, "member").await;
    let path = format!("/v1/people/{id}/publication-consent");
    let consent = |consent: bool| json!({"consent": consent});
    app.as_(Persona::person(Uuid::now_v7(), org))
        .put(&path)
        .json(&consent(true))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let given = app
        .as_(Persona::person(id, org))
        .put(&path)
        .json(&consent(true))
        .send()
        .await;
    assert_eq!(given.expect(StatusCode::OK)["public_consent"], true);
    let secretary = secretary(&app);
    secretary
        .put(&format!(
            "/v1/people/{}/publication-consent",
            Uuid::now_v7()
        ))
        .json(&consent(true))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    // Withdrawing consent leaves deleted objects for the person and their memberships.
    secretary
        .put(&path)
        .json(&consent(false))
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(tombstones(&app).await, ["Membership", "Person"]);
    // Given again, they are published again.
    secretary
        .put(&path)
        .json(&consent(true))
        .send()
        .await
        .expect(StatusCode::OK);
    assert!(tombstones(&app).await.is_empty());

    // The read has the consent's own path (the gateway gives /v1/people/{id} to the directory);
    // the first path answers the same on the committee's own address.
    let read = secretary
        .get(&path)
        .send()
        .await
        .expect(StatusCode::OK)
        .clone();
    assert_eq!(read["public_consent"], true);
    assert_eq!(read["family_name"], "Muster");
    let legacy = secretary
        .get(&format!("/v1/people/{id}"))
        .send()
        .await
        .expect(StatusCode::OK)
        .clone();
    assert_eq!(legacy, read);
    secretary
        .get(&format!(
            "/v1/people/{}/publication-consent",
            Uuid::now_v7()
        ))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.stop().await;
}
