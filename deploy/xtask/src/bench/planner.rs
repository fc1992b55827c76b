//! The quality-dialogue planner: `qmf-plan solve` (release build) on instance files at several
//! time budgets, scored by the planner's own scorer and held against the best known results and
//! the targets of the planner.
//!
//! Each run is `qmf-plan solve INSTANCE --seconds B --seed S --threads T --out FILE` in a child
//! process, one after another; no PostgreSQL, no RabbitMQ. Afterwards
//! `qmf-plan score INSTANCE FILE --json …` scores the solution (the solver's own claim is only
//! compared with it). The time to the final best is the elapsed time on the last progress line
//! the planner writes to stderr (it writes one whenever its best score changes).
//!
//! Peak memory is the `ru_maxrss` the kernel keeps for the planner process. A *probe* — this
//! xtask binary again, started with [`PROBE_MARK`] set — starts the planner as its only child,
//! waits for it and reads `getrusage(RUSAGE_CHILDREN)`, which then covers exactly that process
//! (in the benchmark process itself it would also cover the cargo and rustc runs of the build
//! and every earlier planner run: the kernel keeps the largest, not one per child; `wait4`,
//! which reports one child's, would need unsafe code, which the workspace forbids). A child's
//! `ru_maxrss` also counts the memory it ran on before its `exec`, the probe's: so it is the
//! planner's own peak exactly when it is above the probe's own high-water mark (`VmHWM`);
//! below that (small instances) the report gives the highest `VmHWM` the probe sampled from
//! the planner's `/proc/<pid>/status` while it ran, marked `*`. The probe also measures the
//! planner's wall time from spawn to exit and its CPU seconds.

use std::ffi::OsStr;
use std::fmt::{self, Write as _};
use std::fs;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;
use serde_json::{Value, json};

use crate::Result;
use crate::ctx::Ctx;
use crate::process::{self, GroupChild, describe, tail};

/// Set (to the request as JSON) for the probe `bench` starts around each planner run.
pub const PROBE_MARK: &str = "QMF_BENCH_PLANNER_PROBE";
/// The directory `cargo xtask bench` was started in, passed on to the release run.
pub const CALLER_DIR: &str = "QMF_BENCH_CALLER_DIR";

const DEFAULT_INSTANCES: [&str; 4] = [
    "planner/tests/data/S-1.json",
    "planner/tests/data/M-1.json",
    "planner/tests/data/L-1.json",
    "planner/tests/data/XL-1.json",
];
const DEFAULT_SECONDS: [f64; 3] = [1.0, 2.0, 10.0];
const DEFAULT_SEED: u64 = 1;
const DEFAULT_THREADS: u32 = 2;
const MAX_SECONDS: f64 = 3600.0;
/// How often a running planner is checked on.
const POLL: Duration = Duration::from_millis(20);
/// A planner still running this long after its budget is stopped.
const HANG: Duration = Duration::from_secs(60);
/// A run longer than its budget by more than this is reported.
const OVERRUN: Duration = Duration::from_millis(100);
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How often the probe samples the planner's `VmHWM`.
const HWM_SAMPLE: Duration = Duration::from_millis(5);

/// The best known results of the public instances.
const KNOWN: [(&str, Known); 4] = [
    ("S-1", Known::Optimum { soft: 5240 }),
    ("M-1", Known::Optimum { soft: 2727 }),
    ("L-1", Known::Optimum { soft: 5447 }),
    (
        "XL-1",
        Known::OverFull {
            cpsat: 248,
            greedy: 59,
        },
    ),
];
/// Targets: soft within 0.5 % of the optimum after 1 s, at the optimum within 10 s (on L
/// within 2 s), at most 10 dialogues unscheduled on XL within 10 s, at most 80 MiB on L.
const NEAR_SECONDS: f64 = 1.0;
const NEAR_SHARE: f64 = 0.005;
const OPTIMUM_SECONDS: f64 = 10.0;
const L_OPTIMUM_SECONDS: f64 = 2.0;
const XL_SECONDS: f64 = 10.0;
const XL_UNSCHEDULED: u64 = 10;
const L_RSS_MIB: f64 = 80.0;

/// Options of the planner benchmark.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Planner benchmark")]
pub struct PlannerOptions {
    /// Time budgets in seconds (`qmf-plan solve --seconds`), comma-separated; every instance is
    /// solved once per budget [default: 1,2,10].
    #[arg(long, value_delimiter = ',', value_name = "S,…")]
    pub planner_seconds: Vec<f64>,
    /// Seed of the search [default: 1].
    #[arg(long, value_name = "SEED")]
    pub planner_seed: Option<u64>,
    /// Search threads [default: 2].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub planner_threads: Option<u32>,
    /// Instance files, comma-separated, relative to the current directory
    /// [default: planner/tests/data/{S-1,M-1,L-1,XL-1}.json].
    #[arg(long, value_delimiter = ',', value_name = "FILE,…")]
    pub instances: Vec<PathBuf>,
}

impl PlannerOptions {
    fn budgets(&self) -> Vec<f64> {
        if self.planner_seconds.is_empty() {
            DEFAULT_SECONDS.to_vec()
        } else {
            self.planner_seconds.clone()
        }
    }

