//! The read copy of directory organisations and agreements.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::directory::{
    AgreementSignedV1, AgreementTerminatedV1, OrganizationDeactivatedV1, OrganizationV1,
};
use qmf_platform::codes::code;
use uuid::Uuid;

use crate::schema::{directory_agreements, directory_organizations};

/// Stores a snapshot unless a newer version is already there (events may be redelivered late).
pub async fn upsert_organization(
    conn: &mut AsyncPgConnection,
    org: &OrganizationV1,
) -> QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO directory_organizations (id, name, kind, district, active, version) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, \
             district = EXCLUDED.district, active = EXCLUDED.active, version = EXCLUDED.version, \
             synced_at = now() \
         WHERE directory_organizations.version < EXCLUDED.version",
    )
    .bind::<sql_types::Uuid, _>(org.id)
    .bind::<sql_types::Text, _>(&org.name)
    .bind::<sql_types::Text, _>(code(&org.kind))
    .bind::<sql_types::Nullable<sql_types::Text>, _>(org.district.as_ref().map(code))
    .bind::<sql_types::Bool, _>(org.active)
    .bind::<sql_types::Integer, _>(org.version)
    .execute(conn)
    .await
}

pub async fn deactivate_organization(
    conn: &mut AsyncPgConnection,
    event: &OrganizationDeactivatedV1,
) -> QueryResult<usize> {
    diesel::update(
        directory_organizations::table
            .filter(directory_organizations::id.eq(event.id))
            .filter(directory_organizations::version.lt(event.version)),
    )
    .set((
        directory_organizations::active.eq(false),
        directory_organizations::version.eq(event.version),
        directory_organizations::synced_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
}

pub async fn record_agreement(
    conn: &mut AsyncPgConnection,
    event: &AgreementSignedV1,
) -> QueryResult<usize> {
    diesel::insert_into(directory_agreements::table)
        .values((
            directory_agreements::id.eq(event.id),
            directory_agreements::organization_id.eq(event.organization_id),
            directory_agreements::kind.eq(code(&event.kind)),
            directory_agreements::signed_on.eq(event.signed_on),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
}

pub async fn terminate_agreement(
    conn: &mut AsyncPgConnection,
    event: &AgreementTerminatedV1,
) -> QueryResult<usize> {
    diesel::update(directory_agreements::table.filter(directory_agreements::id.eq(event.id)))
        .set((
            directory_agreements::terminated_on.eq(event.terminated_on),
            directory_agreements::synced_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await
}

/// A copied organisation.
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct CopiedOrganization {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub active: bool,
    pub version: i32,
}

pub async fn find_organization(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<CopiedOrganization>> {
    directory_organizations::table
        .filter(directory_organizations::id.eq(id))
        .select((
            directory_organizations::id,
            directory_organizations::name,
            directory_organizations::kind,
            directory_organizations::active,
            directory_organizations::version,
        ))
        .first(conn)
        .await
        .optional()
}

#[derive(QueryableByName)]
struct Eligible {
    #[diesel(sql_type = sql_types::Bool)]
    eligible: bool,
}

/// Whether `organization_id` is an active institution with an agreement valid on `day`: the
/// condition for delivering help.
pub async fn is_eligible_provider(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
    day: NaiveDate,
) -> QueryResult<bool> {
    let row: Eligible = diesel::sql_query(
        "SELECT EXISTS ( \
             SELECT 1 FROM directory_organizations o \
             JOIN directory_agreements a ON a.organization_id = o.id \
             WHERE o.id = $1 AND o.active AND o.kind = 'institution' \
               AND a.signed_on <= $2 AND (a.terminated_on IS NULL OR a.terminated_on > $2) \
         ) AS eligible",
    )
    .bind::<sql_types::Uuid, _>(organization_id)
    .bind::<sql_types::Date, _>(day)
    .get_result(conn)
    .await?;
    Ok(row.eligible)
}

/// Active youth offices with their names, by name.
pub async fn active_youth_offices(
    conn: &mut AsyncPgConnection,
) -> QueryResult<Vec<(Uuid, String)>> {
    directory_organizations::table
        .filter(directory_organizations::kind.eq("youth_office"))
        .filter(directory_organizations::active.eq(true))
        .select((directory_organizations::id, directory_organizations::name))
        .order(directory_organizations::name.asc())
        .load(conn)
        .await
}
