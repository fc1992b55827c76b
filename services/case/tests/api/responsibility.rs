//! Who leads a case: an active youth office the directory knows, and a caseworker the directory
//! lists as that office's staff. The tests try to open and reassign cases against these rules,
//! with the directory's events arriving through the broker.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use serde_json::{Value, json};
use uuid::Uuid;

const DIRECTORY: &str = "/qmf/directory";

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

async fn open_as(caller: &Caller, draft: &Value) -> Reply {
    caller.post("/v1/cases").json(draft).send().await
}

/// Updates the base data of case `id` at `version` as the office's caseworker.
async fn update(app: &TestApp, id: &str, version: i64, draft: &Value) -> Reply {
    app.as_(caseworker())
        .put(&format!("/v1/cases/{id}"))
        .if_match(format!("\"{version}\""))
        .json(draft)
        .send()
        .await
}

/// Reassigns case `id` at `version` to `caseworker` and asserts that it took.
async fn reassign(app: &TestApp, id: &str, version: i64, caseworker: Uuid) {
    let reassigned = update(app, id, version, &draft_with(caseworker)).await;
    assert_eq!(
        reassigned.expect(StatusCode::OK)["caseworker_id"],
        json!(caseworker)
    );
}

/// Applies `directory.person.<change>.v1` for a person of `organization`, as the directory
/// publishes it.
async fn person_event(app: &TestApp, change: &str, id: Uuid, organization: Uuid, version: i32) {
    let event_type = format!("directory.person.{change}.v1");
    app.apply_event(DIRECTORY, &event_type, person(id, organization, version))
        .await;
}

/// Asserts the refusal of a caseworker who may not lead the case.
#[track_caller]
fn refused_caseworker(reply: Reply) {
    reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        reply.body["errors"][0]["pointer"], "/caseworker_id",
        "{}",
        reply.body
    );
}

