//! The regional help process through the HTTP API: every command, its rules and its events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_case_runs_from_intake_to_close() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;

    let assessed = flow
        .command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;
    assert_eq!(assessed["phase"], "assessed");
    let agreed = flow
        .command(
            &cw,
            "/plans",
            Some(plan(&app.provider.to_string())),
            StatusCode::OK,
        )
        .await;
    assert_eq!(agreed["phase"], "plan_agreed");
    // The help cannot start before the provider accepted.
    let refused = flow
        .command(
            &cw,
            "/help-start",
            Some(json!({"started_on": "2026-01-15"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(refused["rule"], "help_start_requires_accepted_plan");

    let provider = app.provider_staff();
    let seen = flow.overview(&provider).await;
    assert_eq!(seen["proposed_plan"]["version"], 1);
    assert!(
        seen["case"]["custody_holders"][0]["phone"].is_null(),
        "institutions see no custody contact data"
    );
    assert_eq!(seen["case"]["custody_holders"][0]["given_name"], "Sandra");
    let accepted = flow
        .command(
            &provider,
            "/plans/1/accept",
            Some(json!({})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(accepted["phase"], "plan_agreed");

    let running = flow
        .command(
            &cw,
            "/help-start",
            Some(json!({"started_on": chrono::Utc::now().date_naive()})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(running["phase"], "help_running");
    let overview = flow.overview(&cw).await;
    let goals: Vec<String> = overview["current_plan"]["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(goals.len(), 2);
    assert!(
        overview["next_review_due"].is_string(),
        "first review scheduled"
    );

    let review = json!({
        "held_on": chrono::Utc::now().date_naive(), "progress_report": "Schulbesuch stabil",
        "goal_ratings": [{"goal_id": goals[0], "rating": 4}, {"goal_id": goals[1], "rating": 3}],
        "participation": participation(),
        "document": {"content": {"development": "Regelmäßiger Schulbesuch", "continue_help": true}}
    });
    flow.command(&cw, "/reviews", Some(review), StatusCode::OK)
        .await;
    let end = json!({
        "ended_on": chrono::Utc::now().date_naive(), "end_kind": "planned", "end_reason": "goals_reached",
        "final_ratings": [{"goal_id": goals[0], "rating": 5}, {"goal_id": goals[1], "rating": 4}],
        "participation": participation(),
        "document": {"content": {"summary": "Ziele erreicht", "satisfaction_young_person": 4, "satisfaction_parents": 5, "follow_up": "none"}}
    });
    assert_eq!(
        flow.command(&cw, "/help-end", Some(end), StatusCode::OK)
            .await["phase"],
        "ending"
    );
    let closed = flow.command(&cw, "/close", None, StatusCode::OK).await;
    assert_eq!(closed["phase"], "closed");
    assert_eq!(closed["end_kind"], "planned");

    let types: Vec<String> = probe
        .drain(Duration::from_millis(1500))
        .await
        .into_iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        types,
        vec![
            "case.opened.v1",
            "case.assessment_completed.v1",
            "case.plan_agreed.v1",
            "case.help_started.v1",
            "case.review_held.v1",
            "case.closed.v1",
        ]
    );

    let timeline = app
        .get(&format!("/v1/cases/{}/timeline", flow.id), &cw)
        .send()
        .await
        .unwrap();
    let steps: Vec<String> = expect_status(timeline, StatusCode::OK)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        steps,
        vec![
            "opened",
            "assessment_completed",
            "plan_agreed",
            "plan_accepted",
            "help_started",
            "review_held",
            "help_ended",
            "closed"
        ]
    );
    // After the close the institution no longer sees the case.
    let gone = app
        .get(&format!("/v1/cases/{}", flow.id), &provider)
        .send()
        .await
        .unwrap();
    expect_status(gone, StatusCode::NOT_FOUND).await;
    app.stop().await;
}

#[tokio::test]
async fn closed_events_carry_the_outcome_and_no_personal_data() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let mut flow = Flow::open(&app).await;
    let closed = flow
        .command(
            &app.caseworker(),
            "/close-without-help",
            Some(json!({"end_reason": "no_need", "participation": participation()})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(closed["end_kind"], "without_help");
    let events = probe.drain(Duration::from_millis(1500)).await;
    let closed_event = events
        .iter()
        .find(|e| e["type"] == "case.closed.v1")
        .unwrap();
    assert_eq!(closed_event["data"]["end_reason"], "no_need");
    assert!(closed_event["data"]["duration_days"].is_null());
    let text = serde_json::to_string(&events).unwrap();
    for secret in ["Mia", "Sandra", "2014-03-02", flow.id.as_str()] {
        assert!(!text.contains(secret), "{secret} leaked");
    }
    app.stop().await;
}

#[tokio::test]
async fn plans_need_an_eligible_provider_goals_and_participation() {
    let app = spawn().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    let early = flow
        .command(
            &cw,
            "/plans",
            Some(plan(&app.provider.to_string())),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(early["rule"], "plan_requires_assessment");
    flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;

    let no_agreement = flow
        .command(
            &cw,
            "/plans",
            Some(plan(&app.provider_without_agreement.to_string())),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(no_agreement["rule"], "provider_requires_valid_agreement");
    let office_as_provider = flow
        .command(
            &cw,
            "/plans",
            Some(plan(&app.other_office.to_string())),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(
        office_as_provider["rule"],
        "provider_requires_valid_agreement"
    );

    let mut bad = plan(&app.provider.to_string());
    bad["goals"] = json!([]);
    bad["participation"]["agreement_reached"] = json!(false);
    bad["participation"]["young_person_heard"] = json!(false);
    let problem = flow
        .command(&cw, "/plans", Some(bad), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/goals"));
    assert!(pointers.contains(&"/participation/not_heard_reason"));
    assert!(pointers.contains(&"/participation/no_agreement_reason"));

    let mut bad_document = plan(&app.provider.to_string());
    bad_document["document"]["content"] = json!({"tasks": []});
    let problem = flow
        .command(
            &cw,
            "/plans",
            Some(bad_document),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert!(
        pointers.iter().any(|p| p.starts_with("/document/content")),
        "{pointers:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_declined_first_plan_sends_the_case_back_and_only_the_provider_answers() {
    let app = spawn().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;
    flow.command(
        &cw,
        "/plans",
        Some(plan(&app.provider.to_string())),
        StatusCode::OK,
    )
    .await;

    // The office cannot answer for the provider; another institution cannot even see the case.
    flow.command(
        &cw,
        "/plans/1/accept",
        Some(json!({})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let stranger =
        qmf_testkit::auth::token(&["institution_staff"], Some(app.provider_without_agreement));
    flow.command(
        &stranger,
        "/plans/1/accept",
        Some(json!({})),
        StatusCode::NOT_FOUND,
    )
    .await;
    // Institutions cannot lead the case.
    flow.command(
        &app.provider_staff(),
        "/help-start",
        Some(json!({"started_on": "2026-01-15"})),
        StatusCode::FORBIDDEN,
    )
    .await;

    let missing_reason = flow
        .command(
            &app.provider_staff(),
            "/plans/1/decline",
            Some(json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(missing_reason["errors"][0]["pointer"], "/reason");
    let declined = flow
        .command(
            &app.provider_staff(),
            "/plans/1/decline",
            Some(json!({"reason": "Keine Kapazität"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(declined["phase"], "assessed");
    let again = flow
        .command(
            &app.provider_staff(),
            "/plans/1/accept",
            Some(json!({})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(
        again["status"], 404,
        "a declined plan no longer opens the case to the institution"
    );

    let plans = app
        .get(&format!("/v1/cases/{}/plans", flow.id), &cw)
        .send()
        .await
        .unwrap();
    let plans = expect_status(plans, StatusCode::OK).await;
    assert_eq!(plans[0]["status"], "declined");
    assert_eq!(plans[0]["decision_reason"], "Keine Kapazität");
    app.stop().await;
}

#[tokio::test]
async fn stale_and_missing_etags_are_refused_for_commands() {
    let app = spawn().await;
    let cw = app.caseworker();
    let flow = Flow::open(&app).await;
    let path = format!("/v1/cases/{}/assessment", flow.id);
    let missing = app
        .post(&path, &cw)
        .json(&assessment())
        .send()
        .await
        .unwrap();
    expect_status(missing, StatusCode::PRECONDITION_REQUIRED).await;
    let stale = app
        .post(&path, &cw)
        .header("If-Match", "\"9\"")
        .json(&assessment())
        .send()
        .await
        .unwrap();
    expect_status(stale, StatusCode::PRECONDITION_FAILED).await;
    let case = app
        .get(&format!("/v1/cases/{}", flow.id), &cw)
        .send()
        .await
        .unwrap();
    assert_eq!(expect_status(case, StatusCode::OK).await["phase"], "intake");
    app.stop().await;
}

#[tokio::test]
async fn responsibility_moves_to_another_office_only_when_it_accepts() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    let same = flow
        .command(
            &cw,
            "/transfer",
            Some(json!({"to_office_id": app.office, "reason": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(same["errors"][0]["pointer"], "/to_office_id");
    let not_office = flow
        .command(
            &cw,
            "/transfer",
            Some(json!({"to_office_id": app.provider, "reason": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(not_office["errors"][0]["pointer"], "/to_office_id");
    let offered = flow
        .command(
            &cw,
            "/transfer",
            Some(json!({"to_office_id": app.other_office, "reason": "Umzug nach Schwäbisch Hall"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        offered["pending_transfer"]["to_office_id"],
        app.other_office.to_string()
    );
    let twice = flow
        .command(
            &cw,
            "/transfer",
            Some(json!({"to_office_id": app.other_office, "reason": "x"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(twice["rule"], "transfer_already_pending");

    // The receiving office reads the case to decide, but cannot lead it yet.
    let target = app.other_office_staff();
    let read = app
        .get(&format!("/v1/cases/{}", flow.id), &target)
        .send()
        .await
        .unwrap();
    expect_status(read, StatusCode::OK).await;
    flow.command(
        &target,
        "/assessment",
        Some(assessment()),
        StatusCode::FORBIDDEN,
    )
    .await;
    // The handing-over office cannot accept for the receiving one.
    flow.command(&cw, "/transfer/accept", None, StatusCode::FORBIDDEN)
        .await;

    let accepted = flow
        .command(&target, "/transfer/accept", None, StatusCode::OK)
        .await;
    assert_eq!(
        accepted["responsible_office_id"],
        app.other_office.to_string()
    );
    assert!(accepted["pending_transfer"].is_null());
    let old = app
        .get(&format!("/v1/cases/{}", flow.id), &cw)
        .send()
        .await
        .unwrap();
    expect_status(old, StatusCode::NOT_FOUND).await;
    flow.command(&target, "/transfer/accept", None, StatusCode::CONFLICT)
        .await;
    let events = probe.drain(Duration::from_millis(1500)).await;
    let transferred: Vec<&serde_json::Value> = events
        .iter()
        .filter(|e| e["type"] == "case.transferred.v1")
        .collect();
    assert_eq!(transferred.len(), 1);
    assert_eq!(
        transferred[0]["data"]["from_office_id"],
        app.office.to_string()
    );
    assert_eq!(
        transferred[0]["data"]["to_office_id"],
        app.other_office.to_string()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_closed_case_is_read_only_and_can_be_reopened_within_the_window() {
    let app = spawn().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    flow.command(
        &cw,
        "/close-without-help",
        Some(json!({"end_reason": "no_need", "participation": participation()})),
        StatusCode::OK,
    )
    .await;
    let refused = flow
        .command(&cw, "/assessment", Some(assessment()), StatusCode::CONFLICT)
        .await;
    assert_eq!(refused["rule"], "assessment_only_at_intake");
    let update = app
        .put(&format!("/v1/cases/{}", flow.id), &cw)
        .header("If-Match", &flow.etag)
        .json(&case_draft())
        .send()
        .await
        .unwrap();
    assert_eq!(
        expect_status(update, StatusCode::CONFLICT).await["rule"],
        "closed_case_is_read_only"
    );
    let reopened = flow
        .command(
            &cw,
            "/reopen",
            Some(json!({"reason": "Erneuter Bedarf"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(reopened["phase"], "intake");
    assert!(reopened["closed_on"].is_null());
    let not_closed = flow
        .command(
            &cw,
            "/reopen",
            Some(json!({"reason": "x"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(not_closed["rule"], "reopen_only_closed");
    app.stop().await;
}

#[tokio::test]
async fn reviews_rate_every_goal_and_appear_in_the_due_list() {
    let app = spawn().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;
    let mut short = plan(&app.provider.to_string());
    short["review_interval_months"] = json!(1);
    flow.command(&cw, "/plans", Some(short), StatusCode::OK)
        .await;
    flow.command(
        &app.provider_staff(),
        "/plans/1/accept",
        Some(json!({})),
        StatusCode::OK,
    )
    .await;
    let started = (chrono::Utc::now() - chrono::Duration::days(40)).date_naive();
    // The case was opened before the help started (as if it had been opened weeks ago).
    app.sql(&format!(
        "UPDATE cases SET opened_on = '{}' WHERE id = '{}' RETURNING id",
        started, flow.id
    ))
    .await;
    flow.command(
        &cw,
        "/help-start",
        Some(json!({"started_on": started})),
        StatusCode::OK,
    )
    .await;

    let due = app
        .get("/v1/reviews/due?overdue_only=true", &cw)
        .send()
        .await
        .unwrap();
    let due = expect_status(due, StatusCode::OK).await;
    assert_eq!(due[0]["case_id"], flow.id.as_str());
    assert_eq!(due[0]["overdue"], true);
    let window = app
        .get("/v1/reviews/due?within_days=400", &cw)
        .send()
        .await
        .unwrap();
    expect_status(window, StatusCode::UNPROCESSABLE_ENTITY).await;
    let institution = app
        .get("/v1/reviews/due", &app.provider_staff())
        .send()
        .await
        .unwrap();
    expect_status(institution, StatusCode::FORBIDDEN).await;
    let foreign = app
        .get("/v1/reviews/due", &app.other_office_staff())
        .send()
        .await
        .unwrap();
    assert_eq!(expect_status(foreign, StatusCode::OK).await, json!([]));

    let overview = flow.overview(&cw).await;
    let goal = overview["current_plan"]["goals"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let partial = json!({
        "held_on": chrono::Utc::now().date_naive(), "goal_ratings": [{"goal_id": goal, "rating": 7}],
        "participation": participation(),
        "document": {"content": {"development": "x", "continue_help": true}}
    });
    let problem = flow
        .command(
            &cw,
            "/reviews",
            Some(partial),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let pointers: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, vec!["/goal_ratings/0/rating", "/goal_ratings"]);
    app.stop().await;
}

#[tokio::test]
async fn instruments_are_versioned_and_documents_keep_their_version() {
    let app = spawn().await;
    let cw = app.caseworker();
    let list = expect_status(
        app.get("/v1/instruments", &cw).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    let keys: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        keys,
        vec!["assessment", "final_evaluation", "help_plan", "review"]
    );

    let mut flow = Flow::open(&app).await;
    flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;
    let release = json!({"title": "Bedarfserhebung 2027", "description": "neu",
        "schema": {"type": "object", "required": ["summary"], "properties": {"summary": {"type": "string"}}}});
    let refused = app
        .post("/v1/instruments/assessment/versions", &cw)
        .json(&release)
        .send()
        .await
        .unwrap();
    expect_status(refused, StatusCode::FORBIDDEN).await;
    let coordinator = qmf_testkit::auth::token(&["coordinator"], None);
    let broken = json!({"title": "x", "description": "", "schema": {"type": "no-such-type"}});
    let problem = expect_status(
        app.post("/v1/instruments/assessment/versions", &coordinator)
            .json(&broken)
            .send()
            .await
            .unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    assert!(
        problem["errors"][0]["pointer"]
            .as_str()
            .unwrap()
            .starts_with("/schema")
    );
    let released = expect_status(
        app.post("/v1/instruments/assessment/versions", &coordinator)
            .json(&release)
            .send()
            .await
            .unwrap(),
        StatusCode::CREATED,
    )
    .await;
    assert_eq!(released["version"], 2);

    let timeline = expect_status(
        app.get(&format!("/v1/cases/{}/timeline", flow.id), &cw)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let document_id = timeline[1]["details"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    let document = app
        .get(
            &format!("/v1/cases/{}/documents/{document_id}", flow.id),
            &cw,
        )
        .send()
        .await
        .unwrap();
    let document = expect_status(document, StatusCode::OK).await;
    assert_eq!(document["instrument_version"], 1);
    assert_eq!(
        document["content"]["occasion"],
        "Schulabsentismus, Überforderung der Mutter"
    );
    let stored = app
        .sql("SELECT encode(content, 'escape') AS content FROM case_documents")
        .await;
    assert!(
        !stored[0]["content"]
            .as_str()
            .unwrap()
            .contains("Schulabsentismus"),
        "documents are encrypted"
    );
    app.stop().await;
}

#[tokio::test]
async fn institutions_do_not_read_the_assessment_document() {
    let app = spawn().await;
    let cw = app.caseworker();
    let mut flow = Flow::open(&app).await;
    flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;
    flow.command(
        &cw,
        "/plans",
        Some(plan(&app.provider.to_string())),
        StatusCode::OK,
    )
    .await;
    let timeline = expect_status(
        app.get(&format!("/v1/cases/{}/timeline", flow.id), &cw)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let assessment_doc = timeline[1]["details"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    let overview = flow.overview(&app.provider_staff()).await;
    let plan_doc = overview["proposed_plan"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = |doc: &str| format!("/v1/cases/{}/documents/{doc}", flow.id);
    expect_status(
        app.get(&path(&assessment_doc), &app.provider_staff())
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    expect_status(
        app.get(&path(&plan_doc), &app.provider_staff())
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.get(&path(&assessment_doc), &cw).send().await.unwrap(),
        StatusCode::OK,
    )
    .await;
    expect_status(
        app.get(&path(&assessment_doc), &app.other_office_staff())
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    app.stop().await;
}

#[tokio::test]
async fn a_reopened_case_needs_a_new_accepted_plan() {
    let app = spawn().await;
    let cw = app.caseworker();
    let mut flow = Flow::full_help(&app, [4, 4], "planned").await;
    flow.command(
        &cw,
        "/reopen",
        Some(json!({"reason": "Rückfall"})),
        StatusCode::OK,
    )
    .await;
    let refused = Flow::full_help_reopen_check(&app, &mut flow).await;
    assert_eq!(refused["rule"], "help_start_requires_accepted_plan");
    let plans = expect_status(
        app.get(&format!("/v1/cases/{}/plans", flow.id), &cw)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    let statuses: Vec<&str> = plans
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["proposed", "superseded"]);
    app.stop().await;
}
