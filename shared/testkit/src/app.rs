//! Any service, started in-process for one test: its own throwaway database with its
//! migrations applied, its own exchange and queue names, the test configuration
//! ([`crate::service_env`]) plus the test's overrides, its HTTP server, outbox relay and
//! consumer running. Several services of one test share a [`Cluster`] (one exchange), as in
//! production.
//!
//! ```ignore
//! /// In the service's tests, once.
//! pub fn directory() -> ServiceUnderTest {
//!     ServiceUnderTest::new(qmf_directory::commands, |config, env| qmf_directory::start(config,
//!     DirectorySettings::from_lookup(env)?))
//! }
//!
//! let app = TestApp::start(directory()).await;
//! let admin = app.as_(Persona::admin());
//! admin.post("/v1/organizations").json(&draft).send().await.expect(StatusCode::CREATED);
//! app.expect_outbox(&["directory.organization.registered.v1"]).await;
//! app.stop().await; // panics when an event was never published
//!
//! // Overrides, and several services on one exchange:
//! let app = TestApp::start(directory().env("QMF_HTTP_BODY_TIMEOUT_SECS", "1")).await;
//! let cluster = Cluster::new();
//! let case = cluster.start(case()).await;       // first, so its queue is bound …
//! let directory = cluster.start(directory()).await; // … before the directory publishes
//! ```

use std::borrow::Borrow;
use std::collections::HashMap;
use std::sync::atomic::AtomicI64;
use std::time::{Duration, Instant};

use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running};

use crate::{Caller, EventProbe, Persona, TestDatabase};

/// How long a service may take to become ready (database and broker connected).
pub const READY_WAIT: Duration = Duration::from_secs(30);

/// Starts a service from its configuration; the second argument looks up the test's
/// environment, for service-specific settings (e.g. `CaseSettings::from_lookup`).
pub type Starter = fn(&Config, &dyn Fn(&str) -> Option<String>) -> Result<Running, BoxError>;

/// A service as the harness starts it: its commands (name and migrations), its start function,
/// and environment overrides on top of [`crate::service_env`].
#[derive(Debug, Clone)]
pub struct ServiceUnderTest {
    commands: fn() -> Commands,
    start: Starter,
    env: Vec<(String, String)>,
}

impl ServiceUnderTest {
    /// E.g. `ServiceUnderTest::new(qmf_case::commands, |config, env| qmf_case::start(config,
    /// CaseSettings::from_lookup(env)?))`.
    pub fn new(commands: fn() -> Commands, start: Starter) -> ServiceUnderTest {
        ServiceUnderTest {
            commands,
            start,
            env: Vec::new(),
        }
    }

    /// The same service with one environment variable added or replaced.
    pub fn env(mut self, key: &str, value: &str) -> ServiceUnderTest {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The service's name, title and default port.
    pub fn info(&self) -> ServiceInfo {
        (self.commands)().info
    }
}

/// Broker names shared by the services of one test: one exchange, one queue prefix.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub exchange: String,
    pub queue_prefix: String,
}

impl Default for Cluster {
    fn default() -> Cluster {
        Cluster::new()
    }
}

impl Cluster {
    /// Fresh names ([`crate::unique_names`]).
    pub fn new() -> Cluster {
        let (exchange, queue_prefix) = crate::unique_names();
        Cluster {
            exchange,
            queue_prefix,
        }
    }

    /// Starts `service` on this cluster's exchange with a new database and waits until it is
    /// ready: connected to the database and the broker, its consumer's queue bound, so that no
    /// event published afterwards misses it.
    pub async fn start(&self, service: ServiceUnderTest) -> TestApp {
        let db = crate::create_database().await;
        self.start_on(service, db, true).await
    }

    /// The cluster `app` runs in: its exchange and queue names.
    pub fn of(app: &TestApp) -> Cluster {
        Cluster {
            exchange: app.exchange.clone(),
            queue_prefix: app.queue_prefix.clone(),
        }
    }

