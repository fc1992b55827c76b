use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::directory::StaffFunction;
use qmf_platform::ApiError;
use uuid::Uuid;

use super::organizations::{ListKey, ListOrder, escape_like};
use super::schema::people;
use qmf_platform::pagination::writer_xid;

use super::{code, next_change_seq};
use crate::domain::person::PersonDraft;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = people)]
pub struct PersonRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub functions: Vec<String>,
    pub active_from: NaiveDate,
    pub active_until: Option<NaiveDate>,
    pub version: i32,
    pub change_seq: i64,
    pub change_xid: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Default, Clone)]
pub struct PersonFilter {
    pub organization_id: Option<Uuid>,
    pub function: Option<StaffFunction>,
    /// Active on this day (true) or not (false).
    pub active_on: Option<(NaiveDate, bool)>,
    pub modified_since: Option<DateTime<Utc>>,
    pub name_contains: Option<String>,
}

fn functions(draft: &PersonDraft) -> Vec<String> {
    draft.functions.iter().map(code).collect()
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &PersonDraft,
) -> Result<PersonRow, ApiError> {
    Ok(diesel::insert_into(people::table)
        .values((
            people::id.eq(id),
            people::organization_id.eq(draft.organization_id),
            people::given_name.eq(&draft.given_name),
            people::family_name.eq(&draft.family_name),
            people::email.eq(&draft.email),
            people::phone.eq(&draft.phone),
            people::functions.eq(functions(draft)),
            people::active_from.eq(draft.active_from),
            people::active_until.eq(draft.active_until),
        ))
        .returning(PersonRow::as_returning())
        .get_result(conn)
        .await?)
}

#[tracing::instrument(skip_all)]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<PersonRow>, ApiError> {
    Ok(people::table
        .filter(people::id.eq(id))
        .select(PersonRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all)]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<PersonRow>, ApiError> {
    Ok(people::table
        .filter(people::id.eq(id))
        .select(PersonRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &PersonFilter,
    order: ListOrder,
    after: Option<ListKey>,
    limit: i64,
) -> Result<Vec<PersonRow>, ApiError> {
    let mut query = people::table.select(PersonRow::as_select()).into_boxed();
    if let Some(org) = filter.organization_id {
        query = query.filter(people::organization_id.eq(org));
    }
    if let Some(function) = &filter.function {
        query = query.filter(people::functions.contains(vec![code(function)]));
    }
    if let Some((day, active)) = filter.active_on {
        let is_active = people::active_from.le(day).and(
            people::active_until
                .is_null()
                .or(people::active_until.ge(day)),
        );
        query = if active {
            query.filter(is_active)
        } else {
            query.filter(diesel::dsl::not(is_active))
        };
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(people::updated_at.gt(since));
    }
    if let Some(text) = &filter.name_contains {
        let pattern = format!("%{}%", escape_like(text));
        query = query.filter(
            people::given_name
                .ilike(pattern.clone())
                .or(people::family_name.ilike(pattern)),
        );
    }
    let query =
        qmf_platform::keyset_page!(query, people::id, people::change_xid, order, after, limit)?;
    Ok(query.load(conn).await?)
}

#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &PersonDraft,
) -> Result<PersonRow, ApiError> {
    Ok(diesel::update(people::table.filter(people::id.eq(id)))
        .set((
            people::given_name.eq(&draft.given_name),
            people::family_name.eq(&draft.family_name),
            people::email.eq(&draft.email),
            people::phone.eq(&draft.phone),
            people::functions.eq(functions(draft)),
            people::active_from.eq(draft.active_from),
            people::active_until.eq(draft.active_until),
            people::version.eq(people::version + 1),
            people::change_seq.eq(next_change_seq()),
            people::change_xid.eq(writer_xid()),
            people::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PersonRow::as_returning())
        .get_result(conn)
        .await?)
}

#[tracing::instrument(skip_all)]
pub async fn end_activity(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    until: NaiveDate,
) -> Result<PersonRow, ApiError> {
    Ok(diesel::update(people::table.filter(people::id.eq(id)))
        .set((
            people::active_until.eq(until),
            people::version.eq(people::version + 1),
            people::change_seq.eq(next_change_seq()),
            people::change_xid.eq(writer_xid()),
            people::updated_at.eq(diesel::dsl::now),
        ))
        .returning(PersonRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Every person (for republishing snapshots).
#[tracing::instrument(skip_all)]
pub async fn all(conn: &mut AsyncPgConnection) -> Result<Vec<PersonRow>, ApiError> {
    Ok(people::table
        .select(PersonRow::as_select())
        .order(people::id.asc())
        .load(conn)
        .await?)
}
