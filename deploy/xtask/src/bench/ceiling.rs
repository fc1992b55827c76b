//! Ceilings: what this machine does with the same stack minus the service code, measured in
//! the same run before the scenarios, at the same concurrency levels.
//!
//! - The write transaction a case command needs (one UPDATE of a row by primary key, one audit
//!   INSERT, one outbox INSERT, committed together), run by `pgbench -M prepared` against a
//!   scratch database of [`ROWS`] rows.
//! - A bare HTTP primary-key read: actix-web with one diesel-async pool per worker (as
//!   `qmf_platform::http` sets them up: same worker count and pool size) reading one row and
//!   answering JSON, no service code; served by this binary (`xtask bench-http-ceiling`) in a
//!   child process and loaded by the benchmark's own client.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{App, HttpResponse, HttpServer, web};
use diesel::{QueryDsl, Queryable, Selectable, SelectableHelper};
use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::StatusCode;
use serde::Serialize;

use super::{
    Api, Level, Options, Outcome, REQUEST_TIMEOUT, Rng, STOP_GRACE, Startup, WARMUP_CONCURRENCY,
    Watch, percentile, run_level, usage,
};
use crate::Result;
use crate::ctx::Ctx;
use crate::infra;
use crate::launch;
use crate::process::{self, GroupChild, capture_stdout, describe, tail};

const DATABASE: &str = "qmf_bench_ceiling";
/// Rows of the scratch table.
pub const ROWS: i64 = 5_000;

/// What a scenario is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// The write-transaction ceiling; one unit of the scenario commits `per_unit` such
    /// transactions (a request writing an audit row: 1).
    WriteTx { per_unit: usize },
    /// The bare HTTP read ceiling; one unit is one request.
    HttpRead,
}

impl Compare {
    /// A short label for the report's ratio column.
    pub fn label(self) -> &'static str {
        match self {
            Compare::WriteTx { .. } => "tx",
            Compare::HttpRead => "http",
        }
    }
}

/// The ceilings of one run.
pub struct Ceilings {
    /// pgbench's write transaction, one level per concurrency.
    pub write: Vec<Level>,
    /// The bare HTTP read, one level per concurrency.
    pub read: Vec<Level>,
    /// Start-up of the bare HTTP server.
    pub server: Startup,
    /// The HTTP workers and pool size per worker of the bare server.
    pub workers: usize,
    pub pool_per_worker: usize,
    pub pgbench: String,
}

impl Ceilings {
    /// The ceiling level `compare` refers to at `concurrency`.
    pub fn level(&self, compare: Compare, concurrency: usize) -> Option<&Level> {
        let levels = match compare {
            Compare::WriteTx { .. } => &self.write,
            Compare::HttpRead => &self.read,
        };
        levels.iter().find(|l| l.concurrency == concurrency)
    }

    /// `level`'s rate as a share of its ceiling at the same concurrency.
    pub fn ratio(&self, level: &Level) -> Option<(f64, Compare)> {
        let compare = level.compare?;
        let ceiling = self.level(compare, level.concurrency)?;
        let per_unit = match compare {
            Compare::WriteTx { per_unit } => per_unit,
            Compare::HttpRead => 1,
        };
        let ceiling_rate = ceiling.per_second();
        (ceiling_rate > 0.0).then(|| (level.per_second() * per_unit as f64 / ceiling_rate, compare))
    }
}

/// Measures both ceilings against the benchmark cluster `ctx` points at, whose postmaster is
/// `postmaster`.
pub async fn measure(ctx: &Ctx, options: &Options, postmaster: Option<u32>) -> Result<Ceilings> {
    let pgbench = infra::pgbench().ok_or(
        "pgbench not found (it comes with the PostgreSQL server package; pg_config --bindir or \
         PATH); run with --skip-ceilings to benchmark without the ceilings",
    )?;
    launch::recreate_database(&ctx.database_url("postgres"), DATABASE).await?;
    prepare(&ctx.database_url(DATABASE)).await?;
    let write = measure_writes(ctx, options, &pgbench, postmaster)?;
    let (read, server, workers, pool_per_worker) = measure_reads(ctx, options, postmaster).await?;
    Ok(Ceilings {
        write,
        read,
        server,
        workers,
        pool_per_worker,
        pgbench: ctx.display_path(&pgbench),
    })
}

