//! Starts the case service in-process against its own database and broker names, with a
//! directory read copy filled directly (as the directory's events would).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use diesel_async::RunQueryDsl;
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
    /// A youth office, a second youth office, an institution with a valid agreement and one without.
    pub office: Uuid,
    pub other_office: Uuid,
    pub provider: Uuid,
    pub provider_without_agreement: Uuid,
    /// The caseworker of `case_draft()`, a person of `office`, and a caseworker of `other_office`.
    pub caseworker_id: Uuid,
    pub other_caseworker_id: Uuid,
    server: actix_web::dev::ServerHandle,
    _running: (
        qmf_events::RelayHandle,
        Option<qmf_events::ConsumerHandle>,
        qmf_platform::jobs::JobsHandle,
    ),
}

pub async fn spawn() -> TestApp {
    let db = qmf_testkit::create_database().await;
    let (exchange, queue_prefix) = qmf_testkit::unique_names();
    let env = qmf_testkit::service_env(&db.url, &exchange, &queue_prefix);
    let config = Config::from_lookup(qmf_case::SERVICE, |k| env.get(k).cloned()).unwrap();
    let settings = qmf_case::settings::CaseSettings::from_lookup(|k| env.get(k).cloned()).unwrap();
    qmf_platform::db::run_migrations(&config.database_url, &qmf_case::commands().migrations)
        .unwrap();
    let running = qmf_case::start(&config, settings).unwrap();
    let base = format!("http://{}", running.http.addr);
    let server = running.http.server.handle();
    tokio::spawn(running.http.server);
    let app = TestApp {
        base,
        http: Client::new(),
        db,
        exchange,
        office: Uuid::now_v7(),
        other_office: Uuid::now_v7(),
        provider: Uuid::now_v7(),
        provider_without_agreement: Uuid::now_v7(),
        caseworker_id: CASEWORKER.parse().unwrap(),
        other_caseworker_id: Uuid::now_v7(),
        server,
        _running: (running.relay, running.consumer, running.jobs),
    };
    app.seed_directory().await;
    app
}

