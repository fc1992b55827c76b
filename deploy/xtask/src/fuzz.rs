//! `cargo xtask fuzz`: Schemathesis against every service's OpenAPI document.
//!
//! Each service runs on its own (a throwaway database recreated every run, its own broker names,
//! a free port, rate limits off; see `launch`) and gets two Schemathesis runs against the
//! document it serves, one with a staff token and one with an admin token: the examples,
//! coverage and fuzzing phases with positive and negative data and a fixed seed; with
//! `--stateful` also the stateful phase, which follows the documents' links. A run fails on a
//! server error, on a response outside its documented status codes, content type, headers or
//! schema, and on a request the service did not answer; the step also fails when a service
//! panicked or exited. Reports go to `.qmf/fuzz/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::Value;
use uuid::Uuid;

use crate::Result;
use crate::build::{self, Binaries};
use crate::ctx::{Ctx, SERVICES, Service};
use crate::infra::Infra;
use crate::launch::{self, Isolated};
use crate::process::{self, GroupChild, Interrupted, output_checked, tail};
use crate::pyvenv;
use crate::token::{self, Role};

/// The Schemathesis release the checks are written against; installed into `.qmf/venv`.
pub const SCHEMATHESIS_VERSION: &str = "4.32.5";
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_headers_conformance,response_schema_conformance";
const PHASES: &str = "examples,coverage,fuzzing";
/// With `--stateful`: also sequences of calls that follow the documents' links (from a
/// creation to the operations on the created resource).
const PHASES_STATEFUL: &str = "examples,coverage,fuzzing,stateful";
/// Hooks handed to Schemathesis (`SCHEMATHESIS_HOOKS`): fresh idempotency keys per request;
/// the creations as the stateful phase's starting points.
const HOOKS: &str = include_str!("fuzz_hooks.py");
/// Schemathesis' configuration (`st --config-file`). A stateful scenario has 6 steps by
/// default, about what the creations alone take (each starting point may be called twice
/// before anything else, and most generated creations are refused): a created resource was
/// seldom left a step to be read or changed through the links.
const CONFIG: &str = "[phases.stateful]\nmax-steps = 30\n";
/// The organisation of the staff token.
const STAFF_ORG: Uuid = Uuid::from_u128(0x5a1f_f022_0000_4000_8000_0000_0000_0001);
const DEFAULT_MAX_EXAMPLES: u32 = 30;
const DEFAULT_SEED: u64 = 20_240_601;
const DEFAULT_TIME_LIMIT: u64 = 600;
const DEFAULT_WORKERS: u32 = 1;
/// Seconds Schemathesis waits for one response.
const REQUEST_TIMEOUT: &str = "10";
const READY_TIMEOUT: Duration = Duration::from_secs(120);
const STOP_GRACE: Duration = Duration::from_secs(15);
const POLL: Duration = Duration::from_millis(100);
/// Longest request body or response excerpt quoted in the summary.
const QUOTE_LIMIT: usize = 600;

/// Options of `cargo xtask fuzz`.
#[derive(clap::Args, Debug, Clone)]
pub struct Options {
    /// Fuzz only this service; repeat for several [default: all five].
    #[arg(long = "service", value_name = "NAME",
          value_parser = clap::builder::PossibleValuesParser::new(SERVICES.map(|s| s.name)))]
    pub services: Vec<String>,
    /// Generated test cases per operation in the fuzzing phase (the examples and coverage
    /// phases add their own).
    #[arg(long, default_value_t = DEFAULT_MAX_EXAMPLES,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_examples: u32,
    /// Seed of the data generation: the same seed sends the same requests.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Requests Schemathesis has in flight (operations tested in parallel).
    #[arg(long, default_value_t = DEFAULT_WORKERS,
          value_parser = clap::value_parser!(u32).range(1..=16))]
    pub workers: u32,
    /// Seconds the whole step may take; a run still going then is stopped and fails.
    #[arg(long, default_value_t = DEFAULT_TIME_LIMIT,
          value_parser = clap::value_parser!(u64).range(10..=86_400))]
    pub time_limit: u64,
    /// Also run Schemathesis's stateful phase: sequences that follow the documents' links
    /// (a creation, then reads and changes of what it created). For the long run, e.g.
    /// `--stateful --max-examples 300 --time-limit 3600`; the test suite runs without it.
    #[arg(long)]
    pub stateful: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            services: Vec::new(),
            max_examples: DEFAULT_MAX_EXAMPLES,
            seed: DEFAULT_SEED,
            workers: DEFAULT_WORKERS,
            time_limit: DEFAULT_TIME_LIMIT,
            stateful: false,
        }
    }
}

