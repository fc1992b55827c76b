//! Starting service binaries for a command: the readiness wait, and a service on its own for
//! `bench` and `fuzz` (a throwaway database dropped and created anew, its own broker names with
//! their queues deleted first, its own port, rate limits off), so that a running
//! `cargo xtask up` is not disturbed.

use std::fs::File;
use std::net::{Ipv4Addr, TcpListener};
use std::path::Path;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection};

use crate::Result;
use crate::build;
use crate::ctx::{Ctx, Service};
use crate::process::{self, GroupChild, Interrupted, tail};

/// A service run on its own: its database, broker names and port.
pub struct Isolated<'a> {
    pub service: Service,
    pub database: &'a str,
    pub exchange: &'a str,
    pub queue_prefix: &'a str,
    pub port: u16,
    /// Further environment variables for the service.
    pub extra_env: Vec<(&'static str, &'static str)>,
}

#[derive(QueryableByName)]
pub struct TextRow {
    #[diesel(sql_type = Text)]
    pub value: String,
}

/// Drops and creates a throwaway database; returns the server version.
pub async fn recreate_database(admin_url: &str, database: &str) -> Result<String> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL at {admin_url}: {e}"))?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    diesel::sql_query(format!("CREATE DATABASE {database}"))
        .execute(&mut conn)
        .await?;
    let version: TextRow = diesel::sql_query("SELECT current_setting('server_version') AS value")
        .get_result(&mut conn)
        .await?;
    println!("xtask: recreated database {database}");
    Ok(version.value)
}

/// Starts `binary serve` with the service's local environment, but the database, broker names
/// and port of `isolated` and every rate limit off (the caller is one client at one address
/// sending many requests). Output goes to `log_path`; `name` names the process in messages.
pub fn spawn(
    ctx: &Ctx,
    isolated: &Isolated,
    binary: &Path,
    log_path: &Path,
    name: String,
) -> Result<GroupChild> {
    // Throwaway like the database: queues an earlier run (or version) declared go, so the
    // service declares them afresh with its current arguments.
    for queue in ["events", "dead-letter"] {
        crate::infra::delete_queue(
            ctx,
            &format!("{}{}.{queue}", isolated.queue_prefix, isolated.service.name),
        )?;
    }
    let log =
        File::create(log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut cmd = Command::new(binary);
    cmd.envs(build::service_env(ctx, isolated.service)?)
        .env("QMF_HTTP_ADDR", format!("127.0.0.1:{}", isolated.port))
        .env("QMF_DATABASE_URL", ctx.database_url(isolated.database))
        .env("QMF_EVENTS_EXCHANGE", isolated.exchange)
        .env("QMF_EVENTS_QUEUE_PREFIX", isolated.queue_prefix)
        .envs(build::RATE_LIMITS_OFF)
        .envs(isolated.extra_env.iter().copied())
        // A JWKS URL from the developer's shell would conflict with the development secret.
        .env_remove("QMF_AUTH_JWKS_URL")
        .current_dir(&ctx.root);
    let child = build::spawn_serving(&mut cmd, log)?;
    println!(
        "xtask: started {} on 127.0.0.1:{} (pid {}), log {}",
        ctx.display_path(binary),
        isolated.port,
        child.id(),
        ctx.display_path(log_path)
    );
    Ok(GroupChild::new(name, child))
}

/// Waits until `GET {base_url}/health/ready` answers 2xx; fails when the child exits first,
/// after `timeout`, or on a signal. Errors quote the end of the child's log.
pub fn wait_ready(
    ctx: &Ctx,
    child: &mut GroupChild,
    base_url: &str,
    log: &Path,
    timeout: Duration,
) -> Result<()> {
    let url = format!("{base_url}/health/ready");
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.poll() {
            return Err(format!(
                "{} exited ({status}) before it became ready. Last lines of {}:\n{}",
                child.name,
                ctx.display_path(log),
                tail(log, 30)
            )
            .into());
        }
        if process::stop_requested() {
            return Err(Box::new(Interrupted));
        }
        let last = match client.get(&url).send() {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => format!("HTTP {}", response.status()),
            Err(e) if e.is_connect() => "connection refused".to_string(),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "{} did not become ready within {} s (GET {url}: {last}). Last lines of {}:\n{}",
                child.name,
                timeout.as_secs(),
                ctx.display_path(log),
                tail(log, 30)
            )
            .into());
        }
        thread::sleep(Duration::from_millis(250));
    }
}

/// A port on 127.0.0.1 that nothing listens on right now (the system picks it).
pub fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(|e| format!("cannot find a free port on 127.0.0.1: {e}"))?;
    Ok(listener.local_addr()?.port())
}
