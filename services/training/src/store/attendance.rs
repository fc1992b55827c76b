//! Attendance, its history, and completions.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct AttendanceRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = sql_types::Text)]
    pub status: String,
    #[diesel(sql_type = sql_types::Text)]
    pub recorded_by: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub recorded_at: DateTime<Utc>,
}

/// The recorded attendance of a session (one day, or all days), by day and registration.
pub async fn of_session(
    conn: &mut AsyncPgConnection,
    session: Uuid,
    day: Option<NaiveDate>,
) -> Result<Vec<AttendanceRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT registration_id, person_id, day, status, recorded_by, recorded_at FROM attendance \
         WHERE session_id = $1 AND ($2::date IS NULL OR day = $2) ORDER BY day, registration_id",
    )
    .bind::<sql_types::Uuid, _>(session)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(day)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// The recorded attendance of one registration.
pub async fn of_registration(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
) -> Result<Vec<AttendanceRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT registration_id, person_id, day, status, recorded_by, recorded_at FROM attendance \
         WHERE registration_id = $1 ORDER BY day",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Sets a status; records the change in the history. Returns whether it changed.
pub async fn set(
    conn: &mut AsyncPgConnection,
    session: Uuid,
    registration: Uuid,
    person: Uuid,
    day: NaiveDate,
    status: &str,
    recorded_by: &str,
) -> Result<bool, ApiError> {
    #[derive(QueryableByName)]
    struct Before {
        #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
        before: Option<String>,
    }
    let before: Before = diesel::sql_query(
        "SELECT (SELECT status FROM attendance WHERE registration_id = $1 AND day = $2) AS before",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .bind::<sql_types::Date, _>(day)
    .keep_prepared()
    .get_result(conn)
    .await?;
    if before.before.as_deref() == Some(status) {
        return Ok(false);
    }
    diesel::sql_query(
        "INSERT INTO attendance (registration_id, day, session_id, person_id, status, recorded_by) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (registration_id, day) DO UPDATE \
         SET status = $5, recorded_by = $6, recorded_at = now()",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .bind::<sql_types::Date, _>(day)
    .bind::<sql_types::Uuid, _>(session)
    .bind::<sql_types::Uuid, _>(person)
    .bind::<sql_types::Text, _>(status)
    .bind::<sql_types::Text, _>(recorded_by)
    .keep_prepared()
    .execute(conn)
    .await?;
    diesel::sql_query(
        "INSERT INTO attendance_history (registration_id, day, status_before, status_after, recorded_by) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .bind::<sql_types::Date, _>(day)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(before.before.as_deref())
    .bind::<sql_types::Text, _>(status)
    .bind::<sql_types::Text, _>(recorded_by).keep_prepared()
    .execute(conn)
    .await?;
    Ok(true)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct HistoryRow {
    #[diesel(sql_type = sql_types::Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub status_before: Option<String>,
    #[diesel(sql_type = sql_types::Text)]
    pub status_after: String,
    #[diesel(sql_type = sql_types::Text)]
    pub recorded_by: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub recorded_at: DateTime<Utc>,
}

pub async fn history(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
) -> Result<Vec<HistoryRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT day, status_before, status_after, recorded_by, recorded_at FROM attendance_history \
         WHERE registration_id = $1 ORDER BY day, id",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Records a completion; returns whether it is new.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
    person: Uuid,
    organization: Uuid,
    course: Uuid,
    session: Uuid,
    on: NaiveDate,
) -> Result<bool, ApiError> {
    let inserted = diesel::sql_query(
        "INSERT INTO completions (registration_id, person_id, organization_id, course_id, session_id, completed_on) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (registration_id) DO NOTHING",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .bind::<sql_types::Uuid, _>(person)
    .bind::<sql_types::Uuid, _>(organization)
    .bind::<sql_types::Uuid, _>(course)
    .bind::<sql_types::Uuid, _>(session)
    .bind::<sql_types::Date, _>(on).keep_prepared()
    .execute(conn)
    .await?;
    Ok(inserted == 1)
}

/// Takes a completion back; returns whether there was one.
pub async fn withdraw(conn: &mut AsyncPgConnection, registration: Uuid) -> Result<bool, ApiError> {
    let deleted = diesel::sql_query("DELETE FROM completions WHERE registration_id = $1")
        .bind::<sql_types::Uuid, _>(registration)
        .keep_prepared()
        .execute(conn)
        .await?;
    Ok(deleted == 1)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct CompletionRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub course_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub course_title: String,
    #[diesel(sql_type = sql_types::Text)]
    pub topic: String,
    #[diesel(sql_type = sql_types::Uuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = sql_types::Date)]
    pub completed_on: NaiveDate,
}

/// A person's completed courses, newest first.
pub async fn record_of(
    conn: &mut AsyncPgConnection,
    person: Uuid,
) -> Result<Vec<CompletionRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT c.registration_id, c.course_id, k.title AS course_title, k.topic, c.session_id, \
                c.completed_on \
         FROM completions c JOIN courses k ON k.id = c.course_id \
         WHERE c.person_id = $1 ORDER BY c.completed_on DESC, c.registration_id",
    )
    .bind::<sql_types::Uuid, _>(person)
    .keep_prepared()
    .load(conn)
    .await?)
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MakeUpRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = sql_types::Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = sql_types::Date)]
    pub made_up_on: NaiveDate,
    #[diesel(sql_type = sql_types::Text)]
    pub note: String,
    #[diesel(sql_type = sql_types::Text)]
    pub recorded_by: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub recorded_at: DateTime<Utc>,
}

