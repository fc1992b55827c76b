#![allow(clippy::unwrap_used, clippy::expect_used)]
//! HTTP conventions: problem responses for bad bodies, bad paths, unknown routes, wrong
//! methods and bad query strings.

use crate::common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn bad_bodies_are_answered_with_problems() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let raw = |path: &str, content_type: Option<&str>, body: Vec<u8>| {
        let mut request = admin.post(path).body(body);
        if let Some(content_type) = content_type {
            request = request.header("Content-Type", content_type);
        }
        request.send()
    };
    let json_type = Some("application/json");

    // Malformed JSON: 400.
    for body in [
        r#"{"name": "#,
        r#"{"name": "x",}"#,
        "not json",
        "",
        r#"{"name": "x"} trailing"#,
        r#"{"kind": "church", "name": "#,
    ] {
        raw("/v1/organizations", json_type, body.into())
            .await
            .expect_problem(StatusCode::BAD_REQUEST, "bad-request");
    }

    // Unknown fields: 422 naming the field, also in nested objects.
    let draft = institution("hohenlohekreis");
    admin
        .post("/v1/organizations")
        .json(&with(draft.clone(), "/colour", json!("blue")))
        .send()
        .await
        .expect_validation(&["/colour"]);
    admin
        .post("/v1/organizations")
        .json(&with(draft.clone(), "/address/country", json!("DE")))
        .send()
        .await
        .expect_validation(&["/address/country"]);
    admin
        .post("/v1/people")
        .json(&with(person(&org), "/salary", json!(1)))
        .send()
        .await
        .expect_validation(&["/salary"]);
    admin
        .post("/v1/agreements")
        .json(&with(quality_agreement(&org), "/valid", json!(true)))
        .send()
        .await
        .expect_validation(&["/valid"]);

    // Wrong enum values and types: 422 with the pointer.
    admin
        .post("/v1/organizations")
        .json(&with(draft.clone(), "/kind", json!("church")))
        .send()
        .await
        .expect_validation(&["/kind"]);
    admin
        .post("/v1/organizations")
        .json(&with(draft.clone(), "/district", json!("berlin")))
        .send()
        .await
        .expect_validation(&["/district"]);
    admin
        .post("/v1/organizations")
        .json(&with(draft.clone(), "/address/postal_code", json!(74072)))
        .send()
        .await
        .expect_validation(&["/address/postal_code"]);
    admin
        .post("/v1/organizations")
        .json(&with(draft.clone(), "/external_ids/okjug", json!(42)))
        .send()
        .await
        .expect_validation(&["/external_ids/okjug"]);
    admin
        .post("/v1/agreements")
        .json(&with(
            quality_agreement(&org),
            "/kind",
            json!("Cooperation_Agreement"),
        ))
        .send()
        .await
        .expect_validation(&["/kind"]);
    admin
        .post("/v1/organizations")
        .json(&json!("Jugendhilfe Nord"))
        .send()
        .await
        .expect_validation(&[""]);

    // Wrong or missing content type: 415.
    let body = serde_json::to_vec(&draft).unwrap();
    for content_type in [
        Some("text/plain"),
        Some("application/xml"),
        Some("text/csv"),
        None,
    ] {
        raw("/v1/organizations", content_type, body.clone())
            .await
            .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }
    // JSON with parameters or a +json subtype is fine.
    raw(
        "/v1/organizations",
        Some("application/json; charset=utf-8"),
        body.clone(),
    )
    .await
    .expect(StatusCode::CREATED);
    let body = serde_json::to_vec(&institution("hohenlohekreis")).unwrap();
    raw("/v1/organizations", Some("application/vnd.qmf+json"), body)
        .await
        .expect(StatusCode::CREATED);

    // Over the JSON limit (256 KiB): 413, also for bodies that are otherwise valid.
    let oversized = with(
        institution("hohenlohekreis"),
        "/umbrella_carrier",
        json!("x".repeat(300 * 1024)),
    );
    admin
        .post("/v1/organizations")
        .json(&oversized)
        .send()
        .await
        .expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
    let reply = admin
        .put(&format!("/v1/organizations/{org}"))
        .if_match("\"1\"")
        .json(&oversized)
        .send()
        .await;
    reply.expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");
    // Just under the limit the body is read (and refused by the length rule instead).
    let near_limit = with(
        institution("hohenlohekreis"),
        "/umbrella_carrier",
        json!("x".repeat(250 * 1024)),
    );
    admin
        .post("/v1/organizations")
        .json(&near_limit)
        .send()
        .await
        .expect_validation(&["/umbrella_carrier"]);

    // Nothing of the refused requests was stored.
    assert_eq!(admin.list_ids("/v1/organizations").await.len(), 3);
    assert!(admin.list_ids("/v1/people").await.is_empty());
    assert!(admin.list_ids("/v1/agreements").await.is_empty());
    app.stop().await;
}

