//! The token attacks every service is tested against: one table, run by each service's tests
//! against one of its authenticated endpoints (`check`). Each row is a way a token can be
//! wrong (or oddly right) and the status the platform must answer with; refusals must be
//! problem+json and must not leak the verifier's internals.

use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::{AUDIENCE, DEV_SECRET, ISSUER, sign};

/// One row: what is sent in `Authorization` (None: no header) and the expected status.
pub struct Case {
    pub name: &'static str,
    pub authorization: Option<String>,
    pub status: u16,
}

fn claims(roles: &[&str], org: Option<Uuid>) -> Value {
    let now = chrono::Utc::now().timestamp();
    json!({
        "sub": "token-table", "roles": roles, "org": org,
        "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600
    })
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    if let Some(map) = claims.as_object_mut() {
        map.remove(key);
    }
    claims
}

fn bearer(token: String) -> Option<String> {
    Some(format!("Bearer {token}"))
}

fn unsigned(header: &str, claims: &Value) -> String {
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!(
        "{}.{}.",
        engine.encode(header),
        engine.encode(claims.to_string())
    )
}

/// The table for a caller who, with a valid token of `roles` for `org`, gets `ok` (200).
pub fn cases(roles: &[&str], org: Option<Uuid>) -> Vec<Case> {
    let now = chrono::Utc::now().timestamp();
    let good = claims(roles, org);
    let valid = sign(good.clone());
    let case = |name, authorization, status| Case {
        name,
        authorization,
        status,
    };
    let hs384 = encode(
        &Header::new(Algorithm::HS384),
        &good,
        &EncodingKey::from_secret(DEV_SECRET.as_bytes()),
    )
    .unwrap_or_default();
    let other_secret = encode(
        &Header::new(Algorithm::HS256),
        &good,
        &EncodingKey::from_secret(b"another-secret-0123456789abcdef0123456789"),
    )
    .unwrap_or_default();
    // Algorithm confusion: an RS256 header over an HMAC signature made with the shared secret.
    let confused = {
        let body = unsigned(r#"{"alg":"RS256","typ":"JWT"}"#, &good);
        let signing_input = body.trim_end_matches('.');
        let signature = jsonwebtoken::crypto::sign(
            signing_input.as_bytes(),
            &EncodingKey::from_secret(DEV_SECRET.as_bytes()),
            Algorithm::HS256,
        )
        .unwrap_or_default();
        format!("{signing_input}.{signature}")
    };
    vec![
        case("no Authorization header", None, 401),
        case("another scheme", Some(format!("Basic {valid}")), 401),
        case("empty bearer", Some("Bearer ".into()), 401),
        case("garbage", bearer("not-a-jwt".into()), 401),
        case("three garbage parts", bearer("a.b.c".into()), 401),
        case(
            "expired",
            bearer(sign(with(good.clone(), "exp", json!(now - 3600)))),
            401,
        ),
        case(
            "not valid for an hour yet (nbf)",
            bearer(sign(with(good.clone(), "nbf", json!(now + 3600)))),
            401,
        ),
        case(
            "wrong issuer",
            bearer(sign(with(good.clone(), "iss", json!("evil")))),
            401,
        ),
        case(
            "wrong audience",
            bearer(sign(with(good.clone(), "aud", json!("other")))),
            401,
        ),
        case(
            "audience list without ours",
            bearer(sign(with(good.clone(), "aud", json!(["other", "account"])))),
            401,
        ),
        case("signed with another key", bearer(other_secret), 401),
        case(
            "alg none",
            bearer(unsigned(r#"{"alg":"none","typ":"JWT"}"#, &good)),
            401,
        ),
        case("HS384 instead of HS256", bearer(hs384), 401),
        case("algorithm confusion (RS256 header)", bearer(confused), 401),
        case(
            "missing exp",
            bearer(sign(without(good.clone(), "exp"))),
            401,
        ),
        case(
            "missing sub",
            bearer(sign(without(good.clone(), "sub"))),
            401,
        ),
        case(
            "missing iss",
            bearer(sign(without(good.clone(), "iss"))),
            401,
        ),
        case("a 100 KB token", bearer("a".repeat(100 * 1024)), 431),
        case(
            "no roles",
            bearer(sign(with(good.clone(), "roles", json!([])))),
            403,
        ),
        case(
            "only unknown roles",
            bearer(sign(with(
                good.clone(),
                "roles",
                json!(["superuser", "root"]),
            ))),
            403,
        ),
        case(
            "roles missing",
            bearer(sign(without(good.clone(), "roles"))),
            403,
        ),
        case("valid", bearer(valid.clone()), 200),
        case(
            "audience as a list",
            bearer(sign(with(
                good.clone(),
                "aud",
                json!(["account", AUDIENCE]),
            ))),
            200,
        ),
        case("lowercase scheme", Some(format!("bearer {valid}")), 200),
        case("uppercase scheme", Some(format!("BEARER {valid}")), 200),
        case(
            "nbf within the clock leeway",
            bearer(sign(with(good.clone(), "nbf", json!(now + 5)))),
            200,
        ),
    ]
}

/// Runs the table against `GET {base}{path}`; a valid token of `roles`/`org` must read it.
/// Panics with every row that answered differently.
pub async fn check(base: &str, path: &str, roles: &[&str], org: Option<Uuid>) {
    let client = reqwest::Client::new();
    let mut failures = Vec::new();
    for case in cases(roles, org) {
        let mut request = client.get(format!("{base}{path}"));
        if let Some(value) = &case.authorization {
            request = request.header("Authorization", value);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                failures.push(format!("{}: no answer ({e})", case.name));
                continue;
            }
        };
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = response.text().await.unwrap_or_default();
        if status != case.status {
            failures.push(format!(
                "{}: expected {}, got {status}: {body}",
                case.name, case.status
            ));
            continue;
        }
        if status >= 400 {
            if !content_type.starts_with("application/problem+json") {
                failures.push(format!("{}: {status} is not problem+json", case.name));
            }
            for leak in [
                "JSON",
                "at line",
                "column",
                "Error(",
                "RS256",
                "HS384",
                "InvalidToken",
            ] {
                if body.contains(leak) {
                    failures.push(format!("{}: the answer leaks {leak:?}: {body}", case.name));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "GET {path}: {} token cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
