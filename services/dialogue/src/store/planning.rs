//! Planning runs, and the cycle's data as the planner needs it.

use qmf_platform::db::KeepPrepared;
use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use serde_json::Value;
use uuid::Uuid;

use super::absences as absence_store;
use super::calendar as calendar_store;
use super::cycles::CycleRow;
use super::hosts::{self as host_store, HostFilter};
use crate::domain::calendar::bw_public_holidays;
use crate::domain::planning::{Built, PlanHost, PlanPerson, PlanningData, RunDraft};

// ---------------------------------------------------------------------------------------------
// the cycle's data

#[derive(QueryableByName)]
struct GuestRow {
    #[diesel(sql_type = sql_types::Uuid)]
    dialogue_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    person_id: Uuid,
}

#[derive(QueryableByName)]
struct PersonRow {
    #[diesel(sql_type = sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    name: String,
}

/// A person's absent ranges and weekdays off.
type Absent = (Vec<(NaiveDate, NaiveDate)>, Vec<u32>);

/// Everything the planner instance of `cycle` is built from: its active hosts with their
/// planning and current dialogue, the active staff of those organisations with their
/// absences, and the region's calendar.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle.id))]
pub async fn data(
    conn: &mut AsyncPgConnection,
    cycle: &CycleRow,
    today: NaiveDate,
) -> Result<PlanningData, ApiError> {
    let filter = HostFilter {
        state: Some("active".into()),
        organization_id: None,
    };
    let rows = host_store::list(conn, cycle.id, &filter, None, i64::from(i32::MAX) - 1).await?;
    let guests: Vec<GuestRow> = diesel::sql_query(
        "SELECT g.dialogue_id, g.person_id FROM dialogue_guests g \
         JOIN dialogues d ON d.id = g.dialogue_id \
         WHERE d.cycle_id = $1 AND g.response <> 'declined' ORDER BY g.dialogue_id, g.person_id",
    )
    .bind::<sql_types::Uuid, _>(cycle.id)
    .keep_prepared()
    .load(conn)
    .await?;
    let mut guests_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for g in guests {
        guests_of
            .entry(g.dialogue_id)
            .or_default()
            .push(g.person_id);
    }
    let organizations: Vec<Uuid> = rows.iter().map(|h| h.organization_id).collect();
    let hosts = rows
        .into_iter()
        .map(|h| PlanHost {
            organization_id: h.organization_id,
            youth_office: h.organization_kind == "youth_office",
            district: h.district,
            room_capacity: h.room_capacity,
            preferred_months: h.preferred_months,
            report_ready_on: h.report_ready_on,
            proposed_dates: h.proposed_dates,
            representatives: h.representatives,
            dialogue_state: h.dialogue_state,
            day: h.dialogue_day,
            guests: guests_of.remove(&h.dialogue_id).unwrap_or_default(),
            name: h.organization_name,
        })
        .collect();
    let staff: Vec<PersonRow> = diesel::sql_query(
        "SELECT id, organization_id, \
                trim(coalesce(given_name, '') || ' ' || coalesce(family_name, '')) AS name \
         FROM directory_people \
         WHERE organization_id = ANY($1) AND active AND (active_until IS NULL OR active_until >= $2) \
         ORDER BY organization_id, id",
    )
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&organizations)
    .bind::<sql_types::Date, _>(today.max(cycle.start_on)).keep_prepared()
    .load(conn)
    .await?;
    let ids: Vec<Uuid> = staff.iter().map(|p| p.id).collect();
    let mut absences: HashMap<Uuid, Absent> = HashMap::new();
    for row in absence_store::of_people(conn, &ids, cycle.start_on, cycle.end_on).await? {
        let entry = absences.entry(row.person_id).or_default();
        match (row.start_on, row.end_on, row.weekday) {
            (Some(start), Some(end), _) => entry.0.push((start, end)),
            (_, _, Some(weekday)) => entry.1.push(u32::try_from(weekday).unwrap_or(0)),
            _ => {}
        }
    }
    let people = staff
        .into_iter()
        .map(|p| {
            let (ranges, weekdays) = absences.remove(&p.id).unwrap_or_default();
            PlanPerson {
                id: p.id,
                organization_id: p.organization_id,
                name: p.name,
                ranges,
                weekdays,
            }
        })
        .collect();
    let public_holidays = (cycle.start_on.year()..=cycle.end_on.year())
        .flat_map(bw_public_holidays)
        .map(|h| (h.date, h.name.to_string()))
        .collect();
    let school_holidays =
        calendar_store::school_holidays(conn, Some(cycle.start_on), Some(cycle.end_on))
            .await?
            .into_iter()
            .map(|h| (h.name, h.start_on, h.end_on))
            .collect();
    let forum_dates = calendar_store::forum_meetings(conn, cycle.start_on, cycle.end_on)
        .await?
        .into_iter()
        .map(|m| m.day)
        .collect();
    let training_days = calendar_store::training_days(conn, cycle.start_on, cycle.end_on)
        .await?
        .into_iter()
        .map(|(day, _, _)| day)
        .collect();
    Ok(PlanningData {
        cycle_id: cycle.id,
        start_year: cycle.start_year,
        start_on: cycle.start_on,
        end_on: cycle.end_on,
        rules: cycle.rules()?,
        public_holidays,
        school_holidays,
        forum_dates,
        training_days,
        hosts,
        people,
    })
}

