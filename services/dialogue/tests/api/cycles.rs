//! Opening cycles: who hosts, who may open, one open cycle, rules and their versions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use uuid::Uuid;

use crate::common::*;

#[tokio::test]
async fn opening_a_cycle_makes_every_organisation_with_a_valid_agreement_a_host() {
    let app = spawn().await;
    let year = this_year() + 1;
    let cycle = open_cycle(&app, year).await;
    assert_eq!(cycle["start_on"], format!("{year}-01-01"));
    assert_eq!(cycle["end_on"], format!("{}-12-31", year + 2));
    assert_eq!(cycle["state"], "open");
    assert_eq!(cycle["rules"]["report_lead_days"], 28);
    assert_eq!(cycle["rules_version"], 1);

    let hosts = hosts(&app, &cycle).await;
    let mut organizations: Vec<Uuid> = hosts
        .iter()
        .map(|h| h["organization"]["id"].as_str().unwrap().parse().unwrap())
        .collect();
    organizations.sort();
    // Not: no agreement, an ended agreement, deactivated, an education provider.
    assert_eq!(organizations, eligible());
    for host in &hosts {
        assert_eq!(host["state"], "active");
        assert_eq!(host["dialogue_state"], "unscheduled");
    }
    let events = app
        .expect_outbox(&[
            "dialogue.cycle.opened.v1",
            "dialogue.host.joined.v1",
            "dialogue.host.joined.v1",
            "dialogue.host.joined.v1",
            "dialogue.host.joined.v1",
            "dialogue.host.joined.v1",
        ])
        .await;
    assert_eq!(events[0].subject, cycle["id"].as_str().unwrap());
    let cycle_id = cycle["id"].as_str().unwrap();
    let read = coordinator(&app)
        .get(&format!("/v1/cycles/{cycle_id}"))
        .send()
        .await;
    assert_eq!(read.expect(StatusCode::OK)["id"], cycle["id"]);
    let listed = app
        .as_(Persona::institution_staff().of(INSTITUTIONS[0]))
        .list_all("/v1/cycles")
        .await;
    assert_eq!(listed.len(), 1);
    app.stop().await;
}

#[tokio::test]
async fn only_the_coordination_opens_a_cycle_and_only_one_at_a_time() {
    let app = spawn().await;
    let year = this_year() + 1;
    let body = json!({"start_year": year});
    staff_of(&app, INSTITUTIONS[0])
        .post("/v1/cycles")
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.as_(Persona::admin())
        .post("/v1/cycles")
        .json(&body)
        .send()
        .await
        .expect(StatusCode::CREATED);
    coordinator(&app)
        .post("/v1/cycles")
        .json(&json!({"start_year": year + 3}))
        .send()
        .await
        .expect_conflict("one_open_cycle");
    app.stop().await;
}

#[tokio::test]
async fn cycles_never_overlap() {
    let app = spawn().await;
    let year = this_year();
    // A closed cycle from last year on.
    app.execute(&format!(
        "INSERT INTO cycles (id, start_year, years, start_on, end_on, state, rules, opened_by) \
         VALUES ('{}', {}, 3, '{}-01-01', '{}-12-31', 'closed', '{{}}', 'test')",
        Uuid::now_v7(),
        year - 1,
        year - 1,
        year + 1
    ))
    .await;
    coordinator(&app)
        .post("/v1/cycles")
        .json(&json!({"start_year": year + 1}))
        .send()
        .await
        .expect_conflict("cycles_do_not_overlap");
    open_cycle(&app, year + 2).await;
    app.stop().await;
}

#[tokio::test]
async fn invalid_years_and_rules_are_each_named() {
    let app = spawn().await;
    let mut rules =
        serde_json::to_value(qmf_dialogue::domain::cycles::CycleRules::default()).unwrap();
    rules["max_orgs_per_dialogue"] = json!(3);
    rules["weights"]["school_holiday"] = json!(-5);
    coordinator(&app)
        .post("/v1/cycles")
        .json(&json!({"start_year": this_year() + 40, "years": 0, "rules": rules}))
        .send()
        .await
        .expect_validation(&[
            "/start_year",
            "/years",
            "/rules/weights/school_holiday",
            "/rules/min_orgs_per_dialogue",
        ]);
    coordinator(&app)
        .post("/v1/cycles")
        .json(&json!({"start_year": this_year() + 1, "rules": {"max_dialogues_per_day": 1}}))
        .send()
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    app.stop().await;
}

