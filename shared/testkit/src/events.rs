//! A service's events in tests: what it committed to its outbox (checked without the
//! broker), what reached the broker ([`EventProbe`]), and events of other services delivered to
//! it.
//!
//! ```ignore
//! let mut probe = app.probe().await;               // before the writes
//! admin.post("/v1/people").json(&person).send().await.expect(StatusCode::CREATED);
//! app.expect_outbox(&["directory.person.registered.v1"]).await; // committed since last look
//! app.new_events().await;                          // skip whatever was committed so far
//! let envelopes = app.expect_events(&mut probe, &["directory.person.updated.v1"]).await;
//!
//! // As the directory would publish it; returns once the service has applied it.
//! app.apply_event("/qmf/directory", "directory.organization.registered.v1", data).await;
//! ```

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Int4, Nullable, Text, Uuid as SqlUuid};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use uuid::Uuid;

use crate::{EVENT_WAIT, EventProbe, TestApp};

/// One event a service committed.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct OutboxRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = SqlUuid)]
    pub event_id: Uuid,
    #[diesel(sql_type = Text)]
    pub event_type: String,
    #[diesel(sql_type = Text)]
    pub subject: String,
}

#[derive(diesel::QueryableByName)]
struct Unpublished {
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = Int4)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Text>)]
    last_error: Option<String>,
}

impl TestApp {
    /// Outbox rows committed since the last call (or the last `expect_*`), in order.
    pub async fn new_events(&self) -> Vec<OutboxRow> {
        // Named in full: diesel's `RunQueryDsl::load` would be taken for any type.
        let mark = AtomicI64::load(&self.outbox_mark, Ordering::SeqCst);
        let rows: Vec<OutboxRow> = diesel::sql_query(
            "SELECT id, event_id, event_type, subject FROM outbox WHERE id > $1 ORDER BY id",
        )
        .bind::<BigInt, _>(mark)
        .load(&mut self.connection().await)
        .await
        .unwrap_or_else(|e| panic!("{}: cannot read the outbox: {e}", self.info.name));
        if let Some(last) = rows.last() {
            self.outbox_mark.store(last.id, Ordering::SeqCst);
        }
        rows
    }

    /// Asserts that exactly `types` were committed since the last look, in order.
    pub async fn expect_outbox(&self, types: &[&str]) -> Vec<OutboxRow> {
        let rows = self.new_events().await;
        let actual: Vec<&str> = rows.iter().map(|r| r.event_type.as_str()).collect();
        assert_eq!(
            actual, types,
            "{}: events committed since the last look",
            self.info.name
        );
        rows
    }

    /// Asserts that exactly `types` were committed since the last look and that `probe`
    /// received exactly these events (id, type and subject) from the broker, in order;
    /// returns their envelopes.
    pub async fn expect_events(&self, probe: &mut EventProbe, types: &[&str]) -> Vec<Value> {
        let mut envelopes = Vec::new();
        for row in self.expect_outbox(types).await {
            let Some(event) = probe.next(EVENT_WAIT).await else {
                panic!("{} ({}) was not published", row.event_type, row.event_id);
            };
            assert_eq!(event["id"], row.event_id.to_string(), "{event}");
            assert_eq!(event["type"], row.event_type, "{event}");
            assert_eq!(event["subject"], row.subject, "{event}");
            envelopes.push(event);
        }
        envelopes
    }

    /// Publishes an event on this service's exchange as the service behind `source` (e.g.
    /// `/qmf/directory`) would, retrying until a queue takes it (a consumer binds its queue
    /// shortly after start-up); returns the event id.
    pub async fn publish_event(&self, source: &str, event_type: &str, data: Value) -> Uuid {
        let envelope = qmf_events::Envelope::new(source, event_type, "test", data);
        let body = envelope
            .to_json()
            .unwrap_or_else(|e| panic!("{event_type}: {e}"));
        let started = Instant::now();
        while started.elapsed() < EVENT_WAIT {
            if crate::publish(&self.exchange, event_type, &body).await {
                return envelope.id;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no queue is bound for {event_type}");
    }

    /// Publishes an event (see [`TestApp::publish_event`]) and waits until this service has
    /// applied it: its id is in the service's inbox.
    pub async fn apply_event(&self, source: &str, event_type: &str, data: Value) -> Uuid {
        let id = self.publish_event(source, event_type, data).await;
        let started = Instant::now();
        while started.elapsed() < EVENT_WAIT {
            let applied = self
                .sql(&format!(
                    "SELECT event_id FROM inbox WHERE event_id = '{id}'"
                ))
                .await;
            if !applied.is_empty() {
                return id;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("{}: {event_type} was not applied", self.info.name);
    }
}

/// Waits until every outbox row is published, at most `limit`; returns the rows still
/// unpublished then (type, attempts, last error), empty when all went out.
pub(crate) async fn wait_until_published(
    pool: &Pool<AsyncPgConnection>,
    limit: Duration,
) -> Vec<String> {
    let started = Instant::now();
    loop {
        let rows: Vec<Unpublished> = match pool.get().await {
            Ok(mut conn) => diesel::sql_query(
                "SELECT event_type, attempts, last_error FROM outbox \
                 WHERE published_at IS NULL ORDER BY id",
            )
            .load(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("cannot read the outbox: {e}")),
            Err(e) => panic!("no connection to the test database: {e}"),
        };
        if rows.is_empty() || started.elapsed() >= limit {
            return rows
                .into_iter()
                .map(|r| match r.last_error {
                    Some(error) => format!("{} ({} attempts: {error})", r.event_type, r.attempts),
                    None => format!("{} ({} attempts)", r.event_type, r.attempts),
                })
                .collect();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
