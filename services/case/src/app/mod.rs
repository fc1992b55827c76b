//! Operations of the case service, one per use case. Each runs on the connection it is given,
//! inside the request's transaction (the write's, see `qmf_platform::Write`, or a read's own),
//! checks the domain rules and calls the store. Handlers in `api` extract, authorize, validate
//! and call one of them.

pub mod cases;
pub mod commands;
pub mod instruments;
pub mod oversight;
pub mod records;
pub mod views;

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, Principal};
use uuid::Uuid;

use crate::domain::access::{self, Audience};
use crate::domain::process::CaseState;
use crate::settings::CaseSettings;
use crate::store::cases::CaseRow;
use crate::store::{audit, parse_code};

/// Who calls an operation, from whose side they look at cases, and the service's settings.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub principal: &'a Principal,
    pub audience: Audience,
    pub settings: &'a CaseSettings,
}

impl<'a> Caller<'a> {
    pub fn new(principal: &'a Principal, audience: Audience, settings: &'a CaseSettings) -> Self {
        Caller {
            principal,
            audience,
            settings,
        }
    }
}

/// The day rules are evaluated on: today in the region (Europe/Berlin).
pub fn today() -> NaiveDate {
    qmf_platform::region::today()
}

/// Ends a read of case data. A refusal (403, or 404, which the caller gets alike for a case that
/// does not exist and one it may not see) is recorded in the audit log as `action` on the case
/// the caller asked for, in a statement of its own: the read's transaction, and the record of a
/// granted read in it, was rolled back. The caller gets the same answer either way, so the
/// record tells them nothing about the case.
pub async fn audit_refusal<T>(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    case_id: Option<Uuid>,
    action: &str,
    read: ApiResult<T>,
) -> ApiResult<T> {
    match read {
        Err(error) if access::is_refusal(&error) => {
            audit::record_refused(conn, principal, case_id, action).await?;
            Err(error)
        }
        other => other,
    }
}

/// The rule state of a case row, given whether a plan waits for the provider and whether one
/// is in force.
pub fn case_state(row: &CaseRow, plan_proposed: bool, plan_accepted: bool) -> ApiResult<CaseState> {
    Ok(CaseState {
        phase: parse_code(&row.phase)?,
        transfer_pending: row.transfer_to_office_id.is_some(),
        plan_proposed,
        plan_accepted,
        closed_on: row.closed_on,
        archived: row.archived_at.is_some(),
    })
}
