//! The case service: every help case (§§27 ff., 35a, 41 SGB VIII) through the region's one
//! process. For now it keeps its read copy of the directory, fed by directory events.

pub mod api;
pub mod events;
pub mod store;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running, Subscription};

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "case",
    title: "QMF case service",
    description: "Help cases (Hilfe zur Erziehung, §35a, §41 SGB VIII) through the region's one \
        process with its unified instruments. The service keeps a read copy of the directory's \
        organisations and agreements from its events; the case endpoints follow in their own issue.",
    default_port: 8082,
};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub fn commands() -> Commands {
    Commands {
        info: SERVICE,
        migrations: vec![
            qmf_platform::db::MIGRATIONS,
            qmf_events::MIGRATIONS,
            MIGRATIONS,
        ],
        openapi,
        documents: vec![],
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    qmf_platform::http::document(&SERVICE, api::routes)
}

/// Starts HTTP, the outbox relay and the directory consumer; the database must be migrated.
pub fn start(config: &Config) -> Result<Running, BoxError> {
    let subscription = Subscription {
        bindings: events::bindings(),
        handler: Arc::new(events::DirectoryCopy),
    };
    qmf_platform::server::start(config, api::routes, Some(subscription))
}

pub async fn serve(config: Config) -> Result<(), BoxError> {
    start(&config)?.serve().await
}
