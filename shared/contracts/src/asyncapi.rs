//! The platform-wide AsyncAPI 3.0 document, generated from the event catalogue and payload types.

use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use crate::{EventType, case, committee, dialogue, directory};

/// All payload schemas by name, including the enums they reference.
fn schemas() -> Map<String, Value> {
    let mut all: Vec<(String, RefOr<Schema>)> = Vec::new();
    let mut add = |name: &str, schema: RefOr<Schema>, refs: &mut Vec<(String, RefOr<Schema>)>| {
        all.push((name.to_string(), schema));
        all.append(refs);
    };
    macro_rules! collect {
        ($($t:ty),* $(,)?) => {
            $(
                let mut refs = Vec::new();
                <$t as ToSchema>::schemas(&mut refs);
                add(&<$t as ToSchema>::name(), <$t as PartialSchema>::schema(), &mut refs);
            )*
        };
    }
    collect!(
        directory::OrganizationV1,
        directory::OrganizationDeactivatedV1,
        directory::PersonV1,
        directory::PersonDeactivatedV1,
        directory::AgreementSignedV1,
        directory::AgreementTerminatedV1,
        directory::OrganizationKind,
        directory::District,
        directory::AgreementKind,
        directory::StaffFunction,
        case::CaseOpenedV1,
        case::AssessmentCompletedV1,
        case::PlanAgreedV1,
        case::HelpStartedV1,
        case::ReviewHeldV1,
        case::TransferredV1,
        case::ClosedV1,
        committee::ManagementTermStartedV1,
        committee::BodyEstablishedV1,
        committee::BodyDissolvedV1,
        committee::MembershipStartedV1,
        committee::MembershipEndedV1,
        committee::MeetingScheduledV1,
        committee::MeetingInvitationsSentV1,
        committee::MeetingHeldV1,
        committee::MeetingCancelledV1,
        committee::TopicTransitionedV1,
        committee::DecisionRecordedV1,
        dialogue::FindingEscalatedV1,
    );
    let mut map = Map::new();
    for (name, schema) in all {
        // utoipa's `#/components/schemas/..` references resolve unchanged in AsyncAPI.
        map.insert(name, serde_json::to_value(schema).unwrap_or(Value::Null));
    }
    map
}

fn all_events() -> Vec<&'static EventType> {
    directory::EVENTS
        .iter()
        .chain(case::EVENTS)
        .chain(committee::EVENTS)
        .chain(dialogue::EVENTS)
        .collect()
}

/// The AsyncAPI document describing every event on `qmf.events`.
pub fn document() -> Value {
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for event in all_events() {
        let key = event.name.replace('.', "_");
        messages.insert(
            key.clone(),
            json!({
                "name": event.name,
                "title": event.name,
                "summary": event.description,
                "contentType": "application/cloudevents+json",
                "headers": {"$ref": "#/components/schemas/AmqpHeaders"},
                "payload": {
                    "allOf": [
                        {"$ref": "#/components/schemas/CloudEvent"},
                        {"type": "object", "properties": {
                            "type": {"const": event.name},
                            "source": {"const": event.source},
                            "data": {"$ref": format!("#/components/schemas/{}", event.payload)}
                        }}
                    ]
                },
                "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": "0.3.0"}}
            }),
        );
        channels.insert(
            key.clone(),
            json!({
                "address": event.name,
                "description": format!("Routing key `{}` on the topic exchange `qmf.events`.", event.name),
                "messages": {key.clone(): {"$ref": format!("#/components/messages/{key}")}},
                "bindings": {"amqp": {
                    "is": "routingKey",
                    "exchange": {"name": "qmf.events", "type": "topic", "durable": true, "autoDelete": false, "vhost": "/"},
                    "bindingVersion": "0.3.0"
                }}
            }),
        );
        operations.insert(
            format!("publish_{key}"),
            json!({
                "action": "send",
                "channel": {"$ref": format!("#/channels/{key}")},
                "summary": format!("Published by the {} service through its transactional outbox.", event.source.trim_start_matches("/qmf/")),
                "messages": [{"$ref": format!("#/channels/{key}/messages/{key}")}]
            }),
        );
    }
    let mut schemas = schemas();
    schemas.insert(
        "CloudEvent".into(),
        json!({
            "type": "object",
            "description": "CloudEvents 1.0 envelope in structured JSON mode.",
            "required": ["specversion", "id", "source", "type", "time", "datacontenttype", "data"],
            "properties": {
                "specversion": {"const": "1.0"},
                "id": {"type": "string", "format": "uuid", "description": "Unique event id (UUIDv7); consumers deduplicate on it."},
                "source": {"type": "string", "description": "Producing service, e.g. `/qmf/directory`."},
                "type": {"type": "string", "description": "Event type = routing key, versioned (`.v1`)."},
                "time": {"type": "string", "format": "date-time"},
                "subject": {"type": "string", "description": "Id of the aggregate the event is about; events of one aggregate are published in order."},
                "datacontenttype": {"const": "application/json"},
                "traceparent": {"type": "string", "description": "W3C trace context of the request that caused the event."},
                "data": {"type": "object"}
            }
        }),
    );
    schemas.insert(
        "AmqpHeaders".into(),
        json!({
            "type": "object",
            "properties": {
                "traceparent": {"type": "string", "description": "W3C trace context, also carried in the envelope."}
            }
        }),
    );
    json!({
        "asyncapi": "3.0.0",
        "info": {
            "title": "QMF platform events",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Events exchanged between the QMF services over RabbitMQ. Every service publishes \
                through a transactional outbox (at-least-once, in order per aggregate) and consumes through \
                its own quorum queue `<service>.events` with an inbox table for deduplication; messages that \
                keep failing end in `<service>.dead-letter`. Events leaving the case service carry no personal data."
        },
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {"host": "127.0.0.1:5673", "protocol": "amqp", "description": "`cargo xtask up`"}
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas}
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_has_a_channel_and_its_payload_schema() {
        let doc = document();
        for event in all_events() {
            let key = event.name.replace('.', "_");
            assert!(doc["channels"][&key].is_object(), "{key}");
            assert!(
                doc["components"]["schemas"][event.payload].is_object(),
                "{}",
                event.payload
            );
        }
        assert!(doc["components"]["schemas"]["District"].is_object());
    }
}
