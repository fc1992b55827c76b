//! Hosts of a cycle: who hosts, what they recorded for planning, and joining and leaving.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::schema::{dialogues, host_representatives, hosts, proposed_dates};
use crate::domain::hosts::HostDetails;

/// A host with its organisation (from the directory copy) and its dialogue.
#[derive(Debug, Clone, QueryableByName)]
pub struct HostRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub cycle_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub organization_name: String,
    #[diesel(sql_type = sql_types::Text)]
    pub organization_kind: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub district: Option<String>,
    #[diesel(sql_type = sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub joined_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub withdrawn_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub withdrawn_reason: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Int4>)]
    pub room_capacity: Option<i32>,
    #[diesel(sql_type = sql_types::Array<sql_types::Int4>)]
    pub preferred_months: Vec<i32>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Date>)]
    pub report_ready_on: Option<NaiveDate>,
    #[diesel(sql_type = sql_types::Int4)]
    pub version: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Uuid)]
    pub dialogue_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub dialogue_state: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Date>)]
    pub dialogue_day: Option<NaiveDate>,
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    pub representatives: Vec<Uuid>,
    #[diesel(sql_type = sql_types::Array<sql_types::Date>)]
    pub proposed_dates: Vec<NaiveDate>,
}

const SELECT_HOSTS: &str = "\
    SELECT h.id, h.cycle_id, h.organization_id, \
           coalesce(o.name, '') AS organization_name, coalesce(o.kind, '') AS organization_kind, \
           o.district, h.state, h.joined_at, h.withdrawn_at, h.withdrawn_reason, h.room_capacity, \
           h.preferred_months, h.report_ready_on, h.version, h.updated_at, \
           d.id AS dialogue_id, d.state AS dialogue_state, d.day AS dialogue_day, \
           coalesce((SELECT array_agg(r.person_id ORDER BY r.person_id) \
                     FROM host_representatives r WHERE r.host_id = h.id), '{}') AS representatives, \
           coalesce((SELECT array_agg(p.day ORDER BY p.day) \
                     FROM proposed_dates p WHERE p.host_id = h.id), '{}') AS proposed_dates \
    FROM hosts h \
    JOIN dialogues d ON d.host_id = h.id \
    LEFT JOIN directory_organizations o ON o.id = h.organization_id";

#[tracing::instrument(skip_all, fields(host_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<HostRow>, ApiError> {
    Ok(diesel::sql_query(format!("{SELECT_HOSTS} WHERE h.id = $1"))
        .bind::<sql_types::Uuid, _>(id)
        .keep_prepared()
        .get_result(conn)
        .await
        .optional()?)
}

/// Locks a host's row; its current state as [`find`] reads it.
#[tracing::instrument(skip_all, fields(host_id = %id))]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<HostRow>, ApiError> {
    let locked: Option<Uuid> = hosts::table
        .find(id)
        .select(hosts::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(id) => find(conn, id).await,
        None => Ok(None),
    }
}

/// Filters of a cycle's host list.
#[derive(Debug, Clone, Default)]
pub struct HostFilter {
    pub state: Option<String>,
    pub organization_id: Option<Uuid>,
}

/// One page of a cycle's hosts in id order.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    filter: &HostFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<HostRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "{SELECT_HOSTS} WHERE h.cycle_id = $1 \
           AND ($2::text IS NULL OR h.state = $2) \
           AND ($3::uuid IS NULL OR h.organization_id = $3) \
           AND ($4::uuid IS NULL OR h.id > $4) \
         ORDER BY h.id LIMIT $5"
    ))
    .bind::<sql_types::Uuid, _>(cycle_id)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(filter.state.as_deref())
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(filter.organization_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after)
    .bind::<sql_types::BigInt, _>(limit + 1)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// A host that joined, with its new dialogue.
#[derive(Debug, Clone, QueryableByName)]
pub struct Joined {
    #[diesel(sql_type = sql_types::Uuid)]
    pub host_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub dialogue_id: Uuid,
}

/// Organisations that may host on `day`: active youth offices and institutions of the
/// directory copy with an agreement valid that day.
const ELIGIBLE: &str = "\
    SELECT o.id FROM directory_organizations o \
    WHERE o.active AND o.kind IN ('youth_office', 'institution') \
      AND EXISTS (SELECT 1 FROM directory_agreements a WHERE a.organization_id = o.id \
                  AND a.signed_on <= $2 AND (a.terminated_on IS NULL OR a.terminated_on > $2))";

/// Makes every eligible organisation (or only `organization`) that is not yet a host of the
/// cycle a host, each with an unscheduled dialogue; returns those that joined.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn join_eligible(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    day: NaiveDate,
    organization: Option<Uuid>,
) -> Result<Vec<Joined>, ApiError> {
    Ok(diesel::sql_query(format!(
        "WITH eligible AS ({ELIGIBLE} AND ($3::uuid IS NULL OR o.id = $3) \
                          AND NOT EXISTS (SELECT 1 FROM hosts x \
                                          WHERE x.cycle_id = $1 AND x.organization_id = o.id)), \
              new_hosts AS ( \
                INSERT INTO hosts (id, cycle_id, organization_id, state) \
                SELECT dialogue_uuid_v7(), $1, e.id, 'active' FROM eligible e \
                RETURNING id, organization_id), \
              new_dialogues AS ( \
                INSERT INTO dialogues (id, cycle_id, host_id, state) \
                SELECT dialogue_uuid_v7(), $1, n.id, 'unscheduled' FROM new_hosts n \
                RETURNING id, host_id) \
         SELECT n.id AS host_id, n.organization_id, d.id AS dialogue_id \
         FROM new_hosts n JOIN new_dialogues d ON d.host_id = n.id \
         ORDER BY n.organization_id"
    ))
    .bind::<sql_types::Uuid, _>(cycle_id)
    .bind::<sql_types::Date, _>(day)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(organization)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Whether `organization` may host on `day`, and whether it is active at all.
#[derive(Debug, Clone, QueryableByName)]
pub struct Eligibility {
    #[diesel(sql_type = sql_types::Bool)]
    pub eligible: bool,
    #[diesel(sql_type = sql_types::Bool)]
    pub active: bool,
}

#[tracing::instrument(skip_all, fields(organization_id = %organization))]
pub async fn eligibility(
    conn: &mut AsyncPgConnection,
    organization: Uuid,
    day: NaiveDate,
) -> Result<Eligibility, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT EXISTS ({ELIGIBLE} AND o.id = $1) AS eligible, \
                coalesce((SELECT active FROM directory_organizations WHERE id = $1), false) AS active"
    ))
    .bind::<sql_types::Uuid, _>(organization)
    .bind::<sql_types::Date, _>(day).keep_prepared()
    .get_result(conn)
    .await?)
}

