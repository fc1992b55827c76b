//! Starts the directory in-process against its own database and broker names, and the helpers
//! the API tests share: requests with tokens, problem assertions, fixtures and event checks.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::Config;
use qmf_testkit::{EventProbe, TestDatabase, auth};
use reqwest::header::HeaderMap;
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

pub const PROBLEM_BASE: &str = "https://qmf-heilbronn-franken.de/problems/";
pub const EVENT_WAIT: Duration = Duration::from_secs(10);

/// Every role of the platform that may not write to the directory.
pub const NON_WRITER_ROLES: &[&str] = &[
    "youth_office_staff",
    "institution_staff",
    "caseworker",
    "auditor",
    "committee_secretary",
    "trainer",
    "service",
];

/// Every role of the platform.
pub const ALL_ROLES: &[&str] = &[
    "admin",
    "coordinator",
    "youth_office_staff",
    "institution_staff",
    "caseworker",
    "auditor",
    "committee_secretary",
    "trainer",
    "service",
];

pub struct TestApp {
    pub base: String,
    pub http: Client,
    pub db: TestDatabase,
    pub exchange: String,
    pub queue_prefix: String,
    pool: Pool<AsyncPgConnection>,
    /// Highest outbox id already looked at by [`TestApp::new_events`].
    outbox_mark: AtomicI64,
    server: actix_web::dev::ServerHandle,
    relay: qmf_events::RelayHandle,
}

pub async fn spawn() -> TestApp {
    spawn_with(&[]).await
}

/// Starts the directory with extra or replaced environment settings.
pub async fn spawn_with(overrides: &[(&str, &str)]) -> TestApp {
    let db = qmf_testkit::create_database().await;
    let (exchange, queue_prefix) = qmf_testkit::unique_names();
    let mut env = qmf_testkit::service_env(&db.url, &exchange, &queue_prefix);
    for (key, value) in overrides {
        env.insert((*key).to_string(), (*value).to_string());
    }
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
        pool: db.pool(2),
        db,
        exchange,
        queue_prefix,
        outbox_mark: AtomicI64::new(0),
        server,
        relay: running.relay,
    }
}

pub fn admin() -> String {
    auth::token(&["admin"], None)
}

pub fn coordinator() -> String {
    auth::token(&["coordinator"], None)
}

/// A token with one role, acting for `org`.
pub fn role(role: &str, org: Option<&str>) -> String {
    auth::token(&[role], org.map(|o| Uuid::parse_str(o).unwrap()))
}

/// A response with its status, headers and body (JSON, or the text as a JSON string).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

pub async fn send(request: RequestBuilder) -> Reply {
    let response: Response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    Reply {
        status,
        headers,
        body,
    }
}

