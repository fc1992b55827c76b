//! The directory's organisation and agreement events reach the case service's read copy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use chrono::Utc;
use qmf_directory_copy::store as directory_copy;
use qmf_testkit::auth;
use serde_json::{Value, json};

async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting until {what}");
}

#[tokio::test]
async fn organisation_and_agreement_changes_reach_the_case_read_copy() {
    let cluster = common::Cluster::new();
    // The case service starts first so its queue is bound before the directory publishes.
    let case = cluster
        .start(qmf_case::SERVICE, qmf_case::commands(), common::case)
        .await;
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
        .json(&json!({
            "name": "Kinder- und Jugendhilfe Öhringen",
            "kind": "institution",
            "district": "hohenlohekreis",
            "address": {"street": "Hunnenstraße 12", "postal_code": "74613", "city": "Öhringen"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id: uuid::Uuid = created["id"].as_str().unwrap().parse().unwrap();
    let agreement: Value = http
        .post(directory.url("/v1/agreements"))
        .bearer_auth(&admin)
        .json(&json!({
            "organization_id": id, "kind": "quality_development_agreement",
            "signed_on": "2022-03-01", "signed_by": "Maria Muster"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    let pool = case.db.pool(2);
    let today = Utc::now().date_naive();
    eventually(
        "the case service knows the institution as eligible provider",
        || {
            let pool = pool.clone();
            async move {
                let mut conn = pool.get().await.unwrap();
                directory_copy::is_eligible_provider(&mut conn, id, today)
                    .await
                    .unwrap()
            }
        },
    )
    .await;

    let terminated = http
        .post(directory.url(&format!(
            "/v1/agreements/{}/terminate",
            agreement["id"].as_str().unwrap()
        )))
        .bearer_auth(&admin)
        .header("If-Match", "\"1\"")
        .json(&json!({"terminated_on": today, "reason": "Einrichtung geschlossen"}))
        .send()
        .await
        .unwrap();
    assert_eq!(terminated.status(), 200);
    let deactivated = http
        .post(directory.url(&format!("/v1/organizations/{id}/deactivate")))
        .bearer_auth(&admin)
        .header("If-Match", "\"1\"")
        .send()
        .await
        .unwrap();
    assert_eq!(deactivated.status(), 200);

    eventually(
        "the copy shows the organisation deactivated at version 2",
        || {
            let pool = pool.clone();
            async move {
                let mut conn = pool.get().await.unwrap();
                directory_copy::find_organization(&mut conn, id)
                    .await
                    .unwrap()
                    .is_some_and(|org| !org.active && org.version == 2)
            }
        },
    )
    .await;
    let mut conn = pool.get().await.unwrap();
    assert!(
        !directory_copy::is_eligible_provider(&mut conn, id, today)
            .await
            .unwrap()
    );

    directory.stop().await;
    case.stop().await;
}