    fn seed(&self) -> u64 {
        self.planner_seed.unwrap_or(DEFAULT_SEED)
    }

    fn threads(&self) -> u32 {
        self.planner_threads.unwrap_or(DEFAULT_THREADS)
    }

    /// The options given on the command line.
    pub(super) fn given(&self) -> Vec<&'static str> {
        [
            ("--instances", !self.instances.is_empty()),
            ("--planner-seconds", !self.planner_seconds.is_empty()),
            ("--planner-seed", self.planner_seed.is_some()),
            ("--planner-threads", self.planner_threads.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    pub(super) fn validate(&self) -> Result<()> {
        if self
            .budgets()
            .iter()
            .any(|s| !(s.is_finite() && *s > 0.0 && *s <= MAX_SECONDS))
        {
            return Err(format!(
                "--planner-seconds: give budgets above 0 and at most {MAX_SECONDS} seconds, \
                 e.g. 1,2,10"
            )
            .into());
        }
        Ok(())
    }

    /// The instance files: those given, relative to the directory `cargo xtask` was started
    /// in, or the public instances of the repository. Fails when one is not a file.
    pub(super) fn instance_paths(&self, ctx: &Ctx) -> Result<Vec<PathBuf>> {
        let paths: Vec<PathBuf> = if self.instances.is_empty() {
            DEFAULT_INSTANCES.iter().map(|p| ctx.root.join(p)).collect()
        } else {
            let caller = match std::env::var_os(CALLER_DIR) {
                Some(dir) => PathBuf::from(dir),
                None => std::env::current_dir()?,
            };
            self.instances.iter().map(|p| caller.join(p)).collect()
        };
        for path in &paths {
            if !path.is_file() {
                return Err(format!("--instances: {} is not a file", path.display()).into());
            }
        }
        Ok(paths)
    }
}

// ---------------------------------------------------------------------------------------------
// scores, progress lines, targets

/// A score hard/medium/soft as the planner prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Score {
    hard: u64,
    medium: u64,
    soft: u64,
}

impl Score {
    /// `0/3/5240`.
    fn parse(text: &str) -> Option<Score> {
        let mut parts = text.split('/').map(|p| p.trim().parse::<u64>().ok());
        let score = Score {
            hard: parts.next()??,
            medium: parts.next()??,
            soft: parts.next()??,
        };
        parts.next().is_none().then_some(score)
    }
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.hard, self.medium, self.soft)
    }
}

/// A progress line of `qmf-plan solve` on stderr: the seconds since the planner started and
/// its best score so far, e.g. `qmf-plan:    0.14 s  best 0/0/5240  (epoch 1, 1000000 steps)`.
fn parse_progress(line: &str) -> Option<(f64, Score)> {
    let rest = line.strip_prefix("qmf-plan:")?;
    let mut words = rest.split_whitespace();
    let seconds = words.next()?.parse::<f64>().ok()?;
    if words.next()? != "s" || words.next()? != "best" {
        return None;
    }
    let score = Score::parse(words.next()?)?;
    seconds.is_finite().then_some((seconds, score))
}

/// The last progress line of a planner's stderr: when it reported its final best, and that
/// score.
fn last_improvement(stderr: &str) -> Option<(f64, Score)> {
    stderr.lines().rev().find_map(parse_progress)
}

/// The best known result of an instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    /// 0/0/`soft`, proven optimal by CP-SAT.
    Optimum { soft: u64 },
    /// An over-full instance: dialogues left unscheduled by CP-SAT after 10 s and by the
    /// greedy plan.
    OverFull { cpsat: u64, greedy: u64 },
}

fn known(name: &str) -> Option<Known> {
    KNOWN.iter().find(|(n, _)| *n == name).map(|(_, k)| *k)
}

/// A target of the planner.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Goal {
    /// 0/0 and soft at most 0.5 % above the optimum.
    Near { soft: u64 },
    /// 0/0/soft at the optimum (or below).
    Optimum { soft: u64 },
    /// No hard violation and at most this many dialogues unscheduled.
    Unscheduled(u64),
    /// Peak resident memory at most this many MiB.
    Rss(f64),
}

impl Goal {
    fn label(self) -> String {
        match self {
            Goal::Near { .. } => format!("≤ +{} %", NEAR_SHARE * 100.0),
            Goal::Optimum { .. } => "optimum".to_string(),
            Goal::Unscheduled(n) => format!("≤ {n} unscheduled"),
            Goal::Rss(mib) => format!("≤ {mib} MiB"),
        }
    }

    /// What falls short when the goal is not met.
    fn short(self) -> &'static str {
        match self {
            Goal::Near { .. } | Goal::Optimum { .. } => "score",
            Goal::Unscheduled(_) => "unscheduled",
            Goal::Rss(_) => "RSS",
        }
    }

    fn met(self, result: &Solved) -> bool {
        let feasible = result.score.hard == 0;
        let complete = feasible && result.score.medium == 0;
        match self {
            Goal::Near { soft } => {
                complete && result.score.soft as f64 <= soft as f64 * (1.0 + NEAR_SHARE)
            }
            Goal::Optimum { soft } => complete && result.score.soft <= soft,
            Goal::Unscheduled(n) => feasible && result.unscheduled <= n,
            // an upper bound: a "met" is certain
            Goal::Rss(mib) => result.rss_bound_kib as f64 / 1024.0 <= mib,
        }
    }
}

