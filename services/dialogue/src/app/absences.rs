//! Recording and removing absences.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, Principal, RuleName, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::absences::AbsenceDraft;
use crate::domain::access;
use crate::domain::rules::Rule;
use crate::store::absences::{self as store, AbsenceRow};

/// Records one absence of a person of the directory (the person or the coordination).
#[tracing::instrument(skip_all)]
pub async fn record(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    draft: AbsenceDraft,
) -> ApiResult<AbsenceRow> {
    access::require_absence_writer(principal, draft.person_id)?;
    let person = qmf_directory_copy::store::find_person(conn, draft.person_id)
        .await?
        .filter(|p| p.active && qmf_directory_copy::store::active_on(p.active_until, today()))
        .ok_or_else(|| {
            Rule::PersonUnknown.conflict("the person is not an active person of the directory")
        })?;
    let mut rows = store::insert(
        conn,
        person.organization_id,
        std::slice::from_ref(&draft),
        &principal.subject,
    )
    .await?;
    rows.pop()
        .ok_or_else(|| qmf_platform::ApiError::internal("absence vanished while storing"))
}

/// Removes an absence (the person or the coordination).
#[tracing::instrument(skip_all, fields(absence_id = %id))]
pub async fn remove(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("absence"))?;
    access::require_absence_writer(principal, row.person_id)?;
    store::delete(conn, id).await?;
    Ok(())
}

/// Replaces every absence of an organisation's people (integrating software or the
/// coordination). Every person must be an active person of that organisation.
#[tracing::instrument(skip_all, fields(organization_id = %organization))]
pub async fn replace_of_organization(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    organization: Uuid,
    drafts: Vec<AbsenceDraft>,
) -> ApiResult<Vec<AbsenceRow>> {
    access::require_bulk_absence_writer(principal, organization)?;
    let mut people: Vec<Uuid> = drafts.iter().map(|d| d.person_id).collect();
    people.sort();
    people.dedup();
    let staff = crate::store::hosts::staff_of(conn, organization, &people, today()).await?;
    let unknown: Vec<String> = people
        .iter()
        .filter(|p| !staff.contains(p))
        .map(Uuid::to_string)
        .collect();
    if !unknown.is_empty() {
        return Err(Rule::PersonUnknown.conflict(format!(
            "not active people of the organisation: {}",
            unknown.join(", ")
        )));
    }
    store::delete_of_organization(conn, organization).await?;
    store::insert(conn, organization, &drafts, &principal.subject).await
}
