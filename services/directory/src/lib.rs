//! The directory service: organisations, people (staff) and agreements of the QMF region.
//! It owns these records; the other services keep read copies fed by its events.

pub mod api;
pub mod domain;
pub mod events;
pub mod store;

use std::sync::Arc;

use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::http::{AppContext, HttpService};
use qmf_platform::server::{BoxError, Commands};

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

/// The events settings of this service from its configuration.
pub fn events_config(config: &Config) -> qmf_events::EventsConfig {
    let mut events = qmf_events::EventsConfig::new(config.amqp_url.clone(), SERVICE.name);
    events.exchange = config.events_exchange.clone();
    events.queue_prefix = config.events_queue_prefix.clone();
    events.max_deliveries = config.events_max_deliveries;
    // Events nobody has subscribed to yet must not hold back the others.
    events.require_route = false;
    events
}

/// A started directory: HTTP server bound, outbox relay running.
pub struct Running {
    pub http: HttpService,
    pub relay: qmf_events::RelayHandle,
}

/// Starts everything; the database must be migrated.
pub fn start(config: &Config) -> Result<Running, BoxError> {
    let pool = qmf_platform::db::pool(&config.database_url, config.db_pool_size)?;
    let relay = qmf_events::spawn_relay(pool.clone(), events_config(config));
    let broker = relay.broker_status();
    let ctx = AppContext::new(
        config,
        pool.clone(),
        Arc::new(move || broker.is_connected()),
    )?;
    qmf_platform::http::spawn_housekeeping(pool);
    let http = qmf_platform::http::bind(config, ctx, api::routes)?;
    Ok(Running { http, relay })
}

/// Serves until SIGINT/SIGTERM, then drains HTTP and stops the relay.
pub async fn serve(config: Config) -> Result<(), BoxError> {
    let running = start(&config)?;
    running.http.server.await?;
    running.relay.stop().await;
    Ok(())
}
