//! The region's calendar as stored: imported school holidays and Forum meetings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::schema::{forum_meetings, school_holidays};
use crate::domain::school_holidays::SchoolHoliday;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = school_holidays)]
pub struct SchoolHolidayRow {
    pub school_year: String,
    pub name: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// Replaces the holidays of one school year.
#[tracing::instrument(skip_all, fields(school_year = %school_year))]
pub async fn replace_school_year(
    conn: &mut AsyncPgConnection,
    school_year: &str,
    holidays: &[SchoolHoliday],
    imported_by: &str,
) -> Result<Vec<SchoolHolidayRow>, ApiError> {
    diesel::delete(school_holidays::table.filter(school_holidays::school_year.eq(school_year)))
        .execute(conn)
        .await?;
    let values: Vec<_> = holidays
        .iter()
        .map(|h| {
            (
                school_holidays::school_year.eq(school_year),
                school_holidays::name.eq(&h.name),
                school_holidays::start_on.eq(h.start),
                school_holidays::end_on.eq(h.end),
                school_holidays::imported_by.eq(imported_by),
            )
        })
        .collect();
    let mut rows: Vec<SchoolHolidayRow> = diesel::insert_into(school_holidays::table)
        .values(&values)
        .returning(SchoolHolidayRow::as_returning())
        .get_results(conn)
        .await?;
    rows.sort_by_key(|r| r.start_on);
    Ok(rows)
}

/// School holidays touching `from..=to` (all when both are open), by start.
#[tracing::instrument(skip_all)]
pub async fn school_holidays(
    mut conn: &AsyncPgConnection,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
) -> Result<Vec<SchoolHolidayRow>, ApiError> {
    let mut query = school_holidays::table
        .select(SchoolHolidayRow::as_select())
        .order((
            school_holidays::start_on.asc(),
            school_holidays::school_year.asc(),
        ))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(school_holidays::end_on.ge(from));
    }
    if let Some(to) = to {
        query = query.filter(school_holidays::start_on.le(to));
    }
    Ok(query.load(&mut conn).await?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = forum_meetings)]
pub struct ForumMeetingRow {
    pub meeting_id: Uuid,
    pub day: NaiveDate,
    pub title: String,
    pub cancelled: bool,
    pub synced_at: DateTime<Utc>,
}

