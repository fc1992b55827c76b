//! Outbox relay against real PostgreSQL and RabbitMQ.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use common::{observe, observe_keys, outbox_rows, setup, wait_until};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use lapin::types::AMQPValue;
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use qmf_events::{DbPool, Envelope, enqueue, parse_traceparent, spawn_relay};
use serde_json::json;
use tracing::Instrument;
use tracing::instrument::WithSubscriber;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

const SOURCE: &str = "/qmf/test";

/// Enqueues one event in its own transaction, as a service's write would.
async fn enqueue_one(
    pool: &DbPool,
    event_type: &str,
    subject: &str,
    data: serde_json::Value,
) -> Envelope {
    let mut pooled = pool.get().await.unwrap();
    let conn: &mut AsyncPgConnection = &mut pooled;
    let event_type = event_type.to_string();
    let subject = subject.to_string();
    conn.transaction::<_, diesel::result::Error, _>(async |conn| {
        enqueue(conn, SOURCE, &event_type, &subject, &data).await
    })
    .await
    .unwrap()
}

fn header_str(delivery: &lapin::message::Delivery, name: &str) -> Option<String> {
    let headers = delivery.properties.headers().as_ref()?;
    match headers.inner().get(name)? {
        AMQPValue::LongString(value) => Some(value.to_string()),
        AMQPValue::ShortString(value) => Some(value.to_string()),
        _ => None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_enqueued_event_is_published_once_as_a_cloudevent_with_its_traceparent() {
    let setup = setup("publisher").await;
    let observer = observe(&setup.config).await;
    let relay = spawn_relay(setup.pool.clone(), setup.config.clone());

    // A request span that continues a remote trace, as tracing-actix-web would create it.
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("qmf-events-test")));
    let remote_trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let pool = setup.pool.clone();
    let traced = async move {
        let span = tracing::info_span!("POST /v1/organizations");
        span.set_parent(
            opentelemetry::Context::new()
                .with_remote_span_context(parse_traceparent(remote_trace).unwrap()),
        )
        .unwrap();
        enqueue_one(
            &pool,
            "test.organization.registered.v1",
            "org-1",
            json!({"organization_id": "org-1", "name": "Jugendamt Nord"}),
        )
        .instrument(span)
        .await
    }
    .with_subscriber(subscriber)
    .await;
    let untraced = enqueue_one(
        &setup.pool,
        "test.organization.renamed.v1",
        "org-1",
        json!({}),
    )
    .await;
    relay.notify();

    let messages = observer.collect(2, Duration::from_secs(1)).await;
    assert_eq!(messages.len(), 2, "each event exactly once");

    let first = &messages[0];
    assert_eq!(
        first.routing_key.as_str(),
        "test.organization.registered.v1"
    );
    assert_eq!(
        first.properties.content_type().as_ref().map(|c| c.as_str()),
        Some("application/cloudevents+json")
    );
    assert_eq!(*first.properties.delivery_mode(), Some(2));
    assert_eq!(
        first
            .properties
            .message_id()
            .as_ref()
            .map(|m| m.to_string()),
        Some(traced.id.to_string())
    );
    let body: serde_json::Value = serde_json::from_slice(&first.data).unwrap();
    assert_eq!(body["specversion"], "1.0");
    assert_eq!(body["id"], traced.id.to_string());
    assert_eq!(body["source"], SOURCE);
    assert_eq!(body["type"], "test.organization.registered.v1");
    assert_eq!(body["subject"], "org-1");
    assert_eq!(body["datacontenttype"], "application/json");
    assert_eq!(body["data"]["name"], "Jugendamt Nord");
    assert!(
        chrono::DateTime::parse_from_rfc3339(body["time"].as_str().unwrap()).is_ok(),
        "time is RFC 3339"
    );
    assert_eq!(traced.id.get_version_num(), 7);
    let envelope = Envelope::from_slice(&first.data).unwrap();
    assert_eq!(envelope, traced);

    // The trace continues the request's trace, from the request's span.
    let traceparent = traced.traceparent.clone().expect("traceparent captured");
    assert!(
        traceparent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
        "{traceparent}"
    );
    assert_ne!(traceparent, remote_trace, "the local span is the parent");
    assert_eq!(body["traceparent"], traceparent);
    assert_eq!(header_str(first, "traceparent"), Some(traceparent));

    let second = &messages[1];
    assert_eq!(second.routing_key.as_str(), "test.organization.renamed.v1");
    assert_eq!(untraced.traceparent, None);
    let body: serde_json::Value = serde_json::from_slice(&second.data).unwrap();
    assert!(body.get("traceparent").is_none());
    assert_eq!(header_str(second, "traceparent"), None);

    let rows = outbox_rows(&setup.pool).await;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|row| row.published && row.attempts == 1));
    assert_eq!(rows[0].event_id, traced.id);

    assert!(relay.broker_status().is_connected());
    let status = relay.broker_status();
    relay.stop().await;
    assert!(!status.is_connected(), "a stopped relay reports no broker");
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn events_keep_their_order_with_two_relays_running() {
    const EVENTS: usize = 300;
    let setup = setup("ordered").await;
    let observer = observe(&setup.config).await;
    // Two replicas of the service, each with its relay, on the same database.
    let relay_a = spawn_relay(setup.pool.clone(), setup.config.clone());
    let relay_b = spawn_relay(setup.pool.clone(), setup.config.clone());

    let mut enqueued = Vec::new();
    for seq in 0..EVENTS {
        let subject = format!("case-{}", seq % 7);
        let envelope = enqueue_one(
            &setup.pool,
            "test.case.changed.v1",
            &subject,
            json!({"seq": seq}),
        )
        .await;
        enqueued.push(envelope.id);
        if seq % 10 == 0 {
            relay_a.notify();
            relay_b.notify();
        }
    }
    relay_a.notify();

    let messages = observer.collect(EVENTS, Duration::from_secs(1)).await;
    assert_eq!(messages.len(), EVENTS, "every event exactly once");
    let received: Vec<Envelope> = messages
        .iter()
        .map(|m| Envelope::from_slice(&m.data).unwrap())
        .collect();
    // Publishing order is outbox order, hence every aggregate's order.
    let ids: Vec<_> = received.iter().map(|e| e.id).collect();
    assert_eq!(ids, enqueued);
    for subject in 0..7 {
        let subject = format!("case-{subject}");
        let seqs: Vec<u64> = received
            .iter()
            .filter(|e| e.subject == subject)
            .map(|e| e.data["seq"].as_u64().unwrap())
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{subject}: {seqs:?}");
    }
    assert!(outbox_rows(&setup.pool).await.iter().all(|r| r.published));

    relay_a.stop().await;
    relay_b.stop().await;
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_relay_holds_events_while_the_broker_is_unreachable_and_delivers_them_after() {
    const EVENTS: usize = 20;
    let mut setup = setup("outage").await;
    let observer = observe(&setup.config).await;
    let proxy = qmf_testkit::TcpProxy::start(qmf_testkit::amqp_socket_addr());
    setup.config.amqp_url = proxy.url_for(&qmf_testkit::amqp_url());
    let relay = spawn_relay(setup.pool.clone(), setup.config.clone());
    let status = relay.broker_status();
    wait_until("the relay connects", Duration::from_secs(10), || {
        let status = status.clone();
        async move { status.is_connected() }
    })
    .await;

    proxy.set_down(true);
    wait_until(
        "the relay notices the outage",
        Duration::from_secs(10),
        || {
            let status = status.clone();
            async move { !status.is_connected() }
        },
    )
    .await;

    let mut enqueued = Vec::new();
    for seq in 0..EVENTS {
        let envelope = enqueue_one(
            &setup.pool,
            "test.case.changed.v1",
            "case-1",
            json!({"seq": seq}),
        )
        .await;
        enqueued.push(envelope.id);
    }
    relay.notify();

    let pool = setup.pool.clone();
    wait_until(
        "the failure is recorded in the outbox",
        Duration::from_secs(10),
        || {
            let pool = pool.clone();
            async move {
                outbox_rows(&pool)
                    .await
                    .iter()
                    .any(|r| r.attempts > 0 && r.last_error.is_some())
            }
        },
    )
    .await;
    // Give the relay a few more rounds: still nothing may leave, nothing may be marked.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let rows = outbox_rows(&setup.pool).await;
    assert_eq!(rows.len(), EVENTS);
    assert!(
        rows.iter().all(|r| !r.published),
        "nothing is published while down"
    );
    assert!(
        rows[0].last_error.as_deref().is_some_and(|e| !e.is_empty()),
        "the oldest held event says why: {:?}",
        rows[0]
    );
    assert_eq!(observer.count().await, 0);
    assert!(!status.is_connected());

    proxy.set_down(false);
    relay.notify();
    let messages = observer.collect(EVENTS, Duration::from_secs(1)).await;
    assert_eq!(messages.len(), EVENTS, "every held event exactly once");
    let ids: Vec<_> = messages
        .iter()
        .map(|m| Envelope::from_slice(&m.data).unwrap().id)
        .collect();
    assert_eq!(ids, enqueued, "in the original order");
    let rows = outbox_rows(&setup.pool).await;
    assert!(rows.iter().all(|r| r.published));
    assert!(status.is_connected());

    relay.stop().await;
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unroutable_event_stays_in_the_outbox_until_a_queue_is_bound() {
    let setup = setup("unroutable").await;
    let relay = spawn_relay(setup.pool.clone(), setup.config.clone());
    let first = enqueue_one(&setup.pool, "test.nobody.listens.v1", "x-1", json!({})).await;
    let second = enqueue_one(&setup.pool, "test.nobody.listens.v1", "x-1", json!({})).await;
    relay.notify();

    let pool = setup.pool.clone();
    wait_until("the return is recorded", Duration::from_secs(10), || {
        let pool = pool.clone();
        async move {
            outbox_rows(&pool).await[0]
                .last_error
                .as_deref()
                .is_some_and(|e| e.contains("unroutable"))
        }
    })
    .await;
    let rows = outbox_rows(&setup.pool).await;
    assert!(rows.iter().all(|r| !r.published));
    assert_eq!(rows[1].attempts, 0, "the batch stops at the first failure");

    // A consumer declares its queue: the held events go out, in order.
    let observer = observe(&setup.config).await;
    relay.notify();
    let messages = observer.collect(2, Duration::from_millis(500)).await;
    let ids: Vec<_> = messages
        .iter()
        .map(|m| Envelope::from_slice(&m.data).unwrap().id)
        .collect();
    assert_eq!(ids, vec![first.id, second.id]);

    relay.stop().await;
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_event_in_a_batch_keeps_those_before_it_and_holds_back_those_behind_it() {
    let setup = setup("refused-in-batch").await;
    let observer = observe_keys(&setup.config, "test.heard.#").await;
    // One batch: three events somebody hears, one nobody does, three more heard ones.
    let mut events = Vec::new();
    for n in 0..7 {
        let event_type = if n == 3 {
            "test.nobody.listens.v1"
        } else {
            "test.heard.v1"
        };
        events.push(enqueue_one(&setup.pool, event_type, &format!("s-{n}"), json!({"n": n})).await);
    }
    let relay = spawn_relay(setup.pool.clone(), setup.config.clone());

    // Retried a few times (the setup's back-off is at most half a second).
    let pool = setup.pool.clone();
    wait_until("the refusal is retried", Duration::from_secs(20), || {
        let pool = pool.clone();
        async move { outbox_rows(&pool).await[3].attempts >= 3 }
    })
    .await;
    let rows = outbox_rows(&setup.pool).await;
    assert!(rows[..3].iter().all(|r| r.published && r.attempts == 1));
    assert!(!rows[3].published);
    assert!(
        rows[3]
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("unroutable"))
    );
    assert!(rows[4..].iter().all(|r| !r.published && r.attempts == 0));

    // Those before it arrived once, in order. Those behind it were in flight with it once at
    // most; the retries, one event at a time, stop at the refused one and send them no more.
    let delivered: Vec<_> = observer
        .collect(3, Duration::from_millis(500))
        .await
        .iter()
        .map(|m| Envelope::from_slice(&m.data).unwrap().id)
        .collect();
    let ids: Vec<_> = events.iter().map(|e| e.id).collect();
    assert_eq!(delivered[..3], ids[..3]);
    for later in &ids[4..] {
        assert!(delivered.iter().filter(|id| *id == later).count() <= 1);
    }
    assert!(delivered.len() <= 6);

    relay.stop().await;
    setup.cleanup(&[]).await;
}

/// Waits until `relay` has connected to the broker (its first round has run: the outbox is
/// empty and it waits to be woken).
async fn connected(relay: &qmf_events::RelayHandle) {
    wait_until("the relay is connected", Duration::from_secs(10), || {
        let status = relay.broker_status();
        async move { status.is_connected() }
    })
    .await;
}

/// After its commit a writer wakes the relays of its process (`wake_relays`, as the platform's
/// writes, consumers and jobs do): the events go out without waiting for a poll.
#[tokio::test(flavor = "multi_thread")]
async fn a_commit_wakes_the_relay_without_waiting_for_a_poll() {
    let mut setup = setup("woken").await;
    // A poll far longer than the test: only the wake can bring the events out.
    setup.config.poll_interval = Duration::from_secs(3600);
    let observer = observe(&setup.config).await;
    let relay = spawn_relay(setup.pool.clone(), setup.config.clone());
    // The relay's first round runs at start; wait until it is idle (connected, outbox empty).
    connected(&relay).await;
    for n in 0..3 {
        enqueue_one(
            &setup.pool,
            "test.thing.changed.v1",
            &format!("thing-{n}"),
            json!({"n": n}),
        )
        .await;
        qmf_events::wake_relays();
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let delivered = observer.collect(3, Duration::from_millis(200)).await;
    assert_eq!(delivered.len(), 3);
    relay.stop().await;
    setup.cleanup(&[]).await;
}

/// A woken relay that finds the relay lock held (another replica's relay in the middle of a
/// round) tries again soon: its events go out once the lock is free, not a poll later.
#[tokio::test(flavor = "multi_thread")]
async fn a_woken_relay_that_finds_the_lock_held_tries_again_soon() {
    use diesel_async::RunQueryDsl as _;
    let mut setup = setup("lock-held").await;
    setup.config.poll_interval = Duration::from_secs(3600);
    let observer = observe(&setup.config).await;
    let relay = spawn_relay(setup.pool.clone(), setup.config.clone());
    connected(&relay).await;
    // The other replica: holds the relay's advisory lock (the relay's key) on a session.
    let mut other = setup.pool.get().await.unwrap();
    diesel::sql_query("SELECT pg_advisory_lock(5858416065494994009)")
        .execute(&mut other)
        .await
        .unwrap();
    enqueue_one(&setup.pool, "test.thing.changed.v1", "held", json!({})).await;
    qmf_events::wake_relays();
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        observer.count().await,
        0,
        "published while the lock was held"
    );
    diesel::sql_query("SELECT pg_advisory_unlock(5858416065494994009)")
        .execute(&mut other)
        .await
        .unwrap();
    // No further wake and a poll an hour away: only the relay's retry can publish it.
    let delivered = observer.collect(1, Duration::from_millis(200)).await;
    assert_eq!(delivered.len(), 1);
    relay.stop().await;
    setup.cleanup(&[]).await;
}

/// The services propose small frames: the broker agrees on `DEFAULT_FRAME_MAX` (each connection
/// then buffers 32 frames each way in 1 MiB rather than 8 MiB), and a message larger than one
/// frame still arrives whole.
#[tokio::test(flavor = "multi_thread")]
async fn connections_use_small_frames_and_large_messages_still_arrive() {
    use lapin::options::{BasicGetOptions, QueueDeclareOptions, QueueDeleteOptions};
    let uri = qmf_events::connection_uri(&qmf_testkit::amqp_url()).unwrap();
    let connection = lapin::Connection::connect_uri(uri, lapin::ConnectionProperties::default())
        .await
        .unwrap();
    assert_eq!(
        connection.configuration().frame_max(),
        qmf_events::DEFAULT_FRAME_MAX
    );
    let channel = connection.create_channel().await.unwrap();
    let queue = format!("frame-test-{}", uuid::Uuid::new_v4());
    channel
        .queue_declare(
            queue.as_str().into(),
            QueueDeclareOptions {
                exclusive: true,
                ..Default::default()
            },
            Default::default(),
        )
        .await
        .unwrap();
    let body: Vec<u8> = (0..5 * qmf_events::DEFAULT_FRAME_MAX)
        .map(|i| (i % 251) as u8)
        .collect();
    channel
        .basic_publish(
            "".into(),
            queue.as_str().into(),
            Default::default(),
            &body,
            Default::default(),
        )
        .await
        .unwrap()
        .await
        .unwrap();
    let mut got = None;
    for _ in 0..50 {
        got = channel
            .basic_get(queue.as_str().into(), BasicGetOptions { no_ack: true })
            .await
            .unwrap();
        if got.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(got.expect("the message arrives").delivery.data, body);
    channel
        .queue_delete(queue.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
}
