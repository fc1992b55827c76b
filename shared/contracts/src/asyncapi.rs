//! The platform-wide AsyncAPI 3.0 document, generated from the event catalogue and payload types.

use serde_json::{Map, Value, json};
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::Schema;
use utoipa::{PartialSchema, ToSchema};

use crate::{EventType, case, committee, dialogue, directory, training};

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
        directory::LeadershipConfirmedV1,
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
        committee::MeetingAttendanceRecordedV1,
        committee::AttendanceEntryV1,
        committee::MemberAttendance,
        committee::MeetingCancelledV1,
        committee::TopicTransitionedV1,
        committee::DecisionRecordedV1,
        dialogue::CycleOpenedV1,
        dialogue::CycleClosedV1,
        dialogue::HostJoinedV1,
        dialogue::HostWithdrawnV1,
        dialogue::DialogueScheduledV1,
        dialogue::DialogueGuestsChangedV1,
        dialogue::DialogueCancelledV1,
        dialogue::DialogueGuest,
        dialogue::DialogueInvitedV1,
        dialogue::ParticipantRespondedV1,
        dialogue::ParticipantReplacedV1,
        dialogue::Participant,
        dialogue::ReportSubmittedV1,
        dialogue::DialogueHeldV1,
        dialogue::DialogueAttendance,
        dialogue::DialogueDocumentedV1,
        dialogue::FindingRecordedV1,
        dialogue::EvaluationCompletedV1,
        dialogue::MeasureCompletedV1,
        training::CourseAddedV1,
        training::SessionScheduledV1,
        training::SessionCancelledV1,
        training::RegistrationChangedV1,
        training::AttendanceRecordedV1,
        training::CompletionV1,
        training::ReminderDueV1,
        training::SessionParticipant,
        training::CertificateV1,
        case::InstrumentReleasedV1,
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
        .chain(training::EVENTS)
        .collect()
}

/// A service that consumes events: the routing keys its queue `<service>.events` is bound to.
pub struct Consumer {
    /// Service name; names the queues `<service>.events` and `<service>.dead-letter`.
    pub service: &'static str,
    /// Routing keys bound to the service's queue (the same list the service binds at start).
    pub events: &'static [&'static str],
    /// What the service does with them.
    pub purpose: &'static str,
}

/// The directory events a service keeping a read copy with people subscribes to.
const DIRECTORY_COPY_WITH_PEOPLE: [&str; 8] = [
    directory::ORGANIZATION_REGISTERED,
    directory::ORGANIZATION_UPDATED,
    directory::ORGANIZATION_DEACTIVATED,
    directory::AGREEMENT_SIGNED,
    directory::AGREEMENT_TERMINATED,
    directory::PERSON_REGISTERED,
    directory::PERSON_UPDATED,
    directory::PERSON_DEACTIVATED,
];

const COMMITTEE_EVENTS: [&str; 9] = [
    directory::ORGANIZATION_REGISTERED,
    directory::ORGANIZATION_UPDATED,
    directory::ORGANIZATION_DEACTIVATED,
    directory::AGREEMENT_SIGNED,
    directory::AGREEMENT_TERMINATED,
    directory::PERSON_REGISTERED,
    directory::PERSON_UPDATED,
    directory::PERSON_DEACTIVATED,
    dialogue::FINDING_ESCALATED,
];

const DIALOGUE_EVENTS: [&str; 14] = [
    directory::ORGANIZATION_REGISTERED,
    directory::ORGANIZATION_UPDATED,
    directory::ORGANIZATION_DEACTIVATED,
    directory::AGREEMENT_SIGNED,
    directory::AGREEMENT_TERMINATED,
    directory::PERSON_REGISTERED,
    directory::PERSON_UPDATED,
    directory::PERSON_DEACTIVATED,
    committee::MEETING_SCHEDULED,
    committee::MEETING_CANCELLED,
    case::CLOSED,
    training::SESSION_SCHEDULED,
    training::SESSION_CHANGED,
    training::SESSION_CANCELLED,
];

/// What the directory's engagement view is fed by.
const DIRECTORY_EVENTS: [&str; 16] = [
    committee::MEMBERSHIP_STARTED,
    committee::MEMBERSHIP_ENDED,
    committee::MEETING_HELD,
    committee::MEETING_CANCELLED,
    committee::MEETING_ATTENDANCE_RECORDED,
    dialogue::CYCLE_OPENED,
    dialogue::HOST_JOINED,
    dialogue::HOST_WITHDRAWN,
    dialogue::DIALOGUE_SCHEDULED,
    dialogue::DIALOGUE_CANCELLED,
    dialogue::DIALOGUE_HELD,
    dialogue::FINDING_RECORDED,
    dialogue::MEASURE_COMPLETED,
    training::COURSE_ADDED,
    training::COMPLETION_ACHIEVED,
    training::COMPLETION_WITHDRAWN,
];

