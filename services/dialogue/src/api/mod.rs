//! HTTP endpoints of the dialogue service.

pub mod absences;
pub mod calendar;
pub mod calendar_view;
pub mod coverage;
pub mod cycles;
pub mod dialogues;
pub mod hosts;
pub mod invitations;
pub mod planning;
pub mod reports;
pub mod results;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers every dialogue endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(cycles::open)
        .service(cycles::list)
        .service(cycles::get)
        .service(cycles::change_rules)
        .service(cycles::close)
        .service(coverage::get)
        .service(calendar_view::get)
        .service(hosts::list)
        .service(hosts::get)
        .service(hosts::update)
        .service(absences::create)
        .service(absences::list)
        .service(absences::delete)
        .service(absences::replace_of_organization)
        .service(calendar::import_school_holidays)
        .service(calendar::list_school_holidays)
        .service(calendar::blackout_days)
        .service(dialogues::list)
        .service(dialogues::get)
        .service(dialogues::schedule)
        .service(dialogues::change_guests)
        .service(dialogues::cancel)
        .service(dialogues::history)
        .service(invitations::invite)
        .service(invitations::respond)
        .service(invitations::create_feed)
        .service(invitations::list)
        .service(invitations::revoke)
        .service(invitations::calendar)
        .service(results::mark_held)
        .service(results::document)
        .service(results::documentation)
        .service(results::rate)
        .service(results::complete_evaluation)
        .service(results::measures)
        .service(results::complete_measure)
        .service(results::get_finding)
        .service(reports::get_template)
        .service(reports::save)
        .service(reports::submit)
        .service(reports::get)
        .service(reports::reads)
        .service(reports::prefill)
        .service(planning::cycle_instance)
        .service(planning::cycle_previous)
        .service(planning::request)
        .service(planning::list)
        .service(planning::get)
        .service(planning::cancel)
        .service(planning::accept)
        .service(planning::plan)
        .service(planning::document);
}
