use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::code;
use super::schema::{bodies, memberships};
use crate::domain::bodies::{BodyKind, MembershipRole};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bodies)]
pub struct BodyRow {
    pub id: Uuid,
    pub kind: String,
    pub name: String,
    pub short_name: Option<String>,
    pub permanent: bool,
    pub mandate: Option<String>,
    pub parent_id: Option<Uuid>,
    pub status: String,
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    kind: Option<BodyKind>,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<BodyRow>, ApiError> {
    let mut query = bodies::table.select(BodyRow::as_select()).into_boxed();
    if let Some(kind) = kind {
        query = query.filter(bodies::kind.eq(code(&kind)));
    }
    if let Some(status) = status {
        query = query.filter(bodies::status.eq(status.to_string()));
    }
    if let Some(after) = after {
        query = query.filter(bodies::id.gt(after));
    }
    Ok(query
        .order(bodies::id.asc())
        .limit(limit + 1)
        .load(conn)
        .await?)
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<BodyRow>, ApiError> {
    Ok(bodies::table
        .filter(bodies::id.eq(id))
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The one body of a central kind (Forum, management, steering group, coordination).
pub async fn central(conn: &mut AsyncPgConnection, kind: BodyKind) -> Result<BodyRow, ApiError> {
    bodies::table
        .filter(bodies::kind.eq(code(&kind)))
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()?
        .ok_or_else(|| ApiError::Internal(format!("no {kind:?} body")))
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = memberships)]
pub struct MembershipRow {
    pub id: Uuid,
    pub body_id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub role: String,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub term_id: Option<Uuid>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub struct NewMembership {
    pub body_id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Uuid,
    pub role: MembershipRole,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    pub term_id: Option<Uuid>,
}

pub async fn insert_membership(
    conn: &mut AsyncPgConnection,
    new: NewMembership,
) -> Result<MembershipRow, ApiError> {
    Ok(diesel::insert_into(memberships::table)
        .values((
            memberships::id.eq(Uuid::now_v7()),
            memberships::body_id.eq(new.body_id),
            memberships::person_id.eq(new.person_id),
            memberships::organization_id.eq(new.organization_id),
            memberships::role.eq(code(&new.role)),
            memberships::start_on.eq(new.start_on),
            memberships::end_on.eq(new.end_on),
            memberships::term_id.eq(new.term_id),
        ))
        .returning(MembershipRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Memberships of a body, optionally only those active on a day.
pub async fn memberships_of(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    active_on: Option<NaiveDate>,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<MembershipRow>, ApiError> {
    let mut query = memberships::table
        .filter(memberships::body_id.eq(body_id))
        .select(MembershipRow::as_select())
        .into_boxed();
    if let Some(day) = active_on {
        query = query.filter(memberships::start_on.le(day)).filter(
            memberships::end_on
                .is_null()
                .or(memberships::end_on.ge(day)),
        );
    }
    if let Some(after) = after {
        query = query.filter(memberships::id.gt(after));
    }
    Ok(query
        .order(memberships::id.asc())
        .limit(limit + 1)
        .load(conn)
        .await?)
}

pub async fn lock_membership(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<MembershipRow>, ApiError> {
    Ok(memberships::table
        .filter(memberships::id.eq(id))
        .select(MembershipRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

pub async fn end_membership(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    end_on: NaiveDate,
) -> Result<MembershipRow, ApiError> {
    Ok(
        diesel::update(memberships::table.filter(memberships::id.eq(id)))
            .set((
                memberships::end_on.eq(Some(end_on)),
                memberships::version.eq(memberships::version + 1),
                memberships::updated_at.eq(diesel::dsl::now),
            ))
            .returning(MembershipRow::as_returning())
            .get_result(conn)
            .await?,
    )
}
