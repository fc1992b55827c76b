//! Outcome figures per institution and help kind, from closed helps.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Date, Double, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;

#[derive(Debug, diesel::QueryableByName)]
pub struct OutcomeRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub provider_id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    pub help_kind: String,
    #[diesel(sql_type = BigInt)]
    pub cases: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub mean_duration_days: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub planned_end_share: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub goal_attainment: Option<f64>,
}

/// Helps closed between `from` and `to`, grouped by the provider of the plan in force and the
/// help kind. Erased cases count too: the figures are anonymous.
#[tracing::instrument(skip_all, fields(from = %from, to = %to))]
pub async fn outcomes(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<OutcomeRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT p.provider_id, c.help_kind, count(*) AS cases, \
                avg(c.ended_on - c.help_started_on)::float8 AS mean_duration_days, \
                avg(CASE WHEN c.end_kind = 'planned' THEN 1.0 ELSE 0.0 END)::float8 AS planned_end_share, \
                avg(f.mean_rating)::float8 AS goal_attainment \
         FROM cases c \
         JOIN plans p ON p.case_id = c.id AND p.status = 'accepted' \
         LEFT JOIN LATERAL ( \
             SELECT avg(g.rating)::float8 AS mean_rating FROM reviews r \
             JOIN goal_ratings g ON g.review_id = r.id \
             WHERE r.case_id = c.id AND r.final) f ON true \
         WHERE c.phase = 'closed' AND c.end_kind IN ('planned', 'unplanned') \
           AND c.closed_on BETWEEN $1 AND $2 \
         GROUP BY p.provider_id, c.help_kind \
         ORDER BY p.provider_id, c.help_kind",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to).keep_prepared()
    .load(conn)
    .await?)
}
