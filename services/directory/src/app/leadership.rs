//! Recording the leaders' confirmations of the cooperation.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, not_found};
use uuid::Uuid;

use super::people::require_active_organization;
use crate::domain::leadership::{self, ConfirmationDraft, Confirmer};
use crate::events;
use crate::store::leadership::{self as store, ConfirmationRow};
use crate::store::people as people_store;

/// Records a leader's confirmation for an active organisation
/// (`directory.leadership.confirmed.v1`).
#[tracing::instrument(skip_all, fields(organization_id = %draft.organization_id))]
pub async fn confirm(
    conn: &mut AsyncPgConnection,
    draft: &ConfirmationDraft,
) -> ApiResult<ConfirmationRow> {
    require_active_organization(conn, draft.organization_id).await?;
    let person = people_store::find(conn, draft.leader_id)
        .await?
        .ok_or_else(|| ApiError::validation("/leader_id", "no such person"))?;
    leadership::check_confirmer(
        draft.organization_id,
        draft.confirmed_on,
        Confirmer {
            organization_id: person.organization_id,
            functions: &person.functions,
            active_from: person.active_from,
            active_until: person.active_until,
        },
    )?;
    let row = store::insert(conn, Uuid::now_v7(), draft).await?;
    events::leadership_confirmed(conn, &row).await?;
    Ok(row)
}

/// Reads one confirmation.
#[tracing::instrument(skip_all, fields(confirmation_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<ConfirmationRow> {
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("leadership confirmation"))
}
