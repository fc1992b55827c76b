//! `cargo xtask faults`: the whole cluster under a steady write load that crosses services,
//! with faults injected one at a time and then together; afterwards the databases and the
//! broker are checked and a table printed. See the README, "Fault suite".

mod cluster;
mod load;
mod proxy;
mod verify;

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;
use std::thread;
use std::time::{Duration, Instant};

use lapin::options::BasicPublishOptions;
use lapin::{BasicProperties, Connection, ConnectionProperties};

use self::cluster::{FaultCluster, REPLICAS};
use self::load::{Load, PhaseCounts, Replicas, Targets, Tokens};
use self::verify::{Book, id_list};
use crate::Result;
use crate::build::{self, Binaries};
use crate::ctx::{Ctx, SERVICES, Service};
use crate::process;
use crate::token::{self, Role};

#[derive(clap::Args, Clone, Debug)]
pub struct Options {
    /// The bounded run of `cargo xtask test`: 5-second outages and 3 seconds of load between
    /// faults.
    #[arg(long)]
    pub quick: bool,
    /// How long RabbitMQ stays stopped and a service stays cut off from it, in seconds.
    #[arg(long, default_value_t = 30)]
    pub outage_seconds: u64,
    /// Seconds of steady load before the first fault and after each recovery.
    #[arg(long, default_value_t = 15)]
    pub steady_seconds: u64,
    /// Writers per flow (directory, case, training).
    #[arg(long, default_value_t = 2)]
    pub writers: usize,
    /// Each writer's pause after each round of writes, in milliseconds: the load stays below
    /// what the consumers apply, so recovery times measure the fault, not a growing backlog.
    #[arg(long, default_value_t = 250)]
    pub pause_ms: u64,
}

impl Options {
    pub fn quick() -> Options {
        Options {
            quick: true,
            outage_seconds: 5,
            steady_seconds: 3,
            writers: 1,
            pause_ms: 250,
        }
    }

    fn outage(&self) -> Duration {
        Duration::from_secs(if self.quick { 5 } else { self.outage_seconds })
    }

    fn steady(&self) -> Duration {
        Duration::from_secs(if self.quick { 3 } else { self.steady_seconds })
    }
}

/// The faults, in the order they are injected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fault {
    /// The load's set-up and steady load without a fault.
    None,
    BrokerStopped,
    BrokerKilled,
    PostgresRestarted,
    ReplicasKilled,
    CrashBeforeAck,
    NetworkCut,
    DuplicatesAndPoison,
    Combined,
}

const FAULTS: [Fault; 9] = [
    Fault::None,
    Fault::BrokerStopped,
    Fault::BrokerKilled,
    Fault::PostgresRestarted,
    Fault::ReplicasKilled,
    Fault::CrashBeforeAck,
    Fault::NetworkCut,
    Fault::DuplicatesAndPoison,
    Fault::Combined,
];

impl Fault {
    fn describe(self, options: &Options) -> String {
        let outage = options.outage().as_secs();
        match self {
            Fault::None => "set-up and steady load, no fault".into(),
            Fault::BrokerStopped => format!("RabbitMQ stopped for {outage} s, started again"),
            Fault::BrokerKilled => "RabbitMQ killed (SIGKILL), started again".into(),
            Fault::PostgresRestarted => "PostgreSQL restarted (fast shutdown, 2 s down)".into(),
            Fault::ReplicasKilled => {
                "one replica of every service killed (SIGKILL), started again after 2 s".into()
            }
            Fault::CrashBeforeAck => {
                "a replica of every consumer exits after a commit, before its ack".into()
            }
            Fault::NetworkCut => {
                format!("dialogue and training cut off from RabbitMQ for {outage} s")
            }
            Fault::DuplicatesAndPoison => {
                "published again: 20 delivered events and one poison message".into()
            }
            Fault::Combined => {
                "together: RabbitMQ killed, PostgreSQL restarted, a replica of every service killed"
                    .into()
            }
        }
    }
}

