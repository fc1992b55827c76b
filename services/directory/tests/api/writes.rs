#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Safe writes: strong ETags with If-Match preconditions, and Idempotency-Key replays.

use crate::common;

use common::*;
use qmf_testkit::auth;
use reqwest::{RequestBuilder, StatusCode};
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
    build: Box<dyn Fn(&TestApp) -> RequestBuilder>,
    event: &'static str,
}

#[tokio::test]
async fn every_update_requires_a_matching_if_match() {
    let app = spawn().await;
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
                Box::new(move |app: &TestApp| app.put(&path, &admin()).json(&body))
            },
            event: ORG_UPDATED,
        },
        Guarded {
            resource: format!("/v1/organizations/{other_id}"),
            build: {
                let path = format!("/v1/organizations/{other_id}/deactivate");
                Box::new(move |app: &TestApp| app.post(&path, &admin()))
            },
            event: ORG_DEACTIVATED,
        },
        Guarded {
            resource: format!("/v1/people/{person_id}"),
            build: {
                let (path, body) = (format!("/v1/people/{person_id}"), person_draft.clone());
                Box::new(move |app: &TestApp| app.put(&path, &admin()).json(&body))
            },
            event: PERSON_UPDATED,
        },
        Guarded {
            resource: format!("/v1/agreements/{agreement_id}"),
            build: {
                let path = format!("/v1/agreements/{agreement_id}/terminate");
                Box::new(move |app: &TestApp| {
                    app.post(&path, &admin())
                        .json(&json!({"terminated_on": "2030-01-01", "reason": "Ende"}))
                })
            },
            event: AGREEMENT_TERMINATED,
        },
    ];

    for write in &guarded {
        let before = app.read(&write.resource).await;
        assert_eq!(before.etag(), "\"1\"");
        // Missing, empty or `*` (which would skip the version check): 428.
        send((write.build)(&app))
            .await
            .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
        for tag in ["", " ", "*"] {
            let reply = send((write.build)(&app).header("If-Match", tag)).await;
            reply.expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
        }
        // Stale, weak, or not one of our strong tags: 412.
        for tag in ["\"2\"", "\"0\"", "W/\"1\"", "1", "\"one\"", "\"-1\""] {
            let reply = send((write.build)(&app).header("If-Match", tag)).await;
            reply.expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
        }
        // Nothing changed, nothing was published.
        let after = app.read(&write.resource).await;
        assert_eq!(after.etag(), "\"1\"");
        assert_eq!(after.body, before.body);
        app.expect_outbox(&[]).await;

        // The current tag succeeds and yields the next one.
        let reply = send((write.build)(&app).header("If-Match", "\"1\"")).await;
        reply.expect(StatusCode::OK);
        assert_eq!(reply.etag(), "\"2\"");
        assert_eq!(reply.body["version"], 2);
        let read = app.read(&write.resource).await;
        assert_eq!(read.etag(), "\"2\"");
        assert_eq!(read.body, reply.body);
        app.expect_outbox(&[write.event]).await;

        // The old tag is now stale.
        send((write.build)(&app).header("If-Match", "\"1\""))
            .await
            .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
        app.expect_outbox(&[]).await;
    }

    // Person deactivation, with its own body.
    let path = format!("/v1/people/{person_id}/deactivate");
    let body = json!({"active_until": "2030-12-31"});
    send(app.post(&path, &admin()).json(&body))
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    app.post_if_match(&path, "\"1\"", Some(&body))
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    app.expect_outbox(&[]).await;
    let reply = app.post_if_match(&path, "\"2\"", Some(&body)).await;
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
        app.put_json(&path, "\"1\"", &first),
        app.put_json(&path, "\"1\"", &second)
    );
    let (winner, loser) = one_winner(a, b);
    loser.expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let read = app.read(&path).await;
    assert_eq!(read.etag(), "\"2\"");
    assert_eq!(read.body["name"], winner.body["name"]);
    app.expect_outbox(&[ORG_UPDATED]).await;

    let path = format!("/v1/people/{}", id(&person));
    let as_a = with(person_draft_of(&person), "/given_name", json!("A"));
    let as_b = with(person_draft_of(&person), "/given_name", json!("B"));
    let (a, b) = tokio::join!(
        app.put_json(&path, "\"1\"", &as_a),
        app.put_json(&path, "\"1\"", &as_b)
    );
    let (winner, _) = one_winner(a, b);
    assert_eq!(
        app.read(&path).await.body["given_name"],
        winner.body["given_name"]
    );
    app.expect_outbox(&[PERSON_UPDATED]).await;

    let path = format!("/v1/agreements/{}/terminate", id(&agreement));
    let end_a = json!({"terminated_on": "2030-01-01", "reason": "A"});
    let end_b = json!({"terminated_on": "2031-01-01", "reason": "B"});
    let (a, b) = tokio::join!(
        app.post_if_match(&path, "\"1\"", Some(&end_a)),
        app.post_if_match(&path, "\"1\"", Some(&end_b))
    );
    one_winner(a, b);
    app.expect_outbox(&[AGREEMENT_TERMINATED]).await;

    let path = format!("/v1/organizations/{org_id}/deactivate");
    let (a, b) = tokio::join!(
        app.post_if_match(&path, "\"2\"", None),
        app.post_if_match(&path, "\"2\"", None)
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

fn keyed(request: RequestBuilder, key: &str) -> RequestBuilder {
    request.header("Idempotency-Key", key)
}

#[tokio::test]
async fn same_key_and_body_replays_the_stored_response() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let draft = institution("hohenlohekreis");

    let first = send(keyed(
        app.post("/v1/organizations", &admin()).json(&draft),
        "org-1",
    ))
    .await;
    first.expect(StatusCode::CREATED);
    assert_eq!(first.header("idempotent-replayed"), None);
    for _ in 0..2 {
        let again = send(keyed(
            app.post("/v1/organizations", &admin()).json(&draft),
            "org-1",
        ))
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
        app.list_ids("/v1/organizations").await,
        vec![org_id.clone()]
    );
    app.expect_events(&mut probe, &[ORG_REGISTERED]).await;

    // The same holds for people, agreements, deactivations and terminations.
    let person_body = person(&org_id);
    let agreement_body = quality_agreement(&org_id);
    let registered = send(keyed(
        app.post("/v1/people", &admin()).json(&person_body),
        "p",
    ))
    .await;
    let replayed = send(keyed(
        app.post("/v1/people", &admin()).json(&person_body),
        "p",
    ))
    .await;
    assert_eq!(
        replayed.expect(StatusCode::CREATED),
        registered.expect(StatusCode::CREATED)
    );
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.list_ids("/v1/people").await.len(), 1);

    let signed = send(keyed(
        app.post("/v1/agreements", &admin()).json(&agreement_body),
        "a",
    ))
    .await;
    let replayed = send(keyed(
        app.post("/v1/agreements", &admin()).json(&agreement_body),
        "a",
    ))
    .await;
    assert_eq!(
        replayed.expect(StatusCode::CREATED),
        signed.expect(StatusCode::CREATED)
    );
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.list_ids("/v1/agreements").await.len(), 1);

    let terminate = |app: &TestApp| {
        keyed(
            app.post(
                &format!("/v1/agreements/{}/terminate", id(&signed.body)),
                &admin(),
            )
            .header("If-Match", "\"1\"")
            .json(&json!({"terminated_on": "2030-01-01", "reason": "Ende"})),
            "t",
        )
    };
    let terminated = send(terminate(&app)).await;
    terminated.expect(StatusCode::OK);
    // Without the key the repeat would be refused (stale If-Match); with it, it is replayed.
    let replayed = send(terminate(&app)).await;
    assert_eq!(replayed.expect(StatusCode::OK), &terminated.body);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.etag(), "\"2\"");

    let deactivate = |app: &TestApp| {
        keyed(
            app.post(&format!("/v1/organizations/{org_id}/deactivate"), &admin())
                .header("If-Match", "\"1\""),
            "d",
        )
    };
    let deactivated = send(deactivate(&app)).await;
    deactivated.expect(StatusCode::OK);
    let replayed = send(deactivate(&app)).await;
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
        app.post_json(
            "/v1/people",
            &person(&id(&app
                .create_organization(institution("hohenlohekreis"))
                .await)),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    assert_eq!(app.list_ids("/v1/people").await.len(), 3);
    app.stop().await;
}

