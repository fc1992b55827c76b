//! The consumer: takes events from the service's quorum queue and applies each one at most
//! once, in a database transaction that also records the event id in the `inbox`. The message
//! is acknowledged only after that commit, so a crash anywhere leads to a redelivery, and the
//! inbox makes the redelivery harmless.

use std::sync::Arc;

use diesel::ExpressionMethods;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use lapin::message::Delivery;
use lapin::options::{
    BasicAckOptions, BasicCancelOptions, BasicConsumeOptions, BasicNackOptions, BasicQosOptions,
    BasicRejectOptions,
};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Channel, Connection, Consumer};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::Instrument;

use crate::broker::{self, BrokerStatus, pause, stopping, timed};
use crate::envelope::Envelope;
use crate::error::{EventsError, short};
use crate::schema::inbox;
use crate::trace::set_parent_from;
use crate::{DbPool, EventsConfig, topology};

/// Any error a handler wants to report.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Applies one event. Object-safe so services can keep handlers as `Arc<dyn EventHandler>`.
///
/// `conn` is inside the transaction that also records the event in the inbox: write the
/// event's effect through it, and it commits together with the inbox entry or not at all.
/// Handlers receive every event bound to the service's queue and should ignore types they do
/// not know (return `Ok(())`).
pub trait EventHandler: Send + Sync + 'static {
    /// Applies `event`; an error rolls back everything the handler wrote.
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>>;
}

/// Why a handler did not apply an event, which decides what happens to the message.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// May succeed later (database trouble, a missing prerequisite): redelivered after a
    /// back-off, dead-lettered after `max_deliveries`.
    #[error("{0}")]
    Retry(BoxError),
    /// Will never succeed as is (payload does not match the contract): dead-lettered at once,
    /// to be replayed after a fix.
    #[error("{0}")]
    Reject(BoxError),
}

impl HandlerError {
    /// A failure worth retrying.
    pub fn retry(error: impl Into<BoxError>) -> Self {
        HandlerError::Retry(error.into())
    }

    /// A failure retrying cannot fix.
    pub fn reject(error: impl Into<BoxError>) -> Self {
        HandlerError::Reject(error.into())
    }
}

/// Database errors are usually transient.
impl From<diesel::result::Error> for HandlerError {
    fn from(error: diesel::result::Error) -> Self {
        HandlerError::Retry(Box::new(error))
    }
}

/// A payload that does not decode (`Envelope::data_as`) will not decode next time either.
impl From<serde_json::Error> for HandlerError {
    fn from(error: serde_json::Error) -> Self {
        HandlerError::Reject(Box::new(error))
    }
}

/// Starts consuming the service's queue on the current tokio runtime. Declares the topology
/// (queue, dead-letter queue, and a binding for each routing key in `bindings`), then handles
/// messages one at a time, which keeps the queue's order. Reconnects with back-off after any
/// broker failure. Keep the handle: dropping it stops the consumer.
#[must_use = "dropping the handle stops the consumer"]
pub fn spawn_consumer(
    pool: DbPool,
    config: EventsConfig,
    bindings: Vec<String>,
    handler: Arc<dyn EventHandler>,
) -> ConsumerHandle {
    let (stop_tx, stop_rx) = watch::channel(false);
    let status = BrokerStatus::default();
    let task = tokio::spawn(run(
        pool,
        config,
        bindings,
        handler,
        stop_rx,
        status.clone(),
    ));
    ConsumerHandle {
        stop: stop_tx,
        task,
        status,
    }
}

/// Controls a running consumer.
#[derive(Debug)]
pub struct ConsumerHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    status: BrokerStatus,
}

impl ConsumerHandle {
    /// Broker health of the consumer's connection, for readiness.
    pub fn broker_status(&self) -> BrokerStatus {
        self.status.clone()
    }

