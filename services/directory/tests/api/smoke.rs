#![allow(clippy::unwrap_used, clippy::expect_used)]
use crate::common;

use common::*;
use reqwest::StatusCode;

#[tokio::test]
async fn create_read_and_event_of_an_organization() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let created = app.create_organization(institution("hohenlohekreis")).await;
    let id = created["id"].as_str().unwrap();

    let reply = app
        .as_(Persona::role("institution_staff"))
        .get(&format!("/v1/organizations/{id}"))
        .send()
        .await;
    assert_eq!(reply.etag(), "\"1\"");
    let body = reply.expect(StatusCode::OK);
    assert_eq!(body["name"], created["name"]);

    let event = probe.next(EVENT_WAIT).await.expect("registered event");
    assert_eq!(event["type"], "directory.organization.registered.v1");
    assert_eq!(event["subject"], id);
    assert_eq!(event["data"]["id"], id);
    assert!(
        probe
            .next(std::time::Duration::from_millis(500))
            .await
            .is_none(),
        "exactly one event"
    );
    app.stop().await;
}
