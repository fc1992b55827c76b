#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Agreements: signing, reading, listing and terminating; the 2021 rule; conflicts.

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SIGNED: &str = "directory.agreement.signed.v1";
const TERMINATED: &str = "directory.agreement.terminated.v1";
const ORG_REGISTERED: &str = "directory.organization.registered.v1";
const ORG_DEACTIVATED: &str = "directory.organization.deactivated.v1";

async fn has_valid_agreement(app: &TestApp, org: &str) -> Value {
    app.as_(Persona::admin())
        .get(&format!("/v1/organizations/{org}"))
        .send()
        .await
        .expect(StatusCode::OK)["has_valid_agreement"]
        .clone()
}

#[tokio::test]
async fn sign_read_and_terminate_agreements() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    assert_eq!(has_valid_agreement(&app, &org).await, false);

    let draft = agreement(&org, "quality_development_agreement", "2021-06-30");
    let created = app
        .as_(Persona::coordinator())
        .post("/v1/agreements")
        .json(&draft)
        .send()
        .await;
    let body = created.expect(StatusCode::CREATED).clone();
    let id = id(&body);
    let path = format!("/v1/agreements/{id}");
    assert_eq!(created.header("location"), Some(path.as_str()));
    assert_eq!(created.etag(), "\"1\"");
    for field in ["organization_id", "kind", "signed_on", "signed_by"] {
        assert_eq!(body[field], draft[field], "{field}");
    }
    assert_eq!(body["terminated_on"], Value::Null);
    assert_eq!(body["termination_reason"], Value::Null);
    assert_eq!(body["valid"], true);
    assert_eq!(body["version"], 1);
    assert_eq!(has_valid_agreement(&app, &org).await, true);

    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &body);
    assert_eq!(read.etag(), "\"1\"");

    // Terminated from a future day on: still valid until then.
    let end = days_from_today(30);
    let terminated = app
        .as_(Persona::coordinator())
        .post(&format!("{path}/terminate"))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": end, "reason": "  Einrichtung schließt  "}))
        .send()
        .await;
    let after = terminated.expect(StatusCode::OK).clone();
    assert_eq!(terminated.etag(), "\"2\"");
    assert_eq!(after["version"], 2);
    assert_eq!(after["terminated_on"], end.as_str());
    assert_eq!(after["termination_reason"], "Einrichtung schließt");
    assert_eq!(after["valid"], true);
    assert_eq!(after["signed_on"], "2021-06-30");
    assert_eq!(has_valid_agreement(&app, &org).await, true);
    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &after);
    assert_eq!(read.etag(), "\"2\"");

    // Terminated today: no longer valid today.
    let old = app
        .create_agreement(agreement(&org, "cooperation_agreement", "2015-09-01"))
        .await;
    assert_eq!(old["valid"], true);
    let reply = admin
        .post(&format!("/v1/agreements/{}/terminate", common::id(&old)))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": today().to_string(), "reason": "ersetzt"}))
        .send()
        .await;
    assert_eq!(reply.expect(StatusCode::OK)["valid"], false);

    // A termination may fall on the day of signature, and a signature may be today.
    let same_day = app.institution_id().await;
    let signed_today = app
        .create_agreement(agreement(
            &same_day,
            "quality_development_agreement",
            &today().to_string(),
        ))
        .await;
    assert_eq!(signed_today["valid"], true);
    assert_eq!(has_valid_agreement(&app, &same_day).await, true);
    let reply = admin
        .post(&format!(
            "/v1/agreements/{}/terminate",
            common::id(&signed_today)
        ))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": today().to_string(), "reason": "Irrtum"}))
        .send()
        .await;
    assert_eq!(reply.expect(StatusCode::OK)["valid"], false);
    assert_eq!(has_valid_agreement(&app, &same_day).await, false);

    app.expect_outbox(&[
        ORG_REGISTERED,
        SIGNED,
        TERMINATED,
        SIGNED,
        TERMINATED,
        ORG_REGISTERED,
        SIGNED,
        TERMINATED,
    ])
    .await;
    app.stop().await;
}