/// What one phase saw.
struct Row {
    fault: Fault,
    counts: PhaseCounts,
    recovered: Option<Duration>,
    duplicates: usize,
    events: verify::EventCounts,
}

pub fn run(ctx: &Ctx, options: &Options) -> Result<()> {
    process::install_signal_handler()?;
    let binaries = build::build_bins(ctx)?;
    run_with(ctx, binaries, options)
}

pub fn run_with(ctx: &Ctx, binaries: Binaries, options: &Options) -> Result<()> {
    println!(
        "xtask: fault suite: starting PostgreSQL, RabbitMQ and {REPLICAS} replicas of every service"
    );
    let mut cluster = FaultCluster::start(ctx, binaries)?;
    let result = run_faults(&mut cluster, options);
    cluster.stop();
    if result.is_err() {
        println!(
            "xtask: the services' logs are in {}",
            cluster.ctx.display_path(&cluster.ctx.state.join("logs"))
        );
    }
    result
}

fn run_faults(cluster: &mut FaultCluster, options: &Options) -> Result<()> {
    let mut report = String::new();
    // Both replicas ran their migrations at the same moment and became ready; a third run
    // finds nothing left to apply.
    for service in SERVICES {
        let output = cluster.run_command(service, &["migrate"], "info")?;
        if !output.contains("\"applied\":0") {
            return Err(format!(
                "{}: `migrate` after the replicas' start applied something:\n{output}",
                service.name
            )
            .into());
        }
    }
    writeln!(
        report,
        "Migrations: both replicas of every service started at once against an empty database \
         and became ready; `migrate` afterwards found nothing to apply."
    )?;

    let ctx = cluster.ctx.clone();
    let replicas = |service: &str| {
        Replicas(
            cluster
                .replicas
                .iter()
                .filter(|r| r.service.name == service)
                .map(|r| r.base_url())
                .collect(),
        )
    };
    let targets = Targets {
        directory: replicas("directory"),
        case: replicas("case"),
        committee: replicas("committee"),
        dialogue: replicas("dialogue"),
        training: replicas("training"),
    };
    let tokens = Tokens {
        admin: token::mint(&ctx, &[Role::Admin], None, Some("admin-faults"))?,
        trainer: token::mint(&ctx, &[Role::Trainer], None, Some("trainer-faults"))?,
        coordinator: token::mint(&ctx, &[Role::Coordinator], None, Some("coord-faults"))?,
        ctx: ctx.clone(),
    };
    let mut book = Book::new(cluster)?;
    println!(
        "xtask: consumers and their bindings read from the broker: {}",
        book.consumers()
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    );
    let load = Load::start(
        targets,
        tokens,
        options.writers,
        Duration::from_millis(options.pause_ms),
    )?;
    let mut rows = Vec::new();
    let mut notes = Vec::new();
    let mut duplicates_before = verify::duplicate_notices(cluster);
    for (phase, fault) in FAULTS.into_iter().enumerate() {
        process::check_interrupted()?;
        load.set_phase(phase);
        book.refresh(cluster)?;
        book.phase = phase;
        println!("xtask: fault {phase}: {}", fault.describe(options));
        inject(cluster, &mut book, fault, options, &mut notes)?;
        let snapshot: HashSet<String> = {
            book.refresh(cluster).ok();
            book.snapshot()
        };
        let recovered = book.wait_recovered(cluster, &snapshot, Duration::from_secs(180))?;
        thread::sleep(options.steady());
        let duplicates_now = verify::duplicate_notices(cluster);
        rows.push(Row {
            fault,
            counts: PhaseCounts::default(),
            recovered,
            duplicates: duplicates_now - duplicates_before,
            events: verify::EventCounts::default(),
        });
        duplicates_before = duplicates_now;
    }

    println!("xtask: stopping the load; waiting until every event is published and applied");
    let (counts, acknowledged, unusual) = load.stop()?;
    book.refresh(cluster)?;
    let all = book.snapshot();
    let drained = book.wait_recovered(cluster, &all, Duration::from_secs(180))?;
    let events = book.counts(rows.len());
    for (i, row) in rows.iter_mut().enumerate() {
        row.counts = counts.get(i).cloned().unwrap_or_default();
        row.events = events[i];
    }

    let mut failures = Vec::new();
    if drained.is_none() {
        failures.push("the cluster did not drain within 180 s after the load stopped".to_string());
    }
    write_table(&mut report, &rows, options)?;
    for row in &rows {
        let e = row.events;
        if e.delivered < e.owed || e.unpublished > 0 {
            failures.push(format!(
                "{:?}: {} deliveries lost, {} events unpublished",
                row.fault,
                e.owed - e.delivered,
                e.unpublished
            ));
        }
        if row.recovered.is_none() {
            failures.push(format!("{:?}: did not recover within 180 s", row.fault));
        }
        for (outcome, n) in &row.counts.by_outcome {
            // A replica killed while it handled a request cannot answer it; a load balancer
            // would turn that into a 502. Anywhere else a request without an answer is a fault.
            let kills = matches!(
                row.fault,
                Fault::ReplicasKilled | Fault::CrashBeforeAck | Fault::Combined
            );
            let bad = outcome == "timeout"
                || (outcome == "reset" && !kills)
                || (outcome.starts_with('5') && outcome != "503");
            if bad {
                failures.push(format!("{:?}: {n} answers {outcome}", row.fault));
            }
        }
        if row.counts.not_problem_json > 0 {
            failures.push(format!(
                "{:?}: {} server errors without application/problem+json",
                row.fault, row.counts.not_problem_json
            ));
        }
    }

    // The copies of the directory equal the directory; the acknowledged writes are there.
    let consumers = book.consumers();
    failures.extend(verify::copy_mismatches(cluster, &consumers)?);
    failures.extend(check_acknowledged(cluster, &acknowledged)?);
    let order = book.order_violations(cluster)?;
    let (overlaps, job_runs) = verify::job_overlaps(cluster)?;
    if overlaps > 0 {
        failures.push(format!(
            "{overlaps} job runs overlapped another run of the same job"
        ));
    }
    if order.values().any(|n| *n > 0) {
        failures.push(format!("events applied out of their order: {order:?}"));
    }
    writeln!(report)?;
    writeln!(
        report,
        "Acknowledged writes: {} organisations, {} people, {} closed cases, {} sessions, {} \
         dialogues documented with a Forum-topic finding (each checked as one committee topic); \
         given up: {}",
        acknowledged.organizations.len(),
        acknowledged.people.len(),
        acknowledged.closed_cases.len(),
        acknowledged.sessions.len(),
        acknowledged.forum_findings.len(),
        acknowledged.given_up.len()
    )?;
    if !acknowledged.dialogues_abandoned.is_empty() {
        writeln!(
            report,
            "Dialogue flows left unfinished: {}",
            acknowledged.dialogues_abandoned.join("; ")
        )?;
    }
    writeln!(
        report,
        "Copies of the directory's organisations in {}: compared row by row with the directory.",
        consumers
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(
        report,
        "Subjects applied out of order, per consumer: {order:?}"
    )?;
    writeln!(
        report,
        "Job runs (finished) per service: {job_runs:?}; overlapping runs of one job: {overlaps}"
    )?;
    for note in &notes {
        writeln!(report, "{note}")?;
    }
    if !unusual.is_empty() {
        writeln!(
            report,
            "Answers other than 2xx and 503, and requests without an answer:"
        )?;
        for (what, (n, detail)) in &unusual {
            writeln!(report, "  {n} × {what}: {detail}")?;
        }
    }
    if !acknowledged.given_up.is_empty() {
        writeln!(
            report,
            "Writes given up after 120 s of retries (60 s once the load was stopping):"
        )?;
        for w in acknowledged.given_up.iter().take(10) {
            writeln!(report, "  {w}")?;
        }
    }
    println!("\n{report}");
    if failures.is_empty() {
        println!("fault suite: every check passed");
        Ok(())
    } else {
        for f in &failures {
            println!("FAILED: {f}");
        }
        Err(format!("fault suite: {} check(s) failed", failures.len()).into())
    }
}

/// Injects `fault` and undoes it (restarts what it stopped); returns when the fault is over.
fn inject(
    cluster: &mut FaultCluster,
    book: &mut Book,
    fault: Fault,
    options: &Options,
    notes: &mut Vec<String>,
) -> Result<()> {
    let outage = options.outage();
    let every_service_once: Vec<usize> = cluster
        .replicas
        .iter()
        .enumerate()
        .filter(|(_, r)| r.index == 0)
        .map(|(i, _)| i)
        .collect();
    match fault {
        Fault::None => thread::sleep(options.steady()),
        Fault::BrokerStopped => {
            cluster.stop_broker()?;
            thread::sleep(outage);
            cluster.start_broker()?;
        }
        Fault::BrokerKilled => {
            cluster.kill_broker();
            thread::sleep(Duration::from_secs(2));
            cluster.start_broker()?;
        }
        Fault::PostgresRestarted => cluster.restart_postgres(Duration::from_secs(2))?,
        Fault::ReplicasKilled => {
            for &i in &every_service_once {
                cluster.kill_replica(i);
            }
            thread::sleep(Duration::from_secs(2));
            for &i in &every_service_once {
                cluster.start_replica(i, &[])?;
            }
        }
        Fault::CrashBeforeAck => crash_before_ack(cluster, book, notes)?,
        Fault::NetworkCut => {
            for service in ["dialogue", "training"] {
                let service = service_named(service)?;
                cluster.proxy(service)?.cut();
            }
            thread::sleep(outage);
            for service in ["dialogue", "training"] {
                cluster.proxy(service_named(service)?)?.restore();
            }
        }
        Fault::DuplicatesAndPoison => duplicates_and_poison(cluster, book, notes)?,
        Fault::Combined => {
            cluster.kill_broker();
            for &i in &every_service_once {
                cluster.kill_replica(i);
            }
            cluster.restart_postgres(Duration::from_secs(2))?;
            cluster.start_broker()?;
            for &i in &every_service_once {
                cluster.start_replica(i, &[])?;
            }
        }
    }
    Ok(())
}

fn service_named(name: &str) -> Result<Service> {
    SERVICES
        .into_iter()
        .find(|s| s.name == name)
        .ok_or_else(|| format!("no service {name}").into())
}

/// Every consumer runs on one replica started with `QMF_FAULT_EXIT_BEFORE_ACK=1`: it exits
/// right after the commit of the first event it applies. The other replica is stopped until
/// then, so the crashing one is the active consumer. Both run normally afterwards.
fn crash_before_ack(
    cluster: &mut FaultCluster,
    book: &Book,
    notes: &mut Vec<String>,
) -> Result<()> {
    let consumers = book.consumers();
    let mut crashed = Vec::new();
    for service in consumers {
        let indices: Vec<usize> = cluster
            .replicas
            .iter()
            .enumerate()
            .filter(|(_, r)| r.service == service)
            .map(|(i, _)| i)
            .collect();
        for &i in &indices {
            cluster.kill_replica(i);
        }
        let crashing = indices[0];
        cluster.start_replica(crashing, &[("QMF_FAULT_EXIT_BEFORE_ACK", "1".to_string())])?;
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            process::check_interrupted()?;
            if let Some(status) = cluster.exited(crashing) {
                break Some(status);
            }
            if Instant::now() >= deadline {
                break None;
            }
            thread::sleep(Duration::from_millis(100));
        };
        match status {
            Some(status) if status.code() == Some(86) => crashed.push(service.name),
            Some(status) => {
                return Err(
                    format!("{}: the crashing replica ended with {status}", service.name).into(),
                );
            }
            None => {
                cluster.kill_replica(crashing);
                notes.push(format!(
                    "Crash before ack: {} applied no event within 60 s; not crashed",
                    service.name
                ));
            }
        }
        for &i in &indices {
            cluster.start_replica(i, &[])?;
        }
    }
    notes.push(format!(
        "Crash before ack: exited after a commit and before its ack: {}",
        crashed.join(", ")
    ));
    Ok(())
}

