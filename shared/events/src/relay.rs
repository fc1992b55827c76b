//! The outbox relay: publishes committed outbox rows in id order with publisher confirms (many
//! in flight at once, see `publish_batch`) and marks them published. Nothing is lost while the
//! broker is down: rows simply stay until a publish is confirmed. Delivery is at least once (a crash between confirm and commit
//! republishes); consumers deduplicate with their inbox.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::Utc;
use diesel::prelude::*;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{BasicProperties, Channel, Confirmation, Connection};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use uuid::Uuid;

use crate::broker::{self, BrokerStatus, pause, stopping, timed};
use crate::envelope::CONTENT_TYPE;
use crate::error::{EventsError, short};
use crate::schema::outbox;
use crate::{DbPool, EventsConfig, topology};

/// Advisory lock held by the one relay (of all replicas) that is publishing: SKIP LOCKED alone
/// would let two replicas publish an aggregate's consecutive events concurrently, out of order.
const RELAY_LOCK_KEY: i64 = 0x514D_465F_5245_4C59; // "QMF_RELY"

diesel::define_sql_function! {
    /// Takes a transaction-scoped advisory lock if it is free.
    fn pg_try_advisory_xact_lock(key: BigInt) -> Bool;
}

/// Starts the relay on the current tokio runtime. It connects at once (so [`BrokerStatus`]
/// reflects the broker even with an empty outbox), then publishes every ~`poll_interval` or
/// when woken. Keep the handle: dropping it stops the relay.
#[must_use = "dropping the handle stops the relay"]
pub fn spawn_relay(pool: DbPool, config: EventsConfig) -> RelayHandle {
    let wake = Arc::new(Notify::new());
    let (stop_tx, stop_rx) = watch::channel(false);
    let status = BrokerStatus::default();
    let task = tokio::spawn(run(pool, config, wake.clone(), stop_rx, status.clone()));
    RelayHandle {
        wake: RelayNotifier(wake),
        stop: stop_tx,
        task,
        status,
    }
}

/// Controls a running relay.
#[derive(Debug)]
pub struct RelayHandle {
    wake: RelayNotifier,
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    status: BrokerStatus,
}

/// Wakes the relay so a just-committed event goes out without waiting for the next poll.
/// Cheap to clone into request handlers.
#[derive(Debug, Clone)]
pub struct RelayNotifier(Arc<Notify>);

impl RelayNotifier {
    /// Asks for a publishing round now; calls while one runs are coalesced into one more round.
    pub fn notify(&self) {
        self.0.notify_one();
    }
}

impl RelayHandle {
    /// See [`RelayNotifier::notify`].
    pub fn notify(&self) {
        self.wake.notify();
    }

    /// A cloneable waker for code that cannot hold the handle.
    pub fn notifier(&self) -> RelayNotifier {
        self.wake.clone()
    }

    /// Broker health of the relay's connection, for readiness.
    pub fn broker_status(&self) -> BrokerStatus {
        self.status.clone()
    }

    /// Stops after the current batch (which is committed, never cut in half) and closes the
    /// broker connection; for graceful shutdown.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Counts commits that may have written events in this process; every relay of the process
/// watches it (see [`wake_relays`]).
static COMMITS: LazyLock<watch::Sender<u64>> = LazyLock::new(|| watch::channel(0).0);

/// Wakes the outbox relays of this process: call it after a transaction that may have written
/// to the outbox commits (the platform's writes, consumers and jobs do). Cheap, and calls made
/// while a relay publishes are coalesced into one more round. Events written by other processes
/// are found when their relay runs or, at the latest, after one poll interval.
///
/// The wake is in process rather than a PostgreSQL `NOTIFY` at commit: PostgreSQL serialises all
/// notifying commits of a cluster, WAL flush included, on one lock, which kept concurrent
/// writes from sharing a flush.
pub fn wake_relays() {
    COMMITS.send_modify(|n| *n = n.wrapping_add(1));
}

/// How soon a relay tries again when another replica's relay holds the relay lock, so events
/// its own process committed meanwhile do not wait for the poll.
const LOCK_RETRY: Duration = Duration::from_millis(20);

/// A connection with a confirm-mode channel.
struct Publisher {
    connection: Connection,
    channel: Channel,
}

impl Publisher {
    async fn open(config: &EventsConfig) -> Result<Publisher, EventsError> {
        let connection = broker::connect(config, "relay").await?;
        let setup = timed(
            config.broker_timeout,
            "setting up the relay channel",
            async {
                let channel = connection.create_channel().await?;
                channel
                    .confirm_select(ConfirmSelectOptions::default())
                    .await?;
                topology::declare_exchange(&channel, config).await?;
                Ok(channel)
            },
        )
        .await;
        match setup {
            Ok(channel) => Ok(Publisher {
                connection,
                channel,
            }),
            Err(e) => {
                broker::close(&connection).await;
                Err(e)
            }
        }
    }

