//! `cargo xtask bench`: throughput and latency of the case, committee, dialogue and training
//! service with a realistic amount of data, side by side with what this machine can do at all; and, with
//! `--service planner` only, the quality-dialogue planner on its instance files (`planner`:
//! no PostgreSQL, no RabbitMQ).
//!
//! A run answers "how close are the services to the machine's ceiling":
//!
//! - The load client is a release build: a debug xtask re-runs itself with
//!   `cargo run --release -p xtask -- bench <same arguments>`. Each level records the client's
//!   own CPU seconds (`getrusage`).
//! - PostgreSQL runs with production durability (fsync, synchronous commit, full-page writes
//!   on) in a cluster of the benchmark's own ([`BenchPostgres`]); the development cluster runs
//!   without them, fixed on its command line, and is shared with others, so it is left alone.
//! - Before the scenarios, `ceiling` measures at the same levels what the stack does without
//!   service code: the write transaction of a case command (pgbench) and a bare actix-web +
//!   diesel-async primary-key read; the report gives each scenario's rate as a share of its
//!   ceiling.
//! - Each service's time from spawn to ready and its idle resident memory are recorded.
//!
//! Each benchmarked service runs as its release binary in a child process against its own
//! database (recreated every run) with its own broker names and port, so a running
//! `cargo xtask up` is not disturbed (`launch` starts it so). This module holds what the
//! benchmarks share: the options, the release builds, the benchmark cluster, the started
//! service, the HTTP client, the seeding pool, the closed-loop runner with its latency and CPU
//! figures and the report; `case`, `committee`, `dialogue` and `training` seed their data and
//! define their scenarios, `ceiling` measures the ceilings, `events` the event latency, `usage` reads CPU
//! time and resident memory.

mod case;
mod ceiling;
mod committee;
mod dialogue;
mod events;
mod planner;
mod training;
mod usage;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH, LOCATION};
use reqwest::{Method, StatusCode};

use crate::Result;
use crate::ctx::{Ctx, SERVICES, Service};
use crate::infra::{BenchPostgres, Infra};
pub use crate::launch::TextRow;
use crate::launch::{self, Isolated};
use crate::process::{self, GroupChild, describe, port_open, tail};
pub use ceiling::serve as serve_http_ceiling;
use ceiling::{Ceilings, Compare};

const READY_TIMEOUT: Duration = Duration::from_secs(120);
const OUTBOX_TIMEOUT: Duration = Duration::from_secs(600);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(15);
const PROGRESS_EVERY: Duration = Duration::from_secs(10);
/// Requests in flight during a warm-up.
const WARMUP_CONCURRENCY: usize = 8;
/// How often the readiness endpoint is polled after a start (the resolution of the time to
/// ready).
const READY_POLL: Duration = Duration::from_millis(20);
/// How long a server idles after it became ready before its resident memory is read.
const IDLE_SETTLE: Duration = Duration::from_secs(1);
/// Set for the release build `bench` re-runs itself as.
const RELEASE_MARK: &str = "QMF_BENCH_RELEASE_CLIENT";
/// Connections of the benchmark cluster beyond the deepest concurrency level.
const SPARE_CONNECTIONS: usize = 50;

/// Which benchmark `cargo xtask bench` runs.
#[derive(clap::ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    /// The case, the committee, the dialogue and the training benchmark, one after the other
    /// (not the planner).
    All,
    Case,
    Committee,
    Dialogue,
    Training,
    /// The quality-dialogue planner (`qmf-plan solve`) on instance files at several time
    /// budgets; needs neither PostgreSQL nor RabbitMQ. Runs only when asked for by name.
    Planner,
}

impl Which {
    fn case(self) -> bool {
        matches!(self, Which::All | Which::Case)
    }

    fn committee(self) -> bool {
        matches!(self, Which::All | Which::Committee)
    }

    fn dialogue(self) -> bool {
        matches!(self, Which::All | Which::Dialogue)
    }

    fn training(self) -> bool {
        matches!(self, Which::All | Which::Training)
    }

    fn planner(self) -> bool {
        self == Which::Planner
    }

    /// The name `--service` takes.
    fn name(self) -> &'static str {
        match self {
            Which::All => "all",
            Which::Case => "case",
            Which::Committee => "committee",
            Which::Dialogue => "dialogue",
            Which::Training => "training",
            Which::Planner => "planner",
        }
    }
}

/// Options of `cargo xtask bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct Options {
    /// The benchmark to run: `all` runs the case, the committee, the dialogue and the training
    /// benchmark; the planner runs only with `--service planner`.
    #[arg(long, value_enum, default_value_t = Which::All)]
    pub service: Which,
    /// Seconds each scenario runs at each concurrency level (the service benchmarks; the
    /// planner's time budgets are --planner-seconds).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    /// Unmeasured warm-up seconds before each scenario.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub warmup: u64,
    /// Concurrency levels (requests or operations in flight), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    pub concurrency: Vec<usize>,
    /// Requests in flight while seeding.
    #[arg(long, default_value_t = 32)]
    pub seed_concurrency: usize,
    /// Leave out the ceilings (the pgbench write transaction and the bare HTTP read measured
    /// before the scenarios), for a quicker run; the report then has no ratios.
    #[arg(long)]
    pub skip_ceilings: bool,
    #[command(flatten)]
    pub case: case::CaseOptions,
    #[command(flatten)]
    pub committee: committee::CommitteeOptions,
    #[command(flatten)]
    pub dialogue: dialogue::DialogueOptions,
    #[command(flatten)]
    pub training: training::TrainingOptions,
    #[command(flatten)]
    pub planner: planner::PlannerOptions,
}

