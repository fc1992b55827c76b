#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Safe writes: strong ETags with If-Match preconditions, and Idempotency-Key replays.

use crate::common;

use common::*;
use qmf_testkit::Request;
use reqwest::StatusCode;
use serde_json::{Value, json};

const ORG_REGISTERED: &str = "directory.organization.registered.v1";
const ORG_UPDATED: &str = "directory.organization.updated.v1";
const ORG_DEACTIVATED: &str = "directory.organization.deactivated.v1";
const PERSON_REGISTERED: &str = "directory.person.registered.v1";
const PERSON_UPDATED: &str = "directory.person.updated.v1";
const PERSON_DEACTIVATED: &str = "directory.person.deactivated.v1";
const AGREEMENT_SIGNED: &str = "directory.agreement.signed.v1";
const AGREEMENT_TERMINATED: &str = "directory.agreement.terminated.v1";

/// One conditional write: the resource it changes, how to build the request, and its event.
struct Guarded {
    resource: String,
    build: Box<dyn Fn(&Caller) -> Request>,
    event: &'static str,
}

#[tokio::test]
async fn every_update_requires_a_matching_if_match() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.create_organization(institution("hohenlohekreis")).await;
    let org_id = id(&org);
    let person = app.create_person(person(&org_id)).await;
    let person_id = id(&person);
    let agreement = app.create_agreement(quality_agreement(&org_id)).await;
    let agreement_id = id(&agreement);
    // A second organisation for the deactivation (the first one must stay active).
    let other = app.create_organization(institution("hohenlohekreis")).await;
    let other_id = id(&other);
    app.new_events().await;

    let org_draft = with(institution("hohenlohekreis"), "/name", json!("Neuer Name"));
    let person_draft = with(person_draft_of(&person), "/given_name", json!("Lea"));
    let guarded = vec![
        Guarded {
            resource: format!("/v1/organizations/{org_id}"),
            build: {
                let (path, body) = (format!("/v1/organizations/{org_id}"), org_draft.clone());
                Box::new(move |admin: &Caller| admin.put(&path).json(&body))
            },
            event: ORG_UPDATED,
        },
        Guarded {
            resource: format!("/v1/organizations/{other_id}"),
            build: {
                let path = format!("/v1/organizations/{other_id}/deactivate");
                Box::new(move |admin: &Caller| admin.post(&path))
            },
            event: ORG_DEACTIVATED,
        },
        Guarded {
            resource: format!("/v1/people/{person_id}"),
            build: {
                let (path, body) = (format!("/v1/people/{person_id}"), person_draft.clone());
                Box::new(move |admin: &Caller| admin.put(&path).json(&body))
            },
            event: PERSON_UPDATED,
        },
        Guarded {
            resource: format!("/v1/agreements/{agreement_id}"),
            build: {
                let path = format!("/v1/agreements/{agreement_id}/terminate");
                Box::new(move |admin: &Caller| {
                    admin
                        .post(&path)
                        .json(&json!({"terminated_on": "2030-01-01", "reason": "Ende"}))
                })
            },
            event: AGREEMENT_TERMINATED,
        },
    ];

    for write in &guarded {
        let before = admin.get(&write.resource).send().await;
        assert_eq!(before.etag(), "\"1\"");
        // Missing, empty or `*` (which would skip the version check): 428.
        (write.build)(&admin)
            .send()
            .await
            .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
        for tag in ["", " ", "*"] {
            let reply = (write.build)(&admin).if_match(tag).send().await;
            reply.expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
        }
        // Stale, weak, or not one of our strong tags: 412.
        for tag in ["\"2\"", "\"0\"", "W/\"1\"", "1", "\"one\"", "\"-1\""] {
            let reply = (write.build)(&admin).if_match(tag).send().await;
            reply.expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
        }
        // Nothing changed, nothing was published.
        let after = admin.get(&write.resource).send().await;
        assert_eq!(after.etag(), "\"1\"");
        assert_eq!(after.body, before.body);
        app.expect_outbox(&[]).await;

        // The current tag succeeds and yields the next one.
        let reply = (write.build)(&admin).if_match("\"1\"").send().await;
        reply.expect(StatusCode::OK);
        assert_eq!(reply.etag(), "\"2\"");
        assert_eq!(reply.body["version"], 2);
        let read = admin.get(&write.resource).send().await;
        assert_eq!(read.etag(), "\"2\"");
        assert_eq!(read.body, reply.body);
        app.expect_outbox(&[write.event]).await;

        // The old tag is now stale.
        (write.build)(&admin)
            .if_match("\"1\"")
            .send()
            .await
            .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
        app.expect_outbox(&[]).await;
    }

    // Person deactivation, with its own body.
    let path = format!("/v1/people/{person_id}/deactivate");
    let body = json!({"active_until": "2030-12-31"});
    admin
        .post(&path)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    admin
        .post(&path)
        .if_match("\"1\"")
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    app.expect_outbox(&[]).await;
    let reply = admin.post(&path).if_match("\"2\"").json(&body).send().await;
    reply.expect(StatusCode::OK);
    assert_eq!(reply.etag(), "\"3\"");
    app.expect_outbox(&[PERSON_DEACTIVATED]).await;
    app.stop().await;
}