/// The scratch tables, shaped like the case service's: cases, the audit log, the outbox.
async fn prepare(database_url: &str) -> Result<()> {
    use diesel_async::{RunQueryDsl, SimpleAsyncConnection};
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    conn.batch_execute(
        "CREATE TABLE ceiling_cases (
            id            BIGINT      PRIMARY KEY,
            caseworker_id UUID        NOT NULL,
            help_kind     TEXT        NOT NULL,
            phase         TEXT        NOT NULL,
            opened_on     DATE        NOT NULL,
            version       BIGINT      NOT NULL,
            updated_at    TIMESTAMPTZ NOT NULL
        );
        CREATE TABLE ceiling_audit (
            id              BIGSERIAL   PRIMARY KEY,
            at              TIMESTAMPTZ NOT NULL DEFAULT now(),
            subject         TEXT        NOT NULL,
            organization_id UUID,
            case_id         BIGINT,
            action          TEXT        NOT NULL,
            request_id      TEXT
        );
        CREATE INDEX ceiling_audit_case ON ceiling_audit (case_id, id);
        CREATE TABLE ceiling_outbox (
            id           BIGSERIAL   PRIMARY KEY,
            event_id     UUID        NOT NULL UNIQUE,
            event_type   TEXT        NOT NULL,
            source       TEXT        NOT NULL,
            subject      TEXT        NOT NULL,
            envelope     JSONB       NOT NULL,
            created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
            published_at TIMESTAMPTZ,
            attempts     INTEGER     NOT NULL DEFAULT 0,
            last_error   TEXT
        );
        CREATE INDEX ceiling_outbox_unpublished ON ceiling_outbox (id) WHERE published_at IS NULL;",
    )
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO ceiling_cases
         SELECT n, gen_random_uuid(), 'family_help', 'intake', current_date, 1, now()
         FROM generate_series(1, {ROWS}) AS n"
    ))
    .execute(&mut conn)
    .await?;
    diesel::sql_query("VACUUM ANALYZE ceiling_cases")
        .execute(&mut conn)
        .await?;
    println!("xtask: ceilings: scratch database {DATABASE} with {ROWS} rows");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// the write transaction (pgbench)

/// The pgbench script: what a case command writes, in one transaction.
fn write_script() -> String {
    format!(
        "\\set id random(1, {ROWS})
BEGIN;
UPDATE ceiling_cases SET phase = 'assessment', version = version + 1, updated_at = now() WHERE id = :id;
INSERT INTO ceiling_audit (subject, organization_id, case_id, action, request_id) VALUES ('bench-caseworker-1', '0193a5b0-7d4e-7000-8000-000000000001', :id, 'case.assessment', 'ceiling');
INSERT INTO ceiling_outbox (event_id, event_type, source, subject, envelope) VALUES (gen_random_uuid(), 'qmf.case.assessment_recorded.v1', 'qmf-case', 'case', jsonb_build_object('specversion', '1.0', 'type', 'qmf.case.assessment_recorded.v1', 'source', 'qmf-case', 'subject', 'case', 'time', now(), 'datacontenttype', 'application/json', 'data', jsonb_build_object('case', :id::bigint, 'phase', 'assessment', 'help_kind', 'family_help', 'version', 2)));
END;
"
    )
}

fn measure_writes(
    ctx: &Ctx,
    options: &Options,
    pgbench: &Path,
    postmaster: Option<u32>,
) -> Result<Vec<Level>> {
    let watch = Watch {
        service: None,
        postgres: postmaster,
    };
    let dir = ctx.state.join("bench-ceiling");
    fs::create_dir_all(&dir)?;
    let script = dir.join("write.sql");
    fs::write(&script, write_script())?;
    if options.warmup > 0 {
        println!(
            "xtask: ceiling write transaction (pgbench): warming up for {} s",
            options.warmup
        );
        run_pgbench(
            ctx,
            pgbench,
            &script,
            &dir,
            WARMUP_CONCURRENCY,
            options.warmup,
            watch,
        )?;
    }
    let mut levels = Vec::new();
    for &concurrency in &options.concurrency {
        println!(
            "xtask: ceiling write transaction (pgbench): {concurrency} clients for {} s",
            options.seconds
        );
        levels.push(run_pgbench(
            ctx,
            pgbench,
            &script,
            &dir,
            concurrency,
            options.seconds,
            watch,
        )?);
    }
    Ok(levels)
}

