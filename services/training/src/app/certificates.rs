//! Certificates of attendance: issued with every completion, revoked when the completion is
//! taken back or by the organisers, verified by anyone holding the code.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal, RuleName, not_found};
use uuid::Uuid;

use crate::domain::access;
use crate::domain::certificates::new_code;
use crate::domain::rules::Rule;
use crate::events;
use crate::store::certificates::{self as store, CertificateRow};

/// Why a certificate is revoked when its completion is taken back.
pub const WITHDRAWN: &str =
    "Die Teilnahme wurde berichtigt; die Schulung gilt nicht mehr als abgeschlossen.";

/// Issues the certificate of a completed registration and publishes
/// `training.certificate.issued.v1`; nothing when it has a valid one.
pub async fn issue_for(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
) -> ApiResult<Option<CertificateRow>> {
    let issued = store::issue(conn, Uuid::now_v7(), &new_code(), registration).await?;
    if let Some(row) = &issued {
        events::certificate(conn, row).await?;
    }
    Ok(issued)
}

/// Revokes the valid certificate of a registration whose completion was taken back.
pub async fn revoke_for_withdrawal(
    conn: &mut AsyncPgConnection,
    registration: Uuid,
    by: &str,
) -> ApiResult<()> {
    if let Some(valid) = store::valid_of(conn, registration).await? {
        let row = store::revoke(conn, valid.id, by, WITHDRAWN).await?;
        events::certificate(conn, &row).await?;
    }
    Ok(())
}

/// Issues a certificate anew for a completed registration without a valid one (after a
/// revocation, e.g. to correct a name). The organisers.
pub async fn reissue(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    registration: Uuid,
) -> ApiResult<CertificateRow> {
    access::require_organiser(principal)?;
    crate::store::registrations::find(conn, registration)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    if let Some(valid) = store::valid_of(conn, registration).await? {
        return Err(Rule::CertificateValid.conflict(format!(
            "certificate {} is valid; revoke it first",
            valid.id
        )));
    }
    issue_for(conn, registration)
        .await?
        .ok_or_else(|| Rule::NotCompleted.conflict("the registration has no completion"))
}

/// A certificate, for its holder, their organisation's software, the organisers and the
/// coordination.
pub async fn get(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<CertificateRow> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("certificate"))?;
    if !super::may_act_for(conn, principal, row.person_id, row.organization_id).await? {
        // Another person's certificate is not admitted to exist.
        return Err(not_found("certificate"));
    }
    Ok(row)
}

/// The certificates of a person (whoever may act for them) or of a session (the organisers
/// and the coordination).
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    person: Option<Uuid>,
    session: Option<Uuid>,
) -> ApiResult<Vec<CertificateRow>> {
    match person {
        Some(person) => {
            let organization = qmf_directory_copy::store::find_person(conn, person)
                .await?
                .map(|p| p.organization_id)
                .ok_or_else(|| not_found("person"))?;
            super::require_act_for(conn, principal, person, organization).await?;
        }
        None if session.is_some() => {
            if !access::acts_for_everyone(principal) {
                return Err(ApiError::Forbidden(
                    "a session's certificates are for the organisers and the coordination".into(),
                ));
            }
        }
        None => {
            return Err(ApiError::validation(
                "/person_id",
                "give person_id or session_id",
            ));
        }
    }
    store::list(conn, person, session).await
}

/// Revokes a certificate; publishes `training.certificate.revoked.v1`. The organisers.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    reason: &str,
) -> ApiResult<CertificateRow> {
    access::require_organiser(principal)?;
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("certificate"))?;
    if_match.check(current.version)?;
    if current.revoked_at.is_some() {
        return Err(Rule::CertificateRevoked.conflict("the certificate is revoked already"));
    }
    let row = store::revoke(conn, id, &principal.subject, reason).await?;
    events::certificate(conn, &row).await?;
    Ok(row)
}

/// What a verification code stands for; `None` when no certificate has it.
pub async fn verify(conn: &mut AsyncPgConnection, code: &str) -> ApiResult<Option<CertificateRow>> {
    store::by_code(conn, code).await
}