    /// Starts a second replica of the service `of` runs: the same database and queue (its
    /// consumer competes with the first one's, as replicas in production do), its own HTTP
    /// server, relay and job runner. Its migrations run again, as a replica's start does. Stop
    /// it before `of`; the database is dropped with `of`.
    pub async fn start_replica(&self, service: ServiceUnderTest, of: &TestApp) -> TestApp {
        let db = TestDatabase {
            name: of.db.name.clone(),
            url: of.db.url.clone(),
        };
        self.start_on(service, db, false).await
    }

    async fn start_on(&self, service: ServiceUnderTest, db: TestDatabase, owns: bool) -> TestApp {
        crate::logs::start();
        let commands = (service.commands)();
        let info = commands.info;
        let mut env = crate::service_env(&db.url, &self.exchange, &self.queue_prefix);
        env.extend(service.env);
        let config = Config::from_lookup(info, |k| env.get(k).cloned())
            .unwrap_or_else(|e| panic!("{}: {e}", info.name));
        if let Err(e) =
            qmf_platform::db::run_migrations(config.session_database_url(), &commands.migrations)
        {
            panic!("{}: migrations failed: {e}", info.name);
        }
        let running = (service.start)(&config, &|k| env.get(k).cloned())
            .unwrap_or_else(|e| panic!("{} did not start: {e}", info.name));
        let base = format!("http://{}", running.http.addr);
        let server = running.http.server.handle();
        tokio::spawn(running.http.server);
        let app = TestApp {
            info,
            base,
            pool: db.pool(4),
            db,
            owns_database: owns,
            exchange: self.exchange.clone(),
            queue_prefix: self.queue_prefix.clone(),
            env,
            http: reqwest::Client::new(),
            outbox_mark: AtomicI64::new(0),
            server,
            relay: running.relay,
            consumer: running.consumer,
            jobs: running.jobs,
        };
        app.wait_ready().await;
        app
    }

    /// Watches the events of this cluster matching `pattern` (`#`, `case.#`, a type).
    pub async fn probe(&self, pattern: &str) -> EventProbe {
        EventProbe::bind(&self.exchange, pattern).await
    }
}

/// One running service under test. End every test with [`TestApp::stop`].
pub struct TestApp {
    pub info: ServiceInfo,
    /// `http://127.0.0.1:<port>`.
    pub base: String,
    pub db: TestDatabase,
    /// False for a replica started with [`Cluster::start_replica`]: its database belongs to
    /// the first instance.
    owns_database: bool,
    pub exchange: String,
    pub queue_prefix: String,
    /// The environment the service was configured from.
    pub env: HashMap<String, String>,
    http: reqwest::Client,
    pub(crate) pool: Pool<AsyncPgConnection>,
    /// Highest outbox id already looked at (see [`TestApp::new_events`]).
    pub(crate) outbox_mark: AtomicI64,
    server: actix_server::ServerHandle,
    relay: qmf_events::RelayHandle,
    consumer: Option<qmf_events::ConsumerHandle>,
    jobs: qmf_platform::jobs::JobsHandle,
}

impl TestApp {
    /// Starts `service` alone on fresh broker names.
    pub async fn start(service: ServiceUnderTest) -> TestApp {
        Cluster::new().start(service).await
    }

    /// Requests as `persona` (a `Persona` or `&Persona`).
    pub fn as_(&self, persona: impl Borrow<Persona>) -> Caller {
        self.bearer(persona.borrow().token())
    }

    /// Requests with any bearer token (expired, foreign, garbage …).
    pub fn bearer(&self, token: impl Into<String>) -> Caller {
        Caller::new(self.http.clone(), &self.base, Some(token.into()))
    }

