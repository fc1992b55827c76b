//! People from the directory's events and their consent to publication.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use common::*;
use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

fn person(id: Uuid, org: Uuid, family_name: &str, version: i32) -> Value {
    json!({"id": id, "organization_id": org, "given_name": "Lena", "family_name": family_name,
        "email": "l.beispiel@jugendamt.example", "functions": ["caseworker"], "active_from": "2024-01-01",
        "active_until": null, "version": version})
}

async fn read_when(app: &App, id: Uuid, ready: impl Fn(&Value) -> bool) -> Value {
    for _ in 0..50 {
        let response = app
            .http
            .get(format!("{}/v1/people/{id}", app.base))
            .bearer_auth(qmf_testkit::auth::token(&["committee_secretary"], None))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::OK {
            let value: Value = response.json().await.unwrap();
            if ready(&value) {
                return value;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("person {id} did not arrive as expected");
}

#[tokio::test]
async fn people_arrive_from_the_directory_and_consent_to_publication() {
    let app = spawn().await;
    let id = Uuid::now_v7();
    let org = app.offices[0];
    app.publish_event(
        "/qmf/directory",
        "directory.person.registered.v1",
        person(id, org, "Beispiel", 2),
    )
    .await;
    read_when(&app, id, |p| p["family_name"] == "Beispiel").await;
    // An older version arriving late changes nothing; a newer one does.
    app.publish_event(
        "/qmf/directory",
        "directory.person.updated.v1",
        person(id, org, "Alt", 1),
    )
    .await;
    app.publish_event(
        "/qmf/directory",
        "directory.person.updated.v1",
        person(id, org, "Muster", 3),
    )
    .await;
    let current = read_when(&app, id, |p| p["family_name"] == "Muster").await;
    assert_eq!(current["public_consent"], false);

    let group = app.body("AK QMF").await;
    app.seat(&group, id, org, "member").await;
    let path = format!("/v1/people/{id}/publication-consent");
    let someone_else = person_token(Uuid::now_v7(), org);
    app.send_as(
        &someone_else,
        Method::PUT,
        &path,
        None,
        Some(json!({"consent": true})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (given, _) = app
        .send_as(
            &person_token(id, org),
            Method::PUT,
            &path,
            None,
            Some(json!({"consent": true})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(given["public_consent"], true);
    app.send(
        Method::PUT,
        &format!("/v1/people/{}/publication-consent", Uuid::now_v7()),
        None,
        Some(json!({"consent": true})),
        StatusCode::NOT_FOUND,
    )
    .await;

    // Withdrawing consent leaves deleted objects for the person and their memberships.
    app.send(
        Method::PUT,
        &path,
        None,
        Some(json!({"consent": false})),
        StatusCode::OK,
    )
    .await;
    let pool = app.db.pool(1);
    let mut conn = pool.get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Kind {
        #[diesel(sql_type = diesel::sql_types::Text)]
        kind: String,
    }
    let mut kinds: Vec<String> =
        diesel::sql_query("SELECT kind FROM oparl_tombstones ORDER BY kind")
            .load::<Kind>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|k| k.kind)
            .collect();
    kinds.sort();
    assert_eq!(kinds, ["Membership", "Person"]);
    // Given again, they are published again.
    app.send(
        Method::PUT,
        &path,
        None,
        Some(json!({"consent": true})),
        StatusCode::OK,
    )
    .await;
    let left = diesel::sql_query("SELECT kind FROM oparl_tombstones")
        .load::<Kind>(&mut conn)
        .await
        .unwrap();
    assert!(left.is_empty());
}
