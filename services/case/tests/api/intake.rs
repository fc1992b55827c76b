//! Opening, reading, listing, updating and syncing cases; data protection of the base data.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use serde_json::json;

#[tokio::test]
async fn a_case_is_opened_read_and_updated_by_its_office() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let created = open_case(&app).await;
    assert_eq!(created["phase"], "intake");
    assert_eq!(created["responsible_office_id"], OFFICE.to_string());
    assert_eq!(created["young_person"]["given_name"], "Mia");
    let path = format!("/v1/cases/{}", id(&created));

    let read = cw.get(&path).send().await;
    assert_eq!(read.etag(), "\"1\"");
    let body = read.expect(StatusCode::OK);
    assert_eq!(body["custody_holders"][0]["phone"], "+49 7131 555-0101");

    let mut draft = case_draft();
    draft["help_kind"] = json!("day_group");
    cw.put(&path)
        .if_match("\"7\"")
        .json(&draft)
        .send()
        .await
        .expect(StatusCode::PRECONDITION_FAILED);
    cw.put(&path)
        .json(&draft)
        .send()
        .await
        .expect(StatusCode::PRECONDITION_REQUIRED);
    let updated = cw.put(&path).if_match("\"1\"").json(&draft).send().await;
    let updated = updated.expect(StatusCode::OK);
    assert_eq!(updated["help_kind"], "day_group");
    assert_eq!(updated["version"], 2);

    let timeline = cw.get(&format!("{path}/timeline")).send().await;
    assert_eq!(
        steps(timeline.expect(StatusCode::OK)),
        ["opened", "base_data_updated"]
    );
    app.stop().await;
}

#[tokio::test]
async fn other_offices_institutions_and_the_coordination_cannot_read_a_case() {
    let app = spawn().await;
    let path = format!("/v1/cases/{}", id(&open_case(&app).await));
    for persona in [other_office_staff(), provider_staff()] {
        let caller = app.as_(persona);
        caller.get(&path).send().await.expect(StatusCode::NOT_FOUND);
        let list = caller.get("/v1/cases").send().await;
        assert_eq!(list.expect(StatusCode::OK)["items"], json!([]));
    }
    for role in ["coordinator", "admin", "auditor", "trainer"] {
        app.as_(Persona::role(role).of(OFFICE))
            .get(&path)
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
    }
    app.as_(Persona::caseworker())
        .get("/v1/cases")
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    // Institutions cannot open cases.
    app.as_(provider_staff())
        .post("/v1/cases")
        .json(&case_draft())
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    app.stop().await;
}

#[tokio::test]
async fn personal_data_is_encrypted_at_rest_and_absent_from_events() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let created = open_case(&app).await;
    let rows = app
        .sql("SELECT encode(personal_data, 'escape') AS data, personal_key_id FROM cases")
        .await;
    let stored = rows[0]["data"].as_str().unwrap();
    assert!(
        !stored.contains("Mia") && !stored.contains("Beispiel") && !stored.contains("2014-03-02")
    );
    assert_eq!(rows[0]["personal_key_id"], "test");

    let events = app.expect_events(&mut probe, &["case.opened.v1"]).await;
    let event = &events[0];
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
    let cw = app.as_(caseworker());
    let id = id(&open_case(&app).await);
    cw.get(&format!("/v1/cases/{id}")).send().await;
    cw.get("/v1/cases").send().await;
    // A forbidden read leaves no case access behind, only the record of its refusal.
    app.as_(other_office_staff())
        .get(&format!("/v1/cases/{id}"))
        .send()
        .await;
    let actions: Vec<String> = app
        .sql(&format!(
            "SELECT action, subject, outcome FROM audit_log \
             WHERE case_id = '{id}' OR case_ids @> ARRAY['{id}'::uuid] ORDER BY id"
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

    for statement in [
        "UPDATE audit_log SET action = 'x'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
    ] {
        let refused = app.try_execute(statement).await;
        assert!(refused.is_err(), "{statement} must be refused");
    }
    app.stop().await;
}

#[tokio::test]
async fn upsert_by_external_id_is_idempotent_and_scoped_to_the_office() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let path = "/v1/cases/by-external-id/okjug/2026-000123";
    let first = cw.put(path).json(&case_draft()).send().await;
    let first = first.expect(StatusCode::CREATED);
    assert_eq!(first["external_ids"]["okjug"], "2026-000123");
    let again = cw.put(path).json(&case_draft()).send().await;
    let again = again.expect(StatusCode::OK);
    assert_eq!(again["id"], first["id"]);
    assert_eq!(again["version"], 1);

    let mut changed = case_draft();
    changed["help_kind"] = json!("counselling");
    cw.put(path)
        .json(&changed)
        .send()
        .await
        .expect(StatusCode::PRECONDITION_REQUIRED);
    let with = cw.put(path).if_match("\"1\"").json(&changed).send().await;
    assert_eq!(with.expect(StatusCode::OK)["version"], 2);

    let found = cw.get(path).send().await;
    assert_eq!(found.expect(StatusCode::OK)["id"], first["id"]);
    app.as_(other_office_staff())
        .get(path)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    assert_eq!(app.sql("SELECT id FROM cases").await.len(), 1);
    let list = cw.get("/v1/cases").send().await;
    assert_eq!(
        list.expect(StatusCode::OK)["items"][0]["external_ids"]["okjug"],
        "2026-000123"
    );
    app.stop().await;
}