impl Reply {
    /// Asserts the status (showing the body when it differs) and returns the body.
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.body
        );
        &self.body
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|v| v.to_str().unwrap())
    }

    /// The ETag header; panics when absent.
    #[track_caller]
    pub fn etag(&self) -> String {
        self.header("etag")
            .unwrap_or_else(|| panic!("no ETag; status {} body {}", self.status, self.body))
            .to_string()
    }

    /// Asserts an RFC 9457 problem of `status` whose `type` ends in `slug`.
    #[track_caller]
    pub fn expect_problem(&self, status: StatusCode, slug: &str) -> &Value {
        self.expect(status);
        assert_eq!(
            self.header("content-type"),
            Some("application/problem+json"),
            "problem content type; body: {}",
            self.body
        );
        assert_eq!(
            self.body["type"],
            format!("{PROBLEM_BASE}{slug}"),
            "{}",
            self.body
        );
        assert_eq!(self.body["status"], status.as_u16(), "{}", self.body);
        assert!(self.body["title"].is_string(), "{}", self.body);
        &self.body
    }

    /// The `errors[].pointer` of a problem, in order.
    pub fn pointers(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|errors| {
                errors
                    .iter()
                    .map(|e| e["pointer"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Asserts a 422 validation problem naming exactly `pointers`, in order.
    #[track_caller]
    pub fn expect_validation(&self, pointers: &[&str]) {
        self.expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(self.pointers(), pointers, "body: {}", self.body);
        for error in self.body["errors"].as_array().unwrap() {
            assert!(
                !error["message"].as_str().unwrap().is_empty(),
                "{}",
                self.body
            );
        }
    }

    /// Asserts a 409 conflict naming `rule`.
    #[track_caller]
    pub fn expect_conflict(&self, rule: &str) {
        self.expect_problem(StatusCode::CONFLICT, "conflict");
        assert_eq!(self.body["rule"], rule, "body: {}", self.body);
    }
}

#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct OutboxRow {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub event_type: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub subject: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn request(&self, method: Method, path: &str, token: &str) -> RequestBuilder {
        self.http.request(method, self.url(path)).bearer_auth(token)
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

    /// GET as admin.
    pub async fn read(&self, path: &str) -> Reply {
        send(self.get(path, &admin())).await
    }

    /// POST a JSON body as admin.
    pub async fn post_json(&self, path: &str, body: &Value) -> Reply {
        send(self.post(path, &admin()).json(body)).await
    }

    /// PUT a JSON body as admin with `If-Match`.
    pub async fn put_json(&self, path: &str, if_match: &str, body: &Value) -> Reply {
        send(
            self.put(path, &admin())
                .header("If-Match", if_match)
                .json(body),
        )
        .await
    }

    /// POST a JSON body as admin with `If-Match` (deactivate, terminate).
    pub async fn post_if_match(&self, path: &str, if_match: &str, body: Option<&Value>) -> Reply {
        let mut request = self.post(path, &admin()).header("If-Match", if_match);
        if let Some(body) = body {
            request = request.json(body);
        }
        send(request).await
    }

    /// The ids of all items of a list (following every page) as admin.
    pub async fn list_ids(&self, path_and_query: &str) -> Vec<String> {
        self.list_all(path_and_query)
            .await
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// All items of a list, following `next_cursor`, as admin.
    pub async fn list_all(&self, path_and_query: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = self.get(path_and_query, &admin());
            if let Some(cursor) = &cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let reply = send(request).await;
            let body = reply.expect(StatusCode::OK);
            items.extend(body["items"].as_array().unwrap().iter().cloned());
            match body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }

    /// Watches every event this app publishes. Bind it before the writes it should see.
    pub async fn probe(&self) -> EventProbe {
        EventProbe::bind(&self.exchange, "#").await
    }

    /// Outbox rows written since the last call: the events the service committed.
    pub async fn new_events(&self) -> Vec<OutboxRow> {
        let mark = AtomicI64::load(&self.outbox_mark, Ordering::SeqCst);
        let mut conn = self.pool.get().await.unwrap();
        let rows: Vec<OutboxRow> = diesel::sql_query(
            "SELECT id, event_id, event_type, subject FROM outbox WHERE id > $1 ORDER BY id",
        )
        .bind::<diesel::sql_types::BigInt, _>(mark)
        .load(&mut conn)
        .await
        .unwrap();
        if let Some(last) = rows.last() {
            self.outbox_mark.store(last.id, Ordering::SeqCst);
        }
        rows
    }

    /// Asserts that `rows` are events of exactly `types`, in order.
    #[track_caller]
    pub fn assert_types(rows: &[OutboxRow], types: &[&str]) {
        let actual: Vec<&str> = rows.iter().map(|r| r.event_type.as_str()).collect();
        assert_eq!(actual, types, "events committed since the last check");
    }

    /// Asserts that exactly `types` were committed since the last check (and nothing else).
    pub async fn expect_outbox(&self, types: &[&str]) -> Vec<OutboxRow> {
        let rows = self.new_events().await;
        Self::assert_types(&rows, types);
        rows
    }

    /// Asserts that exactly `types` were committed since the last check and that `probe`
    /// received exactly these events from the broker, in order; returns the envelopes.
    pub async fn expect_events(&self, probe: &mut EventProbe, types: &[&str]) -> Vec<Value> {
        let rows = self.expect_outbox(types).await;
        let mut envelopes = Vec::new();
        for row in rows {
            let event = probe
                .next(EVENT_WAIT)
                .await
                .unwrap_or_else(|| panic!("event {} was not published", row.event_type));
            assert_eq!(event["id"], row.event_id.to_string(), "{event}");
            assert_eq!(event["type"], row.event_type, "{event}");
            assert_eq!(event["subject"], row.subject, "{event}");
            envelopes.push(event);
        }
        envelopes
    }

    /// Creates an organisation as admin and returns its body.
    pub async fn create_organization(&self, body: Value) -> Value {
        self.post_json("/v1/organizations", &body)
            .await
            .expect(StatusCode::CREATED)
            .clone()
    }

    pub async fn create_person(&self, body: Value) -> Value {
        self.post_json("/v1/people", &body)
            .await
            .expect(StatusCode::CREATED)
            .clone()
    }

    pub async fn create_agreement(&self, body: Value) -> Value {
        self.post_json("/v1/agreements", &body)
            .await
            .expect(StatusCode::CREATED)
            .clone()
    }

    /// An active institution in `hohenlohekreis`; returns its id.
    pub async fn institution_id(&self) -> String {
        id(&self
            .create_organization(institution("hohenlohekreis"))
            .await)
    }

    /// Stops the server and the relay and drops the test database.
    pub async fn stop(self) {
        self.server.stop(true).await;
        self.relay.stop().await;
        drop(self.pool);
        self.db.drop_database().await;
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

/// The `id` of a representation.
pub fn id(body: &Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

/// `body` with `pointer` (e.g. `/address/city`) set to `value`.
pub fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    target[key] = value;
    body
}

/// `body` without the field at `pointer`.
pub fn without(mut body: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    target.as_object_mut().unwrap().remove(key);
    body
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

/// A valid youth office draft for `district` with a unique name.
pub fn youth_office(district: &str) -> Value {
    json!({
        "name": format!("Jugendamt {district} {}", Uuid::now_v7()),
        "kind": "youth_office",
        "district": district,
        "address": {"street": "Lerchenstraße 40", "postal_code": "74072", "city": "Heilbronn"}
    })
}

/// A valid draft of an organisation of `kind` without a district (KVJS, education provider).
pub fn regional(kind: &str) -> Value {
    json!({
        "name": format!("{kind} {}", Uuid::now_v7()),
        "kind": kind,
        "address": {"street": "Lindenspürstraße 39", "postal_code": "70176", "city": "Stuttgart"}
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

pub fn agreement(organization_id: &str, kind: &str, signed_on: &str) -> Value {
    json!({
        "organization_id": organization_id,
        "kind": kind,
        "signed_on": signed_on,
        "signed_by": "Dr. Maria Muster, Einrichtungsleitung"
    })
}

pub fn quality_agreement(organization_id: &str) -> Value {
    agreement(
        organization_id,
        "quality_development_agreement",
        "2021-06-30",
    )
}

/// Today (UTC), the day the service evaluates its rules on.
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

pub fn days_from_today(days: i64) -> String {
    (today() + chrono::Duration::days(days)).to_string()
}