impl Options {
    fn validate(&self) -> Result<()> {
        if self.concurrency.is_empty() || self.concurrency.iter().any(|c| !(1..=1024).contains(c)) {
            return Err("--concurrency: give levels from 1 to 1024, e.g. 1,8,32".into());
        }
        if self.seed_concurrency == 0 || self.seed_concurrency > 1024 {
            return Err("--seed-concurrency must be 1 to 1024".into());
        }
        if self.service.case() {
            self.case.validate()?;
        } else {
            only_for("case", &self.case.given(), self.service)?;
        }
        if self.service.committee() {
            self.committee.validate()?;
        } else {
            only_for("committee", &self.committee.given(), self.service)?;
        }
        if self.service.dialogue() {
            self.dialogue.validate()?;
        } else {
            only_for("dialogue", &self.dialogue.given(), self.service)?;
        }
        if self.service.training() {
            self.training.validate()?;
        } else {
            only_for("training", &self.training.given(), self.service)?;
        }
        if self.service.planner() {
            self.planner.validate()?;
            let flags = [("--skip-ceilings", self.skip_ceilings)];
            let given: Vec<&str> = flags
                .into_iter()
                .filter_map(|(name, given)| given.then_some(name))
                .collect();
            only_for("service", &given, self.service)?;
        } else {
            only_for("planner", &self.planner.given(), self.service)?;
        }
        if self.service == Which::All {
            let ports = [
                ("--case-port", self.case.port()),
                ("--committee-port", self.committee.port()),
                ("--dialogue-port", self.dialogue.port()),
                ("--training-port", self.training.port()),
            ];
            for (i, (first, port)) in ports.iter().enumerate() {
                if let Some((second, _)) = ports[i + 1..].iter().find(|(_, p)| p == port) {
                    return Err(format!(
                        "{first} and {second} are both {port}; each service needs its own port"
                    )
                    .into());
                }
            }
        }
        Ok(())
    }

    /// The options every benchmark shares, for a `reproduce:` line.
    fn reproduce_common(&self) -> String {
        let levels: Vec<String> = self.concurrency.iter().map(usize::to_string).collect();
        format!(
            "--seconds {} --warmup {} --concurrency {}{}",
            self.seconds,
            self.warmup,
            levels.join(","),
            if self.skip_ceilings {
                " --skip-ceilings"
            } else {
                ""
            }
        )
    }
}

/// Rejects options of a benchmark that does not run; `service` is the benchmark they belong
/// to (`service`: the service benchmarks, which `all` runs).
fn only_for(service: &str, given: &[&str], selected: Which) -> Result<()> {
    let (verb, pronoun) = match given {
        [] => return Ok(()),
        [_] => ("applies", "it"),
        _ => ("apply", "them"),
    };
    let (benchmark, instead) = match service {
        "service" => (
            "service benchmarks".to_string(),
            "--service all".to_string(),
        ),
        // `all` does not run the planner
        "planner" => (
            "planner benchmark".to_string(),
            "--service planner".to_string(),
        ),
        _ => (
            format!("{service} benchmark"),
            format!("--service {service} (or all)"),
        ),
    };
    Err(format!(
        "{} {verb} only to the {benchmark}, which --service {} does not run; drop {pronoun} \
         or use {instead}",
        given.join(", "),
        selected.name()
    )
    .into())
}

/// `cargo xtask bench`. A debug build of xtask re-runs itself as a release build (the load
/// client should cost the machine as little as it can) and returns that run's exit code.
/// The planner benchmark starts neither RabbitMQ nor PostgreSQL; it starts this binary again
/// as the probe around each planner run (see [`planner`]), which does only that.
pub fn run(ctx: &Ctx, options: &Options) -> Result<ExitCode> {
    if let Some(request) = std::env::var_os(planner::PROBE_MARK) {
        return planner::probe(&request);
    }
    options.validate()?;
    if options.service.planner() {
        // the instance files exist, before a release build
        options.planner.instance_paths(ctx)?;
    }
    if cfg!(debug_assertions) && std::env::var_os(RELEASE_MARK).is_none() {
        return run_release(ctx);
    }
    process::install_signal_handler()?;
    if options.service.planner() {
        return planner::run(ctx, options).map(|()| ExitCode::SUCCESS);
    }
    let mut infra = Infra::up_broker(ctx)?;
    let result = run_selected(ctx, options, &infra);
    infra.stop_started(ctx);
    result.map(|()| ExitCode::SUCCESS)
}

/// `cargo run --release -p xtask -- <these arguments>`, passing on its exit code. A signal
/// reaches both processes (one process group); this one waits for the release run to clean
/// up and end.
fn run_release(ctx: &Ctx) -> Result<ExitCode> {
    use std::os::unix::process::ExitStatusExt;
    process::install_signal_handler()?;
    let mut cmd = process::cargo();
    cmd.args(["run", "--release", "-p", "xtask", "--"])
        .args(std::env::args_os().skip(1))
        .env(RELEASE_MARK, "1")
        // relative paths on the command line (--instances) stay relative to the caller's
        // directory
        .env(planner::CALLER_DIR, std::env::current_dir()?)
        .current_dir(&ctx.root);
    println!(
        "xtask: the load client runs as a release build: {}",
        describe(&cmd)
    );
    let status = cmd
        .status()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    let code = match (status.code(), status.signal()) {
        (Some(code), _) => code,
        (None, Some(signal)) => 128 + signal,
        (None, None) => 1,
    };
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

fn run_selected(ctx: &Ctx, options: &Options, infra: &Infra) -> Result<()> {
    let case = options.service.case().then(|| case::target(&options.case));
    let committee = options
        .service
        .committee()
        .then(|| committee::target(&options.committee));
    let dialogue = options
        .service
        .dialogue()
        .then(|| dialogue::target(&options.dialogue));
    let training = options
        .service
        .training()
        .then(|| training::target(&options.training));
    let targets: Vec<&Target> = case
        .iter()
        .chain(committee.iter())
        .chain(dialogue.iter())
        .chain(training.iter())
        .collect();
    for target in &targets {
        ensure_port_free(target)?;
    }
    let packages: Vec<String> = targets.iter().map(|t| t.package()).collect();
    let binaries = build_release(ctx, &packages)?;
    let deepest = options.concurrency.iter().copied().max().unwrap_or(1);
    let mut postgres = BenchPostgres::start(
        ctx,
        launch::free_port()?,
        (deepest + SPARE_CONNECTIONS).max(300),
    )?;
    // Everything from here on uses the benchmark cluster.
    let ctx = &Ctx {
        pg_port: postgres.port,
        ..ctx.clone()
    };
    let postmaster = postgres.postmaster();
    let targets = Targets {
        case,
        committee,
        dialogue,
        training,
    };
    let result = measure_all(ctx, options, infra, postmaster, &targets, &binaries);
    postgres.stop();
    result
}

/// The ceilings, then each selected service: started, measured, reported and stopped before
/// the next one starts.
fn measure_all(
    ctx: &Ctx,
    options: &Options,
    infra: &Infra,
    postmaster: Option<u32>,
    targets: &Targets,
    binaries: &BTreeMap<String, PathBuf>,
) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let durability = runtime.block_on(durability(&ctx.database_url("postgres")))?;
    println!(
        "xtask: benchmark PostgreSQL on 127.0.0.1:{}: {durability}",
        ctx.pg_port
    );
    let ceilings = if options.skip_ceilings {
        None
    } else {
        Some(runtime.block_on(ceiling::measure(ctx, options, postmaster))?)
    };
    let run = Run {
        infra: infra.describe(ctx),
        durability,
        postmaster,
        ceilings,
    };
    if let Some(target) = &targets.case {
        let mut launched = launch(ctx, &runtime, &run, target, binaries)?;
        runtime.block_on(case::measure(ctx, options, &mut launched, &run))?;
    }
    if let Some(target) = &targets.committee {
        let mut launched = launch(ctx, &runtime, &run, target, binaries)?;
        runtime.block_on(committee::measure(ctx, options, &mut launched, &run))?;
    }
    if let Some(target) = &targets.dialogue {
        let mut launched = launch(ctx, &runtime, &run, target, binaries)?;
        runtime.block_on(dialogue::measure(ctx, options, &mut launched, &run))?;
    }
    if let Some(target) = &targets.training {
        let mut launched = launch(ctx, &runtime, &run, target, binaries)?;
        runtime.block_on(training::measure(ctx, options, &mut launched, &run))?;
    }
    Ok(())
}

