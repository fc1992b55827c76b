//! Helpers for tests against real infrastructure: throwaway databases, per-test broker names,
//! and a TCP proxy that simulates a broker outage without touching the shared RabbitMQ.

pub mod broker;
pub mod db;

pub use broker::{TcpProxy, amqp_socket_addr, amqp_url, unique_names};
pub use db::{TestDatabase, create_database};
pub mod auth;
pub mod probe;
pub mod token_table;

pub use probe::{EventProbe, publish};

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
