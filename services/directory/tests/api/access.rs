#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Access: bearer tokens (401), writer roles (403), reads for everyone authenticated, and who
//! sees staff contact data.

use crate::common;

use common::*;
use qmf_testkit::Request;
use qmf_testkit::auth;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    json!({
        "sub": "mallory", "roles": ["admin"], "org": null,
        "iss": auth::ISSUER, "aud": auth::AUDIENCE, "iat": now(), "exp": now() + 600
    })
}

/// RFC 4648 base64url without padding, for hand-made tokens.
fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn unsigned_token(header: Value, claims: &Value) -> String {
    format!(
        "{}.{}.",
        base64url(header.to_string().as_bytes()),
        base64url(claims.to_string().as_bytes())
    )
}

/// Asserts a 401 problem with the bearer challenge.
#[track_caller]
fn expect_unauthorized(reply: &Reply, what: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "{what}: {}",
        reply.body
    );
    reply.expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    assert_eq!(
        reply.header("www-authenticate"),
        Some("Bearer realm=\"qmf\""),
        "{what}"
    );
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthorized() {
    let app = spawn().await;
    let org = app.institution_id().await;
    app.new_events().await;

    let valid = Persona::admin().token();
    let (header, payload, _) = {
        let mut parts = valid.split('.');
        (
            parts.next().unwrap().to_string(),
            parts.next().unwrap().to_string(),
            parts.next().unwrap().to_string(),
        )
    };
    let signature_of = |token: &str| token.rsplit('.').next().unwrap().to_string();
    let other_signature = signature_of(&Persona::coordinator().token());
    let mut tampered_claims = claims();
    tampered_claims["sub"] = json!("test-user");
    let tampered = format!(
        "{header}.{}.{}",
        base64url(tampered_claims.to_string().as_bytes()),
        signature_of(&valid)
    );

    let mut missing_sub = claims();
    missing_sub.as_object_mut().unwrap().remove("sub");
    let mut missing_exp = claims();
    missing_exp.as_object_mut().unwrap().remove("exp");
    let mut missing_aud = claims();
    missing_aud.as_object_mut().unwrap().remove("aud");

    let cases: Vec<(&str, Option<String>)> = vec![
        ("no Authorization header", None),
        ("Basic credentials", Some("Basic YWRtaW46YWRtaW4=".into())),
        ("empty bearer", Some("Bearer ".into())),
        ("token without scheme", Some(valid.clone())),
        ("garbage", Some("Bearer not-a-token".into())),
        ("three garbage parts", Some("Bearer a.b.c".into())),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                auth::sign(json!({
                    "sub": "u", "roles": ["admin"], "iss": auth::ISSUER, "aud": auth::AUDIENCE,
                    "iat": now() - 7200, "exp": now() - 120
                }))
            )),
        ),
        (
            "wrong issuer",
            Some(format!(
                "Bearer {}",
                auth::sign(with(claims(), "/iss", json!("https://evil.example")))
            )),
        ),
        (
            "wrong audience",
            Some(format!(
                "Bearer {}",
                auth::sign(with(claims(), "/aud", json!("other-platform")))
            )),
        ),
        (
            "without sub",
            Some(format!("Bearer {}", auth::sign(missing_sub))),
        ),
        (
            "without exp",
            Some(format!("Bearer {}", auth::sign(missing_exp))),
        ),
        (
            "without aud",
            Some(format!("Bearer {}", auth::sign(missing_aud))),
        ),
        (
            "alg none",
            Some(format!(
                "Bearer {}",
                unsigned_token(json!({"alg": "none", "typ": "JWT"}), &claims())
            )),
        ),
        (
            "alg none, upper case",
            Some(format!(
                "Bearer {}",
                unsigned_token(json!({"alg": "None", "typ": "JWT"}), &claims())
            )),
        ),
        (
            "HS256 header without signature",
            Some(format!("Bearer {header}.{payload}.")),
        ),
        (
            "signature of another token",
            Some(format!("Bearer {header}.{payload}.{other_signature}")),
        ),
        (
            "claims changed after signing",
            Some(format!("Bearer {tampered}")),
        ),
    ];
    let body = institution("hohenlohekreis");
    for (what, authorization) in &cases {
        for (method, path) in [
            (Method::GET, "/v1/organizations".to_string()),
            (Method::GET, format!("/v1/organizations/{org}")),
            (Method::POST, "/v1/organizations".to_string()),
        ] {
            let mut request = app.anonymous().request(method.clone(), &path);
            if let Some(authorization) = authorization {
                request = request.header("Authorization", authorization);
            }
            if method == Method::POST {
                request = request.json(&body).idempotency_key("k");
            }
            expect_unauthorized(&request.send().await, what);
        }
    }
    // Health stays public.
    app.anonymous()
        .get("/health/live")
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(
        app.as_(Persona::admin())
            .list_ids("/v1/organizations")
            .await,
        vec![org]
    );
    app.expect_outbox(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn tokens_signed_with_another_secret_are_unauthorized() {
    // The service trusts another secret than the one the test tokens are signed with.
    let app = TestApp::start(directory().env(
        "QMF_AUTH_DEV_SECRET",
        "another-secret-0123456789abcdef0123456789",
    ))
    .await;
    for role in ALL_ROLES {
        let reply = app
            .as_(Persona::role(role))
            .get("/v1/organizations")
            .send()
            .await;
        expect_unauthorized(&reply, role);
    }
    let reply = app
        .as_(Persona::admin())
        .post("/v1/organizations")
        .json(&institution("hohenlohekreis"))
        .send()
        .await;
    expect_unauthorized(&reply, "write");
    app.stop().await;
}

/// Every write endpoint, as a request of `caller`.
fn write_requests(
    caller: &Caller,
    org: &str,
    person_id: &str,
    agreement_id: &str,
) -> Vec<(String, Request)> {
    let csv_orgs = format!(
        "name,kind,district,street,postal_code,city\n\
         Einrichtung {},institution,hohenlohekreis,Weg 1,74653,Künzelsau\n",
        Uuid::now_v7()
    );
    let csv_people = format!(
        "organization_id,given_name,family_name,functions,active_from\n{org},Jonas,Müller,leader,2024-01-01\n"
    );
    vec![
        (
            "create organisation".into(),
            caller
                .post("/v1/organizations")
                .json(&institution("hohenlohekreis")),
        ),
        (
            "update organisation".into(),
            caller
                .put(&format!("/v1/organizations/{org}"))
                .if_match("\"1\"")
                .json(&institution("hohenlohekreis")),
        ),
        (
            "deactivate organisation".into(),
            caller
                .post(&format!("/v1/organizations/{org}/deactivate"))
                .if_match("\"1\""),
        ),
        (
            "import organisations".into(),
            caller
                .post("/v1/organizations/import")
                .header("Content-Type", "text/csv")
                .body(csv_orgs),
        ),
        (
            "create person".into(),
            caller.post("/v1/people").json(&person(org)),
        ),
        (
            "update person".into(),
            caller
                .put(&format!("/v1/people/{person_id}"))
                .if_match("\"1\"")
                .json(&person(org)),
        ),
        (
            "deactivate person".into(),
            caller
                .post(&format!("/v1/people/{person_id}/deactivate"))
                .if_match("\"1\"")
                .json(&json!({"active_until": "2030-01-01"})),
        ),
        (
            "import people".into(),
            caller
                .post("/v1/people/import")
                .header("Content-Type", "text/csv")
                .body(csv_people),
        ),
        (
            "sign agreement".into(),
            caller.post("/v1/agreements").json(&agreement(
                org,
                "cooperation_agreement",
                "2019-01-01",
            )),
        ),
        (
            "terminate agreement".into(),
            caller
                .post(&format!("/v1/agreements/{agreement_id}/terminate"))
                .if_match("\"1\"")
                .json(&json!({"terminated_on": "2030-01-01", "reason": "Ende"})),
        ),
    ]
}

#[tokio::test]
async fn only_admins_and_coordinators_write() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let person_id = id(&app.create_person(person(&org)).await);
    let agreement_id = id(&app.create_agreement(quality_agreement(&org)).await);
    app.new_events().await;

    let mut personas: Vec<(String, Persona)> = Vec::new();
    for role in NON_WRITER_ROLES {
        // Even staff of the very organisation cannot change the directory.
        personas.push((
            format!("{role} of the organisation"),
            Persona::role(role).of(&org),
        ));
        personas.push((format!("{role} without organisation"), Persona::role(role)));
    }
    personas.push(("no roles".into(), Persona::roles(&[]).of(&org)));
    personas.push((
        "unknown role".into(),
        Persona::roles(&["superuser", "root"]),
    ));
    personas.push((
        "all non-writer roles".into(),
        Persona::roles(NON_WRITER_ROLES).of(&org),
    ));
    for (who, persona) in &personas {
        let caller = app.as_(persona);
        for (what, request) in write_requests(&caller, &org, &person_id, &agreement_id) {
            let reply = request
                .idempotency_key(format!("{who}-{what}"))
                .send()
                .await;
            assert_eq!(
                reply.status,
                StatusCode::FORBIDDEN,
                "{who} may not {what}: {}",
                reply.body
            );
            reply.expect_problem(StatusCode::FORBIDDEN, "forbidden");
        }
    }
    // Nothing changed.
    app.expect_outbox(&[]).await;
    assert_eq!(admin.list_ids("/v1/organizations").await, vec![org.clone()]);
    assert_eq!(admin.list_ids("/v1/people").await, vec![person_id.clone()]);
    assert_eq!(
        admin.list_ids("/v1/agreements").await,
        vec![agreement_id.clone()]
    );
    for path in [
        format!("/v1/organizations/{org}"),
        format!("/v1/people/{person_id}"),
        format!("/v1/agreements/{agreement_id}"),
    ] {
        assert_eq!(admin.get(&path).send().await.etag(), "\"1\"");
    }

    // A writer role among others is enough; each writer role can do every write.
    for roles in [vec!["caseworker", "coordinator"], vec!["admin"]] {
        let caller = app.as_(Persona::roles(&roles));
        for index in 0..10 {
            let org = app.institution_id().await;
            let person_id = id(&app.create_person(person(&org)).await);
            let agreement_id = id(&app.create_agreement(quality_agreement(&org)).await);
            let (what, request) =
                write_requests(&caller, &org, &person_id, &agreement_id).swap_remove(index);
            let reply = request.send().await;
            assert!(
                reply.status.is_success(),
                "{roles:?} may {what}: {} {}",
                reply.status,
                reply.body
            );
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn every_authenticated_role_reads() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let person_id = id(&app.create_person(person(&org)).await);
    let agreement_id = id(&app.create_agreement(quality_agreement(&org)).await);
    for who in ALL_ROLES {
        let caller = app.as_(Persona::role(who));
        for path in [
            "/v1/organizations".to_string(),
            format!("/v1/organizations/{org}"),
            "/v1/people".to_string(),
            format!("/v1/people/{person_id}"),
            "/v1/agreements".to_string(),
            format!("/v1/agreements/{agreement_id}"),
        ] {
            let reply = caller.get(&path).send().await;
            assert_eq!(
                reply.status,
                StatusCode::OK,
                "{who} reads {path}: {}",
                reply.body
            );
            if path.ends_with(&person_id) || path.ends_with(&org) || path.ends_with(&agreement_id) {
                assert_eq!(reply.etag(), "\"1\"");
            } else {
                assert_eq!(
                    reply.body["items"].as_array().unwrap().len(),
                    1,
                    "{who} {path}"
                );
            }
        }
    }
    app.stop().await;
}

#[tokio::test]
async fn staff_contact_data_is_visible_only_to_the_own_organization_and_the_coordination() {
    let app = spawn().await;
    let org_a = app.institution_id().await;
    let org_b = id(&app
        .create_organization(youth_office("stadt_heilbronn"))
        .await);
    let a = app.create_person(person(&org_a)).await;
    let b = app
        .create_person(with(
            with(person(&org_b), "/email", json!("b@jugendamt.example")),
            "/phone",
            json!("+49 7131 56-2000"),
        ))
        .await;
    let a_id = id(&a);
    let b_id = id(&b);

    // (who, persona, sees A's contact data, sees B's contact data)
    let mut viewers: Vec<(String, Persona, bool, bool)> = vec![
        ("admin".into(), Persona::admin(), true, true),
        ("coordinator".into(), Persona::coordinator(), true, true),
        ("admin of B".into(), Persona::admin().of(&org_b), true, true),
    ];
    for role in NON_WRITER_ROLES {
        viewers.push((
            format!("{role} of A"),
            Persona::role(role).of(&org_a),
            true,
            false,
        ));
        viewers.push((
            format!("{role} of B"),
            Persona::role(role).of(&org_b),
            false,
            true,
        ));
        viewers.push((
            format!("{role} without org"),
            Persona::role(role),
            false,
            false,
        ));
        viewers.push((
            format!("{role} of an unknown org"),
            Persona::role(role).of(Uuid::now_v7()),
            false,
            false,
        ));
    }
    let check = |who: &str, person: &Value, expected: &Value, visible: bool| {
        if visible {
            assert_eq!(person["email"], expected["email"], "{who}: {person}");
            assert_eq!(person["phone"], expected["phone"], "{who}: {person}");
        } else {
            assert!(
                person.get("email").is_none(),
                "{who} must not see the e-mail: {person}"
            );
            assert!(
                person.get("phone").is_none(),
                "{who} must not see the phone: {person}"
            );
        }
        // Everything else is visible to everyone.
        for field in [
            "id",
            "organization_id",
            "given_name",
            "family_name",
            "functions",
            "active",
        ] {
            assert_eq!(person[field], expected[field], "{who}: {field}");
        }
    };
    // The sync list below shows what ended transactions wrote.
    app.settle_writes().await;
    for (who, persona, sees_a, sees_b) in &viewers {
        let caller = app.as_(persona);
        for (person_id, expected, visible) in [(&a_id, &a, *sees_a), (&b_id, &b, *sees_b)] {
            let reply = caller.get(&format!("/v1/people/{person_id}")).send().await;
            check(who, reply.expect(StatusCode::OK), expected, visible);
        }
        let list = caller.get("/v1/people").send().await;
        let items = list.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(items.len(), 2);
        check(who, &items[0], &a, *sees_a);
        check(who, &items[1], &b, *sees_b);
        let filtered = caller
            .get(&format!("/v1/people?organization_id={org_b}"))
            .send()
            .await;
        let items = filtered.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .clone();
        assert_eq!(items.len(), 1);
        check(who, &items[0], &b, *sees_b);
        let synced = caller
            .get("/v1/people?modified_since=2000-01-01T00:00:00Z")
            .send()
            .await;
        let items = synced.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .clone();
        check(who, &items[0], &a, *sees_a);
    }
    // Writers see the contact data in their write responses, too.
    let reply = app
        .as_(Persona::admin())
        .put(&format!("/v1/people/{a_id}"))
        .if_match("\"1\"")
        .json(&person(&org_a))
        .send()
        .await;
    assert_eq!(
        reply.expect(StatusCode::OK)["email"],
        "l.beispiel@example.org"
    );
    app.stop().await;
}

#[test]
fn hand_made_tokens_are_well_encoded() {
    assert_eq!(base64url(b"Man"), "TWFu");
    assert_eq!(base64url(b"Ma"), "TWE");
    assert_eq!(base64url(b"M"), "TQ");
    assert_eq!(base64url(&[0xfb, 0xff]), "-_8");
    // The header of a test token, re-encoded, is byte for byte what jsonwebtoken wrote.
    let token = Persona::admin().token();
    let header = token.split('.').next().unwrap();
    let json = br#"{"typ":"JWT","alg":"HS256"}"#;
    assert_eq!(base64url(json), header);
}
