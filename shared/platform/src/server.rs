//! The command line every service binary shares: `serve` (default), `migrate`, `openapi`.

use std::future::Future;
use std::process::ExitCode;

use diesel_migrations::EmbeddedMigrations;

use crate::config::{Config, ServiceInfo};
use crate::db;

/// Error type of a service's `serve` function.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A subcommand printing a document: its name and the document.
pub type Document = (&'static str, fn() -> serde_json::Value);

/// What a service binary can do besides serving.
pub struct Commands {
    pub info: ServiceInfo,
    /// Migration sets in the order they are applied.
    pub migrations: Vec<EmbeddedMigrations>,
    /// The OpenAPI document (no database needed).
    pub openapi: fn() -> utoipa::openapi::OpenApi,
    /// Extra subcommands printing a document, e.g. `asyncapi`.
    pub documents: Vec<Document>,
}

/// Runs the binary: parses the subcommand, loads configuration, starts telemetry, migrates, serves.
pub fn main<F, Fut>(commands: Commands, serve: F) -> ExitCode
where
    F: FnOnce(Config) -> Fut,
    Fut: Future<Output = Result<(), BoxError>>,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    let command = args.first().map(String::as_str).unwrap_or("serve");
    let print = |value: serde_json::Value| match serde_json::to_string_pretty(&value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cannot render document: {e}");
            ExitCode::FAILURE
        }
    };
    match command {
        "openapi" => {
            return print(serde_json::to_value((commands.openapi)()).unwrap_or_default());
        }
        "serve" | "migrate" | "replay-dead-letters" => {}
        "help" | "--help" | "-h" => {
            print_usage(&commands);
            return ExitCode::SUCCESS;
        }
        other => {
            if let Some((_, document)) = commands.documents.iter().find(|(name, _)| *name == other)
            {
                return print(document());
            }
            eprintln!("unknown command {other:?}");
            print_usage(&commands);
            return ExitCode::from(2);
        }
    }

    let config = match Config::from_env(commands.info) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("qmf-{}: {e}", commands.info.name);
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The batch span exporter needs a runtime context while it is built.
    let _enter = runtime.enter();
    let _telemetry = match crate::telemetry::init(&config) {
        Ok(guard) => guard,
        Err(e) => {
            eprintln!("qmf-{}: {e}", commands.info.name);
            return ExitCode::from(2);
        }
    };
    if command == "replay-dead-letters" {
        return replay_dead_letters(&runtime, &config, args.get(1).map(String::as_str));
    }
    match db::run_migrations(config.session_database_url(), &commands.migrations) {
        Ok(applied) => tracing::info!(applied, "database schema is up to date"),
        Err(e) => {
            tracing::error!(error = %e, "migrations failed");
            return ExitCode::FAILURE;
        }
    }
    if command == "migrate" {
        return ExitCode::SUCCESS;
    }
    match runtime.block_on(serve(config)) {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, "service failed");
            ExitCode::FAILURE
        }
    }
}

