//! Background jobs of the dialogue service.

use std::time::Duration;

use diesel_async::AsyncConnection;
use qmf_platform::jobs::Job;
use qmf_platform::{ApiError, DbPool};

use crate::app;
use crate::store::cycles as cycle_store;
use crate::store::hosts as host_store;

pub const RECONCILE_HOSTS: &str = "dialogue.hosts.reconcile";

/// How often the open cycle's hosts are checked against the directory copy.
pub const RECONCILE_INTERVAL: Duration = Duration::from_secs(3600);

/// Brings the open cycle's hosts in line with the directory copy: an agreement that ends on a
/// future day arrives as an event before that day, so on the day itself nothing else would
/// notice. Each organisation is reconciled in its own transaction; returns how many changed.
#[tracing::instrument(skip_all)]
pub async fn reconcile_hosts(pool: &DbPool) -> Result<usize, ApiError> {
    let mut conn = pool.get().await?;
    let organizations = conn
        .transaction::<_, ApiError, _>(async |conn| match cycle_store::lock_open(conn).await? {
            Some(cycle) => host_store::out_of_step(conn, cycle.id, app::today()).await,
            None => Ok(vec![]),
        })
        .await?;
    for organization in &organizations {
        conn.transaction::<_, ApiError, _>(async |conn| {
            app::hosts::reconcile(conn, *organization).await
        })
        .await?;
    }
    Ok(organizations.len())
}

pub fn reconcile_job() -> Job {
    Job::new(RECONCILE_HOSTS, RECONCILE_INTERVAL, |pool| async move {
        reconcile_hosts(&pool)
            .await
            .map(|changed| format!("{changed} organisations joined or left the open cycle"))
    })
}

pub const PLANNING: &str = "dialogue.planning";

/// How often the runner looks for requested planning runs.
pub const PLANNING_INTERVAL: Duration = Duration::from_secs(2);

/// Runs the requested planning runs one after the other. The job's lock makes it run on one
/// replica at a time, so a run found `running` was left by a process that died, and is taken
/// up again.
pub fn planning_job() -> Job {
    Job::polling(PLANNING, PLANNING_INTERVAL, |pool| async move {
        app::planning::run_waiting(&pool)
            .await
            .map(|ended| (ended > 0).then(|| format!("{ended} planning runs ended")))
    })
}
