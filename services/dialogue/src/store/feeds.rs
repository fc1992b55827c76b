//! Calendar feeds and their secrets (stored as SHA-256 only).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::schema::feeds;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = feeds)]
pub struct FeedRow {
    pub id: Uuid,
    pub token_sha256: String,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    token_sha256: &str,
    person: Option<Uuid>,
    organization: Option<Uuid>,
    created_by: &str,
) -> Result<FeedRow, ApiError> {
    Ok(diesel::insert_into(feeds::table)
        .values((
            feeds::id.eq(Uuid::now_v7()),
            feeds::token_sha256.eq(token_sha256),
            feeds::person_id.eq(person),
            feeds::organization_id.eq(organization),
            feeds::created_by.eq(created_by),
        ))
        .returning(FeedRow::as_returning())
        .get_result(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(feed_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<FeedRow>, ApiError> {
    Ok(feeds::table
        .find(id)
        .select(FeedRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The feed a secret opens, unless revoked.
#[tracing::instrument(skip_all)]
pub async fn by_token(
    conn: &mut AsyncPgConnection,
    token_sha256: &str,
) -> Result<Option<FeedRow>, ApiError> {
    Ok(feeds::table
        .filter(feeds::token_sha256.eq(token_sha256))
        .filter(feeds::revoked_at.is_null())
        .select(FeedRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(feed_id = %id))]
pub async fn revoke(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    diesel::update(feeds::table.find(id))
        .set(feeds::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

/// Feeds of a person or of organisations, newest first (all with neither).
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    person: Option<Uuid>,
    organization: Option<Uuid>,
    everyone: bool,
) -> Result<Vec<FeedRow>, ApiError> {
    let mut query = feeds::table
        .select(FeedRow::as_select())
        .order(feeds::id.desc())
        .limit(500)
        .into_boxed();
    if !everyone {
        let person = person.unwrap_or(Uuid::nil());
        let organization = organization.unwrap_or(Uuid::nil());
        query = query.filter(
            feeds::person_id
                .eq(person)
                .or(feeds::organization_id.eq(organization)),
        );
    }
    Ok(query.load(conn).await?)
}
