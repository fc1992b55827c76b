//! People as the committee knows them, and their consent to publication.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, not_found};
use uuid::Uuid;

use crate::model::people::{Person, person};
use crate::store::people as store;

/// A person the directory's events told about.
#[tracing::instrument(skip_all, fields(person_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Person> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("person"))?;
    Ok(person(row))
}

/// Records whether the person agrees to appear in the public OParl interface.
#[tracing::instrument(skip_all, fields(person_id = %id))]
pub async fn set_consent(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    consent: bool,
) -> ApiResult<Person> {
    let current = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("person"))?;
    Ok(person(store::set_consent(conn, &current, consent).await?))
}