/// Records the make-up of an excused day; returns the row and whether anything changed (a
/// repeated recording with the same content changes nothing).
pub async fn set_make_up(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
    day: NaiveDate,
    made_up_on: NaiveDate,
    note: &str,
    recorded_by: &str,
) -> Result<(MakeUpRow, bool), ApiError> {
    let changed: Vec<MakeUpRow> = diesel::sql_query(
        "INSERT INTO make_ups (registration_id, day, made_up_on, note, recorded_by) \
         VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (registration_id, day) DO UPDATE \
             SET made_up_on = $3, note = $4, recorded_by = $5, recorded_at = now() \
             WHERE make_ups.made_up_on <> $3 OR make_ups.note <> $4 \
         RETURNING registration_id, day, made_up_on, note, recorded_by, recorded_at",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .bind::<sql_types::Date, _>(day)
    .bind::<sql_types::Date, _>(made_up_on)
    .bind::<sql_types::Text, _>(note)
    .bind::<sql_types::Text, _>(recorded_by)
    .keep_prepared()
    .load(conn)
    .await?;
    if let Some(row) = changed.into_iter().next() {
        return Ok((row, true));
    }
    let rows = make_ups_of(conn, registration).await?;
    let row = rows
        .into_iter()
        .find(|r| r.day == day)
        .ok_or_else(|| ApiError::internal("the make-up vanished"))?;
    Ok((row, false))
}

/// The make-ups of a registration, by day.
pub async fn make_ups_of(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
) -> Result<Vec<MakeUpRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT registration_id, day, made_up_on, note, recorded_by, recorded_at FROM make_ups \
         WHERE registration_id = $1 ORDER BY day",
    )
    .bind::<sql_types::Uuid, _>(registration)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// A session a person was confirmed for and recorded absent on every day of (a no-show).
#[derive(Debug, Clone, QueryableByName)]
pub struct NoShowRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub course_title: String,
    #[diesel(sql_type = sql_types::Array<sql_types::Date>)]
    pub days: Vec<NaiveDate>,
}

/// A person's no-shows, newest first.
pub async fn no_shows_of(
    conn: &mut AsyncPgConnection,
    person: Uuid,
) -> Result<Vec<NoShowRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT s.id AS session_id, r.id AS registration_id, k.title AS course_title, s.days \
         FROM registrations r JOIN sessions s ON s.id = r.session_id \
         JOIN courses k ON k.id = s.course_id \
         WHERE r.person_id = $1 AND r.state = 'confirmed' AND s.state <> 'cancelled' \
           AND (SELECT count(*) FROM attendance a \
                WHERE a.registration_id = r.id AND a.status = 'absent') = cardinality(s.days) \
         ORDER BY s.days[1] DESC, s.id",
    )
    .bind::<sql_types::Uuid, _>(person)
    .keep_prepared()
    .load(conn)
    .await?)
}
