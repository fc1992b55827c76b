//! Registrations: seats, the waiting list and offers.

use chrono::{DateTime, Utc};
use diesel::{OptionalExtension, QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use crate::domain::seats::Taken;

#[derive(Debug, Clone, QueryableByName)]
pub struct RegistrationRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub organization_kind: String,
    #[diesel(sql_type = sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Int8>)]
    pub waitlist_position: Option<i64>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub offered_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub reason: Option<String>,
    #[diesel(sql_type = sql_types::Text)]
    pub registered_by: String,
    /// Cancelled after the session's cancellation deadline.
    #[diesel(sql_type = sql_types::Bool)]
    pub cancelled_late: bool,
    #[diesel(sql_type = sql_types::Int4)]
    pub version: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, session_id, person_id, organization_id, organization_kind, state, \
    waitlist_position, offered_until, reason, registered_by, cancelled_late, version, created_at, \
    updated_at";

/// A new registration: `confirmed` (no position), or `waitlisted` or `pending_approval` (with
/// a position drawn by [`next_position`]).
pub struct NewRegistration<'a> {
    pub id: Uuid,
    pub session_id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub organization_kind: &'a str,
    pub state: &'a str,
    pub waitlist_position: Option<i64>,
    pub reason: Option<&'a str>,
    pub registered_by: &'a str,
}

pub async fn insert(
    conn: &AsyncPgConnection,
    new: &NewRegistration<'_>,
) -> Result<RegistrationRow, ApiError> {
    let mut conn = conn;
    Ok(diesel::sql_query(format!(
        "INSERT INTO registrations (id, session_id, person_id, organization_id, \
             organization_kind, state, waitlist_position, reason, registered_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $9, $7, $8) \
         RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(new.id)
    .bind::<sql_types::Uuid, _>(new.session_id)
    .bind::<sql_types::Uuid, _>(new.person_id)
    .bind::<sql_types::Uuid, _>(new.organization_id)
    .bind::<sql_types::Text, _>(new.organization_kind)
    .bind::<sql_types::Text, _>(new.state)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(new.reason)
    .bind::<sql_types::Text, _>(new.registered_by)
    .bind::<sql_types::Nullable<sql_types::BigInt>, _>(new.waitlist_position)
    .keep_prepared()
    .get_result(&mut conn)
    .await?)
}

/// The next place in the waiting lists' order (drawn whether it is used or not).
pub async fn next_position(conn: &AsyncPgConnection) -> Result<i64, ApiError> {
    #[derive(QueryableByName)]
    struct Next {
        #[diesel(sql_type = sql_types::BigInt)]
        position: i64,
    }
    let mut conn = conn;
    let next: Next = diesel::sql_query("SELECT nextval('registration_positions') AS position")
        .keep_prepared()
        .get_result(&mut conn)
        .await?;
    Ok(next.position)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<RegistrationRow>, ApiError> {
    Ok(
        diesel::sql_query(format!("SELECT {COLUMNS} FROM registrations WHERE id = $1"))
            .bind::<sql_types::Uuid, _>(id)
            .keep_prepared()
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// The live registration of `person` for a session, if any.
pub async fn live_of(
    conn: &AsyncPgConnection,
    session: Uuid,
    person: Uuid,
) -> Result<Option<RegistrationRow>, ApiError> {
    let mut conn = conn;
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM registrations WHERE session_id = $1 AND person_id = $2 \
           AND state IN ('pending_approval', 'confirmed', 'waitlisted', 'offered')"
    ))
    .bind::<sql_types::Uuid, _>(session)
    .bind::<sql_types::Uuid, _>(person)
    .keep_prepared()
    .get_result(&mut conn)
    .await
    .optional()?)
}

/// Seats taken (confirmed or offered) in a session, by kind and by `organization`.
pub async fn taken(
    conn: &AsyncPgConnection,
    session: Uuid,
    organization: Uuid,
) -> Result<Taken, ApiError> {
    let mut conn = conn;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = sql_types::BigInt)]
        total: i64,
        #[diesel(sql_type = sql_types::BigInt)]
        youth_office: i64,
        #[diesel(sql_type = sql_types::BigInt)]
        institution: i64,
        #[diesel(sql_type = sql_types::BigInt)]
        organization: i64,
    }
    let row: Row = diesel::sql_query(
        "SELECT count(*) AS total, \
                count(*) FILTER (WHERE organization_kind = 'youth_office') AS youth_office, \
                count(*) FILTER (WHERE organization_kind = 'institution') AS institution, \
                count(*) FILTER (WHERE organization_id = $2) AS organization \
         FROM registrations WHERE session_id = $1 AND state IN ('confirmed', 'offered')",
    )
    .bind::<sql_types::Uuid, _>(session)
    .bind::<sql_types::Uuid, _>(organization)
    .keep_prepared()
    .get_result(&mut conn)
    .await?;
    Ok(Taken {
        total: row.total,
        youth_office: row.youth_office,
        institution: row.institution,
        organization: row.organization,
    })
}

/// The waiting list of a session in its order.
pub async fn waiting(
    conn: &mut AsyncPgConnection,
    session: Uuid,
) -> Result<Vec<RegistrationRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM registrations WHERE session_id = $1 AND state = 'waitlisted' \
         ORDER BY waitlist_position"
    ))
    .bind::<sql_types::Uuid, _>(session)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Sets a registration's state (and offer), keeping its waiting-list position unless `confirmed`.
pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
    offered_until: Option<DateTime<Utc>>,
    reason: Option<&str>,
) -> Result<RegistrationRow, ApiError> {
    Ok(diesel::sql_query(format!(
        "UPDATE registrations SET state = $2, offered_until = $3, reason = coalesce($4, reason), \
             waitlist_position = CASE WHEN $2 = 'confirmed' THEN NULL ELSE waitlist_position END, \
             version = version + 1, updated_at = now() \
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Text, _>(state)
    .bind::<sql_types::Nullable<sql_types::Timestamptz>, _>(offered_until)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(reason)
    .keep_prepared()
    .get_result(conn)
    .await?)
}

/// Marks a cancellation as late (after the session's cancellation deadline).
pub async fn mark_late(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<RegistrationRow, ApiError> {
    Ok(diesel::sql_query(format!(
        "UPDATE registrations SET cancelled_late = true WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .keep_prepared()
    .get_result(conn)
    .await?)
}

/// Records who approved a registration.
pub async fn set_approved_by(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    approved_by: &str,
) -> Result<(), ApiError> {
    diesel::sql_query("UPDATE registrations SET approved_by = $2 WHERE id = $1")
        .bind::<sql_types::Uuid, _>(id)
        .bind::<sql_types::Text, _>(approved_by)
        .keep_prepared()
        .execute(conn)
        .await?;
    Ok(())
}

/// Gives a waiting registration another place in the waiting list.
pub async fn set_position(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    position: i64,
) -> Result<RegistrationRow, ApiError> {
    Ok(diesel::sql_query(format!(
        "UPDATE registrations SET waitlist_position = $2, version = version + 1,              updated_at = now()          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::BigInt, _>(position).keep_prepared()
    .get_result(conn)
    .await?)
}

/// Filters of a registration list.
#[derive(Debug, Clone, Default)]
pub struct RegistrationFilter {
    pub session_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
}

/// One page of registrations in id order.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &RegistrationFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<RegistrationRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM registrations \
         WHERE ($1::uuid IS NULL OR session_id = $1) AND ($2::uuid IS NULL OR person_id = $2) \
           AND ($3::uuid IS NULL OR organization_id = $3) AND ($4::uuid IS NULL OR id > $4) \
         ORDER BY id LIMIT $5"
    ))
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(filter.session_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(filter.person_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(filter.organization_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after)
    .bind::<sql_types::BigInt, _>(limit + 1)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Sessions with an offer that expired before `now`.
pub async fn sessions_with_expired_offers(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, ApiError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = sql_types::Uuid)]
        session_id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(
        "SELECT DISTINCT session_id FROM registrations \
         WHERE state = 'offered' AND offered_until <= $1",
    )
    .bind::<sql_types::Timestamptz, _>(now)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.session_id).collect())
}

/// The expired offers of a session.
pub async fn expired_offers(
    conn: &mut AsyncPgConnection,
    session: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<RegistrationRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM registrations \
         WHERE session_id = $1 AND state = 'offered' AND offered_until <= $2 ORDER BY waitlist_position"
    ))
    .bind::<sql_types::Uuid, _>(session)
    .bind::<sql_types::Timestamptz, _>(now).keep_prepared()
    .load(conn)
    .await?)
}

/// The live registrations of a session (to end them with it).
pub async fn live_of_session(
    conn: &mut AsyncPgConnection,
    session: Uuid,
) -> Result<Vec<RegistrationRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM registrations WHERE session_id = $1 \
           AND state IN ('pending_approval', 'confirmed', 'waitlisted', 'offered') ORDER BY id"
    ))
    .bind::<sql_types::Uuid, _>(session)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// A confirmed participant as the participant list and the sign-in sheet show them.
#[derive(Debug, Clone, QueryableByName)]
pub struct ParticipantRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub given_name: String,
    #[diesel(sql_type = sql_types::Text)]
    pub family_name: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub email: Option<String>,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub organization_name: String,
    #[diesel(sql_type = sql_types::Text)]
    pub organization_kind: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub registered_at: chrono::DateTime<chrono::Utc>,
}

/// The confirmed participants of a session with names and organisations from the directory
/// copy, by family name, given name.
pub async fn participants(
    conn: &mut AsyncPgConnection,
    session: Uuid,
) -> Result<Vec<ParticipantRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT r.id AS registration_id, r.person_id, coalesce(p.given_name, '') AS given_name, \
                coalesce(p.family_name, '') AS family_name, p.email, r.organization_id, \
                coalesce(o.name, '') AS organization_name, r.organization_kind, \
                r.created_at AS registered_at \
         FROM registrations r \
         LEFT JOIN directory_people p ON p.id = r.person_id \
         LEFT JOIN directory_organizations o ON o.id = r.organization_id \
         WHERE r.session_id = $1 AND r.state = 'confirmed' \
         ORDER BY lower(coalesce(p.family_name, '')), lower(coalesce(p.given_name, '')), r.id",
    )
    .bind::<sql_types::Uuid, _>(session)
    .keep_prepared()
    .load(conn)
    .await?)
}
