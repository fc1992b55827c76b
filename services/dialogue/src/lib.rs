//! The dialogue service: the three-year cycle of quality dialogues (Qualitätsdialoge). The
//! coordination opens a cycle; every organisation with a valid agreement hosts one dialogue;
//! hosts record their representatives, room, preferred months, report date and proposed dates;
//! staff record absences; the region's blackout days (public and school holidays, Forum
//! meetings) are known, so that a proposed date on one is flagged with its reason.

pub mod api;
pub mod app;
pub mod consumer;
pub mod domain;
pub mod events;
pub mod jobs;
pub mod store;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running, Subscription};

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "dialogue",
    title: "QMF dialogue service",
    description: "The three-year cycle of quality dialogues (Qualitätsdialoge). The coordination \
        opens a cycle; every organisation with a valid cooperation agreement hosts one dialogue \
        and joins or leaves as its agreement starts and ends. Hosts record their \
        representatives, room, preferred months, report date and proposed dates; staff record \
        absences (integrating software in bulk); the region's blackout days (Baden-Württemberg \
        public holidays, imported school holidays, Forum meetings) flag proposed dates with \
        their reasons.",
    default_port: 8084,
};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub fn commands() -> Commands {
    Commands {
        info: SERVICE,
        migrations: vec![
            qmf_platform::db::MIGRATIONS,
            qmf_events::MIGRATIONS,
            qmf_directory_copy::MIGRATIONS,
            MIGRATIONS,
        ],
        openapi,
        documents: vec![],
    }
}

pub fn openapi() -> utoipa::openapi::OpenApi {
    qmf_platform::http::document(&SERVICE, api::routes)
}

/// Starts HTTP, the outbox relay, the consumer (directory, Forum meetings) and the hourly
/// reconciliation of hosts; the database must be migrated.
pub fn start(config: &Config) -> Result<Running, BoxError> {
    let subscription = Subscription {
        bindings: consumer::bindings(),
        handler: Arc::new(consumer::DialogueConsumer),
    };
    qmf_platform::server::start(
        config,
        api::routes,
        Some(subscription),
        vec![jobs::reconcile_job(), jobs::planning_job()],
    )
}

pub async fn serve(config: Config) -> Result<(), BoxError> {
    start(&config)?.serve().await
}
