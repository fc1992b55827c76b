//! The dialogue service: the three-year cycle of quality dialogues (Qualitätsdialoge). The
//! coordination opens a cycle; every organisation with a valid agreement hosts one dialogue;
//! hosts record their representatives, room, preferred months, report date and proposed dates;
//! staff record absences; the region's blackout days (public and school holidays, Forum
//! meetings) are known, so that a proposed date on one is flagged with its reason. So far the
//! schema and the rules (`domain`) exist; the endpoints and the consumer follow.

pub mod domain;
pub mod store;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running};

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "dialogue",
    title: "QMF dialogue service",
    description: "The three-year cycle of quality dialogues (Qualitätsdialoge): cycles and their \
        hosts, planning details, absences, blackout days, dialogues, quality reports and \
        documented results. The database schema and rules for cycles, hosts and absences are in \
        place; their endpoints follow.",
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

/// The service's endpoints; so far only the shared health, metrics and docs endpoints.
pub fn routes(_cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {}

pub fn openapi() -> utoipa::openapi::OpenApi {
    qmf_platform::http::document(&SERVICE, routes)
}

pub fn start(config: &Config) -> Result<Running, BoxError> {
    qmf_platform::server::start(config, routes, None, Vec::new())
}

pub async fn serve(config: Config) -> Result<(), BoxError> {
    start(&config)?.serve().await
}
