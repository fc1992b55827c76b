//! Broker connections and their health, shared by relay, consumer and dead-letter replay.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use lapin::uri::AMQPUri;
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

/// The largest AMQP frame this client proposes when the URL names none (`?frame_max=`). The
/// client keeps two buffers of 32 frames per connection, so RabbitMQ's default of 128 KiB costs
/// 8 MiB of memory per connection; our envelopes are a few KiB, and a larger body is simply
/// sent in several frames.
pub const DEFAULT_FRAME_MAX: u32 = 16 * 1024;

/// The broker URL as the services connect with it: `frame_max` is `DEFAULT_FRAME_MAX` unless
/// the URL names one.
pub fn connection_uri(amqp_url: &str) -> Result<AMQPUri, String> {
    let mut uri: AMQPUri = amqp_url.parse()?;
    uri.query.frame_max.get_or_insert(DEFAULT_FRAME_MAX);
    Ok(uri)
}

/// Opens a connection named after the service and role, bounded by `broker_timeout` so that a
/// black-holed broker does not hang the caller.
pub(crate) async fn connect(config: &EventsConfig, role: &str) -> Result<Connection, EventsError> {
    let properties = ConnectionProperties::default()
        .with_connection_name(format!("qmf-{}-{role}", config.service).into());
    timed(config.broker_timeout, "connecting to the broker", async {
        match connection_uri(&config.amqp_url) {
            Ok(uri) => Ok(Connection::connect_uri(uri, properties).await?),
            // lapin names what is wrong with the URL.
            Err(_) => Ok(Connection::connect(&config.amqp_url, properties).await?),
        }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn frame_max_defaults_to_small_frames_unless_the_url_names_one() {
        let uri = connection_uri("amqp://guest:guest@127.0.0.1:5672/%2f").unwrap();
        assert_eq!(uri.query.frame_max, Some(DEFAULT_FRAME_MAX));
        let uri = connection_uri("amqp://guest:guest@127.0.0.1:5672/%2f?frame_max=131072").unwrap();
        assert_eq!(uri.query.frame_max, Some(131_072));
        assert!(connection_uri("http://example.org").is_err());
    }
}