/// `replay-dead-letters [MAX]`: moves up to MAX (default 1000) messages of the service's
/// dead-letter queue back into its event queue (see `qmf_events::replay_dead_letters`).
fn replay_dead_letters(
    runtime: &tokio::runtime::Runtime,
    config: &Config,
    max: Option<&str>,
) -> ExitCode {
    let max = match max.map(str::parse::<usize>) {
        None => 1000,
        Some(Ok(max)) if max > 0 => max,
        Some(_) => {
            eprintln!("replay-dead-letters: MAX must be a positive number");
            return ExitCode::from(2);
        }
    };
    let events = events_config(config);
    match runtime.block_on(qmf_events::replay_dead_letters(&events, max)) {
        Ok(moved) => {
            println!(
                "moved {moved} message(s) from {} back to {}",
                events.dead_letter_queue(),
                events.queue_name()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("replay-dead-letters: {e}");
            ExitCode::FAILURE
        }
    }
}

fn print_usage(commands: &Commands) {
    let extra: Vec<&str> = commands.documents.iter().map(|(name, _)| *name).collect();
    eprintln!(
        "usage: qmf-{} [serve | migrate | replay-dead-letters [MAX] | openapi{}]\n\
         Configuration comes from QMF_* environment variables; see the README.",
        commands.info.name,
        extra.iter().map(|e| format!(" | {e}")).collect::<String>()
    );
}

/// The events settings of a service from its configuration.
pub fn events_config(config: &Config) -> qmf_events::EventsConfig {
    let mut events = qmf_events::EventsConfig::new(config.amqp_url.clone(), config.service.name);
    events.exchange = config.events_exchange.clone();
    events.queue_prefix = config.events_queue_prefix.clone();
    events.max_deliveries = config.events_max_deliveries;
    events.exit_before_ack = config.fault_exit_before_ack;
    // Events nobody has subscribed to yet must not hold back the others.
    events.require_route = false;
    events
}

/// What a service consumes: routing keys to bind and the handler applying them.
pub struct Subscription {
    pub bindings: Vec<String>,
    pub handler: std::sync::Arc<dyn qmf_events::EventHandler>,
}

/// A started service: HTTP bound, outbox relay, (optionally) consumer and job runner running.
pub struct Running {
    pub http: crate::http::HttpService,
    pub relay: qmf_events::RelayHandle,
    pub consumer: Option<qmf_events::ConsumerHandle>,
    /// The background jobs; dropping the handle stops them.
    pub jobs: crate::jobs::JobsHandle,
}

/// Starts a service on the current runtime; the database must already be migrated.
///
/// `jobs` are the service's background jobs; every service also runs the `idempotency.purge`
/// job (every `QMF_IDEMPOTENCY_PURGE_INTERVAL_SECS`). Each job runs once per interval across
/// all replicas (see [`crate::jobs`]).
pub fn start<F>(
    config: &Config,
    routes: F,
    subscription: Option<Subscription>,
    jobs: Vec<crate::jobs::Job>,
) -> Result<Running, BoxError>
where
    F: Fn(&mut utoipa_actix_web::service_config::ServiceConfig) + Clone + Send + 'static,
{
    let pool = db::pool(&config.database_url, config.db_pool_size)?;
    let events = events_config(config);
    let relay = qmf_events::spawn_relay(pool.clone(), events.clone());
    let consumer = subscription
        .map(|s| qmf_events::spawn_consumer(pool.clone(), events.clone(), s.bindings, s.handler));
    let relay_status = relay.broker_status();
    let consumer_status = consumer.as_ref().map(|c| c.broker_status());
    let broker_ready: crate::http::ReadinessCheck = std::sync::Arc::new(move || {
        relay_status.is_connected()
            && consumer_status
                .as_ref()
                .is_none_or(|status| status.is_connected())
    });
    let ctx = crate::http::AppContext::new(config, pool.clone(), broker_ready)?;
    ctx.metrics.watch_pool("process", &pool);
    crate::http::spawn_housekeeping(ctx.limiters.clone());
    let http = crate::http::bind(config, ctx, routes)?;
    let mut all_jobs = vec![crate::idempotency::purge_job(
        config.idempotency_purge_interval,
    )];
    all_jobs.extend(jobs);
    let settings = crate::jobs::RunnerSettings {
        session_url: config.database_session_url.clone(),
        ..crate::jobs::RunnerSettings::default()
    };
    let jobs = crate::jobs::spawn(pool, all_jobs, settings);
    Ok(Running {
        http,
        relay,
        consumer,
        jobs,
    })
}

impl Running {
    /// Serves until SIGINT/SIGTERM (or a stop through the server handle), then drains HTTP,
    /// stops the job runner (a running job gets a few seconds to finish), and stops the
    /// consumer and the relay (last, so events written by jobs still go out), so no event or
    /// message is left half-handled.
    pub async fn serve(self) -> Result<(), BoxError> {
        self.http.server.await?;
        self.jobs.stop().await;
        if let Some(consumer) = self.consumer {
            consumer.stop().await;
        }
        self.relay.stop().await;
        Ok(())
    }
}
