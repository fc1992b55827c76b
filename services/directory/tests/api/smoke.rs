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

/// The document links each creation to the operations on the created resource, passing the
/// new id (and for changes its `ETag` as `If-Match`) on, so clients and stateful testers can
/// follow it.
#[tokio::test]
async fn creations_link_to_the_operations_on_what_they_create() {
    let app = spawn().await;
    let document = app
        .as_(Persona::admin())
        .get("/openapi.json")
        .send()
        .await
        .expect(StatusCode::OK)
        .clone();
    let links = &document["paths"]["/v1/organizations"]["post"]["responses"]["201"]["links"];
    for operation in ["get_organization", "update_organization"] {
        assert_eq!(links[operation]["operationId"], operation);
        assert_eq!(
            links[operation]["parameters"]["id"], "$response.body#/id",
            "{operation}"
        );
    }
    // The update names the version it replaces, taken from the creation's `ETag`; the read
    // needs none.
    assert_eq!(
        links["update_organization"]["parameters"]["header.If-Match"],
        "$response.header.ETag"
    );
    assert!(links["get_organization"]["parameters"]["header.If-Match"].is_null());
    // Actions on a resource (`/deactivate`) are not on its own path: no link.
    assert_eq!(links.as_object().unwrap().len(), 2);
    app.stop().await;
}