/// The targets a run of an instance (its size and name's best known result) with `budget`
/// seconds is judged by. A target "within T s" is judged on the run whose budget is T; the
/// memory target on every run.
fn goals(size: &str, known: Option<Known>, budget: f64) -> Vec<Goal> {
    let at = |seconds: f64| (budget - seconds).abs() < 1e-9;
    let mut goals = Vec::new();
    if let Some(Known::Optimum { soft }) = known {
        if at(NEAR_SECONDS) {
            goals.push(Goal::Near { soft });
        }
        if at(OPTIMUM_SECONDS) || (size == "L" && at(L_OPTIMUM_SECONDS)) {
            goals.push(Goal::Optimum { soft });
        }
    }
    if size == "XL" && at(XL_SECONDS) {
        goals.push(Goal::Unscheduled(XL_UNSCHEDULED));
    }
    if size == "L" {
        goals.push(Goal::Rss(L_RSS_MIB));
    }
    goals
}

/// The distance to the best known result: soft in % on instances with a known optimum, the
/// unscheduled dialogues against target / CP-SAT / greedy on over-full ones.
fn gap(size: &str, known: Option<Known>, score: Score, unscheduled: u64) -> String {
    match known {
        Some(Known::Optimum { soft }) if soft > 0 => {
            let percent = (score.soft as f64 - soft as f64) / soft as f64 * 100.0;
            if score.hard == 0 && score.medium == 0 {
                format!("{percent:+.2} %")
            } else {
                format!(
                    "{percent:+.2} %, {} hard, {} medium",
                    score.hard, score.medium
                )
            }
        }
        Some(Known::OverFull { cpsat, greedy }) => {
            format!("{unscheduled} unsch. vs {XL_UNSCHEDULED}/{cpsat}/{greedy}")
        }
        _ if size == "XL" => format!("{unscheduled} unsch."),
        _ => "-".to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// the probe

/// The probe: runs the planner command of the request as its only child, then writes the
/// child's exit, wall time, peak resident memory and CPU time to the request's report file.
/// Its own exit status says only whether that worked.
pub fn probe(request: &OsStr) -> Result<ExitCode> {
    let request: Value = serde_json::from_str(
        request
            .to_str()
            .ok_or_else(|| format!("{PROBE_MARK} is not UTF-8"))?,
    )
    .map_err(|e| format!("{PROBE_MARK}: {e}"))?;
    let text = |key: &str| {
        request[key]
            .as_str()
            .ok_or_else(|| format!("{PROBE_MARK}: no {key}"))
    };
    let (program, report) = (text("program")?, text("report")?);
    let args: Vec<&str> = request["args"]
        .as_array()
        .ok_or_else(|| format!("{PROBE_MARK}: no args"))?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let mut cmd = Command::new(program);
    cmd.args(&args).stdin(Stdio::null());
    let started = Instant::now();
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    let pid = child.id();
    let done = Arc::new(AtomicBool::new(false));
    let sampler = {
        let done = done.clone();
        thread::spawn(move || {
            let mut highest = None;
            while !done.load(Ordering::SeqCst) {
                // None once the child is a zombie
                if let Some(kib) = status_kib(pid, "VmHWM:") {
                    highest = highest.max(Some(kib));
                }
                thread::sleep(HWM_SAMPLE);
            }
            highest
        })
    };
    let status = child.wait();
    let wall = started.elapsed();
    done.store(true, Ordering::SeqCst);
    let status = status.map_err(|e| format!("waiting for `{}`: {e}", describe(&cmd)))?;
    let sampled = sampler.join().ok().flatten();
    // the only child this process has waited for
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN)?;
    // The high-water mark of the memory the child ran on until its exec (this process's;
    // not ru_maxrss of RUSAGE_SELF, which also counts the memory the probe ran on before its
    // own exec: the benchmark's).
    let own = match status_kib(std::process::id(), "VmHWM:") {
        Some(kib) => kib,
        None => u64::try_from(getrusage(UsageWho::RUSAGE_SELF)?.max_rss()).unwrap_or(u64::MAX),
    };
    let cpu_micros = usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
    let measured = json!({
        "exit_code": status.code(),
        "signal": status.signal(),
        "wall_seconds": wall.as_secs_f64(),
        "max_rss_kib": usage.max_rss(),
        "probe_hwm_kib": own,
        "sampled_hwm_kib": sampled,
        "cpu_seconds": cpu_micros as f64 / 1e6,
    });
    fs::write(report, measured.to_string())
        .map_err(|e| format!("cannot write the probe report {report}: {e}"))?;
    Ok(ExitCode::SUCCESS)
}

/// A `kB` field of `/proc/<pid>/status` (e.g. `VmHWM:`); `None` when the process is gone or
/// a zombie.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_status_kib(&status, field)
}

fn parse_status_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
}

