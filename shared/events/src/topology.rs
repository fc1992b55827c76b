//! The RabbitMQ topology, declared idempotently by whoever needs it first: publishers declare
//! the exchange, consumers their queues. Declaring twice with the same arguments is a no-op;
//! with different arguments (e.g. a changed `max_deliveries`) RabbitMQ refuses the declaration,
//! so such a change needs the queue to be deleted or migrated by an operator.

use lapin::options::{ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, LongString};
use lapin::{Channel, ExchangeKind};

use crate::EventsConfig;
use crate::error::{EventsError, short};

/// Declares the durable topic exchange events are published to (routing key = event type).
pub async fn declare_exchange(channel: &Channel, config: &EventsConfig) -> Result<(), EventsError> {
    channel
        .exchange_declare(
            short(&config.exchange)?,
            ExchangeKind::Topic,
            durable_exchange(),
            FieldTable::default(),
        )
        .await?;
    Ok(())
}

/// Declares everything a consumer needs: the exchange; the dead-letter exchange and the
/// service's dead-letter queue; the service's quorum queue with an explicit delivery limit and
/// dead-letter target (RabbitMQ 4 would otherwise drop messages after 20 deliveries) and a
/// single active consumer (replicas take over one from another, so order is kept); and one
/// binding per routing key in `bindings` (topic patterns such as `directory.#` work too).
pub async fn declare_consumer_topology(
    channel: &Channel,
    config: &EventsConfig,
    bindings: &[String],
) -> Result<(), EventsError> {
    declare_exchange(channel, config).await?;
    declare_service_queues(channel, config).await?;
    let queue = short(&config.queue_name())?;
    let exchange = short(&config.exchange)?;
    for key in bindings {
        channel
            .queue_bind(
                queue.clone(),
                exchange.clone(),
                short(key)?,
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
    }
    Ok(())
}

/// Declares the dead-letter exchange, the dead-letter queue and the service queue, without
/// bindings to the event exchange.
pub async fn declare_service_queues(
    channel: &Channel,
    config: &EventsConfig,
) -> Result<(), EventsError> {
    let queue = config.queue_name();
    let dead_letter_exchange = config.dead_letter_exchange();
    channel
        .exchange_declare(
            short(&dead_letter_exchange)?,
            ExchangeKind::Direct,
            durable_exchange(),
            FieldTable::default(),
        )
        .await?;
    // A classic durable queue: it has no delivery limit, so dead letters are never dropped
    // however often someone inspects or replays them.
    channel
        .queue_declare(
            short(&config.dead_letter_queue())?,
            durable_queue(),
            FieldTable::default(),
        )
        .await?;
    channel
        .queue_bind(
            short(&config.dead_letter_queue())?,
            short(&dead_letter_exchange)?,
            short(&queue)?,
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await?;

    let mut arguments = FieldTable::default();
    arguments.insert("x-queue-type".into(), string("quorum"));
    // RabbitMQ counts failed returns, not deliveries: a limit of n allows n + 1 deliveries
    // (measured on 3.10). The consumer itself dead-letters on the last delivery; this limit is
    // the backstop, e.g. for a message that crashes the consumer process every time.
    let returns_allowed = config.max_deliveries.max(1) - 1;
    arguments.insert(
        "x-delivery-limit".into(),
        AMQPValue::LongInt(i32::try_from(returns_allowed).unwrap_or(i32::MAX)),
    );
    arguments.insert(
        "x-dead-letter-exchange".into(),
        string(&dead_letter_exchange),
    );
    // Route by queue name, not by the event type, so only this service's dead-letter queue
    // receives the message; the original routing key stays in the `x-death` header.
    arguments.insert("x-dead-letter-routing-key".into(), string(&queue));
    // One consumer at a time, however many replicas subscribe: the others wait and take over
    // when it goes away. Competing consumers would apply one aggregate's events out of order.
    arguments.insert("x-single-active-consumer".into(), AMQPValue::Boolean(true));
    channel
        .queue_declare(short(&queue)?, durable_queue(), arguments)
        .await?;
    Ok(())
}

fn durable_exchange() -> ExchangeDeclareOptions {
    ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    }
}

fn durable_queue() -> QueueDeclareOptions {
    QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    }
}

fn string(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}