fn person_draft_of(person: &Value) -> Value {
    json!({
        "organization_id": person["organization_id"], "given_name": person["given_name"],
        "family_name": person["family_name"], "email": person["email"], "phone": person["phone"],
        "functions": person["functions"], "active_from": person["active_from"],
        "active_until": person["active_until"]
    })
}

#[tokio::test]
async fn concurrent_writes_with_the_same_if_match_let_exactly_one_win() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.create_organization(institution("hohenlohekreis")).await;
    let org_id = id(&org);
    let agreement = app.create_agreement(quality_agreement(&org_id)).await;
    let person = app.create_person(person(&org_id)).await;
    app.new_events().await;

    let path = format!("/v1/organizations/{org_id}");
    let first = with(institution("hohenlohekreis"), "/name", json!("Erster Name"));
    let second = with(
        institution("hohenlohekreis"),
        "/name",
        json!("Zweiter Name"),
    );
    let (a, b) = tokio::join!(
        admin.put(&path).if_match("\"1\"").json(&first).send(),
        admin.put(&path).if_match("\"1\"").json(&second).send()
    );
    let (winner, loser) = one_winner(a, b);
    loser.expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let read = admin.get(&path).send().await;
    assert_eq!(read.etag(), "\"2\"");
    assert_eq!(read.body["name"], winner.body["name"]);
    app.expect_outbox(&[ORG_UPDATED]).await;

    let path = format!("/v1/people/{}", id(&person));
    let as_a = with(person_draft_of(&person), "/given_name", json!("A"));
    let as_b = with(person_draft_of(&person), "/given_name", json!("B"));
    let (a, b) = tokio::join!(
        admin.put(&path).if_match("\"1\"").json(&as_a).send(),
        admin.put(&path).if_match("\"1\"").json(&as_b).send()
    );
    let (winner, _) = one_winner(a, b);
    assert_eq!(
        admin.get(&path).send().await.body["given_name"],
        winner.body["given_name"]
    );
    app.expect_outbox(&[PERSON_UPDATED]).await;

    let path = format!("/v1/agreements/{}/terminate", id(&agreement));
    let end_a = json!({"terminated_on": "2030-01-01", "reason": "A"});
    let end_b = json!({"terminated_on": "2031-01-01", "reason": "B"});
    let (a, b) = tokio::join!(
        admin.post(&path).if_match("\"1\"").json(&end_a).send(),
        admin.post(&path).if_match("\"1\"").json(&end_b).send()
    );
    one_winner(a, b);
    app.expect_outbox(&[AGREEMENT_TERMINATED]).await;

    let path = format!("/v1/organizations/{org_id}/deactivate");
    let (a, b) = tokio::join!(
        admin.post(&path).if_match("\"2\"").send(),
        admin.post(&path).if_match("\"2\"").send()
    );
    one_winner(a, b);
    app.expect_outbox(&[ORG_DEACTIVATED]).await;
    app.stop().await;
}

