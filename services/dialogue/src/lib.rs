//! QMF dialogue service. The three-year cycle of quality dialogues (Qualitätsdialoge): planning, quality reports and documented results. Business endpoints follow in their own issue.

pub mod domain;

use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running};
use utoipa_actix_web::service_config::ServiceConfig;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "dialogue",
    title: "QMF dialogue service",
    description: "The three-year cycle of quality dialogues (Qualitätsdialoge): planning, quality reports and documented results. Business endpoints follow in their own issue.",
    default_port: 8084,
};

pub fn commands() -> Commands {
    Commands {
        info: SERVICE,
        migrations: vec![qmf_platform::db::MIGRATIONS, qmf_events::MIGRATIONS],
        openapi,
        documents: vec![],
    }
}

/// The service's own endpoints; for now only the shared health, metrics and docs endpoints.
pub fn routes(_cfg: &mut ServiceConfig) {}

pub fn openapi() -> utoipa::openapi::OpenApi {
    qmf_platform::http::document(&SERVICE, routes)
}

pub fn start(config: &Config) -> Result<Running, BoxError> {
    qmf_platform::server::start(config, routes, None, Vec::new())
}

pub async fn serve(config: Config) -> Result<(), BoxError> {
    start(&config)?.serve().await
}
