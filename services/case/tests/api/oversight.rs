//! Retention, outcome statistics, the audit log endpoint and idempotent commands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use qmf_case::domain::retention::RetentionSettings;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn closed_cases_are_archived_then_erased_keeping_anonymous_figures() {
    let app = spawn().await;
    let cw = app.caseworker();
    let flow = Flow::full_help(&app, [4, 5], "planned").await;
    let id = flow.id.clone();
    let pool = app.db.pool(2);
    let today = chrono::Utc::now().date_naive();
    let settings = RetentionSettings {
        archive_after_days: 30,
        erase_after_years: 10,
        retain_until_age: 30,
    };

    // Nothing is due yet.
    let run = qmf_case::retention::run(&pool, settings, today)
        .await
        .unwrap();
    assert_eq!((run.archived, run.erased), (0, 0));

    // Forty days later the case is archived: readable only with the archive role.
    let later = today + chrono::Duration::days(40);
    let run = qmf_case::retention::run(&pool, settings, later)
        .await
        .unwrap();
    assert_eq!((run.archived, run.erased), (1, 0));
    expect_status(
        app.get(&format!("/v1/cases/{id}"), &cw)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let archivist = qmf_testkit::auth::token(&["caseworker", "archivist"], Some(app.office));
    let archived = expect_status(
        app.get(&format!("/v1/cases/{id}"), &archivist)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(archived["archived"], true);
    assert_eq!(archived["young_person"]["given_name"], "Mia");
    let other_archivist =
        qmf_testkit::auth::token(&["caseworker", "archivist"], Some(app.other_office));
    expect_status(
        app.get(&format!("/v1/cases/{id}"), &other_archivist)
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    // Archived cases are read-only.
    let reopen = app
        .post(&format!("/v1/cases/{id}/reopen"), &archivist)
        .header("If-Match", format!("\"{}\"", archived["version"]))
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .unwrap();
    expect_status(reopen, StatusCode::NOT_FOUND).await;

    // Erasure waits for both periods: eleven years later the young person (born 2014) is 23.
    let eleven_years = today + chrono::Duration::days(11 * 366);
    let run = qmf_case::retention::run(&pool, settings, eleven_years)
        .await
        .unwrap();
    assert_eq!(run.erased, 0);
    let twenty_years = today + chrono::Duration::days(20 * 366);
    let run = qmf_case::retention::run(&pool, settings, twenty_years)
        .await
        .unwrap();
    assert_eq!(run.erased, 1);

    let erased = expect_status(
        app.get(&format!("/v1/cases/{id}"), &archivist)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert!(erased["young_person"].is_null() && erased["custody_holders"].is_null());
    assert_eq!(erased["help_kind"], "family_help");
    let rows = app
        .sql(&format!(
            "SELECT personal_data IS NULL AS gone, birth_year FROM cases WHERE id = '{id}'"
        ))
        .await;
    assert_eq!(rows[0]["gone"], true);
    assert_eq!(rows[0]["birth_year"], 2014);
    let documents = app.sql(&format!("SELECT count(*) AS left FROM case_documents WHERE case_id = '{id}' AND content IS NOT NULL")).await;
    assert_eq!(documents[0]["left"], 0);
    let ratings = app.sql(&format!("SELECT count(*) AS kept FROM goal_ratings g JOIN reviews r ON r.id = g.review_id WHERE r.case_id = '{id}'")).await;
    assert_eq!(
        ratings[0]["kept"], 2,
        "ratings stay for anonymous statistics"
    );
    let audit = app.sql(&format!("SELECT action FROM audit_log WHERE case_id = '{id}' AND subject = 'retention-job' ORDER BY id")).await;
    let actions: Vec<&str> = audit
        .iter()
        .map(|r| r["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, vec!["case.archive", "case.erase"]);
    app.stop().await;
}

#[tokio::test]
async fn retention_and_the_idempotency_purge_run_as_recorded_jobs() {
    let app = spawn().await;
    // Both jobs are new to the database, so they are due at once.
    let query = "SELECT job_name, outcome, summary FROM job_runs \
                 WHERE finished_at IS NOT NULL ORDER BY job_name";
    let mut runs = Vec::new();
    for _ in 0..200 {
        runs = app.sql(query).await;
        if runs.len() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        runs,
        vec![
            json!({"job_name": "case.retention", "outcome": "ok",
                   "summary": "0 cases archived, 0 cases erased"}),
            json!({"job_name": "idempotency.purge", "outcome": "ok",
                   "summary": "0 expired idempotency keys deleted"}),
        ]
    );
    // The next runs are due an hour later (the default interval).
    let due = app
        .sql("SELECT name FROM jobs WHERE next_run_at > now() + interval '59 minutes'")
        .await;
    assert_eq!(due.len(), 2);
    app.stop().await;
}

#[tokio::test]
async fn outcome_statistics_suppress_small_groups_and_are_for_the_coordination_only() {
    let app = spawn().await;
    for i in 0..5 {
        let kind = if i < 4 { "planned" } else { "unplanned" };
        Flow::full_help(&app, [4, 2], kind).await;
    }
    // A single help of another kind: a group of one, suppressed.
    let cw = app.caseworker();
    let mut other = case_draft();
    other["help_kind"] = json!("day_group");
    let created = expect_status(
        app.post("/v1/cases", &cw)
            .json(&other)
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    let mut flow = Flow {
        app: &app,
        id: created["id"].as_str().unwrap().to_string(),
        etag: "\"1\"".into(),
    };
    flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;
    flow.command(
        &cw,
        "/plans",
        Some(plan(&app.provider.to_string())),
        StatusCode::OK,
    )
    .await;
    flow.command(
        &app.provider_staff(),
        "/plans/1/accept",
        Some(json!({})),
        StatusCode::OK,
    )
    .await;

    let coordinator = qmf_testkit::auth::token(&["coordinator"], None);
    let stats = expect_status(
        app.get("/v1/statistics/outcomes", &coordinator)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let groups = stats.as_array().unwrap();
    assert_eq!(groups.len(), 1, "only closed helps count: {stats}");
    assert_eq!(groups[0]["help_kind"], "family_help");
    assert_eq!(groups[0]["cases"], 5);
    assert_eq!(groups[0]["planned_end_share"], 0.8);
    assert_eq!(groups[0]["goal_attainment"], 3.0);
    assert_eq!(groups[0]["mean_duration_days"], 0.0);

    // Close the day-group help too: its group of one is suppressed.
    let today = chrono::Utc::now().date_naive();
    flow.command(
        &cw,
        "/help-start",
        Some(json!({"started_on": today})),
        StatusCode::OK,
    )
    .await;
    let goals: Vec<String> = flow.overview(&cw).await["current_plan"]["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect();
    let end = json!({"ended_on": today, "end_kind": "unplanned", "end_reason": "ended_by_family",
        "final_ratings": [{"goal_id": goals[0], "rating": 1}, {"goal_id": goals[1], "rating": 1}],
        "participation": participation(),
        "document": {"content": {"summary": "Abbruch", "satisfaction_young_person": 2, "satisfaction_parents": 1, "follow_up": "none"}}});
    flow.command(&cw, "/help-end", Some(end), StatusCode::OK)
        .await;
    flow.command(&cw, "/close", None, StatusCode::OK).await;
    let stats = expect_status(
        app.get("/v1/statistics/outcomes", &coordinator)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let small = stats
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["help_kind"] == "day_group")
        .unwrap();
    assert_eq!(small["suppressed"], true);
    assert!(small["cases"].is_null() && small["goal_attainment"].is_null());

    let reversed = app
        .get(
            "/v1/statistics/outcomes?from=2026-02-01&to=2026-01-01",
            &coordinator,
        )
        .send()
        .await
        .unwrap();
    expect_status(reversed, StatusCode::UNPROCESSABLE_ENTITY).await;
    for token in [
        cw.clone(),
        app.provider_staff(),
        qmf_testkit::auth::token(&["auditor"], None),
    ] {
        expect_status(
            app.get("/v1/statistics/outcomes", &token)
                .send()
                .await
                .unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    app.stop().await;
}

#[tokio::test]
async fn only_auditors_read_the_audit_log() {
    let app = spawn().await;
    let id = app.open_case().await["id"].as_str().unwrap().to_string();
    app.get(&format!("/v1/cases/{id}"), &app.caseworker())
        .send()
        .await
        .unwrap();
    let auditor = qmf_testkit::auth::token(&["auditor"], None);
    let page = expect_status(
        app.get(&format!("/v1/audit-log?case_id={id}&limit=1"), &auditor)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(page["items"][0]["action"], "case.open");
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = expect_status(
        app.get(
            &format!("/v1/audit-log?case_id={id}&cursor={cursor}"),
            &auditor,
        )
        .send()
        .await
        .unwrap(),
        StatusCode::OK,
    )
    .await;
    assert_eq!(next["items"][0]["action"], "case.read");
    assert_eq!(next["items"][0]["subject"], "caseworker-1");
    for role in ["caseworker", "coordinator", "admin", "institution_staff"] {
        let token = qmf_testkit::auth::token(&[role], Some(app.office));
        expect_status(
            app.get("/v1/audit-log", &token).send().await.unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    app.stop().await;
}

#[tokio::test]
async fn repeated_posts_with_one_idempotency_key_open_one_case() {
    let app = spawn().await;
    let cw = app.caseworker();
    let send = || {
        app.post("/v1/cases", &cw)
            .header("Idempotency-Key", "open-42")
            .json(&case_draft())
            .send()
    };
    let first = expect_status(send().await.unwrap(), StatusCode::CREATED).await;
    let second = send().await.unwrap();
    assert_eq!(second.headers()["idempotent-replayed"], "true");
    let second = expect_status(second, StatusCode::CREATED).await;
    assert_eq!(first["id"], second["id"]);
    assert_eq!(app.sql("SELECT id FROM cases").await.len(), 1);
    let mut other = case_draft();
    other["help_kind"] = json!("counselling");
    let reused = app
        .post("/v1/cases", &cw)
        .header("Idempotency-Key", "open-42")
        .json(&other)
        .send()
        .await
        .unwrap();
    let problem = expect_status(reused, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(
        problem["type"]
            .as_str()
            .unwrap()
            .ends_with("idempotency-key-reused")
    );
    app.stop().await;
}
