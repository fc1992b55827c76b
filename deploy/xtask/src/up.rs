//! `cargo xtask up`: the whole platform on this machine, in the foreground.

use std::fs::{self, File};
use std::thread;
use std::time::Duration;

use crate::Result;
use crate::build::{self, Binaries};
use crate::ctx::{Ctx, SERVICES, Service};
use crate::gateway;
use crate::infra::Infra;
use crate::launch;
use crate::process::{self, GroupChild, port_open, tail};
use crate::seed;
use crate::token;

const READY_TIMEOUT: Duration = Duration::from_secs(180);
const STOP_GRACE: Duration = Duration::from_secs(15);

pub fn run(ctx: &Ctx) -> Result<()> {
    process::install_signal_handler()?;
    let mut infra = Infra::up(ctx)?;
    let mut services = Vec::new();
    let result = start_and_serve(ctx, &infra, &mut services);
    if !services.is_empty() {
        eprintln!("xtask: stopping the services");
        process::stop_groups(&mut services, STOP_GRACE);
    }
    infra.stop_started(ctx);
    if result.is_ok() {
        eprintln!("xtask: everything stopped");
    }
    result
}

/// Deletes the services' event queues a `cargo xtask up` of an older version declared without a
/// single active consumer: RabbitMQ refuses to declare them anew with it, and the service would
/// never get ready. The services declare them again at start; the directory's snapshot, which
/// `seed` republishes when it finds data, refreshes every read copy.
fn recreate_outdated_queues(ctx: &Ctx) -> Result<()> {
    for queue in crate::infra::broker_queues(ctx)? {
        let name = queue["name"].as_str().unwrap_or_default();
        let ours = SERVICES
            .iter()
            .any(|s| name == format!("{}.events", s.name));
        if !ours || queue["arguments"]["x-single-active-consumer"] == true {
            continue;
        }
        crate::infra::delete_queue(ctx, name)?;
        println!(
            "xtask: deleted queue {name} of an older version ({} messages); the service declares \
             it anew",
            queue["messages"].as_u64().unwrap_or(0)
        );
    }
    Ok(())
}

fn start_and_serve(ctx: &Ctx, infra: &Infra, services: &mut Vec<GroupChild>) -> Result<()> {
    let databases: Vec<String> = SERVICES.iter().map(|s| s.database()).collect();
    crate::infra::ensure_databases(ctx, &databases)?;
    recreate_outdated_queues(ctx)?;
    process::check_interrupted()?;

    let binaries = build::build_bins(ctx)?;
    process::check_interrupted()?;

    if port_open(gateway::PORT) {
        return Err(format!(
            "port {} for the gateway is already in use (another `cargo xtask up`?)",
            gateway::PORT
        )
        .into());
    }
    for service in SERVICES {
        if port_open(service.port) {
            return Err(format!(
                "port {} for the {} service is already in use (another `cargo xtask up`? \
                 see `cargo xtask infra status`)",
                service.port, service.name
            )
            .into());
        }
    }
    fs::create_dir_all(ctx.logs_dir())?;
    for service in SERVICES {
        services.push(spawn(ctx, &binaries, service)?);
    }
    for (service, child) in SERVICES.iter().zip(services.iter_mut()) {
        let log = ctx.logs_dir().join(format!("{}.log", service.name));
        launch::wait_ready(ctx, child, &service.base_url(), &log, READY_TIMEOUT)?;
    }
    services.push(start_gateway(ctx)?);

    let token = token::admin_token(ctx)?;
    let (seeded, personas) = seed::everything(ctx, &seed::Urls::Services)?;
    print_banner(ctx, infra, &token, &seeded, &personas);

    let mut reported = vec![false; services.len()];
    while !process::stop_requested() {
        for (i, child) in services.iter_mut().enumerate() {
            if !reported[i]
                && let Some(status) = child.poll()
            {
                reported[i] = true;
                let log = match SERVICES.get(i) {
                    Some(service) => ctx.logs_dir().join(format!("{}.log", service.name)),
                    None => ctx.state.join("gateway/nginx.err"),
                };
                eprintln!(
                    "xtask: {} exited ({status}); the others keep running. Last lines of {}:\n{}",
                    child.name,
                    ctx.display_path(&log),
                    tail(&log, 20)
                );
            }
        }
        thread::sleep(Duration::from_millis(200));
    }
    Ok(())
}

/// nginx on 127.0.0.1:8080 in front of the services, with the routes of the documents they
/// serve; its logs go to `.qmf/gateway/`.
fn start_gateway(ctx: &Ctx) -> Result<GroupChild> {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let mut documents = Vec::new();
    for service in SERVICES {
        let url = format!("{}/openapi.json", service.base_url());
        documents.push((
            service,
            client.get(&url).send()?.json::<serde_json::Value>()?,
        ));
    }
    let refs: Vec<(Service, &serde_json::Value)> = documents.iter().map(|(s, d)| (*s, d)).collect();
    let upstream = |s: Service| format!("127.0.0.1:{}", s.port);
    let dir = ctx.state.join("gateway");
    let target = gateway::Target {
        listen: format!("127.0.0.1:{}", gateway::PORT),
        state: dir.display().to_string(),
        upstream: &upstream,
    };
    let child = gateway::start(ctx, &refs, &target, &dir, gateway::PORT)?;
    println!(
        "xtask: started nginx as the gateway on {} (pid {}), logs {}",
        gateway::base_url(),
        child.child.id(),
        ctx.display_path(&dir)
    );
    Ok(child)
}

fn spawn(ctx: &Ctx, binaries: &Binaries, service: Service) -> Result<GroupChild> {
    let log_path = ctx.logs_dir().join(format!("{}.log", service.name));
    let log = File::create(&log_path)
        .map_err(|e| format!("cannot create {}: {e}", log_path.display()))?;
    let mut cmd = build::service_command(ctx, binaries, service)?;
    // The gateway on this machine forwards the client's address and the host it was called by.
    cmd.env("QMF_TRUSTED_PROXIES", "127.0.0.1");
    let child = build::spawn_serving(&mut cmd, log)?;
    println!(
        "xtask: started {} (pid {}), log {}",
        service.binary(),
        child.id(),
        ctx.display_path(&log_path)
    );
    Ok(GroupChild::new(service.binary(), child))
}

fn print_banner(
    ctx: &Ctx,
    infra: &Infra,
    token: &str,
    seeded: &[String],
    personas: &[seed::Persona],
) {
    println!();
    println!("QMF platform is up.");
    println!(
        "  Gateway (one origin for all APIs): {}   combined API docs: {}/docs/",
        gateway::base_url(),
        gateway::base_url()
    );
    println!("  {}", infra.describe(ctx));
    println!();
    println!("  {:<10} {:<24} {:<30} log", "service", "URL", "API docs");
    for service in SERVICES {
        let base = service.base_url();
        println!(
            "  {:<10} {:<24} {:<30} {}",
            service.name,
            base,
            format!("{base}/docs/"),
            ctx.display_path(&ctx.logs_dir().join(format!("{}.log", service.name)))
        );
    }
    println!();
    println!("Demo data:");
    seed::print_report(ctx, seeded, personas);
    println!("Other tokens: cargo xtask token --role ROLE [--org UUID] [--sub PERSON_ID]");
    println!();
    println!("Try:");
    println!(
        "curl -s -H 'Authorization: Bearer {token}' '{}/v1/organizations?limit=5'",
        gateway::base_url()
    );
    println!();
    println!("Press Ctrl-C to stop the services and the infrastructure this command started.");
}
