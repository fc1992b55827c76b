//! Dialogues: their date, guests and history, and what surrounds a date in the region.

use qmf_platform::db::KeepPrepared;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::schema::{dialogue_guests, dialogue_history, dialogues};
use crate::domain::dialogues::{Org, ScheduleDraft};

/// States in which a dialogue occupies its day.
pub const ON_THE_CALENDAR: &str = "('scheduled', 'invited', 'held', 'documented', 'evaluated')";

/// A dialogue with its host and guests.
#[derive(Debug, Clone, QueryableByName)]
pub struct DialogueRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub cycle_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub host_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub host_organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub host_name: String,
    #[diesel(sql_type = sql_types::Text)]
    pub host_kind: String,
    #[diesel(sql_type = sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Date>)]
    pub day: Option<NaiveDate>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub starts_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub ends_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub place: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub flagged: Option<String>,
    #[diesel(sql_type = sql_types::Int4)]
    pub version: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    pub representatives: Vec<Uuid>,
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    pub guest_ids: Vec<Uuid>,
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    pub guest_organizations: Vec<Uuid>,
    #[diesel(sql_type = sql_types::Array<sql_types::Text>)]
    pub guest_responses: Vec<String>,
}

const SELECT_DIALOGUES: &str = "\
    SELECT d.id, d.cycle_id, d.host_id, h.organization_id AS host_organization_id, \
           coalesce(o.name, '') AS host_name, coalesce(o.kind, '') AS host_kind, \
           d.state, d.day, d.starts_at, d.ends_at, d.place, d.flagged, d.version, d.updated_at, \
           coalesce((SELECT array_agg(r.person_id ORDER BY r.person_id) \
                     FROM host_representatives r WHERE r.host_id = h.id), '{}') AS representatives, \
           coalesce((SELECT array_agg(g.person_id ORDER BY g.person_id) \
                     FROM dialogue_guests g WHERE g.dialogue_id = d.id), '{}') AS guest_ids, \
           coalesce((SELECT array_agg(g.organization_id ORDER BY g.person_id) \
                     FROM dialogue_guests g WHERE g.dialogue_id = d.id), '{}') AS guest_organizations, \
           coalesce((SELECT array_agg(g.response ORDER BY g.person_id) \
                     FROM dialogue_guests g WHERE g.dialogue_id = d.id), '{}') AS guest_responses \
    FROM dialogues d \
    JOIN hosts h ON h.id = d.host_id \
    LEFT JOIN directory_organizations o ON o.id = h.organization_id";

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<DialogueRow>, ApiError> {
    Ok(
        diesel::sql_query(format!("{SELECT_DIALOGUES} WHERE d.id = $1"))
            .bind::<sql_types::Uuid, _>(id)
            .keep_prepared()
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// Locks a dialogue's row; its current state as [`find`] reads it.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<DialogueRow>, ApiError> {
    let locked: Option<Uuid> = dialogues::table
        .find(id)
        .select(dialogues::id)
        .for_update()
        .first(conn)
        .await
        .optional()?;
    match locked {
        Some(id) => find(conn, id).await,
        None => Ok(None),
    }
}

/// Filters of a cycle's dialogue list.
#[derive(Debug, Clone, Default)]
pub struct DialogueFilter {
    pub state: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// One page of a cycle's dialogues in id order.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    filter: &DialogueFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<DialogueRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "{SELECT_DIALOGUES} WHERE d.cycle_id = $1 \
           AND ($2::text IS NULL OR d.state = $2) \
           AND ($3::date IS NULL OR d.day >= $3) \
           AND ($4::date IS NULL OR d.day <= $4) \
           AND ($5::uuid IS NULL OR d.id > $5) \
         ORDER BY d.id LIMIT $6"
    ))
    .bind::<sql_types::Uuid, _>(cycle_id)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(filter.state.as_deref())
    .bind::<sql_types::Nullable<sql_types::Date>, _>(filter.from)
    .bind::<sql_types::Nullable<sql_types::Date>, _>(filter.to)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after)
    .bind::<sql_types::BigInt, _>(limit + 1)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Other dialogues on the calendar on `day` and in its ISO week.
#[derive(Debug, Clone, QueryableByName)]
pub struct Load {
    #[diesel(sql_type = sql_types::Integer)]
    pub on_day: i32,
    #[diesel(sql_type = sql_types::Integer)]
    pub in_week: i32,
}

#[tracing::instrument(skip_all)]
pub async fn load_around(
    conn: &mut AsyncPgConnection,
    except: Uuid,
    day: NaiveDate,
) -> Result<Load, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT count(*) FILTER (WHERE day = $2)::int AS on_day, \
                count(*)::int AS in_week \
         FROM dialogues WHERE id <> $1 AND state IN {ON_THE_CALENDAR} \
           AND date_trunc('week', day) = date_trunc('week', $2::date)"
    ))
    .bind::<sql_types::Uuid, _>(except)
    .bind::<sql_types::Date, _>(day)
    .keep_prepared()
    .get_result(conn)
    .await?)
}

