//! Developer commands for the QMF workspace, run as `cargo xtask <command>`.

mod bench;
mod build;
mod check;
mod contracts;
mod ctx;
mod faults;
mod fuzz;
mod gateway;
mod gateway_check;
mod infra;
mod launch;
mod log_scan;
mod manifests;
mod openapi;
mod plan;
mod process;
mod pyvenv;
mod seed;
mod seed_case;
mod seed_committee;
mod seed_data;
mod seed_dialogue;
mod seed_engagement;
mod seed_training;
mod token;
mod up;

use std::error::Error;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use uuid::Uuid;

use crate::ctx::Ctx;
use crate::token::Role;

pub type Result<T> = std::result::Result<T, Box<dyn Error>>;

/// Developer tooling of the QMF platform.
///
/// Local state (database files, broker data, logs, the development secret) lives in `.qmf/`
/// at the repository root. For a second, independent environment set QMF_STATE_DIR,
/// QMF_PG_PORT (default 55432) and QMF_AMQP_PORT (default 5673; management on +10000,
/// Erlang distribution on +20000).
#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    version,
    about,
    long_about
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start PostgreSQL, RabbitMQ and all five services, seed demo data, stay in the foreground
    /// (Ctrl-C stops everything this invocation started).
    Up,
    /// Start, stop or inspect only PostgreSQL and RabbitMQ.
    Infra {
        #[command(subcommand)]
        action: InfraAction,
    },
    /// Run the workspace tests, the OpenAPI/AsyncAPI drift check, the Kubernetes manifests check
    /// of `manifests`, the API fuzzing of `fuzz`, the bounded fault suite, rustfmt and clippy.
    Test,
    /// Regenerate openapi/<service>.json, openapi/asyncapi.json and the TypeScript types
    /// openapi/<service>.d.ts from the code.
    Openapi,
    /// Seed the demo data into a running cluster through the APIs (each service's part only
    /// where that service holds none yet: organisations and people, committee work, help cases in
    /// every phase, a dialogue cycle, a training catalogue) and print a token for one persona
    /// of each role.
    Seed {
        /// One base URL for all services (the gateway); without it each service's own port.
        #[arg(long)]
        url: Option<String>,
    },
    /// Print a signed development JWT (HS256 with the development secret).
    Token {
        /// Role claim; repeat for several roles.
        #[arg(long = "role", value_enum, required = true)]
        roles: Vec<Role>,
        /// Organisation id (`org` claim).
        #[arg(long)]
        org: Option<Uuid>,
        /// Subject (`sub` claim); defaults to `dev-<first role>`.
        #[arg(long)]
        sub: Option<String>,
    },
    /// Benchmark the case service (100,000 seeded cases: reads and the help-plan write path),
    /// the committee service (2,000 meetings, 20,000 topics: meeting agenda and topic lists),
    /// the dialogue service (a cycle with 300 hosts and 1,000 staff: calendar and coverage) and
    /// the training service (registrations on sessions with seats kept for both kinds of
    /// organisation, a limit per organisation and a waiting list, and the availability read,
    /// beside pretix's rates) at several concurrency levels against a durable PostgreSQL of its
    /// own; prints throughput, p50/p99 latency and the client's CPU beside ceilings measured in
    /// the same run (a pgbench write transaction, a bare HTTP read), time to ready and idle
    /// memory. `--service planner` runs the planner on its public instances at several time
    /// budgets instead.
    Bench(bench::Options),
    /// Run Schemathesis against every service's OpenAPI document (each service on a throwaway
    /// database), with a staff and an admin token, positive and negative data; fails on any
    /// server error or response outside the documented status codes, content types, headers
    /// and schemas. Reports in .qmf/fuzz/.
    Fuzz(fuzz::Options),
    /// Run the fault suite: PostgreSQL, RabbitMQ and two replicas of every service of their
    /// own, a steady write load across services, and faults one at a time and then together
    /// (RabbitMQ stopped and killed, PostgreSQL restarted, replicas killed, a consumer exiting
    /// between commit and ack, a service cut off from the broker, duplicates and a poison
    /// message). Checks from the databases that nothing was lost or applied twice, and prints a
    /// table.
    Faults(faults::Options),
    /// Start the five services behind the gateway (nginx with the routes generated from the
    /// OpenAPI documents) and check it: every operation answers through the gateway as it does
    /// directly, trace context and forwarded headers arrive, and the combined API docs page
    /// lists all five APIs in headless Chromium.
    Gateway,
    /// Render the Kubernetes overlays (deploy/kubernetes) with kustomize and validate them
    /// offline: built-in kinds with kubernetes-validate --strict, custom resources against the
    /// operators' committed CustomResourceDefinitions, alert rules with promtool, and the
    /// services' binaries, ports and probes against the code.
    Manifests,
    /// Plan the quality-dialogue cycle of an instance file: builds the planner (release) and
    /// searches at most --seconds of wall time; the solution JSON goes to --out or stdout,
    /// progress to stderr. A malformed instance gives a one-line error and exit status 2.
    Plan(plan::Options),
    /// Check the logs the last `cargo xtask test` kept in .qmf/test-logs (run by `test`; by
    /// hand after `QMF_TEST_LOG_DIR=.qmf/test-logs cargo test ...`).
    #[command(hide = true)]
    ScanTestLogs,
    /// The bare HTTP read `bench` measures as a ceiling: serves one row by primary key as JSON
    /// with actix-web and diesel-async, no service code.
    #[command(hide = true)]
    BenchHttpCeiling {
        /// Port on 127.0.0.1.
        #[arg(long)]
        port: u16,
        /// The scratch database `bench` prepared.
        #[arg(long)]
        database_url: String,
    },
}

