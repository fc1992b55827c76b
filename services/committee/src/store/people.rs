//! The people the committee knows: names and work e-mail as the directory publishes them
//! (for invitations), and whether the person agreed to appear in the public (OParl) interface.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::directory::{PersonDeactivatedV1, PersonV1};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::schema::{committee_people, memberships, oparl_tombstones};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = committee_people)]
pub struct PersonRow {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub active: bool,
    pub directory_version: i32,
    pub public_consent: bool,
    pub consent_changed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Applies a person event; an older version than the stored one changes nothing.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    person: &PersonV1,
) -> Result<(), diesel::result::Error> {
    use diesel::sql_types;
    let active = person
        .active_until
        .is_none_or(|until| until >= Utc::now().date_naive());
    diesel::sql_query(
        "INSERT INTO committee_people (id, organization_id, given_name, family_name, active, directory_version, email) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET organization_id = EXCLUDED.organization_id, \
             given_name = EXCLUDED.given_name, family_name = EXCLUDED.family_name, email = EXCLUDED.email, \
             active = EXCLUDED.active, directory_version = EXCLUDED.directory_version, updated_at = now() \
         WHERE committee_people.directory_version < EXCLUDED.directory_version",
    )
    .bind::<sql_types::Uuid, _>(person.id)
    .bind::<sql_types::Uuid, _>(person.organization_id)
    .bind::<sql_types::Text, _>(&person.given_name)
    .bind::<sql_types::Text, _>(&person.family_name)
    .bind::<sql_types::Bool, _>(active)
    .bind::<sql_types::Integer, _>(person.version)
    .bind::<sql_types::Nullable<sql_types::Text>, _>(person.email.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn deactivate(
    conn: &mut AsyncPgConnection,
    event: &PersonDeactivatedV1,
) -> Result<(), diesel::result::Error> {
    diesel::update(
        committee_people::table
            .filter(committee_people::id.eq(event.id))
            .filter(committee_people::directory_version.lt(event.version)),
    )
    .set((
        committee_people::active.eq(false),
        committee_people::directory_version.eq(event.version),
        committee_people::updated_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<PersonRow>, ApiError> {
    Ok(committee_people::table
        .filter(committee_people::id.eq(id))
        .select(PersonRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Records the person's consent to publication. Withdrawing it turns the person and their
/// memberships into OParl tombstones; giving it again brings them back.
pub async fn set_consent(
    conn: &mut AsyncPgConnection,
    person: &PersonRow,
    consent: bool,
) -> Result<PersonRow, ApiError> {
    let updated =
        diesel::update(committee_people::table.filter(committee_people::id.eq(person.id)))
            .set((
                committee_people::public_consent.eq(consent),
                committee_people::consent_changed_at.eq(diesel::dsl::now),
                committee_people::updated_at.eq(diesel::dsl::now),
            ))
            .returning(PersonRow::as_returning())
            .get_result(conn)
            .await?;
    let seats: Vec<(Uuid, DateTime<Utc>)> = memberships::table
        .filter(memberships::person_id.eq(person.id))
        .select((memberships::id, memberships::created_at))
        .load(conn)
        .await?;
    if consent {
        let ids: Vec<Uuid> = seats.iter().map(|(id, _)| *id).chain([person.id]).collect();
        diesel::delete(oparl_tombstones::table.filter(oparl_tombstones::id.eq_any(ids)))
            .execute(conn)
            .await?;
    } else if person.public_consent {
        let mut rows = vec![(
            oparl_tombstones::kind.eq("Person"),
            oparl_tombstones::id.eq(person.id),
            oparl_tombstones::created_at.eq(person.created_at),
        )];
        for (id, created_at) in &seats {
            rows.push((
                oparl_tombstones::kind.eq("Membership"),
                oparl_tombstones::id.eq(*id),
                oparl_tombstones::created_at.eq(*created_at),
            ));
        }
        diesel::insert_into(oparl_tombstones::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(updated)
}
