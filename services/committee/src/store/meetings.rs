use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::code;
use super::schema::{
    agenda_items, committee_people, meeting_attendance, meetings, memberships, oparl_tombstones,
};
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
    pub minutes: Option<String>,
    pub invitations_sent_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agenda_items)]
pub struct AgendaItemRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub position: i32,
    pub title: String,
    pub public: bool,
    pub topic_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = meeting_attendance)]
pub struct AttendanceRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub name: Option<String>,
    pub status: String,
}

pub struct NewMeeting<'a> {
    pub body_id: Uuid,
    pub title: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: &'a str,
    pub public: bool,
}

#[tracing::instrument(skip_all, fields(body_id = %new.body_id))]
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

#[tracing::instrument(skip_all, fields(meeting_id = %id))]
pub async fn find(mut conn: &AsyncPgConnection, id: Uuid) -> Result<Option<MeetingRow>, ApiError> {
    Ok(meetings::table
        .filter(meetings::id.eq(id))
        .select(MeetingRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(meeting_id = %id))]
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
/// One page of a body's meetings in time order (`limit + 1` rows: the extra one tells that
/// more follow), from `from` on, after the cursor position `after`.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn of_body(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    from: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<MeetingRow>, ApiError> {
    let mut query = meetings::table
        .filter(meetings::body_id.eq(body_id))
        .select(MeetingRow::as_select())
        .order((meetings::starts_at.asc(), meetings::id.asc()))
        .limit(limit.saturating_add(1))
        .into_boxed();
    if let Some(from) = from {
        query = query.filter(meetings::starts_at.ge(from));
    }
    if let Some((starts_at, id)) = after {
        query = query.filter(
            meetings::starts_at
                .gt(starts_at)
                .or(meetings::starts_at.eq(starts_at).and(meetings::id.gt(id))),
        );
    }
    Ok(query.load(conn).await?)
}

/// Records a change of the meeting (state or agenda): new state if given, next version.
#[tracing::instrument(skip_all, fields(meeting_id = %id))]
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

#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn agenda(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> Result<Vec<AgendaItemRow>, ApiError> {
    agendas(conn, &[meeting_id]).await
}

/// The agendas of several meetings, each in order.
#[tracing::instrument(skip_all, fields(meetings = meeting_ids.len()))]
pub async fn agendas(
    mut conn: &AsyncPgConnection,
    meeting_ids: &[Uuid],
) -> Result<Vec<AgendaItemRow>, ApiError> {
    Ok(agenda_items::table
        .filter(agenda_items::meeting_id.eq_any(meeting_ids))
        .select(AgendaItemRow::as_select())
        .order((agenda_items::meeting_id, agenda_items::position.asc()))
        .load(&mut conn)
        .await?)
}

/// The attendance of several meetings, present first within each.
#[tracing::instrument(skip_all, fields(meetings = meeting_ids.len()))]
pub async fn attendances(
    mut conn: &AsyncPgConnection,
    meeting_ids: &[Uuid],
) -> Result<Vec<AttendanceRow>, ApiError> {
    Ok(meeting_attendance::table
        .filter(meeting_attendance::meeting_id.eq_any(meeting_ids))
        .select(AttendanceRow::as_select())
        .order((
            meeting_attendance::meeting_id,
            meeting_attendance::status.desc(),
            meeting_attendance::id.asc(),
        ))
        .load(&mut conn)
        .await?)
}