/// What the probe measured of one planner process.
#[derive(Debug, Clone, PartialEq)]
struct Measured {
    exit_code: Option<i32>,
    signal: Option<i32>,
    wall: Duration,
    /// The planner's peak resident memory: its `ru_maxrss` when that is above the probe's own
    /// high-water mark (then exact), else the highest `VmHWM` sampled.
    rss_kib: u64,
    /// Whether `rss_kib` is the exact `ru_maxrss`.
    rss_exact: bool,
    /// At least the planner's peak: the larger of `ru_maxrss` (at most the larger of the
    /// planner's peak and the probe's) and the sampled `VmHWM`.
    rss_bound_kib: u64,
    cpu: Duration,
}

impl Measured {
    fn parse(text: &str) -> Option<Measured> {
        let report: Value = serde_json::from_str(text).ok()?;
        let int = |key: &str| report[key].as_i64().and_then(|v| i32::try_from(v).ok());
        let seconds = |key: &str| {
            report[key]
                .as_f64()
                .filter(|s| s.is_finite() && *s >= 0.0)
                .map(Duration::from_secs_f64)
        };
        let children = report["max_rss_kib"].as_u64()?;
        let probe = report["probe_hwm_kib"].as_u64()?;
        let sampled = report["sampled_hwm_kib"].as_u64();
        // The child's ru_maxrss also counts the probe's memory it ran on until exec.
        let exact = children > probe;
        let rss_kib = if exact {
            children
        } else {
            sampled.unwrap_or(children)
        };
        Some(Measured {
            exit_code: int("exit_code"),
            signal: int("signal"),
            wall: seconds("wall_seconds")?,
            rss_kib,
            rss_exact: exact,
            // the kernel's counters are approximate: a sample can come out a little higher
            rss_bound_kib: children.max(sampled.unwrap_or(0)),
            cpu: seconds("cpu_seconds")?,
        })
    }

