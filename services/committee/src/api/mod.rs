//! HTTP endpoints of the committee service; the OParl interface has its own (`crate::oparl`).

pub mod bodies;
pub mod decisions;
pub mod meetings;
pub mod people;
pub mod terms;
pub mod topics;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every committee endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(bodies::list)
        .service(bodies::create_working_group)
        .service(bodies::get)
        .service(bodies::dissolve)
        .service(bodies::memberships)
        .service(bodies::create_membership)
        .service(bodies::end_membership)
        .service(meetings::plan)
        .service(meetings::list)
        .service(meetings::get)
        .service(meetings::transition)
        .service(meetings::add_item)
        .service(meetings::reorder)
        .service(meetings::remove_item)
        .service(meetings::invite)
        .service(meetings::record_attendance)
        .service(meetings::read_minutes)
        .service(meetings::write_minutes)
        .service(topics::create)
        .service(topics::list)
        .service(topics::get)
        .service(topics::history)
        .service(topics::drafts)
        .service(topics::add_draft)
        .service(topics::transition)
        .service(decisions::create)
        .service(decisions::list)
        .service(decisions::get)
        .service(people::get)
        .service(people::consent)
        .service(meetings::forum_report)
        .service(terms::list)
        .service(terms::proposal)
        .service(terms::create);
    crate::oparl::routes(cfg);
}