#[derive(Subcommand, Clone, Copy)]
enum InfraAction {
    /// Start PostgreSQL and RabbitMQ (reusing instances that already run) and leave them running.
    Up,
    /// Stop the PostgreSQL and RabbitMQ instances that run from the state directory.
    Down,
    /// Show whether PostgreSQL, RabbitMQ and the services are reachable.
    Status,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(error) if process::is_interrupted(error.as_ref()) => {
            eprintln!("xtask: interrupted");
            ExitCode::from(130)
        }
        Err(error) => {
            eprintln!("xtask: error: {error}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode> {
    let ctx = Ctx::from_env()?;
    match cli.command {
        Command::Up => up::run(&ctx).map(|()| ExitCode::SUCCESS),
        Command::Infra { action } => {
            match action {
                InfraAction::Up => infra::up_command(&ctx)?,
                InfraAction::Down => infra::down_command(&ctx)?,
                InfraAction::Status => infra::status_command(&ctx)?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Test => check::run(&ctx),
        Command::Openapi => openapi::write_all(&ctx).map(|()| ExitCode::SUCCESS),
        Command::Seed { url } => {
            let urls = url.map_or(seed::Urls::Services, seed::Urls::Gateway);
            let (lines, personas) = seed::everything(&ctx, &urls)?;
            seed::print_report(&ctx, &lines, &personas);
            Ok(ExitCode::SUCCESS)
        }
        Command::Token { roles, org, sub } => {
            println!("{}", token::mint(&ctx, &roles, org, sub.as_deref())?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench(options) => bench::run(&ctx, &options),
        Command::BenchHttpCeiling { port, database_url } => {
            bench::serve_http_ceiling(port, &database_url).map(|()| ExitCode::SUCCESS)
        }
        Command::Fuzz(options) => fuzz::run(&ctx, &options).map(|()| ExitCode::SUCCESS),
        Command::Manifests => manifests::run(&ctx).map(|()| ExitCode::SUCCESS),
        Command::ScanTestLogs => log_scan::run(&ctx).map(|()| ExitCode::SUCCESS),
        Command::Gateway => gateway_check::run(&ctx).map(|()| ExitCode::SUCCESS),
        Command::Plan(options) => plan::run(&ctx, &options),
        Command::Faults(options) => faults::run(&ctx, &options).map(|()| ExitCode::SUCCESS),
    }
}
