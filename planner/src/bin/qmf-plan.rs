//! Command-line front end of the planner.
//!
//! ```text
//! qmf-plan solve INSTANCE --seconds N [--seed S] [--threads T] [--epochs E] [--out FILE]
//!                [--previous FILE]
//! qmf-plan score INSTANCE SOLUTION [-v] [--max-details N] [--json FILE] [--previous FILE]
//! qmf-plan explain INSTANCE SOLUTION [--previous FILE]
//! ```
//!
//! `solve` searches at most N seconds of wall time in total (reading included), writes the
//! solution JSON to FILE or stdout and progress to stderr.
//!
//! Exit status 0 when the files were read (whatever the score), 2 with a one-line message on
//! stderr when an input is missing or malformed.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use qmf_planner::InputError;
use qmf_planner::model::solution_json;
use qmf_planner::model::{Instance, Solution};
use qmf_planner::replan::{Baseline, evaluate_with_baseline};
use qmf_planner::score::evaluate;
use qmf_planner::solver::{Options, solve};
use serde_json::json;

const USAGE: &str = "usage: qmf-plan solve INSTANCE --seconds N [--seed S] [--threads T] [--epochs E] [--out FILE] [--previous FILE]
       qmf-plan score INSTANCE SOLUTION [-v] [--max-details N] [--json FILE] [--previous FILE]
       qmf-plan explain INSTANCE SOLUTION [--previous FILE]";

enum Failure {
    Input(InputError),
    Usage(String),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e)
    }
}

fn main() -> ExitCode {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("solve") => solve_command(&args[1..], started),
        Some("score") => score_command(&args[1..]),
        Some("explain") => explain_command(&args[1..]),
        _ => Err(Failure::Usage(USAGE.to_string())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("qmf-plan: error: {e}");
            ExitCode::from(2)
        }
        Err(Failure::Usage(text)) => {
            eprintln!("qmf-plan: {text}");
            ExitCode::from(2)
        }
    }
}

/// Simple option parsing: positional arguments and `--name value` / flags.
struct Args {
    positional: Vec<String>,
    options: Vec<(String, Option<String>)>,
}

impl Args {
    fn parse(args: &[String], flags: &[&str], valued: &[&str]) -> Result<Self, Failure> {
        let mut out = Args {
            positional: Vec::new(),
            options: Vec::new(),
        };
        let mut it = args.iter();
        while let Some(a) = it.next() {
            if flags.contains(&a.as_str()) {
                out.options.push((a.clone(), None));
            } else if valued.contains(&a.as_str()) {
                let v = it
                    .next()
                    .ok_or_else(|| Failure::Usage(format!("{a} needs a value")))?;
                out.options.push((a.clone(), Some(v.clone())));
            } else if a.starts_with('-') {
                return Err(Failure::Usage(format!("unknown option {a}")));
            } else {
                out.positional.push(a.clone());
            }
        }
        Ok(out)
    }

    fn flag(&self, name: &str) -> bool {
        self.options.iter().any(|(n, _)| n == name)
    }

    fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .and_then(|(_, v)| v.as_deref())
    }
}

fn score_command(args: &[String]) -> Result<(), Failure> {
    let a = Args::parse(
        args,
        &["-v", "--verbose"],
        &["--max-details", "--json", "--previous"],
    )?;
    let [instance, solution] = a.positional.as_slice() else {
        return Err(Failure::Usage(USAGE.to_string()));
    };
    let max_details = match a.value("--max-details") {
        Some(v) => v
            .parse()
            .map_err(|_| Failure::Usage(format!("--max-details: not a number: {v}")))?,
        None => 50,
    };
    let inst = Instance::load(&PathBuf::from(instance))?;
    let sol = Solution::load(&PathBuf::from(solution), &inst)?;
    let eval = match a.value("--previous") {
        Some(p) => {
            let prev = Solution::load(&PathBuf::from(p), &inst)?;
            let baseline = Baseline {
                plan: prev.plan,
                marks: prev.marks,
            };
            evaluate_with_baseline(&inst, &sol.plan, &baseline)
        }
        None => evaluate(&inst, &sol.plan),
    };
    let verbose = a.flag("-v") || a.flag("--verbose");
    print!(
        "{}",
        eval.report(&inst, sol.solver.as_ref(), verbose, max_details)
    );
    if let Some(path) = a.value("--json") {
        let doc = eval.to_json(&inst, sol.solver.as_ref());
        let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
        std::fs::write(path, text)
            .map_err(|e| Failure::Input(InputError::new(format!("cannot write '{path}': {e}"))))?;
    }
    Ok(())
}

fn number<T: std::str::FromStr>(a: &Args, name: &str) -> Result<Option<T>, Failure> {
    match a.value(name) {
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| Failure::Usage(format!("{name}: not a valid number: {v}"))),
        None => Ok(None),
    }
}

