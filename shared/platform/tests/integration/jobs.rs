//! The job runner on a real database: once per interval across replicas, never two runs at
//! once, failures recorded, shutdown that cancels a running job and leaves no run open.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use qmf_platform::DbPool;
use qmf_platform::jobs::{self, Job, JobsHandle, RunnerSettings};
use qmf_testkit::TestDatabase;

/// A migrated database of its own.
async fn database() -> TestDatabase {
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let db = qmf_testkit::create_database().await;
    qmf_platform::db::run_migrations(&db.url, &[qmf_platform::db::MIGRATIONS]).unwrap();
    db
}

/// A runner named `replica` on its own pool (as a separate process would have), looking at its
/// jobs every 50 ms.
fn runner(db: &TestDatabase, replica: &str, grace: Duration, jobs: Vec<Job>) -> JobsHandle {
    let settings = RunnerSettings {
        replica: replica.into(),
        poll: Duration::from_millis(50),
        grace,
        session_url: None,
    };
    jobs::spawn(db.pool(4), jobs, settings)
}

#[derive(diesel::QueryableByName, Debug)]
struct Run {
    #[diesel(sql_type = Text)]
    job_name: String,
    #[diesel(sql_type = Text)]
    replica: String,
    #[diesel(sql_type = Timestamptz)]
    started_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    finished_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Text>)]
    outcome: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    summary: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    error: Option<String>,
}

// `RunQueryDsl` is imported where queries run: its `load` would shadow the atomics' `load`.

async fn runs(pool: &DbPool, job: &str) -> Vec<Run> {
    use diesel_async::RunQueryDsl;
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query(
        "SELECT job_name, replica, started_at, finished_at, outcome, summary, error \
         FROM job_runs WHERE job_name = $1 ORDER BY started_at",
    )
    .bind::<Text, _>(job)
    .load(&mut conn)
    .await
    .unwrap()
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    count: i64,
}

async fn count(pool: &DbPool, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .count
}