/// The benchmarks selected to run.
struct Targets {
    case: Option<Target>,
    committee: Option<Target>,
    dialogue: Option<Target>,
    training: Option<Target>,
}

/// What every report of a run shares: the infrastructure, the durability settings as the
/// server reports them, and the ceilings.
pub struct Run {
    infra: String,
    durability: String,
    /// The benchmark cluster's postmaster, whose CPU time (with its backends') each level
    /// records.
    postmaster: Option<u32>,
    pub ceilings: Option<Ceilings>,
}

#[derive(QueryableByName)]
struct SettingRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    setting: String,
}

/// Reads the durability settings back from the server; fails unless all are on.
async fn durability(admin_url: &str) -> Result<String> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .map_err(|e| format!("cannot connect to {admin_url}: {e}"))?;
    let rows: Vec<SettingRow> = diesel::sql_query(
        "SELECT name::text AS name, setting::text AS setting FROM pg_settings \
         WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name",
    )
    .load(&mut conn)
    .await?;
    let settings: Vec<String> = rows
        .iter()
        .map(|r| format!("{}={}", r.name, r.setting))
        .collect();
    if rows.len() != 3 || rows.iter().any(|r| r.setting != "on") {
        return Err(format!(
            "the benchmark PostgreSQL does not run durably ({}); expected {}",
            settings.join(", "),
            BenchPostgres::DURABILITY.join(", ")
        )
        .into());
    }
    Ok(settings.join(", "))
}

// ---------------------------------------------------------------------------------------------
// the benchmarked service

/// A service as a benchmark runs it: its own database, broker names and port.
pub struct Target {
    /// Name in the service list, e.g. `case`.
    pub service: &'static str,
    pub database: &'static str,
    pub exchange: &'static str,
    pub queue_prefix: &'static str,
    pub port: u16,
    /// The option that chooses the port, for messages.
    pub port_option: &'static str,
}

impl Target {
    fn package(&self) -> String {
        format!("qmf-{}", self.service)
    }

    fn service(&self) -> Result<Service> {
        SERVICES
            .iter()
            .copied()
            .find(|s| s.name == self.service)
            .ok_or_else(|| format!("the service list has no {} service", self.service).into())
    }
}

fn ensure_port_free(target: &Target) -> Result<()> {
    if port_open(target.port) {
        return Err(format!(
            "port {} is in use (another benchmark?); choose another with {}",
            target.port, target.port_option
        )
        .into());
    }
    Ok(())
}

/// `cargo build --release -p <package>`, one package at a time, returning the binaries' paths
/// by package name. One cargo run per package keeps the dependencies' features (and so the
/// build cache) the same whichever benchmarks run.
fn build_release(ctx: &Ctx, packages: &[String]) -> Result<BTreeMap<String, PathBuf>> {
    let mut binaries = BTreeMap::new();
    for package in packages {
        binaries.insert(
            package.clone(),
            crate::build::release_binary(ctx, package, None)?,
        );
        process::check_interrupted()?;
    }
    Ok(binaries)
}

#[derive(QueryableByName)]
pub struct CountRow {
    #[diesel(sql_type = BigInt)]
    pub value: i64,
}

/// What the report says about where the benchmark ran.
pub struct Environment {
    pub binary: String,
    pub log: String,
    pub postgres: String,
    pub infra: String,
    pub durability: String,
}

/// How a server started: the time from its spawn until its readiness endpoint answered, and
/// its resident memory once it had idled for a moment after that.
#[derive(Debug, Clone, Copy)]
pub struct Startup {
    pub ready: Duration,
    pub idle_rss_kib: Option<u64>,
}

impl Startup {
    /// E.g. `ready 412 ms after spawn, idle RSS 21.3 MiB`.
    fn describe(self) -> String {
        let rss = self.idle_rss_kib.map_or("unknown".to_string(), |kib| {
            format!("{:.1} MiB", kib as f64 / 1024.0)
        });
        format!(
            "ready {} ms after spawn, idle RSS {rss}",
            self.ready.as_millis()
        )
    }
}

/// A started benchmark service; stopped when dropped.
pub struct Launched {
    pub api: Api,
    pub database_url: String,
    pub environment: Environment,
    pub database: &'static str,
    pub exchange: &'static str,
    pub queue_prefix: &'static str,
    /// Known once [`Launched::wait_ready`] returned.
    pub startup: Option<Startup>,
    postmaster: Option<u32>,
    service: &'static str,
    spawned: Instant,
    child: GroupChild,
    log: PathBuf,
    ctx: Ctx,
}