/// Exactly one of two concurrent conditional writes succeeds; the other gets 412.
#[track_caller]
fn one_winner(a: Reply, b: Reply) -> (Reply, Reply) {
    let (winner, loser) = match (a.status, b.status) {
        (StatusCode::OK, StatusCode::PRECONDITION_FAILED) => (a, b),
        (StatusCode::PRECONDITION_FAILED, StatusCode::OK) => (b, a),
        other => panic!("expected one 200 and one 412, got {other:?}: {a:?} {b:?}"),
    };
    assert_eq!(winner.etag(), format!("\"{}\"", winner.body["version"]));
    loser.expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    (winner, loser)
}

#[tokio::test]
async fn same_key_and_body_replays_the_stored_response() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut probe = app.probe().await;
    let draft = institution("hohenlohekreis");

    let first = admin
        .post("/v1/organizations")
        .json(&draft)
        .idempotency_key("org-1")
        .send()
        .await;
    first.expect(StatusCode::CREATED);
    assert_eq!(first.header("idempotent-replayed"), None);
    for _ in 0..2 {
        let again = admin
            .post("/v1/organizations")
            .json(&draft)
            .idempotency_key("org-1")
            .send()
            .await;
        again.expect(StatusCode::CREATED);
        assert_eq!(again.header("idempotent-replayed"), Some("true"));
        assert_eq!(again.body, first.body);
        for header in ["content-type", "etag", "location"] {
            assert_eq!(again.header(header), first.header(header), "{header}");
        }
    }
    let org_id = id(&first.body);
    assert_eq!(
        admin.list_ids("/v1/organizations").await,
        vec![org_id.clone()]
    );
    app.expect_events(&mut probe, &[ORG_REGISTERED]).await;

    // The same holds for people, agreements, deactivations and terminations.
    let person_body = person(&org_id);
    let agreement_body = quality_agreement(&org_id);
    let registered = admin
        .post("/v1/people")
        .json(&person_body)
        .idempotency_key("p")
        .send()
        .await;
    let replayed = admin
        .post("/v1/people")
        .json(&person_body)
        .idempotency_key("p")
        .send()
        .await;
    assert_eq!(
        replayed.expect(StatusCode::CREATED),
        registered.expect(StatusCode::CREATED)
    );
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(admin.list_ids("/v1/people").await.len(), 1);

    let signed = admin
        .post("/v1/agreements")
        .json(&agreement_body)
        .idempotency_key("a")
        .send()
        .await;
    let replayed = admin
        .post("/v1/agreements")
        .json(&agreement_body)
        .idempotency_key("a")
        .send()
        .await;
    assert_eq!(
        replayed.expect(StatusCode::CREATED),
        signed.expect(StatusCode::CREATED)
    );
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(admin.list_ids("/v1/agreements").await.len(), 1);

    let terminate = || {
        admin
            .post(&format!("/v1/agreements/{}/terminate", id(&signed.body)))
            .if_match("\"1\"")
            .json(&json!({"terminated_on": "2030-01-01", "reason": "Ende"}))
            .idempotency_key("t")
    };
    let terminated = terminate().send().await;
    terminated.expect(StatusCode::OK);
    // Without the key the repeat would be refused (stale If-Match); with it, it is replayed.
    let replayed = terminate().send().await;
    assert_eq!(replayed.expect(StatusCode::OK), &terminated.body);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.etag(), "\"2\"");

    let deactivate = || {
        admin
            .post(&format!("/v1/organizations/{org_id}/deactivate"))
            .if_match("\"1\"")
            .idempotency_key("d")
    };
    let deactivated = deactivate().send().await;
    deactivated.expect(StatusCode::OK);
    let replayed = deactivate().send().await;
    assert_eq!(replayed.expect(StatusCode::OK), &deactivated.body);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));

    app.expect_events(
        &mut probe,
        &[
            PERSON_REGISTERED,
            AGREEMENT_SIGNED,
            AGREEMENT_TERMINATED,
            ORG_DEACTIVATED,
        ],
    )
    .await;

    // Requests without a key are never deduplicated.
    for _ in 0..2 {
        admin
            .post("/v1/people")
            .json(&person(&id(&app
                .create_organization(institution("hohenlohekreis"))
                .await)))
            .send()
            .await
            .expect(StatusCode::CREATED);
    }
    assert_eq!(admin.list_ids("/v1/people").await.len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn same_key_with_another_request_is_refused() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut probe = app.probe().await;
    let org = app.institution_id().await;
    let first = person(&org);
    admin
        .post("/v1/people")
        .json(&first)
        .idempotency_key("k")
        .send()
        .await
        .expect(StatusCode::CREATED);
    app.expect_events(&mut probe, &[ORG_REGISTERED, PERSON_REGISTERED])
        .await;

    // Another body, another path, another content type: 422, nothing runs.
    let other_body = with(first.clone(), "/given_name", json!("Jonas"));
    for request in [
        admin.post("/v1/people").json(&other_body),
        admin
            .post("/v1/organizations")
            .json(&institution("hohenlohekreis")),
        admin
            .post("/v1/people")
            .header("Content-Type", "application/json; charset=utf-8")
            .body(serde_json::to_vec(&first).unwrap()),
    ] {
        let reply = request.idempotency_key("k").send().await;
        reply.expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
        assert!(
            reply.body["type"]
                .as_str()
                .unwrap()
                .ends_with("idempotency-key-reused")
        );
        assert_eq!(reply.header("idempotent-replayed"), None);
    }
    assert_eq!(admin.list_ids("/v1/people").await.len(), 1);
    assert_eq!(admin.list_ids("/v1/organizations").await.len(), 1);
    app.expect_outbox(&[]).await;

    // Keys must be 1 to 255 printable ASCII characters, as the documents' pattern says.
    for key in [String::new(), "k".repeat(256), "tab\tkey".to_string()] {
        admin
            .post("/v1/people")
            .json(&first)
            .idempotency_key(&key)
            .send()
            .await
            .expect_validation(&["/headers/Idempotency-Key"]);
    }
    admin
        .post("/v1/people")
        .json(&first)
        .idempotency_key("k".repeat(255))
        .send()
        .await
        .expect(StatusCode::CREATED);
    app.expect_events(&mut probe, &[PERSON_REGISTERED]).await;
    app.stop().await;
}