/// Publishes 20 already delivered events of the directory again, with their ids, and one
/// message that is no event; the poison must land in every bound consumer's dead-letter queue,
/// and `replay-dead-letters` must move it back (from where it returns to the dead letters).
fn duplicates_and_poison(
    cluster: &mut FaultCluster,
    book: &Book,
    notes: &mut Vec<String>,
) -> Result<()> {
    let rows = cluster.query(
        "qmf_directory",
        "SELECT event_type, envelope FROM outbox WHERE published_at IS NOT NULL \
         AND event_type = 'directory.organization.updated.v1' ORDER BY id LIMIT 20",
    )?;
    let url = format!("amqp://guest:guest@127.0.0.1:{}/%2f", cluster.ctx.amqp_port);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let poison_key = "directory.organization.updated.v1";
    runtime.block_on(async {
        let connection = Connection::connect(&url, ConnectionProperties::default()).await?;
        let channel = connection.create_channel().await?;
        channel
            .confirm_select(lapin::options::ConfirmSelectOptions::default())
            .await?;
        let publish = |key: String, body: Vec<u8>| {
            let channel = channel.clone();
            async move {
                channel
                    .basic_publish(
                        "qmf.events".into(),
                        key.as_str().into(),
                        BasicPublishOptions::default(),
                        &body,
                        BasicProperties::default()
                            .with_content_type("application/cloudevents+json".into())
                            .with_delivery_mode(2),
                    )
                    .await?
                    .await?;
                Ok::<(), lapin::Error>(())
            }
        };
        for row in &rows {
            publish(row[0].clone(), row[1].clone().into_bytes()).await?;
        }
        publish(poison_key.to_string(), b"this is no event".to_vec()).await?;
        connection.close(0, "done".into()).await?;
        Ok::<(), lapin::Error>(())
    })?;
    notes.push(format!(
        "Duplicates: {} delivered events of the directory published again with their ids.",
        rows.len()
    ));

    let owed: Vec<Service> = book
        .consumers()
        .into_iter()
        .filter(|s| book.binds(*s, poison_key))
        .collect();
    let depth = |cluster: &FaultCluster, service: Service| -> Result<u64> {
        let url = format!(
            "http://127.0.0.1:{}/api/queues/%2F/{}.dead-letter",
            cluster.ctx.management_port(),
            service.name
        );
        let value: serde_json::Value = reqwest::blocking::Client::new()
            .get(url)
            .basic_auth("guest", Some("guest"))
            .send()?
            .error_for_status()?
            .json()?;
        Ok(value["messages"].as_u64().unwrap_or(0))
    };
    // The management API's counts lag a few seconds behind the queue.
    let wait_depth = |cluster: &FaultCluster, service: Service, want: u64| -> Result<u64> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let now = depth(cluster, service)?;
            if now == want || Instant::now() >= deadline {
                return Ok(now);
            }
            thread::sleep(Duration::from_millis(500));
        }
    };
    let mut lines = Vec::new();
    for service in owed {
        let before = wait_depth(cluster, service, 1)?;
        let output = cluster.run_command(service, &["replay-dead-letters"], "warn")?;
        let moved = output
            .lines()
            .find(|l| l.starts_with("moved"))
            .unwrap_or(output.trim())
            .to_string();
        let after = wait_depth(cluster, service, 1)?;
        lines.push(format!(
            "{}: {before} in the dead-letter queue; replay: {}; back in it: {after}",
            service.name,
            moved.trim()
        ));
        if before != 1 || after != 1 {
            return Err(format!(
                "poison message: {} had {before} dead letters before the replay and {after} after (expected 1 and 1)",
                service.name
            )
            .into());
        }
    }
    notes.push(format!("Poison message: {}", lines.join("; ")));
    Ok(())
}

