//! Starts services in-process, each with its own database, all on one test exchange.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use qmf_platform::Config;
use qmf_platform::config::ServiceInfo;
use qmf_platform::server::{BoxError, Commands, Running};
use qmf_testkit::TestDatabase;

/// Starts a service from its configuration and its environment (for service-specific settings).
pub type Starter = fn(&Config, &dyn Fn(&str) -> Option<String>) -> Result<Running, BoxError>;

/// The starters of the five services.
pub fn directory(config: &Config, _: &dyn Fn(&str) -> Option<String>) -> Result<Running, BoxError> {
    qmf_directory::start(config)
}

pub fn case(config: &Config, env: &dyn Fn(&str) -> Option<String>) -> Result<Running, BoxError> {
    qmf_case::start(config, qmf_case::settings::CaseSettings::from_lookup(env)?)
}

pub fn committee(
    config: &Config,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Running, BoxError> {
    qmf_committee::start(config, qmf_committee::TermSettings::from_lookup(env)?)
}

pub fn dialogue(config: &Config, _: &dyn Fn(&str) -> Option<String>) -> Result<Running, BoxError> {
    qmf_dialogue::start(config)
}

pub fn training(config: &Config, _: &dyn Fn(&str) -> Option<String>) -> Result<Running, BoxError> {
    qmf_training::start(config)
}

/// One running service under test.
pub struct Service {
    pub base: String,
    pub db: TestDatabase,
    server: actix_web::dev::ServerHandle,
    _relay: qmf_events::RelayHandle,
    _consumer: Option<qmf_events::ConsumerHandle>,
}

impl Service {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn stop(self) {
        self.server.stop(true).await;
    }
}

/// Broker names shared by the services of one test.
pub struct Cluster {
    pub exchange: String,
    pub queue_prefix: String,
}

impl Cluster {
    pub fn new() -> Cluster {
        let (exchange, queue_prefix) = qmf_testkit::unique_names();
        Cluster {
            exchange,
            queue_prefix,
        }
    }

    pub async fn start(&self, info: ServiceInfo, commands: Commands, start: Starter) -> Service {
        self.start_with(info, commands, start, &[]).await
    }

    /// Like `start`, with extra environment variables.
    pub async fn start_with(
        &self,
        info: ServiceInfo,
        commands: Commands,
        start: Starter,
        extra: &[(&str, &str)],
    ) -> Service {
        let db = qmf_testkit::create_database().await;
        let mut env = qmf_testkit::service_env(&db.url, &self.exchange, &self.queue_prefix);
        env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::from_lookup(info, |k| env.get(k).cloned()).unwrap();
        qmf_platform::db::run_migrations(&config.database_url, &commands.migrations).unwrap();
        let running = start(&config, &|key: &str| env.get(key).cloned()).unwrap();
        let base = format!("http://{}", running.http.addr);
        let server = running.http.server.handle();
        tokio::spawn(running.http.server);
        // Ready means connected to the broker with the consumer's bindings declared, so no
        // event published afterwards can miss this service's queue.
        let http = reqwest::Client::new();
        let mut ready = false;
        for _ in 0..100 {
            let response = http
                .get(format!("{base}/health/ready"))
                .send()
                .await
                .unwrap();
            if response.status() == 200 {
                ready = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert!(ready, "{} did not become ready", info.name);
        Service {
            base,
            db,
            server,
            _relay: running.relay,
            _consumer: running.consumer,
        }
    }
}
