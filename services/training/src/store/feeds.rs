//! Calendar feeds and the sessions they show.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{OptionalExtension, QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct FeedRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub person_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub organization_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Uuid>)]
    pub trainer_id: Option<Uuid>,
    #[diesel(sql_type = sql_types::Text)]
    pub created_by: String,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str =
    "id, person_id, organization_id, trainer_id, created_by, created_at, revoked_at";

/// Whose sessions a feed shows: exactly one of the three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub trainer_id: Option<Uuid>,
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    digest: &str,
    owner: Owner,
    created_by: &str,
) -> Result<FeedRow, ApiError> {
    Ok(diesel::sql_query(format!(
        "INSERT INTO calendar_feeds (id, token_sha256, person_id, organization_id, trainer_id, created_by) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(Uuid::now_v7())
    .bind::<sql_types::Text, _>(digest)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(owner.person_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(owner.organization_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(owner.trainer_id)
    .bind::<sql_types::Text, _>(created_by).keep_prepared()
    .get_result(conn)
    .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<FeedRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM calendar_feeds WHERE id = $1"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

/// The feed a secret opens, unless revoked.
pub async fn by_digest(
    conn: &mut AsyncPgConnection,
    digest: &str,
) -> Result<Option<FeedRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM calendar_feeds WHERE token_sha256 = $1 AND revoked_at IS NULL"
    ))
    .bind::<sql_types::Text, _>(digest)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    diesel::sql_query("UPDATE calendar_feeds SET revoked_at = now() WHERE id = $1")
        .bind::<sql_types::Uuid, _>(id)
        .keep_prepared()
        .execute(conn)
        .await?;
    Ok(())
}

/// Feeds made by `creator` or showing `person`, `organization` or `trainer` (every feed when
/// `everyone`), newest first, at most 500.
pub async fn list(
    conn: &mut AsyncPgConnection,
    creator: &str,
    person: Option<Uuid>,
    organization: Option<Uuid>,
    everyone: bool,
) -> Result<Vec<FeedRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM calendar_feeds \
         WHERE $1 OR created_by = $2 OR person_id = $3 OR trainer_id = $3 OR organization_id = $4 \
         ORDER BY id DESC LIMIT 500"
    ))
    .bind::<sql_types::Bool, _>(everyone)
    .bind::<sql_types::Text, _>(creator)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(person)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(organization)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// A session as a feed shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct FeedSession {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Array<sql_types::Date>)]
    pub days: Vec<NaiveDate>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub place: Option<String>,
    #[diesel(sql_type = sql_types::Bool)]
    pub online: bool,
    #[diesel(sql_type = sql_types::Text)]
    pub state: String,
    #[diesel(sql_type = sql_types::Integer)]
    pub version: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
    /// The person's registration (person feeds): `confirmed`, `offered`, `waitlisted`,
    /// `cancelled` or `expired`.
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub registration_state: Option<String>,
    /// Confirmed participants (of the organisation, for organisation feeds; all, for trainers).
    #[diesel(sql_type = sql_types::BigInt)]
    pub participants: i64,
}

/// Sessions of the last year and every coming one that a feed shows, by first day, at most
/// 1,000: a person's (each with their latest registration), an organisation's (with live
/// registrations of its staff) or a trainer's (teaching).
pub async fn sessions(
    conn: &mut AsyncPgConnection,
    owner: Owner,
) -> Result<Vec<FeedSession>, ApiError> {
    let columns = "s.id, k.title, s.days, s.place, s.online_url IS NOT NULL AS online, s.state, \
                   s.version, s.updated_at";
    let recent = "s.days[cardinality(s.days)] >= current_date - 366";
    let sql = if let Some(person) = owner.person_id {
        (
            format!(
                "SELECT * FROM (SELECT DISTINCT ON (s.id) {columns}, r.state AS registration_state, \
                    1::bigint AS participants \
             FROM registrations r JOIN sessions s ON s.id = r.session_id \
             JOIN courses k ON k.id = s.course_id \
             WHERE r.person_id = $1 AND {recent} \
             ORDER BY s.id, (r.state IN ('confirmed', 'offered', 'waitlisted', 'pending_approval')) DESC, r.updated_at DESC) x \
             ORDER BY days[1], id LIMIT 1000"
            ),
            person,
        )
    } else if let Some(organization) = owner.organization_id {
        (
            format!(
                "SELECT {columns}, NULL::text AS registration_state, \
                    count(*) FILTER (WHERE r.state = 'confirmed') AS participants \
             FROM registrations r JOIN sessions s ON s.id = r.session_id \
             JOIN courses k ON k.id = s.course_id \
             WHERE r.organization_id = $1 \
               AND r.state IN ('confirmed', 'offered', 'waitlisted', 'pending_approval') \
               AND {recent} \
             GROUP BY s.id, k.title ORDER BY s.days[1], s.id LIMIT 1000"
            ),
            organization,
        )
    } else {
        (
            format!(
                "SELECT {columns}, NULL::text AS registration_state, \
                    (SELECT count(*) FROM registrations r WHERE r.session_id = s.id \
                       AND r.state = 'confirmed') AS participants \
             FROM sessions s JOIN courses k ON k.id = s.course_id \
             WHERE $1 = ANY (s.trainers) AND {recent} ORDER BY s.days[1], s.id LIMIT 1000"
            ),
            owner.trainer_id.unwrap_or_default(),
        )
    };
    Ok(diesel::sql_query(sql.0)
        .bind::<sql_types::Uuid, _>(sql.1)
        .keep_prepared()
        .load(conn)
        .await?)
}
