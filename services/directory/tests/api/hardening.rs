#![allow(clippy::unwrap_used, clippy::expect_used)]
//! What an outside attack tried against the platform's shared HTTP layer, tried again here:
//! odd tokens, control characters, far dates, look-alike names, trailing slashes, unknown
//! methods, missing security headers and floods. The directory stands for every service, which
//! share this layer; each service also runs the token table itself.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::{self, Persona, Records, TestApp, directory, id, institution, spawn};

#[tokio::test]
async fn the_token_table_holds() {
    let app = spawn().await;
    qmf_testkit::token_table::check(&app.base, "/v1/organizations", &["institution_staff"], None)
        .await;
    app.stop().await;
}

#[tokio::test]
async fn a_lowercase_bearer_scheme_still_gets_idempotency() {
    let app = spawn().await;
    let body = institution("stadt_heilbronn");
    let token = Persona::admin().token();
    let post = |scheme: &'static str| {
        app.anonymous()
            .post("/v1/organizations")
            .header("Authorization", format!("{scheme} {token}"))
            .idempotency_key("lowercase-bearer-1")
            .json(&body)
    };
    let first = post("bearer").send().await;
    first.expect(StatusCode::CREATED);
    let second = post("bearer").send().await;
    second.expect(StatusCode::CREATED);
    assert_eq!(second.headers["idempotent-replayed"], "true");
    assert_eq!(id(&first.body), id(&second.body));
    let third = post("BEARER").send().await;
    assert_eq!(id(&first.body), id(&third.body));
    app.stop().await;
}

#[tokio::test]
async fn control_characters_bidi_overrides_and_invisible_names_are_refused_with_a_pointer() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let with_name = |name: &str| {
        let mut body = institution("stadt_heilbronn");
        body["name"] = json!(name);
        body
    };
    for (name, what) in [
        ("Einrichtung\u{0}Nord", "NUL"),
        ("Einrichtung \u{202E}droN", "right-to-left override"),
        ("\u{200B}\u{200B}", "zero-width spaces only"),
        ("Einrichtung\u{1B}[31m", "escape sequence"),
    ] {
        let reply = admin
            .post("/v1/organizations")
            .json(&with_name(name))
            .send()
            .await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            reply.body
        );
        reply.expect_validation(&["/name"]);
    }
    let mut external = institution("stadt_heilbronn");
    external["external_ids"] = json!({"okjug": "X\u{0}1"});
    admin
        .post("/v1/organizations")
        .json(&external)
        .send()
        .await
        .expect_validation(&["/external_ids/okjug"]);
    // A path with them names nothing that can exist; the string path parameters never reach
    // the database.
    for path in [
        "/v1/organizations/a%00b",
        "/v1/people/%01",
        "/v1/agreements/x%E2%80%AE",
    ] {
        admin
            .get(path)
            .send()
            .await
            .expect_problem(StatusCode::NOT_FOUND, "not-found");
    }
    // In the query string too.
    for path in [
        "/v1/organizations?q=a%00b",
        "/v1/organizations?q=%E2%80%AEabc",
    ] {
        let reply = admin.get(path).send().await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {}",
            reply.body
        );
    }
    app.stop().await;
}

#[tokio::test]
async fn the_same_name_in_nfc_and_nfd_is_one_name() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut first = institution("stadt_heilbronn");
    let name = format!("Kinderhaus Sonnenblümchen {}", uuid::Uuid::now_v7());
    first["name"] = json!(name);
    let created = admin.post("/v1/organizations").json(&first).send().await;
    created.expect(StatusCode::CREATED);
    let mut second = institution("stadt_heilbronn");
    let decomposed = name.replace('ü', "u\u{0308}");
    assert_ne!(decomposed, name);
    second["name"] = json!(decomposed);
    admin
        .post("/v1/organizations")
        .json(&second)
        .send()
        .await
        .expect_conflict("organization_name_unique");
    // A decomposed name is stored composed.
    let mut third = institution("stadt_heilbronn");
    third["name"] = json!("Mu\u{0308}hle Haus");
    let stored = admin.post("/v1/organizations").json(&third).send().await;
    assert_eq!(
        stored.expect(StatusCode::CREATED)["name"],
        "M\u{00FC}hle Haus"
    );
    app.stop().await;
}

#[tokio::test]
async fn dates_outside_1900_to_2200_are_refused() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    for date in [
        "+10000-01-01",
        "0000-01-01",
        "-0001-01-01",
        "1899-12-31",
        "2201-01-01",
    ] {
        let mut body = common::person(&org);
        body["active_from"] = json!(date);
        let reply = admin.post("/v1/people").json(&body).send().await;
        assert_eq!(
            reply.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{date}: {}",
            reply.body
        );
        reply.expect_validation(&["/active_from"]);
    }
    let reply = admin
        .get("/v1/people?modified_since=%2B10000-01-01T00:00:00Z")
        .send()
        .await;
    assert_eq!(
        reply.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        reply.body
    );
    app.stop().await;
}

