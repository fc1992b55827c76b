//! The read-only OParl 1.1 interface (https://oparl.org) over the committee's public data:
//! anonymous, no bearer token, `Access-Control-Allow-Origin: *` on every response (the platform
//! answers CORS for `/oparl/` itself, preflights included).
//!
//! One system with one body, the region's cooperation; its committees are OParl
//! organizations, the management terms legislative terms, adopted guidelines and
//! recommendations papers. Only public content appears: public meetings and their public
//! agenda items, people who consented to publication and their memberships. Objects that stop
//! being public stay in their lists as tombstones (`deleted: true` with `id`, `type`,
//! `created`, `modified`), and their URLs keep answering with the tombstone.
//!
//! Every `id` and link is an absolute URL under the configured public base URL
//! (`QMF_PUBLIC_BASE_URL`); without one, under the request's own host, and only behind a
//! configured trusted proxy (`QMF_TRUSTED_PROXIES`) under what `Forwarded` or
//! `X-Forwarded-Proto`/`X-Forwarded-Host` say. A client's forwarding headers are ignored.
//!
//! Lists are sorted by id (stable), paged with an opaque `cursor` in `links.next`, and filtered
//! by `created_since`, `created_until`, `modified_since`, `modified_until` (inclusive bounds);
//! every page link repeats the filters, the page size and `omit_internal`. Incremental sync is
//! exact: a list hands out only what was modified before its sync horizon
//! ([`store::sync_horizon`], kept in the cursor for all its pages), so a client that resumes
//! with `modified_since` = the largest `modified` it has seen skips no change.
//!
//! The module has its own layers: [`api`] (endpoints), [`read`] (a page or an object on one
//! snapshot), [`render`] (objects from rows), [`model`] (the objects as JSON), [`domain`] and
//! [`params`] (plain rules: types, URLs, labels, list parameters), [`store`] and [`rows`] (the
//! queries).

pub mod api;
pub mod domain;
pub mod model;
pub mod params;
pub mod read;
pub mod render;
pub mod rows;
pub mod store;

use utoipa_actix_web::service_config::ServiceConfig;

/// Registers the OParl endpoints.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(api::system)
        .service(api::list_bodies)
        .service(api::get_body)
        .service(api::list_organizations)
        .service(api::get_organization)
        .service(api::list_organization_meetings)
        .service(api::list_people)
        .service(api::get_person)
        .service(api::list_memberships)
        .service(api::get_membership)
        .service(api::list_meetings)
        .service(api::get_meeting)
        .service(api::list_agenda_items)
        .service(api::get_agenda_item)
        .service(api::list_locations)
        .service(api::get_location)
        .service(api::list_papers)
        .service(api::get_paper)
        .service(api::list_consultations)
        .service(api::get_consultation)
        .service(api::list_legislative_terms)
        .service(api::get_legislative_term);
}
