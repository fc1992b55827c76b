//! The loop of one job: claim when due, run, record, sleep; see the parent module.

use crate::db::KeepPrepared;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Double, Integer, Nullable, Text, Timestamptz};
use diesel_async::pooled_connection::deadpool::{Object, PoolError};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use futures_util::FutureExt;
use tokio::sync::watch;
use tracing::Instrument;

use super::{HISTORY_DAYS, Job, JobResult, RunnerSettings};
use crate::db::DbPool;

/// Longest summary or error text stored with a run, in characters.
const MAX_TEXT_CHARS: usize = 2000;

#[derive(Debug, thiserror::Error)]
enum StepError {
    #[error("database: {0}")]
    Database(#[from] diesel::result::Error),
    #[error("database pool: {0}")]
    Pool(#[from] PoolError),
    #[error("database connection: {0}")]
    Connect(#[from] diesel::ConnectionError),
    /// The run was cancelled at shutdown; the job stays due.
    #[error("cancelled")]
    Cancelled,
}

/// Looks at the job, runs it when due and this replica gets it, sleeps, until stopped.
pub(super) async fn job_loop(
    pool: DbPool,
    job: Job,
    settings: Arc<RunnerSettings>,
    mut stop: watch::Receiver<bool>,
) {
    let mut registered = false;
    while !stopping(&stop) {
        let wait = match step(&pool, &job, &settings, &mut stop, &mut registered).await {
            Ok(wait) => wait,
            Err(StepError::Cancelled) => break,
            Err(error) => {
                tracing::warn!(job = job.name, %error, "job runner cannot reach the database");
                // The row may be gone (restored database): register the job again.
                registered = false;
                settings.poll
            }
        };
        if !pause(wait, &mut stop).await {
            break;
        }
    }
}

#[derive(QueryableByName)]
struct DueIn {
    #[diesel(sql_type = Double)]
    seconds: f64,
}

/// Seconds until job `name` is due (negative when overdue).
async fn seconds_until_due(conn: &mut AsyncPgConnection, name: &str) -> Result<f64, StepError> {
    let due: DueIn = diesel::sql_query(
        "SELECT EXTRACT(EPOCH FROM next_run_at - now())::float8 AS seconds \
         FROM jobs WHERE name = $1",
    )
    .bind::<Text, _>(name)
    .keep_prepared()
    .get_result(conn)
    .await?;
    Ok(due.seconds)
}

/// One look at the job: claims and runs it if it is due and free. Returns how long to sleep.
async fn step(
    pool: &DbPool,
    job: &Job,
    settings: &RunnerSettings,
    stop: &mut watch::Receiver<bool>,
    registered: &mut bool,
) -> Result<Duration, StepError> {
    let due_in = {
        let mut conn = pool.get().await?;
        if !*registered {
            // A new job is due at once.
            diesel::sql_query(
                "INSERT INTO jobs (name, next_run_at) VALUES ($1, now()) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind::<Text, _>(job.name)
            .keep_prepared()
            .execute(&mut conn)
            .await?;
            *registered = true;
        }
        seconds_until_due(&mut conn, job.name).await?
    };
    if due_in > 0.0 {
        return Ok(Duration::try_from_secs_f64(due_in)
            .unwrap_or(settings.poll)
            .min(settings.poll));
    }
    // The claim holds its connection for the whole run. Taken out of the pool (or opened past a
    // transaction-mode pooler), it leaves the pool's connections to the job, however many jobs
    // run at once; it is closed afterwards.
    let mut conn = match &settings.session_url {
        Some(url) => AsyncPgConnection::establish(url).await?,
        None => Object::take(pool.get().await?),
    };
    let started = Instant::now();
    // A session-level advisory lock, not a row lock in an open transaction: a transaction that
    // stays open for a whole run would hold back every reader that waits for running writers
    // (the exact incremental sync of the lists) for as long as the job runs.
    let claimed: Claimed =
        diesel::sql_query("SELECT pg_try_advisory_lock($1, hashtext($2)) AS locked")
            .bind::<Integer, _>(JOB_LOCK_CLASS)
            .bind::<Text, _>(job.name)
            .keep_prepared()
            .get_result(&mut conn)
            .await?;
    if !claimed.locked {
        // Another replica is running it.
        return Ok(settings.poll);
    }
    // Dropping the connection (closed, not returned to the pool) releases the lock on every
    // path; an error below does too.
    if seconds_until_due(&mut conn, job.name).await? > 0.0 {
        // Another replica has just run it.
        return Ok(settings.poll);
    }
    let Some(started_at) = run_claimed(pool, job, settings, stop).await? else {
        return Err(StepError::Cancelled);
    };
    diesel::sql_query(
        "UPDATE jobs SET next_run_at = $2 + $3 * interval '1 microsecond' WHERE name = $1",
    )
    .bind::<Text, _>(job.name)
    .bind::<Timestamptz, _>(started_at)
    .bind::<BigInt, _>(i64::try_from(job.interval.as_micros()).unwrap_or(i64::MAX))
    .keep_prepared()
    .execute(&mut conn)
    .await?;
    Ok(job
        .interval
        .saturating_sub(started.elapsed())
        .min(settings.poll))
}

/// The first key of the jobs' advisory locks (the second is the hash of the job's name): a
/// two-key lock, apart from the one-key locks of migrations and the outbox relay.
const JOB_LOCK_CLASS: i32 = 0x514A_4F42; // "QJOB"

#[derive(QueryableByName)]
struct Claimed {
    #[diesel(sql_type = Bool)]
    locked: bool,
}

/// Runs a claimed job and records the run. Returns when it started if it finished (ok or
/// failed), `None` if it was cancelled.
///
/// The start is taken after the claim, so it lies after the end of the previous run, and not
/// before the due time: the next run is due one interval after it.
async fn run_claimed(
    pool: &DbPool,
    job: &Job,
    settings: &RunnerSettings,
    stop: &mut watch::Receiver<bool>,
) -> Result<Option<DateTime<Utc>>, StepError> {
    let (run_id, started_at) = {
        let mut conn = pool.get().await?;
        // This replica holds the job, so an unfinished run is one whose replica died.
        diesel::sql_query(
            "UPDATE job_runs SET finished_at = now(), outcome = 'cancelled', \
             error = 'abandoned: its replica stopped before the run finished' \
             WHERE job_name = $1 AND finished_at IS NULL",
        )
        .bind::<Text, _>(job.name)
        .keep_prepared()
        .execute(&mut conn)
        .await?;
        let run: NewRun = diesel::sql_query(
            "INSERT INTO job_runs (job_name, replica, started_at) \
             VALUES ($1, $2, clock_timestamp()) RETURNING id, started_at",
        )
        .bind::<Text, _>(job.name)
        .bind::<Text, _>(&settings.replica)
        .keep_prepared()
        .get_result(&mut conn)
        .await?;
        (run.id, run.started_at)
    };
    let span =
        tracing::info_span!("job", job = job.name, run = run_id, replica = %settings.replica);
    let started = Instant::now();
    let result = run_within_grace(job, pool.clone(), stop, settings.grace)
        .instrument(span.clone())
        .await;
    let duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (outcome, summary, error) = match &result {
        Some(Ok(None)) => {
            // A polling job that found nothing to do leaves no record.
            let mut conn = pool.get().await?;
            diesel::sql_query("DELETE FROM job_runs WHERE id = $1")
                .bind::<BigInt, _>(run_id)
                .keep_prepared()
                .execute(&mut conn)
                .await?;
            return Ok(result.map(|_| started_at));
        }
        Some(Ok(Some(summary))) => {
            span.in_scope(|| tracing::info!(duration_ms, summary, "job run finished"));
            ("ok", Some(clip(summary)), None)
        }
        Some(Err(error)) => {
            span.in_scope(|| tracing::error!(duration_ms, error, "job run failed"));
            ("failed", None, Some(clip(error)))
        }
        None => {
            span.in_scope(|| tracing::warn!(duration_ms, "job run cancelled at shutdown"));
            let reason = "cancelled: the runner stopped before the job finished".to_string();
            ("cancelled", None, Some(reason))
        }
    };
    let mut conn = pool.get().await?;
    diesel::sql_query(
        "UPDATE job_runs SET finished_at = now(), outcome = $2, summary = $3, error = $4 \
         WHERE id = $1",
    )
    .bind::<BigInt, _>(run_id)
    .bind::<Text, _>(outcome)
    .bind::<Nullable<Text>, _>(summary)
    .bind::<Nullable<Text>, _>(error)
    .keep_prepared()
    .execute(&mut conn)
    .await?;
    diesel::sql_query(format!(
        "DELETE FROM job_runs WHERE started_at < now() - interval '{HISTORY_DAYS} days'"
    ))
    .keep_prepared()
    .execute(&mut conn)
    .await?;
    Ok(result.map(|_| started_at))
}

#[derive(QueryableByName)]
struct NewRun {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Timestamptz)]
    started_at: DateTime<Utc>,
}

/// Runs the job until it ends, or, once a stop is requested, for at most `grace` more; `None`
/// when it was cancelled. A panic counts as a failure.
async fn run_within_grace(
    job: &Job,
    pool: DbPool,
    stop: &mut watch::Receiver<bool>,
    grace: Duration,
) -> Option<JobResult> {
    let run = AssertUnwindSafe((job.run)(pool))
        .catch_unwind()
        .map(|result| result.unwrap_or_else(|panic| Err(panic_message(panic.as_ref()))));
    let mut run = std::pin::pin!(run);
    let finished = tokio::select! {
        result = &mut run => Some(result),
        _ = stop.wait_for(|stopped| *stopped) => None,
    };
    let result = match finished {
        Some(result) => Some(result),
        None => tokio::time::timeout(grace, run).await.ok(),
    };
    // A run that did something may have committed events: the relay need not wait for its poll.
    if !matches!(result, Some(Ok(None))) {
        qmf_events::wake_relays();
    }
    result
}

fn panic_message(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .map(|m| m.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "no message".into());
    format!("the job panicked: {message}")
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}

/// Whether a stop was requested (or the handle dropped).
fn stopping(stop: &watch::Receiver<bool>) -> bool {
    *stop.borrow() || stop.has_changed().is_err()
}

/// Sleeps for `delay` unless a stop is requested first; returns `false` on stop.
async fn pause(delay: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    if stopping(stop) {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(delay) => !stopping(stop),
        _ = stop.changed() => false,
    }
}