// ---------------------------------------------------------------------------------------------
// runs

/// A planning run without its instance and plan documents.
#[derive(Debug, Clone, QueryableByName)]
pub struct RunRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub cycle_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = sql_types::Int4)]
    pub seconds: i32,
    #[diesel(sql_type = sql_types::Int8)]
    pub seed: i64,
    #[diesel(sql_type = sql_types::Bool)]
    pub pin_published: bool,
    #[diesel(sql_type = sql_types::Int4)]
    pub pinned: i32,
    #[diesel(sql_type = sql_types::Int4)]
    pub published: i32,
    #[diesel(sql_type = sql_types::Jsonb)]
    pub left_out: Value,
    #[diesel(sql_type = sql_types::Text)]
    pub requested_by: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Jsonb>)]
    pub progress: Option<Value>,
    #[diesel(sql_type = sql_types::Bool)]
    pub cancel_requested: bool,
    #[diesel(sql_type = sql_types::Int4)]
    pub attempts: i32,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Jsonb>)]
    pub score: Option<Value>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Jsonb>)]
    pub explanation: Option<Value>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub error: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub accepted_by: Option<String>,
    #[diesel(sql_type = sql_types::Int4)]
    pub version: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub started_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub finished_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const RUN_COLUMNS: &str = "id, cycle_id, state, seconds, seed, pin_published, pinned, published, \
    left_out, requested_by, progress, cancel_requested, attempts, score, explanation, error, \
    accepted_by, version, created_at, started_at, finished_at, updated_at";

/// The documents of a run.
#[derive(Debug, Clone, QueryableByName)]
pub struct RunDocuments {
    #[diesel(sql_type = sql_types::Jsonb)]
    pub instance: Value,
    #[diesel(sql_type = sql_types::Jsonb)]
    pub previous: Value,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Jsonb>)]
    pub solution: Option<Value>,
}

