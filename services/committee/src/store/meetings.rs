use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::code;
use super::schema::{agenda_items, meetings};
use crate::domain::meetings::MeetingState;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = meetings)]
pub struct MeetingRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub public: bool,
    pub state: String,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agenda_items)]
pub struct AgendaItemRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub position: i32,
    pub title: String,
    pub public: bool,
}

pub struct NewMeeting<'a> {
    pub body_id: Uuid,
    pub title: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: &'a str,
    pub public: bool,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: NewMeeting<'_>,
) -> Result<MeetingRow, ApiError> {
    Ok(diesel::insert_into(meetings::table)
        .values((
            meetings::id.eq(Uuid::now_v7()),
            meetings::body_id.eq(new.body_id),
            meetings::title.eq(new.title),
            meetings::starts_at.eq(new.starts_at),
            meetings::ends_at.eq(new.ends_at),
            meetings::place.eq(new.place),
            meetings::public.eq(new.public),
        ))
        .returning(MeetingRow::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<MeetingRow>, ApiError> {
    Ok(meetings::table
        .filter(meetings::id.eq(id))
        .select(MeetingRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<MeetingRow>, ApiError> {
    Ok(meetings::table
        .filter(meetings::id.eq(id))
        .select(MeetingRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Meetings of a body in time order.
pub async fn of_body(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
) -> Result<Vec<MeetingRow>, ApiError> {
    Ok(meetings::table
        .filter(meetings::body_id.eq(body_id))
        .select(MeetingRow::as_select())
        .order((meetings::starts_at.asc(), meetings::id.asc()))
        .load(conn)
        .await?)
}

/// Records a change of the meeting (state or agenda): new state if given, next version.
pub async fn touch(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: Option<MeetingState>,
) -> Result<MeetingRow, ApiError> {
    let current = meetings::table.filter(meetings::id.eq(id));
    let row = match state {
        Some(state) => {
            diesel::update(current)
                .set((
                    meetings::state.eq(code(&state)),
                    meetings::version.eq(meetings::version + 1),
                    meetings::updated_at.eq(diesel::dsl::now),
                ))
                .returning(MeetingRow::as_returning())
                .get_result(conn)
                .await?
        }
        None => {
            diesel::update(current)
                .set((
                    meetings::version.eq(meetings::version + 1),
                    meetings::updated_at.eq(diesel::dsl::now),
                ))
                .returning(MeetingRow::as_returning())
                .get_result(conn)
                .await?
        }
    };
    Ok(row)
}

pub async fn agenda(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> Result<Vec<AgendaItemRow>, ApiError> {
    Ok(agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .select(AgendaItemRow::as_select())
        .order(agenda_items::position.asc())
        .load(conn)
        .await?)
}

/// Appends an item at the end of the agenda.
pub async fn add_item(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    title: &str,
    public: bool,
) -> Result<AgendaItemRow, ApiError> {
    let last: Option<i32> = agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .select(diesel::dsl::max(agenda_items::position))
        .first(conn)
        .await?;
    Ok(diesel::insert_into(agenda_items::table)
        .values((
            agenda_items::id.eq(Uuid::now_v7()),
            agenda_items::meeting_id.eq(meeting_id),
            agenda_items::position.eq(last.unwrap_or(0) + 1),
            agenda_items::title.eq(title),
            agenda_items::public.eq(public),
        ))
        .returning(AgendaItemRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Puts the items in the given order (positions 1..n); the caller checked it is a permutation.
pub async fn reorder(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    order: &[Uuid],
) -> Result<(), ApiError> {
    diesel::sql_query("SET CONSTRAINTS agenda_items_meeting_id_position_key DEFERRED")
        .execute(conn)
        .await?;
    for (i, id) in order.iter().enumerate() {
        diesel::update(
            agenda_items::table
                .filter(agenda_items::meeting_id.eq(meeting_id))
                .filter(agenda_items::id.eq(id)),
        )
        .set(agenda_items::position.eq(i as i32 + 1))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Removes an item; returns whether it existed.
pub async fn remove_item(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    item_id: Uuid,
) -> Result<bool, ApiError> {
    Ok(diesel::delete(
        agenda_items::table
            .filter(agenda_items::meeting_id.eq(meeting_id))
            .filter(agenda_items::id.eq(item_id)),
    )
    .execute(conn)
    .await?
        > 0)
}

#[derive(Debug, diesel::QueryableByName)]
pub struct YearCount {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub year: i32,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub planned: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub held: i64,
}

/// Forum meetings per year (Europe/Berlin calendar years): planned (not cancelled) and held.
pub async fn forum_counts(
    conn: &mut AsyncPgConnection,
    from_year: i32,
    to_year: i32,
) -> Result<Vec<YearCount>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT y.year, \
                count(m.id) FILTER (WHERE m.state <> 'cancelled') AS planned, \
                count(m.id) FILTER (WHERE m.state IN ('held', 'minutes_approved')) AS held \
         FROM generate_series($1::int, $2::int) AS y(year) \
         LEFT JOIN meetings m ON m.body_id = (SELECT id FROM bodies WHERE kind = 'forum') \
              AND extract(year FROM m.starts_at AT TIME ZONE 'Europe/Berlin')::int = y.year \
         GROUP BY y.year ORDER BY y.year",
    )
    .bind::<diesel::sql_types::Integer, _>(from_year)
    .bind::<diesel::sql_types::Integer, _>(to_year)
    .load(conn)
    .await?)
}