impl Options {
    fn phases(&self) -> &'static str {
        if self.stateful {
            PHASES_STATEFUL
        } else {
            PHASES
        }
    }

    fn selected(&self) -> Vec<Service> {
        SERVICES
            .into_iter()
            .filter(|s| self.services.is_empty() || self.services.iter().any(|n| n == s.name))
            .collect()
    }
}

/// Whose token a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    Staff,
    Admin,
}

impl Who {
    const ALL: [Who; 2] = [Who::Staff, Who::Admin];

    fn name(self) -> &'static str {
        match self {
            Who::Staff => "staff",
            Who::Admin => "admin",
        }
    }

    fn token(self, ctx: &Ctx) -> Result<String> {
        match self {
            Who::Staff => token::mint(
                ctx,
                &[Role::YouthOfficeStaff, Role::Caseworker],
                Some(STAFF_ORG),
                Some("fuzz-staff"),
            ),
            Who::Admin => token::mint(ctx, &[Role::Admin], None, Some("fuzz-admin")),
        }
    }

    /// The shell variable the reproducing commands use.
    fn variable(self) -> &'static str {
        match self {
            Who::Staff => "STAFF_TOKEN",
            Who::Admin => "ADMIN_TOKEN",
        }
    }

    fn mint_command(self) -> String {
        match self {
            Who::Staff => format!(
                "STAFF_TOKEN=$(cargo xtask token --role youth_office_staff --role caseworker \
                 --org {STAFF_ORG})"
            ),
            Who::Admin => "ADMIN_TOKEN=$(cargo xtask token --role admin)".to_string(),
        }
    }
}

/// `cargo xtask fuzz`: infrastructure, binaries, then [`run_with`].
pub fn run(ctx: &Ctx, options: &Options) -> Result<()> {
    process::install_signal_handler()?;
    let mut infra = Infra::up(ctx)?;
    let result = build::build_bins(ctx).and_then(|binaries| run_with(ctx, &binaries, options));
    infra.stop_started(ctx);
    result
}

/// Fuzzes the selected services with running infrastructure and built binaries; prints the
/// summary and fails when any run found something.
pub fn run_with(ctx: &Ctx, binaries: &Binaries, options: &Options) -> Result<()> {
    let started = Instant::now();
    let schemathesis = ensure_schemathesis(ctx)?;
    process::check_interrupted()?;
    let dir = ctx.state.join("fuzz");
    if dir.exists() {
        fs::remove_dir_all(&dir)
            .map_err(|e| format!("cannot clear {}: {e}", ctx.display_path(&dir)))?;
    }
    fs::create_dir_all(&dir)?;
    fs::write(dir.join("hooks.py"), HOOKS)?;
    fs::write(dir.join("schemathesis.toml"), CONFIG)?;
    let mut tokens = Vec::new();
    for who in Who::ALL {
        tokens.push((who, who.token(ctx)?));
    }
    let fuzz = Fuzz {
        ctx,
        binaries,
        schemathesis,
        dir,
        options,
        deadline: started + Duration::from_secs(options.time_limit),
        tokens,
        runtime: tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?,
    };
    let mut outcomes = Vec::new();
    for service in options.selected() {
        process::check_interrupted()?;
        outcomes.push(fuzz.service(service)?);
    }
    let summary = summarize(&fuzz, &outcomes, started.elapsed());
    println!();
    print!("{summary}");
    let summary_path = fuzz.dir.join("summary.txt");
    fs::write(&summary_path, &summary)?;
    let failed: Vec<String> = outcomes
        .iter()
        .filter(|o| o.failed())
        .map(|o| o.service.name.to_string())
        .collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "Schemathesis found problems in {} (details above and in {})",
            failed.join(", "),
            ctx.display_path(&summary_path)
        )
        .into())
    }
}

struct Fuzz<'a> {
    ctx: &'a Ctx,
    binaries: &'a Binaries,
    schemathesis: PathBuf,
    dir: PathBuf,
    options: &'a Options,
    deadline: Instant,
    tokens: Vec<(Who, String)>,
    runtime: tokio::runtime::Runtime,
}

/// What fuzzing one service found.
struct ServiceOutcome {
    service: Service,
    runs: Vec<Run>,
    /// Problems outside a single run: the service did not start, panicked or exited.
    troubles: Vec<String>,
    log: PathBuf,
}

impl ServiceOutcome {
    fn failed(&self) -> bool {
        !self.troubles.is_empty() || self.runs.iter().any(Run::failed)
    }
}