#[tokio::test]
async fn agreement_list_filters() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org1 = app.institution_id().await;
    let org2 = app.institution_id().await;
    let mut ids = Vec::new();
    for draft in [
        agreement(&org1, "cooperation_agreement", "2018-03-01"),
        agreement(&org1, "quality_development_agreement", "2021-02-01"),
        agreement(&org2, "quality_development_agreement", "2022-07-15"),
        agreement(&org2, "cooperation_agreement", "2020-12-31"),
    ] {
        ids.push(id(&app.create_agreement(draft).await));
    }
    let [coop1, quality1, quality2, coop2] = ids.clone().try_into().unwrap();
    let coop2_created = admin
        .get(&format!("/v1/agreements/{coop2}"))
        .send()
        .await
        .body["updated_at"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .post(&format!("/v1/agreements/{coop1}/terminate"))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": "2021-01-01", "reason": "abgelöst"}))
        .send()
        .await
        .expect(StatusCode::OK);

    let cases: Vec<(String, Vec<&String>)> = vec![
        (String::new(), vec![&coop1, &quality1, &quality2, &coop2]),
        (format!("organization_id={org1}"), vec![&coop1, &quality1]),
        (format!("organization_id={org2}"), vec![&quality2, &coop2]),
        (format!("organization_id={}", uuid::Uuid::now_v7()), vec![]),
        ("kind=cooperation_agreement".into(), vec![&coop1, &coop2]),
        (
            "kind=quality_development_agreement".into(),
            vec![&quality1, &quality2],
        ),
        ("valid=true".into(), vec![&quality1, &quality2, &coop2]),
        ("valid=false".into(), vec![&coop1]),
        (
            format!("organization_id={org1}&kind=cooperation_agreement&valid=false"),
            vec![&coop1],
        ),
        (
            format!("modified_since={}", coop2_created.replace('+', "%2B")),
            vec![&coop1],
        ),
        (
            "modified_since=2000-01-01T00:00:00Z".into(),
            vec![&quality1, &quality2, &coop2, &coop1],
        ),
    ];
    app.settle_writes().await;
    for (query, expected) in cases {
        let got = admin.list_ids(&format!("/v1/agreements?{query}")).await;
        let expected: Vec<String> = expected.into_iter().cloned().collect();
        assert_eq!(got, expected, "query {query:?}");
    }
    let items = admin.list_all("/v1/agreements?valid=false").await;
    assert_eq!(
        &items[0],
        admin
            .get(&format!("/v1/agreements/{coop1}"))
            .send()
            .await
            .expect(StatusCode::OK)
    );
    assert_eq!(items[0]["valid"], false);
    app.stop().await;
}

#[tokio::test]
async fn agreement_validation_rules() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let tomorrow = days_from_today(1);
    let cases: Vec<(Value, Vec<&str>)> = vec![
        // From 2021 only the quality development agreement can be signed.
        (
            agreement(&org, "cooperation_agreement", "2021-01-01"),
            vec!["/kind"],
        ),
        (
            agreement(&org, "cooperation_agreement", "2024-05-01"),
            vec!["/kind"],
        ),
        // It did not exist before 2021.
        (
            agreement(&org, "quality_development_agreement", "2020-12-31"),
            vec!["/signed_on"],
        ),
        // Signatures cannot lie in the future.
        (
            agreement(&org, "quality_development_agreement", &tomorrow),
            vec!["/signed_on"],
        ),
        (
            agreement(&org, "cooperation_agreement", &tomorrow),
            vec!["/signed_on", "/kind"],
        ),
        (
            with(quality_agreement(&org), "/signed_by", json!("")),
            vec!["/signed_by"],
        ),
        (
            with(quality_agreement(&org), "/signed_by", json!(" M ")),
            vec!["/signed_by"],
        ),
        (
            with(
                quality_agreement(&org),
                "/signed_by",
                json!("x".repeat(201)),
            ),
            vec!["/signed_by"],
        ),
        (
            with(
                quality_agreement(&org),
                "/kind",
                json!("framework_agreement"),
            ),
            vec!["/kind"],
        ),
        (
            with(quality_agreement(&org), "/signed_on", json!("2021-02-29")),
            vec!["/signed_on"],
        ),
        (
            with(quality_agreement(&org), "/organization_id", json!("nope")),
            vec!["/organization_id"],
        ),
        (
            without(quality_agreement(&org), "/signed_by"),
            vec!["/signed_by"],
        ),
    ];
    for (body, pointers) in &cases {
        admin
            .post("/v1/agreements")
            .json(body)
            .send()
            .await
            .expect_validation(pointers);
    }
    // Valid boundaries, each for its own organisation (one running agreement per kind).
    for (kind, signed_on) in [
        ("cooperation_agreement", "2020-12-31"),
        ("quality_development_agreement", "2021-01-01"),
    ] {
        let org = app.institution_id().await;
        app.create_agreement(with(
            agreement(&org, kind, signed_on),
            "/signed_by",
            json!("MM"),
        ))
        .await;
    }

    // Termination rules.
    let stored = app.create_agreement(quality_agreement(&org)).await;
    let path = format!("/v1/agreements/{}", id(&stored));
    let terminate = |body: Value| {
        let path = format!("{path}/terminate");
        let admin = admin.clone();
        async move { admin.post(&path).if_match("\"1\"").json(&body).send().await }
    };
    terminate(json!({"terminated_on": "2021-06-29", "reason": "zu früh"}))
        .await
        .expect_validation(&["/terminated_on"]);
    terminate(json!({"terminated_on": "2022-01-01", "reason": ""}))
        .await
        .expect_validation(&["/reason"]);
    terminate(json!({"terminated_on": "2022-01-01", "reason": "x".repeat(501)}))
        .await
        .expect_validation(&["/reason"]);
    terminate(json!({"terminated_on": "2020-01-01", "reason": " "}))
        .await
        .expect_validation(&["/reason", "/terminated_on"]);
    terminate(json!({"terminated_on": "2022-01-01"}))
        .await
        .expect_validation(&["/reason"]);
    terminate(json!({"terminated_on": "someday", "reason": "x"}))
        .await
        .expect_validation(&["/terminated_on"]);
    let read = admin.get(&path).send().await;
    assert_eq!(read.expect(StatusCode::OK), &stored);
    assert_eq!(read.etag(), "\"1\"");

    app.expect_outbox(&[
        ORG_REGISTERED,
        ORG_REGISTERED,
        SIGNED,
        ORG_REGISTERED,
        SIGNED,
        SIGNED,
    ])
    .await;
    app.stop().await;
}

