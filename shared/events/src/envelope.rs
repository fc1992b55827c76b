//! The CloudEvents 1.0 envelope in JSON structured mode: one self-describing document per
//! message, so consumers need no AMQP-specific headers to understand an event.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The only CloudEvents version we produce and accept.
pub const SPEC_VERSION: &str = "1.0";
/// Content type of `data`: always JSON.
pub const DATA_CONTENT_TYPE: &str = "application/json";
/// AMQP content type of a message carrying a structured-mode CloudEvent.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

/// A CloudEvent as published on the `qmf.events` exchange. Unknown extension attributes are
/// ignored on reading, so producers can add some without breaking consumers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// Always [`SPEC_VERSION`].
    pub specversion: String,
    /// UUID v7: unique, and time-ordered for readable logs; consumers deduplicate on it.
    pub id: Uuid,
    /// The producing service, e.g. `/qmf/directory`.
    pub source: String,
    /// Versioned event type, also the routing key, e.g. `directory.organization.registered.v1`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When the event happened (RFC 3339, UTC).
    pub time: DateTime<Utc>,
    /// Id of the aggregate the event is about; events of one subject are published in order.
    pub subject: String,
    /// Always [`DATA_CONTENT_TYPE`].
    pub datacontenttype: String,
    /// The payload; its type is named by `event_type` (see `qmf-contracts`).
    pub data: serde_json::Value,
    /// W3C trace context of the operation that produced the event (distributed tracing
    /// extension), so a consumer's work joins the producer's trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
}

/// Why a message is not a usable envelope; such messages are dead-lettered at once.
#[derive(Debug, thiserror::Error)]
pub enum EnvelopeError {
    /// Not JSON, or required attributes missing or of the wrong type.
    #[error("not a CloudEvents JSON envelope: {0}")]
    Json(#[from] serde_json::Error),
    /// A CloudEvents version we do not understand.
    #[error("unsupported specversion {0:?}, expected \"1.0\"")]
    SpecVersion(String),
    /// A required attribute is empty.
    #[error("required attribute {0} is empty")]
    Empty(&'static str),
}

impl Envelope {
    /// A new event with a fresh v7 id, the current time and no trace context.
    pub fn new(
        source: impl Into<String>,
        event_type: impl Into<String>,
        subject: impl Into<String>,
        data: serde_json::Value,
    ) -> Self {
        Envelope {
            specversion: SPEC_VERSION.to_string(),
            id: Uuid::now_v7(),
            source: source.into(),
            event_type: event_type.into(),
            time: Utc::now(),
            subject: subject.into(),
            datacontenttype: DATA_CONTENT_TYPE.to_string(),
            data,
            traceparent: None,
        }
    }

    /// The same event carrying `traceparent`.
    #[must_use]
    pub fn with_traceparent(mut self, traceparent: Option<String>) -> Self {
        self.traceparent = traceparent;
        self
    }

    /// The payload as the contract type `T`; an error means producer and consumer disagree on
    /// the contract, which retrying will not fix.
    pub fn data_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&self.data)
    }

    /// Parses and checks a message body.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, EnvelopeError> {
        let envelope: Envelope = serde_json::from_slice(bytes)?;
        envelope.validate()?;
        Ok(envelope)
    }

    /// Checks what serde cannot: the version and non-empty required attributes.
    pub fn validate(&self) -> Result<(), EnvelopeError> {
        if self.specversion != SPEC_VERSION {
            return Err(EnvelopeError::SpecVersion(self.specversion.clone()));
        }
        if self.source.is_empty() {
            return Err(EnvelopeError::Empty("source"));
        }
        if self.event_type.is_empty() {
            return Err(EnvelopeError::Empty("type"));
        }
        Ok(())
    }

    /// The JSON body as published.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        serde_json::to_vec(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Payload {
        organization_id: Uuid,
        name: String,
    }

    #[test]
    fn serializes_as_structured_cloudevent() {
        let payload = Payload {
            organization_id: Uuid::nil(),
            name: "Jugendamt".into(),
        };
        let envelope = Envelope::new(
            "/qmf/directory",
            "directory.organization.registered.v1",
            "org-1",
            serde_json::to_value(&payload).unwrap(),
        )
        .with_traceparent(Some(
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".into(),
        ));
        let json: serde_json::Value = serde_json::from_slice(&envelope.to_json().unwrap()).unwrap();
        assert_eq!(json["specversion"], "1.0");
        assert_eq!(json["type"], "directory.organization.registered.v1");
        assert_eq!(json["source"], "/qmf/directory");
        assert_eq!(json["subject"], "org-1");
        assert_eq!(json["datacontenttype"], "application/json");
        assert_eq!(json["id"].as_str().unwrap().len(), 36);
        assert!(json["time"].as_str().unwrap().ends_with('Z'));
        assert_eq!(
            json["traceparent"],
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
        );
        assert_eq!(envelope.id.get_version_num(), 7);

        let back = Envelope::from_slice(&envelope.to_json().unwrap()).unwrap();
        assert_eq!(back, envelope);
        assert_eq!(back.data_as::<Payload>().unwrap(), payload);
    }

    #[test]
    fn rejects_what_is_not_an_envelope() {
        assert!(matches!(
            Envelope::from_slice(b"not json"),
            Err(EnvelopeError::Json(_))
        ));
        assert!(matches!(
            Envelope::from_slice(br#"{"specversion":"1.0"}"#),
            Err(EnvelopeError::Json(_))
        ));
        let mut envelope = Envelope::new("/qmf/case", "case.closed.v1", "c", serde_json::json!({}));
        envelope.specversion = "0.3".into();
        assert!(matches!(
            Envelope::from_slice(&envelope.to_json().unwrap()),
            Err(EnvelopeError::SpecVersion(_))
        ));
    }

    #[test]
    fn omits_absent_traceparent_and_ignores_unknown_extensions() {
        let envelope = Envelope::new("/qmf/case", "case.closed.v1", "c", serde_json::json!({}));
        let mut json: serde_json::Value = serde_json::to_value(&envelope).unwrap();
        assert!(json.get("traceparent").is_none());
        json["partitionkey"] = "x".into();
        let back: Envelope = serde_json::from_value(json).unwrap();
        assert_eq!(back, envelope);
    }
}
