//! The training service's operations, one per use case, run in the request's transaction.

pub mod attendance;
pub mod catalogue;
pub mod certificates;
pub mod exports;
pub mod feeds;
pub mod needs;
pub mod registrations;
pub mod reminders;

/// Today in the region (Europe/Berlin).
pub fn today() -> chrono::NaiveDate {
    qmf_platform::region::today()
}

/// Whether the caller is staff of `organization` whom the directory gives the function
/// `leader` or `qmf_coordinator`: they register and cancel for their colleagues and see their
/// organisation's registrations.
pub async fn leads(
    conn: &mut diesel_async::AsyncPgConnection,
    principal: &qmf_platform::Principal,
    organization: uuid::Uuid,
) -> qmf_platform::ApiResult<bool> {
    let staff = principal.has_any_role(&[
        qmf_platform::Role::YouthOfficeStaff,
        qmf_platform::Role::InstitutionStaff,
    ]) && principal.belongs_to(organization);
    let Some(subject) = principal
        .subject
        .parse::<uuid::Uuid>()
        .ok()
        .filter(|_| staff)
    else {
        return Ok(false);
    };
    crate::store::needs::holds_function(
        conn,
        subject,
        organization,
        &["leader", "qmf_coordinator"],
        today(),
    )
    .await
}

/// Whether the caller may act for `person` of `organization`: as `domain::access` says, or
/// as a leader or QMF coordinator of the organisation.
pub async fn may_act_for(
    conn: &mut diesel_async::AsyncPgConnection,
    principal: &qmf_platform::Principal,
    person: uuid::Uuid,
    organization: uuid::Uuid,
) -> qmf_platform::ApiResult<bool> {
    if crate::domain::access::may_act_for(principal, person, organization) {
        return Ok(true);
    }
    leads(conn, principal, organization).await
}

/// [`may_act_for`], or 403.
pub async fn require_act_for(
    conn: &mut diesel_async::AsyncPgConnection,
    principal: &qmf_platform::Principal,
    person: uuid::Uuid,
    organization: uuid::Uuid,
) -> qmf_platform::ApiResult<()> {
    if may_act_for(conn, principal, person, organization).await? {
        Ok(())
    } else {
        Err(qmf_platform::ApiError::Forbidden(
            "only the person, their organisation's leaders, QMF coordinators and software, the \
             organisers or the coordination"
                .into(),
        ))
    }
}
