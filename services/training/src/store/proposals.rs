//! Expert-day proposals received from the committee and dialogue services.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{OptionalExtension, QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct ProposalRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub source: String,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub summary: Option<String>,
    #[diesel(sql_type = sql_types::Date)]
    pub proposed_on: NaiveDate,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub received_at: DateTime<Utc>,
    /// Sessions scheduled from it (cancelled ones included).
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    pub sessions: Vec<Uuid>,
}

/// Stores a proposal; a repeated delivery changes nothing.
pub async fn record(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    source: &str,
    title: &str,
    summary: Option<&str>,
    proposed_on: NaiveDate,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO expert_day_proposals (id, source, title, summary, proposed_on) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
    )
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Text, _>(source)
    .bind::<sql_types::Text, _>(title)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(summary)
    .bind::<sql_types::Date, _>(proposed_on)
    .keep_prepared()
    .execute(conn)
    .await
}

const SELECT: &str = "SELECT p.id, p.source, p.title, p.summary, p.proposed_on, p.received_at, \
        coalesce((SELECT array_agg(s.id ORDER BY s.id) FROM sessions s WHERE s.proposal_id = p.id), \
                 '{}') AS sessions \
    FROM expert_day_proposals p";

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<ProposalRow>, ApiError> {
    Ok(diesel::sql_query(format!("{SELECT} WHERE p.id = $1"))
        .bind::<sql_types::Uuid, _>(id)
        .keep_prepared()
        .get_result(conn)
        .await
        .optional()?)
}

/// Every proposal, newest first, at most 500; `open` only those without a session.
pub async fn list(conn: &mut AsyncPgConnection, open: bool) -> Result<Vec<ProposalRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "{SELECT} WHERE NOT $1 OR NOT EXISTS (SELECT 1 FROM sessions s WHERE s.proposal_id = p.id \
             AND s.state <> 'cancelled') \
         ORDER BY p.proposed_on DESC, p.id LIMIT 500"
    ))
    .bind::<sql_types::Bool, _>(open)
    .keep_prepared()
    .load(conn)
    .await?)
}
