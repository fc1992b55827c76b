//! Registering, changing and deactivating organisations.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, RuleName as _, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::organization::OrganizationDraft;
use crate::domain::rules::Rule;
use crate::events;
use crate::store::organizations::{self as store, OrganizationRow};

/// An organisation with whether a valid agreement exists today.
pub type WithStatus = (OrganizationRow, bool);

/// Registers an organisation (`directory.organization.registered.v1`).
#[tracing::instrument(skip_all)]
pub async fn register(
    conn: &mut AsyncPgConnection,
    draft: &OrganizationDraft,
) -> ApiResult<OrganizationRow> {
    let row = store::insert(conn, Uuid::now_v7(), draft).await?;
    events::organization_registered(conn, &row).await?;
    Ok(row)
}

/// Reads one organisation.
#[tracing::instrument(skip_all, fields(organization_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<WithStatus> {
    store::find(conn, id, today())
        .await?
        .ok_or_else(|| not_found("organisation"))
}

/// Replaces an organisation's data at the version the client read
/// (`directory.organization.updated.v1`).
#[tracing::instrument(skip_all, fields(organization_id = %id))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &qmf_platform::IfMatch,
    draft: &OrganizationDraft,
) -> ApiResult<WithStatus> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("organisation"))?;
    if_match.check(current.version)?;
    let row = store::update(conn, id, draft).await?;
    events::organization_updated(conn, &row).await?;
    find(conn, id).await
}

/// Deactivates an organisation at the version the client read
/// (`directory.organization.deactivated.v1`).
#[tracing::instrument(skip_all, fields(organization_id = %id))]
pub async fn deactivate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &qmf_platform::IfMatch,
) -> ApiResult<WithStatus> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("organisation"))?;
    if_match.check(current.version)?;
    if !current.active {
        return Err(
            Rule::OrganizationAlreadyInactive.conflict("the organisation is already deactivated")
        );
    }
    let row = store::deactivate(conn, id).await?;
    events::organization_deactivated(conn, &row).await?;
    find(conn, id).await
}
