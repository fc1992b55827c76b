//! HTTP endpoints of the training service.

pub mod attendance;
pub mod certificates;
pub mod courses;
pub mod exports;
pub mod feeds;
pub mod needs;
pub mod proposals;
pub mod registrations;
pub mod sessions;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every training endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(courses::create)
        .service(courses::republish)
        .service(courses::list)
        .service(courses::get)
        .service(sessions::create)
        .service(sessions::list)
        .service(sessions::get)
        .service(sessions::cancel)
        .service(sessions::change)
        .service(exports::participant_list)
        .service(exports::sign_in_sheet)
        .service(registrations::register)
        .service(registrations::list)
        .service(registrations::get)
        .service(registrations::cancel)
        .service(registrations::accept)
        .service(registrations::offer)
        .service(registrations::approve)
        .service(registrations::reject)
        .service(registrations::move_in_waiting_list)
        .service(attendance::record)
        .service(attendance::of_registration)
        .service(attendance::record_make_up)
        .service(attendance::training_record)
        .service(certificates::list)
        .service(certificates::get)
        .service(certificates::document)
        .service(certificates::revoke)
        .service(certificates::reissue)
        .service(certificates::verify)
        .service(feeds::create)
        .service(feeds::list)
        .service(feeds::revoke)
        .service(feeds::calendar)
        .service(needs::of_person)
        .service(needs::of_organization)
        .service(proposals::list);
}