    fn describe_exit(&self) -> String {
        match (self.exit_code, self.signal) {
            (Some(code), _) => format!("exit status {code}"),
            (None, Some(signal)) => format!("signal {signal}"),
            (None, None) => "unknown exit".to_string(),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// the runs

/// An instance file with the name and size it declares.
struct Instance {
    path: PathBuf,
    name: String,
    size: String,
}

impl Instance {
    fn read(path: &Path) -> Result<Instance> {
        let text =
            fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let doc: Value = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
        let field = |key: &str| {
            doc[key].as_str().map(str::to_string).ok_or_else(|| {
                format!("{} has no \"{key}\": not an instance file?", path.display())
            })
        };
        Ok(Instance {
            path: path.to_path_buf(),
            name: field("name")?,
            size: field("size").unwrap_or_else(|_| "?".to_string()),
        })
    }
}

/// One solved instance at one budget.
struct Solved {
    instance: String,
    size: String,
    budget: f64,
    /// By `qmf-plan score`.
    score: Score,
    unscheduled: u64,
    /// The solver's own word (its solution's `solver.score`).
    claimed: Option<String>,
    /// Seconds since the planner started and score of its last progress line.
    last_progress: Option<(f64, Score)>,
    wall: Duration,
    /// See [`Measured`].
    rss_kib: u64,
    rss_exact: bool,
    rss_bound_kib: u64,
    cpu: Duration,
    goals: Vec<(Goal, bool)>,
}

impl Solved {
    fn verdict(&self) -> String {
        if self.goals.is_empty() {
            return "-".to_string();
        }
        let short: Vec<&str> = self
            .goals
            .iter()
            .filter(|(_, met)| !met)
            .map(|(goal, _)| goal.short())
            .collect();
        if short.is_empty() {
            "met".to_string()
        } else {
            format!("short ({})", short.join(", "))
        }
    }
}

/// What every run shares.
struct Setup {
    /// This binary, run as the probe.
    xtask: PathBuf,
    planner: PathBuf,
    dir: PathBuf,
    seed: u64,
    threads: u32,
}

/// Builds the planner, solves every instance at every budget and prints the report.
pub(super) fn run(ctx: &Ctx, options: &super::Options) -> Result<()> {
    let planner_options = &options.planner;
    let instances = planner_options
        .instance_paths(ctx)?
        .iter()
        .map(|path| Instance::read(path))
        .collect::<Result<Vec<_>>>()?;
    let planner = crate::build::release_binary(ctx, "qmf-planner", Some("qmf-plan"))?;
    process::check_interrupted()?;
    let dir = ctx.state.join("bench-planner");
    fs::create_dir_all(&dir)?;
    let setup = Setup {
        xtask: std::env::current_exe()?,
        planner,
        dir,
        seed: planner_options.seed(),
        threads: planner_options.threads(),
    };
    let load = load_average();
    let budgets = planner_options.budgets();
    let mut results = Vec::new();
    for instance in &instances {
        for &budget in &budgets {
            println!(
                "xtask: planner: {} ({}) with {budget} s",
                instance.name,
                ctx.display_path(&instance.path)
            );
            let solved = solve(ctx, &setup, instance, budget)?;
            println!(
                "xtask:   {} in {:.2} s, peak RSS {:.1} MiB",
                solved.score,
                solved.wall.as_secs_f64(),
                solved.rss_kib as f64 / 1024.0
            );
            results.push(solved);
        }
    }
    print!(
        "{}",
        report(ctx, &setup, planner_options, &instances, load, &results)
    );
    Ok(())
}

/// File names of a run: `<instance>-<budget>s`, other characters than letters, digits, `.`,
/// `-` and `_` replaced.
fn stem(instance: &str, budget: f64) -> String {
    format!("{instance}-{budget}s")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// `qmf-plan solve` under the probe, then `qmf-plan score`.
fn solve(ctx: &Ctx, setup: &Setup, instance: &Instance, budget: f64) -> Result<Solved> {
    let stem = stem(&instance.name, budget);
    let solution = setup.dir.join(format!("{stem}.solution.json"));
    let scored = setup.dir.join(format!("{stem}.score.json"));
    let probe_report = setup.dir.join(format!("{stem}.probe.json"));
    let log = setup.dir.join(format!("{stem}.log"));
    for stale in [&solution, &scored, &probe_report] {
        if stale.exists() {
            fs::remove_file(stale)?;
        }
    }
    let utf8 = |path: &Path| {
        path.to_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{} is not a UTF-8 path", path.display()))
    };
    let mut solve = Command::new(&setup.planner);
    solve
        .arg("solve")
        .arg(&instance.path)
        .args(["--seconds", &budget.to_string()])
        .args(["--seed", &setup.seed.to_string()])
        .args(["--threads", &setup.threads.to_string()])
        .arg("--out")
        .arg(&solution);
    let args = solve
        .get_args()
        .map(|a| utf8(Path::new(a)))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let request = json!({
        "program": utf8(&setup.planner)?,
        "args": args,
        "report": utf8(&probe_report)?,
    });
    let log_file = fs::File::create(&log)?;
    let mut cmd = Command::new(&setup.xtask);
    cmd.args(["bench", "--service", "planner"])
        .env(PROBE_MARK, request.to_string())
        .current_dir(&ctx.root)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone()?)
        .stderr(log_file)
        // own process group: stopped as a whole, planner included
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start the probe {}: {e}", setup.xtask.display()))?;
    let mut probe = GroupChild::new(format!("qmf-plan solve {}", instance.name), child);
    let deadline = Instant::now() + Duration::from_secs_f64(budget) + HANG;
    let status = loop {
        if let Some(status) = probe.poll() {
            break status;
        }
        if process::stop_requested() || Instant::now() >= deadline {
            process::stop_groups(std::slice::from_mut(&mut probe), STOP_GRACE);
            process::check_interrupted()?;
            return Err(format!(
                "`{}` still ran {} s after its budget; stopped",
                describe(&solve),
                HANG.as_secs()
            )
            .into());
        }
        thread::sleep(POLL);
    };
    let display_log = ctx.display_path(&log);
    let measured = fs::read_to_string(&probe_report)
        .ok()
        .and_then(|text| Measured::parse(&text))
        .filter(|_| status.success())
        .ok_or_else(|| {
            format!(
                "the probe around `{}` failed ({status}). Last lines of {display_log}:\n{}",
                describe(&solve),
                tail(&log, 20)
            )
        })?;
    if measured.exit_code != Some(0) {
        return Err(format!(
            "`{}` failed ({}). Last lines of {display_log}:\n{}",
            describe(&solve),
            measured.describe_exit(),
            tail(&log, 20)
        )
        .into());
    }
    let stderr = fs::read_to_string(&log)?;
    let mut score = Command::new(&setup.planner);
    score
        .arg("score")
        .arg(&instance.path)
        .arg(&solution)
        .arg("--json")
        .arg(&scored);
    process::output_checked(&mut score)?;
    let text = fs::read_to_string(&scored)?;
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{}: not JSON: {e}", ctx.display_path(&scored)))?;
    let number = |key: &str| {
        doc[key]
            .as_u64()
            .ok_or_else(|| format!("{}: no {key}", ctx.display_path(&scored)))
    };
    let result_score = Score {
        hard: number("hard")?,
        medium: number("medium")?,
        soft: number("soft")?,
    };
    let unscheduled = doc["unscheduled"]
        .as_array()
        .map_or(result_score.medium, |a| a.len() as u64);
    let mut solved = Solved {
        instance: instance.name.clone(),
        size: instance.size.clone(),
        budget,
        score: result_score,
        unscheduled,
        claimed: doc["solver"]["score"].as_str().map(str::to_string),
        last_progress: last_improvement(&stderr),
        wall: measured.wall,
        rss_kib: measured.rss_kib,
        rss_exact: measured.rss_exact,
        rss_bound_kib: measured.rss_bound_kib,
        cpu: measured.cpu,
        goals: Vec::new(),
    };
    solved.goals = goals(&instance.size, known(&instance.name), budget)
        .into_iter()
        .map(|goal| (goal, goal.met(&solved)))
        .collect();
    Ok(solved)
}

// ---------------------------------------------------------------------------------------------
// report

fn report(
    ctx: &Ctx,
    setup: &Setup,
    options: &PlannerOptions,
    instances: &[Instance],
    load: Option<String>,
    results: &[Solved],
) -> String {
    let mut report = String::new();
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let _ = writeln!(report);
    let _ = writeln!(report, "QMF planner benchmark");
    let _ = writeln!(
        report,
        "  machine      {cpus} CPUs{}{}; whatever else runs competes for them",
        super::cpu_model()
            .map(|m| format!(" ({m})"))
            .unwrap_or_default(),
        load.map(|l| format!(", load average {l} before the runs"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        report,
        "  planner      {} (release profile){}; no PostgreSQL, no RabbitMQ",
        ctx.display_path(&setup.planner),
        source(ctx)
            .map(|s| format!(", source {s}"))
            .unwrap_or_default()
    );
    let _ = writeln!(
        report,
        "  runs         qmf-plan solve INSTANCE --seconds <budget> --seed {} --threads {} \
         --out FILE, one per instance and budget, one after another (a run with a time budget \
         depends on how much CPU it gets); files in {}/<instance>-<budget>s.*",
        setup.seed,
        setup.threads,
        ctx.display_path(&setup.dir)
    );
    let _ = writeln!(
        report,
        "  measured     score: qmf-plan score INSTANCE SOLUTION --json (the planner's scorer, \
         not the solver's word); best at: the elapsed time on the planner's last progress \
         line (stderr, written when its best changes, at the end of the epoch that found it; \
         counted from its start, reading included); wall: spawn to exit; peak RSS and cpu: \
         ru_maxrss and user + system time of the planner process (getrusage(RUSAGE_CHILDREN) \
         in a probe, this xtask binary, whose only child it is)"
    );
    let _ = writeln!(report);
    let _ = writeln!(
        report,
        "{:<10} {:>7}  {:<12} {:>8} {:>8} {:>10} {:>7}  {:<30} {:<24} verdict",
        "instance",
        "budget",
        "score H/M/S",
        "best at",
        "wall",
        "peak RSS",
        "cpu",
        "gap to best known",
        "target",
    );
    let _ = writeln!(report, "{}", "-".repeat(132));
    for r in results {
        let best_at = r
            .last_progress
            .map_or("-".to_string(), |(s, _)| format!("{s:.2} s"));
        let target: Vec<String> = r.goals.iter().map(|(g, _)| g.label()).collect();
        let target = if target.is_empty() {
            "-".to_string()
        } else {
            target.join(", ")
        };
        let _ = writeln!(
            report,
            "{:<10} {:>7}  {:<12} {:>8} {:>8} {:>10} {:>7}  {:<30} {:<24} {}",
            r.instance,
            format!("{} s", r.budget),
            r.score.to_string(),
            best_at,
            format!("{:.2} s", r.wall.as_secs_f64()),
            format!(
                "{:.1} MiB{}",
                r.rss_kib as f64 / 1024.0,
                if r.rss_exact { " " } else { "*" }
            ),
            format!("{:.2} s", r.cpu.as_secs_f64()),
            gap(&r.size, known(&r.instance), r.score, r.unscheduled),
            target,
            r.verdict()
        );
    }
    let _ = writeln!(report);
    let references: Vec<String> = KNOWN
        .iter()
        .filter_map(|(name, known)| match known {
            Known::Optimum { soft } => Some(format!("{name} 0/0/{soft}")),
            Known::OverFull { .. } => None,
        })
        .collect();
    let _ = writeln!(
        report,
        "gap: soft against the best known score (CP-SAT, proven optimal): {}; on XL the \
         dialogues left unscheduled (= medium) against the target {XL_UNSCHEDULED} / CP-SAT \
         after 10 s / greedy ({})",
        references.join(", "),
        KNOWN
            .iter()
            .filter_map(|(name, known)| match known {
                Known::OverFull { cpsat, greedy } => {
                    Some(format!("{name}: {XL_UNSCHEDULED}/{cpsat}/{greedy}"))
                }
                Known::Optimum { .. } => None,
            })
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        report,
        "target: each judged on the run whose budget is its time: soft within {} % of the \
         optimum after {NEAR_SECONDS} s, at the optimum within {OPTIMUM_SECONDS} s (L within \
         {L_OPTIMUM_SECONDS} s), at most {XL_UNSCHEDULED} unscheduled on XL within \
         {XL_SECONDS} s (no hard violation); peak RSS at most {L_RSS_MIB} MiB on L, every run",
        NEAR_SHARE * 100.0
    );
    if let Some(bound) = results
        .iter()
        .filter(|r| !r.rss_exact)
        .map(|r| r.rss_bound_kib)
        .max()
    {
        let _ = writeln!(
            report,
            "*: the planner stayed below the probe's own resident memory, which its ru_maxrss \
             also counts (it ran on the probe's memory until exec): the highest VmHWM of \
             /proc/<pid>/status sampled every {} ms instead (at most {:.1} MiB)",
            HWM_SAMPLE.as_millis(),
            bound as f64 / 1024.0
        );
    }
    let judged: Vec<bool> = results
        .iter()
        .flat_map(|r| r.goals.iter().map(|(_, met)| *met))
        .collect();
    let met = judged.iter().filter(|m| **m).count();
    let _ = writeln!(
        report,
        "targets: {met} of {} met, {} short",
        judged.len(),
        judged.len() - met
    );
    for r in results {
        let run = format!("{} at {} s", r.instance, r.budget);
        if let Some(claimed) = &r.claimed
            && *claimed != r.score.to_string()
        {
            let _ = writeln!(
                report,
                "{run}: the solver claims {claimed}, the scorer gives {}",
                r.score
            );
        }
        match r.last_progress {
            None => {
                let _ = writeln!(report, "{run}: no progress line on stderr");
            }
            Some((_, last)) if last != r.score => {
                let _ = writeln!(
                    report,
                    "{run}: the last progress line says {last}, the scorer gives {}",
                    r.score
                );
            }
            Some(_) => {}
        }
        if r.wall > Duration::from_secs_f64(r.budget) + OVERRUN {
            let _ = writeln!(
                report,
                "{run}: took {:.2} s, more than its budget",
                r.wall.as_secs_f64()
            );
        }
    }
    let paths: Vec<String> = instances
        .iter()
        .map(|i| ctx.display_path(&i.path))
        .collect();
    let budgets: Vec<String> = options.budgets().iter().map(f64::to_string).collect();
    let _ = writeln!(
        report,
        "reproduce: cargo xtask bench --service planner --planner-seconds {} --planner-seed {} \
         --planner-threads {} --instances {}",
        budgets.join(","),
        setup.seed,
        setup.threads,
        paths.join(",")
    );
    report
}

/// The 1-, 5- and 15-minute load averages.
fn load_average() -> Option<String> {
    let text = fs::read_to_string("/proc/loadavg").ok()?;
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    (fields.len() == 3).then(|| fields.join(" "))
}

/// The commit of the planner's source and whether its working tree differs, e.g.
/// `0cee393 + uncommitted changes in planner/src`.
fn source(ctx: &Ctx) -> Option<String> {
    let git = |args: &[&str]| {
        let mut cmd = Command::new("git");
        cmd.args(args).current_dir(&ctx.root);
        process::output_checked(&mut cmd).ok()
    };
    let commit = git(&["rev-parse", "--short", "HEAD"])?;
    let changed = git(&[
        "status",
        "--porcelain",
        "--",
        "planner/src",
        "planner/Cargo.toml",
    ])?;
    Some(if changed.trim().is_empty() {
        commit.trim().to_string()
    } else {
        format!("{} + uncommitted changes in planner/src", commit.trim())
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::{
        Goal, Known, Measured, Score, Solved, gap, goals, known, last_improvement, parse_progress,
        parse_status_kib, stem,
    };

    fn score(hard: u64, medium: u64, soft: u64) -> Score {
        Score { hard, medium, soft }
    }

    #[test]
    fn progress_lines_give_time_and_best_score() {
        assert_eq!(
            parse_progress("qmf-plan:    0.14 s  best 0/0/5240  (epoch 1, 1000000 steps)"),
            Some((0.14, score(0, 0, 5240)))
        );
        assert_eq!(
            parse_progress("qmf-plan:  123.45 s  best 2/17/104233  (epoch 40, 9 steps)"),
            Some((123.45, score(2, 17, 104233)))
        );
        // the summary, errors and anything else are no progress lines
        for line in [
            "qmf-plan: S-1: score 0/0/5240 after 0.97 s (best found at 0.13 s, 5 epochs, 1 steps)",
            "qmf-plan: error: instance: 'x.json' is not valid JSON",
            "qmf-plan:    0.14 s  best 0/0  (epoch 1, 1 steps)",
            "qmf-plan:    0.14 s  best 0/0/1/2  (epoch 1, 1 steps)",
            "qmf-plan:    NaN s  best 0/0/1  (epoch 1, 1 steps)",
            "    0.14 s  best 0/0/5240",
            "",
        ] {
            assert_eq!(parse_progress(line), None, "{line}");
        }
    }

    #[test]
    fn the_last_progress_line_is_the_final_best() {
        let stderr = "qmf-plan:    0.01 s  best 0/0/5263  (epoch 0, 0 steps)\n\
                      qmf-plan:    0.14 s  best 0/0/5240  (epoch 1, 1000000 steps)\n\
                      qmf-plan: S-1: score 0/0/5240 after 0.97 s (best found at 0.13 s, 5 \
                      epochs, 10572872 steps)\n";
        assert_eq!(last_improvement(stderr), Some((0.14, score(0, 0, 5240))));
        assert_eq!(last_improvement("qmf-plan: error: no such file\n"), None);
    }

    #[test]
    fn scores_read_as_printed() {
        assert_eq!(Score::parse("0/3/5240"), Some(score(0, 3, 5240)));
        assert_eq!(score(0, 3, 5240).to_string(), "0/3/5240");
        assert_eq!(Score::parse("0/-1/5"), None);
        assert_eq!(Score::parse("0/1"), None);
    }

    #[test]
    fn the_probe_report_reads_back() {
        // the planner's ru_maxrss above the probe's own: exact
        let report = r#"{"exit_code":0,"signal":null,"wall_seconds":1.5,"max_rss_kib":41680,
            "probe_hwm_kib":5800,"sampled_hwm_kib":41000,"cpu_seconds":2.9}"#;
        assert_eq!(
            Measured::parse(report),
            Some(Measured {
                exit_code: Some(0),
                signal: None,
                wall: Duration::from_millis(1500),
                rss_kib: 41680,
                rss_exact: true,
                rss_bound_kib: 41680,
                cpu: Duration::from_millis(2900),
            })
        );
        // below it, ru_maxrss is the probe's: the sampled high-water mark, the bound kept
        let report = r#"{"exit_code":2,"signal":null,"wall_seconds":0.1,"max_rss_kib":5800,
            "probe_hwm_kib":5800,"sampled_hwm_kib":4400,"cpu_seconds":0.1}"#;
        let measured = Measured::parse(report).unwrap();
        assert_eq!(
            (measured.rss_kib, measured.rss_exact, measured.rss_bound_kib),
            (4400, false, 5800)
        );
        assert_eq!(measured.describe_exit(), "exit status 2");
        // a sample a little above ru_maxrss (approximate counters) raises only the bound
        let report = r#"{"exit_code":0,"signal":null,"wall_seconds":1,"max_rss_kib":16024,
            "probe_hwm_kib":6000,"sampled_hwm_kib":16328,"cpu_seconds":1}"#;
        let measured = Measured::parse(report).unwrap();
        assert_eq!(
            (measured.rss_kib, measured.rss_exact, measured.rss_bound_kib),
            (16024, true, 16328)
        );
        assert_eq!(Measured::parse(r#"{"exit_code":0}"#), None);
    }

    #[test]
    fn the_high_water_mark_is_read_from_the_status() {
        let status = "Name:\tqmf-plan\nVmPeak:\t  99 kB\nVmHWM:\t    4400 kB\nVmRSS:\t 4000 kB\n";
        assert_eq!(parse_status_kib(status, "VmHWM:"), Some(4400));
        assert_eq!(
            parse_status_kib("Name:\tqmf-plan\nState:\tZ (zombie)\n", "VmHWM:"),
            None
        );
    }

    fn solved(size: &str, name: &str, budget: f64, score: Score, rss_mib: u64) -> Solved {
        let mut solved = Solved {
            instance: name.to_string(),
            size: size.to_string(),
            budget,
            score,
            unscheduled: score.medium,
            claimed: None,
            last_progress: None,
            wall: Duration::from_secs_f64(budget),
            rss_kib: rss_mib * 1024,
            rss_exact: true,
            rss_bound_kib: rss_mib * 1024,
            cpu: Duration::ZERO,
            goals: Vec::new(),
        };
        solved.goals = goals(size, known(name), budget)
            .into_iter()
            .map(|goal| (goal, goal.met(&solved)))
            .collect();
        solved
    }

    #[test]
    fn each_target_is_judged_on_the_run_of_its_time() {
        let optimum = Known::Optimum { soft: 5447 };
        assert_eq!(
            goals("L", Some(optimum), 1.0),
            [Goal::Near { soft: 5447 }, Goal::Rss(80.0)]
        );
        assert_eq!(
            goals("L", Some(optimum), 2.0),
            [Goal::Optimum { soft: 5447 }, Goal::Rss(80.0)]
        );
        assert_eq!(goals("S", Some(Known::Optimum { soft: 5240 }), 2.0), []);
        assert_eq!(goals("XL", known("XL-1"), 10.0), [Goal::Unscheduled(10)]);
        assert_eq!(goals("XL", known("XL-1"), 1.0), []);
        assert_eq!(goals("M", None, 10.0), []);

        assert_eq!(
            solved("S", "S-1", 1.0, score(0, 0, 5266), 5).verdict(),
            "met"
        );
        assert_eq!(
            solved("S", "S-1", 1.0, score(0, 0, 5267), 5).verdict(),
            "short (score)"
        );
        assert_eq!(
            solved("S", "S-1", 1.0, score(0, 1, 5000), 5).verdict(),
            "short (score)"
        );
        assert_eq!(solved("S", "S-1", 2.0, score(0, 0, 9999), 5).verdict(), "-");
        assert_eq!(
            solved("L", "L-1", 2.0, score(0, 0, 5447), 81).verdict(),
            "short (RSS)"
        );
        assert_eq!(
            solved("XL", "XL-1", 10.0, score(0, 10, 99999), 50).verdict(),
            "met"
        );
        assert_eq!(
            solved("XL", "XL-1", 10.0, score(1, 3, 99999), 50).verdict(),
            "short (unscheduled)"
        );
    }

    #[test]
    fn the_gap_is_soft_in_percent_or_unscheduled_dialogues() {
        let optimum = Some(Known::Optimum { soft: 5000 });
        assert_eq!(gap("S", optimum, score(0, 0, 5025), 0), "+0.50 %");
        assert_eq!(gap("S", optimum, score(0, 0, 5000), 0), "+0.00 %");
        assert_eq!(
            gap("S", optimum, score(0, 2, 4900), 2),
            "-2.00 %, 0 hard, 2 medium"
        );
        assert_eq!(
            gap("XL", known("XL-1"), score(0, 7, 1), 7),
            "7 unsch. vs 10/248/59"
        );
        assert_eq!(gap("XL", None, score(0, 7, 1), 7), "7 unsch.");
        assert_eq!(gap("M", None, score(0, 0, 1), 0), "-");
    }

    #[test]
    fn file_names_keep_name_and_budget() {
        assert_eq!(stem("S-1", 1.0), "S-1-1s");
        assert_eq!(stem("S-1", 0.5), "S-1-0.5s");
        assert_eq!(stem("a b/c", 10.0), "a_b_c-10s");
    }
}