    /// Requests without `Authorization` (health, metrics, OParl, hand-made headers).
    pub fn anonymous(&self) -> Caller {
        Caller::new(self.http.clone(), &self.base, None)
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// `host:port` of the HTTP server, for raw TCP.
    pub fn address(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Watches every event this service publishes (`<service>.#`). Bind it before the writes
    /// it should see.
    pub async fn probe(&self) -> EventProbe {
        EventProbe::bind(&self.exchange, &format!("{}.#", self.info.name)).await
    }

    /// A pool on the service's database (for typed diesel queries).
    pub fn pool(&self) -> &Pool<AsyncPgConnection> {
        &self.pool
    }

    /// A connection to the service's database.
    pub async fn connection(&self) -> Object<AsyncPgConnection> {
        match self.pool.get().await {
            Ok(conn) => conn,
            Err(e) => panic!("no connection to the test database {}: {e}", self.db.name),
        }
    }

    /// Runs a query (a SELECT, or a write with RETURNING) on the service's database and
    /// returns its rows as JSON objects.
    pub async fn sql(&self, query: &str) -> Vec<serde_json::Value> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Jsonb)]
            row: serde_json::Value,
        }
        let rows: Vec<Row> = diesel::sql_query(format!(
            "WITH t AS ({query}) SELECT to_jsonb(t) AS row FROM t"
        ))
        .load(&mut self.connection().await)
        .await
        .unwrap_or_else(|e| panic!("{query}: {e}"));
        rows.into_iter().map(|r| r.row).collect()
    }

    /// Waits until every transaction that had begun on the PostgreSQL cluster when called has
    /// ended. Lists in change order hand out only what ended transactions wrote (exact sync),
    /// and other tests' writers run on the same cluster: call this after a write and before a
    /// list in change order that must show it.
    pub async fn settle_writes(&self) {
        let mut conn = self.connection().await;
        let started: Vec<serde_json::Value> = self
            .sql("SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS next")
            .await;
        let next = started[0]["next"].as_i64().unwrap_or(0);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            #[derive(diesel::QueryableByName)]
            struct Horizon {
                #[diesel(sql_type = diesel::sql_types::BigInt)]
                oldest: i64,
            }
            let horizon: Horizon = diesel::sql_query(
                "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint AS oldest",
            )
            .get_result(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("the oldest running transaction: {e}"));
            if horizon.oldest >= next {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "transactions begun before {next} still run after 30 s (oldest {})",
                horizon.oldest
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Runs a statement on the service's database (e.g. to set up data the API refuses to
    /// create); returns the number of rows it touched.
    pub async fn execute(&self, statement: &str) -> usize {
        self.try_execute(statement)
            .await
            .unwrap_or_else(|e| panic!("{statement}: {e}"))
    }

    /// Like [`TestApp::execute`], returning the database's refusal as text.
    pub async fn try_execute(&self, statement: &str) -> Result<usize, String> {
        diesel::sql_query(statement)
            .execute(&mut self.connection().await)
            .await
            .map_err(|e| e.to_string())
    }

    async fn wait_ready(&self) {
        let started = Instant::now();
        let mut last = String::new();
        while started.elapsed() < READY_WAIT {
            match self.anonymous().get("/health/ready").try_send().await {
                Ok(reply) if reply.status.is_success() => return,
                Ok(reply) => last = reply.body.to_string(),
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "{} did not become ready within {READY_WAIT:?}: {last}",
            self.info.name
        );
    }

    /// Makes `other` (a replica on the same database) the one that drops the database when it
    /// stops, so that this one can stop first, as a replica that dies.
    pub fn hand_database_to(&mut self, other: &mut TestApp) {
        assert_eq!(
            self.db.name, other.db.name,
            "not a replica on this database"
        );
        other.owns_database = self.owns_database;
        self.owns_database = false;
    }

    /// Stops the service: HTTP first (running requests finish), then the consumer; then
    /// waits until the relay has published every outbox row, stops it and drops the database.
    /// Panics, naming the events, when one stayed unpublished for [`crate::EVENT_WAIT`].
    pub async fn stop(self) {
        self.server.stop(true).await;
        self.jobs.stop().await;
        if let Some(consumer) = self.consumer {
            consumer.stop().await;
        }
        let undelivered = crate::events::wait_until_published(&self.pool, crate::EVENT_WAIT).await;
        self.relay.stop().await;
        drop(self.pool);
        if self.owns_database {
            self.db.drop_database().await;
        }
        assert!(
            undelivered.is_empty(),
            "{}: {} event(s) never left the outbox:\n{}",
            self.info.name,
            undelivered.len(),
            undelivered.join("\n")
        );
    }
}
