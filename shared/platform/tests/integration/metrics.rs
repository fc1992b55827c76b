//! The figures `/metrics` reads from the database at each scrape: outbox backlog and age, runs of
//! the background jobs by outcome, their last success.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel_async::RunQueryDsl;
use qmf_platform::metrics::Metrics;

/// The value of the sample `name{labels}` in `text` (labels as printed, without `service`).
fn sample(text: &str, name: &str, labels: &str) -> Option<f64> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(name)?.strip_prefix('{')?;
        let (printed, value) = rest.split_once("} ")?;
        let printed: Vec<&str> = printed
            .split(',')
            .filter(|l| !l.starts_with("service="))
            .collect();
        (printed.join(",") == labels).then(|| value.trim().parse().ok())?
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_reads_the_outbox_backlog_and_the_jobs_from_the_database() {
    let db = qmf_testkit::create_database().await;
    qmf_platform::db::run_migrations(
        &db.url,
        &[qmf_platform::db::MIGRATIONS, qmf_events::MIGRATIONS],
    )
    .unwrap();
    let pool = db.pool(2);
    let metrics = Metrics::new("directory").unwrap();

    // Nothing waiting, no jobs yet.
    metrics.refresh_from_database(&pool).await;
    let text = metrics.render();
    assert_eq!(sample(&text, "qmf_database_up", ""), Some(1.0), "{text}");
    assert_eq!(sample(&text, "qmf_outbox_pending_events", ""), Some(0.0));
    assert_eq!(
        sample(&text, "qmf_outbox_oldest_pending_seconds", ""),
        Some(0.0)
    );

    let mut conn = pool.get().await.unwrap();
    for sql in [
        // Two events waiting, the older for 90 s; one published long ago.
        "INSERT INTO outbox (event_id, event_type, source, subject, envelope, created_at) VALUES \
         (gen_random_uuid(), 't.v1', 's', 'a', '{}', now() - interval '90 seconds'), \
         (gen_random_uuid(), 't.v1', 's', 'b', '{}', now())",
        "INSERT INTO outbox (event_id, event_type, source, subject, envelope, created_at, published_at) \
         VALUES (gen_random_uuid(), 't.v1', 's', 'c', '{}', now() - interval '1 day', now() - interval '1 day')",
        "INSERT INTO jobs (name, next_run_at) VALUES ('test.tick', now()), ('test.never', now())",
        // test.tick: two ok runs and a failure today, one ok run older than a day.
        "INSERT INTO job_runs (job_name, replica, started_at, finished_at, outcome) VALUES \
         ('test.tick', 'r', now() - interval '3 hours', now() - interval '3 hours', 'ok'), \
         ('test.tick', 'r', now() - interval '2 hours', now() - interval '2 hours', 'ok'), \
         ('test.tick', 'r', now() - interval '1 hour', now() - interval '1 hour', 'failed'), \
         ('test.tick', 'r', now() - interval '3 days', now() - interval '3 days', 'ok')",
    ] {
        diesel::sql_query(sql).execute(&mut conn).await.unwrap();
    }
    drop(conn);

    metrics.refresh_from_database(&pool).await;
    let text = metrics.render();
    assert_eq!(
        sample(&text, "qmf_outbox_pending_events", ""),
        Some(2.0),
        "{text}"
    );
    let oldest = sample(&text, "qmf_outbox_oldest_pending_seconds", "").unwrap();
    assert!((90.0..120.0).contains(&oldest), "{oldest}");
    let runs = |job: &str, outcome: &str| {
        sample(
            &text,
            "qmf_job_runs_24h",
            &format!("job=\"{job}\",outcome=\"{outcome}\""),
        )
    };
    assert_eq!(runs("test.tick", "ok"), Some(2.0));
    assert_eq!(runs("test.tick", "failed"), Some(1.0));
    assert_eq!(runs("test.tick", "cancelled"), Some(0.0));
    assert_eq!(runs("test.never", "ok"), Some(0.0));
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let last = sample(
        &text,
        "qmf_job_last_success_timestamp_seconds",
        "job=\"test.tick\"",
    )
    .unwrap();
    assert!(
        (now - 2.0 * 3600.0 - 60.0..now - 2.0 * 3600.0 + 60.0).contains(&last),
        "{last}"
    );
    assert_eq!(
        sample(
            &text,
            "qmf_job_last_success_timestamp_seconds",
            "job=\"test.never\""
        ),
        Some(0.0)
    );

    // The database gone: the scrape still answers and says so.
    drop(pool);
    let gone = qmf_platform::db::pool("postgres://postgres@127.0.0.1:1/none", 1).unwrap();
    metrics.refresh_from_database(&gone).await;
    let text = metrics.render();
    assert_eq!(sample(&text, "qmf_database_up", ""), Some(0.0), "{text}");
    assert_eq!(sample(&text, "qmf_outbox_pending_events", ""), Some(2.0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scrape_reports_each_watched_pool_in_use_idle_and_waiting() {
    let db = qmf_testkit::create_database().await;
    let process = qmf_platform::db::pool(&db.url, 2).unwrap();
    let worker = qmf_platform::db::pool(&db.url, 3).unwrap();
    let metrics = Metrics::new("case").unwrap();
    metrics.watch_pool("process", &process);
    metrics.watch_pool("http-worker-0", &worker);

    // The process pool: both connections taken, a third task waiting; the worker pool: one
    // connection opened and given back.
    let first = process.get().await.unwrap();
    let second = process.get().await.unwrap();
    let waiting = tokio::spawn({
        let process = process.clone();
        async move { process.get().await.map(drop) }
    });
    drop(worker.get().await.unwrap());
    qmf_testkit::eventually("the third task waits for the process pool", || async {
        (process.status().waiting == 1).then_some(())
    })
    .await;

    metrics.refresh_pools();
    let text = metrics.render();
    let value = |name: &str, labels: &str| sample(&text, name, labels);
    assert_eq!(
        value(
            "qmf_db_pool_connections",
            "pool=\"process\",state=\"in_use\""
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        value("qmf_db_pool_connections", "pool=\"process\",state=\"idle\""),
        Some(0.0)
    );
    assert_eq!(value("qmf_db_pool_waiting", "pool=\"process\""), Some(1.0));
    assert_eq!(
        value("qmf_db_pool_max_connections", "pool=\"process\""),
        Some(2.0)
    );
    assert_eq!(
        value(
            "qmf_db_pool_connections",
            "pool=\"http-worker-0\",state=\"in_use\""
        ),
        Some(0.0)
    );
    assert_eq!(
        value(
            "qmf_db_pool_connections",
            "pool=\"http-worker-0\",state=\"idle\""
        ),
        Some(1.0)
    );
    assert_eq!(
        value("qmf_db_pool_waiting", "pool=\"http-worker-0\""),
        Some(0.0)
    );
    assert_eq!(
        value("qmf_db_pool_max_connections", "pool=\"http-worker-0\""),
        Some(3.0)
    );

    // Connections given back: the waiting task gets one, nobody waits any more.
    drop(first);
    waiting.await.unwrap().unwrap();
    drop(second);
    metrics.refresh_pools();
    let text = metrics.render();
    assert_eq!(
        sample(
            &text,
            "qmf_db_pool_connections",
            "pool=\"process\",state=\"in_use\""
        ),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "qmf_db_pool_waiting", "pool=\"process\""),
        Some(0.0)
    );
}