const TRAINING_EVENTS: [&str; 11] = [
    directory::ORGANIZATION_REGISTERED,
    directory::ORGANIZATION_UPDATED,
    directory::ORGANIZATION_DEACTIVATED,
    directory::AGREEMENT_SIGNED,
    directory::AGREEMENT_TERMINATED,
    directory::PERSON_REGISTERED,
    directory::PERSON_UPDATED,
    directory::PERSON_DEACTIVATED,
    case::INSTRUMENT_RELEASED,
    committee::DECISION_RECORDED,
    dialogue::FINDING_RECORDED,
];

/// Every consuming service with its subscriptions; the system tests compare this list with
/// the bindings the services declare.
pub const CONSUMERS: &[Consumer] = &[
    Consumer {
        service: "directory",
        events: &DIRECTORY_EVENTS,
        purpose: "keeps the facts of its engagement view (commitment at a glance): seats and \
                  meeting attendance in the committees, dialogues hosted and attended as guest, \
                  measures agreed in dialogues and their state, required courses and completed \
                  trainings",
    },
    Consumer {
        service: "case",
        events: &DIRECTORY_COPY_WITH_PEOPLE,
        purpose: "keeps its read copy of organisations, agreements and people (with their \
                  affiliation) current",
    },
    Consumer {
        service: "committee",
        events: &COMMITTEE_EVENTS,
        purpose: "keeps its read copy of organisations, agreements and people (with their \
                  contact details) current, and makes each escalated finding a topic in the \
                  steering group's inbox",
    },
    Consumer {
        service: "dialogue",
        events: &DIALOGUE_EVENTS,
        purpose: "keeps its read copy of organisations, agreements and people (with their \
                  contact details) current, lets organisations join or leave the open cycle as \
                  their agreements start and end, keeps the days of Forum meetings and \
                  training sessions free of dialogues, and keeps the outcome figures of closed cases for quality reports",
    },
    Consumer {
        service: "training",
        events: &TRAINING_EVENTS,
        purpose: "keeps its read copy of organisations, agreements and people (with their \
                  contact details and staff functions) current: who may register for a \
                  session, for which organisation, and who needs which course; marks staff \
                  trained on an older instrument version as needing a refresher; and offers \
                  Forum decisions of kind `event` and dialogue findings of kind `expert_day` \
                  as expert days to schedule",
    },
];

