//! The cluster under fault: a PostgreSQL and a RabbitMQ of its own (state in
//! `<state>/faults`, free ports, so a running `cargo xtask up` is left alone), a proxy per
//! service in front of the broker, and two replicas of every service on one database each.

use std::fs::{self, OpenOptions};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use super::proxy::Proxy;
use crate::Result;
use crate::build::{self, Binaries};
use crate::ctx::{Ctx, SERVICES, Service};
use crate::infra::{self, Cluster as PgCluster};
use crate::process::{self, GroupChild, output_checked, tail};

pub const REPLICAS: usize = 2;

/// One replica of a service: its port, log and process.
pub struct Replica {
    pub service: Service,
    pub index: usize,
    pub port: u16,
    pub log: PathBuf,
    child: Option<GroupChild>,
}

impl Replica {
    pub fn name(&self) -> String {
        format!("{}-{}", self.service.name, self.index + 1)
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

pub struct FaultCluster {
    pub ctx: Ctx,
    binaries: Binaries,
    pub replicas: Vec<Replica>,
    pub proxies: Vec<(Service, Proxy)>,
    rabbit: Option<GroupChild>,
    pg: PgCluster,
    http: reqwest::blocking::Client,
}

impl FaultCluster {
    /// Starts PostgreSQL and RabbitMQ afresh, the proxies, and both replicas of every service
    /// at the same moment (their migrations race, which is one of the things under test); waits
    /// until every replica is ready.
    pub fn start(ctx: &Ctx, binaries: Binaries) -> Result<FaultCluster> {
        infra::ensure_packages(&infra::Needs {
            postgres_server: true,
            rabbitmq: true,
            psql: true,
        })?;
        let state = ctx.state.join("faults");
        let fctx = Ctx {
            root: ctx.root.clone(),
            state: state.clone(),
            pg_port: free_port()?,
            amqp_port: free_amqp_port()?,
        };
        // What a killed earlier run left behind, then a clean slate.
        let _ = infra::stop_cluster(&PgCluster::development(&fctx).dir());
        let _ = infra::stop_rabbitmq(&fctx, None);
        let _ = fs::remove_dir_all(PgCluster::development(&fctx).dir());
        let _ = fs::remove_dir_all(&state);
        fs::create_dir_all(state.join("logs"))?;

        let pg = PgCluster::development(&fctx);
        infra::start_cluster(&pg)?;
        let mut cluster = FaultCluster {
            ctx: fctx,
            binaries,
            replicas: Vec::new(),
            proxies: Vec::new(),
            rabbit: None,
            pg,
            http: reqwest::blocking::Client::builder()
                .timeout(Duration::from_secs(2))
                .build()?,
        };
        cluster.start_broker()?;
        let databases: Vec<String> = SERVICES.iter().map(|s| s.database()).collect();
        infra::ensure_databases(&cluster.ctx, &databases)?;
        for service in SERVICES {
            cluster
                .proxies
                .push((service, Proxy::start(cluster.ctx.amqp_port)?));
            for index in 0..REPLICAS {
                cluster.replicas.push(Replica {
                    service,
                    index,
                    port: free_port()?,
                    log: state.join(format!("logs/{}-{}.log", service.name, index + 1)),
                    child: None,
                });
            }
        }
        for i in 0..cluster.replicas.len() {
            cluster.start_replica(i, &[])?;
        }
        cluster.wait_all_ready(Duration::from_secs(180))?;
        Ok(cluster)
    }

    pub fn proxy(&self, service: Service) -> Result<&Proxy> {
        self.proxies
            .iter()
            .find(|(s, _)| *s == service)
            .map(|(_, proxy)| proxy)
            .ok_or_else(|| format!("no proxy for {}", service.name).into())
    }

    /// Starts replica `i` (logs appended to its file) with `extra` environment on top of the
    /// local one: its own port, the broker through its service's proxy, rate limits off, the
    /// jobs every two seconds, and the consumer's duplicate notices in the log.
    pub fn start_replica(&mut self, i: usize, extra: &[(&str, String)]) -> Result<()> {
        let replica = &self.replicas[i];
        let service = replica.service;
        let proxy_port = self.proxy(service)?.port;
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&replica.log)?;
        let mut cmd = build::service_command(&self.ctx, &self.binaries, service)?;
        cmd.env("QMF_HTTP_ADDR", format!("127.0.0.1:{}", replica.port))
            .env(
                "QMF_AMQP_URL",
                format!("amqp://guest:guest@127.0.0.1:{proxy_port}/%2f"),
            )
            .env("QMF_HTTP_WORKERS", "1")
            .env("QMF_DB_POOL_SIZE", "4")
            .env("QMF_LOG", "info,qmf_events=debug")
            .envs(build::RATE_LIMITS_OFF)
            .env("QMF_IDEMPOTENCY_PURGE_INTERVAL_SECS", "2")
            .env("QMF_CASE_RETENTION_INTERVAL_SECS", "2")
            .env("QMF_SHUTDOWN_TIMEOUT_SECS", "5")
            .envs(extra.iter().map(|(k, v)| (*k, v.as_str())));
        let child = build::spawn_serving(&mut cmd, log)?;
        let name = replica.name();
        self.replicas[i].child = Some(GroupChild::new(name, child));
        Ok(())
    }

    /// SIGKILL to replica `i`'s process group.
    pub fn kill_replica(&mut self, i: usize) {
        if let Some(mut child) = self.replicas[i].child.take() {
            kill_group(&mut child);
        }
    }

    /// Replica `i`'s exit status once it has exited.
    pub fn exited(&mut self, i: usize) -> Option<std::process::ExitStatus> {
        self.replicas[i].child.as_mut().and_then(GroupChild::poll)
    }

    /// Whether every replica answers `/health/ready` with 2xx; else which does not.
    pub fn not_ready(&mut self) -> Vec<String> {
        let mut waiting = Vec::new();
        let client = &self.http;
        for replica in &mut self.replicas {
            let alive = replica.child.as_mut().is_some_and(|c| c.poll().is_none());
            let ready = alive
                && client
                    .get(format!("{}/health/ready", replica.base_url()))
                    .send()
                    .is_ok_and(|r| r.status().is_success());
            if !ready {
                waiting.push(replica.name());
            }
        }
        waiting
    }

    pub fn wait_all_ready(&mut self, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            process::check_interrupted()?;
            let waiting = self.not_ready();
            if waiting.is_empty() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let log = self
                    .replicas
                    .iter()
                    .find(|r| r.name() == waiting[0])
                    .map(|r| format!("Last lines of {}:\n{}", r.log.display(), tail(&r.log, 30)))
                    .unwrap_or_default();
                return Err(format!(
                    "not ready within {} s: {}. {log}",
                    timeout.as_secs(),
                    waiting.join(", ")
                )
                .into());
            }
            thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn start_broker(&mut self) -> Result<()> {
        self.rabbit = Some(infra::start_rabbitmq(&self.ctx)?);
        Ok(())
    }

    /// `rabbitmqctl stop`: the broker shuts down in order.
    pub fn stop_broker(&mut self) -> Result<()> {
        infra::stop_rabbitmq(&self.ctx, self.rabbit.take())?;
        Ok(())
    }

    /// SIGKILL to the broker's process group: no chance to write anything down.
    pub fn kill_broker(&mut self) {
        if let Some(mut child) = self.rabbit.take() {
            kill_group(&mut child);
        }
        let pid_file = self.ctx.rabbitmq_dir().join("rabbit.pid");
        let _ = fs::remove_file(pid_file);
    }

    /// `pg_ctl stop -m fast` (open sessions are ended) and start again.
    pub fn restart_postgres(&mut self, down_for: Duration) -> Result<()> {
        infra::stop_cluster(&self.pg.dir())?;
        thread::sleep(down_for);
        infra::start_cluster(&self.pg)
    }

    /// `psql` on database `db`: the rows of `sql`, fields split at `|`. A fresh process per
    /// query, so a restarted PostgreSQL needs no reconnect.
    pub fn query(&self, db: &str, sql: &str) -> Result<Vec<Vec<String>>> {
        let psql = infra::psql().ok_or("psql not found")?;
        let mut cmd = Command::new(psql);
        cmd.args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &self.ctx.pg_port.to_string()])
            .args(["-U", "postgres", "-d", db, "-c", sql]);
        Ok(output_checked(&mut cmd)?
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('|').map(str::to_string).collect())
            .collect())
    }

    /// Runs `qmf-<service> <args>` once with the service's environment and log filter `log`;
    /// its output.
    pub fn run_command(&self, service: Service, args: &[&str], log: &str) -> Result<String> {
        let mut cmd = build::service_command(&self.ctx, &self.binaries, service)?;
        cmd.env(
            "QMF_AMQP_URL",
            format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.ctx.amqp_port),
        )
        .env("QMF_LOG", log)
        .args(args);
        output_checked(&mut cmd)
    }

    /// Stops the replicas (SIGTERM, then SIGKILL), the broker and PostgreSQL.
    pub fn stop(&mut self) {
        let mut children: Vec<GroupChild> = self
            .replicas
            .iter_mut()
            .filter_map(|r| r.child.take())
            .collect();
        process::stop_groups(&mut children, Duration::from_secs(10));
        self.proxies.clear();
        if let Err(e) = infra::stop_rabbitmq(&self.ctx, self.rabbit.take()) {
            eprintln!("xtask: stopping the fault suite's RabbitMQ: {e}");
        }
        if let Err(e) = infra::stop_cluster(&self.pg.dir()) {
            eprintln!("xtask: stopping the fault suite's PostgreSQL: {e}");
        }
    }
}

impl Drop for FaultCluster {
    fn drop(&mut self) {
        self.stop();
    }
}

fn kill_group(child: &mut GroupChild) {
    if let Ok(pgid) = i32::try_from(child.child.id()) {
        let _ = killpg(Pid::from_raw(pgid), Signal::SIGKILL);
    }
    let _ = child.child.wait();
}

fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
    Ok(listener.local_addr()?.port())
}

/// An AMQP port whose management (+10000) and distribution (+20000) ports are free as well.
fn free_amqp_port() -> Result<u16> {
    let free = |port: u16| TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok();
    (5690..5790)
        .find(|&p| free(p) && free(p + 10000) && free(p + 20000))
        .ok_or_else(|| "no free AMQP port between 5690 and 5789 (with +10000, +20000)".into())
}