/// Waits (up to 30 s) until `sql` counts at least `at_least` rows.
async fn wait_for_count(pool: &DbPool, sql: &str, at_least: i64) {
    for _ in 0..600 {
        if count(pool, sql).await >= at_least {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never reached {at_least}: {sql}");
}

/// Stops a runner; it must end promptly.
async fn stop(handle: JobsHandle) {
    tokio::time::timeout(Duration::from_secs(20), handle.stop())
        .await
        .expect("the runner did not stop");
}

/// What the jobs of a [`counting_job`] saw, shared by all replicas of the job.
#[derive(Default)]
struct Tally {
    runs: AtomicUsize,
    /// Runs going on right now.
    active: AtomicUsize,
    /// Runs that started while another was going on.
    overlaps: AtomicUsize,
}

impl Tally {
    fn runs(&self) -> usize {
        self.runs.load(Ordering::SeqCst)
    }

    fn overlaps(&self) -> usize {
        self.overlaps.load(Ordering::SeqCst)
    }
}

/// A job counting its runs in `tally`; each run takes `takes`.
fn counting_job(
    name: &'static str,
    interval: Duration,
    takes: Duration,
    tally: &Arc<Tally>,
) -> Job {
    let tally = tally.clone();
    Job::new(name, interval, move |_pool| {
        let tally = tally.clone();
        async move {
            if tally.active.fetch_add(1, Ordering::SeqCst) > 0 {
                tally.overlaps.fetch_add(1, Ordering::SeqCst);
            }
            tally.runs.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(takes).await;
            tally.active.fetch_sub(1, Ordering::SeqCst);
            Ok::<_, String>("ticked")
        }
    })
}

/// Behind a pooler in transaction mode the claim's session-level lock must not go through the
/// pool: with a session URL, the lock is held by a connection opened to that URL. The URL here
/// names the connection, so the job can see who holds its lock.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_session_url_the_claim_is_held_by_a_direct_connection() {
    let db = database().await;
    let pool = db.pool(2);
    let separator = if db.url.contains('?') { '&' } else { '?' };
    let session_url = format!("{}{separator}application_name=qmf-job-claims", db.url);
    let holders = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = holders.clone();
    let job = Job::new(
        "test.session",
        Duration::from_secs(3600),
        move |pool: DbPool| {
            let seen = seen.clone();
            async move {
                use diesel_async::RunQueryDsl;
                #[derive(diesel::QueryableByName)]
                struct Holder {
                    #[diesel(sql_type = Text)]
                    application_name: String,
                }
                let mut conn = pool.get().await.map_err(|e| e.to_string())?;
                let found: Vec<Holder> = diesel::sql_query(
                    "SELECT a.application_name FROM pg_locks l \
                 JOIN pg_stat_activity a ON a.pid = l.pid \
                 WHERE l.locktype = 'advisory' AND l.granted AND a.datname = current_database()",
                )
                .load(&mut conn)
                .await
                .map_err(|e| e.to_string())?;
                seen.lock()
                    .unwrap()
                    .extend(found.into_iter().map(|h| h.application_name));
                Ok::<_, String>("looked")
            }
        },
    );
    let settings = RunnerSettings {
        replica: "replica-session".into(),
        poll: Duration::from_millis(50),
        grace: Duration::from_secs(10),
        session_url: Some(session_url),
    };
    let handle = jobs::spawn(db.pool(4), vec![job], settings);
    wait_for_count(
        &pool,
        "SELECT count(*) FROM job_runs WHERE outcome = 'ok'",
        1,
    )
    .await;
    stop(handle).await;
    assert_eq!(*holders.lock().unwrap(), ["qmf-job-claims"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_run_a_job_once_per_interval_and_never_at_once() {
    let db = database().await;
    let pool = db.pool(2);
    let tally = Arc::new(Tally::default());
    // Each run takes longer than the interval: without the lock the replicas would overlap.
    let (interval, takes) = (Duration::from_millis(300), Duration::from_millis(400));
    let job = || counting_job("test.tick", interval, takes, &tally);
    let a = runner(&db, "replica-a", Duration::from_secs(10), vec![job()]);
    let b = runner(&db, "replica-b", Duration::from_secs(10), vec![job()]);
    wait_for_count(
        &pool,
        "SELECT count(*) FROM job_runs WHERE outcome = 'ok'",
        5,
    )
    .await;
    tokio::join!(stop(a), stop(b));

    assert_eq!(tally.overlaps(), 0, "two runs overlapped");
    let recorded = runs(&pool, "test.tick").await;
    assert_eq!(recorded.len(), tally.runs());
    for run in &recorded {
        assert_eq!(run.outcome.as_deref(), Some("ok"), "{run:?}");
        assert_eq!(run.summary.as_deref(), Some("ticked"));
        assert!(run.replica == "replica-a" || run.replica == "replica-b");
    }
    // In the database as well: every run starts an interval or more after the previous one
    // started, and after it finished.
    let too_close = count(
        &pool,
        "SELECT count(*) FROM (SELECT started_at, \
           lag(started_at) OVER w AS previous_start, lag(finished_at) OVER w AS previous_end \
           FROM job_runs WINDOW w AS (ORDER BY started_at)) r \
         WHERE started_at < previous_start + interval '300 milliseconds' \
            OR started_at < previous_end",
    )
    .await;
    assert_eq!(too_close, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn within_one_interval_the_job_runs_once_whatever_the_number_of_replicas() {
    let db = database().await;
    let pool = db.pool(2);
    let tally = Arc::new(Tally::default());
    let (hour, takes) = (Duration::from_secs(3600), Duration::from_millis(100));
    let job = || counting_job("test.hourly", hour, takes, &tally);
    let runners: Vec<_> = ["a", "b", "c"]
        .into_iter()
        .map(|replica| runner(&db, replica, Duration::from_secs(10), vec![job()]))
        .collect();
    wait_for_count(
        &pool,
        "SELECT count(*) FROM job_runs WHERE outcome = 'ok'",
        1,
    )
    .await;
    // Many more looks at the schedule by every replica.
    tokio::time::sleep(Duration::from_secs(1)).await;
    futures_util::future::join_all(runners.into_iter().map(stop)).await;

    assert_eq!(tally.runs(), 1);
    assert_eq!(runs(&pool, "test.hourly").await.len(), 1);
    let next_due_an_hour_after_the_start = count(
        &pool,
        "SELECT count(*) FROM jobs j JOIN job_runs r ON r.job_name = j.name \
         WHERE j.next_run_at = r.started_at + interval '1 hour'",
    )
    .await;
    assert_eq!(next_due_an_hour_after_the_start, 1);
}

fn buggy() -> Result<&'static str, String> {
    panic!("a bug in the job")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_jobs_are_recorded_and_the_runner_goes_on() {
    let db = database().await;
    let pool = db.pool(2);
    let interval = Duration::from_millis(100);
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let failing = Job::new("test.fails", interval, move |_pool| {
        let attempt = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move { Err::<String, _>(format!("nothing to do in attempt {attempt}")) }
    });
    let panicking = Job::new("test.panics", interval, |_pool| async { buggy() });
    let healthy = counting_job("test.ok", interval, Duration::ZERO, &Arc::default());
    let handle = runner(
        &db,
        "replica-a",
        Duration::from_secs(10),
        vec![failing, panicking, healthy],
    );
    for job in ["test.fails", "test.panics", "test.ok"] {
        let sql = format!(
            "SELECT count(*) FROM job_runs WHERE job_name = '{job}' AND finished_at IS NOT NULL"
        );
        wait_for_count(&pool, &sql, 3).await;
    }
    stop(handle).await;

    let failed = runs(&pool, "test.fails").await;
    assert_eq!(failed.len(), attempts.load(Ordering::SeqCst));
    for (n, run) in failed.iter().enumerate() {
        assert_eq!(run.outcome.as_deref(), Some("failed"));
        let expected = format!("nothing to do in attempt {}", n + 1);
        assert_eq!(run.error.as_deref(), Some(expected.as_str()));
        assert_eq!(run.summary, None);
    }
    for run in runs(&pool, "test.panics").await {
        assert_eq!(run.outcome.as_deref(), Some("failed"));
        assert_eq!(
            run.error.as_deref(),
            Some("the job panicked: a bug in the job")
        );
    }
    for run in runs(&pool, "test.ok").await {
        assert_eq!(run.outcome.as_deref(), Some("ok"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_cancels_a_job_running_beyond_the_grace_period() {
    let db = database().await;
    let pool = db.pool(2);
    let finished = Arc::new(AtomicUsize::new(0));
    let counter = finished.clone();
    let slow = Job::new("test.slow", Duration::from_secs(60), move |_pool| {
        let finished = counter.clone();
        async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            finished.fetch_add(1, Ordering::SeqCst);
            Ok::<_, String>("done")
        }
    });
    let handle = runner(&db, "replica-a", Duration::from_millis(200), vec![slow]);
    let open = "SELECT count(*) FROM job_runs WHERE finished_at IS NULL";
    wait_for_count(&pool, open, 1).await;
    stop(handle).await;

    assert_eq!(finished.load(Ordering::SeqCst), 0);
    let recorded = runs(&pool, "test.slow").await;
    assert_eq!(recorded.len(), 1, "no run starts after the stop");
    let run = &recorded[0];
    assert_eq!(run.outcome.as_deref(), Some("cancelled"));
    assert!(run.finished_at.is_some());
    assert_eq!(
        run.error.as_deref(),
        Some("cancelled: the runner stopped before the job finished")
    );
    // The cancelled run did not move the schedule: the job is due again.
    let due = "SELECT count(*) FROM jobs WHERE name = 'test.slow' AND next_run_at <= now()";
    assert_eq!(count(&pool, due).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_lets_a_running_job_finish_within_the_grace_period() {
    let db = database().await;
    let pool = db.pool(2);
    let tally = Arc::new(Tally::default());
    let (minute, takes) = (Duration::from_secs(60), Duration::from_millis(500));
    let job = counting_job("test.short", minute, takes, &tally);
    let handle = runner(&db, "replica-a", Duration::from_secs(10), vec![job]);
    wait_for_count(&pool, "SELECT count(*) FROM job_runs", 1).await;
    stop(handle).await;

    let recorded = runs(&pool, "test.short").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].outcome.as_deref(), Some("ok"));
    assert_eq!(tally.runs(), 1);
    let not_due = "SELECT count(*) FROM jobs WHERE name = 'test.short' AND next_run_at > now()";
    assert_eq!(count(&pool, not_due).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_of_a_dead_replica_are_closed_and_old_runs_deleted() {
    let db = database().await;
    let pool = db.pool(2);
    {
        use diesel_async::RunQueryDsl;
        let mut conn = pool.get().await.unwrap();
        for sql in [
            "INSERT INTO jobs (name, next_run_at) VALUES ('test.cleanup', now())",
            // A replica died in the middle of a run a minute ago.
            "INSERT INTO job_runs (job_name, replica, started_at) \
             VALUES ('test.cleanup', 'dead-replica', now() - interval '1 minute')",
            // A run from long ago.
            "INSERT INTO job_runs (job_name, replica, started_at, finished_at, outcome, summary) \
             VALUES ('test.cleanup', 'old-replica', now() - interval '31 days', \
                     now() - interval '31 days', 'ok', 'done')",
        ] {
            diesel::sql_query(sql).execute(&mut conn).await.unwrap();
        }
    }
    let minute = Duration::from_secs(60);
    let job = counting_job("test.cleanup", minute, Duration::ZERO, &Arc::default());
    let handle = runner(&db, "replica-a", Duration::from_secs(10), vec![job]);
    let sql = "SELECT count(*) FROM job_runs WHERE replica = 'replica-a' AND outcome = 'ok'";
    wait_for_count(&pool, sql, 1).await;
    stop(handle).await;

    let recorded = runs(&pool, "test.cleanup").await;
    // The run of 31 days ago is gone; the dead replica's run is closed.
    let replicas: Vec<_> = recorded.iter().map(|r| r.replica.as_str()).collect();
    assert_eq!(replicas, ["dead-replica", "replica-a"]);
    let abandoned = &recorded[0];
    assert_eq!(abandoned.outcome.as_deref(), Some("cancelled"));
    assert_eq!(
        abandoned.error.as_deref(),
        Some("abandoned: its replica stopped before the run finished")
    );
    assert!(recorded.iter().all(|run| run.job_name == "test.cleanup"));
    assert!(abandoned.started_at < recorded[1].started_at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polling_job_records_only_the_runs_that_found_work() {
    let db = database().await;
    let pool = db.pool(2);
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    // Work on every fourth look only.
    let job = Job::polling("test.polling", Duration::from_millis(20), move |_pool| {
        let n = seen.fetch_add(1, Ordering::SeqCst);
        async move { Ok::<_, String>((n % 4 == 3).then(|| format!("did work at look {n}"))) }
    });
    let handle = runner(&db, "replica-a", Duration::from_secs(1), vec![job]);
    // Finished runs only: a look that finds nothing has its row until it ends.
    wait_for_count(
        &pool,
        "SELECT count(*) AS count FROM job_runs \
         WHERE job_name = 'test.polling' AND finished_at IS NOT NULL",
        3,
    )
    .await;
    stop(handle).await;
    let looks = calls.load(Ordering::SeqCst);
    let recorded = runs(&pool, "test.polling").await;
    // Idle looks left nothing; every recorded run did work and finished ok.
    assert!(looks >= 12, "{looks} looks");
    assert_eq!(recorded.len(), looks / 4);
    for run in &recorded {
        assert_eq!(run.outcome.as_deref(), Some("ok"));
        assert!(run.summary.as_deref().unwrap().starts_with("did work"));
        assert!(run.finished_at.is_some());
    }
}

/// A running job holds no transaction open: its claim is a session lock, so readers that wait
/// for running writers (exact incremental sync) are not held back for the length of a run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_job_keeps_no_transaction_open() {
    let db = database().await;
    let pool = db.pool(2);
    let tally = Arc::new(Tally::default());
    let (minute, takes) = (Duration::from_secs(60), Duration::from_secs(2));
    let job = counting_job("test.long", minute, takes, &tally);
    let handle = runner(&db, "replica-a", Duration::from_secs(10), vec![job]);
    wait_for_count(&pool, "SELECT count(*) FROM job_runs", 1).await;
    for _ in 0..100 {
        if tally.active.load(Ordering::SeqCst) == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_eq!(tally.active.load(Ordering::SeqCst), 1, "the job is running");
    let open = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() \
                AND pid <> pg_backend_pid() \
                AND (backend_xid IS NOT NULL OR state LIKE 'idle in transaction%')";
    assert_eq!(count(&pool, open).await, 0);
    // And the claim still keeps a second replica out.
    let tally_b = Arc::new(Tally::default());
    let other = runner(
        &db,
        "replica-b",
        Duration::from_secs(10),
        vec![counting_job("test.long", minute, takes, &tally_b)],
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(tally_b.runs(), 0);
    stop(other).await;
    stop(handle).await;
    assert_eq!(tally.runs(), 1);
}
