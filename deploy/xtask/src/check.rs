//! `cargo xtask test`: everything CI checks, in one command.

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::Result;
use crate::build;
use crate::contracts;
use crate::ctx::Ctx;
use crate::faults;
use crate::fuzz;
use crate::gateway_check;
use crate::infra::{Infra, Origin};
use crate::log_scan;
use crate::manifests;
use crate::openapi;
use crate::process::{self, Interrupted, find_program, run_checked};

/// How many problems a check lists before it only counts the rest.
const LISTED_PROBLEMS: usize = 40;

/// The ending of every check that collects problems: "no problems", or each problem listed
/// (the first [`LISTED_PROBLEMS`]) and an error counting them, `what` saying where they are
/// (e.g. "in the Kubernetes manifests").
pub fn verdict(problems: &[String], what: &str) -> Result<()> {
    if problems.is_empty() {
        println!("  no problems");
        return Ok(());
    }
    for problem in problems.iter().take(LISTED_PROBLEMS) {
        println!("  - {problem}");
    }
    if problems.len() > LISTED_PROBLEMS {
        println!("  … and {} more", problems.len() - LISTED_PROBLEMS);
    }
    Err(format!("{} problem(s) {what}", problems.len()).into())
}

struct Step {
    name: String,
    took: Duration,
    outcome: std::result::Result<(), String>,
}

