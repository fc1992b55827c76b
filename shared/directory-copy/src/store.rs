//! The read copy of directory organisations, agreements and people.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::directory::{
    AgreementSignedV1, AgreementTerminatedV1, OrganizationDeactivatedV1, OrganizationV1,
    PersonDeactivatedV1, PersonV1,
};
use qmf_platform::codes::code;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use crate::PersonDetail;
use crate::schema::{directory_agreements, directory_organizations, directory_people};

/// Stores a snapshot unless a newer version is already there (events may be redelivered late).
#[tracing::instrument(skip_all)]
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
    .keep_prepared()
    .execute(conn)
    .await
}

#[tracing::instrument(skip_all)]
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

#[tracing::instrument(skip_all)]
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

#[tracing::instrument(skip_all)]
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

#[tracing::instrument(skip_all)]
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
#[tracing::instrument(skip_all)]
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
    .keep_prepared()
    .get_result(conn)
    .await?;
    Ok(row.eligible)
}

/// Active youth offices with their names, by name.
#[tracing::instrument(skip_all)]
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

/// Whether someone whose active period ends on `until` (if the directory announced an end) still
/// works on `day`.
pub fn active_on(until: Option<NaiveDate>, day: NaiveDate) -> bool {
    until.is_none_or(|last| last >= day)
}

/// Stores a person's snapshot unless a newer version is already there. With
/// `PersonDetail::Affiliation` the names and the e-mail are not kept.
#[tracing::instrument(skip_all)]
pub async fn upsert_person(
    conn: &mut AsyncPgConnection,
    person: &PersonV1,
    detail: PersonDetail,
    today: NaiveDate,
) -> QueryResult<usize> {
    let contact = detail == PersonDetail::Contact;
    diesel::sql_query(
        "INSERT INTO directory_people \
             (id, organization_id, given_name, family_name, email, active, active_until, version, \
              functions) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET organization_id = EXCLUDED.organization_id, \
             given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name, \
             email = EXCLUDED.email, functions = EXCLUDED.functions, active = EXCLUDED.active, \
             active_until = EXCLUDED.active_until, version = EXCLUDED.version, synced_at = now() \
         WHERE directory_people.version < EXCLUDED.version",
    )
    .bind::<sql_types::Uuid, _>(person.id)
    .bind::<sql_types::Uuid, _>(person.organization_id)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(contact.then_some(&person.given_name))
    .bind::<sql_types::Nullable<sql_types::Text>, _>(contact.then_some(&person.family_name))
    .bind::<sql_types::Nullable<sql_types::Text>, _>(person.email.as_ref().filter(|_| contact))
    .bind::<sql_types::Bool, _>(active_on(person.active_until, today))
    .bind::<sql_types::Nullable<sql_types::Date>, _>(person.active_until)
    .bind::<sql_types::Integer, _>(person.version)
    .bind::<sql_types::Array<sql_types::Text>, _>(function_codes(&person.functions))
    .keep_prepared()
    .execute(conn)
    .await
}

/// Staff functions as stored: their snake_case names (`qmf_coordinator`).
pub fn function_codes(functions: &[qmf_contracts::directory::StaffFunction]) -> Vec<String> {
    functions
        .iter()
        .filter_map(|f| match serde_json::to_value(f) {
            Ok(serde_json::Value::String(code)) => Some(code),
            _ => None,
        })
        .collect()
}

/// The person left the organisation: inactive from now on, whatever the announced last day.
#[tracing::instrument(skip_all)]
pub async fn deactivate_person(
    conn: &mut AsyncPgConnection,
    event: &PersonDeactivatedV1,
) -> QueryResult<usize> {
    diesel::update(
        directory_people::table
            .filter(directory_people::id.eq(event.id))
            .filter(directory_people::version.lt(event.version)),
    )
    .set((
        directory_people::active.eq(false),
        directory_people::active_until.eq(Some(event.active_until)),
        directory_people::version.eq(event.version),
        directory_people::synced_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await
}

/// A copied person: where they work and whether they still do (no names).
#[derive(Debug, Clone, PartialEq, Queryable)]
pub struct CopiedPerson {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub active: bool,
    pub active_until: Option<NaiveDate>,
    pub version: i32,
}

impl CopiedPerson {
    /// Whether the person works for `organization` on `day`, as far as the directory said.
    pub fn works_for(&self, organization: Uuid, day: NaiveDate) -> bool {
        self.organization_id == organization && self.active && active_on(self.active_until, day)
    }
}

#[tracing::instrument(skip_all)]
pub async fn find_person(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<Option<CopiedPerson>> {
    directory_people::table
        .filter(directory_people::id.eq(id))
        .select((
            directory_people::id,
            directory_people::organization_id,
            directory_people::active,
            directory_people::active_until,
            directory_people::version,
        ))
        .first(conn)
        .await
        .optional()
}

/// Locks a copied person's row (for a service that changes its own data about the person in
/// the same transaction); `false` when the person is not in the copy.
#[tracing::instrument(skip_all)]
pub async fn lock_person(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<bool> {
    directory_people::table
        .filter(directory_people::id.eq(id))
        .select(directory_people::id)
        .for_update()
        .first::<Uuid>(conn)
        .await
        .optional()
        .map(|row| row.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_person_works_for_their_organisation_until_the_last_active_day() {
        let office = Uuid::now_v7();
        let person = CopiedPerson {
            id: Uuid::now_v7(),
            organization_id: office,
            active: true,
            active_until: Some(day("2026-12-31")),
            version: 2,
        };
        assert!(person.works_for(office, day("2026-12-31")));
        assert!(!person.works_for(office, day("2027-01-01")));
        assert!(!person.works_for(Uuid::now_v7(), day("2026-06-01")));
        let left = CopiedPerson {
            active: false,
            ..person
        };
        assert!(!left.works_for(office, day("2026-06-01")));
        assert!(active_on(None, day("2099-01-01")));
    }
}

/// Where a person works on `day`: their organisation and its kind, when both are active.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct Affiliation {
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub kind: String,
}

/// The active organisation an active person works for on `day`, in one query.
#[tracing::instrument(skip_all)]
pub async fn affiliation(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    day: NaiveDate,
) -> QueryResult<Option<Affiliation>> {
    diesel::sql_query(
        "SELECT p.organization_id, o.kind FROM directory_people p \
         JOIN directory_organizations o ON o.id = p.organization_id \
         WHERE p.id = $1 AND p.active AND (p.active_until IS NULL OR p.active_until >= $2) \
           AND o.active",
    )
    .bind::<sql_types::Uuid, _>(person)
    .bind::<sql_types::Date, _>(day)
    .keep_prepared()
    .get_result(conn)
    .await
    .optional()
}