/// One Schemathesis run.
struct Run {
    who: Who,
    took: Duration,
    report: Report,
    /// Problems of the run itself: time limit, Schemathesis did not finish.
    troubles: Vec<String>,
    text: PathBuf,
}

impl Run {
    fn failed(&self) -> bool {
        !self.troubles.is_empty() || !self.report.failures.is_empty()
    }
}

impl Fuzz<'_> {
    fn service(&self, service: Service) -> Result<ServiceOutcome> {
        let log = self.dir.join(format!("{}.log", service.name));
        let mut outcome = ServiceOutcome {
            service,
            runs: Vec::new(),
            troubles: Vec::new(),
            log: log.clone(),
        };
        if Instant::now() >= self.deadline {
            outcome.troubles.push(self.time_limit_reached("not fuzzed"));
            return Ok(outcome);
        }
        let (mut child, port) = match self.start(service, &log) {
            Ok(started) => started,
            Err(e) if process::is_interrupted(e.as_ref()) => return Err(e),
            Err(e) => {
                outcome.troubles.push(format!("not fuzzed: {e}"));
                return Ok(outcome);
            }
        };
        let result = self.runs(service, &mut child, port, &mut outcome);
        process::stop_groups(std::slice::from_mut(&mut child), STOP_GRACE);
        result?;
        outcome.troubles.extend(panics(&log));
        Ok(outcome)
    }

    /// Recreates the service's database and starts it on a free port; returns it and its port.
    fn start(&self, service: Service, log: &Path) -> Result<(GroupChild, u16)> {
        let database = format!("qmf_fuzz_{}", service.name);
        let exchange = format!("qmf.events.fuzz-{}", service.name);
        let queue_prefix = format!("fuzz-{}.", service.name);
        let port = launch::free_port()?;
        self.runtime.block_on(launch::recreate_database(
            &self.ctx.database_url("postgres"),
            &database,
        ))?;
        let isolated = Isolated {
            service,
            database: &database,
            exchange: &exchange,
            queue_prefix: &queue_prefix,
            port,
            extra_env: Vec::new(),
        };
        let mut child = launch::spawn(
            self.ctx,
            &isolated,
            self.binaries.get(service)?,
            log,
            format!("{} (fuzz)", service.binary()),
        )?;
        let base = format!("http://127.0.0.1:{port}");
        if let Err(e) = launch::wait_ready(self.ctx, &mut child, &base, log, READY_TIMEOUT) {
            process::stop_groups(std::slice::from_mut(&mut child), STOP_GRACE);
            return Err(e);
        }
        Ok((child, port))
    }

    fn runs(
        &self,
        service: Service,
        child: &mut GroupChild,
        port: u16,
        outcome: &mut ServiceOutcome,
    ) -> Result<()> {
        for (who, token) in &self.tokens {
            if Instant::now() >= self.deadline {
                outcome
                    .troubles
                    .push(self.time_limit_reached(&format!("not run as {}", who.name())));
                continue;
            }
            outcome
                .runs
                .push(self.schemathesis(service, port, *who, token)?);
            if let Some(status) = child.poll() {
                outcome.troubles.push(format!(
                    "the service exited ({status}) during the run as {}. Last lines of {}:\n{}",
                    who.name(),
                    self.ctx.display_path(&outcome.log),
                    tail(&outcome.log, 20)
                ));
                break;
            }
        }
        Ok(())
    }

    fn time_limit_reached(&self, what: &str) -> String {
        format!(
            "{what}: the time limit of {} s for the whole step was reached (--time-limit)",
            self.options.time_limit
        )
    }

    /// One Schemathesis run against the service on `port`.
    fn schemathesis(&self, service: Service, port: u16, who: Who, token: &str) -> Result<Run> {
        let stem = format!("{}-{}", service.name, who.name());
        let text = self.dir.join(format!("{stem}.txt"));
        let ndjson = self.dir.join(format!("{stem}.ndjson"));
        let junit = self.dir.join(format!("{stem}.junit.xml"));
        let base = format!("http://127.0.0.1:{port}");
        let output = File::create(&text)
            .map_err(|e| format!("cannot create {}: {e}", self.ctx.display_path(&text)))?;
        let mut cmd = Command::new(&self.schemathesis);
        cmd.arg("--config-file")
            .arg(self.dir.join("schemathesis.toml"))
            .arg("run")
            .arg(format!("{base}/openapi.json"))
            .args(["--url", &base])
            .args(["--header", &format!("Authorization: Bearer {token}")])
            .args([
                "--phases",
                self.options.phases(),
                "--mode",
                "all",
                "--checks",
                CHECKS,
            ])
            .args(["--max-examples", &self.options.max_examples.to_string()])
            .args(["--seed", &self.options.seed.to_string()])
            .args(["--workers", &self.options.workers.to_string()])
            .args(["--request-timeout", REQUEST_TIMEOUT])
            .args(["--generation-database", "none"])
            .args(["--generation-with-security-parameters", "false"])
            .args(["--suppress-health-check", "all"])
            .arg("--continue-on-failure")
            // The reports keep real header values (the tokens are development tokens that
            // expire), so that every request in them can be sent again as it was.
            .args(["--output-sanitize", "false"])
            .arg("--no-color")
            .args(["--report", "junit,ndjson"])
            .arg("--report-dir")
            .arg(&self.dir)
            .arg("--report-junit-path")
            .arg(&junit)
            .arg("--report-ndjson-path")
            .arg(&ndjson)
            .current_dir(&self.dir)
            .env("SCHEMATHESIS_HOOKS", self.dir.join("hooks.py"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env("no_proxy", "127.0.0.1,localhost")
            .stdin(Stdio::null())
            .stdout(output.try_clone()?)
            .stderr(output)
            // Own process group: we stop it ourselves on Ctrl-C or at the time limit.
            .process_group(0);
        println!(
            "xtask: fuzzing {} as {} (Schemathesis output in {})",
            service.name,
            who.name(),
            self.ctx.display_path(&text)
        );
        let started = Instant::now();
        let child = cmd
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.schemathesis.display()))?;
        let mut child = GroupChild::new(format!("schemathesis ({stem})"), child);
        let mut troubles = Vec::new();
        let status = loop {
            if let Some(status) = child.poll() {
                break Some(status);
            }
            if process::stop_requested() {
                process::stop_groups(std::slice::from_mut(&mut child), STOP_GRACE);
                return Err(Box::new(Interrupted));
            }
            if Instant::now() >= self.deadline {
                process::stop_groups(std::slice::from_mut(&mut child), STOP_GRACE);
                troubles.push(self.time_limit_reached("stopped"));
                break None;
            }
            thread::sleep(POLL);
        };
        let took = started.elapsed();
        let report = fs::read_to_string(&ndjson)
            .map(|events| Report::parse(&events))
            .unwrap_or_default();
        if let Some(status) = status
            && !report.finished
        {
            troubles.push(format!(
                "Schemathesis did not finish ({status}). Last lines of {}:\n{}",
                self.ctx.display_path(&text),
                tail(&text, 15)
            ));
        }
        troubles.extend(report.fatal.iter().cloned());
        Ok(Run {
            who,
            took,
            report,
            troubles,
            text,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// Schemathesis' NDJSON event stream

/// What one run's event stream says.
#[derive(Default)]
struct Report {
    /// Operations (`METHOD /path`) with at least one test case that ran.
    operations: BTreeSet<String>,
    /// Test cases whose response was checked.
    cases: usize,
    /// By operation and check (`not_a_server_error`, …; `request` for a request that got no
    /// response).
    failures: BTreeMap<(String, String), Finding>,
    /// Errors that ended the run.
    fatal: Vec<String>,
    /// Whether the engine finished (the stream is complete).
    finished: bool,
    /// By operation, a request that got no response (a case with an interaction but no
    /// checks), for the errors.
    unanswered: BTreeMap<String, Exchange>,
}

struct Finding {
    /// What the check says, e.g. `ST103 Undocumented status code`.
    title: String,
    /// Its detail, e.g. `Received: 422` and the documented codes.
    message: String,
    count: usize,
    example: Option<Exchange>,
}

/// A request of a failed test case and the response to it.
struct Exchange {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    status: Option<u64>,
    content_type: Option<String>,
    response: Option<Vec<u8>>,
}

impl Report {
    fn parse(events: &str) -> Report {
        let mut report = Report::default();
        for line in events.lines() {
            let Ok(event) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if let Some(scenario) = event.get("ScenarioFinished") {
                report.scenario(scenario);
            } else if let Some(error) = event.get("NonFatalError") {
                report.non_fatal(error);
            } else if let Some(error) = event.get("FatalError") {
                report.fatal.push(format!(
                    "Schemathesis stopped: {}",
                    compact(&error["exception"].to_string(), QUOTE_LIMIT)
                ));
            } else if event.get("EngineFinished").is_some() {
                report.finished = true;
            }
        }
        for ((label, check), finding) in &mut report.failures {
            if check == "request" && finding.example.is_none() {
                finding.example = report.unanswered.remove(label);
            }
        }
        report
    }

    fn scenario(&mut self, scenario: &Value) {
        let recorder = &scenario["recorder"];
        let Some(label) = recorder["label"].as_str() else {
            return;
        };
        let Some(cases) = recorder["cases"].as_object() else {
            return;
        };
        if cases.is_empty() {
            return;
        }
        self.operations.insert(label.to_string());
        let checks = recorder["checks"].as_object();
        self.cases += checks.map_or(0, |c| c.len());
        for (case_id, interaction) in recorder["interactions"].as_object().into_iter().flatten() {
            if checks.is_some_and(|c| c.contains_key(case_id)) {
                continue;
            }
            if let Some(exchange) = Exchange::from_interaction(interaction) {
                let better = self
                    .unanswered
                    .get(label)
                    .is_none_or(|known| known.status.is_some() && exchange.status.is_none());
                if better {
                    self.unanswered.insert(label.to_string(), exchange);
                }
            }
        }
        for (case_id, results) in checks.into_iter().flatten() {
            for result in results.as_array().into_iter().flatten() {
                if result["status"] != "failure" {
                    continue;
                }
                let check = result["name"].as_str().unwrap_or("unknown check");
                let failure = &result["failure_info"]["failure"];
                let title = [&failure["code"], &failure["title"]]
                    .iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(" ");
                let finding = self
                    .failures
                    .entry((label.to_string(), check.to_string()))
                    .or_insert_with(|| Finding {
                        title,
                        message: failure["message"]
                            .as_str()
                            .unwrap_or_default()
                            .lines()
                            .map(str::trim)
                            .filter(|l| !l.is_empty())
                            .collect::<Vec<_>>()
                            .join("; "),
                        count: 0,
                        example: Exchange::from_interaction(&recorder["interactions"][case_id]),
                    });
                finding.count += 1;
            }
        }
    }

    /// An error while testing an operation, e.g. a connection the service closed without a
    /// response. Its request comes from the scenario, reported after the error: the case with
    /// an interaction but no checks.
    fn non_fatal(&mut self, error: &Value) {
        let label = error["label"]
            .as_str()
            .unwrap_or("(no operation)")
            .to_string();
        let value = &error["value"];
        let kind = value["type"].as_str().unwrap_or_default();
        let message = [kind, value["message"].as_str().unwrap_or_default()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(": ");
        // A request the service did not answer, or trouble inside Schemathesis (which leaves
        // the operation untested).
        let (check, title) = if ["Connection", "Timeout", "ChunkedEncoding", "Protocol"]
            .iter()
            .any(|k| kind.contains(k))
        {
            ("request", "no response")
        } else {
            ("schemathesis", "the test could not run")
        };
        let finding = self
            .failures
            .entry((label, check.to_string()))
            .or_insert_with(|| Finding {
                title: title.to_string(),
                message,
                count: 0,
                example: None,
            });
        finding.count += 1;
    }
}

impl Exchange {
    fn from_interaction(interaction: &Value) -> Option<Exchange> {
        let request = interaction.get("request")?;
        let response = interaction.get("response").filter(|r| !r.is_null());
        let header_value = |headers: &Value, name: &str| {
            headers.as_object().and_then(|map| {
                map.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    .and_then(|(_, v)| v[0].as_str())
                    .map(str::to_string)
            })
        };
        let mut headers = Vec::new();
        for (name, values) in request["headers"].as_object().into_iter().flatten() {
            for value in values.as_array().into_iter().flatten() {
                if let Some(value) = value.as_str() {
                    headers.push((name.clone(), value.to_string()));
                }
            }
        }
        Some(Exchange {
            method: request["method"].as_str()?.to_string(),
            uri: request["uri"].as_str()?.to_string(),
            headers,
            body: decode(&request["body"]),
            status: response.and_then(|r| r["status_code"].as_u64()),
            content_type: response.and_then(|r| header_value(&r["headers"], "content-type")),
            response: response.and_then(|r| decode(&r["content"])),
        })
    }

    /// A curl command sending the request to the service as `cargo xtask up` runs it, with the
    /// token in a shell variable.
    fn curl(&self, service: Service, who: Who) -> String {
        let path = match self.uri.find("://") {
            Some(scheme) => match self.uri[scheme + 3..].find('/') {
                Some(slash) => &self.uri[scheme + 3 + slash..],
                None => "/",
            },
            None => &self.uri,
        };
        let mut command = format!(
            "curl -si -X {} {}",
            shell_quote(self.method.as_bytes()),
            shell_quote(format!("{}{path}", service.base_url()).as_bytes())
        );
        for (name, value) in &self.headers {
            if name.eq_ignore_ascii_case("authorization") {
                let _ = write!(command, " -H \"Authorization: Bearer ${}\"", who.variable());
            } else if !is_default_header(name) {
                let _ = write!(
                    command,
                    " -H {}",
                    shell_quote(format!("{name}: {value}").as_bytes())
                );
            }
        }
        if let Some(body) = &self.body {
            if body.len() > QUOTE_LIMIT {
                let _ = write!(
                    command,
                    " --data-binary @body  # {} bytes: see the NDJSON report",
                    body.len()
                );
            } else {
                let _ = write!(command, " --data-binary {}", shell_quote(body));
            }
        }
        command
    }

    /// `422 application/problem+json {"type":…}` or `no response`.
    fn answer(&self) -> String {
        let Some(status) = self.status else {
            return "no response".to_string();
        };
        let mut text = status.to_string();
        if let Some(content_type) = &self.content_type {
            text.push(' ');
            text.push_str(content_type);
        }
        if let Some(body) = self.response.as_deref().filter(|b| !b.is_empty()) {
            text.push(' ');
            text.push_str(&compact(&String::from_utf8_lossy(body), QUOTE_LIMIT));
        }
        text
    }
}

/// Headers any HTTP client sends; left out of the curl commands.
fn is_default_header(name: &str) -> bool {
    [
        "user-agent",
        "accept",
        "accept-encoding",
        "connection",
        "content-length",
        "host",
        "x-schemathesis-testcaseid",
    ]
    .iter()
    .any(|h| name.eq_ignore_ascii_case(h))
}

/// A body in the report: `{"$base64": "…"}`, or plain text.
fn decode(value: &Value) -> Option<Vec<u8>> {
    if let Some(encoded) = value.get("$base64").and_then(Value::as_str) {
        return base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok();
    }
    value.as_str().map(|s| s.as_bytes().to_vec())
}

/// Quotes bytes for a POSIX shell: '…' when printable, else bash's $'…' with \xNN escapes.
fn shell_quote(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.chars().any(char::is_control) => {
            format!("'{}'", text.replace('\'', "'\\''"))
        }
        _ => {
            let mut quoted = String::from("$'");
            for &byte in bytes {
                match byte {
                    b'\\' => quoted.push_str("\\\\"),
                    b'\'' => quoted.push_str("\\'"),
                    0x20..=0x7e => quoted.push(char::from(byte)),
                    _ => {
                        let _ = write!(quoted, "\\x{byte:02x}");
                    }
                }
            }
            quoted.push('\'');
            quoted
        }
    }
}

/// One line of at most `limit` characters: control characters as spaces, runs of whitespace
/// as one.
fn compact(text: &str, limit: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() || c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            count += 1;
            space = false;
        }
        if count >= limit {
            out.push('…');
            break;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// Panic messages in a service log: `file:line:col: message`, each once.
fn panics(log: &Path) -> Vec<String> {
    let Ok(bytes) = fs::read(log) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut lines = text.lines();
    let mut seen = BTreeSet::new();
    while let Some(line) = lines.next() {
        if let Some((_, location)) = line.split_once(" panicked at ") {
            let location = location.trim_end_matches(':');
            let message = lines.next().unwrap_or_default().trim();
            seen.insert(format!("{location}: {message}"));
        }
    }
    seen.into_iter()
        .map(|p| format!("the service panicked at {p} (a request got no answer)"))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// summary

/// The stateful phase's link coverage from Schemathesis' output ("API Links: 10 covered / 30
/// selected / …"): links followed at least once, links in the run.
fn links_covered(text: &Path) -> Option<(u64, u64)> {
    let output = fs::read_to_string(text).ok()?;
    let line = output
        .lines()
        .find_map(|l| l.trim().strip_prefix("API Links:"))?;
    let mut numbers = line
        .split_whitespace()
        .filter_map(|word| word.parse::<u64>().ok());
    Some((numbers.next()?, numbers.next()?))
}

fn summarize(fuzz: &Fuzz, outcomes: &[ServiceOutcome], took: Duration) -> String {
    let options = fuzz.options;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "fuzz summary: Schemathesis {SCHEMATHESIS_VERSION}, phases {}, positive and \
         negative data, {} generated cases per operation in the fuzzing phase, seed {}, {} \
         worker(s); {:.0} s in all; reports in {}",
        options.phases(),
        options.max_examples,
        options.seed,
        options.workers,
        took.as_secs_f64(),
        fuzz.ctx.display_path(&fuzz.dir)
    );
    let _ = writeln!(out, "checks: {}", CHECKS.replace(',', ", "));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "  {:<10} {:<6} {:>10} {:>7} {:>8} {:>9}  result",
        "service", "token", "operations", "cases", "took", "links"
    );
    let mut links_total = (0, 0);
    for outcome in outcomes {
        for run in &outcome.runs {
            let report = &run.report;
            let result = if run.failed() {
                let operations: BTreeSet<&String> =
                    report.failures.keys().map(|(op, _)| op).collect();
                let mut by_check: BTreeMap<&str, usize> = BTreeMap::new();
                for (_, check) in report.failures.keys() {
                    *by_check.entry(check).or_default() += 1;
                }
                let mut text = format!("FAILED in {} operations:", operations.len());
                for (check, count) in by_check {
                    let _ = write!(text, " {check} {count},");
                }
                if !run.troubles.is_empty() {
                    let _ = write!(text, " {} run problem(s),", run.troubles.len());
                }
                text.pop();
                text
            } else {
                "ok".to_string()
            };
            let links = match links_covered(&run.text) {
                Some((covered, selected)) => {
                    links_total.0 += covered;
                    links_total.1 += selected;
                    format!("{covered}/{selected}")
                }
                None => "-".to_string(),
            };
            let _ = writeln!(
                out,
                "  {:<10} {:<6} {:>10} {:>7} {:>6.1} s {links:>9}  {result}",
                outcome.service.name,
                run.who.name(),
                report.operations.len(),
                report.cases,
                run.took.as_secs_f64()
            );
        }
        if !outcome.troubles.is_empty() {
            let _ = writeln!(
                out,
                "  {:<10} {:<6} {:>10} {:>7} {:>8} {:>9}  FAILED: {} service problem(s)",
                outcome.service.name,
                "-",
                "",
                "",
                "",
                "",
                outcome.troubles.len()
            );
        }
    }
    if links_total.1 > 0 {
        let _ = writeln!(
            out,
            "links: the stateful phase followed {} of the {} links in its runs (declared and \
             inferred) at least once",
            links_total.0, links_total.1
        );
    }
    if !outcomes.iter().any(ServiceOutcome::failed) {
        let _ = writeln!(out, "no failures");
        return out;
    }

    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Failures, each with its first failing request against `cargo xtask up` (tokens: {}; \
         {}):",
        Who::Staff.mint_command(),
        Who::Admin.mint_command()
    );
    for outcome in outcomes.iter().filter(|o| o.failed()) {
        let _ = writeln!(out);
        write_findings(&mut out, fuzz, outcome);
    }
    out
}

/// The failures of a service, each operation and check once with the tokens it failed with.
fn write_findings(out: &mut String, fuzz: &Fuzz, outcome: &ServiceOutcome) {
    let service = outcome.service;
    let _ = writeln!(
        out,
        "{} (service log {}):",
        service.name,
        fuzz.ctx.display_path(&outcome.log)
    );
    for trouble in &outcome.troubles {
        let _ = writeln!(out, "  - {trouble}");
    }
    for run in &outcome.runs {
        for trouble in &run.troubles {
            let _ = writeln!(out, "  - as {}: {trouble}", run.who.name());
        }
    }
    // (operation, check) → (who → finding)
    let mut merged: BTreeMap<(&str, &str), Vec<(Who, &Finding)>> = BTreeMap::new();
    for run in &outcome.runs {
        for ((operation, check), finding) in &run.report.failures {
            merged
                .entry((operation.as_str(), check.as_str()))
                .or_default()
                .push((run.who, finding));
        }
    }
    for ((operation, check), found) in merged {
        let whos: Vec<&str> = found.iter().map(|(who, _)| who.name()).collect();
        let count: usize = found.iter().map(|(_, f)| f.count).sum();
        let (who, first) = found[0];
        let _ = writeln!(
            out,
            "  - {operation}: {check} ({}), as {}, {count} case(s)",
            first.title,
            whos.join(" and ")
        );
        if !first.message.is_empty() {
            let _ = writeln!(out, "      {}", compact(&first.message, QUOTE_LIMIT));
        }
        if let Some(example) = &first.example {
            let _ = writeln!(out, "      answer: {}", example.answer());
            let _ = writeln!(out, "      {}", example.curl(service, who));
        }
    }
    let texts: Vec<String> = outcome
        .runs
        .iter()
        .filter(|r| r.failed())
        .map(|r| fuzz.ctx.display_path(&r.text))
        .collect();
    if !texts.is_empty() {
        let _ = writeln!(out, "  Schemathesis' own account: {}", texts.join(", "));
    }
}

// ---------------------------------------------------------------------------------------------
// installing Schemathesis

/// `.qmf/venv/bin/schemathesis` at [`SCHEMATHESIS_VERSION`], installed from PyPI into a
/// virtual environment when missing; reused on later runs.
fn ensure_schemathesis(ctx: &Ctx) -> Result<PathBuf> {
    let venv = ctx.state.join("venv");
    let program = venv.join("bin/schemathesis");
    let wanted = format!("version {SCHEMATHESIS_VERSION}");
    let installed = |program: &Path| {
        output_checked(Command::new(program).arg("--version"))
            .is_ok_and(|version| version.trim().ends_with(&wanted))
    };
    if installed(&program) {
        return Ok(program);
    }
    pyvenv::pip_install(
        ctx,
        &venv,
        &[format!("schemathesis=={SCHEMATHESIS_VERSION}")],
    )?;
    if installed(&program) {
        Ok(program)
    } else {
        Err(format!(
            "{} does not report {wanted} after pip install",
            ctx.display_path(&program)
        )
        .into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{Report, compact, links_covered, shell_quote};

    #[test]
    fn link_coverage_is_read_from_the_output() {
        let dir = std::env::temp_dir().join(format!("qmf-links-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let text = dir.join("run.txt");
        std::fs::write(
            &text,
            " Stateful\n     Scenarios:    38\n     API Links:    10 covered / 30 selected / 30 total (25 inferred)\n",
        )
        .unwrap();
        assert_eq!(links_covered(&text), Some((10, 30)));
        std::fs::write(&text, "no stateful phase\n").unwrap();
        assert_eq!(links_covered(&text), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn shell_quoting_keeps_bytes() {
        assert_eq!(shell_quote(b"plain"), "'plain'");
        assert_eq!(shell_quote(b"it's"), "'it'\\''s'");
        assert_eq!(shell_quote(b"a\x01b\\"), "$'a\\x01b\\\\'");
        assert_eq!(shell_quote(&[0xff, b'\'']), "$'\\xff\\''");
    }

    #[test]
    fn compact_makes_one_short_line() {
        assert_eq!(compact("a\n  b\tc", 10), "a b c");
        assert_eq!(compact("abcdef", 3), "abc…");
    }

    #[test]
    fn the_event_stream_gives_failures_with_their_request() {
        let events = [
            r#"{"ScenarioFinished": {"status": "failure", "recorder": {"label": "GET /v1/x/{id}", "cases": {"c1": {}, "c2": {}}, "checks": {"c1": [{"name": "not_a_server_error", "status": "success"}], "c2": [{"name": "status_code_conformance", "status": "failure", "failure_info": {"failure": {"code": "ST103", "title": "Undocumented status code", "message": "Received: 422"}}}]}, "interactions": {"c2": {"request": {"method": "GET", "uri": "http://127.0.0.1:1234/v1/x/%01", "headers": {"Authorization": ["Bearer t"]}}, "response": {"status_code": 422, "headers": {"content-type": ["application/problem+json"]}, "content": {"$base64": "e30="}}}}}}}"#,
            r#"{"NonFatalError": {"label": "GET /v1/y", "value": {"type": "ConnectionError", "message": "aborted"}}}"#,
            r#"{"ScenarioFinished": {"status": "error", "recorder": {"label": "GET /v1/y", "cases": {"c3": {}}, "checks": {}, "interactions": {"c3": {"request": {"method": "GET", "uri": "http://127.0.0.1:1234/v1/y?n=-1", "headers": {}}, "response": null}}}}}"#,
            r#"{"EngineFinished": {}}"#,
        ]
        .join("\n");
        let report = Report::parse(&events);
        assert!(report.finished);
        assert_eq!(report.operations.len(), 2);
        assert_eq!(report.cases, 2);
        let finding =
            &report.failures[&("GET /v1/x/{id}".into(), "status_code_conformance".into())];
        assert_eq!(finding.title, "ST103 Undocumented status code");
        let example = finding.example.as_ref().unwrap();
        assert_eq!(example.answer(), "422 application/problem+json {}");
        assert_eq!(
            example.curl(crate::ctx::SERVICES[0], super::Who::Staff),
            "curl -si -X 'GET' 'http://127.0.0.1:8081/v1/x/%01' -H \"Authorization: Bearer $STAFF_TOKEN\""
        );
        let error = &report.failures[&("GET /v1/y".into(), "request".into())];
        assert_eq!(error.message, "ConnectionError: aborted");
        assert_eq!(error.example.as_ref().unwrap().answer(), "no response");
    }
}
