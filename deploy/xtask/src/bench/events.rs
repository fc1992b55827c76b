//! Event latency under load: while the scenarios run, a consumer bound to the benchmarked
//! service's exchange takes every event the scenarios cause and records how long after its
//! outbox write (the envelope's `time`, written in the transaction of the change) it arrived.
//! So a figure is commit → relay → broker → consumer, plus the rest of the transaction.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::StreamExt;
use lapin::options::{
    BasicConsumeOptions, ExchangeDeclareOptions, QueueBindOptions, QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties, ExchangeKind};

use crate::Result;

/// Arrival time and latency (milliseconds) of each event received.
type Samples = Arc<Mutex<Vec<(Instant, f64)>>>;

/// A running latency probe; dropping it closes its connection.
pub struct EventLatency {
    samples: Samples,
    _connection: Connection,
}

/// The events received within one window.
pub struct Window {
    pub count: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

impl EventLatency {
    /// Binds a private queue to every event on `exchange` and starts recording.
    pub async fn start(amqp_url: &str, exchange: &str) -> Result<EventLatency> {
        let connection = Connection::connect(amqp_url, ConnectionProperties::default())
            .await
            .map_err(|e| format!("event latency: cannot connect to RabbitMQ: {e}"))?;
        let channel = connection.create_channel().await?;
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..Default::default()
        };
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await?;
        let private = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..Default::default()
        };
        let queue = channel
            .queue_declare("".into(), private, FieldTable::default())
            .await?;
        channel
            .queue_bind(
                queue.name().clone(),
                exchange.into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let no_ack = BasicConsumeOptions {
            no_ack: true,
            ..Default::default()
        };
        let mut consumer = channel
            .basic_consume(
                queue.name().clone(),
                "bench-latency".into(),
                no_ack,
                FieldTable::default(),
            )
            .await?;
        let samples: Samples = Arc::default();
        let recorder = samples.clone();
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                let arrived = chrono::Utc::now();
                let Ok(envelope) = serde_json::from_slice::<serde_json::Value>(&delivery.data)
                else {
                    continue;
                };
                let Some(written) = envelope["time"]
                    .as_str()
                    .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
                else {
                    continue;
                };
                let micros = (arrived - written.with_timezone(&chrono::Utc))
                    .num_microseconds()
                    .unwrap_or(i64::MAX);
                if let Ok(mut samples) = recorder.lock() {
                    samples.push((Instant::now(), micros as f64 / 1000.0));
                }
            }
        });
        Ok(EventLatency {
            samples,
            _connection: connection,
        })
    }

    /// The events that arrived between `from` and `to`.
    pub fn window(&self, from: Instant, to: Instant) -> Window {
        let mut latencies: Vec<f64> = self
            .samples
            .lock()
            .map(|samples| {
                samples
                    .iter()
                    .filter(|(at, _)| *at >= from && *at <= to)
                    .map(|(_, ms)| *ms)
                    .collect()
            })
            .unwrap_or_default();
        latencies.sort_by(f64::total_cmp);
        let at = |p: f64| -> f64 {
            if latencies.is_empty() {
                return 0.0;
            }
            let rank = ((p / 100.0) * latencies.len() as f64).ceil() as usize;
            latencies[rank.clamp(1, latencies.len()) - 1]
        };
        Window {
            count: latencies.len(),
            p50_ms: at(50.0),
            p99_ms: at(99.0),
        }
    }
}
