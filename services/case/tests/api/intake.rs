//! Opening, reading, listing, updating and syncing cases; data protection of the base data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_case_is_opened_read_and_updated_by_its_office() {
    let app = spawn().await;
    let created = app.open_case().await;
    assert_eq!(created["phase"], "intake");
    assert_eq!(created["responsible_office_id"], app.office.to_string());
    assert_eq!(created["young_person"]["given_name"], "Mia");
    let id = created["id"].as_str().unwrap().to_string();

    let response = app
        .get(&format!("/v1/cases/{id}"), &app.caseworker())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"1\"");
    let read = expect_status(response, StatusCode::OK).await;
    assert_eq!(read["custody_holders"][0]["phone"], "+49 7131 555-0101");

    let mut draft = case_draft();
    draft["help_kind"] = json!("day_group");
    let stale = app
        .put(&format!("/v1/cases/{id}"), &app.caseworker())
        .header("If-Match", "\"7\"")
        .json(&draft)
        .send()
        .await
        .unwrap();
    expect_status(stale, StatusCode::PRECONDITION_FAILED).await;
    let missing = app
        .put(&format!("/v1/cases/{id}"), &app.caseworker())
        .json(&draft)
        .send()
        .await
        .unwrap();
    expect_status(missing, StatusCode::PRECONDITION_REQUIRED).await;
    let updated = app
        .put(&format!("/v1/cases/{id}"), &app.caseworker())
        .header("If-Match", "\"1\"")
        .json(&draft)
        .send()
        .await
        .unwrap();
    let updated = expect_status(updated, StatusCode::OK).await;
    assert_eq!(updated["help_kind"], "day_group");
    assert_eq!(updated["version"], 2);

    let timeline = app
        .get(&format!("/v1/cases/{id}/timeline"), &app.caseworker())
        .send()
        .await
        .unwrap();
    let timeline = expect_status(timeline, StatusCode::OK).await;
    let steps: Vec<&str> = timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap())
        .collect();
    assert_eq!(steps, vec!["opened", "base_data_updated"]);
    app.stop().await;
}

#[tokio::test]
async fn other_offices_institutions_and_the_coordination_cannot_read_a_case() {
    let app = spawn().await;
    let id = app.open_case().await["id"].as_str().unwrap().to_string();
    for token in [app.other_office_staff(), app.provider_staff()] {
        let response = app
            .get(&format!("/v1/cases/{id}"), &token)
            .send()
            .await
            .unwrap();
        expect_status(response, StatusCode::NOT_FOUND).await;
        let list = app.get("/v1/cases", &token).send().await.unwrap();
        assert_eq!(
            expect_status(list, StatusCode::OK).await["items"],
            json!([])
        );
    }
    for role in ["coordinator", "admin", "auditor", "trainer"] {
        let token = qmf_testkit::auth::token(&[role], Some(app.office));
        let response = app
            .get(&format!("/v1/cases/{id}"), &token)
            .send()
            .await
            .unwrap();
        expect_status(response, StatusCode::FORBIDDEN).await;
    }
    let no_org = qmf_testkit::auth::token(&["caseworker"], None);
    expect_status(
        app.get("/v1/cases", &no_org).send().await.unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    // Institutions cannot open cases.
    let response = app
        .post("/v1/cases", &app.provider_staff())
        .json(&case_draft())
        .send()
        .await
        .unwrap();
    expect_status(response, StatusCode::FORBIDDEN).await;
    app.stop().await;
}

#[tokio::test]
async fn personal_data_is_encrypted_at_rest_and_absent_from_events() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let created = app.open_case().await;
    let rows = app
        .sql("SELECT encode(personal_data, 'escape') AS data, personal_key_id FROM cases")
        .await;
    let stored = rows[0]["data"].as_str().unwrap();
    assert!(
        !stored.contains("Mia") && !stored.contains("Beispiel") && !stored.contains("2014-03-02")
    );
    assert_eq!(rows[0]["personal_key_id"], "test");

    let event = probe
        .next(Duration::from_secs(10))
        .await
        .expect("case.opened.v1");
    assert_eq!(event["type"], "case.opened.v1");
    let text = event.to_string();
    for secret in [
        "Mia",
        "Beispiel",
        "2014-03-02",
        "Sandra",
        created["id"].as_str().unwrap(),
    ] {
        assert!(!text.contains(secret), "event leaks {secret}: {text}");
    }
    assert_eq!(event["data"]["help_kind"], "family_help");
    app.stop().await;
}

