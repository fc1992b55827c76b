//! HTTP endpoints of the case service.

pub mod cases;

use chrono::{NaiveDate, Utc};
use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every case endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(cases::open)
        .service(cases::list)
        .service(cases::upsert_by_external_id)
        .service(cases::get_by_external_id)
        .service(cases::get)
        .service(cases::update)
        .service(cases::timeline);
}

/// The day rules are evaluated on (UTC).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}