/// Recreates the target's database and starts its binary.
fn launch(
    ctx: &Ctx,
    runtime: &tokio::runtime::Runtime,
    run: &Run,
    target: &Target,
    binaries: &BTreeMap<String, PathBuf>,
) -> Result<Launched> {
    let binary = binaries
        .get(&target.package())
        .ok_or_else(|| format!("`cargo build --release` produced no {}", target.package()))?;
    ensure_port_free(target)?;
    let postgres = runtime.block_on(launch::recreate_database(
        &ctx.database_url("postgres"),
        target.database,
    ))?;
    process::check_interrupted()?;
    let client = {
        let _runtime = runtime.enter();
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(1024)
            .build()?
    };
    fs::create_dir_all(ctx.logs_dir())?;
    let log = ctx.logs_dir().join(format!("bench-{}.log", target.service));
    let isolated = Isolated {
        service: target.service()?,
        database: target.database,
        exchange: target.exchange,
        queue_prefix: target.queue_prefix,
        port: target.port,
        extra_env: Vec::new(),
    };
    let spawned = Instant::now();
    let child = launch::spawn(
        ctx,
        &isolated,
        binary,
        &log,
        format!("{} (bench)", target.package()),
    )?;
    Ok(Launched {
        api: Api {
            client,
            base: format!("http://127.0.0.1:{}", target.port),
        },
        database_url: ctx.database_url(target.database),
        environment: Environment {
            binary: ctx.display_path(binary),
            log: ctx.display_path(&log),
            postgres,
            infra: run.infra.clone(),
            durability: run.durability.clone(),
        },
        database: target.database,
        exchange: target.exchange,
        queue_prefix: target.queue_prefix,
        startup: None,
        postmaster: run.postmaster,
        service: target.service,
        spawned,
        child,
        log,
        ctx: ctx.clone(),
    })
}

impl Launched {
    pub fn check_alive(&mut self) -> Result<()> {
        match self.child.poll() {
            Some(status) => Err(format!(
                "the {} service exited ({status}). Last lines of {}:\n{}",
                self.service,
                self.ctx.display_path(&self.log),
                tail(&self.log, 30)
            )
            .into()),
            None => Ok(()),
        }
    }

    /// Waits until the service answers its readiness endpoint; records its [`Startup`].
    pub async fn wait_ready(&mut self) -> Result<()> {
        let api = self.api.clone();
        let pid = self.child.child.id();
        let spawned = self.spawned;
        let what = format!("the {} service", self.service);
        let (ctx, log) = (self.ctx.clone(), self.log.clone());
        let startup = wait_ready(
            &api,
            spawned,
            pid,
            &mut || self.check_alive(),
            &what,
            &ctx,
            &log,
        )
        .await?;
        self.startup = Some(startup);
        Ok(())
    }
}

/// Polls `GET /health/ready` of `api` until it answers 2xx, failing when `check_alive` does,
/// on a signal or after [`READY_TIMEOUT`]; then lets the server (process `pid`) idle for
/// [`IDLE_SETTLE`] and reads its resident memory.
async fn wait_ready(
    api: &Api,
    spawned: Instant,
    pid: u32,
    check_alive: &mut dyn FnMut() -> Result<()>,
    what: &str,
    ctx: &Ctx,
    log: &Path,
) -> Result<Startup> {
    let url = format!("{}/health/ready", api.base);
    let deadline = spawned + READY_TIMEOUT;
    loop {
        check_alive()?;
        process::check_interrupted()?;
        let last = match api.client.get(&url).send().await {
            Ok(response) if response.status().is_success() => break,
            Ok(response) => format!("HTTP {}", response.status()),
            Err(e) if e.is_connect() => "connection refused".to_string(),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "{what} did not become ready within {} s (GET {url}: {last}). Last lines of \
                 {}:\n{}",
                READY_TIMEOUT.as_secs(),
                ctx.display_path(log),
                tail(log, 30)
            )
            .into());
        }
        tokio::time::sleep(READY_POLL).await;
    }
    let ready = spawned.elapsed();
    tokio::time::sleep(IDLE_SETTLE).await;
    check_alive()?;
    Ok(Startup {
        ready,
        idle_rss_kib: usage::rss_kib(pid),
    })
}

impl Drop for Launched {
    fn drop(&mut self) {
        eprintln!("xtask: stopping the benchmarked {} service", self.service);
        process::stop_groups(std::slice::from_mut(&mut self.child), STOP_GRACE);
    }
}