impl TestApp {
    async fn seed_directory(&self) {
        let pool = self.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        for (id, name, kind) in [
            (self.office, "Jugendamt A", "youth_office"),
            (self.other_office, "Jugendamt B", "youth_office"),
            (self.provider, "Einrichtung mit Vereinbarung", "institution"),
            (
                self.provider_without_agreement,
                "Einrichtung ohne Vereinbarung",
                "institution",
            ),
        ] {
            diesel::sql_query(format!(
                "INSERT INTO directory_organizations (id, name, kind, active, version) \
                 VALUES ('{id}', '{name}', '{kind}', true, 1)"
            ))
            .execute(&mut conn)
            .await
            .unwrap();
        }
        diesel::sql_query(format!(
            "INSERT INTO directory_agreements (id, organization_id, kind, signed_on) \
             VALUES ('{}', '{}', 'quality_development_agreement', '2021-06-30')",
            Uuid::now_v7(),
            self.provider
        ))
        .execute(&mut conn)
        .await
        .unwrap();
        for (id, organization) in [
            (self.caseworker_id, self.office),
            (self.other_caseworker_id, self.other_office),
        ] {
            diesel::sql_query(format!(
                "INSERT INTO directory_people (id, organization_id, active, version) \
                 VALUES ('{id}', '{organization}', true, 1)"
            ))
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }

    /// Publishes a directory event as the directory would and waits until the case service has
    /// applied it (its id is in the inbox).
    pub async fn directory_event(&self, event_type: &str, data: Value) {
        let envelope = qmf_events::Envelope::new("/qmf/directory", event_type, "test", data);
        let body = envelope.to_json().unwrap();
        let mut published = false;
        for _ in 0..50 {
            if qmf_testkit::publish(&self.exchange, event_type, &body).await {
                published = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(published, "no queue bound for {event_type}");
        for _ in 0..100 {
            let applied = self
                .sql(&format!(
                    "SELECT event_id FROM inbox WHERE event_id = '{}'",
                    envelope.id
                ))
                .await;
            if !applied.is_empty() {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("{event_type} was not applied");
    }

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

    /// A caseworker of the responsible office.
    pub fn caseworker(&self) -> String {
        auth::token_for("caseworker-1", &["caseworker"], Some(self.office))
    }

    pub fn other_office_staff(&self) -> String {
        auth::token_for("caseworker-2", &["caseworker"], Some(self.other_office))
    }

    pub fn provider_staff(&self) -> String {
        auth::token_for(
            "provider-staff",
            &["institution_staff"],
            Some(self.provider),
        )
    }

    pub async fn probe(&self) -> EventProbe {
        EventProbe::bind(&self.exchange, "case.#").await
    }

    /// Opens a case as the office's caseworker and returns its body.
    pub async fn open_case(&self) -> Value {
        let response = self
            .post("/v1/cases", &self.caseworker())
            .json(&case_draft())
            .send()
            .await
            .unwrap();
        expect_status(response, StatusCode::CREATED).await
    }

    /// Runs one SQL statement (a SELECT, or a write with RETURNING) against the service's database
    /// and returns the rows as JSON.
    pub async fn sql(&self, query: &str) -> Vec<Value> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            row: Value,
        }
        let pool = self.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        let rows: Vec<Row> = diesel::sql_query(format!(
            "WITH t AS ({query}) SELECT to_jsonb(t) AS row FROM t"
        ))
        .load(&mut conn)
        .await
        .unwrap();
        rows.into_iter().map(|r| r.row).collect()
    }

    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}

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

/// The caseworker `case_draft()` names: a person of the test office.
pub const CASEWORKER: &str = "01936f40-0000-7000-8000-000000000001";

pub fn case_draft() -> Value {
    json!({
        "caseworker_id": CASEWORKER,
        "help_kind": "family_help",
        "young_person": {"given_name": "Mia", "family_name": "Beispiel", "date_of_birth": "2014-03-02"},
        "custody_holders": [{"given_name": "Sandra", "family_name": "Beispiel", "relation": "mother",
            "address": "Musterweg 3, 74072 Heilbronn", "phone": "+49 7131 555-0101", "email": null}],
        "external_ids": {}
    })
}

// The help process, step by step.

pub fn participation() -> Value {
    json!({"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null})
}

pub fn assessment() -> Value {
    json!({
        "document": {"content": {
            "occasion": "Schulabsentismus, Überforderung der Mutter",
            "needs_areas": [{"area": "school_and_work", "need_level": 3}, {"area": "upbringing_and_care", "need_level": 2}],
            "resources": [{"holder": "family", "description": "Großmutter unterstützt"}],
            "risks": [{"risk": "Schulabbruch", "severity": "high"}],
            "child_protection_concern": false,
            "recommendation": {"help_needed": true, "help_kind": "family_help"}
        }},
        "participation": participation()
    })
}

pub fn plan(provider: &str) -> Value {
    json!({
        "provider_id": provider, "start_on": "2026-01-15", "hours_per_week": 6.0,
        "goals": ["Mia besucht regelmäßig die Schule.", "Die Mutter setzt verlässliche Tagesstrukturen um."],
        "measures": ["Zwei Hausbesuche pro Woche"],
        "participation": participation(),
        "document": {"content": {"wishes_of_family": "Träger in Wohnortnähe", "tasks": [{"by": "provider", "task": "Hausbesuche"}]}}
    })
}

pub struct Flow<'a> {
    pub app: &'a TestApp,
    pub id: String,
    pub etag: String,
}

impl<'a> Flow<'a> {
    pub async fn open(app: &'a TestApp) -> Flow<'a> {
        let case = app.open_case().await;
        Flow {
            app,
            id: case["id"].as_str().unwrap().to_string(),
            etag: "\"1\"".into(),
        }
    }

    /// Sends a command with the current ETag and returns the response body, updating the ETag.
    pub async fn command(
        &mut self,
        token: &str,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let mut request = self
            .app
            .post(&format!("/v1/cases/{}{path}", self.id), token)
            .header("If-Match", &self.etag);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        if let Some(etag) = response.headers().get("etag") {
            self.etag = etag.to_str().unwrap().to_string();
        }
        expect_status(response, status).await
    }

    pub async fn overview(&self, token: &str) -> Value {
        let response = self
            .app
            .get(&format!("/v1/cases/{}/overview", self.id), token)
            .send()
            .await
            .unwrap();
        expect_status(response, StatusCode::OK).await
    }
}

impl<'a> Flow<'a> {
    /// Runs a whole help from intake to close with the given final ratings and end kind.
    pub async fn full_help(app: &'a TestApp, final_ratings: [i32; 2], end_kind: &str) -> Flow<'a> {
        let cw = app.caseworker();
        let mut flow = Flow::open(app).await;
        flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
            .await;
        flow.command(
            &cw,
            "/plans",
            Some(plan(&app.provider.to_string())),
            StatusCode::OK,
        )
        .await;
        flow.command(
            &app.provider_staff(),
            "/plans/1/accept",
            Some(json!({})),
            StatusCode::OK,
        )
        .await;
        let today = chrono::Utc::now().date_naive();
        flow.command(
            &cw,
            "/help-start",
            Some(json!({"started_on": today})),
            StatusCode::OK,
        )
        .await;
        let goals: Vec<String> = flow.overview(&cw).await["current_plan"]["goals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["id"].as_str().unwrap().to_string())
            .collect();
        let end = json!({
            "ended_on": today, "end_kind": end_kind, "end_reason": "goals_reached",
            "final_ratings": [{"goal_id": goals[0], "rating": final_ratings[0]}, {"goal_id": goals[1], "rating": final_ratings[1]}],
            "participation": participation(),
            "document": {"content": {"summary": "Ende", "satisfaction_young_person": 4, "satisfaction_parents": 4, "follow_up": "none"}}
        });
        flow.command(&cw, "/help-end", Some(end), StatusCode::OK)
            .await;
        flow.command(&cw, "/close", None, StatusCode::OK).await;
        flow
    }
}

impl<'a> Flow<'a> {
    /// For a reopened case: assess again, agree a new plan, and try to start the help before the
    /// provider answered; returns the refusal.
    pub async fn full_help_reopen_check(app: &TestApp, flow: &mut Flow<'_>) -> Value {
        let cw = app.caseworker();
        flow.command(&cw, "/assessment", Some(assessment()), StatusCode::OK)
            .await;
        flow.command(
            &cw,
            "/plans",
            Some(plan(&app.provider.to_string())),
            StatusCode::OK,
        )
        .await;
        let today = chrono::Utc::now().date_naive();
        flow.command(
            &cw,
            "/help-start",
            Some(json!({"started_on": today})),
            StatusCode::CONFLICT,
        )
        .await
    }
}
