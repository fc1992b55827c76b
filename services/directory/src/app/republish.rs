//! Republishing the whole directory, so that late or rebuilt consumers catch up.

use diesel_async::AsyncPgConnection;
use qmf_platform::ApiResult;

use crate::events;
use crate::store::{agreements, organizations, people};

/// How many snapshots went into the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub organizations: usize,
    pub people: usize,
    pub agreements: usize,
}

/// Puts a snapshot event of every organisation, person and agreement into the outbox.
#[tracing::instrument(skip_all)]
pub async fn republish(conn: &mut AsyncPgConnection) -> ApiResult<Counts> {
    let orgs = organizations::all(conn).await?;
    for row in &orgs {
        events::organization_updated(conn, row).await?;
    }
    let staff = people::all(conn).await?;
    for row in &staff {
        events::person_updated(conn, row).await?;
    }
    let signed = agreements::all(conn).await?;
    for row in &signed {
        events::agreement_signed(conn, row).await?;
        if row.terminated_on.is_some() {
            events::agreement_terminated(conn, row).await?;
        }
    }
    Ok(Counts {
        organizations: orgs.len(),
        people: staff.len(),
        agreements: signed.len(),
    })
}
