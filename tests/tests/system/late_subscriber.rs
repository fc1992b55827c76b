//! A service that starts consuming after the directory already holds data catches up when
//! the directory republishes its snapshots.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::json;

use crate::common::{self, Cluster, Persona, StatusCode, eventually};

#[tokio::test]
async fn a_late_committee_service_learns_the_youth_offices_from_a_republish() {
    let cluster = Cluster::new();
    let directory = cluster.start(common::directory()).await;
    let admin = directory.as_(Persona::admin());
    let created = admin
        .post("/v1/organizations")
        .json(&json!({"name": "Jugendamt Hohenlohekreis", "kind": "youth_office", "district": "hohenlohekreis",
            "address": {"street": "Allee 17", "postal_code": "74653", "city": "Künzelsau"}}))
        .send()
        .await;
    let created = created.expect(StatusCode::CREATED);
    // Let the relay publish the registration before anyone listens: it is gone for late queues.
    tokio::time::sleep(Duration::from_millis(800)).await;

    let committee = cluster.start(common::committee()).await;
    let secretary = Persona::committee_secretary();
    let at_committee = committee.as_(&secretary);
    // The copy is still empty: no youth office to propose.
    at_committee
        .get("/v1/management-terms/proposal")
        .send()
        .await
        .expect(StatusCode::CONFLICT);

    directory
        .as_(&secretary)
        .post("/v1/admin/republish")
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let republished = admin.post("/v1/admin/republish").send().await;
    assert_eq!(republished.expect(StatusCode::OK)["organizations"], 1);

    let at_committee = &at_committee;
    let body = eventually("the committee learnt the youth office", || async move {
        let reply = at_committee
            .get("/v1/management-terms/proposal")
            .send()
            .await;
        (reply.status == StatusCode::OK).then_some(reply.body)
    })
    .await;
    assert_eq!(body["office_id"], created["id"]);
    directory.stop().await;
    committee.stop().await;
}