#[tokio::test]
async fn a_trailing_slash_is_not_found_and_says_nothing_about_methods() {
    let app = spawn().await;
    let org = app.institution_id().await;
    for path in [
        format!("/v1/organizations/{org}/"),
        "/v1/organizations/".to_string(),
    ] {
        let reply = app.as_(Persona::admin()).get(&path).send().await;
        reply.expect_problem(StatusCode::NOT_FOUND, "not-found");
        assert!(!reply.headers.contains_key("allow"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let admin = app.as_(Persona::admin());
    for (path, caller) in [
        (format!("/v1/organizations/{org}"), &admin),
        ("/v1/organizations".to_string(), &app.anonymous()),
        ("/v1/nowhere".to_string(), &admin),
        ("/health/live".to_string(), &app.anonymous()),
    ] {
        let reply = caller.get(&path).send().await;
        assert_eq!(reply.headers["cache-control"], "no-store", "{path}");
        assert_eq!(reply.headers["x-content-type-options"], "nosniff", "{path}");
        assert!(!reply.headers.contains_key("server"), "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn unknown_methods_and_paths_add_no_metric_series() {
    let app = spawn().await;
    for i in 0..20 {
        let method = Method::from_bytes(format!("FOO{i}").as_bytes()).unwrap();
        app.as_(Persona::admin())
            .request(method, &format!("/v1/nowhere/{i}"))
            .send()
            .await;
    }
    let metrics = app.anonymous().get("/metrics").send().await;
    let text = metrics.body.as_str().unwrap_or_default().to_string();
    assert!(!text.contains("FOO"), "{text}");
    assert!(!text.contains("/v1/nowhere"), "{text}");
    assert!(text.contains("method=\"other\""), "{text}");
    app.stop().await;
}

#[tokio::test]
async fn errors_below_the_handlers_are_problems() {
    let app =
        TestApp::start(directory().env("QMF_CORS_ALLOWED_ORIGINS", "https://app.example")).await;
    // A refused cross-origin preflight.
    let reply = app
        .anonymous()
        .request(Method::OPTIONS, "/v1/organizations")
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await;
    reply.expect_problem(StatusCode::BAD_REQUEST, "bad-request");
    // An Authorization header beyond the limit.
    let reply = app
        .anonymous()
        .get("/v1/organizations")
        .header(
            "Authorization",
            format!("Bearer {}", "a".repeat(100 * 1024)),
        )
        .send()
        .await;
    reply.expect_problem(
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "header-too-large",
    );
    app.stop().await;
}

#[tokio::test]
async fn a_stalled_body_is_answered_with_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::start(directory().env("QMF_HTTP_BODY_TIMEOUT_SECS", "1")).await;
    let address = app.address().to_string();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /v1/organizations HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{{\"name\":",
        Persona::admin().token()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        stream.read_to_end(&mut answer),
    )
    .await;
    assert!(read.is_ok(), "no answer within 15 s");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    app.stop().await;
}

#[tokio::test]
async fn floods_are_limited_per_token_and_refused_tokens_per_address() {
    let app = TestApp::start(
        directory()
            .env("QMF_RATE_LIMIT_PER_TOKEN", "60")
            .env("QMF_RATE_LIMIT_PER_TOKEN_BURST", "20")
            .env("QMF_RATE_LIMIT_AUTH_FAILURES", "10")
            .env("QMF_RATE_LIMIT_AUTH_FAILURES_BURST", "5"),
    )
    .await;
    let admin = app.as_(Persona::admin());
    let mut statuses = Vec::new();
    for _ in 0..30 {
        statuses.push(admin.get("/v1/organizations").send().await);
    }
    let limited: Vec<_> = statuses
        .iter()
        .filter(|r| r.status == StatusCode::TOO_MANY_REQUESTS)
        .collect();
    assert!(
        (8..=10).contains(&limited.len()),
        "{} of 30 limited",
        limited.len()
    );
    let first = limited[0];
    first.expect_problem(StatusCode::TOO_MANY_REQUESTS, "too-many-requests");
    let retry: u64 = first.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // Another caller is not held back by the first one's flood.
    let other = Persona::coordinator().subject("another-caller");
    app.as_(other)
        .get("/v1/organizations")
        .send()
        .await
        .expect(StatusCode::OK);
    // Refused tokens from one address: after the burst, 429 instead of 401.
    let mut refused = Vec::new();
    for _ in 0..8 {
        refused.push(
            app.bearer("not-a-token")
                .get("/v1/organizations")
                .send()
                .await
                .status,
        );
    }
    assert_eq!(
        refused
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count(),
        5,
        "{refused:?}"
    );
    assert_eq!(refused[7], StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

/// Sends raw bytes on a new connection and returns everything the server answers.
async fn raw_exchange(app: &TestApp, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(app.address()).await.unwrap();
    // The server may answer and close before the whole request is sent.
    let _ = stream.write_all(request).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(15),
        stream.read_to_end(&mut answer),
    )
    .await;
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_http_codecs_own_refusals_are_problems_too() {
    let app = spawn().await;
    let huge_header = format!(
        "GET /v1/organizations HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\n\r\n",
        "a".repeat(200 * 1024)
    );
    let long_path = format!(
        "GET /v1/organizations/{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(70 * 1024)
    );
    for (what, request, status) in [
        ("a 200 KB header", huge_header, "431"),
        ("a 70 KB path", long_path, "400"),
        ("a malformed request line", "GET\r\n\r\n".to_string(), "400"),
        // The head never completes: the server gives up after its request timeout (5 s).
        (
            "a head that never ends",
            "GET /v1/organizations HTTP/1.1\r\n".to_string(),
            "408",
        ),
    ] {
        let answer = raw_exchange(&app, request.as_bytes()).await;
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{what}: {answer}"
        );
        assert!(
            answer.contains("application/problem+json"),
            "{what}: {answer}"
        );
        let body = answer.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["status"].to_string(), status, "{what}: {answer}");
    }
    app.stop().await;
}