/// Appends an item at the end of the agenda; `topic_id` when it carries a topic.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id, topic_id = ?topic_id))]
pub async fn add_item(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    title: &str,
    public: bool,
    topic_id: Option<Uuid>,
) -> Result<AgendaItemRow, ApiError> {
    let last: Option<i32> = agenda_items::table
        .filter(agenda_items::meeting_id.eq(meeting_id))
        .select(diesel::dsl::max(agenda_items::position))
        .first(conn)
        .await?;
    let position = last
        .unwrap_or(0)
        .checked_add(1)
        .ok_or_else(|| ApiError::internal("agenda position overflow"))?;
    Ok(diesel::insert_into(agenda_items::table)
        .values((
            agenda_items::id.eq(Uuid::now_v7()),
            agenda_items::meeting_id.eq(meeting_id),
            agenda_items::position.eq(position),
            agenda_items::title.eq(title),
            agenda_items::public.eq(public),
            agenda_items::topic_id.eq(topic_id),
        ))
        .returning(AgendaItemRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Puts the items in the given order (positions 1..n); the caller checked it is a permutation.
/// Items whose position changes count as modified.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn reorder(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    order: &[Uuid],
) -> Result<(), ApiError> {
    diesel::sql_query("SET CONSTRAINTS agenda_items_meeting_id_position_key DEFERRED")
        .keep_prepared()
        .execute(conn)
        .await?;
    for (id, position) in order.iter().zip(1_i32..) {
        diesel::update(
            agenda_items::table
                .filter(agenda_items::meeting_id.eq(meeting_id))
                .filter(agenda_items::id.eq(id))
                .filter(agenda_items::position.ne(position)),
        )
        .set((
            agenda_items::position.eq(position),
            agenda_items::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Removes an item and returns it; a public item of a public meeting leaves a tombstone for
/// the OParl interface.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting.id, item_id = %item_id))]
pub async fn remove_item(
    conn: &mut AsyncPgConnection,
    meeting: &MeetingRow,
    item_id: Uuid,
) -> Result<Option<AgendaItemRow>, ApiError> {
    let removed: Option<AgendaItemRow> = diesel::delete(
        agenda_items::table
            .filter(agenda_items::meeting_id.eq(meeting.id))
            .filter(agenda_items::id.eq(item_id)),
    )
    .returning(AgendaItemRow::as_returning())
    .get_result(conn)
    .await
    .optional()?;
    if let Some(item) = &removed
        && item.public
        && meeting.public
    {
        diesel::insert_into(oparl_tombstones::table)
            .values((
                oparl_tombstones::kind.eq("AgendaItem"),
                oparl_tombstones::id.eq(item.id),
                oparl_tombstones::created_at.eq(item.created_at),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(removed)
}

/// The recorded attendance, present first.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn attendance(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> Result<Vec<AttendanceRow>, ApiError> {
    attendances(conn, &[meeting_id]).await
}

/// One attendance entry to record.
pub struct NewAttendance<'a> {
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub name: Option<&'a str>,
    pub status: &'a str,
}

/// Replaces the whole attendance list of a meeting.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id, entries = entries.len()))]
pub async fn replace_attendance(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    entries: &[NewAttendance<'_>],
) -> Result<(), ApiError> {
    diesel::delete(meeting_attendance::table.filter(meeting_attendance::meeting_id.eq(meeting_id)))
        .execute(conn)
        .await?;
    for entry in entries {
        diesel::insert_into(meeting_attendance::table)
            .values((
                meeting_attendance::id.eq(Uuid::now_v7()),
                meeting_attendance::meeting_id.eq(meeting_id),
                meeting_attendance::person_id.eq(entry.person_id),
                meeting_attendance::organization_id.eq(entry.organization_id),
                meeting_attendance::name.eq(entry.name),
                meeting_attendance::status.eq(entry.status),
            ))
            .execute(conn)
            .await?;
    }
    Ok(())
}

#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn set_minutes(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    text: &str,
) -> Result<(), ApiError> {
    diesel::update(meetings::table.filter(meetings::id.eq(meeting_id)))
        .set(meetings::minutes.eq(Some(text)))
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn mark_invitations_sent(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> Result<(), ApiError> {
    diesel::update(meetings::table.filter(meetings::id.eq(meeting_id)))
        .set(meetings::invitations_sent_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// A seat of a body on a day, with the person's name and e-mail when the directory sent them.
#[derive(Debug, Queryable)]
pub struct Seat {
    pub person_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub role: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
}

/// Seats of a body on a day.
#[tracing::instrument(skip_all, fields(body_id = %body_id, day = %day))]
pub async fn seats_on(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    day: chrono::NaiveDate,
) -> Result<Vec<Seat>, ApiError> {
    Ok(memberships::table
        .left_join(
            committee_people::table.on(memberships::person_id.eq(committee_people::id.nullable())),
        )
        .filter(memberships::body_id.eq(body_id))
        .filter(memberships::start_on.le(day))
        .filter(
            memberships::end_on
                .is_null()
                .or(memberships::end_on.ge(day)),
        )
        .select((
            memberships::person_id,
            memberships::organization_id,
            memberships::role,
            committee_people::given_name.nullable(),
            committee_people::family_name.nullable(),
            committee_people::email.nullable(),
        ))
        .order((memberships::role.asc(), memberships::id.asc()))
        .load(conn)
        .await?)
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
#[tracing::instrument(skip_all, fields(from_year = %from_year, to_year = %to_year))]
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
    .keep_prepared()
    .load(conn)
    .await?)
}
