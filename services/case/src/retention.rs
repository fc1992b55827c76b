//! The retention job: archives closed cases and erases personal data when its time has come.

use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use qmf_platform::{ApiError, DbPool};

use crate::domain::retention::{RetentionSettings, cutoffs};
use crate::store::retention;

/// What one run did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionRun {
    pub archived: usize,
    pub erased: usize,
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

/// Runs the job hourly in the background.
pub fn spawn(pool: DbPool, settings: RetentionSettings) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            interval.tick().await;
            match run(&pool, settings, chrono::Utc::now().date_naive()).await {
                Ok(done) if done.archived + done.erased > 0 => {
                    tracing::info!(
                        archived = done.archived,
                        erased = done.erased,
                        "retention applied"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "retention job failed"),
            }
        }
    })
}