/// Records a Forum meeting on its regional day (Europe/Berlin); a repeated event changes
/// nothing, and a meeting already known as cancelled stays cancelled.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn record_forum_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    starts_at: DateTime<Utc>,
    title: &str,
) -> Result<(), ApiError> {
    diesel::sql_query(
        "INSERT INTO forum_meetings (meeting_id, day, title) \
         VALUES ($1, ($2 AT TIME ZONE 'Europe/Berlin')::date, $3) \
         ON CONFLICT (meeting_id) DO NOTHING",
    )
    .bind::<diesel::sql_types::Uuid, _>(meeting_id)
    .bind::<diesel::sql_types::Timestamptz, _>(starts_at)
    .bind::<diesel::sql_types::Text, _>(title)
    .keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a Forum meeting cancelled (recording it, if its scheduling was never seen).
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn cancel_forum_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    starts_at: DateTime<Utc>,
) -> Result<(), ApiError> {
    diesel::sql_query(
        "INSERT INTO forum_meetings (meeting_id, day, title, cancelled) \
         VALUES ($1, ($2 AT TIME ZONE 'Europe/Berlin')::date, 'Forum', true) \
         ON CONFLICT (meeting_id) DO UPDATE SET cancelled = true, synced_at = now()",
    )
    .bind::<diesel::sql_types::Uuid, _>(meeting_id)
    .bind::<diesel::sql_types::Timestamptz, _>(starts_at)
    .keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// Forum meetings (not cancelled) on days in `from..=to`.
#[tracing::instrument(skip_all)]
pub async fn forum_meetings(
    mut conn: &AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<ForumMeetingRow>, ApiError> {
    Ok(forum_meetings::table
        .filter(forum_meetings::cancelled.eq(false))
        .filter(forum_meetings::day.between(from, to))
        .select(ForumMeetingRow::as_select())
        .order(forum_meetings::day.asc())
        .load(&mut conn)
        .await?)
}

/// A dialogue as a calendar screen shows it.
#[derive(Debug, Clone, diesel::QueryableByName)]
pub struct CalendarRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub day: NaiveDate,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub starts_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    pub ends_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub host_organization_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub host_name: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub place: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    pub flagged: Option<String>,
    /// Guests who did not decline.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub guests: i64,
    /// Hosts of the cycle still without a date (the same on every row).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub unscheduled: i64,
}

/// The dialogues of a cycle with a date in `from..=to`, by date, in one statement with the
/// number of dialogues still without a date; no rows when none has a date in the range (ask
/// [`unscheduled`] then).
#[tracing::instrument(skip_all, fields(cycle_id = %cycle))]
pub async fn calendar(
    mut conn: &AsyncPgConnection,
    cycle: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<CalendarRow>, ApiError> {
    use diesel::sql_types;
    Ok(diesel::sql_query(
        "SELECT d.id, d.day, d.starts_at, d.ends_at, d.state, h.organization_id AS host_organization_id, \
                coalesce(o.name, '') AS host_name, d.place, d.flagged, \
                (SELECT count(*) FROM dialogue_guests g \
                 WHERE g.dialogue_id = d.id AND g.response <> 'declined') AS guests, \
                (SELECT count(*) FROM dialogues u \
                 WHERE u.cycle_id = $1 AND u.state = 'unscheduled') AS unscheduled \
         FROM dialogues d JOIN hosts h ON h.id = d.host_id \
         LEFT JOIN directory_organizations o ON o.id = h.organization_id \
         WHERE d.cycle_id = $1 AND d.day BETWEEN $2 AND $3 \
         ORDER BY d.day, d.starts_at, d.id",
    )
    .bind::<sql_types::Uuid, _>(cycle)
    .bind::<sql_types::Date, _>(from)
    .bind::<sql_types::Date, _>(to).keep_prepared()
    .load(&mut conn)
    .await?)
}

/// Records a training session's days as scheduled or changed: the newest version wins (a
/// repeated or older event changes nothing), and a session cancelled before stays cancelled.
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn record_training_session(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    days: &[NaiveDate],
    title: &str,
    version: i32,
) -> Result<(), ApiError> {
    diesel::sql_query(
        "INSERT INTO training_sessions (session_id, days, title, version) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (session_id) DO UPDATE \
             SET days = EXCLUDED.days, title = EXCLUDED.title, version = EXCLUDED.version, \
                 synced_at = now() \
             WHERE training_sessions.version < EXCLUDED.version \
               AND NOT training_sessions.cancelled",
    )
    .bind::<diesel::sql_types::Uuid, _>(session_id)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Date>, _>(days)
    .bind::<diesel::sql_types::Text, _>(title)
    .bind::<diesel::sql_types::Integer, _>(version.max(1))
    .keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// Marks a training session cancelled (recording it, if its scheduling was never seen).
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn cancel_training_session(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    days: &[NaiveDate],
) -> Result<(), ApiError> {
    diesel::sql_query(
        "INSERT INTO training_sessions (session_id, days, title, cancelled) \
         VALUES ($1, $2, 'Schulung', true) \
         ON CONFLICT (session_id) DO UPDATE SET cancelled = true, synced_at = now()",
    )
    .bind::<diesel::sql_types::Uuid, _>(session_id)
    .bind::<diesel::sql_types::Array<diesel::sql_types::Date>, _>(days)
    .keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// Days of training sessions (not cancelled) in `from..=to`: day, session, title.
#[tracing::instrument(skip_all)]
pub async fn training_days(
    mut conn: &AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<(NaiveDate, Uuid, String)>, ApiError> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Date)]
        day: NaiveDate,
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        session_id: Uuid,
        #[diesel(sql_type = diesel::sql_types::Text)]
        title: String,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT d.day, t.session_id, t.title FROM training_sessions t, unnest(t.days) AS d(day) \
         WHERE NOT t.cancelled AND d.day BETWEEN $1 AND $2 ORDER BY d.day, t.session_id",
    )
    .bind::<diesel::sql_types::Date, _>(from)
    .bind::<diesel::sql_types::Date, _>(to)
    .keep_prepared()
    .load(&mut conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.day, r.session_id, r.title))
        .collect())
}
