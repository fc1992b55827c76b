//! Starts the committee service in-process with its own database and broker names, and a
//! directory read copy filled as the directory's events would fill it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use diesel_async::RunQueryDsl;
use qmf_platform::Config;
use qmf_testkit::auth;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use uuid::Uuid;

pub struct App {
    pub base: String,
    pub http: reqwest::Client,
    pub db: qmf_testkit::TestDatabase,
    pub exchange: String,
    pub offices: Vec<Uuid>,
    pub institution: Uuid,
    _running: (
        actix_web::dev::ServerHandle,
        qmf_events::RelayHandle,
        Option<qmf_events::ConsumerHandle>,
    ),
}

pub async fn spawn() -> App {
    let db = qmf_testkit::create_database().await;
    let (exchange, prefix) = qmf_testkit::unique_names();
    let env = qmf_testkit::service_env(&db.url, &exchange, &prefix);
    let config = Config::from_lookup(qmf_committee::SERVICE, |k| env.get(k).cloned()).unwrap();
    qmf_platform::db::run_migrations(&config.database_url, &qmf_committee::commands().migrations)
        .unwrap();
    let running = qmf_committee::start(&config, qmf_committee::TermSettings { years: 2 }).unwrap();
    let base = format!("http://{}", running.http.addr);
    let handle = running.http.server.handle();
    tokio::spawn(running.http.server);
    // The directory read copy, as the directory's events would fill it.
    let offices: Vec<Uuid> = (0..3).map(|_| Uuid::now_v7()).collect();
    let institution = Uuid::now_v7();
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    for (i, id) in offices.iter().enumerate() {
        diesel::sql_query(format!("INSERT INTO directory_organizations (id, name, kind, active, version) VALUES ('{id}', 'Jugendamt {}', 'youth_office', true, 1)", ["A", "B", "C"][i]))
            .execute(&mut conn).await.unwrap();
    }
    diesel::sql_query(format!("INSERT INTO directory_organizations (id, name, kind, active, version) VALUES ('{institution}', 'Einrichtung', 'institution', true, 1)"))
        .execute(&mut conn).await.unwrap();
    App {
        base,
        http: reqwest::Client::new(),
        db,
        exchange,
        offices,
        institution,
        _running: (handle, running.relay, running.consumer),
    }
}

impl App {
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let code = response.status();
        let text = response.text().await.unwrap();
        assert_eq!(code, status, "{text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

impl App {
    /// Sends a request as the committee secretary, with an optional If-Match; returns the body
    /// and the ETag.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        etag: Option<&str>,
        body: Option<Value>,
        status: StatusCode,
    ) -> (Value, String) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(auth::token(&["committee_secretary"], None));
        if let Some(etag) = etag {
            request = request.header("If-Match", etag);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let code = response.status();
        let etag = response
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let text = response.text().await.unwrap();
        assert_eq!(code, status, "{text}");
        (serde_json::from_str(&text).unwrap_or(Value::Null), etag)
    }

    pub async fn forum(&self) -> String {
        let (page, _) = self
            .send(
                Method::GET,
                "/v1/bodies?kind=forum",
                None,
                None,
                StatusCode::OK,
            )
            .await;
        page["items"][0]["id"].as_str().unwrap().to_string()
    }
}
