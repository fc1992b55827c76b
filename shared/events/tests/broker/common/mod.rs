//! Shared set-up of the events tests: a fresh database with the events tables, per-test broker
//! names, an observer queue on the test exchange, and polling helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code)]

use std::future::Future;
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel_async::{AsyncMigrationHarness, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use lapin::message::Delivery;
use lapin::options::{
    BasicGetOptions, BasicPublishOptions, ExchangeDeleteOptions, QueueBindOptions,
    QueueDeclareOptions, QueueDeleteOptions,
};
use lapin::types::FieldTable;
use lapin::{BasicProperties, Channel, Connection, ConnectionProperties};
use qmf_events::schema::outbox;
use qmf_events::{DbPool, EventsConfig, MIGRATIONS, topology};
use qmf_testkit::TestDatabase;

/// One test's database, pool and events configuration with unique broker names and short
/// delays.
pub struct Setup {
    pub db: TestDatabase,
    pub pool: DbPool,
    pub config: EventsConfig,
}

pub async fn setup(service: &str) -> Setup {
    let db = qmf_testkit::create_database().await;
    let pool = db.pool(8);
    let conn = pool.get().await.unwrap();
    let mut harness = AsyncMigrationHarness::new(conn);
    harness.run_pending_migrations(MIGRATIONS).unwrap();
    drop(harness);

    let (exchange, queue_prefix) = qmf_testkit::unique_names();
    let mut config = EventsConfig::new(qmf_testkit::amqp_url(), service);
    config.exchange = exchange;
    config.queue_prefix = queue_prefix;
    config.retry_base_delay = Duration::from_millis(50);
    config.retry_max_delay = Duration::from_millis(200);
    config.reconnect_max_delay = Duration::from_millis(500);
    config.poll_interval = Duration::from_millis(100);
    config.broker_timeout = Duration::from_secs(5);
    Setup { db, pool, config }
}

impl Setup {
    /// Deletes the test's queues, exchanges and database (best effort).
    pub async fn cleanup(self, extra_queues: &[String]) {
        if let Ok(connection) = connect().await
            && let Ok(channel) = connection.create_channel().await
        {
            let queues = [self.config.queue_name(), self.config.dead_letter_queue()];
            for queue in queues.iter().chain(extra_queues) {
                let _ = channel
                    .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
                    .await;
            }
            for exchange in [
                self.config.exchange.clone(),
                self.config.dead_letter_exchange(),
            ] {
                let _ = channel
                    .exchange_delete(exchange.as_str().into(), ExchangeDeleteOptions::default())
                    .await;
            }
            let _ = connection.close(200, "done".into()).await;
        }
        drop(self.pool);
        self.db.drop_database().await;
    }
}

/// A direct connection to the test broker (not through any proxy).
pub async fn connect() -> lapin::Result<Connection> {
    Connection::connect(&qmf_testkit::amqp_url(), ConnectionProperties::default()).await
}

/// A queue bound to the test exchange with `#` (or another binding key): it sees everything
/// published (that matches).
pub struct Observer {
    pub connection: Connection,
    pub channel: Channel,
    pub queue: String,
}

pub async fn observe(config: &EventsConfig) -> Observer {
    observe_keys(config, "#").await
}

/// An observer that sees only what matches `binding` (an AMQP topic pattern).
pub async fn observe_keys(config: &EventsConfig, binding: &str) -> Observer {
    let connection = connect().await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    topology::declare_exchange(&channel, config).await.unwrap();
    let queue = format!("{}observer", config.queue_prefix);
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                exclusive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap();
    channel
        .queue_bind(
            queue.as_str().into(),
            config.exchange.as_str().into(),
            binding.into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    Observer {
        connection,
        channel,
        queue,
    }
}

impl Observer {
    /// Collects `expected` messages, then keeps listening for `settle` to catch any extra
    /// (duplicate) message. Fails after 30 s without enough messages.
    pub async fn collect(&self, expected: usize, settle: Duration) -> Vec<Delivery> {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut received = Vec::new();
        let mut complete_since: Option<Instant> = None;
        loop {
            let got = self
                .channel
                .basic_get(self.queue.as_str().into(), BasicGetOptions { no_ack: true })
                .await
                .unwrap();
            match got {
                Some(message) => received.push(message.delivery),
                None => {
                    if received.len() >= expected {
                        let since = *complete_since.get_or_insert_with(Instant::now);
                        if since.elapsed() >= settle {
                            return received;
                        }
                    }
                    assert!(
                        Instant::now() < deadline,
                        "only {} of {expected} messages arrived",
                        received.len()
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }
    }

    /// How many messages wait in the observer queue now.
    pub async fn count(&self) -> u32 {
        queue_length(&self.channel, &self.queue).await
    }
}

/// Message count of an existing queue (passive declare).
pub async fn queue_length(channel: &Channel, queue: &str) -> u32 {
    channel
        .queue_declare(
            queue.into(),
            QueueDeclareOptions {
                passive: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap()
        .message_count()
}

/// Publishes raw bytes to the test exchange, waiting for the confirm.
pub async fn publish_raw(channel: &Channel, config: &EventsConfig, routing_key: &str, body: &[u8]) {
    let confirm = channel
        .basic_publish(
            config.exchange.as_str().into(),
            routing_key.into(),
            BasicPublishOptions::default(),
            body,
            BasicProperties::default().with_delivery_mode(2),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(!confirm.is_nack());
}

/// Polls `check` every 50 ms until it returns true; fails after `timeout` with `what`.
pub async fn wait_until<F, Fut>(what: &str, timeout: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + timeout;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One outbox row as the tests look at it.
#[derive(Debug, Queryable)]
pub struct OutboxState {
    pub id: i64,
    pub event_id: uuid::Uuid,
    pub published: bool,
    pub attempts: i32,
    pub last_error: Option<String>,
}

pub async fn outbox_rows(pool: &DbPool) -> Vec<OutboxState> {
    let mut conn = pool.get().await.unwrap();
    outbox::table
        .order(outbox::id.asc())
        .select((
            outbox::id,
            outbox::event_id,
            outbox::published_at.is_not_null(),
            outbox::attempts,
            outbox::last_error,
        ))
        .load(&mut conn)
        .await
        .unwrap()
}
