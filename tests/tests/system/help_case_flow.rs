//! A help case from intake to close through the HTTP APIs of the directory and the case
//! service, with the provider known to the case service only through directory events, the
//! case's events arriving pseudonymised at a consumer, and the closed case reaching the
//! pre-fill of the provider's quality report in the dialogue service.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{self, Caller, Cluster, Persona, StatusCode, eventually, uuid_of};

/// Sends commands to one case, carrying its ETag from response to request.
struct CaseFlow {
    path: String,
    etag: String,
}

impl CaseFlow {
    async fn command(&mut self, caller: &Caller, step: &str, body: Value) -> Value {
        let reply = caller
            .post(&format!("{}{step}", self.path))
            .if_match(&self.etag)
            .json(&body)
            .send()
            .await;
        reply.expect(StatusCode::OK);
        self.etag = reply.etag();
        reply.body
    }
}

#[tokio::test]
async fn a_help_case_runs_from_intake_to_close_across_services() {
    let cluster = Cluster::new();
    let case = cluster.start(common::case()).await;
    let directory = cluster.start(common::directory()).await;
    let dialogue = cluster.start(common::dialogue()).await;
    let mut consumer = cluster.probe("case.#").await;
    let admin = directory.as_(Persona::admin());

    // The directory registers the youth office, the institution and its agreement.
    let address =
        json!({"street": "Lerchenstraße 40", "postal_code": "74072", "city": "Heilbronn"});
    let office = admin.post("/v1/organizations")
        .json(&json!({"name": "Jugendamt Stadt Heilbronn", "kind": "youth_office", "district": "stadt_heilbronn", "address": address}))
        .send()
        .await;
    let office_id = uuid_of(office.expect(StatusCode::CREATED));
    let provider = admin.post("/v1/organizations")
        .json(&json!({"name": "Kinder- und Jugendhilfe Heilbronn", "kind": "institution", "district": "stadt_heilbronn", "address": address}))
        .send()
        .await;
    let provider_id = uuid_of(provider.expect(StatusCode::CREATED));
    admin.post("/v1/agreements").json(&json!({
        "organization_id": provider_id, "kind": "quality_development_agreement", "signed_on": "2022-01-10", "signed_by": "Leitung"}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let caseworker = case.as_(Persona::role("caseworker").of(office_id).subject("cw-1"));
    let provider_staff = case.as_(
        Persona::role("institution_staff")
            .of(provider_id)
            .subject("inst-1"),
    );

    // The office's caseworker, registered in the directory.
    let person = admin
        .post("/v1/people")
        .json(&json!({
        "organization_id": office_id, "given_name": "Clara", "family_name": "Fallführung",
        "email": "c.fallfuehrung@jugendamt.example", "phone": null, "functions": ["caseworker"],
        "active_from": "2020-01-01", "active_until": null}))
        .send()
        .await;
    let person = person.expect(StatusCode::CREATED);

    // Open the case, once the case service has learnt the office and its caseworker from the
    // directory's events.
    let draft = json!({
        "caseworker_id": person["id"], "help_kind": "educational_assistant",
        "young_person": {"given_name": "Jonas", "family_name": "Muster", "date_of_birth": "2011-07-19"},
        "custody_holders": [{"given_name": "Petra", "family_name": "Muster", "relation": "mother"}]});
    let (cw, draft) = (&caseworker, &draft);
    let opened = eventually(
        "the case service learnt the office's caseworker",
        || async move {
            let reply = cw.post("/v1/cases").json(draft).send().await;
            (reply.status == StatusCode::CREATED).then_some(reply)
        },
    )
    .await;
    let id = opened.id();
    let participation = json!({"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true, "agreement_reached": true});
    let mut flow = CaseFlow {
        path: format!("/v1/cases/{id}"),
        etag: opened.etag(),
    };
    flow.command(&caseworker, "/assessment", json!({"participation": participation, "document": {"content": {
        "occasion": "Konflikte in Schule und Familie", "needs_areas": [{"area": "social_relations", "need_level": 2}],
        "resources": [], "risks": [], "child_protection_concern": false, "recommendation": {"help_needed": true}}}})).await;

    // The plan waits until the case service has learnt the provider from the directory's events.
    let plan = json!({"provider_id": provider_id, "start_on": "2026-02-01", "goals": ["Jonas löst Konflikte ohne Gewalt."],
        "participation": participation, "document": {"content": {"wishes_of_family": "wohnortnah", "tasks": [{"by": "provider", "task": "Einzelgespräche"}]}}});
    let (plans, plan, etag) = (&format!("/v1/cases/{id}/plans"), &plan, &flow.etag);
    let agreed = eventually("the provider became eligible", || async move {
        let reply = cw.post(plans).if_match(etag).json(plan).send().await;
        if reply.status == StatusCode::OK {
            return Some(reply);
        }
        assert_eq!(
            reply.status,
            StatusCode::CONFLICT,
            "only the provider check may refuse: {}",
            reply.body
        );
        None
    })
    .await;
    flow.etag = agreed.etag();
    assert_eq!(agreed.body["phase"], "plan_agreed");

    flow.command(&provider_staff, "/plans/1/accept", json!({}))
        .await;
    let today = qmf_platform::region::today();
    flow.command(&caseworker, "/help-start", json!({"started_on": today}))
        .await;
    let overview = caseworker
        .get(&format!("/v1/cases/{id}/overview"))
        .send()
        .await;
    let goal = overview.expect(StatusCode::OK)["current_plan"]["goals"][0]["id"].clone();
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

    // The closed case reaches the pre-fill of the provider's next quality report: as one help
    // of its kind, a group under five, without figures.
    let coordinator = dialogue.as_(Persona::coordinator());
    let year = chrono::Datelike::year(&qmf_platform::region::today()) + 1;
    let cycle = coordinator
        .post("/v1/cycles")
        .json(&json!({"start_year": year}))
        .send()
        .await;
    let cycle_id = cycle.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hosts_path = format!("/v1/cycles/{cycle_id}/hosts?organization_id={provider_id}");
    let (coordinator, hosts_path) = (&coordinator, &hosts_path);
    let dialogue_id = eventually("the provider hosts in the cycle", || async move {
        let hosts = coordinator.get(hosts_path).send().await;
        hosts.expect(StatusCode::OK)["items"][0]["dialogue_id"]
            .as_str()
            .map(str::to_string)
    })
    .await;
    let staff = dialogue.as_(Persona::institution_staff().of(provider_id));
    let prefill_path = format!("/v1/dialogues/{dialogue_id}/report/prefill");
    let (staff, prefill_path) = (&staff, &prefill_path);
    let outcomes = eventually(
        "the closed case reached the dialogue service",
        || async move {
            let prefill = staff.get(prefill_path).send().await;
            let outcomes = prefill.expect(StatusCode::OK)["outcomes"].clone();
            (!outcomes.as_array().unwrap().is_empty()).then_some(outcomes)
        },
    )
    .await;
    assert_eq!(outcomes.as_array().unwrap().len(), 1);
    assert_eq!(outcomes[0]["suppressed"], true);
    assert!(outcomes[0]["cases"].is_null());

    dialogue.stop().await;
    directory.stop().await;
    case.stop().await;
}
