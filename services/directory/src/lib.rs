//! The directory service: organisations, people (staff) and agreements of the QMF region.
//! It owns these records; the other services keep read copies fed by its events.

pub mod api;
pub mod app;
pub mod consumer;
pub mod domain;
pub mod events;
pub mod settings;
pub mod store;

use actix_web::web;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running, Subscription};
use settings::DirectorySettings;
use utoipa_actix_web::service_config::ServiceConfig;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "directory",
    title: "QMF directory service",
    description: "Organisations (youth offices, institutions, KVJS, the education provider), their \
        staff and their agreements in the region Heilbronn-Franken. The directory owns these \
        records; other services keep read copies fed by its events \
        (`directory.organization.*`, `directory.person.*`, `directory.agreement.*`).",
    default_port: 8081,
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
        documents: vec![("asyncapi", qmf_contracts::asyncapi::document)],
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    qmf_platform::http::document(&SERVICE, api::routes)
}

/// Starts HTTP, the outbox relay and the consumer of the events the engagement view is fed
/// by; the database must be migrated.
pub fn start(config: &Config, settings: DirectorySettings) -> Result<Running, BoxError> {
    let subscription = Subscription {
        bindings: consumer::bindings(),
        handler: std::sync::Arc::new(consumer::DirectoryConsumer),
    };
    let settings = web::Data::new(settings);
    let routes = move |cfg: &mut ServiceConfig| {
        cfg.app_data(settings.clone());
        api::routes(cfg);
    };
    qmf_platform::server::start(config, routes, Some(subscription), Vec::new())
}

/// Serves until SIGINT/SIGTERM, then drains HTTP and stops the relay.
pub async fn serve(config: Config) -> Result<(), BoxError> {
    let settings = DirectorySettings::from_env()?;
    start(&config, settings)?.serve().await
}
