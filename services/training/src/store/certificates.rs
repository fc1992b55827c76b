//! Certificates of attendance.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::{OptionalExtension, QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

#[derive(Debug, Clone, QueryableByName)]
pub struct CertificateRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub code: String,
    #[diesel(sql_type = sql_types::Uuid)]
    pub registration_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub holder_name: String,
    #[diesel(sql_type = sql_types::Text)]
    pub organization_name: String,
    #[diesel(sql_type = sql_types::Uuid)]
    pub course_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub course_title: String,
    #[diesel(sql_type = sql_types::Text)]
    pub topic: String,
    #[diesel(sql_type = sql_types::Integer)]
    pub duration_hours: i32,
    #[diesel(sql_type = sql_types::Uuid)]
    pub session_id: Uuid,
    #[diesel(sql_type = sql_types::Array<sql_types::Date>)]
    pub days: Vec<NaiveDate>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub place: Option<String>,
    #[diesel(sql_type = sql_types::Bool)]
    pub online: bool,
    #[diesel(sql_type = sql_types::Date)]
    pub completed_on: NaiveDate,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub issued_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Timestamptz>)]
    pub revoked_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub revoke_reason: Option<String>,
    #[diesel(sql_type = sql_types::Integer)]
    pub version: i32,
}

const COLUMNS: &str = "id, code, registration_id, person_id, organization_id, holder_name, \
     organization_name, course_id, course_title, topic, duration_hours, session_id, days, place, \
     online, completed_on, issued_at, revoked_at, revoke_reason, version";

/// Issues a certificate for a completion, with the names, course and session as they are now;
/// `None` when the registration has a valid certificate already. The holder's name comes from
/// the directory copy; a person the directory gave no name is named by the organisation only.
pub async fn issue(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    code: &str,
    registration: Uuid,
) -> Result<Option<CertificateRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "INSERT INTO certificates (id, code, registration_id, person_id, organization_id, \
             holder_name, organization_name, course_id, course_title, topic, duration_hours, \
             session_id, days, place, online, completed_on) \
         SELECT $1, $2, c.registration_id, c.person_id, c.organization_id, \
                coalesce(nullif(trim(concat_ws(' ', p.given_name, p.family_name)), ''), 'Teilnehmende Person'), \
                coalesce(o.name, ''), c.course_id, k.title, k.topic, k.duration_hours, \
                c.session_id, s.days, s.place, s.online_url IS NOT NULL, c.completed_on \
         FROM completions c \
         JOIN courses k ON k.id = c.course_id \
         JOIN sessions s ON s.id = c.session_id \
         LEFT JOIN directory_people p ON p.id = c.person_id \
         LEFT JOIN directory_organizations o ON o.id = c.organization_id \
         WHERE c.registration_id = $3 \
         ON CONFLICT (registration_id) WHERE revoked_at IS NULL DO NOTHING \
         RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Text, _>(code)
    .bind::<sql_types::Uuid, _>(registration).keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<CertificateRow>, ApiError> {
    Ok(
        diesel::sql_query(format!("SELECT {COLUMNS} FROM certificates WHERE id = $1"))
            .bind::<sql_types::Uuid, _>(id)
            .keep_prepared()
            .get_result(conn)
            .await
            .optional()?,
    )
}

pub async fn lock(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<CertificateRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM certificates WHERE id = $1 FOR UPDATE"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

pub async fn by_code(
    conn: &mut AsyncPgConnection,
    code: &str,
) -> Result<Option<CertificateRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM certificates WHERE code = $1"
    ))
    .bind::<sql_types::Text, _>(code)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

/// The valid certificate of a registration, locked.
pub async fn valid_of(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
) -> Result<Option<CertificateRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM certificates WHERE registration_id = $1 AND revoked_at IS NULL \
         FOR UPDATE"
    ))
    .bind::<sql_types::Uuid, _>(registration)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()?)
}

pub async fn revoke(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    by: &str,
    reason: &str,
) -> Result<CertificateRow, ApiError> {
    Ok(diesel::sql_query(format!(
        "UPDATE certificates SET revoked_at = now(), revoked_by = $2, revoke_reason = $3, \
             version = version + 1 \
         WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Text, _>(by)
    .bind::<sql_types::Text, _>(reason)
    .keep_prepared()
    .get_result(conn)
    .await?)
}

/// Certificates of a person or of a session (valid and revoked), newest first, at most 500.
pub async fn list(
    conn: &mut AsyncPgConnection,
    person: Option<Uuid>,
    session: Option<Uuid>,
) -> Result<Vec<CertificateRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM certificates \
         WHERE ($1::uuid IS NULL OR person_id = $1) AND ($2::uuid IS NULL OR session_id = $2) \
         ORDER BY issued_at DESC, id LIMIT 500"
    ))
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(person)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(session)
    .keep_prepared()
    .load(conn)
    .await?)
}