/// Polls until the relay has published every outbox row; returns how many rows there are.
pub async fn wait_for_outbox(database_url: &str) -> Result<i64> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    let deadline = Instant::now() + OUTBOX_TIMEOUT;
    let mut reported = Instant::now();
    loop {
        process::check_interrupted()?;
        let pending: CountRow =
            diesel::sql_query("SELECT count(*) AS value FROM outbox WHERE published_at IS NULL")
                .get_result(&mut conn)
                .await?;
        if pending.value == 0 {
            break;
        }
        if Instant::now() >= deadline {
            return Err(format!(
                "{} outbox events still unpublished after {} s; is RabbitMQ reachable?",
                pending.value,
                OUTBOX_TIMEOUT.as_secs()
            )
            .into());
        }
        if reported.elapsed() >= PROGRESS_EVERY {
            println!(
                "xtask:   waiting for the outbox relay: {} events to publish",
                pending.value
            );
            reported = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let all: CountRow = diesel::sql_query("SELECT count(*) AS value FROM outbox")
        .get_result(&mut conn)
        .await?;
    Ok(all.value)
}

// ---------------------------------------------------------------------------------------------
// requests

#[derive(Clone)]
pub struct Api {
    pub client: reqwest::Client,
    pub base: String,
}

/// A response read to its end.
pub struct Reply {
    pub status: StatusCode,
    pub etag: Option<String>,
    pub location: Option<String>,
    pub body: String,
    what: Option<String>,
}

impl Reply {
    pub fn expect(&self, status: StatusCode, what: &str) -> std::result::Result<(), String> {
        if self.status == status {
            return Ok(());
        }
        let mut body = self.body.clone();
        if body.len() > 400 {
            let mut cut = 400;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push('…');
        }
        Err(format!(
            "{}: HTTP {} (expected {status}): {body}",
            self.what.as_deref().unwrap_or(what),
            self.status
        ))
    }

    /// The new ETag of a write.
    pub fn etag(self) -> std::result::Result<String, String> {
        let what = self.what.unwrap_or_default();
        self.etag
            .ok_or_else(|| format!("{what}: no ETag in the response"))
    }
}

impl Api {
    pub async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> std::result::Result<Reply, String> {
        let response = request.send().await.map_err(|e| e.to_string())?;
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let etag = header(ETAG);
        let location = header(LOCATION);
        let status = response.status();
        let body = response.text().await.map_err(|e| e.to_string())?;
        Ok(Reply {
            status,
            etag,
            location,
            body,
            what: None,
        })
    }

    /// A write with a JSON body (and If-Match when given), expecting `status`.
    pub async fn write(
        &self,
        method: Method,
        token: &str,
        path: &str,
        if_match: Option<&str>,
        body: Vec<u8>,
        status: StatusCode,
    ) -> std::result::Result<Reply, String> {
        let what = format!("{method} {path}");
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(token)
            .header(CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(etag) = if_match {
            request = request.header(IF_MATCH, etag);
        }
        let mut reply = self
            .send(request)
            .await
            .map_err(|e| format!("{what}: {e}"))?;
        reply.what = Some(what);
        reply.expect(status, path)?;
        Ok(reply)
    }

    /// A process command: POST with If-Match, 200 expected; returns the new ETag.
    pub async fn command(
        &self,
        token: &str,
        path: &str,
        etag: &str,
        body: Vec<u8>,
    ) -> std::result::Result<String, String> {
        self.write(Method::POST, token, path, Some(etag), body, StatusCode::OK)
            .await?
            .etag()
    }

    pub async fn get(&self, token: &str, path: &str) -> std::result::Result<Reply, String> {
        let mut reply = self
            .send(
                self.client
                    .get(format!("{}{path}", self.base))
                    .bearer_auth(token),
            )
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        reply.what = Some(format!("GET {path}"));
        reply.expect(StatusCode::OK, path)?;
        Ok(reply)
    }
}

// ---------------------------------------------------------------------------------------------
// seeding

/// Runs `task(n)` for n in 0..total with `concurrency` tasks in flight, printing progress every
/// 10 s as `<progress> done/total`; returns the results in the order of n and the time it took.
/// The first error stops all tasks and is returned after `failure: `.
pub async fn seed_pool<T, F, Fut>(
    progress: &'static str,
    failure: &str,
    total: usize,
    concurrency: usize,
    task: F,
) -> Result<(Vec<T>, Duration)>
where
    T: Send + 'static,
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = std::result::Result<T, String>> + Send,
{
    let task = Arc::new(task);
    let next = Arc::new(AtomicUsize::new(0));
    let done = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let task = task.clone();
        let next = next.clone();
        let done = done.clone();
        workers.spawn(async move {
            let mut results = Vec::new();
            while !process::stop_requested() {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    break;
                }
                results.push((n, task(n).await?));
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, String>(results)
        });
    }
    let reporter = progress_reporter(progress, total, done);
    let mut results = Vec::with_capacity(total);
    let mut first_failure = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(part)) => results.extend(part),
            Ok(Err(e)) => {
                first_failure.get_or_insert(e);
                workers.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                first_failure.get_or_insert(format!("a seeding task failed: {e}"));
                workers.abort_all();
            }
        }
    }
    reporter.abort();
    let elapsed = started.elapsed();
    process::check_interrupted()?;
    if let Some(e) = first_failure {
        return Err(format!("{failure}: {e}").into());
    }
    results.sort_by_key(|(n, _)| *n);
    Ok((results.into_iter().map(|(_, t)| t).collect(), elapsed))
}

fn progress_reporter(
    what: &'static str,
    total: usize,
    done: Arc<AtomicUsize>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        loop {
            tokio::time::sleep(PROGRESS_EVERY).await;
            let done = done.load(Ordering::Relaxed);
            println!(
                "xtask:   {what} {done}/{total} ({:.0}/s)",
                per_second(done, started.elapsed())
            );
        }
    })
}

// ---------------------------------------------------------------------------------------------
// closed-loop runner

/// A scenario of a benchmark.
pub trait Scenario: Copy + Send + Sync + 'static {
    fn name(self) -> &'static str;

    /// What one unit is: `req` (a request) or `op` (several requests).
    fn unit(self) -> &'static str {
        "req"
    }

    /// The ceiling the scenario is compared with; `None` for a ceiling itself.
    fn compare(self) -> Option<Compare>;
}

/// What a benchmark's workers do: one unit of a scenario per call.
pub trait Workload: Send + Sync + 'static {
    type Scenario: Scenario;

    fn once(
        &self,
        api: &Api,
        scenario: Self::Scenario,
        rng: &mut Rng,
    ) -> impl Future<Output = std::result::Result<Outcome, String>> + Send;
}

pub enum Outcome {
    Done,
    /// The scenario ran out of data; the worker stops.
    Exhausted,
}

/// The result of one scenario at one concurrency level.
pub struct Level {
    pub scenario: &'static str,
    pub unit: &'static str,
    pub concurrency: usize,
    pub done: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub first_error: Option<String>,
    pub exhausted: bool,
    /// Events the level's writes caused, received by the latency probe.
    pub events: usize,
    /// Outbox write → consumer, median and 99th percentile, in milliseconds.
    pub event_p50_ms: f64,
    pub event_p99_ms: f64,
    /// CPU time (user + system) the load client used during the level.
    pub client_cpu: Duration,
    /// CPU time of the server under load (the service, the bare HTTP server) in the level.
    pub service_cpu: Option<Duration>,
    /// CPU time of PostgreSQL (postmaster and all backends) in the level.
    pub postgres_cpu: Option<Duration>,
    /// The ceiling the level is compared with.
    pub compare: Option<Compare>,
}

impl Level {
    /// Units per second.
    pub fn per_second(&self) -> f64 {
        per_second(self.done, self.elapsed)
    }

