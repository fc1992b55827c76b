use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::organizations::{ListKey, ListOrder};
use super::schema::leadership_confirmations as confirmations;
use crate::domain::leadership::ConfirmationDraft;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = confirmations)]
pub struct ConfirmationRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub leader_id: Uuid,
    pub confirmed_on: NaiveDate,
    pub statement: Option<String>,
    pub version: i32,
    pub change_seq: i64,
    pub change_xid: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, Clone)]
pub struct ConfirmationFilter {
    pub organization_id: Option<Uuid>,
    pub modified_since: Option<DateTime<Utc>>,
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &ConfirmationDraft,
) -> Result<ConfirmationRow, ApiError> {
    Ok(diesel::insert_into(confirmations::table)
        .values((
            confirmations::id.eq(id),
            confirmations::organization_id.eq(draft.organization_id),
            confirmations::leader_id.eq(draft.leader_id),
            confirmations::confirmed_on.eq(draft.confirmed_on),
            confirmations::statement.eq(draft.statement.as_deref().map(str::trim)),
        ))
        .returning(ConfirmationRow::as_returning())
        .get_result(conn)
        .await?)
}

#[tracing::instrument(skip_all)]
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<ConfirmationRow>, ApiError> {
    Ok(confirmations::table
        .filter(confirmations::id.eq(id))
        .select(ConfirmationRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &ConfirmationFilter,
    order: ListOrder,
    after: Option<ListKey>,
    limit: i64,
) -> Result<Vec<ConfirmationRow>, ApiError> {
    let mut query = confirmations::table
        .select(ConfirmationRow::as_select())
        .into_boxed();
    if let Some(org) = filter.organization_id {
        query = query.filter(confirmations::organization_id.eq(org));
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(confirmations::updated_at.gt(since));
    }
    let query = qmf_platform::keyset_page!(
        query,
        confirmations::id,
        confirmations::change_xid,
        order,
        after,
        limit
    )?;
    Ok(query.load(conn).await?)
}