#[tokio::test]
async fn incremental_sync_pages_in_change_order() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let since = chrono::Utc::now() - chrono::Duration::seconds(5);
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(id(&open_case(&app).await));
    }
    // Touch the first case: it moves to the end of the change order.
    let mut draft = case_draft();
    draft["help_kind"] = json!("counselling");
    cw.put(&format!("/v1/cases/{}", ids[0]))
        .if_match("\"1\"")
        .json(&draft)
        .send()
        .await;
    app.settle_writes().await;

    let query = format!(
        "/v1/cases?limit=2&modified_since={}",
        since.to_rfc3339().replace('+', "%2B")
    );
    let seen = cw.list_ids(&query).await;
    let mut expected = ids[1..].to_vec();
    expected.push(ids[0].clone());
    assert_eq!(seen, expected);
    app.stop().await;
}

/// One sync run over the caseworker's cases (see `Caller::sync`); returns the ids handed out.
async fn sync_cases(app: &TestApp, since: &str, cursor: &mut Option<String>) -> Vec<String> {
    app.as_(caseworker())
        .sync("/v1/cases", since, 2, cursor)
        .await
        .iter()
        .map(id)
        .collect()
}

/// Syncs until at least `n` cases were handed out (writers of other tests on the cluster may
/// hold changes back for a moment), at most 10 s.
async fn sync_at_least(
    app: &TestApp,
    since: &str,
    cursor: &mut Option<String>,
    n: usize,
) -> Vec<String> {
    let mut seen = Vec::new();
    for _ in 0..200 {
        seen.extend(sync_cases(app, since, cursor).await);
        if seen.len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    seen
}

#[tokio::test]
async fn a_case_change_committing_after_a_later_one_is_not_passed_over() {
    use diesel_async::RunQueryDsl as _;
    let app = spawn().await;
    let since = (chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    let early = id(&open_case(&app).await);
    let late = id(&open_case(&app).await);
    let mut cursor = None;
    let seen = sync_at_least(&app, &since, &mut cursor, 2).await;
    assert_eq!(seen, vec![early.clone(), late.clone()]);

    // A writer changes the early case first and commits last (as a slow command would).
    let mut writer = app.connection().await;
    diesel::sql_query("BEGIN")
        .execute(&mut writer)
        .await
        .unwrap();
    diesel::sql_query(
        "UPDATE cases SET version = version + 1, change_seq = nextval('case_change_seq'), \
         change_xid = pg_current_xact_id()::text::bigint, updated_at = now() WHERE id = $1::uuid",
    )
    .bind::<diesel::sql_types::Text, _>(&early)
    .execute(&mut writer)
    .await
    .unwrap();
    let mut draft = case_draft();
    draft["help_kind"] = json!("counselling");
    app.as_(caseworker())
        .put(&format!("/v1/cases/{late}"))
        .if_match("\"1\"")
        .json(&draft)
        .send()
        .await
        .expect(StatusCode::OK);
    assert!(
        sync_cases(&app, &since, &mut cursor).await.is_empty(),
        "a change behind a running writer was handed out"
    );
    diesel::sql_query("COMMIT")
        .execute(&mut writer)
        .await
        .unwrap();
    let mut seen = sync_at_least(&app, &since, &mut cursor, 2).await;
    seen.sort();
    let mut expected = vec![early, late];
    expected.sort();
    assert_eq!(seen, expected, "each change once");
    assert!(sync_cases(&app, &since, &mut cursor).await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn case_data_is_validated_with_pointers() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let mut draft = case_draft();
    draft["young_person"]["date_of_birth"] = json!("2099-01-01");
    draft["custody_holders"][0]["given_name"] = json!(" ");
    draft["help_kind"] = json!("family_help");
    cw.post("/v1/cases")
        .json(&draft)
        .send()
        .await
        .expect_validation(&[
            "/young_person/date_of_birth",
            "/custody_holders/0/given_name",
        ]);
    draft = case_draft();
    draft["help_kind"] = json!("homework_club");
    let problem = cw.post("/v1/cases").json(&draft).send().await;
    let problem = problem.expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["pointer"], "/help_kind");
    app.stop().await;
}

#[tokio::test]
async fn a_request_whose_audit_record_fails_fails_too() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let id = id(&open_case(&app).await);
    // Make the audit log refuse new rows, as a full disk or a broken grant would.
    app.execute(
        "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit storage unavailable'; END; $$",
    )
    .await;
    app.execute("CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit()")
        .await;
    let read = cw.get(&format!("/v1/cases/{id}")).send().await;
    let problem = read.expect(StatusCode::INTERNAL_SERVER_ERROR);
    assert!(problem.get("young_person").is_none());
    assert!(!problem.to_string().contains("Mia"));
    cw.post("/v1/cases")
        .json(&case_draft())
        .send()
        .await
        .expect(StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        app.sql("SELECT id FROM cases").await.len(),
        1,
        "the write was rolled back with its audit record"
    );
    app.stop().await;
}
