//! Signing and terminating cooperation agreements.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, IfMatch, not_found};
use uuid::Uuid;

use super::people::require_active_organization;
use crate::domain::agreement::{AgreementDraft, Termination};
use crate::events;
use crate::store::agreements::{self as store, AgreementRow};

/// Records a signed agreement of an active organisation (`directory.agreement.signed.v1`).
#[tracing::instrument(skip_all)]
pub async fn sign(conn: &mut AsyncPgConnection, draft: &AgreementDraft) -> ApiResult<AgreementRow> {
    require_active_organization(conn, draft.organization_id).await?;
    let row = store::insert(conn, Uuid::now_v7(), draft).await?;
    events::agreement_signed(conn, &row).await?;
    Ok(row)
}

/// Reads one agreement.
#[tracing::instrument(skip_all, fields(agreement_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<AgreementRow> {
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("agreement"))
}

/// Terminates an agreement at the version the client read (`directory.agreement.terminated.v1`).
#[tracing::instrument(skip_all, fields(agreement_id = %id))]
pub async fn terminate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
    termination: &Termination,
) -> ApiResult<AgreementRow> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("agreement"))?;
    if_match.check(current.version)?;
    termination.check(current.signed_on, current.terminated_on)?;
    let row = store::terminate(conn, id, termination).await?;
    events::agreement_terminated(conn, &row).await?;
    Ok(row)
}