pub fn run(ctx: &Ctx) -> Result<ExitCode> {
    process::install_signal_handler()?;
    let mut steps = Vec::new();
    let mut infra = None;

    let started = Instant::now();
    let infra_outcome = match Infra::up(ctx) {
        Ok(up) => {
            let label = match up.postgres.zip(up.rabbitmq) {
                Some((Origin::Reused, Origin::Reused)) => "infrastructure (reused)",
                _ => "infrastructure (started)",
            };
            infra = Some(up);
            (label, Ok(()))
        }
        Err(e) => ("infrastructure", Err(e)),
    };
    let infra_ok = infra_outcome.1.is_ok();
    record(&mut steps, infra_outcome.0, started, infra_outcome.1);

    let result = run_steps(ctx, &mut steps, infra_ok);
    if let Some(mut infra) = infra {
        infra.stop_started(ctx);
    }
    result?;

    println!();
    println!("xtask test summary:");
    for step in &steps {
        println!(
            "  {:<7} {:<40} {:>7.1} s",
            if step.outcome.is_ok() { "ok" } else { "FAILED" },
            step.name,
            step.took.as_secs_f64()
        );
    }
    let failed: Vec<&Step> = steps.iter().filter(|s| s.outcome.is_err()).collect();
    if failed.is_empty() {
        println!("all checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        println!();
        for step in &failed {
            if let Err(why) = &step.outcome {
                println!("{}: {why}", step.name);
            }
        }
        Ok(ExitCode::FAILURE)
    }
}

/// Runs every step even when an earlier one failed; only an interruption stops early.
fn run_steps(ctx: &Ctx, steps: &mut Vec<Step>, infra_ok: bool) -> Result<()> {
    let started = Instant::now();
    let tools = ensure_tools();
    let nextest = cargo_has("nextest");
    record(steps, "tools (rustfmt, clippy)", started, tools);
    process::check_interrupted()?;

    let started = Instant::now();
    let (name, outcome) = if !infra_ok {
        (
            "tests",
            Err("skipped: PostgreSQL and RabbitMQ are not available".into()),
        )
    } else {
        let mut cmd = process::cargo();
        let name = if nextest {
            cmd.args([
                "nextest",
                "run",
                "--workspace",
                "--no-fail-fast",
                "--no-tests=warn",
            ]);
            "tests (cargo nextest run --workspace)"
        } else {
            cmd.args(["test", "--workspace", "--no-fail-fast"]);
            "tests (cargo test --workspace)"
        };
        cmd.current_dir(&ctx.root)
            .env("QMF_TEST_DATABASE_URL", ctx.database_url("postgres"))
            .env("QMF_TEST_AMQP_URL", ctx.amqp_url())
            .env("QMF_TEST_LOG_DIR", log_scan::prepare(ctx)?);
        (name, run_checked(&mut cmd))
    };
    let tests_ran = infra_ok;
    record(steps, name, started, outcome);
    process::check_interrupted()?;

    let started = Instant::now();
    let outcome = if tests_ran {
        log_scan::run(ctx)
    } else {
        Err("skipped: the tests did not run".into())
    };
    record(
        steps,
        "logs of the tests (no personal data)",
        started,
        outcome,
    );
    process::check_interrupted()?;

    let started = Instant::now();
    let binaries = build::build_bins(ctx);
    let outcome = match &binaries {
        Ok(binaries) => openapi::check_drift(ctx, binaries),
        Err(e) => Err(e.to_string().into()),
    };
    record(steps, "API drift (openapi/*.json)", started, outcome);
    process::check_interrupted()?;

    let started = Instant::now();
    let outcome = manifests::run(ctx);
    record(
        steps,
        "Kubernetes manifests (xtask manifests)",
        started,
        outcome,
    );
    process::check_interrupted()?;

    let started = Instant::now();
    let outcome = match &binaries {
        _ if !infra_ok => Err("skipped: PostgreSQL and RabbitMQ are not available".into()),
        Ok(binaries) => gateway_check::run_with(ctx, binaries),
        Err(_) => Err("skipped: the service binaries did not build".into()),
    };
    record(steps, "gateway (cargo xtask gateway)", started, outcome);
    process::check_interrupted()?;

    let started = Instant::now();
    let outcome = match &binaries {
        _ if !infra_ok => Err("skipped: PostgreSQL and RabbitMQ are not available".into()),
        Ok(binaries) => fuzz::run_with(ctx, binaries, &fuzz::Options::default()),
        Err(_) => Err("skipped: the service binaries did not build".into()),
    };
    record(steps, "API fuzzing (cargo xtask fuzz)", started, outcome);
    process::check_interrupted()?;

    let started = Instant::now();
    let outcome = match &binaries {
        Ok(binaries) => faults::run_with(ctx, binaries.clone(), &faults::Options::quick()),
        Err(_) => Err("skipped: the service binaries did not build".into()),
    };
    record(
        steps,
        "fault suite (cargo xtask faults --quick)",
        started,
        outcome,
    );
    process::check_interrupted()?;

    let started = Instant::now();
    let outcome = contracts::lint(ctx);
    record(steps, "contract lint (openapi/)", started, outcome);
    process::check_interrupted()?;

    let started = Instant::now();
    let mut fmt = process::cargo();
    fmt.args(["fmt", "--all", "--", "--check"])
        .current_dir(&ctx.root);
    let outcome = run_checked(&mut fmt);
    record(steps, "cargo fmt --all -- --check", started, outcome);
    process::check_interrupted()?;

    let started = Instant::now();
    let mut clippy = process::cargo();
    clippy
        .args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ])
        .current_dir(&ctx.root);
    let outcome = run_checked(&mut clippy);
    record(
        steps,
        "cargo clippy --workspace --all-targets",
        started,
        outcome,
    );
    process::check_interrupted()
}

fn record(steps: &mut Vec<Step>, name: &str, started: Instant, outcome: Result<()>) {
    let outcome = match outcome {
        Ok(()) => Ok(()),
        Err(e) if process::is_interrupted(e.as_ref()) => Err(Interrupted.to_string()),
        Err(e) => {
            eprintln!("xtask: {name}: {e}");
            Err(e.to_string())
        }
    };
    steps.push(Step {
        name: name.to_string(),
        took: started.elapsed(),
        outcome,
    });
}

fn cargo_has(subcommand: &str) -> bool {
    process::cargo()
        .args([subcommand, "--version"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// rustfmt and clippy come with rustup's default profile; add them where they are missing.
fn ensure_tools() -> Result<()> {
    if cargo_has("fmt") && cargo_has("clippy") {
        return Ok(());
    }
    let rustup = find_program("rustup", &[])
        .ok_or("cargo fmt or cargo clippy is missing and rustup is not available to add them")?;
    println!("xtask: rustup component add rustfmt clippy");
    run_checked(Command::new(rustup).args(["component", "add", "rustfmt", "clippy"]))?;
    if cargo_has("fmt") && cargo_has("clippy") {
        Ok(())
    } else {
        Err("cargo fmt or cargo clippy is still missing after `rustup component add`".into())
    }
}