/// The host of `organization` in the cycle, locked.
#[tracing::instrument(skip_all)]
pub async fn lock_of_organization(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    organization: Uuid,
) -> Result<Option<HostRow>, ApiError> {
    let id: Option<Uuid> = hosts::table
        .filter(hosts::cycle_id.eq(cycle_id))
        .filter(hosts::organization_id.eq(organization))
        .select(hosts::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match id {
        Some(id) => find(conn, id).await,
        None => Ok(None),
    }
}

/// Takes a host out of the cycle.
#[tracing::instrument(skip_all, fields(host_id = %id))]
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reason: &str,
) -> Result<(), ApiError> {
    diesel::update(hosts::table.find(id))
        .set((
            hosts::state.eq("withdrawn"),
            hosts::withdrawn_at.eq(diesel::dsl::now),
            hosts::withdrawn_reason.eq(reason),
            hosts::version.eq(hosts::version + 1),
            hosts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Brings a withdrawn host back (its agreement was signed again).
#[tracing::instrument(skip_all, fields(host_id = %id))]
pub async fn rejoin(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    diesel::update(hosts::table.find(id))
        .set((
            hosts::state.eq("active"),
            hosts::withdrawn_at.eq(None::<DateTime<Utc>>),
            hosts::withdrawn_reason.eq(None::<String>),
            hosts::version.eq(hosts::version + 1),
            hosts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a dialogue's state, or flags it for the coordination, counting a new version.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn set_dialogue(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
    flagged: Option<&str>,
) -> Result<(), ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::state.eq(state),
            dialogues::flagged.eq(flagged),
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces a host's planning details.
#[tracing::instrument(skip_all, fields(host_id = %id))]
pub async fn set_details(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    details: &HostDetails,
) -> Result<(), ApiError> {
    diesel::update(hosts::table.find(id))
        .set((
            hosts::room_capacity.eq(details.room_capacity),
            hosts::preferred_months.eq(&details.preferred_months),
            hosts::report_ready_on.eq(details.report_ready_on),
            hosts::version.eq(hosts::version + 1),
            hosts::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::delete(host_representatives::table.filter(host_representatives::host_id.eq(id)))
        .execute(conn)
        .await?;
    let representatives: Vec<_> = details
        .representatives
        .iter()
        .map(|person| {
            (
                host_representatives::host_id.eq(id),
                host_representatives::person_id.eq(*person),
            )
        })
        .collect();
    diesel::insert_into(host_representatives::table)
        .values(&representatives)
        .execute(conn)
        .await?;
    diesel::delete(proposed_dates::table.filter(proposed_dates::host_id.eq(id)))
        .execute(conn)
        .await?;
    if !details.proposed_dates.is_empty() {
        let dates: Vec<_> = details
            .proposed_dates
            .iter()
            .map(|day| (proposed_dates::host_id.eq(id), proposed_dates::day.eq(*day)))
            .collect();
        diesel::insert_into(proposed_dates::table)
            .values(&dates)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// Of `people`, those who are active people of `organization` in the directory copy on `day`.
#[tracing::instrument(skip_all)]
pub async fn staff_of(
    conn: &mut AsyncPgConnection,
    organization: Uuid,
    people: &[Uuid],
    day: NaiveDate,
) -> Result<Vec<Uuid>, ApiError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = sql_types::Uuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT id FROM directory_people \
         WHERE id = ANY($1) AND organization_id = $2 AND active \
           AND (active_until IS NULL OR active_until >= $3)",
    )
    .bind::<sql_types::Array<sql_types::Uuid>, _>(people)
    .bind::<sql_types::Uuid, _>(organization)
    .bind::<sql_types::Date, _>(day)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Organisations whose hosting in the open cycle no longer matches the directory copy on
/// `day`: eligible but not an active host, or an active host no longer eligible (an agreement
/// that ended on a day no event marks).
#[tracing::instrument(skip_all)]
pub async fn out_of_step(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    day: NaiveDate,
) -> Result<Vec<Uuid>, ApiError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = sql_types::Uuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(format!(
        "WITH eligible AS ({ELIGIBLE}) \
         SELECT e.id FROM eligible e \
         WHERE NOT EXISTS (SELECT 1 FROM hosts h WHERE h.cycle_id = $1 \
                           AND h.organization_id = e.id AND h.state = 'active') \
         UNION \
         SELECT h.organization_id FROM hosts h \
         WHERE h.cycle_id = $1 AND h.state = 'active' \
           AND h.organization_id NOT IN (SELECT id FROM eligible) \
         ORDER BY 1"
    ))
    .bind::<sql_types::Uuid, _>(cycle_id)
    .bind::<sql_types::Date, _>(day)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}
