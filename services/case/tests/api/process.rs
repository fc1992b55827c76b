//! The regional help process through the HTTP API: every command, its rules and its events.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use std::time::Duration;

use qmf_testkit::reply::pointers;
use serde_json::{Value, json};

/// The id of the document a step of the timeline wrote (1: the assessment).
async fn timeline_document(caller: &Caller, flow: &Flow, step: usize) -> String {
    let timeline = caller.get(&flow.path("/timeline")).send().await;
    timeline.expect(StatusCode::OK)[step]["details"]["document_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn a_case_runs_from_intake_to_close() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let cw = app.as_(caseworker());
    let mut flow = Flow::open(&app).await;

    let assessed = flow
        .command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;
    assert_eq!(assessed["phase"], "assessed");
    let agreed = flow
        .command(&cw, "/plans", Some(plan(PROVIDER)), StatusCode::OK)
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

    let provider = app.as_(provider_staff());
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
            Some(json!({"started_on": today()})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(running["phase"], "help_running");
    let overview = flow.overview(&cw).await;
    let goals = goal_ids(&overview);
    assert_eq!(goals.len(), 2);
    assert!(
        overview["next_review_due"].is_string(),
        "first review scheduled"
    );

    let review = json!({
        "held_on": today(), "progress_report": "Schulbesuch stabil",
        "goal_ratings": [{"goal_id": goals[0], "rating": 4}, {"goal_id": goals[1], "rating": 3}],
        "participation": participation(),
        "document": {"content": {"development": "Regelmäßiger Schulbesuch", "continue_help": true}}
    });
    flow.command(&cw, "/reviews", Some(review), StatusCode::OK)
        .await;
    let end = help_end(
        &goals,
        [5, 4],
        "planned",
        "goals_reached",
        json!({"summary": "Ziele erreicht", "satisfaction_young_person": 4, "satisfaction_parents": 5, "follow_up": "none"}),
    );
    assert_eq!(
        flow.command(&cw, "/help-end", Some(end), StatusCode::OK)
            .await["phase"],
        "ending"
    );
    let closed = flow.command(&cw, "/close", None, StatusCode::OK).await;
    assert_eq!(closed["phase"], "closed");
    assert_eq!(closed["end_kind"], "planned");

    app.expect_events(
        &mut probe,
        &[
            "case.opened.v1",
            "case.assessment_completed.v1",
            "case.plan_agreed.v1",
            "case.help_started.v1",
            "case.review_held.v1",
            "case.closed.v1",
        ],
    )
    .await;

    let timeline = cw.get(&flow.path("/timeline")).send().await;
    assert_eq!(
        steps(timeline.expect(StatusCode::OK)),
        [
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
    provider
        .get(&flow.path(""))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn closed_events_carry_the_outcome_and_no_personal_data() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let mut flow = Flow::open(&app).await;
    let closed = flow
        .command(
            &app.as_(caseworker()),
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
    let cw = app.as_(caseworker());
    let mut flow = Flow::open(&app).await;
    let early = flow
        .command(&cw, "/plans", Some(plan(PROVIDER)), StatusCode::CONFLICT)
        .await;
    assert_eq!(early["rule"], "plan_requires_assessment");
    flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
        .await;

    for provider in [PROVIDER_WITHOUT_AGREEMENT, OTHER_OFFICE] {
        let refused = flow
            .command(&cw, "/plans", Some(plan(provider)), StatusCode::CONFLICT)
            .await;
        assert_eq!(
            refused["rule"], "provider_requires_valid_agreement",
            "{provider}"
        );
    }

    let mut bad = plan(PROVIDER);
    bad["goals"] = json!([]);
    bad["participation"]["agreement_reached"] = json!(false);
    bad["participation"]["young_person_heard"] = json!(false);
    let problem = flow
        .command(&cw, "/plans", Some(bad), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    let named = pointers(&problem);
    assert!(named.contains(&"/goals"));
    assert!(named.contains(&"/participation/not_heard_reason"));
    assert!(named.contains(&"/participation/no_agreement_reason"));

    let mut bad_document = plan(PROVIDER);
    bad_document["document"]["content"] = json!({"tasks": []});
    let problem = flow
        .command(
            &cw,
            "/plans",
            Some(bad_document),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let named = pointers(&problem);
    assert!(
        named.iter().any(|p| p.starts_with("/document/content")),
        "{named:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_declined_first_plan_sends_the_case_back_and_only_the_provider_answers() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let provider = app.as_(provider_staff());
    let mut flow = Flow::open(&app).await;
    flow.assess_and_plan(&cw, plan(PROVIDER)).await;

    // The office cannot answer for the provider; another institution cannot even see the case.
    flow.command(
        &cw,
        "/plans/1/accept",
        Some(json!({})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let stranger = app.as_(Persona::institution_staff().of(PROVIDER_WITHOUT_AGREEMENT));
    flow.command(
        &stranger,
        "/plans/1/accept",
        Some(json!({})),
        StatusCode::NOT_FOUND,
    )
    .await;
    // Institutions cannot lead the case.
    flow.command(
        &provider,
        "/help-start",
        Some(json!({"started_on": "2026-01-15"})),
        StatusCode::FORBIDDEN,
    )
    .await;

    let missing_reason = flow
        .command(
            &provider,
            "/plans/1/decline",
            Some(json!({})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(missing_reason["errors"][0]["pointer"], "/reason");
    let declined = flow
        .command(
            &provider,
            "/plans/1/decline",
            Some(json!({"reason": "Keine Kapazität"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(declined["phase"], "assessed");
    let again = flow
        .command(
            &provider,
            "/plans/1/accept",
            Some(json!({})),
            StatusCode::NOT_FOUND,
        )
        .await;
    assert_eq!(
        again["status"], 404,
        "a declined plan no longer opens the case to the institution"
    );

    let plans = cw.get(&flow.path("/plans")).send().await;
    let plans = plans.expect(StatusCode::OK);
    assert_eq!(plans[0]["status"], "declined");
    assert_eq!(plans[0]["decision_reason"], "Keine Kapazität");
    app.stop().await;
}

#[tokio::test]
async fn stale_and_missing_etags_are_refused_for_commands() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let flow = Flow::open(&app).await;
    let path = flow.path("/assessment");
    cw.post(&path)
        .json(&assessment())
        .send()
        .await
        .expect(StatusCode::PRECONDITION_REQUIRED);
    cw.post(&path)
        .if_match("\"9\"")
        .json(&assessment())
        .send()
        .await
        .expect(StatusCode::PRECONDITION_FAILED);
    let case = cw.get(&flow.path("")).send().await;
    assert_eq!(case.expect(StatusCode::OK)["phase"], "intake");
    app.stop().await;
}

#[tokio::test]
async fn responsibility_moves_to_another_office_only_when_it_accepts() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let cw = app.as_(caseworker());
    let mut flow = Flow::open(&app).await;
    for not_another_office in [OFFICE, PROVIDER] {
        let refused = flow
            .command(
                &cw,
                "/transfer",
                Some(json!({"to_office_id": not_another_office, "reason": "x"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        assert_eq!(refused["errors"][0]["pointer"], "/to_office_id");
    }
    let offered = flow
        .command(
            &cw,
            "/transfer",
            Some(json!({"to_office_id": OTHER_OFFICE, "reason": "Umzug nach Schwäbisch Hall"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        offered["pending_transfer"]["to_office_id"],
        OTHER_OFFICE.to_string()
    );
    let twice = flow
        .command(
            &cw,
            "/transfer",
            Some(json!({"to_office_id": OTHER_OFFICE, "reason": "x"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(twice["rule"], "transfer_already_pending");

    // The receiving office reads the case to decide, but cannot lead it yet.
    let target = app.as_(other_office_staff());
    target
        .get(&flow.path(""))
        .send()
        .await
        .expect(StatusCode::OK);
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
    assert_eq!(accepted["responsible_office_id"], OTHER_OFFICE.to_string());
    assert!(accepted["pending_transfer"].is_null());
    cw.get(&flow.path(""))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    flow.command(&target, "/transfer/accept", None, StatusCode::CONFLICT)
        .await;
    let events = probe.drain(Duration::from_millis(1500)).await;
    let transferred: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "case.transferred.v1")
        .collect();
    assert_eq!(transferred.len(), 1);
    assert_eq!(transferred[0]["data"]["from_office_id"], OFFICE.to_string());
    assert_eq!(
        transferred[0]["data"]["to_office_id"],
        OTHER_OFFICE.to_string()
    );
    app.stop().await;
}

#[tokio::test]
async fn a_closed_case_is_read_only_and_can_be_reopened_within_the_window() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
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
    cw.put(&flow.path(""))
        .if_match(flow.etag())
        .json(&case_draft())
        .send()
        .await
        .expect_conflict("closed_case_is_read_only");
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
    let cw = app.as_(caseworker());
    let mut flow = Flow::open(&app).await;
    let mut short = plan(PROVIDER);
    short["review_interval_months"] = json!(1);
    flow.assess_and_plan(&cw, short).await;
    flow.command(
        &app.as_(provider_staff()),
        "/plans/1/accept",
        Some(json!({})),
        StatusCode::OK,
    )
    .await;
    let started = (chrono::Utc::now() - chrono::Duration::days(40)).date_naive();
    // The case was opened before the help started (as if it had been opened weeks ago).
    app.execute(&format!(
        "UPDATE cases SET opened_on = '{started}' WHERE id = '{}'",
        flow.id
    ))
    .await;
    flow.command(
        &cw,
        "/help-start",
        Some(json!({"started_on": started})),
        StatusCode::OK,
    )
    .await;

    let due = cw.get("/v1/reviews/due?overdue_only=true").send().await;
    let due = due.expect(StatusCode::OK);
    assert_eq!(due[0]["case_id"], flow.id.as_str());
    assert_eq!(due[0]["overdue"], true);
    cw.get("/v1/reviews/due?within_days=400")
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.as_(provider_staff())
        .get("/v1/reviews/due")
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let foreign = app
        .as_(other_office_staff())
        .get("/v1/reviews/due")
        .send()
        .await;
    assert_eq!(foreign.expect(StatusCode::OK), &json!([]));

    let goal = flow.goals(&cw).await[0].clone();
    let partial = json!({
        "held_on": today(), "goal_ratings": [{"goal_id": goal, "rating": 7}],
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
    assert_eq!(
        pointers(&problem),
        ["/goal_ratings/0/rating", "/goal_ratings"]
    );
    app.stop().await;
}

#[tokio::test]
async fn instruments_are_versioned_and_documents_keep_their_version() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let list = cw.get("/v1/instruments").send().await;
    let keys: Vec<&str> = list
        .expect(StatusCode::OK)
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
    let versions = "/v1/instruments/assessment/versions";
    cw.post(versions)
        .json(&release)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let coordinator = app.as_(Persona::coordinator());
    let broken = json!({"title": "x", "description": "", "schema": {"type": "no-such-type"}});
    let problem = coordinator.post(versions).json(&broken).send().await;
    assert!(
        problem.expect(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"]
            .as_str()
            .unwrap()
            .starts_with("/schema")
    );
    let released = coordinator.post(versions).json(&release).send().await;
    assert_eq!(released.expect(StatusCode::CREATED)["version"], 2);

    let document_id = timeline_document(&cw, &flow, 1).await;
    let document = cw
        .get(&flow.path(&format!("/documents/{document_id}")))
        .send()
        .await;
    let document = document.expect(StatusCode::OK);
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
    let cw = app.as_(caseworker());
    let provider = app.as_(provider_staff());
    let mut flow = Flow::open(&app).await;
    flow.assess_and_plan(&cw, plan(PROVIDER)).await;
    let assessment_doc = timeline_document(&cw, &flow, 1).await;
    let overview = flow.overview(&provider).await;
    let plan_doc = overview["proposed_plan"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    for (caller, document, status) in [
        (&provider, &assessment_doc, StatusCode::NOT_FOUND),
        (&provider, &plan_doc, StatusCode::OK),
        (&cw, &assessment_doc, StatusCode::OK),
        (
            &app.as_(other_office_staff()),
            &assessment_doc,
            StatusCode::NOT_FOUND,
        ),
    ] {
        caller
            .get(&flow.path(&format!("/documents/{document}")))
            .send()
            .await
            .expect(status);
    }
    app.stop().await;
}

#[tokio::test]
async fn a_reopened_case_needs_a_new_accepted_plan() {
    let app = spawn().await;
    let cw = app.as_(caseworker());
    let mut flow = Flow::full_help(&app, [4, 4], "planned").await;
    flow.command(
        &cw,
        "/reopen",
        Some(json!({"reason": "Rückfall"})),
        StatusCode::OK,
    )
    .await;
    // Assessed again with a new plan, the help does not start before the provider answered.
    flow.assess_and_plan(&cw, plan(PROVIDER)).await;
    let refused = flow
        .command(
            &cw,
            "/help-start",
            Some(json!({"started_on": today()})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(refused["rule"], "help_start_requires_accepted_plan");
    let plans = cw.get(&flow.path("/plans")).send().await;
    let statuses: Vec<&str> = plans
        .expect(StatusCode::OK)
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["proposed", "superseded"]);
    app.stop().await;
}
