//! Cycles and the versions of their rules.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::schema::{cycle_rules, cycles};
use crate::domain::cycles::{CycleDraft, CycleRules};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cycles)]
pub struct CycleRow {
    pub id: Uuid,
    pub start_year: i32,
    pub years: i32,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub state: String,
    pub rules: serde_json::Value,
    pub rules_version: i32,
    pub opened_by: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl CycleRow {
    pub fn rules(&self) -> Result<CycleRules, ApiError> {
        serde_json::from_value(self.rules.clone())
            .map_err(|e| ApiError::internal(format!("stored rules of cycle {}: {e}", self.id)))
    }
}

fn rules_json(rules: &CycleRules) -> Result<serde_json::Value, ApiError> {
    serde_json::to_value(rules).map_err(ApiError::internal)
}

/// Stores a new open cycle and version 1 of its rules.
#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &CycleDraft,
    opened_by: &str,
) -> Result<CycleRow, ApiError> {
    let rules = rules_json(&draft.rules)?;
    let row = diesel::insert_into(cycles::table)
        .values((
            cycles::id.eq(id),
            cycles::start_year.eq(draft.start_year),
            cycles::years.eq(draft.years),
            cycles::start_on.eq(draft.start_on),
            cycles::end_on.eq(draft.end_on),
            cycles::state.eq("open"),
            cycles::rules.eq(&rules),
            cycles::opened_by.eq(opened_by),
        ))
        .returning(CycleRow::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(cycle_rules::table)
        .values((
            cycle_rules::cycle_id.eq(id),
            cycle_rules::rules_version.eq(1),
            cycle_rules::rules.eq(&rules),
            cycle_rules::changed_by.eq(opened_by),
        ))
        .execute(conn)
        .await?;
    Ok(row)
}

#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn find(mut conn: &AsyncPgConnection, id: Uuid) -> Result<Option<CycleRow>, ApiError> {
    Ok(cycles::table
        .find(id)
        .select(CycleRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<CycleRow>, ApiError> {
    Ok(cycles::table
        .find(id)
        .select(CycleRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// The open cycle, locked against concurrent changes (hosts joining, rules changing).
#[tracing::instrument(skip_all)]
pub async fn lock_open(conn: &mut AsyncPgConnection) -> Result<Option<CycleRow>, ApiError> {
    Ok(cycles::table
        .filter(cycles::state.eq("open"))
        .select(CycleRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Cycles whose days overlap `start_on..=end_on`.
#[tracing::instrument(skip_all)]
pub async fn overlapping(
    conn: &mut AsyncPgConnection,
    start_on: NaiveDate,
    end_on: NaiveDate,
) -> Result<Vec<CycleRow>, ApiError> {
    Ok(cycles::table
        .filter(cycles::start_on.le(end_on))
        .filter(cycles::end_on.ge(start_on))
        .select(CycleRow::as_select())
        .load(conn)
        .await?)
}

/// One page of cycles in creation order.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<CycleRow>, ApiError> {
    let mut query = cycles::table
        .select(CycleRow::as_select())
        .order(cycles::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(cycles::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

/// Replaces the rules with a new version (the old ones stay in `cycle_rules`).
#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn change_rules(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    rules: &CycleRules,
    changed_by: &str,
) -> Result<CycleRow, ApiError> {
    let rules = rules_json(rules)?;
    let row = diesel::update(cycles::table.find(id))
        .set((
            cycles::rules.eq(&rules),
            cycles::rules_version.eq(cycles::rules_version + 1),
            cycles::version.eq(cycles::version + 1),
            cycles::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CycleRow::as_returning())
        .get_result(conn)
        .await?;
    diesel::insert_into(cycle_rules::table)
        .values((
            cycle_rules::cycle_id.eq(id),
            cycle_rules::rules_version.eq(row.rules_version),
            cycle_rules::rules.eq(&rules),
            cycle_rules::changed_by.eq(changed_by),
        ))
        .execute(conn)
        .await?;
    Ok(row)
}

/// Counts of the cycle's hosts by state and of its dialogues by state.
#[derive(Debug, Clone, QueryableByName)]
pub struct CycleCounts {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub hosts: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub withdrawn: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub scheduled: i64,
}

#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn counts(conn: &mut AsyncPgConnection, id: Uuid) -> Result<CycleCounts, ApiError> {
    Ok(diesel::sql_query(
        "SELECT count(*) FILTER (WHERE h.state = 'active') AS hosts, \
                count(*) FILTER (WHERE h.state = 'withdrawn') AS withdrawn, \
                count(*) FILTER (WHERE d.day IS NOT NULL \
                                 AND d.state NOT IN ('cancelled', 'withdrawn')) AS scheduled \
         FROM hosts h LEFT JOIN dialogues d ON d.host_id = h.id WHERE h.cycle_id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .keep_prepared()
    .get_result(conn)
    .await?)
}

/// Closes a cycle.
#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn close(conn: &mut AsyncPgConnection, id: Uuid) -> Result<CycleRow, ApiError> {
    Ok(diesel::update(cycles::table.find(id))
        .set((
            cycles::state.eq("closed"),
            cycles::closed_at.eq(diesel::dsl::now),
            cycles::version.eq(cycles::version + 1),
            cycles::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CycleRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Hosts of a cycle still in it, and of them those whose dialogue took place.
#[derive(Debug, Clone, QueryableByName)]
pub struct Hosting {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub hosts: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub hosted: i64,
}

#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn hosting(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Hosting, ApiError> {
    Ok(diesel::sql_query(
        "SELECT count(*) AS hosts, \
                count(*) FILTER (WHERE d.state IN ('held', 'documented', 'evaluated')) AS hosted \
         FROM hosts h JOIN dialogues d ON d.host_id = h.id \
         WHERE h.cycle_id = $1 AND h.state = 'active'",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .keep_prepared()
    .get_result(conn)
    .await?)
}
