//! Watches the events a test's services publish: a private queue bound to the test exchange.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::{
    BasicAckOptions, BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, Consumer, ExchangeKind};
use serde_json::Value;

/// Receives copies of every event matching a routing pattern.
pub struct EventProbe {
    _connection: Connection,
    consumer: Consumer,
}

impl EventProbe {
    /// Binds an exclusive queue to `exchange` for `pattern` (`#` for everything).
    pub async fn bind(exchange: &str, pattern: &str) -> EventProbe {
        let connection =
            Connection::connect(&crate::broker::amqp_url(), ConnectionProperties::default())
                .await
                .unwrap_or_else(|e| panic!("cannot connect to RabbitMQ: {e}"));
        let channel = connection
            .create_channel()
            .await
            .unwrap_or_else(|e| panic!("channel: {e}"));
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("exchange: {e}"));
        let queue = channel
            .queue_declare(
                "".into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..Default::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("queue: {e}"));
        channel
            .queue_bind(
                queue.name().clone(),
                exchange.into(),
                pattern.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("bind: {e}"));
        let consumer = channel
            .basic_consume(
                queue.name().clone(),
                "probe".into(),
                BasicConsumeOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap_or_else(|e| panic!("consume: {e}"));
        EventProbe {
            _connection: connection,
            consumer,
        }
    }

    /// The next event (the whole CloudEvents envelope), or `None` after `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Value> {
        let delivery = tokio::time::timeout(timeout, self.consumer.next())
            .await
            .ok()??
            .ok()?;
        let _ = delivery.ack(BasicAckOptions::default()).await;
        serde_json::from_slice(&delivery.data).ok()
    }

    /// Collects events until none arrives for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Value> {
        let mut events = Vec::new();
        while let Some(event) = self.next(quiet).await {
            events.push(event);
        }
        events
    }
}

/// Publishes `body` (a serialised CloudEvents envelope) to `exchange` under `routing_key`,
/// as another service's relay would, and waits for the broker's confirm. Returns whether a
/// queue was bound to take it (the message is mandatory, so an unroutable one comes back).
pub async fn publish(exchange: &str, routing_key: &str, body: &[u8]) -> bool {
    use lapin::BasicProperties;
    use lapin::Confirmation;
    use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
    let connection =
        Connection::connect(&crate::broker::amqp_url(), ConnectionProperties::default())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to RabbitMQ: {e}"));
    let channel = connection
        .create_channel()
        .await
        .unwrap_or_else(|e| panic!("channel: {e}"));
    // The service declares the exchange when it starts; a test may be quicker.
    channel
        .exchange_declare(
            exchange.into(),
            ExchangeKind::Topic,
            ExchangeDeclareOptions {
                durable: true,
                ..Default::default()
            },
            FieldTable::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("exchange: {e}"));
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap_or_else(|e| panic!("confirm: {e}"));
    let confirm = channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            BasicPublishOptions {
                mandatory: true,
                ..Default::default()
            },
            body,
            BasicProperties::default()
                .with_content_type("application/cloudevents+json".into())
                .with_delivery_mode(2),
        )
        .await
        .unwrap_or_else(|e| panic!("publish: {e}"))
        .await
        .unwrap_or_else(|e| panic!("confirm: {e}"));
    matches!(confirm, Confirmation::Ack(None))
}
