//! Retention, outcome statistics, the audit log endpoint and idempotent commands.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use qmf_case::domain::retention::RetentionSettings;
use qmf_testkit::eventually;
use serde_json::json;

#[tokio::test]
async fn closed_cases_are_archived_then_erased_keeping_anonymous_figures() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let flow = Flow::full_help(&app, [4, 5], "planned").await;
    let path = flow.path("");
    let id = flow.id;
    let settings = RetentionSettings {
        archive_after_days: 30,
        erase_after_years: 10,
        retain_until_age: 30,
    };
    let retention = async |day: chrono::NaiveDate| {
        qmf_case::retention::run(app.pool(), settings, day)
            .await
            .unwrap()
    };

    // Nothing is due yet.
    let run = retention(today()).await;
    assert_eq!((run.archived, run.erased), (0, 0));

    // Forty days later the case is archived: readable only with the archive role.
    let run = retention(today() + chrono::Duration::days(40)).await;
    assert_eq!((run.archived, run.erased), (1, 0));
    cw.get(&path).send().await.expect(StatusCode::NOT_FOUND);
    let archivist = app.as_(Persona::roles(&["caseworker", "archivist"]).of(OFFICE));
    let archived = archivist.get(&path).send().await;
    let archived = archived.expect(StatusCode::OK);
    assert_eq!(archived["archived"], true);
    assert_eq!(archived["young_person"]["given_name"], "Mia");
    app.as_(Persona::roles(&["caseworker", "archivist"]).of(OTHER_OFFICE))
        .get(&path)
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    // Archived cases are read-only.
    archivist
        .post(&format!("{path}/reopen"))
        .if_match(format!("\"{}\"", archived["version"]))
        .json(&json!({"reason": "x"}))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);

    // Erasure waits for both periods: eleven years later the young person (born 2014) is 23.
    let run = retention(today() + chrono::Duration::days(11 * 366)).await;
    assert_eq!(run.erased, 0);
    let run = retention(today() + chrono::Duration::days(20 * 366)).await;
    assert_eq!(run.erased, 1);

    let erased = archivist.get(&path).send().await;
    let erased = erased.expect(StatusCode::OK);
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
    assert_eq!(column(&audit, "action"), ["case.archive", "case.erase"]);
    app.stop().await;
}

#[tokio::test]
async fn retention_and_the_idempotency_purge_run_as_recorded_jobs() {
    let app = spawn().await;
    // Both jobs are new to the database, so they are due at once.
    let query = "SELECT job_name, outcome, summary FROM job_runs \
                 WHERE finished_at IS NOT NULL ORDER BY job_name";
    let runs = {
        let app = &app;
        eventually("both jobs have run", || async move {
            let runs = app.sql(query).await;
            (runs.len() >= 2).then_some(runs)
        })
        .await
    };
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
    let cw = app.as_(caseworker());
    let mut other = case_draft();
    other["help_kind"] = json!("day_group");
    let created = cw.post("/v1/cases").json(&other).send().await;
    let mut flow = Flow::of(created.expect(StatusCode::CREATED));
    flow.agree_plan(&app).await;

    let coordinator = app.as_(Persona::coordinator());
    let stats = coordinator.get("/v1/statistics/outcomes").send().await;
    let stats = stats.expect(StatusCode::OK);
    let groups = stats.as_array().unwrap();
    assert_eq!(groups.len(), 1, "only closed helps count: {stats}");
    assert_eq!(groups[0]["help_kind"], "family_help");
    assert_eq!(groups[0]["cases"], 5);
    assert_eq!(groups[0]["planned_end_share"], 0.8);
    assert_eq!(groups[0]["goal_attainment"], 3.0);
    assert_eq!(groups[0]["mean_duration_days"], 0.0);

    // Close the day-group help too: its group of one is suppressed.
    flow.start_end_and_close(
        &cw,
        [1, 1],
        "unplanned",
        "ended_by_family",
        json!({"summary": "Abbruch", "satisfaction_young_person": 2, "satisfaction_parents": 1, "follow_up": "none"}),
    )
    .await;
    let stats = coordinator.get("/v1/statistics/outcomes").send().await;
    let small = stats
        .expect(StatusCode::OK)
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["help_kind"] == "day_group")
        .unwrap();
    assert_eq!(small["suppressed"], true);
    assert!(small["cases"].is_null() && small["goal_attainment"].is_null());

    coordinator
        .get("/v1/statistics/outcomes?from=2026-02-01&to=2026-01-01")
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    for persona in [caseworker(), provider_staff(), Persona::auditor()] {
        app.as_(persona)
            .get("/v1/statistics/outcomes")
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
    }
    app.stop().await;
}

#[tokio::test]
async fn only_auditors_read_the_audit_log() {
    let app = spawn().await;
    let id = id(&open_case(&app).await);
    app.as_(caseworker())
        .get(&format!("/v1/cases/{id}"))
        .send()
        .await;
    let auditor = app.as_(Persona::auditor());
    let page = auditor
        .get(&format!("/v1/audit-log?case_id={id}&limit=1"))
        .send()
        .await;
    let page = page.expect(StatusCode::OK);
    assert_eq!(page["items"][0]["action"], "case.open");
    let cursor = page["next_cursor"].as_str().unwrap();
    let next = auditor
        .get(&format!("/v1/audit-log?case_id={id}&cursor={cursor}"))
        .send()
        .await;
    let next = next.expect(StatusCode::OK);
    assert_eq!(next["items"][0]["action"], "case.read");
    assert_eq!(next["items"][0]["subject"], "caseworker-1");
    // A listed page is one row naming its cases; asking for the case finds it.
    app.as_(caseworker())
        .get("/v1/cases")
        .send()
        .await
        .expect(StatusCode::OK);
    let all = auditor
        .get(&format!("/v1/audit-log?case_id={id}"))
        .send()
        .await;
    let all = all.expect(StatusCode::OK);
    let listed = &all["items"][2];
    assert_eq!(listed["action"], "case.list");
    assert!(listed["case_id"].is_null());
    assert_eq!(listed["case_ids"], serde_json::json!([id]));
    for role in ["caseworker", "coordinator", "admin", "institution_staff"] {
        app.as_(Persona::role(role).of(OFFICE))
            .get("/v1/audit-log")
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
    }
    app.stop().await;
}

#[tokio::test]
async fn repeated_posts_with_one_idempotency_key_open_one_case() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let send = |draft: serde_json::Value| {
        cw.post("/v1/cases")
            .idempotency_key("open-42")
            .json(&draft)
            .send()
    };
    let first = send(case_draft()).await;
    let second = send(case_draft()).await;
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        first.expect(StatusCode::CREATED)["id"],
        second.expect(StatusCode::CREATED)["id"]
    );
    assert_eq!(app.sql("SELECT id FROM cases").await.len(), 1);
    let mut other = case_draft();
    other["help_kind"] = json!("counselling");
    send(other)
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    app.stop().await;
}
