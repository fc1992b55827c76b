//! `cargo xtask bench`: throughput and latency of the case service with a realistic amount of
//! data, the audit log on.
//!
//! The release binary runs as a child process against its own database (`qmf_bench_case`,
//! recreated every run) and its own broker names, so a running `cargo xtask up` is not
//! disturbed. The directory read copy is written in SQL; the cases are opened through the API.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, ETAG, IF_MATCH, LOCATION};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Result;
use crate::build;
use crate::ctx::{Ctx, SERVICES, Service};
use crate::infra::Infra;
use crate::process::{self, GroupChild, capture_stdout, describe, port_open, tail};
use crate::token::{self, Role};

const DATABASE: &str = "qmf_bench_case";
const EXCHANGE: &str = "qmf.events.bench";
const QUEUE_PREFIX: &str = "bench.";
const OFFICES: usize = 5;
const CASEWORKERS_PER_OFFICE: usize = 100;
const INSTITUTIONS: usize = 20;
const LIST_LIMIT: usize = 50;
const READY_TIMEOUT: Duration = Duration::from_secs(120);
const OUTBOX_TIMEOUT: Duration = Duration::from_secs(600);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_GRACE: Duration = Duration::from_secs(15);
const PROGRESS_EVERY: Duration = Duration::from_secs(10);

/// Options of `cargo xtask bench`.
#[derive(clap::Args, Debug, Clone)]
pub struct Options {
    /// Seconds each scenario runs at each concurrency level.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub seconds: u64,
    /// Unmeasured warm-up seconds before each scenario.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub warmup: u64,
    /// Concurrency levels (requests or operations in flight), comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "1,8,32")]
    pub concurrency: Vec<usize>,
    /// Cases to seed, spread over 5 youth offices with 100 caseworkers each.
    #[arg(long, default_value_t = 100_000)]
    pub cases: usize,
    /// Of these, cases of the first office brought through assessment, plan, acceptance and
    /// help start (the first scenario reads them).
    #[arg(long, default_value_t = 1_000)]
    pub plan_cases: usize,
    /// Requests in flight while seeding.
    #[arg(long, default_value_t = 32)]
    pub seed_concurrency: usize,
    /// Port of the benchmarked case service.
    #[arg(long, default_value_t = 18182)]
    pub port: u16,
}

impl Options {
    fn validate(&self) -> Result<()> {
        if self.concurrency.is_empty() || self.concurrency.iter().any(|c| !(1..=1024).contains(c)) {
            return Err("--concurrency: give levels from 1 to 1024, e.g. 1,8,32".into());
        }
        if self.seed_concurrency == 0 || self.seed_concurrency > 1024 {
            return Err("--seed-concurrency must be 1 to 1024".into());
        }
        let minimum = OFFICES * CASEWORKERS_PER_OFFICE;
        if self.cases < minimum {
            return Err(format!("--cases must be at least {minimum} (one per caseworker)").into());
        }
        if self.plan_cases == 0 || self.plan_cases > self.cases / OFFICES / 2 {
            return Err(format!(
                "--plan-cases must be 1 to {} (half of the first office's cases)",
                self.cases / OFFICES / 2
            )
            .into());
        }
        Ok(())
    }

