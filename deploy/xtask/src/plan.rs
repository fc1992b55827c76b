//! `cargo xtask plan`: build the quality-dialogue planner in release mode and run it on an
//! instance file.
//!
//! The planner binary (`qmf-plan` of the `qmf-planner` package) does the work: it reads the
//! instance, searches at most `--seconds` of wall time in total (reading included), writes
//! the solution JSON to `--out` or stdout and its progress to stderr. Building comes before
//! and is not part of the budget. A malformed instance ends with the planner's one-line
//! message naming the field, and exit status 2.

use std::path::PathBuf;
use std::process::{Command, ExitCode};

use crate::Result;
use crate::ctx::Ctx;
use crate::process::{describe, run_interruptible};

/// Options of `cargo xtask plan`.
#[derive(clap::Args, Debug, Clone)]
pub struct Options {
    /// Instance file (`qmf-dialogue-planner-instance` JSON).
    pub instance: PathBuf,
    /// Wall-clock seconds for reading, searching and writing.
    #[arg(long, default_value_t = 10.0)]
    pub seconds: f64,
    /// Seed of the search: the same seed, thread count and number of completed epochs give
    /// the same plan.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Search threads.
    #[arg(long, default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=64))]
    pub threads: u32,
    /// Write the solution here instead of to stdout.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Replan against this previous plan (a solution file whose dialogues may be marked
    /// `pinned` or `published`, see planner/README.md).
    #[arg(long)]
    pub previous: Option<PathBuf>,
}

/// Builds `qmf-plan` (release) and returns the path of the executable.
fn build(ctx: &Ctx) -> Result<PathBuf> {
    crate::build::release_binary(ctx, "qmf-planner", Some("qmf-plan"))
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<ExitCode> {
    if !(options.seconds.is_finite() && options.seconds > 0.0) {
        return Err("--seconds must be a positive number".into());
    }
    let planner = build(ctx)?;
    // paths stay relative to the caller's directory
    let mut cmd = Command::new(planner);
    cmd.arg("solve")
        .arg(&options.instance)
        .args(["--seconds", &options.seconds.to_string()])
        .args(["--seed", &options.seed.to_string()])
        .args(["--threads", &options.threads.to_string()]);
    if let Some(out) = &options.out {
        cmd.arg("--out").arg(out);
    }
    if let Some(previous) = &options.previous {
        cmd.arg("--previous").arg(previous);
    }
    let status = run_interruptible(&mut cmd)?;
    match status.code() {
        Some(0) => Ok(ExitCode::SUCCESS),
        // malformed input: the planner has printed the one-line message
        Some(2) => Ok(ExitCode::from(2)),
        _ => Err(format!("`{}` failed ({status})", describe(&cmd)).into()),
    }
}
