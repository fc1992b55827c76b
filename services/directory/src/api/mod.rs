//! HTTP endpoints of the directory.

pub mod admin;
pub mod agreements;
pub mod import;
pub mod organizations;
pub mod people;

use actix_web::HttpResponse;
use actix_web::http::header;
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::etag::with_etag;
use qmf_platform::{ApiError, PageQuery};
use serde::Serialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::store::organizations::{ListKey, ListOrder};

/// Registers every directory endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(organizations::create)
        .service(organizations::list)
        .service(import::import_organizations)
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
        .service(admin::republish);
}

/// The day rules are evaluated on (UTC).
pub fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Lists are in creation order; with `modified_since` they switch to change order so that a
/// sync client sees every change after its last run exactly once per page walk.
pub fn list_order(modified_since: Option<DateTime<Utc>>) -> ListOrder {
    if modified_since.is_some() {
        ListOrder::Changed
    } else {
        ListOrder::Created
    }
}

pub fn page_params(
    limit: Option<i64>,
    cursor: Option<String>,
) -> Result<(i64, Option<ListKey>), ApiError> {
    let page = PageQuery { limit, cursor };
    Ok((page.limit()?, page.after::<ListKey>()?))
}

pub fn list_key(order: ListOrder, id: uuid::Uuid, change_seq: i64) -> ListKey {
    match order {
        ListOrder::Created => ListKey::Id(id),
        ListOrder::Changed => ListKey::Seq(change_seq),
    }
}

/// 200 with the representation and its ETag.
pub fn ok_with_etag(body: &impl Serialize, version: i32) -> HttpResponse {
    with_etag(&mut HttpResponse::Ok(), version).json(body)
}

/// 201 with the representation, its ETag and its Location.
pub fn created(body: &impl Serialize, version: i32, location: String) -> HttpResponse {
    let mut response = HttpResponse::Created();
    response.insert_header((header::LOCATION, location));
    with_etag(&mut response, version).json(body)
}

/// Trimmed search text, or `None` when blank.
pub fn search_text(q: Option<String>) -> Result<Option<String>, ApiError> {
    match q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 100 => Err(ApiError::validation(
            "/query/q",
            "must have at most 100 characters",
        )),
        other => Ok(other),
    }
}
