//! Background jobs: named async functions run periodically, once per interval across all
//! replicas of a service, every run recorded in the `job_runs` table.
//!
//! # How replicas agree
//!
//! Each job has a row in `jobs` holding its due time (`next_run_at`), so the schedule lives in
//! the database, not in a replica. Every replica runs one loop per job. When the job is due,
//! a loop takes a session-level advisory lock for the job (`pg_try_advisory_lock`, keyed by the
//! job's name) on a connection of its own: one replica gets it, the others look again later.
//! The winner reads the due time again (another replica may have just run the job), runs the
//! job, sets `next_run_at` to the run's start plus the interval, and closes the connection,
//! which releases the lock. So a job never runs twice at once, and runs once per interval
//! however many replicas there are: two runs start at least one interval apart, and the next
//! starts only after the previous one has ended. An interval changed in the configuration
//! applies from the next run on.
//!
//! The lock is not a row lock in an open transaction on purpose: no transaction stays open while
//! a job runs, so a long run does not hold back readers that wait for running writers (the
//! exact incremental sync of the lists hands out only what ended transactions wrote). The job
//! does its work on connections of the pool, in its own transactions. A replica that dies while
//! running a job loses its connection and with it the lock; the job is then due again at once
//! for the others. The same happens if the database drops the lock-holding connection while the
//! job still runs, so keep `idle_session_timeout` off (the default) or longer than the longest
//! job. Runs are at least once: a run whose end cannot be recorded (the database went away)
//! leaves the job due, and it runs again. Jobs must therefore be idempotent, which periodic
//! clean-ups are by nature.
//!
//! # The run record
//!
//! A run gets its `job_runs` row when it starts (`finished_at` and `outcome` empty, visible to
//! everyone), and `finished_at` with one of these outcomes when it ends:
//!
//! - `ok`: the job returned a summary (stored in `summary`);
//! - `failed`: the job returned an error or panicked (stored in `error`); the job is due again
//!   after its interval like after a success, and the runner goes on;
//! - `cancelled`: the runner was stopped and the job did not finish within the grace period, so
//!   it was dropped at its next await point; or, marked by the next replica claiming the job, a
//!   run whose replica died before it finished. A cancelled run does not move `next_run_at`:
//!   the job is due again at once (on another replica, or at the next start).
//!
//! Summaries and errors are clipped to 2,000 characters and must not contain personal data: job
//! functions report counts, not names. Runs older than [`HISTORY_DAYS`] are deleted after each
//! run.
//!
//! # Shutdown
//!
//! [`JobsHandle::stop`] (or dropping the handle) stops every loop: no new run starts; a running
//! job gets [`RunnerSettings::grace`] to finish, then it is cancelled as described above; the
//! runner task ends when every loop has.

mod runner;

use std::collections::HashSet;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

use crate::db::DbPool;

/// Runs are kept this many days; older ones are deleted by the runner.
pub const HISTORY_DAYS: i32 = 30;

/// Longest interval a job may have; longer ones are shortened to it.
const MAX_INTERVAL: Duration = Duration::from_secs(3650 * 24 * 3600);

/// What a run of a job returns: its summary (`None`: a polling job found nothing to do), or
/// its error, as text.
type JobResult = Result<Option<String>, String>;
type JobFuture = Pin<Box<dyn Future<Output = JobResult> + Send>>;

/// A periodic job: a stable name (the key of its schedule and its runs, e.g. `case.retention`),
/// an interval and the function doing the work.
#[derive(Clone)]
pub struct Job {
    name: &'static str,
    interval: Duration,
    run: Arc<dyn Fn(DbPool) -> JobFuture + Send + Sync>,
}