#[tokio::test]
async fn rules_change_in_versions_at_the_version_read() {
    let app = spawn().await;
    let cycle = open_cycle(&app, this_year() + 1).await;
    let path = format!("/v1/cycles/{}/rules", cycle["id"].as_str().unwrap());
    let read = coordinator(&app)
        .get(&format!("/v1/cycles/{}", cycle["id"].as_str().unwrap()))
        .send()
        .await;
    let etag = read.etag();
    let mut rules = cycle["rules"].clone();
    rules["report_lead_days"] = json!(21);
    let body = json!({"rules": rules});
    coordinator(&app)
        .put(&path)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    staff_of(&app, INSTITUTIONS[0])
        .put(&path)
        .if_match(&etag)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let changed = coordinator(&app)
        .put(&path)
        .if_match(&etag)
        .json(&body)
        .send()
        .await;
    let changed = changed.expect(StatusCode::OK);
    assert_eq!(changed["rules_version"], 2);
    assert_eq!(changed["rules"]["report_lead_days"], 21);
    coordinator(&app)
        .put(&path)
        .if_match(&etag)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let versions = app
        .sql(&format!(
            "SELECT rules_version, rules->>'report_lead_days' AS lead FROM cycle_rules \
             WHERE cycle_id = '{}' ORDER BY rules_version",
            cycle["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        versions,
        [
            json!({"rules_version": 1, "lead": "28"}),
            json!({"rules_version": 2, "lead": "21"})
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_closed_cycle_changes_no_more_and_the_next_may_open() {
    let app = spawn().await;
    let year = this_year() + 1;
    let cycle = open_cycle(&app, year).await;
    let path = format!("/v1/cycles/{}", cycle["id"].as_str().unwrap());
    let etag = coordinator(&app).get(&path).send().await.etag();
    staff_of(&app, INSTITUTIONS[0])
        .post(&format!("{path}/close"))
        .if_match(&etag)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.new_events().await;
    let closed = coordinator(&app)
        .post(&format!("{path}/close"))
        .if_match(&etag)
        .send()
        .await;
    assert_eq!(closed.expect(StatusCode::OK)["state"], "closed");
    let rows = app.expect_outbox(&["dialogue.cycle.closed.v1"]).await;
    let sent = app
        .sql(&format!(
            "SELECT envelope FROM outbox WHERE event_id = '{}'",
            rows[0].event_id
        ))
        .await;
    assert_eq!(
        sent[0]["envelope"]["data"],
        json!({"cycle_id": cycle["id"], "hosts": 5, "hosted": 0, "not_hosted": 5})
    );
    coordinator(&app)
        .post(&format!("{path}/close"))
        .if_match(closed.etag())
        .send()
        .await
        .expect_conflict("cycle_closed");
    coordinator(&app)
        .put(&format!("{path}/rules"))
        .if_match(closed.etag())
        .json(&json!({"rules": cycle["rules"]}))
        .send()
        .await
        .expect_conflict("cycle_closed");
    // Its hosts plan no more.
    let host = host_of(&app, &cycle, INSTITUTIONS[0]).await;
    let host_path = format!("/v1/hosts/{}", host["id"].as_str().unwrap());
    let rep = person(&app, INSTITUTIONS[0]).await;
    let host_etag = coordinator(&app).get(&host_path).send().await.etag();
    coordinator(&app)
        .put(&host_path)
        .if_match(host_etag)
        .json(&json!({"representatives": [rep]}))
        .send()
        .await
        .expect_conflict("cycle_closed");
    // The next cycle opens after it.
    open_cycle(&app, year + 3).await;
    app.stop().await;
}
