use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::db::unique_violation;
use qmf_platform::{ApiError, RuleName};
use uuid::Uuid;

use super::code;
use super::schema::{bodies, memberships};
use crate::domain::bodies::{BodyKind, MembershipRole, Period};
use crate::domain::rules::Rule;

/// The unique constraint on body names.
const BODY_NAME_UNIQUE: &str = "bodies_name_key";

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

#[tracing::instrument(skip_all, fields(kind = ?kind))]
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
        .limit(limit.saturating_add(1))
        .load(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<BodyRow>, ApiError> {
    Ok(bodies::table
        .filter(bodies::id.eq(id))
        .select(BodyRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The one body of a central kind (Forum, management, steering group, coordination).
#[tracing::instrument(skip_all, fields(kind = ?kind))]
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

impl MembershipRow {
    pub fn period(&self) -> Period {
        Period {
            start_on: self.start_on,
            end_on: self.end_on,
        }
    }
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

/// Inserts a membership; a seat overlapping another of the same person in the same body (a
/// concurrent request that passed the check) is a 409.
#[tracing::instrument(skip_all, fields(body_id = %new.body_id))]
pub async fn insert_membership(
    conn: &mut AsyncPgConnection,
    new: NewMembership,
) -> Result<MembershipRow, ApiError> {
    diesel::insert_into(memberships::table)
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
        .await
        .map_err(|e| {
            // The exclusion constraint carries the rule's name.
            unique_violation(e, |constraint| {
                (constraint == Rule::MembershipsDoNotOverlap.name()).then(|| {
                    Rule::MembershipsDoNotOverlap
                        .conflict("the person already holds a seat in this body in this period")
                })
            })
        })
}

/// The memberships of a person in a body.
#[tracing::instrument(skip_all, fields(body_id = %body_id, person_id = %person_id))]
pub async fn memberships_of_person(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    person_id: Uuid,
) -> Result<Vec<MembershipRow>, ApiError> {
    Ok(memberships::table
        .filter(memberships::body_id.eq(body_id))
        .filter(memberships::person_id.eq(person_id))
        .select(MembershipRow::as_select())
        .order(memberships::start_on.asc())
        .load(conn)
        .await?)
}

/// Memberships of a body, optionally only those active on a day.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
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
        .limit(limit.saturating_add(1))
        .load(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(membership_id = %id))]
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

#[tracing::instrument(skip_all, fields(membership_id = %id))]
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

pub struct NewBody<'a> {
    pub name: &'a str,
    pub short_name: Option<&'a str>,
    pub permanent: bool,
    pub mandate: Option<&'a str>,
    pub parent_id: Option<Uuid>,
    pub established_on: NaiveDate,
}

/// Inserts a working group; a taken name is a 409.
#[tracing::instrument(skip_all, fields(parent_id = ?new.parent_id))]
pub async fn insert_working_group(
    conn: &mut AsyncPgConnection,
    new: NewBody<'_>,
) -> Result<BodyRow, ApiError> {
    diesel::insert_into(bodies::table)
        .values((
            bodies::id.eq(Uuid::now_v7()),
            bodies::kind.eq(code(&BodyKind::WorkingGroup)),
            bodies::name.eq(new.name),
            bodies::short_name.eq(new.short_name),
            bodies::permanent.eq(new.permanent),
            bodies::mandate.eq(new.mandate),
            bodies::parent_id.eq(new.parent_id),
            bodies::established_on.eq(new.established_on),
        ))
        .returning(BodyRow::as_returning())
        .get_result(conn)
        .await
        .map_err(|e| {
            unique_violation(e, |constraint| {
                (constraint == BODY_NAME_UNIQUE)
                    .then(|| Rule::BodyNameUnique.conflict("a body with this name exists"))
            })
        })
}

#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<BodyRow>, ApiError> {
    Ok(bodies::table
        .filter(bodies::id.eq(id))
        .select(BodyRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Active sub-groups of a body.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn active_children(conn: &mut AsyncPgConnection, id: Uuid) -> Result<i64, ApiError> {
    Ok(bodies::table
        .filter(bodies::parent_id.eq(id))
        .filter(bodies::status.eq("active"))
        .count()
        .get_result(conn)
        .await?)
}

/// Dissolves a body and ends its open memberships on the same day; returns the body and how
/// many memberships ended.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn dissolve(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    on: NaiveDate,
) -> Result<(BodyRow, usize), ApiError> {
    let ended = diesel::update(
        memberships::table
            .filter(memberships::body_id.eq(id))
            .filter(memberships::end_on.is_null().or(memberships::end_on.gt(on))),
    )
    .set((
        memberships::end_on.eq(Some(on)),
        memberships::version.eq(memberships::version + 1),
        memberships::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    let body = diesel::update(bodies::table.filter(bodies::id.eq(id)))
        .set((
            bodies::status.eq("dissolved"),
            bodies::dissolved_on.eq(Some(on)),
            bodies::version.eq(bodies::version + 1),
            bodies::updated_at.eq(diesel::dsl::now),
        ))
        .returning(BodyRow::as_returning())
        .get_result(conn)
        .await?;
    Ok((body, ended))
}

/// Roles someone holds today in each of `bodies`: seats naming the person, and seats held by
/// the organisation without a named person (its staff act for it).
#[tracing::instrument(skip_all, fields(person_id = ?person_id, organization_id = ?organization_id, day = %today))]
pub async fn roles_in(
    conn: &mut AsyncPgConnection,
    bodies: &[Uuid],
    person_id: Option<Uuid>,
    organization_id: Option<Uuid>,
    today: NaiveDate,
) -> Result<Vec<(Uuid, String)>, ApiError> {
    if person_id.is_none() && organization_id.is_none() {
        return Ok(Vec::new());
    }
    let by_person = memberships::person_id.eq(person_id.unwrap_or(Uuid::nil()));
    let by_organization = memberships::person_id
        .is_null()
        .and(memberships::organization_id.eq(organization_id.unwrap_or(Uuid::nil())));
    Ok(memberships::table
        .filter(memberships::body_id.eq_any(bodies))
        .filter(memberships::start_on.le(today))
        .filter(
            memberships::end_on
                .is_null()
                .or(memberships::end_on.ge(today)),
        )
        .filter(by_person.or(by_organization))
        .select((memberships::body_id, memberships::role))
        .load(conn)
        .await?)
}