/// Of `people`, those attending another dialogue on `day` (as guest or representative).
#[tracing::instrument(skip_all)]
pub async fn busy_on(
    conn: &mut AsyncPgConnection,
    except: Uuid,
    day: NaiveDate,
    people: &[Uuid],
) -> Result<BTreeSet<Uuid>, ApiError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = sql_types::Uuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query(format!(
        "SELECT g.person_id AS id FROM dialogue_guests g JOIN dialogues d ON d.id = g.dialogue_id \
         WHERE d.id <> $1 AND d.day = $2 AND d.state IN {ON_THE_CALENDAR} \
           AND g.response <> 'declined' AND g.person_id = ANY($3) \
         UNION \
         SELECT r.person_id FROM host_representatives r JOIN dialogues d ON d.host_id = r.host_id \
         WHERE d.id <> $1 AND d.day = $2 AND d.state IN {ON_THE_CALENDAR} AND r.person_id = ANY($3)"
    ))
    .bind::<sql_types::Uuid, _>(except)
    .bind::<sql_types::Date, _>(day)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(people)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// Per person of `people`, their guest dialogues in the calendar year of `day`, `except` not
/// counted.
#[tracing::instrument(skip_all)]
pub async fn guest_dialogues_in_year(
    conn: &mut AsyncPgConnection,
    except: Uuid,
    day: NaiveDate,
    people: &[Uuid],
) -> Result<BTreeMap<Uuid, i32>, ApiError> {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = sql_types::Uuid)]
        person_id: Uuid,
        #[diesel(sql_type = sql_types::Integer)]
        n: i32,
    }
    let rows: Vec<Count> = diesel::sql_query(format!(
        "SELECT g.person_id, count(*)::int AS n FROM dialogue_guests g \
         JOIN dialogues d ON d.id = g.dialogue_id \
         WHERE d.id <> $1 AND d.state IN {ON_THE_CALENDAR} AND g.response <> 'declined' \
           AND extract(year FROM d.day)::int = $2 AND g.person_id = ANY($3) \
         GROUP BY g.person_id"
    ))
    .bind::<sql_types::Uuid, _>(except)
    .bind::<sql_types::Integer, _>(day.year())
    .bind::<sql_types::Array<sql_types::Uuid>, _>(people)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| (r.person_id, r.n)).collect())
}

/// The organisation (and whether it is a youth office) of each of `people` who is an active
/// person of an active youth office or institution on `day`.
#[tracing::instrument(skip_all)]
pub async fn organizations_of(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
    day: NaiveDate,
) -> Result<BTreeMap<Uuid, Org>, ApiError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = sql_types::Uuid)]
        person_id: Uuid,
        #[diesel(sql_type = sql_types::Uuid)]
        organization_id: Uuid,
        #[diesel(sql_type = sql_types::Bool)]
        youth_office: bool,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT p.id AS person_id, o.id AS organization_id, o.kind = 'youth_office' AS youth_office \
         FROM directory_people p JOIN directory_organizations o ON o.id = p.organization_id \
         WHERE p.id = ANY($1) AND p.active AND (p.active_until IS NULL OR p.active_until >= $2) \
           AND o.active AND o.kind IN ('youth_office', 'institution')",
    )
    .bind::<sql_types::Array<sql_types::Uuid>, _>(people)
    .bind::<sql_types::Date, _>(day).keep_prepared()
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.person_id,
                Org {
                    id: r.organization_id,
                    youth_office: r.youth_office,
                },
            )
        })
        .collect())
}

