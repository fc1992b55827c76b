//! The training service: QMF trainings (QMF-Schulungen) run by the education provider JuCon /
//! Diakonische Jugendhilfe Heilbronn for staff of youth offices and institutions together. The
//! organisers keep a catalogue of courses and schedule sessions; staff register themselves or
//! are registered by their organisation; seats are kept for both kinds of organisation until a
//! reservation ends, limited per organisation, and a waiting list gets freed seats as offers
//! that expire.

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
    name: "training",
    title: "QMF training service",
    description: "Joint QMF trainings (QMF-Schulungen) run by JuCon / Diakonische Jugendhilfe \
        Heilbronn for staff of youth offices and institutions together: a catalogue of courses, \
        dated sessions with seats, registrations with seats kept for both kinds of organisation \
        and a limit per organisation, and a waiting list whose next eligible person is offered \
        a freed seat for a limited time.",
    default_port: 8085,
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

/// Starts HTTP, the outbox relay, the consumer (the directory read copy) and the job that lets
/// expired offers go; the database must be migrated.
pub fn start(config: &Config) -> Result<Running, BoxError> {
    let subscription = Subscription {
        bindings: consumer::bindings(),
        handler: Arc::new(consumer::TrainingConsumer),
    };
    qmf_platform::server::start(
        config,
        api::routes,
        Some(subscription),
        vec![jobs::expire_offers_job(), jobs::reminders_job()],
    )
}

pub async fn serve(config: Config) -> Result<(), BoxError> {
    start(&config)?.serve().await
}