/// One pgbench run; latencies come from its per-transaction log.
fn run_pgbench(
    ctx: &Ctx,
    pgbench: &Path,
    script: &Path,
    dir: &Path,
    concurrency: usize,
    seconds: u64,
    watch: Watch,
) -> Result<Level> {
    let logs = dir.join("log");
    // Logs of an earlier run would mix in.
    let _ = fs::remove_dir_all(&logs);
    fs::create_dir_all(&logs)?;
    let mut cmd = Command::new(pgbench);
    cmd.args([
        "-h",
        "127.0.0.1",
        "-p",
        &ctx.pg_port.to_string(),
        "-U",
        "postgres",
    ])
    .args(["-n", "-M", "prepared"])
    .args(["-c", &concurrency.to_string()])
    .args(["-j", &concurrency.min(2).to_string()])
    .args(["-T", &seconds.to_string()])
    .arg("-f")
    .arg(script)
    .arg("-l")
    .arg(format!("--log-prefix={}", logs.join("tx").display()))
    .arg(DATABASE)
    .current_dir(dir);
    let cpu_before = usage::children_cpu();
    let watched_before = watch.snapshot();
    let (status, stdout) = capture_stdout(&mut cmd)?;
    let client_cpu = usage::children_cpu().saturating_sub(cpu_before);
    let (_, postgres_cpu) = watch.since(&watched_before);
    if !status.success() {
        return Err(format!("`{}` failed ({status}):\n{stdout}", describe(&cmd)).into());
    }
    let summary = PgbenchSummary::parse(&stdout)
        .ok_or_else(|| format!("cannot read the result of `{}`:\n{stdout}", describe(&cmd)))?;
    let mut micros = read_latencies(&logs)?;
    let _ = fs::remove_dir_all(&logs);
    micros.sort_unstable();
    let elapsed = if summary.tps > 0.0 {
        Duration::from_secs_f64(summary.done as f64 / summary.tps)
    } else {
        Duration::from_secs(seconds)
    };
    Ok(Level {
        scenario: "write transaction",
        unit: "tx",
        concurrency,
        done: summary.done,
        errors: summary.failed,
        elapsed,
        p50_ms: percentile(&micros, 50.0),
        p99_ms: percentile(&micros, 99.0),
        first_error: None,
        exhausted: false,
        events: 0,
        event_p50_ms: 0.0,
        event_p99_ms: 0.0,
        client_cpu,
        service_cpu: None,
        postgres_cpu,
        compare: None,
    })
}

/// What pgbench's summary says.
#[derive(Debug, PartialEq)]
struct PgbenchSummary {
    done: usize,
    failed: usize,
    /// Without the initial connection time.
    tps: f64,
}

impl PgbenchSummary {
    fn parse(stdout: &str) -> Option<PgbenchSummary> {
        let value = |prefix: &str| {
            stdout
                .lines()
                .find_map(|l| l.trim().strip_prefix(prefix))
                .and_then(|rest| rest.split_whitespace().next())
                .map(str::to_string)
        };
        Some(PgbenchSummary {
            done: value("number of transactions actually processed:")?
                .split('/')
                .next()?
                .parse()
                .ok()?,
            failed: value("number of failed transactions:")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            tps: value("tps =")?.parse().ok()?,
        })
    }
}

/// The latencies (µs) of pgbench's per-transaction logs: `client transaction latency script
/// epoch µs` per line; failed transactions have no number there.
fn read_latencies(logs: &Path) -> Result<Vec<u64>> {
    let mut micros = Vec::new();
    for entry in fs::read_dir(logs)? {
        let text = fs::read_to_string(entry?.path())?;
        micros.extend(
            text.lines()
                .filter_map(|line| line.split_whitespace().nth(2))
                .filter_map(|latency| latency.parse::<u64>().ok()),
        );
    }
    Ok(micros)
}

// ---------------------------------------------------------------------------------------------
// the bare HTTP read

/// HTTP workers and pool size per worker as `qmf_platform::http::bind` derives them from
/// QMF_HTTP_WORKERS (0 or unset: one per CPU) and QMF_DB_POOL_SIZE (default 10).
fn workers_and_pool() -> (usize, usize) {
    let setting = |name: &str| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
    };
    let workers = setting("QMF_HTTP_WORKERS")
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    let pool = setting("QMF_DB_POOL_SIZE").unwrap_or(10);
    (workers, pool.div_ceil(workers).max(1))
}

