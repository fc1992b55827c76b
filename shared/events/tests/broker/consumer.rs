//! Consumer, inbox, retry, dead-lettering and replay against real PostgreSQL and RabbitMQ.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use common::{Setup, connect, publish_raw, queue_length, setup, wait_until};
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::BoxFuture;
use lapin::options::{BasicGetOptions, ConfirmSelectOptions};
use lapin::types::AMQPValue;
use qmf_events::{
    ConsumerHandle, Envelope, EventHandler, HandlerError, replay_dead_letters, spawn_consumer,
};
use serde_json::json;

const EVENT_TYPE: &str = "test.case.closed.v1";

/// Records each applied event as a row in `effects`; can be told to fail.
#[derive(Default)]
struct Recorder {
    calls: AtomicUsize,
    fail: AtomicBool,
}

impl Recorder {
    // Spelled out: diesel's `RunQueryDsl::load` would otherwise shadow the atomics' `load`.
    fn calls(&self) -> usize {
        AtomicUsize::load(&self.calls, Ordering::SeqCst)
    }

    fn failing(&self) -> bool {
        AtomicBool::load(&self.fail, Ordering::SeqCst)
    }

    fn set_failing(&self, fail: bool) {
        self.fail.store(fail, Ordering::SeqCst);
    }
}

impl EventHandler for Recorder {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            self.calls.fetch_add(1, Ordering::SeqCst);
            diesel::sql_query("INSERT INTO effects (event_id, subject) VALUES ($1, $2)")
                .bind::<SqlUuid, _>(event.id)
                .bind::<Text, _>(&event.subject)
                .execute(conn)
                .await?;
            if self.failing() {
                // After a write, to prove the rollback.
                return Err(HandlerError::retry("told to fail"));
            }
            Ok(())
        })
    }
}

/// A service database with the events tables and the handler's own table.
async fn consumer_setup(service: &str) -> Setup {
    let setup = setup(service).await;
    let mut conn = setup.pool.get().await.unwrap();
    diesel::sql_query("CREATE TABLE effects (event_id UUID NOT NULL, subject TEXT NOT NULL)")
        .execute(&mut conn)
        .await
        .unwrap();
    setup
}

async fn start(setup: &Setup, handler: Arc<Recorder>) -> ConsumerHandle {
    let consumer = spawn_consumer(
        setup.pool.clone(),
        setup.config.clone(),
        vec![EVENT_TYPE.to_string()],
        handler,
    );
    let status = consumer.broker_status();
    wait_until("the consumer subscribes", Duration::from_secs(10), || {
        let status = status.clone();
        async move { status.is_connected() }
    })
    .await;
    consumer
}