#[tokio::test]
async fn every_read_and_write_is_audited_and_the_audit_log_is_append_only() {
    let app = spawn().await;
    let id = app.open_case().await["id"].as_str().unwrap().to_string();
    app.get(&format!("/v1/cases/{id}"), &app.caseworker())
        .send()
        .await
        .unwrap();
    app.get("/v1/cases", &app.caseworker())
        .send()
        .await
        .unwrap();
    // A forbidden read leaves no case access behind, only the record of its refusal.
    app.get(&format!("/v1/cases/{id}"), &app.other_office_staff())
        .send()
        .await
        .unwrap();
    let actions: Vec<String> = app
        .sql(&format!(
            "SELECT action, subject, outcome FROM audit_log WHERE case_id = '{id}' ORDER BY id"
        ))
        .await
        .into_iter()
        .map(|r| {
            format!(
                "{}:{}:{}",
                r["subject"].as_str().unwrap(),
                r["action"].as_str().unwrap(),
                r["outcome"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        actions,
        vec![
            "caseworker-1:case.open:granted",
            "caseworker-1:case.read:granted",
            "caseworker-1:case.list:granted",
            "caseworker-2:case.read:refused"
        ]
    );

    let pool = app.db.pool(1);
    let mut conn = pool.get().await.unwrap();
    use diesel_async::RunQueryDsl;
    for statement in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let refused = diesel::sql_query(statement).execute(&mut conn).await;
        assert!(refused.is_err(), "{statement} must be refused");
    }
    app.stop().await;
}

#[tokio::test]
async fn upsert_by_external_id_is_idempotent_and_scoped_to_the_office() {
    let app = spawn().await;
    let path = "/v1/cases/by-external-id/okjug/2026-000123";
    let first = app
        .put(path, &app.caseworker())
        .json(&case_draft())
        .send()
        .await
        .unwrap();
    let first = expect_status(first, StatusCode::CREATED).await;
    assert_eq!(first["external_ids"]["okjug"], "2026-000123");
    let again = app
        .put(path, &app.caseworker())
        .json(&case_draft())
        .send()
        .await
        .unwrap();
    let again = expect_status(again, StatusCode::OK).await;
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["version"], 1);

    let mut changed = case_draft();
    changed["help_kind"] = json!("counselling");
    let without = app
        .put(path, &app.caseworker())
        .json(&changed)
        .send()
        .await
        .unwrap();
    expect_status(without, StatusCode::PRECONDITION_REQUIRED).await;
    let with = app
        .put(path, &app.caseworker())
        .header("If-Match", "\"1\"")
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(expect_status(with, StatusCode::OK).await["version"], 2);

    let found = app.get(path, &app.caseworker()).send().await.unwrap();
    assert_eq!(
        expect_status(found, StatusCode::OK).await["id"],
        first["id"]
    );
    let foreign = app
        .get(path, &app.other_office_staff())
        .send()
        .await
        .unwrap();
    expect_status(foreign, StatusCode::NOT_FOUND).await;
    assert_eq!(app.sql("SELECT id FROM cases").await.len(), 1);
    let list = expect_status(
        app.get("/v1/cases", &app.caseworker())
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(list["items"][0]["external_ids"]["okjug"], "2026-000123");
    app.stop().await;
}

#[tokio::test]
async fn incremental_sync_pages_in_change_order() {
    let app = spawn().await;
    let since = chrono::Utc::now() - chrono::Duration::seconds(5);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(app.open_case().await["id"].as_str().unwrap().to_string());
    }
    // Touch the first case: it moves to the end of the change order.
    let mut draft = case_draft();
    draft["help_kind"] = json!("counselling");
    app.put(&format!("/v1/cases/{}", ids[0]), &app.caseworker())
        .header("If-Match", "\"1\"")
        .json(&draft)
        .send()
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = app
            .get("/v1/cases", &app.caseworker())
            .query(&[("limit", "2"), ("modified_since", &since.to_rfc3339())]);
        if let Some(c) = &cursor {
            request = request.query(&[("cursor", c)]);
        }
        let page = expect_status(request.send().await.unwrap(), StatusCode::OK).await;
        seen.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_string()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let mut expected = ids[1..].to_vec();
    expected.push(ids[0].clone());
    assert_eq!(seen, expected);
    app.stop().await;
}

#[tokio::test]
async fn case_data_is_validated_with_pointers() {
    let app = spawn().await;
    let mut draft = case_draft();
    draft["young_person"]["date_of_birth"] = json!("2099-01-01");
    draft["custody_holders"][0]["given_name"] = json!(" ");
    draft["help_kind"] = json!("family_help");
    let response = app
        .post("/v1/cases", &app.caseworker())
        .json(&draft)
        .send()
        .await
        .unwrap();
    let problem = expect_status(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        vec![
            "/young_person/date_of_birth",
            "/custody_holders/0/given_name"
        ]
    );
    draft = case_draft();
    draft["help_kind"] = json!("homework_club");
    let response = app
        .post("/v1/cases", &app.caseworker())
        .json(&draft)
        .send()
        .await
        .unwrap();
    let problem = expect_status(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(problem["errors"][0]["pointer"], "/help_kind");
    app.stop().await;
}

#[tokio::test]
async fn a_request_whose_audit_record_fails_fails_too() {
    let app = spawn().await;
    let id = app.open_case().await["id"].as_str().unwrap().to_string();
    // Make the audit log refuse new rows, as a full disk or a broken grant would.
    {
        let pool = app.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        use diesel_async::RunQueryDsl;
        diesel::sql_query(
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage unavailable'; END; $$",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        diesel::sql_query("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let read = app
        .get(&format!("/v1/cases/{id}"), &app.caseworker())
        .send()
        .await
        .unwrap();
    let problem = expect_status(read, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert!(problem.get("young_person").is_none());
    assert!(!problem.to_string().contains("Mia"));
    let open = app
        .post("/v1/cases", &app.caseworker())
        .json(&case_draft())
        .send()
        .await
        .unwrap();
    expect_status(open, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(
        app.sql("SELECT id FROM cases").await.len(),
        1,
        "the write was rolled back with its audit record"
    );
    app.stop().await;
}