    /// The CPU time of client, server and PostgreSQL as a share of what the machine's CPUs
    /// offered in the level.
    fn busy(&self) -> Option<f64> {
        let cpus = std::thread::available_parallelism().map_or(1, usize::from) as f64;
        let offered = cpus * self.elapsed.as_secs_f64();
        let used = self.client_cpu
            + self.service_cpu.unwrap_or_default()
            + self.postgres_cpu.unwrap_or_default();
        (offered > 0.0).then(|| used.as_secs_f64() / offered)
    }
}

/// The processes whose CPU time a level records besides the client's own.
#[derive(Debug, Clone, Copy, Default)]
pub struct Watch {
    /// The server under load.
    pub service: Option<u32>,
    /// The benchmark cluster's postmaster.
    pub postgres: Option<u32>,
}

/// CPU times so far of what a [`Watch`] watches.
struct CpuSnapshot {
    service: Option<Duration>,
    postgres: Option<Duration>,
}

impl Watch {
    fn snapshot(self) -> CpuSnapshot {
        CpuSnapshot {
            service: self.service.and_then(usage::process_cpu),
            postgres: self.postgres.and_then(usage::postgres_cpu),
        }
    }

    /// The CPU time service and PostgreSQL used since `before`.
    fn since(self, before: &CpuSnapshot) -> (Option<Duration>, Option<Duration>) {
        let now = self.snapshot();
        let delta = |now: Option<Duration>, before: Option<Duration>| {
            now.zip(before).map(|(n, b)| n.saturating_sub(b))
        };
        (
            delta(now.service, before.service),
            delta(now.postgres, before.postgres),
        )
    }
}

#[derive(Default)]
struct WorkerStats {
    /// Durations of the successful requests (operations), in microseconds.
    micros: Vec<u64>,
    errors: usize,
    first_error: Option<String>,
    exhausted: bool,
}

/// Every scenario at every concurrency level of the options, each after its warm-up.
pub async fn run_scenarios<W: Workload>(
    launched: &mut Launched,
    workload: &Arc<W>,
    scenarios: &[W::Scenario],
    options: &Options,
) -> Result<Vec<Level>> {
    let api = launched.api.clone();
    let watch = Watch {
        service: Some(launched.child.child.id()),
        postgres: launched.postmaster,
    };
    let latency = events::EventLatency::start(&launched.ctx.amqp_url(), launched.exchange).await?;
    let mut results = Vec::new();
    for &scenario in scenarios {
        if options.warmup > 0 {
            println!(
                "xtask: {}: warming up for {} s",
                scenario.name(),
                options.warmup
            );
            let warmup = Duration::from_secs(options.warmup);
            run_level(&api, workload, scenario, WARMUP_CONCURRENCY, warmup, watch).await?;
        }
        for &concurrency in &options.concurrency {
            println!(
                "xtask: {}: {} in flight for {} s",
                scenario.name(),
                concurrency,
                options.seconds
            );
            let started = Instant::now();
            let mut level = run_level(
                &api,
                workload,
                scenario,
                concurrency,
                Duration::from_secs(options.seconds),
                watch,
            )
            .await?;
            let window = latency.window(started, Instant::now());
            (level.events, level.event_p50_ms, level.event_p99_ms) =
                (window.count, window.p50_ms, window.p99_ms);
            launched.check_alive()?;
            results.push(level);
        }
    }
    Ok(results)
}

async fn run_level<W: Workload>(
    api: &Api,
    workload: &Arc<W>,
    scenario: W::Scenario,
    concurrency: usize,
    duration: Duration,
    watch: Watch,
) -> Result<Level> {
    let cpu_before = usage::own_cpu();
    let watched_before = watch.snapshot();
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let api = api.clone();
        let workload = workload.clone();
        let seed = (worker as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ concurrency as u64;
        workers.spawn(async move { run_worker(&api, &*workload, scenario, deadline, seed).await });
    }
    let mut micros = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    let mut exhausted = false;
    while let Some(joined) = workers.join_next().await {
        let stats = joined.map_err(|e| format!("a benchmark task failed: {e}"))?;
        micros.extend(stats.micros);
        errors += stats.errors;
        exhausted |= stats.exhausted;
        if first_error.is_none() {
            first_error = stats.first_error;
        }
    }
    let elapsed = started.elapsed();
    let client_cpu = usage::own_cpu().saturating_sub(cpu_before);
    let (service_cpu, postgres_cpu) = watch.since(&watched_before);
    process::check_interrupted()?;
    micros.sort_unstable();
    Ok(Level {
        scenario: scenario.name(),
        unit: scenario.unit(),
        concurrency,
        done: micros.len(),
        errors,
        elapsed,
        p50_ms: percentile(&micros, 50.0),
        p99_ms: percentile(&micros, 99.0),
        first_error,
        exhausted,
        events: 0,
        event_p50_ms: 0.0,
        event_p99_ms: 0.0,
        client_cpu,
        service_cpu,
        postgres_cpu,
        compare: scenario.compare(),
    })
}

async fn run_worker<W: Workload>(
    api: &Api,
    workload: &W,
    scenario: W::Scenario,
    deadline: Instant,
    seed: u64,
) -> WorkerStats {
    let mut rng = Rng(seed);
    let mut stats = WorkerStats::default();
    while Instant::now() < deadline && !process::stop_requested() {
        let started = Instant::now();
        match workload.once(api, scenario, &mut rng).await {
            Ok(Outcome::Done) => stats
                .micros
                .push(u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX)),
            Ok(Outcome::Exhausted) => {
                stats.exhausted = true;
                break;
            }
            Err(e) => {
                stats.errors += 1;
                stats.first_error.get_or_insert(e);
            }
        }
    }
    stats
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    let index = rank.clamp(1, sorted.len()) - 1;
    sorted[index] as f64 / 1000.0
}

/// SplitMix64: enough randomness to pick test data, reproducible per worker.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

// ---------------------------------------------------------------------------------------------
// report

