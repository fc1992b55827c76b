//! Registering, changing and deactivating staff.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, IfMatch, RuleName as _, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::person::PersonDraft;
use crate::domain::rules::Rule;
use crate::events;
use crate::store::organizations as organization_store;
use crate::store::people::{self as store, PersonRow};

/// People and agreements are added only to an existing, active organisation.
#[tracing::instrument(skip_all, fields(organization_id = %organization_id))]
pub async fn require_active_organization(
    conn: &mut AsyncPgConnection,
    organization_id: Uuid,
) -> ApiResult<()> {
    match organization_store::find(conn, organization_id, today()).await? {
        None => Err(ApiError::validation(
            "/organization_id",
            "no such organisation",
        )),
        Some((row, _)) if !row.active => {
            Err(Rule::OrganizationInactive.conflict("the organisation is deactivated"))
        }
        Some(_) => Ok(()),
    }
}

/// Registers a person at an active organisation (`directory.person.registered.v1`).
#[tracing::instrument(skip_all)]
pub async fn register(conn: &mut AsyncPgConnection, draft: &PersonDraft) -> ApiResult<PersonRow> {
    require_active_organization(conn, draft.organization_id).await?;
    let row = store::insert(conn, Uuid::now_v7(), draft).await?;
    events::person_registered(conn, &row).await?;
    Ok(row)
}

/// Reads one person.
#[tracing::instrument(skip_all, fields(person_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<PersonRow> {
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("person"))
}

/// Replaces a person's data at the version the client read; the organisation stays
/// (`directory.person.updated.v1`).
#[tracing::instrument(skip_all, fields(person_id = %id))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
    draft: &PersonDraft,
) -> ApiResult<PersonRow> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("person"))?;
    if_match.check(current.version)?;
    if current.organization_id != draft.organization_id {
        return Err(ApiError::validation(
            "/organization_id",
            "cannot change; register the person anew at the other organisation",
        ));
    }
    let row = store::update(conn, id, draft).await?;
    events::person_updated(conn, &row).await?;
    Ok(row)
}

/// Ends a person's active period (`directory.person.deactivated.v1`).
#[tracing::instrument(skip_all, fields(person_id = %id))]
pub async fn deactivate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
    until: NaiveDate,
) -> ApiResult<PersonRow> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("person"))?;
    if_match.check(current.version)?;
    if let Some(closed) = current.active_until {
        return Err(Rule::PersonAlreadyInactive
            .conflict(format!("the active period already ends on {closed}")));
    }
    if until < current.active_from {
        return Err(ApiError::validation(
            "/active_until",
            "must not be before active_from",
        ));
    }
    let row = store::end_activity(conn, id, until).await?;
    events::person_deactivated(conn, &row).await?;
    Ok(row)
}