#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    cycle_id: Uuid,
    draft: &RunDraft,
    built: &Built,
    requested_by: &str,
) -> Result<RunRow, ApiError> {
    let left_out: Vec<Value> = built
        .left_out
        .iter()
        .map(|(id, name)| serde_json::json!({"organization_id": id, "name": name}))
        .collect();
    Ok(diesel::sql_query(format!(
        "INSERT INTO planning_runs (id, cycle_id, state, seconds, seed, pin_published, instance, \
                                    previous, pinned, published, left_out, requested_by) \
         VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {RUN_COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Uuid, _>(cycle_id)
    .bind::<sql_types::Int4, _>(draft.seconds)
    .bind::<sql_types::Int8, _>(draft.seed)
    .bind::<sql_types::Bool, _>(draft.pin_published)
    .bind::<sql_types::Jsonb, _>(&built.instance)
    .bind::<sql_types::Jsonb, _>(&built.previous)
    .bind::<sql_types::Int4, _>(built.pinned)
    .bind::<sql_types::Int4, _>(built.published)
    .bind::<sql_types::Jsonb, _>(Value::Array(left_out))
    .bind::<sql_types::Text, _>(requested_by)
    .keep_prepared()
    .get_result(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(run_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<RunRow>, ApiError> {
    use diesel::OptionalExtension;
    Ok(diesel::sql_query(format!(
        "SELECT {RUN_COLUMNS} FROM planning_runs WHERE id = $1"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

#[tracing::instrument(skip_all, fields(run_id = %id))]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<RunRow>, ApiError> {
    use diesel::OptionalExtension;
    Ok(diesel::sql_query(format!(
        "SELECT {RUN_COLUMNS} FROM planning_runs WHERE id = $1 FOR UPDATE"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

#[tracing::instrument(skip_all, fields(run_id = %id))]
pub async fn documents(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<RunDocuments>, ApiError> {
    use diesel::OptionalExtension;
    Ok(
        diesel::sql_query("SELECT instance, previous, solution FROM planning_runs WHERE id = $1")
            .bind::<sql_types::Uuid, _>(id)
            .keep_prepared()
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// One page of a cycle's runs, newest first.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> Result<Vec<RunRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {RUN_COLUMNS} FROM planning_runs \
         WHERE cycle_id = $1 AND ($2::uuid IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
    ))
    .bind::<sql_types::Uuid, _>(cycle_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(before)
    .bind::<sql_types::BigInt, _>(limit + 1)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// The oldest run waiting for the runner (queued, or running when its runner died: only the
/// holder of the planning job's lock runs plans), locked, skipping runs others hold.
#[tracing::instrument(skip_all)]
pub async fn claim_next(conn: &mut AsyncPgConnection) -> Result<Option<RunRow>, ApiError> {
    use diesel::OptionalExtension;
    Ok(diesel::sql_query(format!(
        "SELECT {RUN_COLUMNS} FROM planning_runs WHERE state IN ('queued', 'running') \
         ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
    ))
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

async fn update(
    conn: &mut AsyncPgConnection,
    set: &str,
    binds: impl FnOnce(
        diesel::query_builder::SqlQuery,
    ) -> diesel::query_builder::BoxedSqlQuery<
        'static,
        diesel::pg::Pg,
        diesel::query_builder::SqlQuery,
    >,
) -> Result<usize, ApiError> {
    let query = diesel::sql_query(format!(
        "UPDATE planning_runs SET {set}, version = version + 1, updated_at = now() WHERE id = $1"
    ));
    Ok(binds(query).execute(conn).await?)
}

/// Marks a claimed run as running (once more).
pub async fn start(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    update(
        conn,
        "state = 'running', attempts = attempts + 1, started_at = now(), progress = NULL",
        |q| q.into_boxed().bind::<sql_types::Uuid, _>(id),
    )
    .await?;
    Ok(())
}

/// Records the best score so far; returns whether a cancellation was requested meanwhile.
pub async fn progress(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    progress: &Value,
) -> Result<bool, ApiError> {
    #[derive(QueryableByName)]
    struct Flag {
        #[diesel(sql_type = sql_types::Bool)]
        cancel_requested: bool,
    }
    let flag: Option<Flag> = {
        use diesel::OptionalExtension;
        diesel::sql_query(
            "UPDATE planning_runs SET progress = $2, updated_at = now() \
             WHERE id = $1 AND state = 'running' RETURNING cancel_requested",
        )
        .bind::<sql_types::Uuid, _>(id)
        .bind::<sql_types::Jsonb, _>(progress)
        .keep_prepared()
        .get_result(conn)
        .await
        .optional()?
    };
    // A run no longer running (cancelled before it was claimed again) stops as well.
    Ok(flag.is_none_or(|f| f.cancel_requested))
}

/// Requests that a running run stop.
pub async fn request_cancel(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    update(conn, "cancel_requested = true", |q| {
        q.into_boxed().bind::<sql_types::Uuid, _>(id)
    })
    .await?;
    Ok(())
}

/// Ends a run in `state` (cancelled or failed) with an optional message.
pub async fn end(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &'static str,
    error: Option<String>,
) -> Result<(), ApiError> {
    update(conn, "state = $2, error = $3, finished_at = now()", |q| {
        q.into_boxed()
            .bind::<sql_types::Uuid, _>(id)
            .bind::<sql_types::Text, _>(state)
            .bind::<sql_types::Nullable<sql_types::Text>, _>(error)
    })
    .await?;
    Ok(())
}

/// Stores a finished run's plan, score and explanation.
pub async fn finish(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    solution: Value,
    score: Value,
    explanation: Value,
    progress: Value,
) -> Result<(), ApiError> {
    update(
        conn,
        "state = 'finished', solution = $2, score = $3, explanation = $4, progress = $5, \
         finished_at = now()",
        |q| {
            q.into_boxed()
                .bind::<sql_types::Uuid, _>(id)
                .bind::<sql_types::Jsonb, _>(solution)
                .bind::<sql_types::Jsonb, _>(score)
                .bind::<sql_types::Jsonb, _>(explanation)
                .bind::<sql_types::Jsonb, _>(progress)
        },
    )
    .await?;
    Ok(())
}

/// Marks a run's plan accepted.
pub async fn accepted(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    accepted_by: &str,
) -> Result<(), ApiError> {
    let accepted_by = accepted_by.to_string();
    update(conn, "state = 'accepted', accepted_by = $2", |q| {
        q.into_boxed()
            .bind::<sql_types::Uuid, _>(id)
            .bind::<sql_types::Text, _>(accepted_by)
    })
    .await?;
    Ok(())
}