fn load_baseline(a: &Args, inst: &Instance) -> Result<Option<Baseline>, Failure> {
    match a.value("--previous") {
        Some(p) => {
            let prev = Solution::load(&PathBuf::from(p), inst)?;
            Ok(Some(Baseline {
                plan: prev.plan,
                marks: prev.marks,
            }))
        }
        None => Ok(None),
    }
}

fn solve_command(args: &[String], started: Instant) -> Result<(), Failure> {
    let a = Args::parse(
        args,
        &["--quiet"],
        &[
            "--seconds",
            "--seed",
            "--threads",
            "--epochs",
            "--out",
            "--previous",
            "--epoch-steps",
            "--t-start",
            "--t-end",
            "--epoch-growth",
            "--warm-factor",
        ],
    )?;
    let [instance] = a.positional.as_slice() else {
        return Err(Failure::Usage(USAGE.to_string()));
    };
    let seconds: f64 = number(&a, "--seconds")?.unwrap_or(10.0);
    if !(seconds.is_finite() && seconds > 0.0) {
        return Err(Failure::Usage("--seconds must be positive".into()));
    }
    let seed: u64 = number(&a, "--seed")?.unwrap_or(1);
    let threads: usize = number(&a, "--threads")?.unwrap_or(2).max(1);
    let epochs: Option<u64> = number(&a, "--epochs")?;
    let quiet = a.flag("--quiet");
    let inst = Instance::load(&PathBuf::from(instance))?;
    let baseline = load_baseline(&a, &inst)?;
    // keep a little time for writing the result
    let margin = Duration::from_secs_f64((seconds * 0.02).min(0.05));
    let budget = Duration::from_secs_f64(seconds).saturating_sub(margin);
    let defaults = Options::default();
    let options = Options {
        deadline: Some(started + budget),
        seed,
        threads,
        max_epochs: epochs,
        verify: false,
        epoch_steps: number(&a, "--epoch-steps")?.unwrap_or(defaults.epoch_steps),
        t_start: number(&a, "--t-start")?.unwrap_or(defaults.t_start),
        t_end: number(&a, "--t-end")?.unwrap_or(defaults.t_end),
        epoch_growth: number(&a, "--epoch-growth")?.unwrap_or(defaults.epoch_growth),
        warm_factor: number(&a, "--warm-factor")?.unwrap_or(defaults.warm_factor),
        ..defaults.clone()
    };
    let mut last = None;
    let mut report = |pr: &qmf_planner::solver::Progress| {
        if !quiet && last != Some(pr.best) {
            eprintln!(
                "qmf-plan: {:7.2} s  best {}  (epoch {}, {} steps)",
                started.elapsed().as_secs_f64(),
                pr.best,
                pr.epochs,
                pr.steps
            );
            last = Some(pr.best);
        }
    };
    let outcome = solve(&inst, baseline.as_ref(), &options, &mut report)
        .map_err(|e| Failure::Input(InputError::new(format!("internal: {e}"))))?;
    let wall = started.elapsed().as_secs_f64();
    let info = json!({
        "name": "qmf-planner",
        "version": env!("CARGO_PKG_VERSION"),
        "seconds": seconds,
        "seed": seed,
        "threads": threads,
        "epochs": outcome.epochs,
        "steps": outcome.steps,
        "score": outcome.score.to_string(),
        "time_to_best_seconds": round3(outcome.time_to_best.as_secs_f64()),
        "wall_seconds": round3(wall),
    });
    let marks = baseline.as_ref().map(|b| b.marks.as_slice());
    let doc = solution_json(&inst, &outcome.plan, info, marks);
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n";
    match a.value("--out") {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::Input(InputError::new(format!("cannot write '{path}': {e}"))))?,
        None => print!("{text}"),
    }
    if !quiet {
        eprintln!(
            "qmf-plan: {}: score {} after {:.2} s (best found at {:.2} s, {} epochs, {} steps)",
            inst.name,
            outcome.score,
            wall,
            outcome.time_to_best.as_secs_f64(),
            outcome.epochs,
            outcome.steps
        );
    }
    Ok(())
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn explain_command(args: &[String]) -> Result<(), Failure> {
    let a = Args::parse(args, &[], &["--previous"])?;
    let [instance, solution] = a.positional.as_slice() else {
        return Err(Failure::Usage(USAGE.to_string()));
    };
    let inst = Instance::load(&PathBuf::from(instance))?;
    let sol = Solution::load(&PathBuf::from(solution), &inst)?;
    let baseline = load_baseline(&a, &inst)?;
    let explanation = qmf_planner::explain::explain(&inst, &sol.plan, baseline.as_ref());
    print!("{}", explanation.render());
    Ok(())
}
