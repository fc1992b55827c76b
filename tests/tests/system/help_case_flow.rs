//! A help case from intake to close through the HTTP APIs of the directory and the case
//! service, with the provider known to the case service only through directory events, and the
//! case's events arriving pseudonymised at a consumer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use qmf_testkit::{EventProbe, auth};
use serde_json::{Value, json};

async fn call(request: reqwest::RequestBuilder, status: u16) -> (Value, Option<String>) {
    let response = request.send().await.unwrap();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string());
    let code = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(code, status, "{text}");
    (serde_json::from_str(&text).unwrap_or(Value::Null), etag)
}

/// Sends commands to one case, carrying its ETag from response to request.
struct CaseFlow {
    http: reqwest::Client,
    base: String,
    etag: String,
}

impl CaseFlow {
    async fn command(&mut self, token: &str, path: &str, body: Value) -> Value {
        let request = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("If-Match", &self.etag)
            .json(&body);
        let (body, etag) = call(request, 200).await;
        self.etag = etag.unwrap();
        body
    }
}

#[tokio::test]
async fn a_help_case_runs_from_intake_to_close_across_services() {
    let cluster = common::Cluster::new();
    let case = cluster
        .start(qmf_case::SERVICE, qmf_case::commands(), common::case)
        .await;
    let directory = cluster
        .start(
            qmf_directory::SERVICE,
            qmf_directory::commands(),
            common::directory,
        )
        .await;
    let mut consumer = EventProbe::bind(&cluster.exchange, "case.#").await;
    let http = reqwest::Client::new();
    let admin = auth::token(&["admin"], None);

    // The directory registers the youth office, the institution and its agreement.
    let address =
        json!({"street": "Lerchenstraße 40", "postal_code": "74072", "city": "Heilbronn"});
    let (office, _) = call(http.post(directory.url("/v1/organizations")).bearer_auth(&admin)
        .json(&json!({"name": "Jugendamt Stadt Heilbronn", "kind": "youth_office", "district": "stadt_heilbronn", "address": address})), 201).await;
    let (provider, _) = call(http.post(directory.url("/v1/organizations")).bearer_auth(&admin)
        .json(&json!({"name": "Kinder- und Jugendhilfe Heilbronn", "kind": "institution", "district": "stadt_heilbronn", "address": address})), 201).await;
    call(http.post(directory.url("/v1/agreements")).bearer_auth(&admin).json(&json!({
        "organization_id": provider["id"], "kind": "quality_development_agreement", "signed_on": "2022-01-10", "signed_by": "Leitung"})), 201).await;
    let office_id: uuid::Uuid = office["id"].as_str().unwrap().parse().unwrap();
    let provider_id: uuid::Uuid = provider["id"].as_str().unwrap().parse().unwrap();
    let caseworker = auth::token_for("cw-1", &["caseworker"], Some(office_id));
    let provider_staff = auth::token_for("inst-1", &["institution_staff"], Some(provider_id));

    // The office's caseworker, registered in the directory.
    let (person, _) = call(
        http.post(directory.url("/v1/people"))
            .bearer_auth(&admin)
            .json(&json!({
        "organization_id": office_id, "given_name": "Clara", "family_name": "Fallführung",
        "email": "c.fallfuehrung@jugendamt.example", "phone": null, "functions": ["caseworker"],
        "active_from": "2020-01-01", "active_until": null})),
        201,
    )
    .await;

    // Open the case, once the case service has learnt the office and its caseworker from the
    // directory's events.
    let draft = json!({
        "caseworker_id": person["id"], "help_kind": "educational_assistant",
        "young_person": {"given_name": "Jonas", "family_name": "Muster", "date_of_birth": "2011-07-19"},
        "custody_holders": [{"given_name": "Petra", "family_name": "Muster", "relation": "mother"}]});
    let mut opened = None;
    for _ in 0..100 {
        let response = http
            .post(case.url("/v1/cases"))
            .bearer_auth(&caseworker)
            .json(&draft)
            .send()
            .await
            .unwrap();
        if response.status() == 201 {
            let etag = response.headers()["etag"].to_str().unwrap().to_string();
            opened = Some((response.json::<Value>().await.unwrap(), Some(etag)));
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (opened, mut etag) = opened.expect("the case service never learnt the office's caseworker");
    let id = opened["id"].as_str().unwrap().to_string();
    let participation = json!({"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true, "agreement_reached": true});
    let mut flow = CaseFlow {
        http: http.clone(),
        base: case.url(&format!("/v1/cases/{id}")),
        etag: etag.take().unwrap(),
    };
    flow.command(&caseworker, "/assessment", json!({"participation": participation, "document": {"content": {
        "occasion": "Konflikte in Schule und Familie", "needs_areas": [{"area": "social_relations", "need_level": 2}],
        "resources": [], "risks": [], "child_protection_concern": false, "recommendation": {"help_needed": true}}}})).await;

    // The plan waits until the case service has learnt the provider from the directory's events.
    let plan = json!({"provider_id": provider_id, "start_on": "2026-02-01", "goals": ["Jonas löst Konflikte ohne Gewalt."],
        "participation": participation, "document": {"content": {"wishes_of_family": "wohnortnah", "tasks": [{"by": "provider", "task": "Einzelgespräche"}]}}});
    let mut agreed = None;
    for _ in 0..100 {
        let response = http
            .post(case.url(&format!("/v1/cases/{id}/plans")))
            .bearer_auth(&caseworker)
            .header("If-Match", &flow.etag)
            .json(&plan)
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            flow.etag = response.headers()["etag"].to_str().unwrap().to_string();
            agreed = Some(response.json::<Value>().await.unwrap());
            break;
        }
        assert_eq!(
            response.status(),
            409,
            "only the provider check may refuse: {}",
            response.text().await.unwrap()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        agreed.expect("the provider became eligible")["phase"],
        "plan_agreed"
    );

    flow.command(&provider_staff, "/plans/1/accept", json!({}))
        .await;
    let today = chrono::Utc::now().date_naive();
    flow.command(&caseworker, "/help-start", json!({"started_on": today}))
        .await;
    let (overview, _) = call(
        http.get(case.url(&format!("/v1/cases/{id}/overview")))
            .bearer_auth(&caseworker),
        200,
    )
    .await;
    let goal = overview["current_plan"]["goals"][0]["id"].clone();
    flow.command(&caseworker, "/reviews", json!({"held_on": today, "goal_ratings": [{"goal_id": goal, "rating": 3}],
        "participation": participation, "document": {"content": {"development": "Fortschritte", "continue_help": true}}})).await;
    flow.command(&caseworker, "/help-end", json!({"ended_on": today, "end_kind": "planned", "end_reason": "goals_reached",
        "final_ratings": [{"goal_id": goal, "rating": 5}], "participation": participation,
        "document": {"content": {"summary": "Ziel erreicht", "satisfaction_young_person": 5, "satisfaction_parents": 4, "follow_up": "none"}}})).await;
    let closed = flow.command(&caseworker, "/close", json!({})).await;
    assert_eq!(closed["phase"], "closed");

    // The consumer sees the whole process, pseudonymised.
    let events = consumer.drain(Duration::from_secs(2)).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "case.opened.v1",
            "case.assessment_completed.v1",
            "case.plan_agreed.v1",
            "case.help_started.v1",
            "case.review_held.v1",
            "case.closed.v1"
        ]
    );
    let pseudonym = events[0]["subject"].clone();
    assert!(
        events
            .iter()
            .all(|e| e["subject"] == pseudonym && e["data"]["case"] == pseudonym)
    );
    let text = serde_json::to_string(&events).unwrap();
    for secret in ["Jonas", "Muster", "Petra", "2011-07-19", id.as_str()] {
        assert!(!text.contains(secret), "{secret} leaked into an event");
    }
    let closed_event = events.last().unwrap();
    assert_eq!(closed_event["data"]["provider_id"], provider_id.to_string());
    assert_eq!(closed_event["data"]["goal_attainment"], 5.0);
    assert_eq!(closed_event["data"]["end_kind"], "planned");

    directory.stop().await;
    case.stop().await;
}
