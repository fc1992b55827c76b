#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Leadership confirmations: the leader's own statement, the coordination's record, and every
//! way to get it wrong (another organisation's person, a non-leader, a leader not yet or no
//! longer in office, a future date, a colleague's token, an inactive organisation).

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const CONFIRMED: &str = "directory.leadership.confirmed.v1";

fn leader(organization_id: &str, active_from: &str, active_until: Option<&str>) -> Value {
    with(
        with(
            with(person(organization_id), "/functions", json!(["leader"])),
            "/active_from",
            json!(active_from),
        ),
        "/active_until",
        json!(active_until),
    )
}

fn confirmation(organization_id: &str, leader_id: &str, on: &str) -> Value {
    json!({"organization_id": organization_id, "leader_id": leader_id, "confirmed_on": on,
        "statement": "Die Leitung stellt die Umsetzung der Kooperation sicher."})
}

#[tokio::test]
async fn the_leader_confirms_and_the_coordination_records_for_any_organisation() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let head = id(&app.create_person(leader(&org, "2020-01-01", None)).await);
    let org_id: uuid::Uuid = org.parse().unwrap();

    // The leader, with their own token.
    let own = app.as_(Persona::role("institution_staff").of(org_id).subject(&head));
    let today = today().to_string();
    let created = own
        .post("/v1/leadership-confirmations")
        .json(&confirmation(&org, &head, &today))
        .send()
        .await;
    let body = created.expect(StatusCode::CREATED).clone();
    let path = format!("/v1/leadership-confirmations/{}", id(&body));
    assert_eq!(created.header("location"), Some(path.as_str()));
    assert_eq!(body["leader_id"], head.as_str());
    assert_eq!(body["confirmed_on"], today.as_str());
    assert_eq!(
        body["statement"],
        "Die Leitung stellt die Umsetzung der Kooperation sicher."
    );
    let read = app.as_(Persona::auditor()).get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &body);

    // The coordination records an earlier statement for it.
    app.as_(Persona::coordinator())
        .post("/v1/leadership-confirmations")
        .json(&confirmation(&org, &head, "2024-03-01"))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let listed = app
        .as_(Persona::role("youth_office_staff").of(uuid::Uuid::now_v7()))
        .get(&format!(
            "/v1/leadership-confirmations?organization_id={org}"
        ))
        .send()
        .await;
    let items = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    let days: Vec<&str> = items
        .iter()
        .map(|i| i["confirmed_on"].as_str().unwrap())
        .collect();
    assert_eq!(days, [today.as_str(), "2024-03-01"]);

    let events = app.new_events().await;
    let confirmed: Vec<&_> = events
        .iter()
        .filter(|e| e.event_type == CONFIRMED)
        .collect();
    assert_eq!(confirmed.len(), 2);
    assert!(confirmed.iter().all(|e| e.subject == org));
    let first = app
        .sql(&format!(
            "SELECT envelope FROM outbox WHERE event_id = '{}'",
            confirmed[0].event_id
        ))
        .await;
    let data = &first[0]["envelope"]["data"];
    assert_eq!(data["leader_id"], head.as_str());
    assert_eq!(data["confirmed_on"], today.as_str());
    assert_eq!(data["organization_id"], org.as_str());
    app.stop().await;
}

#[tokio::test]
async fn only_a_leader_in_office_confirms_for_their_own_organisation() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let other = app.institution_id().await;
    let org_id: uuid::Uuid = org.parse().unwrap();
    let other_id: uuid::Uuid = other.parse().unwrap();
    let head = id(&app.create_person(leader(&org, "2020-01-01", None)).await);
    let former = id(&app
        .create_person(leader(&org, "2015-01-01", Some("2019-12-31")))
        .await);
    let specialist = id(&app.create_person(person(&org)).await);
    let foreign_head = id(&app.create_person(leader(&other, "2020-01-01", None)).await);
    let coordinator = app.as_(Persona::coordinator());
    let post = |body: Value| {
        let coordinator = &coordinator;
        async move {
            coordinator
                .post("/v1/leadership-confirmations")
                .json(&body)
                .send()
                .await
        }
    };

    for leader_id in [&specialist, &foreign_head, &former] {
        post(confirmation(&org, leader_id, "2025-05-05"))
            .await
            .expect_conflict("confirmed_by_its_leader");
    }
    // Not yet in office on that day.
    post(confirmation(&org, &head, "2019-06-01"))
        .await
        .expect_conflict("confirmed_by_its_leader");
    post(confirmation(&org, &head, &days_from_today(1)))
        .await
        .expect_validation(&["/confirmed_on"]);
    post(confirmation(
        &org,
        &uuid::Uuid::now_v7().to_string(),
        "2025-05-05",
    ))
    .await
    .expect_validation(&["/leader_id"]);
    post(confirmation(
        &uuid::Uuid::now_v7().to_string(),
        &head,
        "2025-05-05",
    ))
    .await
    .expect_validation(&["/organization_id"]);

    // Tokens: a colleague, the leader of another organisation, the leader's id with another
    // organisation's token, roles that never record.
    for persona in [
        Persona::role("institution_staff")
            .of(org_id)
            .subject(&specialist),
        Persona::role("institution_staff")
            .of(other_id)
            .subject(&foreign_head),
        Persona::role("institution_staff")
            .of(other_id)
            .subject(&head),
        Persona::auditor(),
        Persona::role("committee_secretary"),
    ] {
        app.as_(persona)
            .post("/v1/leadership-confirmations")
            .json(&confirmation(&org, &head, "2025-05-05"))
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }

    // A deactivated organisation takes no confirmations.
    app.as_(Persona::admin())
        .post(&format!("/v1/organizations/{org}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    post(confirmation(&org, &head, "2025-05-05"))
        .await
        .expect_conflict("organization_inactive");

    let events = app.new_events().await;
    assert!(events.iter().all(|e| e.event_type != CONFIRMED));
    app.stop().await;
}

#[tokio::test]
async fn a_confirmation_repeated_with_its_key_is_recorded_and_published_once() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let head = id(&app.create_person(leader(&org, "2020-01-01", None)).await);
    let mut probe = app.probe().await;
    app.new_events().await;
    let coordination = app.as_(Persona::coordinator());
    let body = confirmation(&org, &head, &today().to_string());
    let send = |body: &Value| {
        coordination
            .post("/v1/leadership-confirmations")
            .json(body)
            .idempotency_key("confirmation-1")
            .send()
    };
    let first = send(&body).await;
    first.expect(StatusCode::CREATED);
    let again = send(&body).await;
    assert_eq!(again.expect(StatusCode::CREATED), &first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.header("location"), first.header("location"));
    // The same key with another statement is refused, not recorded.
    let other = with(body.clone(), "/statement", json!("Eine andere Erklärung."));
    send(&other)
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    assert_eq!(
        coordination
            .list_ids(&format!(
                "/v1/leadership-confirmations?organization_id={org}"
            ))
            .await,
        [id(&first.body)]
    );
    app.expect_events(&mut probe, &[CONFIRMED]).await;
    app.stop().await;
}