    fn usable(&self) -> bool {
        self.connection.status().connected() && self.channel.status().connected()
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct PendingRow {
    id: i64,
    event_id: Uuid,
    event_type: String,
    envelope: serde_json::Value,
}

/// What one batch did.
struct BatchOutcome {
    published: usize,
    /// The batch was full: more rows may be waiting.
    full: bool,
    /// Another replica's relay held the relay lock; nothing was looked at.
    lock_taken: bool,
    /// The publish that stopped the batch, recorded on its row.
    failure: Option<EventsError>,
}

async fn run(
    pool: DbPool,
    config: EventsConfig,
    wake: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    status: BrokerStatus,
) {
    let mut publisher: Option<Publisher> = None;
    let mut failures: u32 = 0;
    let mut commits = COMMITS.subscribe();
    while !stopping(&stop) {
        if !publisher.as_ref().is_some_and(Publisher::usable) {
            if let Some(old) = publisher.take() {
                broker::close(&old.connection).await;
            }
            status.set(false);
            match Publisher::open(&config).await {
                Ok(opened) => {
                    tracing::info!(exchange = %config.exchange, "outbox relay connected to the broker");
                    publisher = Some(opened);
                    status.set(true);
                }
                Err(error) => {
                    failures = failures.saturating_add(1);
                    tracing::warn!(%error, failures, "outbox relay cannot reach the broker");
                    record_unreachable(&pool, &error).await;
                    if !pause(config.reconnect_delay(failures), &mut stop).await {
                        break;
                    }
                    continue;
                }
            }
        }
        let Some(current) = publisher.as_ref() else {
            continue;
        };

        // After a failure, one event at a time until a batch goes through (see publish_batch).
        let window = if failures == 0 { usize::MAX } else { 1 };
        // Commits from here on wake the next round; this one sees those before.
        commits.mark_unchanged();
        match publish_batch(&pool, &current.channel, &config, window).await {
            Ok(BatchOutcome {
                failure: None,
                full,
                lock_taken,
                published,
            }) => {
                failures = 0;
                if published > 0 {
                    tracing::debug!(published, "outbox relay published events");
                }
                if lock_taken {
                    if !pause(LOCK_RETRY.min(config.poll_interval), &mut stop).await {
                        break;
                    }
                } else if !full {
                    tokio::select! {
                        _ = wake.notified() => {}
                        _ = commits.changed() => {}
                        _ = tokio::time::sleep(config.poll_interval) => {}
                        _ = stop.changed() => {}
                    }
                }
            }
            Ok(BatchOutcome {
                failure: Some(error),
                published,
                ..
            }) => {
                failures = failures.saturating_add(1);
                tracing::warn!(%error, published, failures, "outbox relay stopped at a failed publish");
                if error.breaks_connection() {
                    if let Some(old) = publisher.take() {
                        broker::close(&old.connection).await;
                    }
                    status.set(false);
                }
                if !pause(config.reconnect_delay(failures), &mut stop).await {
                    break;
                }
            }
            Err(error) => {
                failures = failures.saturating_add(1);
                tracing::warn!(%error, failures, "outbox relay cannot read the outbox");
                if !pause(config.reconnect_delay(failures), &mut stop).await {
                    break;
                }
            }
        }
    }
    if let Some(publisher) = publisher {
        broker::close(&publisher.connection).await;
    }
    status.set(false);
}

/// One transaction: take the relay lock, lock the oldest unpublished rows, and publish them in
/// windows of `window` rows: each window is sent whole, in order, and then its confirms are
/// awaited in the same order. The rows up to the first failure are marked published with one
/// statement; the failure is recorded on its row, and that row and every later one stay for
/// the next batch.
///
/// Sending a window before waiting makes one confirm wait cover many events (the broker
/// confirms many messages with one flush) instead of one wait per event. The price comes only
/// with a failure: when the broker refuses an event, later events of the same window may
/// already be delivered, and the retry delivers them again. Consumers deduplicate by event id
/// and keep only the newest version of a snapshot, so neither the repeat nor the changed order
/// changes their state. After a failure the relay publishes one event at a time (a window of
/// one) until a batch goes through, so an event the broker keeps refusing holds back the
/// events behind it as before instead of having them sent again with every retry.
async fn publish_batch(
    pool: &DbPool,
    channel: &Channel,
    config: &EventsConfig,
    window: usize,
) -> Result<BatchOutcome, EventsError> {
    let mut pooled = pool.get().await?;
    let conn: &mut AsyncPgConnection = &mut pooled;
    conn.transaction::<_, EventsError, _>(async |conn| {
        let locked: bool = diesel::select(pg_try_advisory_xact_lock(RELAY_LOCK_KEY))
            .get_result(conn)
            .await?;
        if !locked {
            // Another replica is publishing; it will take these rows.
            return Ok(BatchOutcome {
                published: 0,
                full: false,
                lock_taken: true,
                failure: None,
            });
        }
        let rows: Vec<PendingRow> = outbox::table
            .filter(outbox::published_at.is_null())
            .order(outbox::id.asc())
            .limit(config.relay_batch_size)
            .select(PendingRow::as_select())
            .for_update()
            .skip_locked()
            .load(conn)
            .await?;
        let full = i64::try_from(rows.len()).unwrap_or(i64::MAX) >= config.relay_batch_size;
        let mut confirmed = Vec::with_capacity(rows.len());
        let mut failure = None;
        for window in rows.chunks(window.max(1)) {
            failure = send_window(channel, config, window, &mut confirmed).await;
            if failure.is_some() {
                break;
            }
        }
        if !confirmed.is_empty() {
            diesel::update(outbox::table.filter(outbox::id.eq_any(&confirmed)))
                .set((
                    outbox::published_at.eq(Utc::now()),
                    outbox::attempts.eq(outbox::attempts + 1),
                ))
                .execute(conn)
                .await?;
        }
        if let Some((id, error)) = &failure {
            diesel::update(outbox::table.find(id))
                .set((
                    outbox::attempts.eq(outbox::attempts + 1),
                    outbox::last_error.eq(error.to_string()),
                ))
                .execute(conn)
                .await?;
        }
        Ok(BatchOutcome {
            published: confirmed.len(),
            full,
            lock_taken: false,
            failure: failure.map(|(_, error)| error),
        })
    })
    .await
}

/// Sends the rows of a window, then waits for their confirms in order; the ids up to the first
/// failure go to `confirmed`, the failure is returned with its row.
///
/// A message returned as unroutable is matched to its row by its message id (the event id),
/// not by the confirm it comes with: lapin hands a returned message to whichever confirm
/// completes next, which with many in flight (and multiple acks) need not be its own.
async fn send_window(
    channel: &Channel,
    config: &EventsConfig,
    rows: &[PendingRow],
    confirmed: &mut Vec<i64>,
) -> Option<(i64, EventsError)> {
    let mut sent = Vec::with_capacity(rows.len());
    for row in rows {
        let confirm = send(channel, config, row).await;
        let failed = confirm.is_err();
        sent.push(confirm);
        if failed {
            break;
        }
    }
    let mut outcomes = Vec::with_capacity(sent.len());
    let mut returned = HashMap::new();
    for confirm in sent {
        let confirmation = match confirm {
            Ok(confirm) => {
                timed(
                    config.broker_timeout,
                    "waiting for a publisher confirm",
                    async { Ok(confirm.await?) },
                )
                .await
            }
            Err(error) => Err(error),
        };
        let outcome = match confirmation {
            Ok(Confirmation::Ack(message)) => {
                note_returned(message, &mut returned);
                Ok(())
            }
            Ok(Confirmation::Nack(message)) => {
                note_returned(message, &mut returned);
                Err(EventsError::NotAccepted("nacked by the broker".into()))
            }
            Ok(Confirmation::NotRequested) => Err(EventsError::NotAccepted(
                "publisher confirms are not enabled on the channel".into(),
            )),
            Err(error) => Err(error),
        };
        // After a timeout or a broken channel the later confirms say nothing more.
        let stop = outcome.is_err();
        outcomes.push(outcome);
        if stop {
            break;
        }
    }
    for (row, outcome) in rows.iter().zip(outcomes) {
        if let Err(error) = outcome {
            return Some((row.id, error));
        }
        if let Some((code, text)) = returned.get(&row.event_id.to_string()) {
            return Some((
                row.id,
                EventsError::NotAccepted(format!(
                    "returned as unroutable ({code} {text}): no queue is bound to routing key {}",
                    row.event_type
                )),
            ));
        }
        confirmed.push(row.id);
    }
    None
}

/// Keeps a returned message's reason under its message id (the event id).
fn note_returned(
    message: Option<lapin::message::BasicReturnMessage>,
    returned: &mut HashMap<String, (u16, String)>,
) {
    if let Some(message) = message
        && let Some(id) = message.properties.message_id()
    {
        returned.insert(
            id.to_string(),
            (message.reply_code, message.reply_text.to_string()),
        );
    }
}

/// Sends one row; the confirm that the broker took responsibility for it comes later.
async fn send(
    channel: &Channel,
    config: &EventsConfig,
    row: &PendingRow,
) -> Result<lapin::PublisherConfirm, EventsError> {
    let payload = serde_json::to_vec(&row.envelope)?;
    let routing_key = short(&row.event_type)?;
    let mut headers = FieldTable::default();
    if let Some(traceparent) = row.envelope.get("traceparent").and_then(|v| v.as_str()) {
        headers.insert(
            "traceparent".into(),
            AMQPValue::LongString(LongString::from(traceparent)),
        );
    }
    let properties = BasicProperties::default()
        .with_content_type(CONTENT_TYPE.into())
        .with_delivery_mode(2)
        .with_message_id(row.event_id.to_string().into())
        .with_type(routing_key.clone())
        .with_timestamp(u64::try_from(Utc::now().timestamp()).unwrap_or_default())
        .with_headers(headers);
    let options = BasicPublishOptions {
        mandatory: config.require_route,
        immediate: false,
    };
    timed(config.broker_timeout, "sending an event", async {
        Ok(channel
            .basic_publish(
                short(&config.exchange)?,
                routing_key,
                options,
                &payload,
                properties,
            )
            .await?)
    })
    .await
}

/// Notes a failed connect on the oldest waiting row, so that `attempts` and `last_error` show
/// why events are held back even while no publish can be tried. Best effort: the database may
/// be down as well.
async fn record_unreachable(pool: &DbPool, error: &EventsError) {
    let Ok(mut conn) = pool.get().await else {
        return;
    };
    let result = diesel::sql_query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $1 \
         WHERE id = (SELECT id FROM outbox WHERE published_at IS NULL \
                     ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)",
    )
    .bind::<diesel::sql_types::Text, _>(format!("broker unreachable: {error}"))
    .execute(&mut conn)
    .await;
    if let Err(error) = result {
        tracing::debug!(%error, "cannot record the broker failure in the outbox");
    }
}