#[tokio::test]
async fn bad_paths_unknown_routes_and_wrong_methods() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let admin = app.as_(Persona::admin());

    // A malformed id cannot name a resource: 404.
    for (method, path) in [
        (Method::GET, "/v1/organizations/not-a-uuid"),
        (Method::GET, "/v1/organizations/123"),
        (Method::PUT, "/v1/organizations/not-a-uuid"),
        (Method::POST, "/v1/organizations/not-a-uuid/deactivate"),
        (Method::GET, "/v1/people/not-a-uuid"),
        (Method::PUT, "/v1/people/not-a-uuid"),
        (Method::POST, "/v1/people/not-a-uuid/deactivate"),
        (Method::GET, "/v1/agreements/not-a-uuid"),
        (Method::POST, "/v1/agreements/not-a-uuid/terminate"),
    ] {
        let reply = admin
            .request(method.clone(), path)
            .if_match("\"1\"")
            .json(&json!({}))
            .send()
            .await;
        reply.expect_problem(StatusCode::NOT_FOUND, "not-found");
    }

    // Unknown routes: 404 problem.
    for path in [
        "/v1/nothing",
        "/v2/organizations",
        "/v1/organizations/x/y/z",
        &format!("/v1/organizations/{org}/members"),
        "/",
    ] {
        let reply = admin.get(path).send().await;
        reply.expect_problem(StatusCode::NOT_FOUND, "not-found");
    }

    // A known path with another method: 405 with Allow.
    for (method, path, allow) in [
        (
            Method::DELETE,
            format!("/v1/organizations/{org}"),
            "GET, HEAD, PUT",
        ),
        (
            Method::PATCH,
            format!("/v1/organizations/{org}"),
            "GET, HEAD, PUT",
        ),
        (
            Method::PUT,
            "/v1/organizations".to_string(),
            "GET, HEAD, POST",
        ),
        (
            Method::DELETE,
            "/v1/organizations".to_string(),
            "GET, HEAD, POST",
        ),
        (
            Method::GET,
            format!("/v1/organizations/{org}/deactivate"),
            "POST",
        ),
        (Method::DELETE, "/v1/people".to_string(), "GET, HEAD, POST"),
        (
            Method::DELETE,
            format!("/v1/people/{org}"),
            "GET, HEAD, PUT",
        ),
        (Method::PUT, format!("/v1/people/{org}/deactivate"), "POST"),
        (Method::PUT, "/v1/agreements".to_string(), "GET, HEAD, POST"),
        (Method::PUT, format!("/v1/agreements/{org}"), "GET, HEAD"),
        (Method::DELETE, format!("/v1/agreements/{org}"), "GET, HEAD"),
        (
            Method::GET,
            format!("/v1/agreements/{org}/terminate"),
            "POST",
        ),
    ] {
        let reply = admin.request(method.clone(), &path).send().await;
        reply.expect_problem(StatusCode::METHOD_NOT_ALLOWED, "method-not-allowed");
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
    }

    // HEAD answers like GET, without the body; where there is no GET, 405.
    let refused = admin
        .head(&format!("/v1/organizations/{org}/deactivate"))
        .send()
        .await;
    assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(refused.header("allow"), Some("POST"));
    let reply = admin.head(&format!("/v1/organizations/{org}")).send().await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.headers.contains_key("etag"));
    let length: usize = reply.header("content-length").unwrap().parse().unwrap();
    assert!(length > 0);
    assert_eq!(reply.body, serde_json::Value::Null, "no body");
    app.stop().await;
}

#[tokio::test]
async fn bad_query_strings() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    // Malformed values, unknown parameters: 400.
    for query in [
        "/v1/organizations?kind=church",
        "/v1/organizations?district=berlin",
        "/v1/organizations?active=maybe",
        "/v1/organizations?has_valid_agreement=1x",
        "/v1/organizations?modified_since=yesterday",
        "/v1/organizations?modified_since=2024-01-01",
        "/v1/organizations?limit=ten",
        "/v1/organizations?sort=name",
        "/v1/people?organization_id=not-a-uuid",
        "/v1/people?function=boss",
        "/v1/people?active=yes",
        "/v1/people?kind=institution",
        "/v1/agreements?kind=framework",
        "/v1/agreements?valid=perhaps",
        "/v1/agreements?q=x",
        "/v1/agreements?modified_since=now",
    ] {
        let reply = admin.get(query).send().await;
        reply.expect_problem(StatusCode::BAD_REQUEST, "bad-request");
    }
    // Well-formed but out of range: 422 naming the parameter.
    for list in ["/v1/organizations", "/v1/people", "/v1/agreements"] {
        for limit in ["0", "-1", "201", "100000"] {
            admin
                .get(&format!("{list}?limit={limit}"))
                .send()
                .await
                .expect_validation(&["/query/limit"]);
        }
        for limit in ["1", "200"] {
            admin
                .get(&format!("{list}?limit={limit}"))
                .send()
                .await
                .expect(StatusCode::OK);
        }
        for cursor in ["garbage", "eyJ4IjoxfQ", "%00%01", "W10"] {
            admin
                .get(&format!("{list}?cursor={cursor}"))
                .send()
                .await
                .expect_validation(&["/query/cursor"]);
        }
    }
    for list in ["/v1/organizations", "/v1/people"] {
        admin
            .get(list)
            .query(&[("q", "x".repeat(101))])
            .send()
            .await
            .expect_validation(&["/query/q"]);
        admin
            .get(list)
            .query(&[("q", "x".repeat(100))])
            .send()
            .await
            .expect(StatusCode::OK);
    }
    app.stop().await;
}
