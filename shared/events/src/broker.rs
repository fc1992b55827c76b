//! Broker connections and their health, shared by relay, consumer and dead-letter replay.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lapin::{Connection, ConnectionProperties};
use tokio::sync::watch;

use crate::EventsConfig;
use crate::error::EventsError;

/// Whether a relay or consumer currently holds a working broker connection; readiness probes
/// read it without touching the broker. Cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct BrokerStatus(Arc<AtomicBool>);

impl BrokerStatus {
    /// `true` while connected.
    pub fn is_connected(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }

    pub(crate) fn set(&self, connected: bool) {
        self.0.store(connected, Ordering::SeqCst);
    }
}

/// Opens a connection named after the service and role, bounded by `broker_timeout` so that a
/// black-holed broker does not hang the caller.
pub(crate) async fn connect(config: &EventsConfig, role: &str) -> Result<Connection, EventsError> {
    let properties = ConnectionProperties::default()
        .with_connection_name(format!("qmf-{}-{role}", config.service).into());
    timed(config.broker_timeout, "connecting to the broker", async {
        Ok(Connection::connect(&config.amqp_url, properties).await?)
    })
    .await
}

/// Closes a connection politely, but never waits long: it may already be dead.
pub(crate) async fn close(connection: &Connection) {
    if connection.status().connected() {
        let _ = tokio::time::timeout(
            Duration::from_secs(2),
            connection.close(200, "shutting down".into()),
        )
        .await;
    }
}

/// Runs `future` with a deadline, mapping expiry to [`EventsError::Timeout`].
pub(crate) async fn timed<T>(
    limit: Duration,
    what: &'static str,
    future: impl Future<Output = Result<T, EventsError>>,
) -> Result<T, EventsError> {
    tokio::time::timeout(limit, future)
        .await
        .map_err(|_| EventsError::Timeout(what))?
}

/// Whether the owner asked to stop, or dropped its handle (which means the same).
pub(crate) fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Sleeps for `delay` unless a stop is requested first; returns `false` on stop.
pub(crate) async fn pause(delay: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if stopping(stop) {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(delay) => !stopping(stop),
        _ = stop.changed() => false,
    }
}
