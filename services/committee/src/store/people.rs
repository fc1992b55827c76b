//! The people the committee knows: names and work e-mail as the directory publishes them
//! (for invitations; kept in the shared directory read copy, `qmf_directory_copy`), and whether
//! the person agreed to appear in the public (OParl) interface (`publication_consents`, the
//! committee's own). `committee_people` is the view that joins both.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::schema::{committee_people, memberships, oparl_tombstones, publication_consents};

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

/// The person, with their copied row locked for the rest of the transaction (a view with an
/// outer join cannot be locked itself).
#[tracing::instrument(skip_all, fields(person_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<PersonRow>, ApiError> {
    if !qmf_directory_copy::store::lock_person(conn, id).await? {
        return Ok(None);
    }
    Ok(committee_people::table
        .filter(committee_people::id.eq(id))
        .select(PersonRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The organisation each of `people` works for, as the directory last said (people the
/// committee does not know are left out).
#[tracing::instrument(skip_all, fields(people = people.len()))]
pub async fn organizations_of(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
) -> Result<HashMap<Uuid, Uuid>, ApiError> {
    if people.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(Uuid, Uuid)> = committee_people::table
        .filter(committee_people::id.eq_any(people))
        .select((committee_people::id, committee_people::organization_id))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Records the person's consent to publication. Withdrawing it turns the person and their
/// memberships into OParl tombstones; giving it again brings them back.
#[tracing::instrument(skip_all, fields(person_id = %person.id))]
pub async fn set_consent(
    conn: &mut AsyncPgConnection,
    person: &PersonRow,
    consent: bool,
) -> Result<PersonRow, ApiError> {
    diesel::insert_into(publication_consents::table)
        .values((
            publication_consents::person_id.eq(person.id),
            publication_consents::public_consent.eq(consent),
        ))
        .on_conflict(publication_consents::person_id)
        .do_update()
        .set((
            publication_consents::public_consent.eq(consent),
            publication_consents::changed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    let updated = committee_people::table
        .filter(committee_people::id.eq(person.id))
        .select(PersonRow::as_select())
        .first(conn)
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
