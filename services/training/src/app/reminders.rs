//! Reminders before a session: 7 days and 1 day before its first day, once each, as events
//! with the confirmed participants (delivery is another system's job).

use diesel::{QueryableByName, sql_types};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use qmf_contracts::training::{ReminderDueV1, SessionParticipant, TrainingEvent};
use qmf_platform::db::KeepPrepared;
use qmf_platform::{ApiError, ApiResult, DbPool};
use uuid::Uuid;

use super::today;
use crate::store::sessions as session_store;

/// Days before the first day on which reminders go out, latest first: when a session is
/// scheduled late, only the nearest reminder goes.
pub const REMINDERS: [i32; 2] = [1, 7];

#[derive(QueryableByName)]
struct Due {
    #[diesel(sql_type = sql_types::Uuid)]
    session_id: Uuid,
    #[diesel(sql_type = sql_types::Int4)]
    days_before: i32,
}

#[derive(QueryableByName)]
struct ParticipantRow {
    #[diesel(sql_type = sql_types::Uuid)]
    person_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    organization_id: Uuid,
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    leaders: Vec<Uuid>,
}

/// Publishes every reminder that is due and not yet sent, each session in its own
/// transaction; returns how many went out.
#[tracing::instrument(skip_all)]
pub async fn remind(pool: &DbPool) -> ApiResult<usize> {
    let mut conn = pool.get().await?;
    let today = today();
    // The nearest reminder whose day has come, for sessions not begun; an earlier one that
    // was missed (a late scheduling, a stopped service) is not sent after a later one.
    let due: Vec<Due> = diesel::sql_query(
        "SELECT s.id AS session_id, r.days_before FROM sessions s \
         CROSS JOIN LATERAL (SELECT min(d) AS days_before FROM unnest($2::int[]) AS d \
                             WHERE s.days[1] - d <= $1) r \
         WHERE s.state = 'scheduled' AND s.days[1] > $1 AND r.days_before IS NOT NULL \
           AND NOT EXISTS (SELECT 1 FROM reminders_sent x \
                           WHERE x.session_id = s.id AND x.days_before <= r.days_before) \
         ORDER BY s.id",
    )
    .bind::<sql_types::Date, _>(today)
    .bind::<sql_types::Array<sql_types::Int4>, _>(REMINDERS.to_vec())
    .keep_prepared()
    .load(&mut conn)
    .await?;
    let mut sent = 0;
    for item in due {
        sent += conn
            .transaction::<_, ApiError, _>(async |conn| {
                send(conn, item.session_id, item.days_before).await
            })
            .await?;
    }
    Ok(sent)
}

/// Sends one reminder under the session's lock, unless it went out meanwhile.
async fn send(
    conn: &mut AsyncPgConnection,
    session_id: Uuid,
    days_before: i32,
) -> ApiResult<usize> {
    let Some(session) = session_store::lock(conn, session_id).await? else {
        return Ok(0);
    };
    let recorded = diesel::sql_query(
        "INSERT INTO reminders_sent (session_id, days_before, participants) \
         SELECT $1, $2, count(*) FROM registrations WHERE session_id = $1 AND state = 'confirmed' \
         ON CONFLICT DO NOTHING",
    )
    .bind::<sql_types::Uuid, _>(session_id)
    .bind::<sql_types::Int4, _>(days_before)
    .keep_prepared()
    .execute(conn)
    .await?;
    if recorded == 0 {
        return Ok(0);
    }
    let participants: Vec<ParticipantRow> = diesel::sql_query(
        "SELECT r.person_id, r.organization_id, \
                coalesce((SELECT array_agg(p.id ORDER BY p.id) FROM directory_people p \
                          WHERE p.organization_id = r.organization_id AND p.active \
                            AND 'leader' = ANY (p.functions) AND p.id <> r.person_id), \
                         '{}') AS leaders \
         FROM registrations r WHERE r.session_id = $1 AND r.state = 'confirmed' \
         ORDER BY r.person_id",
    )
    .bind::<sql_types::Uuid, _>(session_id)
    .keep_prepared()
    .load(conn)
    .await?;
    let event = TrainingEvent::ReminderDue(ReminderDueV1 {
        session_id,
        course_id: session.course_id,
        title: session.title.clone(),
        first_day: session
            .days
            .iter()
            .min()
            .copied()
            .unwrap_or(session.registration_closes_on),
        days_before,
        place: session.place.clone(),
        online: session.online_url.is_some(),
        participants: participants
            .into_iter()
            .map(|p| SessionParticipant {
                person_id: p.person_id,
                organization_id: p.organization_id,
                leaders: p.leaders,
            })
            .collect(),
    });
    qmf_events::publish(conn, &event).await?;
    Ok(1)
}