#[tokio::test]
async fn agreement_conflicts() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;

    // Unknown organisation: invalid reference.
    admin
        .post("/v1/agreements")
        .json(&quality_agreement(&uuid::Uuid::now_v7().to_string()))
        .send()
        .await
        .expect_validation(&["/organization_id"]);

    // one_running_agreement_per_kind: one running agreement of each kind.
    let first = app.create_agreement(quality_agreement(&org)).await;
    admin
        .post("/v1/agreements")
        .json(&agreement(
            &org,
            "quality_development_agreement",
            "2023-01-10",
        ))
        .send()
        .await
        .expect_conflict("one_running_agreement_per_kind");
    // A running agreement of the other kind is no conflict.
    let coop = app
        .create_agreement(agreement(&org, "cooperation_agreement", "2012-01-01"))
        .await;
    admin
        .post("/v1/agreements")
        .json(&agreement(&org, "cooperation_agreement", "2019-01-01"))
        .send()
        .await
        .expect_conflict("one_running_agreement_per_kind");
    // After a termination (even one that takes effect later) a new one can be signed.
    let first_path = format!("/v1/agreements/{}", id(&first));
    admin
        .post(&format!("{first_path}/terminate"))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": days_from_today(60), "reason": "neu verhandelt"}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.create_agreement(agreement(
        &org,
        "quality_development_agreement",
        "2024-03-01",
    ))
    .await;

    // agreement_already_terminated
    admin
        .post(&format!("{first_path}/terminate"))
        .if_match("\"2\"")
        .json(&json!({"terminated_on": days_from_today(10), "reason": "doch früher"}))
        .send()
        .await
        .expect_conflict("agreement_already_terminated");
    let read = admin.get(&first_path).send().await;
    assert_eq!(read.etag(), "\"2\"");
    assert_eq!(read.body["terminated_on"], days_from_today(60).as_str());

    // organization_inactive: no agreement for a deactivated organisation; existing ones can
    // still be terminated.
    admin
        .post(&format!("/v1/organizations/{org}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    admin
        .post("/v1/agreements")
        .json(&agreement(
            &org,
            "quality_development_agreement",
            "2025-01-01",
        ))
        .send()
        .await
        .expect_conflict("organization_inactive");
    admin
        .post(&format!("/v1/agreements/{}/terminate", id(&coop)))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": today().to_string(), "reason": "aufgelöst"}))
        .send()
        .await
        .expect(StatusCode::OK);

    // Unknown agreements.
    let unknown = format!("/v1/agreements/{}", uuid::Uuid::now_v7());
    admin
        .get(&unknown)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    admin
        .post(&format!("{unknown}/terminate"))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": "2024-01-01", "reason": "x"}))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");

    assert_eq!(
        admin
            .list_ids(&format!("/v1/agreements?organization_id={org}"))
            .await
            .len(),
        3
    );
    app.expect_outbox(&[
        ORG_REGISTERED,
        SIGNED,
        SIGNED,
        TERMINATED,
        SIGNED,
        ORG_DEACTIVATED,
        TERMINATED,
    ])
    .await;
    app.stop().await;
}