/// Title, machine, service, infrastructure and names; `service_notes` follow the pool size
/// (e.g. `, audit log on`).
pub fn write_header(report: &mut String, title: &str, launched: &Launched, service_notes: &str) {
    let environment = &launched.environment;
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let setting = |name: &str, default: String| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map_or(default, |v| format!("{v} ({name})"))
    };
    let _ = writeln!(report);
    let _ = writeln!(report, "{title}");
    let _ = writeln!(
        report,
        "  machine      {cpus} CPUs{}; client, service, PostgreSQL and RabbitMQ share them",
        cpu_model().map(|m| format!(" ({m})")).unwrap_or_default()
    );
    let _ = writeln!(
        report,
        "  service      {} (release profile), HTTP workers {}, DB pool {}{service_notes}, log {}, rate limits off",
        environment.binary,
        setting("QMF_HTTP_WORKERS", format!("{cpus} (one per CPU)")),
        setting("QMF_DB_POOL_SIZE", "10".to_string()),
        environment.log
    );
    if let Some(startup) = launched.startup {
        let _ = writeln!(
            report,
            "  start-up     {} (release binary, fresh database: migrations included; VmRSS of \
             /proc/<pid>/status {} s after ready)",
            startup.describe(),
            IDLE_SETTLE.as_secs()
        );
    }
    if let Some(peak) = usage::peak_rss_kib(launched.child.child.id()) {
        let _ = writeln!(
            report,
            "  memory       peak RSS {:.1} MiB over seeding and every level (VmHWM of \
             /proc/<pid>/status when the report is written); the basis of the resource limits \
             in deploy/kubernetes",
            peak as f64 / 1024.0
        );
    }
    let _ = writeln!(
        report,
        "  client       release build of xtask (pid {}): load client and event probe in one \
         process. CPU seconds in each level: `cli cpu` the client's (getrusage; for the write \
         ceiling pgbench's), `svc cpu` the server's, `pg cpu` PostgreSQL's (postmaster and all \
         backends; /proc/<pid>/stat); `busy` their sum ÷ (CPUs × level seconds), RabbitMQ \
         not counted",
        std::process::id()
    );
    let _ = writeln!(
        report,
        "  durability   production: {} (a PostgreSQL cluster of the benchmark's own, \
         .qmf/bench-postgres; the development cluster runs without them and is left alone)",
        environment.durability
    );
    let _ = writeln!(report, "  infra        {}", environment.infra);
    let _ = writeln!(
        report,
        "  bench names  database {} (PostgreSQL {}), exchange {}, queue prefix {}",
        launched.database, environment.postgres, launched.exchange, launched.queue_prefix
    );
}

/// How long each level ran.
pub fn write_runs(report: &mut String, options: &Options) {
    let _ = writeln!(
        report,
        "  runs         {} s per scenario and concurrency level after {} s warm-up \
         ({WARMUP_CONCURRENCY} in flight); closed loop: each worker sends its next request when \
         the previous one is answered",
        options.seconds, options.warmup
    );
}

/// The ceilings measured before the scenarios, as a table with what they measure, or a line
/// saying they were skipped.
pub fn write_ceilings(report: &mut String, run: &Run) {
    let Some(ceilings) = &run.ceilings else {
        let _ = writeln!(
            report,
            "  ceilings     skipped (--skip-ceilings): no ratios"
        );
        return;
    };
    let _ = writeln!(report);
    let _ = writeln!(
        report,
        "ceilings: measured in this run before the scenarios, same levels, durations and warm-up"
    );
    let levels: Vec<&Level> = ceilings.write.iter().chain(&ceilings.read).collect();
    write_rows(report, &levels, None);
    let _ = writeln!(
        report,
        "{:<22}what a case command writes: UPDATE of a row by primary key, audit INSERT, outbox \
         INSERT, one transaction; {} -M prepared -c <conc> -j min(conc, 2), scratch database \
         of {} rows (an outbox without a trigger, as the services have it)",
        "write transaction:",
        ceilings.pgbench,
        ceiling::ROWS
    );
    let _ = writeln!(
        report,
        "{:<22}GET /cases/{{id}}: actix-web, {} workers with a diesel-async pool of {} each (as \
         the services), one row by primary key as JSON, no service code, no token check; \
         same client; {}",
        "HTTP read (bare):",
        ceilings.workers,
        ceilings.pool_per_worker,
        ceilings.server.describe()
    );
}

/// The table of all levels, after an empty line; `of ceiling` compares each level's rate with
/// its ceiling at the same concurrency.
pub fn write_table(report: &mut String, results: &[Level], run: &Run) {
    let levels: Vec<&Level> = results.iter().collect();
    write_rows(report, &levels, run.ceilings.as_ref());
    if run.ceilings.is_some() {
        let _ = writeln!(
            report,
            "of ceiling: rate ÷ the ceiling's rate at the same concurrency; `tx` = write \
             transaction (an op of the write path counts as its 4 commands; a case read commits \
             one audit INSERT, less than the ceiling's transaction, so it can pass 100 %), \
             `http` = bare HTTP read"
        );
    }
}

/// Header and one row per level (events only for scenario levels), after an empty line.
fn write_rows(report: &mut String, levels: &[&Level], ceilings: Option<&Ceilings>) {
    let _ = writeln!(report);
    let _ = writeln!(
        report,
        "{:<22} {:>5}  {:<4} {:>9} {:>7} {:>10} {:>9} {:>9} {:>8} {:>9} {:>9} {:>7} {:>7} {:>7} {:>5} {:>10}",
        "scenario",
        "conc",
        "unit",
        "done",
        "errors",
        "per s",
        "p50 ms",
        "p99 ms",
        "events",
        "ev p50",
        "ev p99",
        "cli cpu",
        "svc cpu",
        "pg cpu",
        "busy",
        "of ceiling"
    );
    let _ = writeln!(report, "{}", "-".repeat(155));
    for level in levels {
        let events = if level.compare.is_some() {
            format!(
                "{:>8} {:>9.2} {:>9.2}",
                level.events, level.event_p50_ms, level.event_p99_ms
            )
        } else {
            format!("{:>8} {:>9} {:>9}", "-", "-", "-")
        };
        let ratio = ceilings
            .and_then(|c| c.ratio(level))
            .map_or("-".to_string(), |(ratio, compare)| {
                format!("{:.0} % {}", ratio * 100.0, compare.label())
            });
        let seconds = |cpu: Option<Duration>| {
            cpu.map_or("-".to_string(), |d| format!("{:.2}", d.as_secs_f64()))
        };
        let busy = level
            .busy()
            .map_or("-".to_string(), |b| format!("{:.0}%", b * 100.0));
        let _ = writeln!(
            report,
            "{:<22} {:>5}  {:<4} {:>9} {:>7} {:>10.1} {:>9.2} {:>9.2} {events} {:>7.2} {:>7} {:>7} {:>5} {:>10}",
            level.scenario,
            level.concurrency,
            level.unit,
            level.done,
            level.errors,
            level.per_second(),
            level.p50_ms,
            level.p99_ms,
            level.client_cpu.as_secs_f64(),
            seconds(level.service_cpu),
            seconds(level.postgres_cpu),
            busy,
            ratio
        );
    }
    let _ = writeln!(report);
}