#[tokio::test]
async fn same_key_with_another_request_is_refused() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let org = app.institution_id().await;
    let first = person(&org);
    send(keyed(app.post("/v1/people", &admin()).json(&first), "k"))
        .await
        .expect(StatusCode::CREATED);
    app.expect_events(&mut probe, &[ORG_REGISTERED, PERSON_REGISTERED])
        .await;

    // Another body, another path, another content type: 422, nothing runs.
    let other_body = with(first.clone(), "/given_name", json!("Jonas"));
    for request in [
        app.post("/v1/people", &admin()).json(&other_body),
        app.post("/v1/organizations", &admin())
            .json(&institution("hohenlohekreis")),
        app.post("/v1/people", &admin())
            .header("Content-Type", "application/json; charset=utf-8")
            .body(serde_json::to_vec(&first).unwrap()),
    ] {
        let reply = send(keyed(request, "k")).await;
        reply.expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
        assert!(
            reply.body["type"]
                .as_str()
                .unwrap()
                .ends_with("idempotency-key-reused")
        );
        assert_eq!(reply.header("idempotent-replayed"), None);
    }
    assert_eq!(app.list_ids("/v1/people").await.len(), 1);
    assert_eq!(app.list_ids("/v1/organizations").await.len(), 1);
    app.expect_outbox(&[]).await;

    // Keys must be 1 to 255 characters.
    for key in [String::new(), "k".repeat(256)] {
        send(keyed(app.post("/v1/people", &admin()).json(&first), &key))
            .await
            .expect_validation(&["/headers/Idempotency-Key"]);
    }
    send(keyed(
        app.post("/v1/people", &admin()).json(&first),
        &"k".repeat(255),
    ))
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
    let alice = auth::token_for("alice", &["admin"], None);
    let bob = auth::token_for("bob", &["coordinator"], None);

    let by_alice = send(keyed(app.post("/v1/people", &alice).json(&body), "shared")).await;
    by_alice.expect(StatusCode::CREATED);
    let by_bob = send(keyed(app.post("/v1/people", &bob).json(&body), "shared")).await;
    by_bob.expect(StatusCode::CREATED);
    assert_eq!(by_bob.header("idempotent-replayed"), None);
    assert_ne!(by_bob.body["id"], by_alice.body["id"]);
    // Each caller's own repeat is replayed from their own record.
    let bob_again = send(keyed(app.post("/v1/people", &bob).json(&body), "shared")).await;
    assert_eq!(bob_again.header("idempotent-replayed"), Some("true"));
    assert_eq!(bob_again.body["id"], by_bob.body["id"]);
    let alice_again = send(keyed(app.post("/v1/people", &alice).json(&body), "shared")).await;
    assert_eq!(alice_again.header("idempotent-replayed"), Some("true"));
    assert_eq!(alice_again.body["id"], by_alice.body["id"]);
    // Bob's other request with Alice's key is his own business, not a reuse of hers.
    let carol = auth::token_for("carol", &["admin"], None);
    send(keyed(
        app.post("/v1/organizations", &carol)
            .json(&institution("hohenlohekreis")),
        "shared",
    ))
    .await
    .expect(StatusCode::CREATED);

    assert_eq!(app.list_ids("/v1/people").await.len(), 2);
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
    let anonymous = app
        .http
        .post(app.url("/v1/people"))
        .header("Idempotency-Key", "fresh")
        .json(&body);
    send(anonymous)
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    let reply = send(keyed(app.post("/v1/people", &alice).json(&body), "fresh")).await;
    reply.expect(StatusCode::CREATED);
    assert_eq!(reply.header("idempotent-replayed"), None);
    app.expect_events(&mut probe, &[PERSON_REGISTERED]).await;
    app.stop().await;
}