    fn reproduce(&self) -> String {
        let levels: Vec<String> = self.concurrency.iter().map(usize::to_string).collect();
        format!(
            "cargo xtask bench --seconds {} --warmup {} --concurrency {} --cases {} \
             --plan-cases {} --seed-concurrency {}",
            self.seconds,
            self.warmup,
            levels.join(","),
            self.cases,
            self.plan_cases,
            self.seed_concurrency
        )
    }
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<()> {
    options.validate()?;
    process::install_signal_handler()?;
    let mut infra = Infra::up(ctx)?;
    let mut service: Option<GroupChild> = None;
    let result = bench(ctx, options, &infra, &mut service);
    if let Some(child) = service.take() {
        eprintln!("xtask: stopping the benchmarked case service");
        let mut children = [child];
        process::stop_groups(&mut children, STOP_GRACE);
    }
    infra.stop_started(ctx);
    result
}

fn case_service() -> Result<Service> {
    SERVICES
        .iter()
        .copied()
        .find(|s| s.name == "case")
        .ok_or_else(|| "the service list has no case service".into())
}

fn bench(
    ctx: &Ctx,
    options: &Options,
    infra: &Infra,
    service: &mut Option<GroupChild>,
) -> Result<()> {
    if port_open(options.port) {
        return Err(format!(
            "port {} is in use (another benchmark?); choose another with --port",
            options.port
        )
        .into());
    }
    let binary = build_release(ctx)?;
    process::check_interrupted()?;

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let admin_url = ctx.database_url("postgres");
    let database_url = ctx.database_url(DATABASE);
    let postgres = runtime.block_on(recreate_database(&admin_url))?;
    process::check_interrupted()?;

    fs::create_dir_all(ctx.logs_dir())?;
    let log = ctx.logs_dir().join("bench-case.log");
    *service = Some(spawn_service(ctx, &binary, options.port, &log)?);
    let child = service.as_mut().ok_or("the case service was not started")?;
    let environment = Environment {
        binary: ctx.display_path(&binary),
        log: ctx.display_path(&log),
        postgres,
        infra: infra.describe(ctx),
    };
    runtime.block_on(measure(
        options,
        &environment,
        &database_url,
        child,
        &log,
        ctx,
    ))
}

/// `cargo build --release -p qmf-case`, returning the binary's path from cargo's messages (so
/// a custom target directory works).
fn build_release(ctx: &Ctx) -> Result<PathBuf> {
    println!("xtask: cargo build --release -p qmf-case");
    let mut cmd = process::cargo();
    cmd.args([
        "build",
        "--release",
        "-p",
        "qmf-case",
        "--message-format=json-render-diagnostics",
    ])
    .current_dir(&ctx.root);
    let (status, stdout) = capture_stdout(&mut cmd)?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", describe(&cmd)).into());
    }
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == "qmf-case")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| "`cargo build --release` produced no qmf-case binary".into())
}

#[derive(QueryableByName)]
struct TextRow {
    #[diesel(sql_type = Text)]
    value: String,
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    value: i64,
}

/// Drops and creates the benchmark database; returns the server version.
async fn recreate_database(admin_url: &str) -> Result<String> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(admin_url)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL at {admin_url}: {e}"))?;
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        .execute(&mut conn)
        .await?;
    diesel::sql_query(format!("CREATE DATABASE {DATABASE}"))
        .execute(&mut conn)
        .await?;
    let version: TextRow = diesel::sql_query("SELECT current_setting('server_version') AS value")
        .get_result(&mut conn)
        .await?;
    println!("xtask: recreated database {DATABASE}");
    Ok(version.value)
}

