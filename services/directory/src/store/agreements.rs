use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::directory::AgreementKind;
use qmf_platform::ApiError;
use uuid::Uuid;

use super::organizations::{ListKey, ListOrder};
use super::schema::agreements;
use qmf_platform::pagination::writer_xid;

use super::{code, conflict_or, next_change_seq};
use crate::domain::agreement::{AgreementDraft, Termination};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = agreements)]
pub struct AgreementRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub kind: String,
    pub signed_on: NaiveDate,
    pub signed_by: String,
    pub terminated_on: Option<NaiveDate>,
    pub termination_reason: Option<String>,
    pub version: i32,
    pub change_seq: i64,
    pub change_xid: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, Clone)]
pub struct AgreementFilter {
    pub organization_id: Option<Uuid>,
    pub kind: Option<AgreementKind>,
    /// Valid on this day (true) or not (false).
    pub valid_on: Option<(NaiveDate, bool)>,
    pub modified_since: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &AgreementDraft,
) -> Result<AgreementRow, ApiError> {
    diesel::insert_into(agreements::table)
        .values((
            agreements::id.eq(id),
            agreements::organization_id.eq(draft.organization_id),
            agreements::kind.eq(code(&draft.kind)),
            agreements::signed_on.eq(draft.signed_on),
            agreements::signed_by.eq(draft.signed_by.trim()),
        ))
        .returning(AgreementRow::as_returning())
        .get_result(conn)
        .await
        .map_err(conflict_or)
}

#[tracing::instrument(skip_all)]
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<AgreementRow>, ApiError> {
    Ok(agreements::table
        .filter(agreements::id.eq(id))
        .select(AgreementRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all)]
pub async fn lock(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<AgreementRow>, ApiError> {
    Ok(agreements::table
        .filter(agreements::id.eq(id))
        .select(AgreementRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AgreementFilter,
    order: ListOrder,
    after: Option<ListKey>,
    limit: i64,
) -> Result<Vec<AgreementRow>, ApiError> {
    let mut query = agreements::table
        .select(AgreementRow::as_select())
        .into_boxed();
    if let Some(org) = filter.organization_id {
        query = query.filter(agreements::organization_id.eq(org));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(agreements::kind.eq(code(kind)));
    }
    if let Some((day, valid)) = filter.valid_on {
        let is_valid = agreements::signed_on.le(day).and(
            agreements::terminated_on
                .is_null()
                .or(agreements::terminated_on.gt(day)),
        );
        query = if valid {
            query.filter(is_valid)
        } else {
            query.filter(diesel::dsl::not(is_valid))
        };
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(agreements::updated_at.gt(since));
    }
    let query = qmf_platform::keyset_page!(
        query,
        agreements::id,
        agreements::change_xid,
        order,
        after,
        limit
    )?;
    Ok(query.load(conn).await?)
}

#[tracing::instrument(skip_all)]
pub async fn terminate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    termination: &Termination,
) -> Result<AgreementRow, ApiError> {
    Ok(
        diesel::update(agreements::table.filter(agreements::id.eq(id)))
            .set((
                agreements::terminated_on.eq(termination.terminated_on),
                agreements::termination_reason.eq(termination.reason.trim()),
                agreements::version.eq(agreements::version + 1),
                agreements::change_seq.eq(next_change_seq()),
                agreements::change_xid.eq(writer_xid()),
                agreements::updated_at.eq(diesel::dsl::now),
            ))
            .returning(AgreementRow::as_returning())
            .get_result(conn)
            .await?,
    )
}

/// Every agreement (for republishing snapshots).
#[tracing::instrument(skip_all)]
pub async fn all(conn: &mut AsyncPgConnection) -> Result<Vec<AgreementRow>, ApiError> {
    Ok(agreements::table
        .select(AgreementRow::as_select())
        .order(agreements::id.asc())
        .load(conn)
        .await?)
}
