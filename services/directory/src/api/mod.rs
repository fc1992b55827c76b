//! HTTP endpoints of the directory.

pub mod admin;
pub mod agreements;
pub mod engagement;
pub mod import;
pub mod leadership;
pub mod organizations;
pub mod people;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every directory endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(organizations::create)
        .service(organizations::list)
        .service(import::import_organizations)
        .service(engagement::of_organization)
        .service(engagement::of_region)
        .service(organizations::get)
        .service(organizations::update)
        .service(organizations::deactivate)
        .service(people::create)
        .service(people::list)
        .service(import::import_people)
        .service(people::get)
        .service(people::update)
        .service(people::deactivate)
        .service(agreements::create)
        .service(agreements::list)
        .service(agreements::get)
        .service(agreements::terminate)
        .service(leadership::create)
        .service(leadership::list)
        .service(leadership::get)
        .service(admin::republish)
        .service(engagement::rebuild);
}
