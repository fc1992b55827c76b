//! The retention job: archives closed cases and erases personal data when its time has come.
//! It runs on the platform's job runner ([`job`]), once per interval across all replicas.

use std::time::Duration;

use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use qmf_platform::jobs::Job;
use qmf_platform::{ApiError, DbPool};

use crate::domain::retention::{RetentionSettings, cutoffs};
use crate::store::retention;

/// Name of the retention job in the job runner's schedule and run history.
pub const JOB: &str = "case.retention";

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionRun {
    pub archived: usize,
    pub erased: usize,
}

/// The summary stored with the job's run: counts only, no personal data.
impl std::fmt::Display for RetentionRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cases archived, {} cases erased",
            self.archived, self.erased
        )
    }
}

/// Applies the retention rules as of `today`, in one transaction; every archived or erased case
/// gets an audit record.
#[tracing::instrument(skip_all, fields(today = %today))]
pub async fn run(
    pool: &DbPool,
    settings: RetentionSettings,
    today: NaiveDate,
) -> Result<RetentionRun, ApiError> {
    let due = cutoffs(today, settings);
    let mut conn = pool.get().await?;
    conn.transaction::<_, ApiError, _>(async |conn| {
        let archived = retention::archive(conn, due.archive_closed_until).await?;
        let erased =
            retention::erase(conn, due.erase_closed_until, due.erase_born_until_year).await?;
        Ok(RetentionRun { archived, erased })
    })
    .await
}

/// The retention job: [`run`] as of the current day, every `interval`.
pub fn job(settings: RetentionSettings, interval: Duration) -> Job {
    Job::new(JOB, interval, move |pool| async move {
        run(&pool, settings, crate::app::today()).await
    })
}
