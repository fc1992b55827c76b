//! Instrument versions and filled documents.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::code;
use super::schema::{case_documents, instruments};
use crate::domain::instruments::InstrumentKey;

/// A released version of an instrument.
#[derive(Debug, Clone, Queryable, Selectable, Serialize, ToSchema)]
#[diesel(table_name = instruments)]
#[schema(example = json!({"key": "review", "version": 1, "title": "Hilfeplangespräch / Fortschreibung",
    "description": "Review of a running help: development since the last plan, the provider's assessment and what changes.",
    "schema": {"type": "object", "required": ["development", "continue_help"],
        "properties": {"development": {"type": "string"}, "continue_help": {"type": "boolean"}}},
    "released_at": "2026-11-23T08:00:00Z", "released_by": "01936f40-0000-7000-8000-000000000009"}))]
pub struct InstrumentRow {
    #[schema(value_type = InstrumentKey)]
    pub key: String,
    pub version: i32,
    pub title: String,
    pub description: String,
    /// The JSON Schema documents of this version must satisfy.
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub schema: serde_json::Value,
    pub released_at: DateTime<Utc>,
    pub released_by: String,
}

#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<InstrumentRow>, ApiError> {
    Ok(instruments::table
        .select(InstrumentRow::as_select())
        .order((instruments::key.asc(), instruments::version.asc()))
        .load(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(key = ?key, version))]
pub async fn find(
    conn: &mut AsyncPgConnection,
    key: InstrumentKey,
    version: i32,
) -> Result<Option<InstrumentRow>, ApiError> {
    Ok(instruments::table
        .filter(instruments::key.eq(code(&key)))
        .filter(instruments::version.eq(version))
        .select(InstrumentRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The newest released version of an instrument.
#[tracing::instrument(skip_all, fields(key = ?key))]
pub async fn latest(
    conn: &mut AsyncPgConnection,
    key: InstrumentKey,
) -> Result<Option<InstrumentRow>, ApiError> {
    Ok(instruments::table
        .filter(instruments::key.eq(code(&key)))
        .order(instruments::version.desc())
        .select(InstrumentRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The number of the newest released version of an instrument.
#[tracing::instrument(skip_all, fields(key = ?key))]
pub async fn latest_version(
    conn: &mut AsyncPgConnection,
    key: InstrumentKey,
) -> Result<Option<i32>, ApiError> {
    Ok(instruments::table
        .filter(instruments::key.eq(code(&key)))
        .select(diesel::dsl::max(instruments::version))
        .first(conn)
        .await?)
}

/// Releases the next version; the key's rows are locked so two releases cannot take one number.
#[tracing::instrument(skip_all, fields(key = ?key))]
pub async fn release(
    conn: &mut AsyncPgConnection,
    key: InstrumentKey,
    title: &str,
    description: &str,
    schema: &serde_json::Value,
    released_by: &str,
) -> Result<InstrumentRow, ApiError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('instrument:' || $1))")
        .bind::<diesel::sql_types::Text, _>(code(&key))
        .keep_prepared()
        .execute(conn)
        .await?;
    let next = latest(conn, key)
        .await?
        .map(|row| row.version + 1)
        .unwrap_or(1);
    Ok(diesel::insert_into(instruments::table)
        .values((
            instruments::key.eq(code(&key)),
            instruments::version.eq(next),
            instruments::title.eq(title),
            instruments::description.eq(description),
            instruments::schema.eq(schema),
            instruments::released_by.eq(released_by),
        ))
        .returning(InstrumentRow::as_returning())
        .get_result(conn)
        .await?)
}

pub struct NewDocument<'a> {
    pub case_id: Uuid,
    pub key: InstrumentKey,
    pub version: i32,
    pub sealed: &'a [u8],
    pub key_id: &'a str,
    pub created_by: &'a str,
}

#[tracing::instrument(skip_all, fields(case_id = %doc.case_id, key = ?doc.key, version = doc.version))]
pub async fn insert_document(
    conn: &mut AsyncPgConnection,
    doc: NewDocument<'_>,
) -> Result<Uuid, ApiError> {
    let id = Uuid::now_v7();
    diesel::insert_into(case_documents::table)
        .values((
            case_documents::id.eq(id),
            case_documents::case_id.eq(doc.case_id),
            case_documents::instrument_key.eq(code(&doc.key)),
            case_documents::instrument_version.eq(doc.version),
            case_documents::content.eq(doc.sealed),
            case_documents::content_key_id.eq(doc.key_id),
            case_documents::created_by.eq(doc.created_by),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = case_documents)]
pub struct DocumentRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub instrument_key: String,
    pub instrument_version: i32,
    pub content: Option<Vec<u8>>,
    pub content_key_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

#[tracing::instrument(skip_all, fields(case_id = %case_id, document_id = %id))]
pub async fn find_document(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
    id: Uuid,
) -> Result<Option<DocumentRow>, ApiError> {
    Ok(case_documents::table
        .filter(case_documents::case_id.eq(case_id))
        .filter(case_documents::id.eq(id))
        .select(DocumentRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn documents_of(
    conn: &mut AsyncPgConnection,
    case_id: Uuid,
) -> Result<Vec<DocumentRow>, ApiError> {
    Ok(case_documents::table
        .filter(case_documents::case_id.eq(case_id))
        .select(DocumentRow::as_select())
        .order(case_documents::created_at.asc())
        .load(conn)
        .await?)
}
