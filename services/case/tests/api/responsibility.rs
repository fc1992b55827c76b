//! Who leads a case: an active youth office the directory knows, and a caseworker the directory
//! lists as that office's staff. The tests try to open and reassign cases against these rules,
//! with the directory's events arriving through the broker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use qmf_testkit::auth;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

fn organization(id: Uuid, kind: &str, version: i32) -> Value {
    json!({"id": id, "name": "Jugendamt Hohenlohekreis", "kind": kind, "district": "hohenlohekreis",
        "umbrella_carrier": null, "city": "Künzelsau", "active": true, "version": version})
}

fn person(id: Uuid, organization: Uuid, version: i32) -> Value {
    json!({"id": id, "organization_id": organization, "given_name": "Lena", "family_name": "Beispiel",
        "email": "l.beispiel@jugendamt.example", "functions": ["caseworker"], "active_from": "2024-01-01",
        "active_until": null, "version": version})
}

fn draft_with(caseworker: Uuid) -> Value {
    let mut draft = case_draft();
    draft["caseworker_id"] = json!(caseworker);
    draft
}

async fn open_as(app: &TestApp, token: &str, draft: &Value, status: StatusCode) -> Value {
    expect_status(
        app.post("/v1/cases", token)
            .json(draft)
            .send()
            .await
            .unwrap(),
        status,
    )
    .await
}

async fn update(app: &TestApp, id: &str, version: i64, draft: &Value, status: StatusCode) -> Value {
    expect_status(
        app.put(&format!("/v1/cases/{id}"), &app.caseworker())
            .header("If-Match", format!("\"{version}\""))
            .json(draft)
            .send()
            .await
            .unwrap(),
        status,
    )
    .await
}

fn refused_caseworker(problem: &Value) {
    assert_eq!(problem["status"], 422, "{problem}");
    assert_eq!(
        problem["errors"][0]["pointer"], "/caseworker_id",
        "{problem}"
    );
}