/// The first error of every level that had one, and the levels that ran out of data
/// (`exhausted` says what to do then).
pub fn write_problems(report: &mut String, results: &[Level], exhausted: &str) {
    for level in results {
        if let Some(error) = &level.first_error {
            let _ = writeln!(
                report,
                "first error in {} at {}: {error}",
                level.scenario, level.concurrency
            );
        }
        if level.exhausted {
            let _ = writeln!(
                report,
                "{} at {} {exhausted}",
                level.scenario, level.concurrency
            );
        }
    }
}

pub fn secs(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

pub fn per_second(count: usize, duration: Duration) -> f64 {
    let secs = duration.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

fn cpu_model() -> Option<String> {
    let info = fs::read_to_string("/proc/cpuinfo").ok()?;
    info.lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, model)| model.trim().to_string())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::{Options, Rng, Which, percentile};

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        options: Options,
    }

    fn parse(args: &[&str]) -> Options {
        let mut argv = vec!["bench"];
        argv.extend_from_slice(args);
        Cli::try_parse_from(argv).map(|cli| cli.options).unwrap()
    }

    fn refusal(args: &[&str]) -> String {
        parse(args).validate().unwrap_err().to_string()
    }

    #[test]
    fn the_options_are_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn both_benchmarks_run_by_default() {
        let options = parse(&[]);
        assert_eq!(options.service, Which::All);
        assert!(options.validate().is_ok());
        assert_eq!(options.case.port(), 18182);
        assert_eq!(options.committee.port(), 18183);
        assert_eq!(parse(&["--port", "19000"]).case.port(), 19000);
    }

    #[test]
    fn options_of_a_benchmark_that_does_not_run_are_refused() {
        let message = refusal(&["--service", "committee", "--cases", "600"]);
        assert!(message.contains("--cases"), "{message}");
        let message = refusal(&["--service", "case", "--topics", "100", "--meetings", "5"]);
        assert!(message.contains("--meetings, --topics"), "{message}");
        assert!(
            parse(&["--service", "case", "--cases", "600", "--plan-cases", "10"])
                .validate()
                .is_ok()
        );
    }

    #[test]
    fn values_out_of_range_are_refused() {
        assert!(refusal(&["--topics", "5"]).contains("--topics must be"));
        assert!(refusal(&["--meetings", "0"]).contains("--meetings must be"));
        assert!(refusal(&["--concurrency", "0"]).contains("--concurrency"));
        assert!(refusal(&["--case-port", "18183"]).contains("own port"));
        assert!(refusal(&["--cases", "100"]).contains("--cases must be"));
        assert!(Cli::try_parse_from(["bench", "--service", "directory"]).is_err());
        assert!(refusal(&["--people", "10"]).contains("--people must be"));
        assert!(refusal(&["--sessions", "10"]).contains("--sessions must be"));
        assert!(refusal(&["--training-port", "18185"]).contains("own port"));
    }

    #[test]
    fn the_planner_runs_only_when_asked_for() {
        assert!(!parse(&[]).service.planner());
        let options = parse(&["--service", "planner"]);
        assert!(options.service.planner() && !options.service.case());
        assert!(options.validate().is_ok());
        let options = parse(&[
            "--service",
            "planner",
            "--planner-seconds",
            "0.5,3",
            "--planner-threads",
            "1",
            "--instances",
            "a.json,b.json",
        ]);
        assert!(options.validate().is_ok());
        assert_eq!(options.planner.planner_seconds, [0.5, 3.0]);
        assert_eq!(options.planner.instances.len(), 2);
    }

    #[test]
    fn planner_options_go_with_the_planner_only() {
        let message = refusal(&["--planner-seconds", "1"]);
        assert!(
            message.contains("--planner-seconds applies only to the planner benchmark")
                && message.ends_with("use --service planner"),
            "{message}"
        );
        let message = refusal(&["--service", "dialogue", "--people", "5000"]);
        assert!(
            message.contains("--people applies only to the training benchmark"),
            "{message}"
        );
        let options = parse(&["--service", "training", "--people", "5000"]);
        assert!(options.validate().is_ok() && options.service.training());
        assert_eq!(options.training.port(), 18186);
        let message = refusal(&["--service", "dialogue", "--instances", "x.json"]);
        assert!(message.contains("--instances"), "{message}");
        let message = refusal(&["--service", "planner", "--hosts", "100"]);
        assert!(message.contains("--hosts"), "{message}");
        let message = refusal(&["--service", "planner", "--skip-ceilings"]);
        assert!(message.contains("service benchmarks"), "{message}");
        assert!(refusal(&["--service", "planner", "--planner-seconds", "0"]).contains("budgets"));
        assert!(
            refusal(&["--service", "planner", "--planner-seconds", "1,5000"]).contains("budgets")
        );
        assert!(refusal(&["--service", "planner", "--planner-seconds", "NaN"]).contains("budgets"));
        assert!(
            Cli::try_parse_from(["bench", "--service", "planner", "--planner-threads", "0"])
                .is_err()
        );
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let micros: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        assert!((percentile(&micros, 50.0) - 50.0).abs() < 1e-9);
        assert!((percentile(&micros, 99.0) - 99.0).abs() < 1e-9);
        assert!((percentile(&[7000], 99.0) - 7.0).abs() < 1e-9);
        assert!(percentile(&[], 50.0).abs() < 1e-9);
    }

    #[test]
    fn the_generator_stays_in_range() {
        let mut rng = Rng(1);
        assert!((0..1000).all(|_| rng.below(7) < 7));
    }
}
