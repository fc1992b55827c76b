//! A service that starts consuming after the directory already holds data catches up when
//! the directory republishes its snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use qmf_testkit::auth;
use serde_json::{Value, json};

#[tokio::test]
async fn a_late_committee_service_learns_the_youth_offices_from_a_republish() {
    let cluster = common::Cluster::new();
    let directory = cluster
        .start(
            qmf_directory::SERVICE,
            qmf_directory::commands(),
            common::directory,
        )
        .await;
    let http = reqwest::Client::new();
    let admin = auth::token(&["admin"], None);
    let created: Value = http
        .post(directory.url("/v1/organizations"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Jugendamt Hohenlohekreis", "kind": "youth_office", "district": "hohenlohekreis",
            "address": {"street": "Allee 17", "postal_code": "74653", "city": "Künzelsau"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Let the relay publish the registration before anyone listens: it is gone for late queues.
    tokio::time::sleep(Duration::from_millis(800)).await;

    let committee = cluster
        .start(
            qmf_committee::SERVICE,
            qmf_committee::commands(),
            common::committee,
        )
        .await;
    let secretary = auth::token(&["committee_secretary"], None);
    let proposal = |http: reqwest::Client, url: String, token: String| async move {
        http.get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    };
    let url = committee.url("/v1/management-terms/proposal");
    assert_eq!(
        proposal(http.clone(), url.clone(), secretary.clone()).await,
        409,
        "the copy is still empty"
    );

    let forbidden = http
        .post(directory.url("/v1/admin/republish"))
        .bearer_auth(&secretary)
        .send()
        .await
        .unwrap();
    assert_eq!(forbidden.status(), 403);
    let republished: Value = http
        .post(directory.url("/v1/admin/republish"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(republished["organizations"], 1);

    let mut caught_up = false;
    for _ in 0..100 {
        if proposal(http.clone(), url.clone(), secretary.clone()).await == 200 {
            caught_up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(caught_up, "the committee learnt the youth office");
    let body: Value = http
        .get(&url)
        .bearer_auth(&secretary)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["office_id"], created["id"]);
    directory.stop().await;
    committee.stop().await;
}