/// Every write the API acknowledged is in its database, as acknowledged.
fn check_acknowledged(
    cluster: &FaultCluster,
    acknowledged: &load::Acknowledged,
) -> Result<Vec<String>> {
    let mut problems = Vec::new();
    let count = |db: &str, sql: String| -> Result<usize> {
        let rows = cluster.query(db, &sql)?;
        Ok(rows
            .first()
            .and_then(|r| r.first())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0))
    };
    let names: BTreeMap<String, String> = cluster
        .query("qmf_directory", "SELECT id, name FROM organizations")?
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    let wrong = acknowledged
        .organizations
        .iter()
        .filter(|(id, name)| names.get(&id.to_string()) != Some(name))
        .count();
    if wrong > 0 {
        problems.push(format!(
            "{wrong} acknowledged organisations missing or without their acknowledged name"
        ));
    }
    // Each Forum-topic finding became one topic in the committee.
    if acknowledged.forum_findings.is_empty() {
        problems.push("no dialogue was documented with a Forum-topic finding".to_string());
    } else {
        let topics = cluster.query(
            "qmf_committee",
            &format!(
                "SELECT count(*), count(DISTINCT finding_id) FROM topics WHERE finding_id IN ({})",
                id_list(&acknowledged.forum_findings)
            ),
        )?;
        let counts: Vec<usize> = topics
            .first()
            .map(|r| r.iter().filter_map(|n| n.parse().ok()).collect())
            .unwrap_or_default();
        let n = acknowledged.forum_findings.len();
        if counts != [n, n] {
            problems.push(format!(
                "{n} Forum-topic findings, committee topics (all, distinct findings): {counts:?}"
            ));
        }
    }
    let checks = [
        (
            "qmf_directory",
            "people",
            "TRUE",
            acknowledged.people.as_slice(),
        ),
        (
            "qmf_case",
            "cases",
            "phase = 'closed'",
            acknowledged.closed_cases.as_slice(),
        ),
        (
            "qmf_training",
            "sessions",
            "TRUE",
            acknowledged.sessions.as_slice(),
        ),
    ];
    for (db, table, condition, ids) in checks {
        if ids.is_empty() {
            continue;
        }
        let found = count(
            db,
            format!(
                "SELECT count(*) FROM {table} WHERE id IN ({}) AND {condition}",
                id_list(ids)
            ),
        )?;
        if found != ids.len() {
            problems.push(format!(
                "{table}: {} of {} acknowledged writes missing",
                ids.len() - found,
                ids.len()
            ));
        }
    }
    Ok(problems)
}

fn write_table(report: &mut String, rows: &[Row], options: &Options) -> Result<()> {
    writeln!(report)?;
    writeln!(
        report,
        "| # | fault | requests | answers by status | events committed | deliveries owed | delivered | duplicates absorbed | lost | recovered in |"
    )?;
    writeln!(report, "|---|---|---|---|---|---|---|---|---|---|")?;
    for (i, row) in rows.iter().enumerate() {
        let statuses = row
            .counts
            .by_outcome
            .iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join(", ");
        writeln!(
            report,
            "| {i} | {} | {} | {statuses} | {} | {} | {} | {} | {} | {} |",
            row.fault.describe(options),
            row.counts.requests,
            row.events.committed,
            row.events.owed,
            row.events.delivered,
            row.duplicates,
            row.events.owed - row.events.delivered.min(row.events.owed),
            row.recovered
                .map_or("not within 180 s".to_string(), |d| format!(
                    "{:.1} s",
                    d.as_secs_f64()
                ))
        )?;
    }
    Ok(())
}
