//! Courses of the catalogue.

use chrono::{DateTime, Utc};
use diesel::{OptionalExtension, QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use crate::domain::courses::CourseInput;

#[derive(Debug, Clone, QueryableByName)]
pub struct CourseRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Text)]
    pub topic: String,
    #[diesel(sql_type = sql_types::Text)]
    pub description: String,
    #[diesel(sql_type = sql_types::Int4)]
    pub duration_hours: i32,
    #[diesel(sql_type = sql_types::Array<sql_types::Uuid>)]
    pub prerequisites: Vec<Uuid>,
    #[diesel(sql_type = sql_types::Text)]
    pub completion_rule: String,
    #[diesel(sql_type = sql_types::Array<sql_types::Text>)]
    pub required_for: Vec<String>,
    #[diesel(sql_type = sql_types::Array<sql_types::Text>)]
    pub instruments: Vec<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Int4>)]
    pub valid_for_years: Option<i32>,
    #[diesel(sql_type = sql_types::Int4)]
    pub version: i32,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = sql_types::Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, title, topic, description, duration_hours, prerequisites, \
    completion_rule, required_for, instruments, valid_for_years, version, created_at, updated_at";

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    course: &CourseInput,
    created_by: &str,
) -> Result<CourseRow, ApiError> {
    Ok(diesel::sql_query(format!(
        "INSERT INTO courses (id, title, topic, description, duration_hours, prerequisites, \
                              completion_rule, required_for, instruments, valid_for_years, \
                              created_by) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING {COLUMNS}"
    ))
    .bind::<sql_types::Uuid, _>(id)
    .bind::<sql_types::Text, _>(&course.title)
    .bind::<sql_types::Text, _>(course.topic.code())
    .bind::<sql_types::Text, _>(&course.description)
    .bind::<sql_types::Int4, _>(course.duration_hours)
    .bind::<sql_types::Array<sql_types::Uuid>, _>(&course.prerequisites)
    .bind::<sql_types::Text, _>(course.completion_rule.code())
    .bind::<sql_types::Array<sql_types::Text>, _>(qmf_directory_copy::store::function_codes(
        &course.required_for,
    ))
    .bind::<sql_types::Array<sql_types::Text>, _>(
        course
            .instruments
            .iter()
            .map(|i| i.code())
            .collect::<Vec<_>>(),
    )
    .bind::<sql_types::Nullable<sql_types::Int4>, _>(course.valid_for_years)
    .bind::<sql_types::Text, _>(created_by)
    .keep_prepared()
    .get_result(conn)
    .await?)
}

#[tracing::instrument(skip_all, fields(course_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<CourseRow>, ApiError> {
    Ok(
        diesel::sql_query(format!("SELECT {COLUMNS} FROM courses WHERE id = $1"))
            .bind::<sql_types::Uuid, _>(id)
            .keep_prepared()
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// Of `ids`, those that are courses.
pub async fn existing(conn: &mut AsyncPgConnection, ids: &[Uuid]) -> Result<Vec<Uuid>, ApiError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = sql_types::Uuid)]
        id: Uuid,
    }
    let rows: Vec<Id> = diesel::sql_query("SELECT id FROM courses WHERE id = ANY($1)")
        .bind::<sql_types::Array<sql_types::Uuid>, _>(ids)
        .keep_prepared()
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// One page of the catalogue in id order.
pub async fn list(
    conn: &mut AsyncPgConnection,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<CourseRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM courses WHERE ($1::uuid IS NULL OR id > $1) ORDER BY id LIMIT $2"
    ))
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(after)
    .bind::<sql_types::BigInt, _>(limit + 1)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// The whole catalogue in id order (for republishing it).
pub async fn all(conn: &mut AsyncPgConnection) -> Result<Vec<CourseRow>, ApiError> {
    Ok(
        diesel::sql_query(format!("SELECT {COLUMNS} FROM courses ORDER BY id"))
            .load(conn)
            .await?,
    )
}
