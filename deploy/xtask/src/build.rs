//! Building the service binaries and the environment they run with.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde_json::Value;

use crate::Result;
use crate::ctx::{Ctx, SERVICES, Service};
use crate::process::{self, capture_stdout, describe};
use crate::token;

/// The five service binaries, by binary name.
#[derive(Clone)]
pub struct Binaries(BTreeMap<String, PathBuf>);

impl Binaries {
    pub fn get(&self, service: Service) -> Result<&PathBuf> {
        self.0.get(&service.binary()).ok_or_else(|| {
            format!(
                "`cargo build --bins` produced no binary named {}",
                service.binary()
            )
            .into()
        })
    }
}

/// `cargo build --bins`, reading the binaries' paths from cargo's JSON messages (so a custom
/// target directory works). Diagnostics and progress go to the terminal.
pub fn build_bins(ctx: &Ctx) -> Result<Binaries> {
    println!("xtask: cargo build --bins");
    let mut cmd = process::cargo();
    cmd.args([
        "build",
        "--bins",
        "--message-format=json-render-diagnostics",
    ])
    .current_dir(&ctx.root);
    let (status, stdout) = capture_stdout(&mut cmd)?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", describe(&cmd)).into());
    }
    let mut binaries = BTreeMap::new();
    for line in stdout.lines() {
        let Ok(message) = serde_json::from_str::<Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-artifact" {
            continue;
        }
        if let (Some(name), Some(executable)) = (
            message["target"]["name"].as_str(),
            message["executable"].as_str(),
        ) && SERVICES.iter().any(|s| s.binary() == name)
        {
            binaries.insert(name.to_string(), PathBuf::from(executable));
        }
    }
    let result = Binaries(binaries);
    for service in SERVICES {
        result.get(service)?;
    }
    Ok(result)
}

/// The environment a service runs with locally.
pub fn service_env(ctx: &Ctx, service: Service) -> Result<Vec<(&'static str, String)>> {
    let mut env = vec![
        ("QMF_HTTP_ADDR", format!("127.0.0.1:{}", service.port)),
        ("QMF_DATABASE_URL", ctx.database_url(&service.database())),
        ("QMF_AMQP_URL", ctx.amqp_url()),
        ("QMF_AUTH_DEV_SECRET", token::dev_secret(ctx)?),
        ("QMF_AUTH_ISSUER", token::issuer()),
        ("QMF_AUTH_AUDIENCE", token::audience()),
        (
            "QMF_LOG",
            std::env::var("QMF_LOG")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| "info".to_string()),
        ),
    ];
    if service.name == "case" {
        env.push(("QMF_CASE_KEYS", token::case_keys(ctx)?));
    }
    Ok(env)
}

/// Every rate limit off: for a command whose client is one caller at one address sending many
/// requests (`bench`, `fuzz`, `faults`).
pub const RATE_LIMITS_OFF: [(&str, &str); 4] = [
    ("QMF_RATE_LIMIT_PER_TOKEN", "0"),
    ("QMF_RATE_LIMIT_PER_ADDRESS", "0"),
    ("QMF_RATE_LIMIT_AUTH_FAILURES", "0"),
    ("QMF_RATE_LIMIT_OPEN_DATA", "0"),
];

/// Spawns `cmd serve` with its output in `log`, in a process group of its own: Ctrl-C reaches
/// only xtask, which stops the service itself.
pub fn spawn_serving(cmd: &mut Command, log: std::fs::File) -> Result<std::process::Child> {
    use std::os::unix::process::CommandExt;
    cmd.arg("serve")
        .stdin(std::process::Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .process_group(0);
    cmd.spawn()
        .map_err(|e| format!("cannot start `{}`: {e}", describe(cmd)).into())
}

/// A command for a service binary with its local environment.
pub fn service_command(ctx: &Ctx, binaries: &Binaries, service: Service) -> Result<Command> {
    let mut cmd = Command::new(binaries.get(service)?);
    cmd.envs(service_env(ctx, service)?).current_dir(&ctx.root);
    // A JWKS URL from the developer's shell would conflict with the development secret.
    cmd.env_remove("QMF_AUTH_JWKS_URL");
    Ok(cmd)
}

/// `cargo build --release -p <package> [--bin <bin>]`, returning the binary's path from cargo's
/// messages (so a custom target directory works). `bin` defaults to the package's name.
pub fn release_binary(ctx: &Ctx, package: &str, bin: Option<&str>) -> Result<PathBuf> {
    let name = bin.unwrap_or(package);
    let mut cmd = process::cargo();
    cmd.args(["build", "--release", "-p", package]);
    if let Some(bin) = bin {
        cmd.args(["--bin", bin]);
    }
    cmd.arg("--message-format=json-render-diagnostics")
        .current_dir(&ctx.root);
    eprintln!("xtask: {}", describe(&cmd));
    let (status, stdout) = capture_stdout(&mut cmd)?;
    if !status.success() {
        return Err(format!("`{}` failed ({status})", describe(&cmd)).into());
    }
    stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .ok_or_else(|| format!("`{}` produced no {name} executable", describe(&cmd)).into())
}