/// Starts the bare server, loads it at each level, stops it.
async fn measure_reads(
    ctx: &Ctx,
    options: &Options,
    postmaster: Option<u32>,
) -> Result<(Vec<Level>, Startup, usize, usize)> {
    let port = launch::free_port()?;
    let exe = std::env::current_exe()?;
    fs::create_dir_all(ctx.logs_dir())?;
    let log = ctx.logs_dir().join("bench-http-ceiling.log");
    let file =
        fs::File::create(&log).map_err(|e| format!("cannot create {}: {e}", log.display()))?;
    let mut cmd = Command::new(&exe);
    cmd.args(["bench-http-ceiling", "--port", &port.to_string()])
        .arg("--database-url")
        .arg(ctx.database_url(DATABASE))
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let spawned = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", exe.display()))?;
    println!(
        "xtask: started the bare HTTP read server on 127.0.0.1:{port} (pid {}), log {}",
        child.id(),
        ctx.display_path(&log)
    );
    let mut server = Server {
        child: GroupChild::new("the bare HTTP read server", child),
        log,
        ctx: ctx.clone(),
    };
    let api = Api {
        client: reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .pool_max_idle_per_host(1024)
            .build()?,
        base: format!("http://127.0.0.1:{port}"),
    };
    let pid = server.child.child.id();
    let log = server.log.clone();
    let startup = super::wait_ready(
        &api,
        spawned,
        pid,
        &mut || server.check_alive(),
        "the bare HTTP read server",
        ctx,
        &log,
    )
    .await?;
    let workload = Arc::new(BareRead);
    let watch = Watch {
        service: Some(pid),
        postgres: postmaster,
    };
    let sanity = api
        .send(api.client.get(format!("{}/cases/1", api.base)))
        .await?;
    sanity.expect(StatusCode::OK, "GET /cases/1")?;
    if options.warmup > 0 {
        println!(
            "xtask: ceiling HTTP read (bare): warming up for {} s",
            options.warmup
        );
        run_level(
            &api,
            &workload,
            BareRead,
            WARMUP_CONCURRENCY,
            Duration::from_secs(options.warmup),
            watch,
        )
        .await?;
    }
    let mut levels = Vec::new();
    for &concurrency in &options.concurrency {
        println!(
            "xtask: ceiling HTTP read (bare): {concurrency} in flight for {} s",
            options.seconds
        );
        let level = run_level(
            &api,
            &workload,
            BareRead,
            concurrency,
            Duration::from_secs(options.seconds),
            watch,
        )
        .await?;
        server.check_alive()?;
        levels.push(level);
    }
    let (workers, pool) = workers_and_pool();
    Ok((levels, startup, workers, pool))
}

/// The bare server as the benchmark runs it; stopped when dropped.
struct Server {
    child: GroupChild,
    log: PathBuf,
    ctx: Ctx,
}

impl Server {
    fn check_alive(&mut self) -> Result<()> {
        match self.child.poll() {
            Some(status) => Err(format!(
                "the bare HTTP read server exited ({status}). Last lines of {}:\n{}",
                self.ctx.display_path(&self.log),
                tail(&self.log, 30)
            )
            .into()),
            None => Ok(()),
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        process::stop_groups(std::slice::from_mut(&mut self.child), STOP_GRACE);
    }
}

/// GET /cases/{random id}: the bare server's one read.
#[derive(Clone, Copy)]
struct BareRead;

impl super::Scenario for BareRead {
    fn name(self) -> &'static str {
        "HTTP read (bare)"
    }

    fn compare(self) -> Option<Compare> {
        None
    }
}

impl super::Workload for BareRead {
    type Scenario = BareRead;

    async fn once(
        &self,
        api: &Api,
        _scenario: BareRead,
        rng: &mut Rng,
    ) -> std::result::Result<Outcome, String> {
        let id = rng.below(usize::try_from(ROWS).unwrap_or(1)) + 1;
        let path = format!("/cases/{id}");
        let reply = api
            .send(api.client.get(format!("{}{path}", api.base)))
            .await
            .map_err(|e| format!("GET {path}: {e}"))?;
        reply.expect(StatusCode::OK, &path)?;
        Ok(Outcome::Done)
    }
}

