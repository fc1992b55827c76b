//! HTTP endpoints of the case service. The help-process endpoints come with their own issue;
//! until then the service serves only the shared health, metrics and docs endpoints.

use utoipa_actix_web::service_config::ServiceConfig;

pub fn routes(_cfg: &mut ServiceConfig) {}