#[tokio::test]
async fn keys_are_scoped_to_the_caller() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let org = app.institution_id().await;
    let body = person(&org);
    let alice = app.as_(Persona::admin().subject("alice"));
    let bob = app.as_(Persona::coordinator().subject("bob"));

    let by_alice = alice
        .post("/v1/people")
        .json(&body)
        .idempotency_key("shared")
        .send()
        .await;
    by_alice.expect(StatusCode::CREATED);
    let by_bob = bob
        .post("/v1/people")
        .json(&body)
        .idempotency_key("shared")
        .send()
        .await;
    by_bob.expect(StatusCode::CREATED);
    assert_eq!(by_bob.header("idempotent-replayed"), None);
    assert_ne!(by_bob.body["id"], by_alice.body["id"]);
    // Each caller's own repeat is replayed from their own record.
    let bob_again = bob
        .post("/v1/people")
        .json(&body)
        .idempotency_key("shared")
        .send()
        .await;
    assert_eq!(bob_again.header("idempotent-replayed"), Some("true"));
    assert_eq!(bob_again.body["id"], by_bob.body["id"]);
    let alice_again = alice
        .post("/v1/people")
        .json(&body)
        .idempotency_key("shared")
        .send()
        .await;
    assert_eq!(alice_again.header("idempotent-replayed"), Some("true"));
    assert_eq!(alice_again.body["id"], by_alice.body["id"]);
    // Bob's other request with Alice's key is his own business, not a reuse of hers.
    let carol = app.as_(Persona::admin().subject("carol"));
    carol
        .post("/v1/organizations")
        .json(&institution("hohenlohekreis"))
        .idempotency_key("shared")
        .send()
        .await
        .expect(StatusCode::CREATED);

    assert_eq!(
        app.as_(Persona::admin()).list_ids("/v1/people").await.len(),
        2
    );
    app.expect_events(
        &mut probe,
        &[
            ORG_REGISTERED,
            PERSON_REGISTERED,
            PERSON_REGISTERED,
            ORG_REGISTERED,
        ],
    )
    .await;

    // An unauthenticated request with a key stores nothing under it.
    app.anonymous()
        .post("/v1/people")
        .idempotency_key("fresh")
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    let reply = alice
        .post("/v1/people")
        .json(&body)
        .idempotency_key("fresh")
        .send()
        .await;
    reply.expect(StatusCode::CREATED);
    assert_eq!(reply.header("idempotent-replayed"), None);
    app.expect_events(&mut probe, &[PERSON_REGISTERED]).await;
    app.stop().await;
}