fn spawn_service(ctx: &Ctx, binary: &Path, port: u16, log_path: &Path) -> Result<GroupChild> {
    let log =
        File::create(log_path).map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut cmd = Command::new(binary);
    cmd.envs(build::service_env(ctx, case_service()?)?)
        .env("QMF_HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("QMF_DATABASE_URL", ctx.database_url(DATABASE))
        .env("QMF_EVENTS_EXCHANGE", EXCHANGE)
        .env("QMF_EVENTS_QUEUE_PREFIX", QUEUE_PREFIX)
        // A JWKS URL from the developer's shell would conflict with the development secret.
        .env_remove("QMF_AUTH_JWKS_URL")
        .arg("serve")
        .current_dir(&ctx.root)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        // Own process group: Ctrl-C reaches only us, and we stop the service ourselves.
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
    println!(
        "xtask: started {} on 127.0.0.1:{port} (pid {}), log {}",
        ctx.display_path(binary),
        child.id(),
        ctx.display_path(log_path)
    );
    Ok(GroupChild::new("qmf-case (bench)", child))
}

struct Environment {
    binary: String,
    log: String,
    postgres: String,
    infra: String,
}

async fn measure(
    options: &Options,
    environment: &Environment,
    database_url: &str,
    child: &mut GroupChild,
    log: &Path,
    ctx: &Ctx,
) -> Result<()> {
    let client = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(1024)
        .build()?;
    let api = Api {
        client,
        base: format!("http://127.0.0.1:{}", options.port),
    };
    wait_ready(&api, child, log, ctx).await?;

    let directory_started = Instant::now();
    let directory = seed_directory(database_url).await?;
    let directory_time = directory_started.elapsed();
    let tokens = Tokens::mint(ctx, &directory)?;
    let bodies = Bodies::new(&directory)?;
    let shared = Arc::new(Shared {
        directory,
        tokens,
        bodies,
    });
    let seeded = seed_cases(&api, options, &shared).await?;
    let outbox_started = Instant::now();
    let outbox = wait_for_outbox(database_url).await?;
    let outbox_time = outbox_started.elapsed();
    check_alive(child, log, ctx)?;

    let fixture = Arc::new(Fixture {
        shared,
        running: seeded.running,
        intake: Queue::new(seeded.intake),
    });
    sanity_check(&api, &fixture, options.cases).await?;

    let mut results = Vec::new();
    for scenario in [
        Scenario::Overview,
        Scenario::CaseworkerList,
        Scenario::WritePath,
    ] {
        if options.warmup > 0 {
            println!(
                "xtask: {}: warming up for {} s",
                scenario.name(),
                options.warmup
            );
            let warmup = Duration::from_secs(options.warmup);
            run_level(&api, &fixture, scenario, 8, warmup).await?;
        }
        for &concurrency in &options.concurrency {
            println!(
                "xtask: {}: {} in flight for {} s",
                scenario.name(),
                concurrency,
                options.seconds
            );
            let level = run_level(
                &api,
                &fixture,
                scenario,
                concurrency,
                Duration::from_secs(options.seconds),
            )
            .await?;
            check_alive(child, log, ctx)?;
            results.push(level);
        }
    }
    let totals = final_counts(database_url).await.ok();

    let mut report = String::new();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let setting = |name: &str, default: String| {
        std::env::var(name)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .map_or(default, |v| format!("{v} ({name})"))
    };
    let _ = writeln!(report);
    let _ = writeln!(report, "QMF case service benchmark");
    let _ = writeln!(
        report,
        "  machine      {cpus} CPUs{}; client, service, PostgreSQL and RabbitMQ share them",
        cpu_model().map(|m| format!(" ({m})")).unwrap_or_default()
    );
    let _ = writeln!(
        report,
        "  service      {} (release profile), HTTP workers {}, DB pool {}, audit log on, log {}",
        environment.binary,
        setting("QMF_HTTP_WORKERS", format!("{cpus} (one per CPU)")),
        setting("QMF_DB_POOL_SIZE", "10".to_string()),
        environment.log
    );
    let _ = writeln!(report, "  infra        {}", environment.infra);
    let _ = writeln!(
        report,
        "  bench names  database {DATABASE} (PostgreSQL {}), exchange {EXCHANGE}, queue \
         prefix {QUEUE_PREFIX}",
        environment.postgres
    );
    let _ = writeln!(
        report,
        "  data         {} cases: {OFFICES} youth offices x {CASEWORKERS_PER_OFFICE} caseworkers \
         ({} cases each), {INSTITUTIONS} institutions with agreements; {} cases of office 1 with \
         an accepted plan and running help",
        options.cases,
        options.cases / (OFFICES * CASEWORKERS_PER_OFFICE),
        options.plan_cases
    );
    let _ = writeln!(
        report,
        "  seeding      directory copy (SQL) {}; {} cases opened through the API in {} ({:.0}/s, \
         {} in flight); {} through the plan path (4 requests each) in {} ({:.0}/s); outbox \
         ({} events) published {} later",
        secs(directory_time),
        options.cases,
        secs(seeded.open_time),
        per_second(options.cases, seeded.open_time),
        options.seed_concurrency,
        options.plan_cases,
        secs(seeded.plan_time),
        per_second(options.plan_cases, seeded.plan_time),
        outbox,
        secs(outbox_time)
    );
    let _ = writeln!(
        report,
        "  runs         {} s per scenario and concurrency level after {} s warm-up (8 in flight); \
         closed loop: each worker sends its next request when the previous one is answered",
        options.seconds, options.warmup
    );
    let _ = writeln!(report);
    let _ = writeln!(
        report,
        "{:<22} {:>5}  {:<4} {:>9} {:>7} {:>10} {:>9} {:>9}",
        "scenario", "conc", "unit", "done", "errors", "per s", "p50 ms", "p99 ms"
    );
    let _ = writeln!(report, "{}", "-".repeat(84));
    for level in &results {
        let _ = writeln!(
            report,
            "{:<22} {:>5}  {:<4} {:>9} {:>7} {:>10.1} {:>9.2} {:>9.2}",
            level.scenario.name(),
            level.concurrency,
            level.scenario.unit(),
            level.done,
            level.errors,
            per_second(level.done, level.elapsed),
            level.p50_ms,
            level.p99_ms
        );
    }
    let _ = writeln!(report);
    let _ = writeln!(
        report,
        "read case + plan:     GET /v1/cases/{{id}}/overview, random case of the {} with running help \
         (caseworker of office 1)",
        options.plan_cases
    );
    let _ = writeln!(
        report,
        "caseworker's cases:   GET /v1/cases?caseworker_id=..&limit={LIST_LIMIT}, random caseworker \
         of the {} (token of their office)",
        OFFICES * CASEWORKERS_PER_OFFICE
    );
    let _ = writeln!(
        report,
        "help-plan write path: one op = POST assessment, POST plans, POST plans/1/accept \
         (provider), POST help-start on a fresh intake case"
    );
    for level in &results {
        if let Some(error) = &level.first_error {
            let _ = writeln!(
                report,
                "first error in {} at {}: {error}",
                level.scenario.name(),
                level.concurrency
            );
        }
        if level.exhausted {
            let _ = writeln!(
                report,
                "{} at {} ran out of intake cases before the time was up; seed more with --cases",
                level.scenario.name(),
                level.concurrency
            );
        }
    }
    if let Some((audit, size)) = totals {
        let _ = writeln!(
            report,
            "afterwards: {audit} audit log rows, database {DATABASE} {size} (kept until the next run)"
        );
    }
    let _ = writeln!(report, "reproduce: {}", options.reproduce());
    print!("{report}");
    Ok(())
}

fn secs(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

fn per_second(count: usize, duration: Duration) -> f64 {
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

fn check_alive(child: &mut GroupChild, log: &Path, ctx: &Ctx) -> Result<()> {
    match child.poll() {
        Some(status) => Err(format!(
            "the case service exited ({status}). Last lines of {}:\n{}",
            ctx.display_path(log),
            tail(log, 30)
        )
        .into()),
        None => Ok(()),
    }
}

async fn wait_ready(api: &Api, child: &mut GroupChild, log: &Path, ctx: &Ctx) -> Result<()> {
    let url = format!("{}/health/ready", api.base);
    let deadline = Instant::now() + READY_TIMEOUT;
    loop {
        check_alive(child, log, ctx)?;
        process::check_interrupted()?;
        let last = match api.client.get(&url).send().await {
            Ok(response) if response.status().is_success() => return Ok(()),
            Ok(response) => format!("HTTP {}", response.status()),
            Err(e) if e.is_connect() => "connection refused".to_string(),
            Err(e) => e.to_string(),
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "the case service did not become ready within {} s (GET {url}: {last}). Last \
                 lines of {}:\n{}",
                READY_TIMEOUT.as_secs(),
                ctx.display_path(log),
                tail(log, 30)
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

// ---------------------------------------------------------------------------------------------
// seeding

/// The organisations of the directory read copy and the caseworkers of the offices.
struct Directory {
    offices: Vec<Uuid>,
    institutions: Vec<Uuid>,
    /// Office index and id of every caseworker.
    caseworkers: Vec<(usize, Uuid)>,
}

/// Writes the organisations and agreements into the read copy, as the directory's events
/// would (the service has migrated the database once it is ready).
async fn seed_directory(database_url: &str) -> Result<Directory> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let offices: Vec<Uuid> = (0..OFFICES).map(|_| Uuid::now_v7()).collect();
    let institutions: Vec<Uuid> = (0..INSTITUTIONS).map(|_| Uuid::now_v7()).collect();
    let mut organizations = Vec::new();
    for (i, id) in offices.iter().enumerate() {
        organizations.push(format!(
            "('{id}', 'Bench-Jugendamt {}', 'youth_office', 'Bench-Kreis {}', true, 1)",
            i + 1,
            i + 1
        ));
    }
    for (i, id) in institutions.iter().enumerate() {
        organizations.push(format!(
            "('{id}', 'Bench-Einrichtung {}', 'institution', 'Bench-Kreis {}', true, 1)",
            i + 1,
            i % OFFICES + 1
        ));
    }
    let agreements: Vec<String> = institutions
        .iter()
        .map(|id| {
            format!(
                "('{}', '{id}', 'quality_development_agreement', '2021-06-30')",
                Uuid::now_v7()
            )
        })
        .collect();
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    diesel::sql_query(format!(
        "INSERT INTO directory_organizations (id, name, kind, district, active, version) VALUES {}",
        organizations.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO directory_agreements (id, organization_id, kind, signed_on) VALUES {}",
        agreements.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    let caseworkers = (0..OFFICES)
        .flat_map(|office| (0..CASEWORKERS_PER_OFFICE).map(move |_| (office, Uuid::now_v7())))
        .collect();
    println!(
        "xtask: seeded the directory read copy: {OFFICES} youth offices, {INSTITUTIONS} \
         institutions with agreements"
    );
    Ok(Directory {
        offices,
        institutions,
        caseworkers,
    })
}

/// Development tokens: a caseworker per office, staff per institution.
struct Tokens {
    offices: Vec<String>,
    institutions: Vec<String>,
}

impl Tokens {
    fn mint(ctx: &Ctx, directory: &Directory) -> Result<Tokens> {
        let offices = directory
            .offices
            .iter()
            .enumerate()
            .map(|(i, id)| {
                token::mint(
                    ctx,
                    &[Role::Caseworker],
                    Some(*id),
                    Some(&format!("bench-caseworker-{}", i + 1)),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let institutions = directory
            .institutions
            .iter()
            .enumerate()
            .map(|(i, id)| {
                token::mint(
                    ctx,
                    &[Role::InstitutionStaff],
                    Some(*id),
                    Some(&format!("bench-institution-staff-{}", i + 1)),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Tokens {
            offices,
            institutions,
        })
    }
}

/// A case opened through the API.
#[derive(Clone)]
struct OpenCase {
    id: Uuid,
    office: usize,
    etag: String,
}

struct Seeded {
    /// Cases of office 1 with an accepted plan and a running help.
    running: Vec<Uuid>,
    /// Cases in phase intake, for the write path.
    intake: Vec<OpenCase>,
    open_time: Duration,
    plan_time: Duration,
}

const GIVEN_NAMES: [&str; 8] = [
    "Mia", "Leon", "Emma", "Noah", "Lina", "Elias", "Lea", "Finn",
];
const FAMILY_NAMES: [&str; 6] = ["Beispiel", "Muster", "Schmidt", "Weber", "Keller", "Wagner"];
const HELP_KINDS: [&str; 9] = [
    "counselling",
    "social_group_work",
    "educational_assistant",
    "family_help",
    "day_group",
    "foster_care",
    "residential_care",
    "intensive_individual_care",
    "integration_help",
];

fn case_draft(n: usize, caseworker: Uuid) -> Value {
    let family = FAMILY_NAMES[n % FAMILY_NAMES.len()];
    json!({
        "caseworker_id": caseworker,
        "help_kind": HELP_KINDS[n % HELP_KINDS.len()],
        "young_person": {
            "given_name": GIVEN_NAMES[n % GIVEN_NAMES.len()],
            "family_name": family,
            "date_of_birth": format!("{}-{:02}-{:02}", 2008 + n % 13, n % 12 + 1, n % 28 + 1)
        },
        "custody_holders": [{
            "given_name": "Sandra", "family_name": family, "relation": "mother",
            "address": format!("Musterweg {}, 74072 Heilbronn", n % 200 + 1),
            "phone": "+49 7131 555-0101", "email": null
        }],
        "external_ids": {}
    })
}

/// Opens `options.cases` cases (case n: office n mod 5, spread over the office's caseworkers),
/// then brings `options.plan_cases` of the first office through the plan path.
async fn seed_cases(api: &Api, options: &Options, shared: &Arc<Shared>) -> Result<Seeded> {
    println!(
        "xtask: opening {} cases through the API ({} in flight)",
        options.cases, options.seed_concurrency
    );
    let plan = Arc::new(SeedPlan {
        shared: shared.clone(),
        total: options.cases,
        next: AtomicUsize::new(0),
        done: AtomicUsize::new(0),
    });
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.seed_concurrency {
        let api = api.clone();
        let plan = plan.clone();
        workers.spawn(async move { open_worker(&api, &plan).await });
    }
    let progress = progress_reporter("opened", plan.total, plan.clone());
    let mut opened = Vec::with_capacity(options.cases);
    let mut failure = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(cases)) => opened.extend(cases),
            Ok(Err(e)) => {
                failure.get_or_insert(e);
                workers.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                failure.get_or_insert(format!("a seeding task failed: {e}"));
                workers.abort_all();
            }
        }
    }
    progress.abort();
    let open_time = started.elapsed();
    process::check_interrupted()?;
    if let Some(e) = failure {
        return Err(format!("opening cases failed: {e}").into());
    }
    println!(
        "xtask: opened {} cases in {} ({:.0}/s)",
        opened.len(),
        secs(open_time),
        per_second(opened.len(), open_time)
    );

    // Sort by the order they were requested, so office and caseworker spread stay even.
    opened.sort_by_key(|(n, _)| *n);
    let mut for_plans = Vec::new();
    let mut intake = Vec::new();
    for (_, case) in opened {
        if case.office == 0 && for_plans.len() < options.plan_cases {
            for_plans.push(case);
        } else {
            intake.push(case);
        }
    }

    println!(
        "xtask: bringing {} cases of office 1 through assessment, plan, acceptance and help start",
        for_plans.len()
    );
    let running: Vec<Uuid> = for_plans.iter().map(|c| c.id).collect();
    let queue = Arc::new(Queue::new(for_plans));
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..options.seed_concurrency {
        let api = api.clone();
        let shared = shared.clone();
        let queue = queue.clone();
        workers.spawn(async move {
            while !process::stop_requested() {
                let Some(case) = queue.take() else {
                    break;
                };
                help_plan_path(&api, &shared, case).await?;
                queue.done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<(), String>(())
        });
    }
    let progress = progress_reporter("through the plan path", running.len(), queue.clone());
    let mut failure = None;
    while let Some(joined) = workers.join_next().await {
        match joined {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                failure.get_or_insert(e);
                workers.abort_all();
            }
            Err(e) if e.is_cancelled() => {}
            Err(e) => {
                failure.get_or_insert(format!("a seeding task failed: {e}"));
                workers.abort_all();
            }
        }
    }
    progress.abort();
    let plan_time = started.elapsed();
    process::check_interrupted()?;
    if let Some(e) = failure {
        return Err(format!("the plan path failed: {e}").into());
    }
    println!(
        "xtask: {} cases with running help in {} ({:.0}/s)",
        running.len(),
        secs(plan_time),
        per_second(running.len(), plan_time)
    );
    Ok(Seeded {
        running,
        intake,
        open_time,
        plan_time,
    })
}

struct SeedPlan {
    shared: Arc<Shared>,
    total: usize,
    next: AtomicUsize,
    done: AtomicUsize,
}

impl Progress for SeedPlan {
    fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }
}

trait Progress: Send + Sync + 'static {
    fn done(&self) -> usize;
}

fn progress_reporter<P: Progress>(
    what: &'static str,
    total: usize,
    progress: Arc<P>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let started = Instant::now();
        loop {
            tokio::time::sleep(PROGRESS_EVERY).await;
            let done = progress.done();
            println!(
                "xtask:   {what} {done}/{total} ({:.0}/s)",
                per_second(done, started.elapsed())
            );
        }
    })
}

/// Opens cases until the plan's total is reached; returns them with their sequence numbers.
async fn open_worker(
    api: &Api,
    plan: &SeedPlan,
) -> std::result::Result<Vec<(usize, OpenCase)>, String> {
    let mut opened = Vec::new();
    while !process::stop_requested() {
        let n = plan.next.fetch_add(1, Ordering::Relaxed);
        if n >= plan.total {
            break;
        }
        // Case n: office n mod 5, then round-robin over that office's caseworkers.
        let office = n % OFFICES;
        let caseworker = plan.shared.directory.caseworkers
            [office * CASEWORKERS_PER_OFFICE + (n / OFFICES) % CASEWORKERS_PER_OFFICE]
            .1;
        let body = serde_json::to_vec(&case_draft(n, caseworker)).map_err(|e| e.to_string())?;
        let reply = api
            .send(
                api.client
                    .post(format!("{}/v1/cases", api.base))
                    .bearer_auth(&plan.shared.tokens.offices[office])
                    .header(CONTENT_TYPE, "application/json")
                    .body(body),
            )
            .await?;
        reply.expect(StatusCode::CREATED, "POST /v1/cases")?;
        let id = reply
            .location
            .as_deref()
            .and_then(|l| l.rsplit('/').next())
            .and_then(|id| Uuid::parse_str(id).ok())
            .ok_or("POST /v1/cases: no case id in the Location header")?;
        opened.push((
            n,
            OpenCase {
                id,
                office,
                etag: reply.etag.unwrap_or_else(|| "\"1\"".to_string()),
            },
        ));
        plan.done.fetch_add(1, Ordering::Relaxed);
    }
    Ok(opened)
}

/// Polls until the relay has published every outbox row; returns how many rows there are.
async fn wait_for_outbox(database_url: &str) -> Result<i64> {
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

async fn final_counts(database_url: &str) -> Result<(i64, String)> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    let audit: CountRow = diesel::sql_query("SELECT count(*) AS value FROM audit_log")
        .get_result(&mut conn)
        .await?;
    let size: TextRow =
        diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS value")
            .get_result(&mut conn)
            .await?;
    Ok((audit.value, size.value))
}

// ---------------------------------------------------------------------------------------------
// requests

#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    base: String,
}

/// A response read to its end.
struct Reply {
    status: StatusCode,
    etag: Option<String>,
    location: Option<String>,
    body: String,
    what: Option<String>,
}

impl Reply {
    fn expect(&self, status: StatusCode, what: &str) -> std::result::Result<(), String> {
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
}

impl Api {
    async fn send(&self, request: reqwest::RequestBuilder) -> std::result::Result<Reply, String> {
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

    /// A process command: POST with If-Match, 200 expected; returns the new ETag.
    async fn command(
        &self,
        token: &str,
        path: &str,
        etag: &str,
        body: Vec<u8>,
    ) -> std::result::Result<String, String> {
        let mut reply = self
            .send(
                self.client
                    .post(format!("{}{path}", self.base))
                    .bearer_auth(token)
                    .header(IF_MATCH, etag)
                    .header(CONTENT_TYPE, "application/json")
                    .body(body),
            )
            .await
            .map_err(|e| format!("POST {path}: {e}"))?;
        reply.what = Some(format!("POST {path}"));
        reply.expect(StatusCode::OK, path)?;
        reply
            .etag
            .ok_or_else(|| format!("POST {path}: no ETag in the response"))
    }

    async fn get(&self, token: &str, path: &str) -> std::result::Result<Reply, String> {
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

/// Request bodies of the plan path, serialised once.
struct Bodies {
    assessment: Vec<u8>,
    /// One plan per institution.
    plans: Vec<Vec<u8>>,
    accept: Vec<u8>,
    help_start: Vec<u8>,
}

fn participation() -> Value {
    json!({"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null})
}

impl Bodies {
    /// The plan starts and the help starts today (UTC), the day the cases were opened.
    fn new(directory: &Directory) -> Result<Bodies> {
        let today = Utc::now().date_naive();
        let assessment = json!({
            "document": {"content": {
                "occasion": "Schulabsentismus, Überforderung der Mutter",
                "needs_areas": [{"area": "school_and_work", "need_level": 3},
                    {"area": "upbringing_and_care", "need_level": 2}],
                "resources": [{"holder": "family", "description": "Großmutter unterstützt"}],
                "risks": [{"risk": "Schulabbruch", "severity": "high"}],
                "child_protection_concern": false,
                "recommendation": {"help_needed": true, "help_kind": "family_help"}
            }},
            "participation": participation()
        });
        Ok(Bodies {
            assessment: serde_json::to_vec(&assessment)?,
            plans: directory
                .institutions
                .iter()
                .map(|provider| serde_json::to_vec(&plan(*provider, today)))
                .collect::<serde_json::Result<_>>()?,
            accept: b"{}".to_vec(),
            help_start: serde_json::to_vec(&json!({"started_on": today}))?,
        })
    }
}

fn plan(provider: Uuid, start_on: NaiveDate) -> Value {
    json!({
        "provider_id": provider, "start_on": start_on, "hours_per_week": 6.0,
        "goals": ["Der junge Mensch besucht regelmäßig die Schule.",
            "Die Eltern setzen verlässliche Tagesstrukturen um."],
        "measures": ["Zwei Hausbesuche pro Woche"],
        "participation": participation(),
        "document": {"content": {"wishes_of_family": "Träger in Wohnortnähe",
            "tasks": [{"by": "provider", "task": "Hausbesuche"}]}}
    })
}

/// Organisations, tokens and request bodies, shared by all tasks.
struct Shared {
    directory: Directory,
    tokens: Tokens,
    bodies: Bodies,
}

/// Cases handed out one by one to concurrent tasks.
struct Queue {
    cases: Vec<OpenCase>,
    next: AtomicUsize,
    done: AtomicUsize,
}

impl Queue {
    fn new(cases: Vec<OpenCase>) -> Queue {
        Queue {
            cases,
            next: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
        }
    }

    fn take(&self) -> Option<&OpenCase> {
        self.cases.get(self.next.fetch_add(1, Ordering::Relaxed))
    }
}

impl Progress for Queue {
    fn done(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }
}

/// Everything the scenarios pick from.
struct Fixture {
    shared: Arc<Shared>,
    /// Cases of office 1 with a running help.
    running: Vec<Uuid>,
    /// Fresh cases in phase intake, used up by the write path.
    intake: Queue,
}

/// Assessment, plan (provider by case), acceptance by the provider, help start: four requests.
async fn help_plan_path(
    api: &Api,
    shared: &Shared,
    case: &OpenCase,
) -> std::result::Result<(), String> {
    let office_token = &shared.tokens.offices[case.office];
    let provider = (case.id.as_u128() % shared.tokens.institutions.len() as u128) as usize;
    let provider_token = &shared.tokens.institutions[provider];
    let bodies = &shared.bodies;
    let plan = bodies.plans[provider].clone();
    let id = case.id;
    let etag = api
        .command(
            office_token,
            &format!("/v1/cases/{id}/assessment"),
            &case.etag,
            bodies.assessment.clone(),
        )
        .await?;
    let etag = api
        .command(office_token, &format!("/v1/cases/{id}/plans"), &etag, plan)
        .await?;
    let etag = api
        .command(
            provider_token,
            &format!("/v1/cases/{id}/plans/1/accept"),
            &etag,
            bodies.accept.clone(),
        )
        .await?;
    api.command(
        office_token,
        &format!("/v1/cases/{id}/help-start"),
        &etag,
        bodies.help_start.clone(),
    )
    .await?;
    Ok(())
}

/// Makes sure the scenarios read what they claim to: a plan in the overview, a full page.
async fn sanity_check(api: &Api, fixture: &Fixture, cases: usize) -> Result<()> {
    let shared = &fixture.shared;
    let case = fixture
        .running
        .first()
        .ok_or("no case with a running help")?;
    let reply = api
        .get(
            &shared.tokens.offices[0],
            &format!("/v1/cases/{case}/overview"),
        )
        .await?;
    let overview: Value = serde_json::from_str(&reply.body)?;
    if overview["current_plan"]["version"] != 1 || overview["case"]["phase"] != "help_running" {
        return Err(format!("the overview of {case} shows no running help with a plan").into());
    }
    let (office, caseworker) = shared.directory.caseworkers[0];
    let reply = api
        .get(
            &shared.tokens.offices[office],
            &format!("/v1/cases?caseworker_id={caseworker}&limit={LIST_LIMIT}"),
        )
        .await?;
    let page: Value = serde_json::from_str(&reply.body)?;
    let items = page["items"].as_array().map_or(0, Vec::len);
    // Case n goes to caseworker n / 5 mod 100 of office n mod 5: the first has the most.
    let expected = LIST_LIMIT.min(cases.div_ceil(OFFICES * CASEWORKERS_PER_OFFICE));
    if items != expected {
        return Err(format!("a caseworker's list returned {items} cases, not {expected}").into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// scenarios

#[derive(Debug, Clone, Copy)]
enum Scenario {
    Overview,
    CaseworkerList,
    WritePath,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Overview => "read case + plan",
            Scenario::CaseworkerList => "caseworker's cases",
            Scenario::WritePath => "help-plan write path",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Scenario::WritePath => "op",
            _ => "req",
        }
    }
}

struct Level {
    scenario: Scenario,
    concurrency: usize,
    done: usize,
    errors: usize,
    elapsed: Duration,
    p50_ms: f64,
    p99_ms: f64,
    first_error: Option<String>,
    exhausted: bool,
}

#[derive(Default)]
struct WorkerStats {
    /// Durations of the successful requests (operations), in microseconds.
    micros: Vec<u64>,
    errors: usize,
    first_error: Option<String>,
    exhausted: bool,
}

enum Outcome {
    Done,
    Exhausted,
}

async fn run_level(
    api: &Api,
    fixture: &Arc<Fixture>,
    scenario: Scenario,
    concurrency: usize,
    duration: Duration,
) -> Result<Level> {
    let started = Instant::now();
    let deadline = started + duration;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let api = api.clone();
        let fixture = fixture.clone();
        let seed = (worker as u64 + 1).wrapping_mul(0x2545_F491_4F6C_DD1D) ^ concurrency as u64;
        workers.spawn(async move { run_worker(&api, &fixture, scenario, deadline, seed).await });
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
    process::check_interrupted()?;
    micros.sort_unstable();
    Ok(Level {
        scenario,
        concurrency,
        done: micros.len(),
        errors,
        elapsed,
        p50_ms: percentile(&micros, 50.0),
        p99_ms: percentile(&micros, 99.0),
        first_error,
        exhausted,
    })
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

async fn run_worker(
    api: &Api,
    fixture: &Fixture,
    scenario: Scenario,
    deadline: Instant,
    seed: u64,
) -> WorkerStats {
    let mut rng = Rng(seed);
    let mut stats = WorkerStats::default();
    let shared = &fixture.shared;
    while Instant::now() < deadline && !process::stop_requested() {
        let started = Instant::now();
        let outcome = match scenario {
            Scenario::Overview => {
                let case = fixture.running[rng.below(fixture.running.len())];
                api.get(
                    &shared.tokens.offices[0],
                    &format!("/v1/cases/{case}/overview"),
                )
                .await
                .map(|_| Outcome::Done)
            }
            Scenario::CaseworkerList => {
                let (office, caseworker) =
                    shared.directory.caseworkers[rng.below(shared.directory.caseworkers.len())];
                api.get(
                    &shared.tokens.offices[office],
                    &format!("/v1/cases?caseworker_id={caseworker}&limit={LIST_LIMIT}"),
                )
                .await
                .map(|_| Outcome::Done)
            }
            Scenario::WritePath => match fixture.intake.take() {
                Some(case) => help_plan_path(api, shared, case)
                    .await
                    .map(|()| Outcome::Done),
                None => Ok(Outcome::Exhausted),
            },
        };
        match outcome {
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

/// SplitMix64: enough randomness to pick cases, reproducible per worker.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[cfg(test)]
mod tests {
    use super::{Rng, percentile};

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
