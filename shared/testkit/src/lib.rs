//! The one test harness of the QMF services, against real PostgreSQL and RabbitMQ.
//!
//! - [`app`]: start any service in-process ([`ServiceUnderTest`], [`TestApp`], several on one
//!   exchange with a [`Cluster`]), each with its own database and broker names;
//! - [`persona`]: who a request acts as ([`Persona`]: roles, organisation, subject → token);
//! - [`client`] and [`reply`]: requests as a [`Caller`] (writes that follow an ETag as a
//!   [`Versioned`]) and assertions on the [`Reply`]
//!   (status, problems, validation pointers, rule conflicts, ETags);
//! - [`events`]: the outbox (what a service committed), the broker ([`EventProbe`]) and events
//!   delivered to a service; [`TestApp::stop`] fails when an event was never published;
//! - [`wait`]: [`eventually`], for what another service does in its own time;
//! - [`logs`]: the run's logs and the personal data the tests sent, for the check that no
//!   log line holds personal data;
//! - below these: throwaway databases ([`db`]), broker names and an outage proxy ([`broker`]),
//!   development tokens ([`auth`]) and the token attacks every service is tested against
//!   ([`token_table`]).
//!
//! ```ignore
//! use qmf_testkit::{Persona, ServiceUnderTest, StatusCode, TestApp};
//!
//! fn directory() -> ServiceUnderTest {
//!     ServiceUnderTest::new(qmf_directory::commands, |config, env| qmf_directory::start(config,
//!     DirectorySettings::from_lookup(env)?))
//! }
//!
//! #[tokio::test]
//! async fn staff_may_not_register_organisations() {
//!     let app = TestApp::start(directory()).await;
//!     let staff = app.as_(Persona::role("institution_staff").of(uuid::Uuid::now_v7()));
//!     staff.post("/v1/organizations").json(&draft()).send().await
//!         .expect_problem(StatusCode::FORBIDDEN, "forbidden");
//!     app.expect_outbox(&[]).await;
//!     app.stop().await;
//! }
//! ```

use std::time::Duration;

pub mod app;
pub mod auth;
pub mod broker;
pub mod client;
pub mod db;
pub mod events;
pub mod logs;
pub mod persona;
pub mod probe;
pub mod reply;
pub mod token_table;
pub mod wait;

pub use app::{Cluster, ServiceUnderTest, Starter, TestApp};
pub use broker::{TcpProxy, amqp_socket_addr, amqp_url, unique_names};
pub use client::{Caller, Request, Versioned};
pub use db::{TestDatabase, create_database};
pub use events::OutboxRow;
pub use persona::{Persona, ROLES};
pub use probe::{EventProbe, publish};
pub use reply::{PROBLEM_BASE, Reply};
pub use reqwest::{Method, StatusCode};
pub use wait::eventually;

/// How long an event may take from the outbox to the broker (and on to a probe).
pub const EVENT_WAIT: Duration = Duration::from_secs(10);

/// Environment for a service under test: its own database, broker names and the test secret,
/// bound to a free port. Pass it to the service's configuration lookup.
pub fn service_env(
    database_url: &str,
    exchange: &str,
    queue_prefix: &str,
) -> std::collections::HashMap<String, String> {
    [
        ("QMF_DATABASE_URL", database_url.to_string()),
        ("QMF_HTTP_ADDR", "127.0.0.1:0".to_string()),
        ("QMF_HTTP_WORKERS", "1".to_string()),
        ("QMF_DB_POOL_SIZE", "5".to_string()),
        ("QMF_AMQP_URL", amqp_url()),
        ("QMF_EVENTS_EXCHANGE", exchange.to_string()),
        ("QMF_EVENTS_QUEUE_PREFIX", queue_prefix.to_string()),
        ("QMF_EVENTS_MAX_DELIVERIES", "3".to_string()),
        ("QMF_AUTH_DEV_SECRET", auth::DEV_SECRET.to_string()),
        // Encryption key of the case service (test only; protects nothing).
        (
            "QMF_CASE_KEYS",
            "test:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=".to_string(),
        ),
        ("QMF_LOG_FORMAT", "pretty".to_string()),
        // Tests fire requests far faster than any client should; the rate-limit tests set
        // their own limits.
        ("QMF_RATE_LIMIT_PER_TOKEN", "0".to_string()),
        ("QMF_RATE_LIMIT_PER_ADDRESS", "0".to_string()),
        ("QMF_RATE_LIMIT_AUTH_FAILURES", "0".to_string()),
        ("QMF_RATE_LIMIT_OPEN_DATA", "0".to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect()
}
