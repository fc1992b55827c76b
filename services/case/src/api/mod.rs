//! HTTP endpoints of the case service.

pub mod cases;
pub mod commands;
pub mod instruments;
pub mod oversight;
pub mod records;

use chrono::{NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, Principal};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::domain::access;
use crate::store::audit;

/// Registers every case endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(cases::open)
        .service(cases::list)
        .service(cases::upsert_by_external_id)
        .service(cases::get_by_external_id)
        .service(cases::get)
        .service(cases::update)
        .service(cases::timeline)
        .service(commands::complete_assessment)
        .service(commands::agree_plan)
        .service(commands::accept_plan)
        .service(commands::decline_plan)
        .service(commands::start_help)
        .service(commands::hold_review)
        .service(commands::end_help)
        .service(commands::close)
        .service(commands::close_without_help)
        .service(commands::request_transfer)
        .service(commands::accept_transfer)
        .service(commands::decline_transfer)
        .service(commands::reopen)
        .service(records::overview)
        .service(records::list_plans)
        .service(records::document)
        .service(records::due_reviews)
        .service(instruments::list)
        .service(instruments::get)
        .service(instruments::release)
        .service(oversight::outcomes)
        .service(oversight::audit_log);
}

/// The day rules are evaluated on (UTC).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
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
