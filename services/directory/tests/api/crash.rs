//! `Idempotency-Key` across crashes: a write commits its answer with its change, so a retry
//! after the process died gets the stored answer when the change committed, and runs once
//! when it did not (as soon as the dead request's lease has lapsed).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::RunQueryDsl;
use qmf_platform::idempotency::request_hash;
use reqwest::StatusCode;
use serde_json::Value;

use crate::common::{Persona, institution, spawn};

/// A request whose process died before its commit leaves a claimed key: a retry within the
/// lease is told the request is in flight; after the lease it runs, once.
#[tokio::test]
async fn a_key_left_by_a_dead_request_is_free_again_after_its_lease() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let integrator = app.as_(Persona::admin().subject("integrator-1"));
    let body = serde_json::to_vec(&institution("hohenlohekreis")).unwrap();
    let hash = request_hash("POST", "/v1/organizations", "application/json", &body);
    let mut conn = app.connection().await;
    diesel::sql_query(
        "INSERT INTO idempotency_keys (subject, key, method, path, request_hash, claim, lease_until) \
         VALUES ('integrator-1', 'dead-1', 'POST', '/v1/organizations', $1, $2, \
                 now() + interval '1 hour')",
    )
    .bind::<Text, _>(&hash)
    .bind::<SqlUuid, _>(uuid::Uuid::now_v7())
    .execute(&mut conn)
    .await
    .unwrap();
    let post = || {
        integrator
            .post("/v1/organizations")
            .idempotency_key("dead-1")
            .header("Content-Type", "application/json")
            .body(body.clone())
    };

    post()
        .send()
        .await
        .expect_problem(StatusCode::CONFLICT, "idempotency-key-in-flight");
    assert!(admin.list_ids("/v1/organizations").await.is_empty());

    // The dead request's lease lapses: the retry runs, once.
    diesel::sql_query(
        "UPDATE idempotency_keys SET lease_until = now() - interval '1 second' \
         WHERE subject = 'integrator-1' AND key = 'dead-1'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let ran = post().send().await;
    ran.expect(StatusCode::CREATED);
    assert_eq!(ran.header("idempotent-replayed"), None);
    let again = post().send().await;
    again.expect(StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body, ran.body);
    assert_eq!(admin.list_ids("/v1/organizations").await.len(), 1);
    drop(conn);
    app.stop().await;
}

/// The directory as its own process, killed with SIGKILL at varying moments of a keyed write,
/// restarted, and the write retried with the same key: the organisation exists exactly once
/// and the retry answers 201, either replayed (the first attempt committed) or run anew (it
/// did not).
#[tokio::test(flavor = "multi_thread")]
async fn a_write_killed_at_any_moment_runs_once_on_retry() {
    let db = qmf_testkit::create_database().await;
    let (exchange, queue_prefix) = qmf_testkit::unique_names();
    let mut env = qmf_testkit::service_env(&db.url, &exchange, &queue_prefix);
    let port = free_port();
    env.insert("QMF_HTTP_ADDR".into(), format!("127.0.0.1:{port}"));
    env.insert("QMF_IDEMPOTENCY_LEASE_SECS".into(), "1".into());
    env.insert("QMF_LOG".into(), "warn".into());
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let token = Persona::admin().subject("integrator-2").token();
    let (mut replayed, mut ran_anew) = (0, 0);

    for attempt in 0..10u64 {
        let mut service = start(&env);
        wait_ready(&http, &base).await;
        let draft = institution("hohenlohekreis");
        let key = format!("crash-{attempt}");
        let request = http
            .post(format!("{base}/v1/organizations"))
            .bearer_auth(&token)
            .header("Idempotency-Key", &key)
            .json(&draft);
        let in_flight = tokio::spawn(request.send());
        // Kill at a different moment each time: before, during and after the transaction.
        tokio::time::sleep(Duration::from_millis(attempt * 4)).await;
        service.kill().unwrap();
        service.wait().unwrap();
        let first: Option<Value> = match in_flight.await.unwrap() {
            Ok(response) if response.status() == StatusCode::CREATED => {
                Some(response.json().await.unwrap())
            }
            _ => None,
        };

        let mut service = start(&env);
        wait_ready(&http, &base).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        let retry = loop {
            let response = http
                .post(format!("{base}/v1/organizations"))
                .bearer_auth(&token)
                .header("Idempotency-Key", &key)
                .json(&draft)
                .send()
                .await
                .unwrap();
            // Within the dead request's lease the key is still claimed: 409, try again.
            if response.status() == StatusCode::CONFLICT && Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
            break response;
        };
        assert_eq!(retry.status(), StatusCode::CREATED, "attempt {attempt}");
        let was_replayed = retry.headers().contains_key("idempotent-replayed");
        let body: Value = retry.json().await.unwrap();
        if let Some(first) = first {
            assert!(was_replayed, "attempt {attempt}: the first answer arrived");
            assert_eq!(body, first);
        }
        if was_replayed {
            replayed += 1;
        } else {
            ran_anew += 1;
        }
        let name = draft["name"].as_str().unwrap();
        let found: Value = http
            .get(format!("{base}/v1/organizations"))
            .query(&[("q", name)])
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            found["items"].as_array().unwrap().len(),
            1,
            "attempt {attempt}: {found}"
        );
        service.kill().unwrap();
        service.wait().unwrap();
    }
    println!("retries replayed: {replayed}, retries run anew: {ran_anew}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start(env: &std::collections::HashMap<String, String>) -> Child {
    Command::new(env!("CARGO_BIN_EXE_qmf-directory"))
        .env_clear()
        .envs(env)
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn wait_ready(http: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = http
            .get(format!("{base}/health/live"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ready {
            return;
        }
        assert!(Instant::now() < deadline, "the directory did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