async fn count(setup: &Setup, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = setup.pool.get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

fn event(subject: &str) -> Envelope {
    Envelope::new("/qmf/test", EVENT_TYPE, subject, json!({"closed": true}))
}

#[tokio::test(flavor = "multi_thread")]
async fn a_duplicated_event_is_applied_once() {
    let setup = consumer_setup("dedup").await;
    let handler = Arc::new(Recorder::default());
    let consumer = start(&setup, handler.clone()).await;

    let connection = connect().await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let duplicated = event("case-1");
    let body = duplicated.to_json().unwrap();
    publish_raw(&channel, &setup.config, EVENT_TYPE, &body).await;
    publish_raw(&channel, &setup.config, EVENT_TYPE, &body).await;
    let later = event("case-2");
    publish_raw(
        &channel,
        &setup.config,
        EVENT_TYPE,
        &later.to_json().unwrap(),
    )
    .await;

    // Messages are handled in order: once the later event's effect exists, both copies are done.
    wait_until(
        "the later event is applied",
        Duration::from_secs(10),
        || async {
            count(
                &setup,
                "SELECT count(*) AS n FROM effects WHERE subject = 'case-2'",
            )
            .await
                == 1
        },
    )
    .await;
    wait_until("the queue is drained", Duration::from_secs(10), || async {
        queue_length(&channel, &setup.config.queue_name()).await == 0
    })
    .await;
    assert_eq!(
        count(
            &setup,
            "SELECT count(*) AS n FROM effects WHERE subject = 'case-1'"
        )
        .await,
        1,
        "the duplicate had no second effect"
    );
    assert_eq!(handler.calls(), 2, "the handler skipped the copy");
    assert_eq!(count(&setup, "SELECT count(*) AS n FROM inbox").await, 2);
    assert_eq!(
        queue_length(&channel, &setup.config.dead_letter_queue()).await,
        0
    );

    let status = consumer.broker_status();
    consumer.stop().await;
    assert!(!status.is_connected());
    let _ = connection.close(200, "done".into()).await;
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failing_event_is_dead_lettered_after_max_deliveries_and_can_be_replayed() {
    let mut setup = consumer_setup("failing").await;
    setup.config.max_deliveries = 3;
    let handler = Arc::new(Recorder::default());
    handler.set_failing(true);
    let consumer = start(&setup, handler.clone()).await;

    let connection = connect().await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let failing = event("case-9");
    publish_raw(
        &channel,
        &setup.config,
        EVENT_TYPE,
        &failing.to_json().unwrap(),
    )
    .await;

    wait_until(
        "the event is dead-lettered",
        Duration::from_secs(20),
        || async { queue_length(&channel, &setup.config.dead_letter_queue()).await == 1 },
    )
    .await;
    assert_eq!(handler.calls(), 3, "max_deliveries tries");
    assert_eq!(queue_length(&channel, &setup.config.queue_name()).await, 0);
    assert_eq!(
        count(&setup, "SELECT count(*) AS n FROM effects").await,
        0,
        "failed attempts were rolled back"
    );
    assert_eq!(count(&setup, "SELECT count(*) AS n FROM inbox").await, 0);

    // The cause is fixed; an operator replays the dead letters.
    handler.set_failing(false);
    let moved = replay_dead_letters(&setup.config, 100).await.unwrap();
    assert_eq!(moved, 1);
    wait_until(
        "the replayed event is applied",
        Duration::from_secs(10),
        || async {
            count(
                &setup,
                "SELECT count(*) AS n FROM effects WHERE subject = 'case-9'",
            )
            .await
                == 1
        },
    )
    .await;
    assert_eq!(
        queue_length(&channel, &setup.config.dead_letter_queue()).await,
        0
    );
    assert_eq!(handler.calls(), 4);
    assert_eq!(replay_dead_letters(&setup.config, 100).await.unwrap(), 0);

    consumer.stop().await;
    let _ = connection.close(200, "done".into()).await;
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_invalid_message_goes_to_the_dead_letter_queue() {
    let setup = consumer_setup("invalid").await;
    let handler = Arc::new(Recorder::default());
    let consumer = start(&setup, handler.clone()).await;

    let connection = connect().await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    publish_raw(
        &channel,
        &setup.config,
        EVENT_TYPE,
        b"this is not a CloudEvent",
    )
    .await;
    let mut wrong_version = serde_json::to_value(event("case-3")).unwrap();
    wrong_version["specversion"] = "0.3".into();
    publish_raw(
        &channel,
        &setup.config,
        EVENT_TYPE,
        &serde_json::to_vec(&wrong_version).unwrap(),
    )
    .await;
    // A valid event behind them is still applied: invalid messages do not block the queue.
    publish_raw(
        &channel,
        &setup.config,
        EVENT_TYPE,
        &event("case-4").to_json().unwrap(),
    )
    .await;

    wait_until(
        "both invalid messages are dead-lettered",
        Duration::from_secs(10),
        || async { queue_length(&channel, &setup.config.dead_letter_queue()).await == 2 },
    )
    .await;
    wait_until(
        "the valid event is applied",
        Duration::from_secs(10),
        || async { count(&setup, "SELECT count(*) AS n FROM effects").await == 1 },
    )
    .await;
    assert_eq!(handler.calls(), 1, "the handler never saw them");

    let dead = channel
        .basic_get(
            setup.config.dead_letter_queue().as_str().into(),
            BasicGetOptions { no_ack: true },
        )
        .await
        .unwrap()
        .expect("a dead letter");
    assert_eq!(dead.delivery.data, b"this is not a CloudEvent");
    let x_death = dead
        .delivery
        .properties
        .headers()
        .as_ref()
        .and_then(|h| h.inner().get("x-death").cloned());
    let Some(AMQPValue::FieldArray(deaths)) = x_death else {
        panic!("x-death header missing: {:?}", dead.delivery.properties);
    };
    let Some(AMQPValue::FieldTable(death)) = deaths.as_slice().first() else {
        panic!("x-death is empty");
    };
    assert!(
        matches!(death.inner().get("reason"), Some(AMQPValue::LongString(r)) if r.to_string() == "rejected")
    );

    consumer.stop().await;
    let _ = connection.close(200, "done".into()).await;
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_queue_itself_dead_letters_after_max_deliveries() {
    // The backstop for a consumer that never gets to reject (e.g. it crashes on the message):
    // the quorum queue's own delivery limit, declared from `max_deliveries`.
    use futures_util::StreamExt;
    use lapin::options::{BasicConsumeOptions, BasicNackOptions};

    let mut setup = setup("backstop").await;
    setup.config.max_deliveries = 3;
    let connection = connect().await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    qmf_events::topology::declare_consumer_topology(
        &channel,
        &setup.config,
        &[EVENT_TYPE.to_string()],
    )
    .await
    .unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    publish_raw(
        &channel,
        &setup.config,
        EVENT_TYPE,
        &event("case-5").to_json().unwrap(),
    )
    .await;

    let consuming = connection.create_channel().await.unwrap();
    let mut consumer = consuming
        .basic_consume(
            setup.config.queue_name().as_str().into(),
            "backstop".into(),
            BasicConsumeOptions::default(),
            lapin::types::FieldTable::default(),
        )
        .await
        .unwrap();
    let mut deliveries = 0;
    while let Ok(Some(Ok(delivery))) =
        tokio::time::timeout(Duration::from_secs(2), consumer.next()).await
    {
        deliveries += 1;
        delivery
            .acker
            .nack(BasicNackOptions {
                multiple: false,
                requeue: true,
            })
            .await
            .unwrap();
    }
    assert_eq!(deliveries, 3);
    assert_eq!(
        queue_length(&channel, &setup.config.dead_letter_queue()).await,
        1
    );

    let _ = connection.close(200, "done".into()).await;
    setup.cleanup(&[]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_consumer_reconnects_after_a_broker_outage() {
    let mut setup = consumer_setup("reconnect").await;
    let proxy = qmf_testkit::TcpProxy::start(qmf_testkit::amqp_socket_addr());
    setup.config.amqp_url = proxy.url_for(&qmf_testkit::amqp_url());
    let handler = Arc::new(Recorder::default());
    let consumer = start(&setup, handler.clone()).await;
    let status = consumer.broker_status();

    proxy.set_down(true);
    wait_until(
        "the consumer notices the outage",
        Duration::from_secs(10),
        || {
            let status = status.clone();
            async move { !status.is_connected() }
        },
    )
    .await;

    // Producers still reach the broker; the event waits in the durable queue.
    let connection = connect().await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    publish_raw(
        &channel,
        &setup.config,
        EVENT_TYPE,
        &event("case-6").to_json().unwrap(),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(handler.calls(), 0);

    proxy.set_down(false);
    wait_until(
        "the event is applied after the outage",
        Duration::from_secs(15),
        || async {
            count(
                &setup,
                "SELECT count(*) AS n FROM effects WHERE subject = 'case-6'",
            )
            .await
                == 1
        },
    )
    .await;
    assert!(status.is_connected());

    consumer.stop().await;
    let _ = connection.close(200, "done".into()).await;
    setup.cleanup(&[]).await;
}

/// Two replicas subscribe to one queue: one consumes and the other waits (single active
/// consumer), so one aggregate's events are applied in their order; when the active one stops,
/// the other takes over.
#[tokio::test(flavor = "multi_thread")]
async fn two_replicas_consume_one_at_a_time_and_take_over() {
    let setup = consumer_setup("replicas").await;
    let first = Arc::new(Recorder::default());
    let second = Arc::new(Recorder::default());
    let first_consumer = start(&setup, first.clone()).await;
    let second_consumer = start(&setup, second.clone()).await;

    let connection = connect().await.unwrap();
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let publish = |n: usize| {
        let (channel, config) = (channel.clone(), setup.config.clone());
        async move {
            for i in 0..n {
                let body = event(&format!("case-{}", i % 2)).to_json().unwrap();
                publish_raw(&channel, &config, EVENT_TYPE, &body).await;
            }
        }
    };
    publish(20).await;
    wait_until("20 events applied", Duration::from_secs(20), || async {
        count(&setup, "SELECT count(*) AS n FROM effects").await == 20
    })
    .await;
    let (active, waiting) = if first.calls() > 0 {
        (first_consumer, second_consumer)
    } else {
        (second_consumer, first_consumer)
    };
    assert_eq!(
        (
            first.calls() + second.calls(),
            first.calls() * second.calls()
        ),
        (20, 0),
        "one replica applied every event"
    );

    active.stop().await;
    let before = (first.calls(), second.calls());
    publish(6).await;
    wait_until(
        "the other replica took over",
        Duration::from_secs(20),
        || async { count(&setup, "SELECT count(*) AS n FROM effects").await == 26 },
    )
    .await;
    let taken_over = if before.0 == 20 {
        second.calls()
    } else {
        first.calls()
    };
    assert_eq!(
        taken_over, 6,
        "the waiting replica applied the later events"
    );

    waiting.stop().await;
    let _ = connection.close(200, "done".into()).await;
    setup.cleanup(&[]).await;
}
