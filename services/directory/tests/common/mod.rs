//! Starts the directory in-process against its own database and broker names.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use qmf_platform::Config;
use qmf_testkit::{EventProbe, TestDatabase, auth};
use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    pub base: String,
    pub http: Client,
    pub db: TestDatabase,
    pub exchange: String,
    pub queue_prefix: String,
    server: actix_web::dev::ServerHandle,
    _relay: qmf_events::RelayHandle,
}

pub async fn spawn() -> TestApp {
    let db = qmf_testkit::create_database().await;
    let (exchange, queue_prefix) = qmf_testkit::unique_names();
    let env = qmf_testkit::service_env(&db.url, &exchange, &queue_prefix);
    let config = Config::from_lookup(qmf_directory::SERVICE, |k| env.get(k).cloned()).unwrap();
    qmf_platform::db::run_migrations(&config.database_url, &qmf_directory::commands().migrations)
        .unwrap();
    let running = qmf_directory::start(&config).unwrap();
    let base = format!("http://{}", running.http.addr);
    let server = running.http.server.handle();
    tokio::spawn(running.http.server);
    TestApp {
        base,
        http: Client::new(),
        db,
        exchange,
        queue_prefix,
        server,
        _relay: running.relay,
    }
}

pub fn admin() -> String {
    auth::token(&["admin"], None)
}

pub fn coordinator() -> String {
    auth::token(&["coordinator"], None)
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str, token: &str) -> RequestBuilder {
        self.http.get(self.url(path)).bearer_auth(token)
    }

    pub fn post(&self, path: &str, token: &str) -> RequestBuilder {
        self.http.post(self.url(path)).bearer_auth(token)
    }

    pub fn put(&self, path: &str, token: &str) -> RequestBuilder {
        self.http.put(self.url(path)).bearer_auth(token)
    }

    /// Watches every event this app publishes.
    pub async fn probe(&self) -> EventProbe {
        EventProbe::bind(&self.exchange, "#").await
    }

    /// Creates an organisation as admin and returns its body.
    pub async fn create_organization(&self, body: Value) -> Value {
        let response = self
            .post("/v1/organizations", &admin())
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_status(response, StatusCode::CREATED).await
    }

    pub async fn create_person(&self, body: Value) -> Value {
        let response = self
            .post("/v1/people", &admin())
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_status(response, StatusCode::CREATED).await
    }

    pub async fn create_agreement(&self, body: Value) -> Value {
        let response = self
            .post("/v1/agreements", &admin())
            .json(&body)
            .send()
            .await
            .unwrap();
        expect_status(response, StatusCode::CREATED).await
    }

    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}

/// Asserts the status (showing the body when it differs) and returns the JSON body.
pub async fn expect_status(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let text = response.text().await.unwrap();
    assert_eq!(actual, status, "unexpected status; body: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

/// A valid institution draft with a unique name.
pub fn institution(district: &str) -> Value {
    json!({
        "name": format!("Einrichtung {}", Uuid::now_v7()),
        "kind": "institution",
        "district": district,
        "umbrella_carrier": "Caritas",
        "address": {"street": "Hauptstraße 1", "postal_code": "74523", "city": "Schwäbisch Hall"},
        "email": "info@einrichtung.example",
        "phone": "+49 791 1234-0",
        "external_ids": {"okjug": "X-1"}
    })
}

pub fn person(organization_id: &str) -> Value {
    json!({
        "organization_id": organization_id,
        "given_name": "Lena",
        "family_name": "Beispiel",
        "email": "l.beispiel@example.org",
        "phone": "+49 7131 1234",
        "functions": ["caseworker"],
        "active_from": "2024-01-01",
        "active_until": null
    })
}

pub const EVENT_WAIT: Duration = Duration::from_secs(10);
