//! The directory's organisation and agreement events reach the case service's read copy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use qmf_directory_copy::store as directory_copy;
use serde_json::json;

use crate::common::{self, Cluster, Persona, StatusCode, eventually, uuid_of};

#[tokio::test]
async fn organisation_and_agreement_changes_reach_the_case_read_copy() {
    let cluster = Cluster::new();
    // The case service starts first so its queue is bound before the directory publishes.
    let case = cluster.start(common::case()).await;
    let directory = cluster.start(common::directory()).await;
    let admin = directory.as_(Persona::admin());

    let created = admin
        .post("/v1/organizations")
        .json(&json!({
            "name": "Kinder- und Jugendhilfe Öhringen",
            "kind": "institution",
            "district": "hohenlohekreis",
            "address": {"street": "Hunnenstraße 12", "postal_code": "74613", "city": "Öhringen"}
        }))
        .send()
        .await;
    let id = uuid_of(created.expect(StatusCode::CREATED));
    let agreement = admin
        .post("/v1/agreements")
        .json(&json!({
            "organization_id": id, "kind": "quality_development_agreement",
            "signed_on": "2022-03-01", "signed_by": "Maria Muster"
        }))
        .send()
        .await;
    let agreement = agreement.expect(StatusCode::CREATED);

    let today = qmf_platform::region::today();
    let copy = &case;
    eventually(
        "the case service knows the institution as eligible provider",
        || async move {
            let mut conn = copy.connection().await;
            directory_copy::is_eligible_provider(&mut conn, id, today)
                .await
                .unwrap()
                .then_some(())
        },
    )
    .await;

    admin
        .post(&format!(
            "/v1/agreements/{}/terminate",
            agreement["id"].as_str().unwrap()
        ))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": today, "reason": "Einrichtung geschlossen"}))
        .send()
        .await
        .expect(StatusCode::OK);
    admin
        .post(&format!("/v1/organizations/{id}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);

    eventually(
        "the copy shows the organisation deactivated at version 2",
        || async move {
            let mut conn = copy.connection().await;
            directory_copy::find_organization(&mut conn, id)
                .await
                .unwrap()
                .filter(|org| !org.active && org.version == 2)
        },
    )
    .await;
    let mut conn = case.connection().await;
    assert!(
        !directory_copy::is_eligible_provider(&mut conn, id, today)
            .await
            .unwrap()
    );
    drop(conn);

    directory.stop().await;
    case.stop().await;
}