/// Sets date, time and place, and the state.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn set_schedule(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
    draft: &ScheduleDraft,
) -> Result<(), ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::state.eq(state),
            dialogues::day.eq(Some(draft.date)),
            dialogues::starts_at.eq(Some(draft.starts_at)),
            dialogues::ends_at.eq(Some(draft.ends_at)),
            dialogues::place.eq(Some(&draft.place)),
            dialogues::invitations_sent_at.eq(None::<DateTime<Utc>>),
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the state only (cancelling keeps the date for the record).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn set_state(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
) -> Result<(), ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::state.eq(state),
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Counts a new version (a change of the guests).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Replaces the guest list.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn set_guests(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    guests: &[(Uuid, Uuid)],
) -> Result<(), ApiError> {
    diesel::delete(dialogue_guests::table.filter(dialogue_guests::dialogue_id.eq(id)))
        .execute(conn)
        .await?;
    if !guests.is_empty() {
        let values: Vec<_> = guests
            .iter()
            .map(|(person, organization)| {
                (
                    dialogue_guests::dialogue_id.eq(id),
                    dialogue_guests::person_id.eq(*person),
                    dialogue_guests::organization_id.eq(*organization),
                )
            })
            .collect();
        diesel::insert_into(dialogue_guests::table)
            .values(&values)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// One step of the history.
pub struct Step<'a> {
    pub action: &'a str,
    pub from_state: &'a str,
    pub to_state: &'a str,
    pub day_before: Option<NaiveDate>,
    pub day_after: Option<NaiveDate>,
    pub reason: Option<&'a str>,
    pub actor: &'a str,
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn record(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    step: Step<'_>,
) -> Result<(), ApiError> {
    diesel::insert_into(dialogue_history::table)
        .values((
            dialogue_history::id.eq(Uuid::now_v7()),
            dialogue_history::dialogue_id.eq(id),
            dialogue_history::action.eq(step.action),
            dialogue_history::from_state.eq(step.from_state),
            dialogue_history::to_state.eq(step.to_state),
            dialogue_history::day_before.eq(step.day_before),
            dialogue_history::day_after.eq(step.day_after),
            dialogue_history::reason.eq(step.reason),
            dialogue_history::actor.eq(step.actor),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dialogue_history)]
pub struct HistoryRow {
    pub id: Uuid,
    pub dialogue_id: Uuid,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub day_before: Option<NaiveDate>,
    pub day_after: Option<NaiveDate>,
    pub reason: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn history(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<HistoryRow>, ApiError> {
    Ok(dialogue_history::table
        .filter(dialogue_history::dialogue_id.eq(id))
        .select(HistoryRow::as_select())
        .order((dialogue_history::at.asc(), dialogue_history::id.asc()))
        .load(conn)
        .await?)
}

/// Marks invitations sent: the dialogue is `invited`, every guest `invited`.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn mark_invited(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::state.eq("invited"),
            dialogues::invitations_sent_at.eq(diesel::dsl::now),
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::update(dialogue_guests::table.filter(dialogue_guests::dialogue_id.eq(id)))
        .set(dialogue_guests::response.eq("invited"))
        .execute(conn)
        .await?;
    Ok(())
}

/// Records a guest's answer; `false` when the person is no guest of the dialogue.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn set_response(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    person: Uuid,
    response: &str,
) -> Result<bool, ApiError> {
    let changed = diesel::update(
        dialogue_guests::table
            .filter(dialogue_guests::dialogue_id.eq(id))
            .filter(dialogue_guests::person_id.eq(person)),
    )
    .set((
        dialogue_guests::response.eq(response),
        dialogue_guests::responded_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(changed > 0)
}

/// Adds an invited guest (a replacement).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn add_invited_guest(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    person: Uuid,
    organization: Uuid,
) -> Result<(), ApiError> {
    diesel::insert_into(dialogue_guests::table)
        .values((
            dialogue_guests::dialogue_id.eq(id),
            dialogue_guests::person_id.eq(person),
            dialogue_guests::organization_id.eq(organization),
            dialogue_guests::response.eq("invited"),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A person invited, with name and work e-mail from the directory copy.
#[derive(Debug, Clone, QueryableByName)]
pub struct ContactRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub email: Option<String>,
}

#[tracing::instrument(skip_all)]
pub async fn contacts(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
) -> Result<Vec<ContactRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT id AS person_id, organization_id, \
                nullif(trim(coalesce(given_name, '') || ' ' || coalesce(family_name, '')), '') AS name, \
                email \
         FROM directory_people WHERE id = ANY($1) ORDER BY id",
    )
    .bind::<sql_types::Array<sql_types::Uuid>, _>(people).keep_prepared()
    .load(conn)
    .await?)
}

/// Dialogues on the calendar (and cancelled ones that had a date) that a person attends as
/// representative or guest (not declined), or, for an organisation, that it hosts or sends a
/// guest to; by date.
#[tracing::instrument(skip_all)]
pub async fn for_feed(
    conn: &mut AsyncPgConnection,
    person: Option<Uuid>,
    organization: Option<Uuid>,
) -> Result<Vec<DialogueRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "{SELECT_DIALOGUES} WHERE d.day IS NOT NULL \
           AND (d.state IN {ON_THE_CALENDAR} OR d.state = 'cancelled') \
           AND ( ($1::uuid IS NOT NULL AND ( \
                    EXISTS (SELECT 1 FROM host_representatives r WHERE r.host_id = h.id AND r.person_id = $1) \
                    OR EXISTS (SELECT 1 FROM dialogue_guests g WHERE g.dialogue_id = d.id \
                               AND g.person_id = $1 AND g.response <> 'declined'))) \
              OR ($2::uuid IS NOT NULL AND ( \
                    h.organization_id = $2 \
                    OR EXISTS (SELECT 1 FROM dialogue_guests g WHERE g.dialogue_id = d.id \
                               AND g.organization_id = $2 AND g.response <> 'declined')))) \
         ORDER BY d.day, d.id LIMIT 1000"
    ))
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(person)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(organization).keep_prepared()
    .load(conn)
    .await?)
}

/// How many of a cycle's dialogues are in `state`.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle))]
pub async fn count_in_state(
    conn: &mut AsyncPgConnection,
    cycle: Uuid,
    state: &str,
) -> Result<i64, ApiError> {
    Ok(dialogues::table
        .filter(dialogues::cycle_id.eq(cycle))
        .filter(dialogues::state.eq(state))
        .count()
        .get_result(conn)
        .await?)
}
