//! Sessions with their seat counts.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{OptionalExtension, QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use crate::domain::seats::SeatRules;
use crate::domain::sessions::SessionDraft;

/// A session with its course's title and topic and what its registrations hold.
#[derive(Debug, Clone, QueryableByName)]
pub struct SessionRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub course_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Text)]
    pub topic: String,
    #[diesel(sql_type = sql_types::Array<sql_types::Date>)]
    pub days: Vec<NaiveDate>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub place: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub online_url: Option<String>,
    #[diesel(sql_type = sql_types::Int4)]
    pub capacity: i32,
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    pub trainers: Vec<Uuid>,
    #[diesel(sql_type = sql_types::Date)]
    pub registration_opens_on: NaiveDate,
    #[diesel(sql_type = sql_types::Date)]
    pub registration_closes_on: NaiveDate,
    #[diesel(sql_type = sql_types::Date)]
    pub cancellation_deadline: NaiveDate,
    #[diesel(sql_type = sql_types::Int4)]
    pub min_youth_office_seats: i32,
    #[diesel(sql_type = sql_types::Int4)]
    pub min_institution_seats: i32,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Date>)]
    pub reserved_until: Option<NaiveDate>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Int4>)]
    pub max_per_organization: Option<i32>,
    #[diesel(sql_type = sql_types::Int4)]
    pub offer_hours: i32,
    #[diesel(sql_type = sql_types::Bool)]
    pub requires_approval: bool,
    #[diesel(sql_type = sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub cancel_reason: Option<String>,
    /// The expert-day proposal (Forum decision or dialogue finding) it was scheduled from.
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub proposal_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::BigInt)]
    pub confirmed: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub offered: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub waitlisted: i64,
    /// Seats confirmed or offered to youth-office staff, and to institution staff.
    #[diesel(sql_type = sql_types::BigInt)]
    pub youth_office_taken: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub institution_taken: i64,
    #[diesel(sql_type = sql_types::Int4)]
    pub version: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

impl SessionRow {
    pub fn seat_rules(&self) -> SeatRules {
        SeatRules {
            capacity: i64::from(self.capacity),
            min_youth_office: i64::from(self.min_youth_office_seats),
            min_institution: i64::from(self.min_institution_seats),
            reserved_until: self.reserved_until,
            max_per_organization: self.max_per_organization.map(i64::from),
        }
    }

    /// Seats neither confirmed nor held by an offer.
    pub fn free_seats(&self) -> i64 {
        (i64::from(self.capacity) - self.confirmed - self.offered).max(0)
    }

    pub fn last_day(&self) -> NaiveDate {
        self.days
            .last()
            .copied()
            .unwrap_or(self.registration_closes_on)
    }
}

const SELECT: &str = "\
    SELECT s.id, s.course_id, c.title, c.topic, s.days, s.place, s.online_url, s.capacity, \
           s.trainers, s.registration_opens_on, s.registration_closes_on, \
           s.cancellation_deadline, s.min_youth_office_seats, s.min_institution_seats, \
           s.reserved_until, s.max_per_organization, s.offer_hours, s.requires_approval, s.state, s.cancel_reason, \
           s.proposal_id, \
           (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.state = 'confirmed') AS confirmed, \
           (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.state = 'offered') AS offered, \
           (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.state = 'waitlisted') AS waitlisted, \
           (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.state IN ('confirmed', 'offered') \
              AND r.organization_kind = 'youth_office') AS youth_office_taken, \
           (SELECT count(*) FROM registrations r WHERE r.session_id = s.id AND r.state IN ('confirmed', 'offered') \
              AND r.organization_kind = 'institution') AS institution_taken, \
           s.version, s.created_at, s.updated_at \
    FROM sessions s JOIN courses c ON c.id = s.course_id";

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &SessionDraft,
) -> Result<(), ApiError> {
    diesel::sql_query(
        "INSERT INTO sessions (id, course_id, days, place, online_url, capacity, trainers, \
             registration_opens_on, registration_closes_on, cancellation_deadline, \
             min_youth_office_seats, min_institution_seats, reserved_until, \
             max_per_organization, offer_hours, proposal_id, requires_approval) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
    )
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Uuid, _>(draft.course_id)
    .bind::<sql_types::Array<sql_types::Date>, _>(&draft.days)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(draft.place.as_deref())
    .bind::<sql_types::Nullable<sql_types::Text>, _>(draft.online_url.as_deref())
    .bind::<sql_types::Int4, _>(draft.capacity)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&draft.trainers)
    .bind::<sql_types::Date, _>(draft.registration_opens_on)
    .bind::<sql_types::Date, _>(draft.registration_closes_on)
    .bind::<sql_types::Date, _>(draft.cancellation_deadline)
    .bind::<sql_types::Int4, _>(draft.min_youth_office_seats)
    .bind::<sql_types::Int4, _>(draft.min_institution_seats)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(draft.reserved_until)
    .bind::<sql_types::Nullable<sql_types::Int4>, _>(draft.max_per_organization)
    .bind::<sql_types::Int4, _>(draft.offer_hours)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(draft.proposal_id)
    .bind::<sql_types::Bool, _>(draft.requires_approval)
    .keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a changed session (everything but its course and proposal) and raises its version.