    /// Stops taking messages, finishes (commits and acks) the one in hand, cancels the
    /// subscription and closes the connection; for graceful shutdown. A message waiting for
    /// its retry back-off is handed back to the queue at once.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// A live subscription.
struct Session {
    connection: Connection,
    channel: Channel,
    consumer: Consumer,
}

impl Session {
    async fn open(config: &EventsConfig, bindings: &[String]) -> Result<Session, EventsError> {
        let connection = broker::connect(config, "consumer").await?;
        let setup = timed(config.broker_timeout, "setting up the consumer", async {
            let channel = connection.create_channel().await?;
            topology::declare_consumer_topology(&channel, config, bindings).await?;
            channel
                .basic_qos(config.prefetch, BasicQosOptions::default())
                .await?;
            let tag = format!("qmf-{}-{}", config.service, uuid::Uuid::new_v4().simple());
            let consumer = channel
                .basic_consume(
                    short(&config.queue_name())?,
                    short(&tag)?,
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await?;
            Ok((channel, consumer))
        })
        .await;
        match setup {
            Ok((channel, consumer)) => Ok(Session {
                connection,
                channel,
                consumer,
            }),
            Err(error) => {
                broker::close(&connection).await;
                Err(error)
            }
        }
    }

    /// Cancels the subscription first, so the broker stops sending, then closes; unacked
    /// prefetched messages return to the queue.
    async fn close(self) {
        if self.channel.status().connected() {
            let _ = tokio::time::timeout(
                std::time::Duration::from_secs(2),
                self.channel
                    .basic_cancel(self.consumer.tag(), BasicCancelOptions::default()),
            )
            .await;
        }
        broker::close(&self.connection).await;
    }
}

async fn run(
    pool: DbPool,
    config: EventsConfig,
    bindings: Vec<String>,
    handler: Arc<dyn EventHandler>,
    mut stop: watch::Receiver<bool>,
    status: BrokerStatus,
) {
    let mut failures: u32 = 0;
    while !stopping(&stop) {
        let mut session = match Session::open(&config, &bindings).await {
            Ok(session) => session,
            Err(error) => {
                status.set(false);
                failures = failures.saturating_add(1);
                tracing::warn!(%error, failures, queue = %config.queue_name(), "event consumer cannot subscribe");
                if !pause(config.reconnect_delay(failures), &mut stop).await {
                    break;
                }
                continue;
            }
        };
        failures = 0;
        status.set(true);
        tracing::info!(queue = %config.queue_name(), "event consumer subscribed");
        loop {
            // Checked here and not only in the select: a retry pause may already have consumed
            // the change notification.
            if stopping(&stop) {
                break;
            }
            let next = tokio::select! {
                biased;
                _ = stop.changed() => break,
                next = session.consumer.next() => next,
            };
            match next {
                Some(Ok(delivery)) => {
                    if let Err(error) =
                        process(&pool, &config, handler.as_ref(), delivery, &mut stop).await
                    {
                        tracing::warn!(%error, "event consumer lost its channel");
                        break;
                    }
                }
                Some(Err(error)) => {
                    tracing::warn!(%error, "event consumer lost its connection");
                    break;
                }
                None => {
                    tracing::warn!("event consumer was cancelled by the broker");
                    break;
                }
            }
        }
        status.set(false);
        session.close().await;
        if !stopping(&stop) {
            failures = failures.saturating_add(1);
            if !pause(config.reconnect_delay(failures), &mut stop).await {
                break;
            }
        }
    }
    status.set(false);
}

/// Why applying failed.
#[derive(Debug, thiserror::Error)]
enum ApplyError {
    #[error("no database connection: {0}")]
    Pool(#[from] diesel_async::pooled_connection::deadpool::PoolError),
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("handler: {0}")]
    Handler(HandlerError),
}

/// Events applied by this process, counted for [`EventsConfig::exit_before_ack`].
static APPLIED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The fault hook of [`EventsConfig::exit_before_ack`]: ends the process between the commit of
/// an event's effect and its ack, so the broker delivers the event again to a process that
/// already applied it.
fn exit_if_fault_due(config: &EventsConfig) {
    let Some(limit) = config.exit_before_ack else {
        return;
    };
    let applied = APPLIED.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
    if applied >= limit {
        tracing::error!(applied, "QMF_FAULT_EXIT_BEFORE_ACK: exiting before the ack");
        std::process::exit(86);
    }
}

/// Handles one delivery to its end: ack, nack (retry) or reject (dead-letter). An error means
/// the channel is gone; the message is then redelivered after reconnecting.
async fn process(
    pool: &DbPool,
    config: &EventsConfig,
    handler: &dyn EventHandler,
    delivery: Delivery,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), EventsError> {
    let envelope = match Envelope::from_slice(&delivery.data) {
        Ok(envelope) => envelope,
        Err(error) => {
            tracing::warn!(%error, routing_key = %delivery.routing_key,
                "dead-lettering a message that is not a valid event envelope");
            delivery
                .acker
                .reject(BasicRejectOptions { requeue: false })
                .await?;
            return Ok(());
        }
    };
    let deliveries_before = delivery_count(&delivery.properties);
    let span = tracing::info_span!(
        "consume event",
        otel.kind = "consumer",
        messaging.system = "rabbitmq",
        messaging.destination.name = %config.queue_name(),
        event.id = %envelope.id,
        event.r#type = %envelope.event_type,
        event.subject = %envelope.subject,
        delivery = deliveries_before + 1,
    );
    set_parent_from(&span, envelope.traceparent.as_deref());

    async move {
        let mut pool_failures: u32 = 0;
        loop {
            match apply(pool, handler, &envelope).await {
                Ok(applied) => {
                    if applied {
                        // The handler's effect may include events of this service.
                        crate::relay::wake_relays();
                        exit_if_fault_due(config);
                    } else {
                        tracing::debug!("event already applied; acknowledging the duplicate");
                    }
                    delivery.acker.ack(BasicAckOptions::default()).await?;
                    return Ok(());
                }
                Err(ApplyError::Pool(error)) => {
                    // The database is unreachable: keep the message rather than spend one of its
                    // deliveries on an outage.
                    pool_failures = pool_failures.saturating_add(1);
                    tracing::warn!(%error, "no database connection for an event; waiting");
                    if !pause(config.reconnect_delay(pool_failures), stop).await {
                        requeue(&delivery).await?;
                        return Ok(());
                    }
                }
                Err(ApplyError::Handler(HandlerError::Reject(error))) => {
                    tracing::warn!(%error, "event handler rejected the event; dead-lettering it");
                    delivery
                        .acker
                        .reject(BasicRejectOptions { requeue: false })
                        .await?;
                    return Ok(());
                }
                Err(error) => {
                    let deliveries = deliveries_before + 1;
                    if deliveries >= u64::from(config.max_deliveries) {
                        tracing::warn!(%error, deliveries, "event failed on its last delivery; dead-lettering it");
                        delivery
                            .acker
                            .reject(BasicRejectOptions { requeue: false })
                            .await?;
                        return Ok(());
                    }
                    let delay = config.retry_delay(deliveries_before);
                    tracing::warn!(%error, deliveries, ?delay, "event failed; redelivering after a pause");
                    // On stop the message goes back at once; the pause is only politeness.
                    pause(delay, stop).await;
                    requeue(&delivery).await?;
                    return Ok(());
                }
            }
        }
    }
    .instrument(span)
    .await
}

async fn requeue(delivery: &Delivery) -> Result<(), EventsError> {
    delivery
        .acker
        .nack(BasicNackOptions {
            multiple: false,
            requeue: true,
        })
        .await?;
    Ok(())
}

/// One transaction: inbox entry, then the handler's effect. `Ok(false)` when the event was
/// applied before (the inbox already holds its id), in which case the handler is not called.
async fn apply(
    pool: &DbPool,
    handler: &dyn EventHandler,
    envelope: &Envelope,
) -> Result<bool, ApplyError> {
    let mut pooled = pool.get().await?;
    let conn: &mut AsyncPgConnection = &mut pooled;
    conn.transaction::<_, ApplyError, _>(async |conn| {
        let inserted = diesel::insert_into(inbox::table)
            .values((
                inbox::event_id.eq(envelope.id),
                inbox::event_type.eq(&envelope.event_type),
                inbox::source.eq(&envelope.source),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        if inserted == 0 {
            return Ok(false);
        }
        handler
            .handle(conn, envelope)
            .await
            .map_err(ApplyError::Handler)?;
        Ok(true)
    })
    .await
}

/// Failed deliveries so far, from the `x-delivery-count` header quorum queues set on
/// redelivery (absent on the first delivery).
fn delivery_count(properties: &BasicProperties) -> u64 {
    let Some(value) = properties
        .headers()
        .as_ref()
        .and_then(|headers| headers.inner().get("x-delivery-count"))
    else {
        return 0;
    };
    match value {
        AMQPValue::LongLongInt(n) => u64::try_from(*n).unwrap_or(0),
        AMQPValue::LongInt(n) => u64::try_from(*n).unwrap_or(0),
        AMQPValue::ShortInt(n) => u64::try_from(*n).unwrap_or(0),
        AMQPValue::ShortShortInt(n) => u64::try_from(*n).unwrap_or(0),
        AMQPValue::LongUInt(n) => u64::from(*n),
        AMQPValue::ShortUInt(n) => u64::from(*n),
        AMQPValue::ShortShortUInt(n) => u64::from(*n),
        AMQPValue::Timestamp(n) => *n,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_delivery_count_of_any_integer_type() {
        assert_eq!(delivery_count(&BasicProperties::default()), 0);
        for value in [
            AMQPValue::LongLongInt(3),
            AMQPValue::LongInt(3),
            AMQPValue::ShortShortUInt(3),
        ] {
            let mut headers = FieldTable::default();
            headers.insert("x-delivery-count".into(), value);
            let properties = BasicProperties::default().with_headers(headers);
            assert_eq!(delivery_count(&properties), 3);
        }
    }
}