impl Job {
    /// A job running `run` every `interval`. `run` gets the runner's pool and returns a short
    /// summary of what it did, or an error; both are stored with the run (see the module
    /// documentation: no personal data). Keep `name` stable: renaming a job starts a new
    /// schedule and history.
    pub fn new<F, Fut, S, E>(name: &'static str, interval: Duration, run: F) -> Job
    where
        F: Fn(DbPool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<S, E>> + Send + 'static,
        S: Display,
        E: Display,
    {
        let run = Arc::new(run);
        Job::polling(name, interval, move |pool| {
            let run = run.clone();
            async move { run(pool).await.map(Some) }
        })
    }

    /// A job that polls for work every (short) `interval`: `run` returns `None` when it found
    /// nothing to do, and such a run leaves no record in `job_runs` (a run that did something,
    /// failed or was cancelled is recorded as usual), so frequent polling does not fill the
    /// history.
    pub fn polling<F, Fut, S, E>(name: &'static str, interval: Duration, run: F) -> Job
    where
        F: Fn(DbPool) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<S>, E>> + Send + 'static,
        S: Display,
        E: Display,
    {
        let run = Arc::new(run);
        Job {
            name,
            interval: interval.min(MAX_INTERVAL),
            run: Arc::new(move |pool| {
                let run = run.clone();
                // The function is called inside the boxed future, so a panic in its synchronous
                // part surfaces when the runner polls it (and is recorded as a failure).
                Box::pin(async move {
                    run(pool)
                        .await
                        .map(|summary| summary.map(|s| s.to_string()))
                        .map_err(|error| error.to_string())
                })
            }),
        }
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn interval(&self) -> Duration {
        self.interval
    }
}

impl std::fmt::Debug for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// How a runner behaves; [`Default`] suits services.
#[derive(Debug, Clone)]
pub struct RunnerSettings {
    /// Recorded with every run: which replica ran it. Default: [`replica_id`].
    pub replica: String,
    /// Longest sleep between two looks at a job's due time, which matters when another replica
    /// holds the job or runs it with another interval. Default: 30 s.
    pub poll: Duration,
    /// How long a running job may go on after the stop before it is cancelled. Default: 5 s.
    pub grace: Duration,
    /// Where a claim connects when the pool goes through a pooler in transaction mode: the claim
    /// is a session-level advisory lock, so it needs a session of its own (a direct connection,
    /// opened per run and closed after it). `None`: a connection taken out of the pool.
    pub session_url: Option<String>,
}

impl Default for RunnerSettings {
    fn default() -> Self {
        RunnerSettings {
            replica: replica_id(),
            poll: Duration::from_secs(30),
            grace: Duration::from_secs(5),
            session_url: None,
        }
    }
}

/// This process's identity in the run records: host name (the pod name in Kubernetes) and
/// process id.
pub fn replica_id() -> String {
    let host = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .map(|host| host.trim().to_string())
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "unknown-host".into());
    format!("{host}:{}", std::process::id())
}

/// Controls a running job runner.
#[derive(Debug)]
pub struct JobsHandle {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl JobsHandle {
    /// Stops the runner and waits until it has ended: no new run starts, a running job
    /// finishes within the grace period or is cancelled (see the module documentation).
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.task.await;
    }
}

/// Starts the runner on the current tokio runtime: one loop per job, all on `pool` (which must
/// belong to this runtime). A job whose name was given before is left out, with an error in the
/// log. Keep the handle: dropping it stops the runner.
#[must_use = "dropping the handle stops the runner"]
pub fn spawn(pool: DbPool, jobs: Vec<Job>, settings: RunnerSettings) -> JobsHandle {
    let (stop_tx, stop_rx) = watch::channel(false);
    let settings = Arc::new(settings);
    let mut loops = JoinSet::new();
    let mut names = HashSet::new();
    for job in jobs {
        if !names.insert(job.name) {
            tracing::error!(
                job = job.name,
                "a job of this name is registered already; ignored"
            );
            continue;
        }
        loops.spawn(runner::job_loop(
            pool.clone(),
            job,
            settings.clone(),
            stop_rx.clone(),
        ));
    }
    let task = tokio::spawn(async move { while loops.join_next().await.is_some() {} });
    JobsHandle {
        stop: stop_tx,
        task,
    }
}
