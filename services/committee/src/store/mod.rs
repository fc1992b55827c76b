//! Queries of the committee service's own database.

pub mod bodies;
pub mod decisions;
pub mod meetings;
pub mod people;
pub mod schema;
pub mod terms;
pub mod topics;

pub use qmf_platform::codes::{code, parse_code};
use qmf_platform::db::KeepPrepared;

/// The calendar day of an instant in the region (Europe/Berlin), by PostgreSQL's time-zone
/// rules: a Forum meeting at 00:30 local time belongs to that day, not to the UTC one before.
#[tracing::instrument(skip_all, fields(at = %at))]
pub async fn regional_day(
    conn: &mut diesel_async::AsyncPgConnection,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<chrono::NaiveDate, qmf_platform::ApiError> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Day {
        #[diesel(sql_type = diesel::sql_types::Date)]
        day: chrono::NaiveDate,
    }
    let row: Day = diesel::sql_query("SELECT ($1 AT TIME ZONE 'Europe/Berlin')::date AS day")
        .bind::<diesel::sql_types::Timestamptz, _>(at)
        .keep_prepared()
        .get_result(conn)
        .await?;
    Ok(row.day)
}
