//! HTTP endpoints of the committee service. Each extracts the request, checks access
//! (`domain::access`) and input, calls one operation (`app`) and replies; writes run the
//! operation in the request's `Write`. The OParl interface has its own endpoints
//! (`crate::oparl`).

pub mod agenda;
pub mod bodies;
pub mod decisions;
pub mod meetings;
pub mod memberships;
pub mod minutes;
pub mod people;
pub mod terms;
pub mod topics;

use qmf_platform::{ApiError, ApiResult, ListKey, Paged};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

/// Registers every committee endpoint.
pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(bodies::list)
        .service(bodies::create_working_group)
        .service(bodies::get)
        .service(bodies::dissolve)
        .service(memberships::memberships)
        .service(memberships::create_membership)
        .service(memberships::end_membership)
        .service(meetings::plan)
        .service(meetings::list)
        .service(meetings::get)
        .service(meetings::transition)
        .service(agenda::add_item)
        .service(agenda::reorder)
        .service(agenda::remove_item)
        .service(agenda::invite)
        .service(minutes::record_attendance)
        .service(minutes::read_minutes)
        .service(minutes::write_minutes)
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
        .service(people::get_consent)
        .service(people::legacy::get)
        .service(people::consent)
        .service(meetings::forum_report)
        .service(terms::list)
        .service(terms::proposal)
        .service(terms::create);
    crate::oparl::routes(cfg);
}

/// Where a page of a list in id order starts: after the id in the cursor.
fn id_cursor<F>(query: &Paged<F>) -> ApiResult<Option<Uuid>> {
    match query.after::<ListKey>()? {
        None => Ok(None),
        Some(ListKey::Id(id)) => Ok(Some(id)),
        Some(ListKey::Change(..)) => Err(ApiError::validation(
            "/query/cursor",
            "is not a cursor returned by this list",
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeSet;

    use qmf_platform::RuleName;

    use crate::domain::Rule;

    /// The rules the 409 answers of the OpenAPI document name (in backticks) are exactly the
    /// declared rules: none is misspelt in the documentation, none goes undocumented.
    #[test]
    fn conflicts_document_the_declared_rules() {
        let doc = serde_json::to_value(crate::openapi()).unwrap();
        let mut documented = BTreeSet::new();
        for item in doc["paths"].as_object().unwrap().values() {
            for operation in item.as_object().unwrap().values() {
                let Some(text) = operation["responses"]["409"]["description"].as_str() else {
                    continue;
                };
                for quoted in text.split('`').skip(1).step_by(2) {
                    if !quoted.is_empty()
                        && quoted.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
                    {
                        documented.insert(quoted.to_string());
                    }
                }
            }
        }
        let declared: BTreeSet<String> = Rule::ALL.iter().map(|r| r.name().to_string()).collect();
        assert_eq!(documented, declared);
    }
}
