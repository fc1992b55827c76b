//! Republishing the directory so late read copies can catch up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn republish_puts_a_snapshot_of_everything_into_the_outbox_for_admins_only() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.create_organization(institution("hohenlohekreis")).await;
    let org_id = id(&org);
    app.create_person(person(&org_id)).await;
    let signed = app
        .create_agreement(agreement(&org_id, "cooperation_agreement", "2019-05-01"))
        .await;
    let terminated = admin
        .post(&format!("/v1/agreements/{}/terminate", id(&signed)))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": "2024-12-31", "reason": "ersetzt"}))
        .send()
        .await;
    terminated.expect(StatusCode::OK);
    app.create_agreement(agreement(
        &org_id,
        "quality_development_agreement",
        "2025-01-01",
    ))
    .await;
    app.new_events().await;

    for role_name in ["coordinator", "institution_staff", "auditor"] {
        let reply = app
            .as_(Persona::role(role_name).of(&org_id))
            .post("/v1/admin/republish")
            .send()
            .await;
        reply.expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    app.expect_outbox(&[]).await;

    let reply = admin.post("/v1/admin/republish").send().await;
    let counts = reply.expect(StatusCode::OK);
    assert_eq!(
        counts,
        &json!({"organizations": 1, "people": 1, "agreements": 2})
    );
    app.expect_outbox(&[
        "directory.organization.updated.v1",
        "directory.person.updated.v1",
        "directory.agreement.signed.v1",
        "directory.agreement.terminated.v1",
        "directory.agreement.signed.v1",
    ])
    .await;
    app.stop().await;
}