#[tokio::test]
async fn only_an_active_youth_office_known_to_the_directory_opens_cases() {
    let app = spawn().await;
    // Office roles in a token do not make its organisation a youth office: an institution, an
    // organisation the directory never announced.
    let unknown = Uuid::now_v7();
    for (role, org) in [
        ("caseworker", PROVIDER),
        ("youth_office_staff", PROVIDER),
        ("service", PROVIDER_WITHOUT_AGREEMENT),
        ("caseworker", unknown),
        ("youth_office_staff", unknown),
    ] {
        let intruder = app.as_(Persona::role(role).of(org).subject("intruder"));
        open_as(&intruder, &case_draft())
            .await
            .expect_conflict("case_requires_active_youth_office");
        intruder
            .put("/v1/cases/by-external-id/okjug/2026-000777")
            .json(&case_draft())
            .send()
            .await
            .expect_conflict("case_requires_active_youth_office");
    }
    assert!(app.sql("SELECT id FROM cases").await.is_empty());

    // A youth office and its caseworker become known through the directory's events.
    let office = Uuid::now_v7();
    let caseworker = Uuid::now_v7();
    let cw = app.as_(Persona::caseworker().of(office).subject("cw-hok"));
    let draft = draft_with(caseworker);
    person_event(&app, "registered", caseworker, office, 1).await;
    open_as(&cw, &draft)
        .await
        .expect_conflict("case_requires_active_youth_office");
    app.apply_event(
        DIRECTORY,
        "directory.organization.registered.v1",
        organization(office, "youth_office", 1),
    )
    .await;
    let opened = open_as(&cw, &draft).await;
    assert_eq!(
        opened.expect(StatusCode::CREATED)["responsible_office_id"],
        json!(office)
    );

    // Deactivated, the office opens no more cases; a late snapshot of an older version does not
    // bring it back.
    app.apply_event(
        DIRECTORY,
        "directory.organization.deactivated.v1",
        json!({"id": office, "deactivated_at": "2026-11-23T10:00:00Z", "version": 2}),
    )
    .await;
    open_as(&cw, &draft)
        .await
        .expect_conflict("case_requires_active_youth_office");
    app.apply_event(
        DIRECTORY,
        "directory.organization.updated.v1",
        organization(office, "youth_office", 1),
    )
    .await;
    open_as(&cw, &draft).await.expect(StatusCode::CONFLICT);
    assert_eq!(app.sql("SELECT id FROM cases").await.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn a_case_is_led_only_by_a_caseworker_of_its_office() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    // Another office's caseworker, an id the directory never announced, an organisation's id.
    for caseworker in [OTHER_CASEWORKER, Uuid::now_v7(), OFFICE] {
        refused_caseworker(open_as(&cw, &draft_with(caseworker)).await);
        let by_external_id = cw
            .put("/v1/cases/by-external-id/okjug/2026-000778")
            .json(&draft_with(caseworker))
            .send()
            .await;
        refused_caseworker(by_external_id);
    }
    // The other office cannot name this office's caseworker either.
    refused_caseworker(open_as(&app.as_(other_office_staff()), &draft_with(CASEWORKER)).await);
    assert!(app.sql("SELECT id FROM cases").await.is_empty());

    // Reassigning the case follows the same rule.
    let id = id(&open_case(&app).await);
    refused_caseworker(update(&app, &id, 1, &draft_with(OTHER_CASEWORKER)).await);
    let second = Uuid::now_v7();
    person_event(&app, "registered", second, OFFICE, 3).await;
    reassign(&app, &id, 1, second).await;

    // Deactivated in the directory, the caseworker leads no case any more; a late snapshot of
    // an older version does not make them active again.
    app.apply_event(
        DIRECTORY,
        "directory.person.deactivated.v1",
        json!({"id": second, "organization_id": OFFICE, "active_until": "2026-11-30", "version": 4}),
    )
    .await;
    let mut changed = draft_with(second);
    changed["help_kind"] = json!("day_group");
    refused_caseworker(update(&app, &id, 2, &changed).await);
    person_event(&app, "updated", second, OFFICE, 3).await;
    refused_caseworker(update(&app, &id, 2, &changed).await);

    // Someone who moved to another office is no longer this office's caseworker.
    let mover = Uuid::now_v7();
    person_event(&app, "registered", mover, OFFICE, 1).await;
    person_event(&app, "updated", mover, OTHER_OFFICE, 2).await;
    refused_caseworker(update(&app, &id, 2, &draft_with(mover)).await);

    // A snapshot from the directory's republish brings in a person the service had missed.
    let missed = Uuid::now_v7();
    person_event(&app, "updated", missed, OFFICE, 7).await;
    reassign(&app, &id, 2, missed).await;
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
    let cw = app.as_(caseworker());
    let mut flow = Flow::open(&app).await;
    flow.command(
        &cw,
        "/transfer",
        Some(json!({"to_office_id": OTHER_OFFICE, "reason": "Umzug nach Schwäbisch Hall"})),
        StatusCode::OK,
    )
    .await;
    let target = app.as_(other_office_staff());
    let path = flow.path("");
    let put = |etag: &str, caseworker: Uuid| {
        target
            .put(&path)
            .if_match(etag)
            .json(&draft_with(caseworker))
            .send()
    };
    // Offered the case, the receiving office reads it but does not rewrite its base data.
    put(flow.etag(), OTHER_CASEWORKER)
        .await
        .expect(StatusCode::FORBIDDEN);

    flow.command(&target, "/transfer/accept", None, StatusCode::OK)
        .await;
    // The former office's caseworker does not lead a case of the receiving office.
    refused_caseworker(put(flow.etag(), CASEWORKER).await);
    let reassigned = put(flow.etag(), OTHER_CASEWORKER).await;
    let reassigned = reassigned.expect(StatusCode::OK);
    assert_eq!(reassigned["caseworker_id"], json!(OTHER_CASEWORKER));
    assert_eq!(reassigned["responsible_office_id"], json!(OTHER_OFFICE));
    app.stop().await;
}
