//! HTTP endpoints of the committee service.

pub mod bodies;
pub mod terms;

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
        .service(terms::list)
        .service(terms::proposal)
        .service(terms::create);
}
