//! Command-line front end of the planner.
//!
//! ```text
//! qmf-plan score INSTANCE SOLUTION [-v] [--max-details N] [--json FILE] [--previous FILE]
//! ```
//!
//! Exit status 0 when the files were read (whatever the score), 2 with a one-line message on
//! stderr when an input is missing or malformed.

use std::path::PathBuf;
use std::process::ExitCode;

use qmf_planner::InputError;
use qmf_planner::model::{Instance, Solution};
use qmf_planner::replan::{Baseline, evaluate_with_baseline};
use qmf_planner::score::evaluate;

const USAGE: &str = "usage: qmf-plan score INSTANCE SOLUTION [-v] [--max-details N] [--json FILE] [--previous FILE]";

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
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("score") => score_command(&args[1..]),
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
