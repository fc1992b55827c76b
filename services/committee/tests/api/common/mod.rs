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
        let token = auth::token(&["committee_secretary"], None);
        self.send_as(&token, method, path, etag, body, status).await
    }

    /// Like `send`, with the given token.
    pub async fn send_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        etag: Option<&str>,
        body: Option<Value>,
        status: StatusCode,
    ) -> (Value, String) {
        let mut request = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token);
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

    /// Id of a body by its name.
    pub async fn body(&self, name: &str) -> String {
        let (page, _) = self
            .send(
                Method::GET,
                "/v1/bodies?limit=200",
                None,
                None,
                StatusCode::OK,
            )
            .await;
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap_or_else(|| panic!("no body {name}"))["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Records a person of `organization` as the directory's events would.
    pub async fn person(&self, organization: Uuid) -> Uuid {
        let id = Uuid::now_v7();
        self.known_person(id, organization).await;
        id
    }

    /// Makes sure the committee knows `id` as a person of `organization`.
    pub async fn known_person(&self, id: Uuid, organization: Uuid) {
        let pool = self.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        diesel::sql_query(format!(
            "INSERT INTO directory_people (id, organization_id, given_name, family_name, email, active, version) \
             VALUES ('{id}', '{organization}', 'Vorname', 'Nachname', 'v.nachname@example.org', true, 1) ON CONFLICT (id) DO NOTHING"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }

    /// Gives `person` of `organization` a seat with `role` in a body, from 2026-01-01.
    pub async fn seat(&self, body: &str, person: Uuid, organization: Uuid, role: &str) {
        self.known_person(person, organization).await;
        self.send(
            Method::POST,
            &format!("/v1/bodies/{body}/memberships"),
            None,
            Some(serde_json::json!({"person_id": person, "organization_id": organization, "role": role, "start_on": "2026-01-01"})),
            StatusCode::CREATED,
        )
        .await;
    }

    /// Plans a meeting of a body on `day` (09:00–13:00 UTC) and returns its id and ETag.
    pub async fn plan_meeting(&self, body: &str, day: &str, public: bool) -> (String, String) {
        let (meeting, etag) = self
            .send(
                Method::POST,
                &format!("/v1/bodies/{body}/meetings"),
                None,
                Some(serde_json::json!({"title": format!("Sitzung {day}"), "starts_at": format!("{day}T09:00:00Z"),
                    "ends_at": format!("{day}T13:00:00Z"), "place": "Landratsamt Heilbronn", "public": public})),
                StatusCode::CREATED,
            )
            .await;
        (meeting["id"].as_str().unwrap().to_string(), etag)
    }

    /// Runs SQL on the service's database, e.g. to set up data the API refuses to create.
    pub async fn sql(&self, statement: &str) {
        let pool = self.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .unwrap();
    }

    /// Runs SQL on the service's database and returns the database's refusal, if any.
    pub async fn try_sql(&self, statement: &str) -> Result<usize, String> {
        let pool = self.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        diesel::sql_query(statement)
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())
    }

    /// The number `query` counts (a `SELECT count(*) AS n …`).
    pub async fn count(&self, query: &str) -> i64 {
        #[derive(diesel::QueryableByName)]
        struct Count {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let pool = self.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        let row: Count = diesel::sql_query(query)
            .get_result(&mut conn)
            .await
            .unwrap();
        row.n
    }

    /// The instant of `time` (HH:MM) on the regional calendar day (Europe/Berlin) that lies
    /// `days` after today's, as PostgreSQL's time-zone rules have it.
    pub async fn regional_time(&self, days: i32, time: &str) -> chrono::DateTime<chrono::Utc> {
        #[derive(diesel::QueryableByName)]
        struct At {
            #[diesel(sql_type = diesel::sql_types::Timestamptz)]
            at: chrono::DateTime<chrono::Utc>,
        }
        let pool = self.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        let row: At = diesel::sql_query(format!(
            "SELECT (((now() AT TIME ZONE 'Europe/Berlin')::date + {days}) + time '{time}') \
             AT TIME ZONE 'Europe/Berlin' AS at"
        ))
        .get_result(&mut conn)
        .await
        .unwrap();
        row.at
    }

    /// Plans a meeting of a body from `starts_at` for an hour; returns its id and ETag.
    pub async fn plan_meeting_at(
        &self,
        body: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        public: bool,
    ) -> (String, String) {
        let ends_at = starts_at + chrono::Duration::hours(1);
        let (meeting, etag) = self
            .send(
                Method::POST,
                &format!("/v1/bodies/{body}/meetings"),
                None,
                Some(
                    serde_json::json!({"title": "Sitzung", "starts_at": starts_at,
                    "ends_at": ends_at, "place": "Landratsamt Heilbronn", "public": public}),
                ),
                StatusCode::CREATED,
            )
            .await;
        (meeting["id"].as_str().unwrap().to_string(), etag)
    }

    /// Current ETag of a resource.
    pub async fn etag(&self, path: &str) -> String {
        self.send(Method::GET, path, None, None, StatusCode::OK)
            .await
            .1
    }
}

/// A token for a person (subject = person id) of an organisation.
pub fn person_token(person: Uuid, organization: Uuid) -> String {
    auth::token_for(
        &person.to_string(),
        &["institution_staff"],
        Some(organization),
    )
}

impl App {
    /// Publishes an event as another service would, retrying until the committee's queue is
    /// bound (the consumer binds it shortly after start-up).
    pub async fn publish_event(&self, source: &str, event_type: &str, data: Value) {
        let body = qmf_events::Envelope::new(source, event_type, "test", data)
            .to_json()
            .unwrap();
        for _ in 0..50 {
            if qmf_testkit::publish(&self.exchange, event_type, &body).await {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("no queue bound for {event_type}");
    }
}
