//! HTTP endpoints of the case service. A handler extracts the request, decides access, checks
//! the input, calls one operation of `app` and replies; writes run through
//! `qmf_platform::Write`, so the change and its `Idempotency-Key` answer commit together.

pub mod cases;
pub mod commands;
pub mod instruments;
pub mod oversight;
pub mod records;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every case endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(cases::open)
        .service(cases::list)
        .service(cases::upsert_by_external_id)
        .service(cases::get_by_external_id)
        .service(cases::get)
        .service(cases::update)
        .service(cases::timeline)
        .service(commands::assessment::complete_assessment)
        .service(commands::plan::agree_plan)
        .service(commands::plan::accept_plan)
        .service(commands::plan::decline_plan)
        .service(commands::help::start_help)
        .service(commands::review::hold_review)
        .service(commands::help::end_help)
        .service(commands::closing::close)
        .service(commands::closing::close_without_help)
        .service(commands::transfer::request_transfer)
        .service(commands::transfer::accept_transfer)
        .service(commands::transfer::decline_transfer)
        .service(commands::closing::reopen)
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