#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &SessionDraft,
) -> Result<(), ApiError> {
    diesel::sql_query(
        "UPDATE sessions SET days = $2, place = $3, online_url = $4, capacity = $5, \
             trainers = $6, registration_opens_on = $7, registration_closes_on = $8, \
             cancellation_deadline = $9, min_youth_office_seats = $10, \
             min_institution_seats = $11, reserved_until = $12, max_per_organization = $13, \
             offer_hours = $14, requires_approval = $15, version = version + 1, \
             updated_at = now() \
         WHERE id = $1",
    )
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Array<sql_types::Date>, _>(&draft.days)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(draft.place.as_deref())
    .bind::<sql_types::Nullable<sql_types::Text>, _>(draft.online_url.as_deref())
    .bind::<sql_types::Int4, _>(draft.capacity)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&draft.trainers)
    .bind::<sql_types::Date, _>(draft.registration_opens_on)
    .bind::<sql_types::Date, _>(draft.registration_closes_on)
    .bind::<sql_types::Date, _>(draft.cancellation_deadline)
    .bind::<sql_types::Int4, _>(draft.min_youth_office_seats)
    .bind::<sql_types::Int4, _>(draft.min_institution_seats)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(draft.reserved_until)
    .bind::<sql_types::Nullable<sql_types::Int4>, _>(draft.max_per_organization)
    .bind::<sql_types::Int4, _>(draft.offer_hours)
    .bind::<sql_types::Bool, _>(draft.requires_approval)
    .keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(session_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<SessionRow>, ApiError> {
    Ok(diesel::sql_query(format!("{SELECT} WHERE s.id = $1"))
        .bind::<sql_types::Uuid, _>(id)
        .keep_prepared()
        .get_result(conn)
        .await
        .optional()?)
}

/// Locks the session's row (every change of its registrations takes this lock first, so
/// seat decisions never overlap) and reads it in the same statement. The seat counts are not
/// read here (they come back as 0): the writers count what they need under the lock.
#[tracing::instrument(skip_all, fields(session_id = %id))]
///
/// Takes the connection shared, so that statements meant to run right after the lock can be
/// pipelined with it (the server runs them in order, once the lock is held).
pub async fn lock(conn: &AsyncPgConnection, id: Uuid) -> Result<Option<SessionRow>, ApiError> {
    let mut conn = conn;
    Ok(diesel::sql_query(
        "SELECT s.id, s.course_id, c.title, c.topic, s.days, s.place, s.online_url, s.capacity, \
                s.trainers, s.registration_opens_on, s.registration_closes_on, \
                s.cancellation_deadline, s.min_youth_office_seats, s.min_institution_seats, \
                s.reserved_until, s.max_per_organization, s.offer_hours, s.requires_approval, \
                s.state, s.cancel_reason, s.proposal_id, 0::bigint AS confirmed, 0::bigint AS offered, 0::bigint AS waitlisted, \
                0::bigint AS youth_office_taken, 0::bigint AS institution_taken, \
                s.version, s.created_at, s.updated_at \
         FROM sessions s JOIN courses c ON c.id = s.course_id WHERE s.id = $1 FOR UPDATE OF s",
    )
    .bind::<sql_types::Uuid, _>(id).keep_prepared()
    .get_result(&mut conn)
    .await
    .optional()?)
}

/// Filters of the session list.
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    pub course_id: Option<Uuid>,
    /// Sessions whose last day is on or after this day.
    pub from: Option<NaiveDate>,
}

/// One page of sessions in id order.
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &SessionFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<SessionRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "{SELECT} WHERE ($1::uuid IS NULL OR s.course_id = $1) \
           AND ($2::date IS NULL OR s.days[cardinality(s.days)] >= $2) \
           AND ($3::uuid IS NULL OR s.id > $3) ORDER BY s.id LIMIT $4"
    ))
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(filter.course_id)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(filter.from)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after)
    .bind::<sql_types::BigInt, _>(limit + 1)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Calls a session off.
pub async fn cancel(conn: &mut AsyncPgConnection, id: Uuid, reason: &str) -> Result<(), ApiError> {
    diesel::sql_query(
        "UPDATE sessions SET state = 'cancelled', cancel_reason = $2, version = version + 1, \
             updated_at = now() WHERE id = $1",
    )
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Text, _>(reason)
    .keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}
