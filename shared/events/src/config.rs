//! Settings of the relay, the consumer and the topology, in one place so that producer and
//! consumer of a service agree on names and limits.

use std::time::Duration;

/// The production exchange all services publish to.
pub const DEFAULT_EXCHANGE: &str = "qmf.events";

/// Events settings of one service. Fields are public so tests can shorten delays and use
/// their own exchange and queue prefix; [`EventsConfig::new`] gives production defaults.
#[derive(Debug, Clone)]
pub struct EventsConfig {
    /// Broker URL, e.g. `amqp://guest:guest@127.0.0.1:5673/%2f`.
    pub amqp_url: String,
    /// Durable topic exchange, [`DEFAULT_EXCHANGE`] in production.
    pub exchange: String,
    /// Prefix of this service's queue names; empty in production, unique per test.
    pub queue_prefix: String,
    /// Service name, e.g. `case`; names the queues `{prefix}{service}.events` and
    /// `{prefix}{service}.dead-letter`.
    pub service: String,
    /// Deliveries of one message before it is dead-lettered (the first delivery counts).
    pub max_deliveries: u32,
    /// Wait before the first redelivery of a failed message; doubled on every further try.
    pub retry_base_delay: Duration,
    /// Upper bound of the redelivery wait.
    pub retry_max_delay: Duration,
    /// Upper bound of the wait between reconnect attempts (exponential back-off from 100 ms).
    pub reconnect_max_delay: Duration,
    /// How often the relay looks for new outbox rows when nobody wakes it.
    pub poll_interval: Duration,
    /// Outbox rows per relay transaction.
    pub relay_batch_size: i64,
    /// Unacknowledged messages the broker hands one consumer at a time.
    pub prefetch: u16,
    /// How long to wait for connects and publisher confirms before treating the broker as
    /// unreachable.
    pub broker_timeout: Duration,
    /// Publish as `mandatory` and keep an event in the outbox while no queue is bound to its
    /// type, so an event is not silently dropped before its consumers have declared their
    /// queues. Note that this also holds back later events until a binding exists.
    pub require_route: bool,
    /// Fault testing only (`QMF_FAULT_EXIT_BEFORE_ACK`): after this many applied events the
    /// process exits at once, after the event's transaction committed and before its ack, as a
    /// consumer that crashes at the worst moment would. `None` in every real deployment.
    pub exit_before_ack: Option<u64>,
}

impl EventsConfig {
    /// Production defaults for `service` on the broker at `amqp_url`.
    pub fn new(amqp_url: impl Into<String>, service: impl Into<String>) -> Self {
        EventsConfig {
            amqp_url: amqp_url.into(),
            exchange: DEFAULT_EXCHANGE.to_string(),
            queue_prefix: String::new(),
            service: service.into(),
            max_deliveries: 5,
            retry_base_delay: Duration::from_secs(1),
            retry_max_delay: Duration::from_secs(60),
            reconnect_max_delay: Duration::from_secs(5),
            poll_interval: Duration::from_millis(200),
            relay_batch_size: 100,
            prefetch: 10,
            broker_timeout: Duration::from_secs(10),
            require_route: true,
            exit_before_ack: None,
        }
    }

    /// The service's quorum queue of incoming events.
    pub fn queue_name(&self) -> String {
        format!("{}{}.events", self.queue_prefix, self.service)
    }

    /// The service's queue of messages that failed `max_deliveries` times or were invalid.
    pub fn dead_letter_queue(&self) -> String {
        format!("{}{}.dead-letter", self.queue_prefix, self.service)
    }

    /// The direct exchange all services' queues dead-letter to; each service's dead-letter
    /// queue is bound with its event queue's name as key.
    pub fn dead_letter_exchange(&self) -> String {
        format!("{}.dead-letter", self.exchange)
    }

    /// Redelivery wait after `deliveries_so_far` failed deliveries: base × 2ⁿ, capped.
    pub(crate) fn retry_delay(&self, deliveries_so_far: u64) -> Duration {
        exponential(
            self.retry_base_delay,
            deliveries_so_far,
            self.retry_max_delay,
        )
    }

    /// Reconnect wait after `failures` consecutive failures (≥ 1).
    pub(crate) fn reconnect_delay(&self, failures: u32) -> Duration {
        exponential(
            Duration::from_millis(100),
            u64::from(failures.saturating_sub(1)),
            self.reconnect_max_delay,
        )
    }
}

fn exponential(base: Duration, exponent: u64, cap: Duration) -> Duration {
    let factor = 1u32 << exponent.min(20);
    base.checked_mul(factor).unwrap_or(cap).min(cap)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_delays() {
        let mut config = EventsConfig::new("amqp://x", "case");
        assert_eq!(config.queue_name(), "case.events");
        assert_eq!(config.dead_letter_queue(), "case.dead-letter");
        assert_eq!(config.dead_letter_exchange(), "qmf.events.dead-letter");
        config.queue_prefix = "t1.".into();
        assert_eq!(config.queue_name(), "t1.case.events");

        assert_eq!(config.retry_delay(0), Duration::from_secs(1));
        assert_eq!(config.retry_delay(3), Duration::from_secs(8));
        assert_eq!(config.retry_delay(1000), Duration::from_secs(60));
        assert_eq!(config.reconnect_delay(1), Duration::from_millis(100));
        assert_eq!(config.reconnect_delay(2), Duration::from_millis(200));
        assert_eq!(config.reconnect_delay(100), Duration::from_secs(5));
    }
}