#[tokio::test]
async fn only_an_active_youth_office_known_to_the_directory_opens_cases() {
    let app = spawn().await;
    // Office roles in a token do not make its organisation a youth office: an institution, an
    // organisation the directory never announced.
    let unknown = Uuid::now_v7();
    for (roles, org) in [
        ("caseworker", app.provider),
        ("youth_office_staff", app.provider),
        ("service", app.provider_without_agreement),
        ("caseworker", unknown),
        ("youth_office_staff", unknown),
    ] {
        let token = auth::token_for("intruder", &[roles], Some(org));
        let problem = open_as(&app, &token, &case_draft(), StatusCode::CONFLICT).await;
        assert_eq!(problem["rule"], "case_requires_active_youth_office");
        let by_external_id = app
            .put("/v1/cases/by-external-id/okjug/2026-000777", &token)
            .json(&case_draft())
            .send()
            .await
            .unwrap();
        let problem = expect_status(by_external_id, StatusCode::CONFLICT).await;
        assert_eq!(problem["rule"], "case_requires_active_youth_office");
    }
    assert!(app.sql("SELECT id FROM cases").await.is_empty());

    // A youth office and its caseworker become known through the directory's events.
    let office = Uuid::now_v7();
    let caseworker = Uuid::now_v7();
    let token = auth::token_for("cw-hok", &["caseworker"], Some(office));
    let draft = draft_with(caseworker);
    app.directory_event(
        "directory.person.registered.v1",
        person(caseworker, office, 1),
    )
    .await;
    let problem = open_as(&app, &token, &draft, StatusCode::CONFLICT).await;
    assert_eq!(problem["rule"], "case_requires_active_youth_office");
    app.directory_event(
        "directory.organization.registered.v1",
        organization(office, "youth_office", 1),
    )
    .await;
    let opened = open_as(&app, &token, &draft, StatusCode::CREATED).await;
    assert_eq!(opened["responsible_office_id"], json!(office));

    // Deactivated, the office opens no more cases; a late snapshot of an older version does not
    // bring it back.
    app.directory_event(
        "directory.organization.deactivated.v1",
        json!({"id": office, "deactivated_at": "2026-11-23T10:00:00Z", "version": 2}),
    )
    .await;
    let problem = open_as(&app, &token, &draft, StatusCode::CONFLICT).await;
    assert_eq!(problem["rule"], "case_requires_active_youth_office");
    app.directory_event(
        "directory.organization.updated.v1",
        organization(office, "youth_office", 1),
    )
    .await;
    open_as(&app, &token, &draft, StatusCode::CONFLICT).await;
    assert_eq!(app.sql("SELECT id FROM cases").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_case_is_led_only_by_a_caseworker_of_its_office() {
    let app = spawn().await;
    let cw = app.caseworker();
    // Another office's caseworker, an id the directory never announced, an organisation's id.
    for caseworker in [app.other_caseworker_id, Uuid::now_v7(), app.office] {
        refused_caseworker(
            &open_as(
                &app,
                &cw,
                &draft_with(caseworker),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await,
        );
        let by_external_id = app
            .put("/v1/cases/by-external-id/okjug/2026-000778", &cw)
            .json(&draft_with(caseworker))
            .send()
            .await
            .unwrap();
        refused_caseworker(&expect_status(by_external_id, StatusCode::UNPROCESSABLE_ENTITY).await);
    }
    // The other office cannot name this office's caseworker either.
    refused_caseworker(
        &open_as(
            &app,
            &app.other_office_staff(),
            &draft_with(app.caseworker_id),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await,
    );
    assert!(app.sql("SELECT id FROM cases").await.is_empty());

    // Reassigning the case follows the same rule.
    let case = app.open_case().await;
    let id = case["id"].as_str().unwrap();
    refused_caseworker(
        &update(
            &app,
            id,
            1,
            &draft_with(app.other_caseworker_id),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await,
    );
    let second = Uuid::now_v7();
    app.directory_event(
        "directory.person.registered.v1",
        person(second, app.office, 3),
    )
    .await;
    let reassigned = update(&app, id, 1, &draft_with(second), StatusCode::OK).await;
    assert_eq!(reassigned["caseworker_id"], json!(second));

    // Deactivated in the directory, the caseworker leads no case any more; a late snapshot of
    // an older version does not make them active again.
    app.directory_event(
        "directory.person.deactivated.v1",
        json!({"id": second, "organization_id": app.office, "active_until": "2026-11-30", "version": 4}),
    )
    .await;
    let mut changed = draft_with(second);
    changed["help_kind"] = json!("day_group");
    refused_caseworker(&update(&app, id, 2, &changed, StatusCode::UNPROCESSABLE_ENTITY).await);
    app.directory_event("directory.person.updated.v1", person(second, app.office, 3))
        .await;
    refused_caseworker(&update(&app, id, 2, &changed, StatusCode::UNPROCESSABLE_ENTITY).await);

    // Someone who moved to another office is no longer this office's caseworker.
    let mover = Uuid::now_v7();
    app.directory_event(
        "directory.person.registered.v1",
        person(mover, app.office, 1),
    )
    .await;
    app.directory_event(
        "directory.person.updated.v1",
        person(mover, app.other_office, 2),
    )
    .await;
    refused_caseworker(
        &update(
            &app,
            id,
            2,
            &draft_with(mover),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await,
    );

    // A snapshot from the directory's republish brings in a person the service had missed.
    let missed = Uuid::now_v7();
    app.directory_event("directory.person.updated.v1", person(missed, app.office, 7))
        .await;
    let reassigned = update(&app, id, 2, &draft_with(missed), StatusCode::OK).await;
    assert_eq!(reassigned["caseworker_id"], json!(missed));
    // The case service keeps who works where, not the names or e-mail.
    let copied = app
        .sql(&format!(
            "SELECT given_name, family_name, email FROM directory_people WHERE id = '{missed}'"
        ))
        .await;
    assert_eq!(
        copied,
        vec![json!({"given_name": null, "family_name": null, "email": null})]
    );
    app.stop().await;
}

#[tokio::test]
async fn after_a_transfer_the_receiving_office_names_its_own_caseworker() {
    let app = spawn().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    flow.command(
        &cw,
        "/transfer",
        Some(json!({"to_office_id": app.other_office, "reason": "Umzug nach Schwäbisch Hall"})),
        StatusCode::OK,
    )
    .await;
    let target = app.other_office_staff();
    let path = format!("/v1/cases/{}", flow.id);
    let put = |token: &str, etag: &str, caseworker: Uuid| {
        app.put(&path, token)
            .header("If-Match", etag)
            .json(&draft_with(caseworker))
            .send()
    };
    // Offered the case, the receiving office reads it but does not rewrite its base data.
    let refused = put(&target, &flow.etag, app.other_caseworker_id)
        .await
        .unwrap();
    expect_status(refused, StatusCode::FORBIDDEN).await;

    flow.command(&target, "/transfer/accept", None, StatusCode::OK)
        .await;
    // The former office's caseworker does not lead a case of the receiving office.
    let refused = put(&target, &flow.etag, app.caseworker_id).await.unwrap();
    refused_caseworker(&expect_status(refused, StatusCode::UNPROCESSABLE_ENTITY).await);
    let reassigned = put(&target, &flow.etag, app.other_caseworker_id)
        .await
        .unwrap();
    let reassigned = expect_status(reassigned, StatusCode::OK).await;
    assert_eq!(reassigned["caseworker_id"], json!(app.other_caseworker_id));
    assert_eq!(reassigned["responsible_office_id"], json!(app.other_office));
    app.stop().await;
}
