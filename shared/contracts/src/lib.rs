//! Event payloads exchanged between QMF services, one module per producing service.
//!
//! Every event travels in a CloudEvents 1.0 envelope on the topic exchange `qmf.events` with the
//! event type as routing key. Type names carry their version (`.v1`); a breaking change gets a
//! new type, never a changed payload.

pub mod asyncapi;
pub mod case;
pub mod committee;
pub mod dialogue;
pub mod directory;
pub mod training;

/// One event type: its routing key, what it means, and its payload schema.
pub struct EventType {
    /// Routing key and CloudEvents `type`, e.g. `directory.organization.registered.v1`.
    pub name: &'static str,
    /// CloudEvents `source` of the producing service.
    pub source: &'static str,
    /// When the event is published and what consumers can rely on.
    pub description: &'static str,
    /// Name of the payload schema.
    pub payload: &'static str,
}

/// An event as its producer publishes it: the payload together with its type, its producer and
/// its subject, so that no call site can pair a payload with the wrong type. Each producing
/// service has one enum of its events implementing this; `qmf_events::publish` takes it.
/// Serialising an event gives its payload alone.
pub trait Event: serde::Serialize {
    /// CloudEvents `source` of the producer, e.g. `/qmf/directory`.
    fn source(&self) -> &'static str;
    /// Routing key and CloudEvents `type`, e.g. `directory.organization.registered.v1`.
    fn event_type(&self) -> &'static str;
    /// The aggregate the event belongs to (CloudEvents `subject`); events of one subject are
    /// delivered in order.
    fn subject(&self) -> String;
}
