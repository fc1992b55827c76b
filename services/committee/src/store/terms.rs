use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::schema::management_terms;
use crate::domain::terms::Term;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = management_terms)]
pub struct TermRow {
    pub id: Uuid,
    pub office_id: Uuid,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl TermRow {
    pub fn term(&self) -> Term {
        Term {
            office_id: self.office_id,
            start_on: self.start_on,
            end_on: self.end_on,
        }
    }
}

/// All terms, oldest first.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut AsyncPgConnection) -> Result<Vec<TermRow>, ApiError> {
    Ok(management_terms::table
        .select(TermRow::as_select())
        .order(management_terms::start_on.asc())
        .load(conn)
        .await?)
}

/// Serialises term changes (one writer decides about the sequence of terms at a time).
#[tracing::instrument(skip_all)]
pub async fn lock(conn: &mut AsyncPgConnection) -> Result<(), ApiError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('management_terms'))")
        .keep_prepared()
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(office_id = %term.office_id))]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    term: Term,
    created_by: &str,
) -> Result<TermRow, ApiError> {
    Ok(diesel::insert_into(management_terms::table)
        .values((
            management_terms::id.eq(Uuid::now_v7()),
            management_terms::office_id.eq(term.office_id),
            management_terms::start_on.eq(term.start_on),
            management_terms::end_on.eq(term.end_on),
            management_terms::created_by.eq(created_by),
        ))
        .returning(TermRow::as_returning())
        .get_result(conn)
        .await?)
}

/// The youth office holding the management on `day`, if a term covers it.
#[tracing::instrument(skip_all, fields(day = %day))]
pub async fn holder_on(
    conn: &mut AsyncPgConnection,
    day: NaiveDate,
) -> Result<Option<Uuid>, ApiError> {
    Ok(management_terms::table
        .filter(management_terms::start_on.le(day))
        .filter(management_terms::end_on.ge(day))
        .select(management_terms::office_id)
        .first(conn)
        .await
        .optional()?)
}
