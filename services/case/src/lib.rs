//! The case service: every help case (§§27 ff., 35a, 41 SGB VIII) through the region's one
//! process, with encrypted personal data, access decided in the queries and an append-only
//! audit log. It keeps a read copy of the directory, fed by directory events.

pub mod api;
pub mod app;
pub mod crypto;
pub mod domain;
pub mod events;
pub mod retention;
pub mod settings;
pub mod store;

use std::sync::Arc;

use actix_web::web;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use qmf_directory_copy::{DirectoryCopy, PersonDetail};
use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running, Subscription};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::settings::CaseSettings;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "case",
    title: "QMF case service",
    description: "Help cases (Hilfe zur Erziehung, §35a, §41 SGB VIII) through the region's one \
        process with its unified instruments. The service keeps a read copy of the directory's \
        organisations, agreements and staff affiliations from its events: a case is led by an \
        active youth office and one of its caseworkers. Names and dates of birth are encrypted at \
        rest; access is decided per case in the database query (the responsible youth office, or \
        the institution delivering the current plan); every read and write, and every refused \
        read, is audited.",
    default_port: 8082,
};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The directory read copy the case service keeps: organisations and agreements (the youth
/// office leading a case, the provider delivering it) and who works where (the caseworker),
/// without names or e-mail.
pub const DIRECTORY: DirectoryCopy = DirectoryCopy::with_people(PersonDetail::Affiliation);

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

/// Starts HTTP, the outbox relay, the directory consumer and the jobs (retention besides the
/// platform's); the database must be migrated.
pub fn start(config: &Config, settings: CaseSettings) -> Result<Running, BoxError> {
    let subscription = Subscription {
        bindings: DIRECTORY.bindings(),
        handler: Arc::new(DIRECTORY),
    };
    let jobs = vec![retention::job(
        settings.retention,
        settings.retention_interval,
    )];
    let settings = web::Data::new(settings);
    let routes = move |cfg: &mut ServiceConfig| {
        cfg.app_data(settings.clone());
        api::routes(cfg);
    };
    qmf_platform::server::start(config, routes, Some(subscription), jobs)
}

pub async fn serve(config: Config) -> Result<(), BoxError> {
    let settings = CaseSettings::from_env()?;
    start(&config, settings)?.serve().await
}