/// The example of a payload schema, wrapped in its CloudEvents envelope.
fn envelope_example(event: &EventType, schemas: &Map<String, Value>) -> Value {
    let data = schemas
        .get(event.payload)
        .and_then(|schema| schema.get("example"))
        .cloned()
        .unwrap_or(Value::Null);
    // Events about a dialogue or its participants carry other ids too; their subject is the
    // dialogue.
    let by_dialogue = event.name.starts_with("dialogue.dialogue.")
        || event.name.starts_with("dialogue.participant.")
        || event.name.starts_with("dialogue.evaluation.")
        || event.name.starts_with("dialogue.report.");
    // Other events name their subject's field first where it is not the first id they carry
    // (the `subject` of each event type in `qmf_contracts`).
    let fields: &[&str] = if by_dialogue {
        &["dialogue_id"]
    } else if event.name.starts_with("training.course.") {
        &["course_id"]
    } else if event.name.starts_with("training.") {
        &["session_id"]
    } else if event.name.starts_with("directory.agreement.")
        || event.name.starts_with("directory.leadership.")
    {
        &["organization_id"]
    } else if event.name.starts_with("committee.membership.")
        || event.name.starts_with("committee.body.")
    {
        &["body_id"]
    } else if event.name.starts_with("committee.management_term.") {
        &["office_id"]
    } else if event.name.starts_with("committee.decision.") {
        &["meeting_id"]
    } else {
        &[]
    };
    let subject = fields
        .iter()
        .chain(
            [
                "id",
                "organization_id",
                "person_id",
                "agreement_id",
                "case_id",
                "topic_id",
                "meeting_id",
                "finding_id",
                "dialogue_id",
                "cycle_id",
            ]
            .iter(),
        )
        .find_map(|field| data.get(*field).and_then(Value::as_str))
        .unwrap_or("01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f")
        .to_string();
    json!({
        "name": format!("{}-example", event.name.replace('.', "-")),
        "summary": format!("A `{}` event as it travels on `qmf.events`.", event.name),
        "headers": {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
        "payload": {
            "specversion": "1.0",
            "id": "01938a7c-5d2e-7f10-8b3a-2c4d5e6f7a8b",
            "source": event.source,
            "type": event.name,
            "time": "2027-05-12T09:30:00Z",
            "subject": subject,
            "datacontenttype": "application/json",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "data": data
        }
    })
}

fn queue_channel(address: &str, description: String, messages: Map<String, Value>) -> Value {
    json!({
        "address": address,
        "description": description,
        "messages": messages,
        "bindings": {"amqp": {
            "is": "queue",
            "queue": {"name": address, "durable": true, "exclusive": false, "autoDelete": false, "vhost": "/"},
            "bindingVersion": "0.3.0"
        }}
    })
}

/// The AsyncAPI document describing every event on `qmf.events`.
pub fn document() -> Value {
    let mut schemas = schemas();
    let mut channels = Map::new();
    let mut operations = Map::new();
    let mut messages = Map::new();
    for event in all_events() {
        let key = event.name.replace('.', "_");
        let producer = event.source.trim_start_matches("/qmf/");
        messages.insert(
            key.clone(),
            json!({
                "name": event.name,
                "title": event.name,
                "summary": format!("`{}` from the {producer} service.", event.name),
                "description": event.description,
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
                "examples": [envelope_example(event, &schemas)],
                "bindings": {"amqp": {"messageType": event.name, "bindingVersion": "0.3.0"}}
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
                "summary": format!("Published by the {producer} service through its transactional outbox."),
                "description": "The relay publishes outbox rows in order, as persistent messages with \
                    publisher confirms; the AMQP `type` property and the routing key are the event type, \
                    `message_id` is the CloudEvents `id`.",
                "messages": [{"$ref": format!("#/channels/{key}/messages/{key}")}],
                "bindings": {"amqp": {"deliveryMode": 2, "timestamp": true, "bindingVersion": "0.3.0"}}
            }),
        );
    }
    for consumer in CONSUMERS {
        let service = consumer.service;
        let queue = format!("{service}.events");
        let dead_letter = format!("{service}.dead-letter");
        let queue_key = format!("{service}_events");
        let dead_letter_key = format!("{service}_dead_letter");
        let mut consumed = Map::new();
        for name in consumer.events {
            let key = name.replace('.', "_");
            consumed.insert(
                key.clone(),
                json!({"$ref": format!("#/components/messages/{key}")}),
            );
        }
        let keys = consumer
            .events
            .iter()
            .map(|name| format!("`{name}`"))
            .collect::<Vec<_>>()
            .join(", ");
        channels.insert(
            queue_key.clone(),
            queue_channel(
                &queue,
                format!(
                    "The {service} service's quorum queue, bound to `qmf.events` with the routing keys {keys}. \
                     After the last allowed delivery a message is dead-lettered (exchange \
                     `qmf.events.dead-letter`, routing key `{queue}`) into `{dead_letter}`."
                ),
                consumed.clone(),
            ),
        );
        channels.insert(
            dead_letter_key.clone(),
            queue_channel(
                &dead_letter,
                format!(
                    "Messages of `{queue}` that failed on every delivery or were invalid, unchanged \
                     (the `x-death` header keeps the original routing key). Nothing consumes them \
                     automatically: an operator inspects them and, once the cause is fixed, moves \
                     them back into `{queue}`."
                ),
                consumed.clone(),
            ),
        );
        let refs = |channel: &str| {
            consumed
                .keys()
                .map(|key| json!({"$ref": format!("#/channels/{channel}/messages/{key}")}))
                .collect::<Vec<_>>()
        };
        operations.insert(
            format!("{service}_receive_events"),
            json!({
                "action": "receive",
                "channel": {"$ref": format!("#/channels/{queue_key}")},
                "summary": format!("The {service} service consumes from `{queue}`."),
                "description": format!(
                    "The {service} service {}. Each event is handled in one database transaction \
                     together with an inbox row keyed by the CloudEvents `id`, so a redelivered event \
                     is applied once; it is acknowledged after the commit. An event that keeps \
                     failing ends in `{dead_letter}`.",
                    consumer.purpose
                ),
                "messages": refs(&queue_key),
                "bindings": {"amqp": {"ack": true, "bindingVersion": "0.3.0"}}
            }),
        );
        operations.insert(
            format!("{service}_dead_letters"),
            json!({
                "action": "receive",
                "channel": {"$ref": format!("#/channels/{dead_letter_key}")},
                "summary": format!("Dead letters of the {service} service, for operators."),
                "description": format!(
                    "Read by operators (management UI) and by the replay of dead letters, which \
                     moves them back into `{queue}` through the default exchange so that other \
                     services do not see them again."
                ),
                "messages": refs(&dead_letter_key),
                "bindings": {"amqp": {"ack": true, "bindingVersion": "0.3.0"}}
            }),
        );
    }
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

    #[test]
    fn every_message_has_a_description_and_an_example_with_data() {
        let doc = document();
        let Some(messages) = doc["components"]["messages"].as_object() else {
            panic!("the document has no messages");
        };
        assert_eq!(messages.len(), all_events().len());
        for (key, message) in messages {
            assert!(
                message["description"]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{key}"
            );
            let example = &message["examples"][0]["payload"];
            assert_eq!(example["type"], message["name"], "{key}");
            assert!(example["data"].is_object(), "{key} has no payload example");
        }
    }

    #[test]
    fn every_consumer_has_a_receive_operation_on_its_queue() {
        let doc = document();
        for consumer in CONSUMERS {
            let operation = &doc["operations"][format!("{}_receive_events", consumer.service)];
            assert_eq!(operation["action"], "receive");
            assert_eq!(
                operation["messages"].as_array().map(Vec::len),
                Some(consumer.events.len())
            );
            let channel = &doc["channels"][format!("{}_events", consumer.service)];
            assert_eq!(channel["address"], format!("{}.events", consumer.service));
            let dead_letter = &doc["channels"][format!("{}_dead_letter", consumer.service)];
            assert_eq!(
                dead_letter["address"],
                format!("{}.dead-letter", consumer.service)
            );
        }
    }
}
