//! The committee service: the cooperation's bodies (Forum Jugendhilfe, management, steering
//! group, overall coordination, working groups), who sits where, and the management's terms.

pub mod api;
pub mod app;
pub mod consumer;
pub mod domain;
pub mod events;
pub mod model;
pub mod oparl;
pub mod store;

use std::sync::Arc;

use actix_web::web;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use qmf_platform::Config;
use qmf_platform::config::{ConfigError, ServiceInfo};
use qmf_platform::server::{BoxError, Commands, Running, Subscription};
use utoipa_actix_web::service_config::ServiceConfig;

pub const SERVICE: ServiceInfo = ServiceInfo {
    name: "committee",
    title: "QMF committee service",
    description: "The cooperation's bodies: Forum Jugendhilfe, management (Geschäftsführung), \
        steering group, overall coordination and working groups; their memberships and the \
        management's two-year terms, held in rotation by the youth offices; meetings with agenda, \
        attendance, minutes and invitations; topics (Vorlagen) on their way from a working group \
        through the steering group to a Forum decision; the decision register; and a public \
        read-only OParl 1.1 interface.",
    default_port: 8083,
};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Length of a management term, `QMF_COMMITTEE_TERM_YEARS` (default 2).
#[derive(Debug, Clone, Copy)]
pub struct TermSettings {
    pub years: u32,
}

impl TermSettings {
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        match lookup("QMF_COMMITTEE_TERM_YEARS").filter(|v| !v.trim().is_empty()) {
            None => Ok(TermSettings { years: 2 }),
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|y| (1..=10).contains(y))
                .map(|years| TermSettings { years })
                .ok_or(ConfigError {
                    variable: "QMF_COMMITTEE_TERM_YEARS".into(),
                    value: raw,
                    reason: "expected a number of years from 1 to 10".into(),
                }),
        }
    }
}

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

/// Starts HTTP, the outbox relay and the consumer (directory, escalated findings); the
/// database must be migrated.
pub fn start(config: &Config, settings: TermSettings) -> Result<Running, BoxError> {
    let subscription = Subscription {
        bindings: consumer::bindings(),
        handler: Arc::new(consumer::CommitteeConsumer),
    };
    let settings = web::Data::new(settings);
    let routes = move |cfg: &mut ServiceConfig| {
        cfg.app_data(settings.clone());
        api::routes(cfg);
    };
    qmf_platform::server::start(config, routes, Some(subscription), Vec::new())
}

pub async fn serve(config: Config) -> Result<(), BoxError> {
    let settings = TermSettings::from_lookup(|key| std::env::var(key).ok())?;
    start(&config, settings)?.serve().await
}
