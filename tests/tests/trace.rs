//! One trace from an HTTP request through the outbox and the broker to its effect in another
//! service: the directory registers an organisation under the caller's `traceparent`, the
//! relay publishes the event with the trace context, and the committee's consumer applies it
//! (its copy of the organisation) in a span of the same trace.
//!
//! A test binary of its own: it installs the process-wide tracing subscriber, with an
//! in-memory exporter in place of OTLP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The system tests' helpers; this binary uses a few of them.
#[path = "system/common/mod.rs"]
#[allow(unused_imports)]
mod common;

use opentelemetry::trace::{SpanId, SpanKind, TraceId, TracerProvider as _};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{InMemorySpanExporterBuilder, SdkTracerProvider, SpanData};
use qmf_directory_copy::store as directory_copy;
use serde_json::json;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use common::{Cluster, Persona, StatusCode, eventually, uuid_of};

/// The trace the caller starts (W3C trace context example ids).
const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN: &str = "00f067aa0ba902b7";

fn attribute(span: &SpanData, key: &str) -> Option<String> {
    span.attributes
        .iter()
        .find(|kv| kv.key.as_str() == key)
        .map(|kv| kv.value.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_and_the_consumers_work_it_causes_are_one_trace() {
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    let exporter = InMemorySpanExporterBuilder::new().build();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exporter.clone())
        .build();
    tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
        .try_init()
        .unwrap();

    let cluster = Cluster::new();
    // The committee starts first so its queue is bound before the directory publishes.
    let committee = cluster.start(common::committee()).await;
    let directory = cluster.start(common::directory()).await;
    let created = directory
        .as_(Persona::admin())
        .post("/v1/organizations")
        .header("traceparent", format!("00-{TRACE}-{CALLER_SPAN}-01"))
        .json(&json!({
            "name": "Jugendamt Main-Tauber-Kreis",
            "kind": "youth_office",
            "district": "main_tauber_kreis",
            "address": {"street": "Gartenstraße 1", "postal_code": "97941", "city": "Tauberbischofsheim"}
        }))
        .send()
        .await;
    let id = uuid_of(created.expect(StatusCode::CREATED));
    let copy = &committee;
    eventually("the committee's copy has the organisation", || async move {
        let mut conn = copy.connection().await;
        directory_copy::find_organization(&mut conn, id)
            .await
            .unwrap()
    })
    .await;
    // The consumer's span ends after the broker has the ack, a moment after the effect.
    let finished = &exporter;
    eventually("the consumer's span has ended", || async move {
        finished
            .get_finished_spans()
            .unwrap()
            .iter()
            .any(|s| s.name == "consume event")
            .then_some(())
    })
    .await;
    provider.force_flush().unwrap();

    let spans = exporter.get_finished_spans().unwrap();
    let trace = TraceId::from_hex(TRACE).unwrap();
    let ours: Vec<&SpanData> = spans
        .iter()
        .filter(|s| s.span_context.trace_id() == trace)
        .collect();
    let names: Vec<&str> = ours.iter().map(|s| s.name.as_ref()).collect();
    // The directory's request span continues the caller's trace.
    let request = ours
        .iter()
        .find(|s| s.span_kind == SpanKind::Server && s.name.contains("/v1/organizations"))
        .unwrap_or_else(|| panic!("no request span in the caller's trace: {names:?}"));
    assert_eq!(
        request.parent_span_id,
        SpanId::from_hex(CALLER_SPAN).unwrap()
    );
    // The committee's consumer applied the event in the same trace, below the request.
    let consumed = ours
        .iter()
        .find(|s| {
            s.name == "consume event"
                && attribute(s, "event.type").as_deref()
                    == Some("directory.organization.registered.v1")
        })
        .unwrap_or_else(|| panic!("the consumer's span is not in the caller's trace: {names:?}"));
    assert_eq!(consumed.span_kind, SpanKind::Consumer);
    assert!(
        attribute(consumed, "messaging.destination.name")
            .is_some_and(|queue| queue.ends_with("committee.events")),
        "{:?}",
        consumed.attributes
    );
    let by_id = |id: SpanId| ours.iter().find(|s| s.span_context.span_id() == id);
    let mut ancestor = consumed.parent_span_id;
    let mut chain = Vec::new();
    while let Some(span) = by_id(ancestor) {
        chain.push(span.name.to_string());
        ancestor = span.parent_span_id;
    }
    assert!(
        chain.iter().any(|name| name.contains("/v1/organizations")),
        "the consumer's span does not descend from the request: {chain:?}"
    );
    committee.stop().await;
    directory.stop().await;
}