// ---------------------------------------------------------------------------------------------
// the bare server (`xtask bench-http-ceiling`)

diesel::table! {
    ceiling_cases (id) {
        id -> BigInt,
        caseworker_id -> Uuid,
        help_kind -> Text,
        phase -> Text,
        opened_on -> Date,
        version -> BigInt,
        updated_at -> Timestamptz,
    }
}

/// A row of the scratch table, as the bare server answers it.
#[derive(Queryable, Selectable, Serialize)]
#[diesel(table_name = ceiling_cases)]
#[diesel(check_for_backend(diesel::pg::Pg))]
struct CaseRow {
    id: i64,
    caseworker_id: uuid::Uuid,
    help_kind: String,
    phase: String,
    opened_on: chrono::NaiveDate,
    version: i64,
    updated_at: chrono::DateTime<chrono::Utc>,
}

type DbPool = Pool<AsyncPgConnection>;

/// A worker's pool, built as `qmf_platform::db::pool` builds it (no round trip on checkout).
fn pool(database_url: &str, max_size: usize) -> std::result::Result<DbPool, String> {
    let mut config = ManagerConfig::default();
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Pool::builder(manager)
        .max_size(max_size)
        .build()
        .map_err(|e| e.to_string())
}

/// Serves `GET /cases/{id}` (one row by primary key as JSON) and `GET /health/ready` on
/// 127.0.0.1:`port` until SIGTERM or SIGINT, with the services' worker count and one pool per
/// worker.
pub fn serve(port: u16, database_url: &str) -> Result<()> {
    let (workers, pool_size) = workers_and_pool();
    pool(database_url, pool_size)?;
    let database_url = database_url.to_string();
    actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || {
            // Each worker runs its own runtime; its connections stay with it, as in the services.
            let pool = pool(&database_url, pool_size).ok();
            App::new()
                .app_data(web::Data::new(pool))
                .route("/health/ready", web::get().to(ready))
                .route("/cases/{id}", web::get().to(read_case))
        })
        .workers(workers)
        .shutdown_timeout(1)
        .bind(("127.0.0.1", port))?
        .run()
        .await
    })?;
    Ok(())
}

async fn ready() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

async fn read_case(pool: web::Data<Option<DbPool>>, id: web::Path<i64>) -> HttpResponse {
    use diesel_async::RunQueryDsl;
    let Some(pool) = pool.as_ref() else {
        return HttpResponse::ServiceUnavailable().body("no pool");
    };
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(e) => return HttpResponse::ServiceUnavailable().body(e.to_string()),
    };
    match ceiling_cases::table
        .find(id.into_inner())
        .select(CaseRow::as_select())
        .first(&mut conn)
        .await
    {
        Ok(row) => HttpResponse::Ok().json(row),
        Err(diesel::result::Error::NotFound) => HttpResponse::NotFound().finish(),
        Err(e) => HttpResponse::InternalServerError().body(e.to_string()),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{PgbenchSummary, read_latencies};

    #[test]
    fn the_pgbench_summary_is_read() {
        let stdout = "transaction type: write.sql\nscaling factor: 1\nquery mode: prepared\n\
            number of clients: 8\nnumber of threads: 2\nmaximum number of tries: 1\n\
            duration: 2 s\nnumber of transactions actually processed: 2468\n\
            number of failed transactions: 0 (0.000%)\nlatency average = 6.480 ms\n\
            initial connection time = 12.345 ms\n\
            tps = 1234.567890 (without initial connection time)\n";
        assert_eq!(
            PgbenchSummary::parse(stdout),
            Some(PgbenchSummary {
                done: 2468,
                failed: 0,
                tps: 1234.56789
            })
        );
        assert_eq!(PgbenchSummary::parse("pgbench: error"), None);
    }

    #[test]
    fn latencies_come_from_the_transaction_logs() {
        let dir = std::env::temp_dir().join(format!("xtask-pgbench-log-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("tx.1"),
            "0 0 1500 0 1700000000 1\n1 0 2500 0 1700000000 2\n",
        )
        .unwrap();
        std::fs::write(dir.join("tx.1.1"), "2 0 failed 0 1700000000 3\n").unwrap();
        let mut micros = read_latencies(&dir).unwrap();
        micros.sort_unstable();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(micros, vec![1500, 2500]);
    }
}