#[tokio::test]
async fn refused_requests_are_replayed_as_refused() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let invalid = with(
        institution("hohenlohekreis"),
        "/address/postal_code",
        json!("1"),
    );
    let first = admin
        .post("/v1/organizations")
        .json(&invalid)
        .idempotency_key("v")
        .send()
        .await;
    first.expect_validation(&["/address/postal_code"]);
    let again = admin
        .post("/v1/organizations")
        .json(&invalid)
        .idempotency_key("v")
        .send()
        .await;
    again.expect_validation(&["/address/postal_code"]);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // The corrected request needs a new key: the old one belongs to the refused request.
    let corrected = with(invalid.clone(), "/address/postal_code", json!("74523"));
    admin
        .post("/v1/organizations")
        .json(&corrected)
        .idempotency_key("v")
        .send()
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    assert!(admin.list_ids("/v1/organizations").await.is_empty());
    app.expect_outbox(&[]).await;

    // A conflict is replayed as the same conflict, even after the conflict is gone.
    let office = app
        .create_organization(youth_office("stadt_heilbronn"))
        .await;
    let rival = youth_office("stadt_heilbronn");
    let first = admin
        .post("/v1/organizations")
        .json(&rival)
        .idempotency_key("c")
        .send()
        .await;
    first.expect_conflict("one_youth_office_per_district");
    admin
        .post(&format!("/v1/organizations/{}/deactivate", id(&office)))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    let again = admin
        .post("/v1/organizations")
        .json(&rival)
        .idempotency_key("c")
        .send()
        .await;
    again.expect_conflict("one_youth_office_per_district");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    app.expect_outbox(&[ORG_REGISTERED, ORG_DEACTIVATED]).await;
    app.stop().await;
}

#[tokio::test]
async fn concurrent_requests_with_one_key_write_once() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let body = person(&org);
    for round in 0..5 {
        let key = format!("race-{round}");
        let (a, b) = tokio::join!(
            admin
                .post("/v1/people")
                .json(&body)
                .idempotency_key(&key)
                .send(),
            admin
                .post("/v1/people")
                .json(&body)
                .idempotency_key(&key)
                .send()
        );
        let mut created = 0;
        let mut ids = Vec::new();
        for reply in [&a, &b] {
            match reply.status {
                StatusCode::CREATED => {
                    ids.push(reply.body["id"].clone());
                    if reply.header("idempotent-replayed").is_none() {
                        created += 1;
                    }
                }
                StatusCode::CONFLICT => {
                    reply.expect_problem(StatusCode::CONFLICT, "idempotency-key-in-flight");
                }
                other => panic!("unexpected {other}: {reply:?}"),
            }
        }
        assert_eq!(created, 1, "{a:?} {b:?}");
        ids.dedup();
        assert_eq!(ids.len(), 1, "a replay shows the same person: {a:?} {b:?}");
    }
    assert_eq!(admin.list_ids("/v1/people").await.len(), 5);
    let events = app.new_events().await;
    assert_eq!(
        events
            .iter()
            .filter(|e| e.event_type == PERSON_REGISTERED)
            .count(),
        5
    );
    app.stop().await;
}