#[tokio::test]
async fn refused_requests_are_replayed_as_refused() {
    let app = spawn().await;
    let invalid = with(
        institution("hohenlohekreis"),
        "/address/postal_code",
        json!("1"),
    );
    let first = send(keyed(
        app.post("/v1/organizations", &admin()).json(&invalid),
        "v",
    ))
    .await;
    first.expect_validation(&["/address/postal_code"]);
    let again = send(keyed(
        app.post("/v1/organizations", &admin()).json(&invalid),
        "v",
    ))
    .await;
    again.expect_validation(&["/address/postal_code"]);
    assert_eq!(again.body, first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // The corrected request needs a new key: the old one belongs to the refused request.
    let corrected = with(invalid.clone(), "/address/postal_code", json!("74523"));
    send(keyed(
        app.post("/v1/organizations", &admin()).json(&corrected),
        "v",
    ))
    .await
    .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");
    assert!(app.list_ids("/v1/organizations").await.is_empty());
    app.expect_outbox(&[]).await;

    // A conflict is replayed as the same conflict, even after the conflict is gone.
    let office = app
        .create_organization(youth_office("stadt_heilbronn"))
        .await;
    let rival = youth_office("stadt_heilbronn");
    let first = send(keyed(
        app.post("/v1/organizations", &admin()).json(&rival),
        "c",
    ))
    .await;
    first.expect_conflict("one_youth_office_per_district");
    app.post_if_match(
        &format!("/v1/organizations/{}/deactivate", id(&office)),
        "\"1\"",
        None,
    )
    .await
    .expect(StatusCode::OK);
    let again = send(keyed(
        app.post("/v1/organizations", &admin()).json(&rival),
        "c",
    ))
    .await;
    again.expect_conflict("one_youth_office_per_district");
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    app.expect_outbox(&[ORG_REGISTERED, ORG_DEACTIVATED]).await;
    app.stop().await;
}

#[tokio::test]
async fn concurrent_requests_with_one_key_write_once() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let body = person(&org);
    for round in 0..5 {
        let key = format!("race-{round}");
        let (a, b) = tokio::join!(
            send(keyed(app.post("/v1/people", &admin()).json(&body), &key)),
            send(keyed(app.post("/v1/people", &admin()).json(&body), &key))
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
    assert_eq!(app.list_ids("/v1/people").await.len(), 5);
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
