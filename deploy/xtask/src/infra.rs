//! Throwaway PostgreSQL and RabbitMQ from the machine's packages, data under the state dir.

use std::collections::BTreeSet;
use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::{Pid, User, getpgid, getpgrp};

use crate::Result;
use crate::ctx::{Ctx, SERVICES};
use crate::process::{
    self, GroupChild, Interrupted, describe, find_program, output_checked, pid_alive, port_open,
    read_pid_file, signal_pid, tail, wait_pid_gone,
};

pub const SYSTEM_DIRS: &[&str] = &["/usr/local/sbin", "/usr/sbin", "/sbin", "/usr/bin", "/bin"];

/// How an instance came to be running for this invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// This invocation started it (and stops it at the end).
    Started,
    /// It was already running; we leave it alone.
    Reused,
}

impl Origin {
    fn label(self) -> &'static str {
        match self {
            Origin::Started => "started",
            Origin::Reused => "already running, reused",
        }
    }
}

/// The running infrastructure, remembering what this invocation started.
pub struct Infra {
    pub postgres: Option<Origin>,
    pub rabbitmq: Option<Origin>,
    rabbit_child: Option<GroupChild>,
}

impl Infra {
    /// Start whatever of PostgreSQL and RabbitMQ is not already running. On failure, stops
    /// what it started before returning the error.
    pub fn up(ctx: &Ctx) -> Result<Infra> {
        Infra::start(ctx, true)
    }

    /// Start RabbitMQ when it is not already running, and leave PostgreSQL alone (for a command
    /// that runs a cluster of its own, see [`BenchPostgres`]).
    pub fn up_broker(ctx: &Ctx) -> Result<Infra> {
        Infra::start(ctx, false)
    }

    fn start(ctx: &Ctx, postgres: bool) -> Result<Infra> {
        let mut infra = Infra {
            postgres: None,
            rabbitmq: None,
            rabbit_child: None,
        };
        match infra.start_missing(ctx, postgres) {
            Ok(()) => Ok(infra),
            Err(error) => {
                infra.stop_started(ctx);
                Err(error)
            }
        }
    }

    fn start_missing(&mut self, ctx: &Ctx, postgres: bool) -> Result<()> {
        let need_pg = postgres && !port_open(ctx.pg_port);
        let need_rabbit = !port_open(ctx.amqp_port);
        ensure_packages(&Needs {
            postgres_server: need_pg,
            rabbitmq: need_rabbit,
            psql: false,
        })?;
        if need_pg {
            start_cluster(&Cluster::development(ctx))?;
            self.postgres = Some(Origin::Started);
        } else if postgres {
            self.postgres = Some(Origin::Reused);
        }
        process::check_interrupted()?;
        if need_rabbit {
            self.rabbitmq = Some(Origin::Started);
            self.rabbit_child = Some(start_rabbitmq(ctx)?);
        } else {
            self.rabbitmq = Some(Origin::Reused);
        }
        Ok(())
    }

    /// Stop the instances this invocation started; report (not fail) on trouble.
    pub fn stop_started(&mut self, ctx: &Ctx) {
        if self.rabbitmq == Some(Origin::Started) {
            eprintln!("xtask: stopping RabbitMQ");
            if let Err(e) = stop_rabbitmq(ctx, self.rabbit_child.take()) {
                eprintln!("xtask: stopping RabbitMQ: {e}");
            }
            self.rabbitmq = None;
        }
        if self.postgres == Some(Origin::Started) {
            eprintln!("xtask: stopping PostgreSQL");
            if let Err(e) = stop_postgres(ctx) {
                eprintln!("xtask: stopping PostgreSQL: {e}");
            }
            self.postgres = None;
        }
    }

    /// The instances and how they came to run; PostgreSQL only when this invocation asked for
    /// the development cluster.
    pub fn describe(&self, ctx: &Ctx) -> String {
        let label = |o: Option<Origin>| o.map_or("not running", Origin::label);
        let postgres = match self.postgres {
            Some(origin) => format!(
                "PostgreSQL 127.0.0.1:{} ({}), ",
                ctx.pg_port,
                origin.label()
            ),
            None => String::new(),
        };
        format!(
            "{postgres}RabbitMQ 127.0.0.1:{} ({}), management http://127.0.0.1:{}/ (guest/guest)",
            ctx.amqp_port,
            label(self.rabbitmq),
            ctx.management_port()
        )
    }
}

/// `cargo xtask infra up`: start and leave running.
pub fn up_command(ctx: &Ctx) -> Result<()> {
    process::install_signal_handler()?;
    let mut infra = Infra::up(ctx)?;
    if process::stop_requested() {
        infra.stop_started(ctx);
        return Err(Box::new(Interrupted));
    }
    println!(
        "PostgreSQL  127.0.0.1:{}  {}  (data {}, log {})",
        ctx.pg_port,
        infra.postgres.map_or("", Origin::label),
        ctx.display_path(&postgres_dir(ctx).join("data")),
        ctx.display_path(&postgres_dir(ctx).join("pg.log"))
    );
    println!(
        "RabbitMQ    127.0.0.1:{}   {}  (node {}, management http://127.0.0.1:{}/ guest/guest, logs {})",
        ctx.amqp_port,
        infra.rabbitmq.map_or("", Origin::label),
        ctx.rabbit_node(),
        ctx.management_port(),
        ctx.display_path(&ctx.rabbitmq_dir().join("log"))
    );
    println!("Stop them with `cargo xtask infra down`.");
    Ok(())
}

/// `cargo xtask infra down`: stop the instances that run from our state directory.
pub fn down_command(ctx: &Ctx) -> Result<()> {
    let mut failures = Vec::new();
    match stop_rabbitmq(ctx, None) {
        Ok(true) => println!("RabbitMQ    stopped"),
        Ok(false) if port_open(ctx.amqp_port) => println!(
            "RabbitMQ    127.0.0.1:{} is in use, but not by a node from {}; left alone",
            ctx.amqp_port,
            ctx.display_path(&ctx.rabbitmq_dir())
        ),
        Ok(false) => println!("RabbitMQ    was not running"),
        Err(e) => failures.push(format!("RabbitMQ: {e}")),
    }
    match stop_postgres(ctx) {
        Ok(true) => println!("PostgreSQL  stopped"),
        Ok(false) if port_open(ctx.pg_port) => println!(
            "PostgreSQL  127.0.0.1:{} is in use, but not by the cluster in {}; left alone",
            ctx.pg_port,
            ctx.display_path(&ctx.postgres_dir())
        ),
        Ok(false) => println!("PostgreSQL  was not running"),
        Err(e) => failures.push(format!("PostgreSQL: {e}")),
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("; ").into())
    }
}

/// `cargo xtask infra status`.
pub fn status_command(ctx: &Ctx) -> Result<()> {
    let pg_pid =
        read_pid_file(&postgres_dir(ctx).join("data/postmaster.pid")).filter(|pid| pid_alive(*pid));
    let pg_state = match (port_open(ctx.pg_port), pg_pid) {
        (true, Some(pid)) => format!(
            "running (pid {pid}, data {})",
            ctx.display_path(&postgres_dir(ctx).join("data"))
        ),
        (true, None) => "running (not from our state directory)".to_string(),
        (false, Some(pid)) => {
            format!("not accepting connections (pid {pid} is starting or stopping)")
        }
        (false, None) => "not running".to_string(),
    };
    println!("PostgreSQL  127.0.0.1:{:<6} {pg_state}", ctx.pg_port);

    let rabbit_pid =
        read_pid_file(&ctx.rabbitmq_dir().join("rabbit.pid")).filter(|pid| pid_alive(*pid));
    let management = if port_open(ctx.management_port()) {
        format!(", management http://127.0.0.1:{}/", ctx.management_port())
    } else {
        String::new()
    };
    let rabbit_state = match (port_open(ctx.amqp_port), rabbit_pid) {
        (true, Some(pid)) => format!(
            "running (pid {pid}, node {}{management})",
            ctx.rabbit_node()
        ),
        (true, None) => format!("running (not from our state directory{management})"),
        (false, Some(pid)) => {
            format!("not accepting connections (pid {pid} is starting or stopping)")
        }
        (false, None) => "not running".to_string(),
    };
    println!("RabbitMQ    127.0.0.1:{:<6} {rabbit_state}", ctx.amqp_port);

    for service in SERVICES {
        let state = if port_open(service.port) {
            "listening"
        } else {
            "not running"
        };
        println!("{:<11} 127.0.0.1:{:<6} {state}", service.name, service.port);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// packages

pub struct Needs {
    pub postgres_server: bool,
    pub rabbitmq: bool,
    pub psql: bool,
}

/// Make sure the packages for what we need are installed: with apt-get when we are root,
/// otherwise fail naming them.
pub fn ensure_packages(needs: &Needs) -> Result<()> {
    let mut missing = BTreeSet::new();
    if needs.postgres_server && pg_bindir().is_none() {
        missing.insert("postgresql");
    }
    if needs.rabbitmq && rabbit_bindir().is_none() {
        missing.insert("rabbitmq-server");
    }
    if needs.psql && psql().is_none() {
        missing.insert("postgresql-client");
    }
    if missing.is_empty() {
        return Ok(());
    }
    install_packages(&missing.into_iter().collect::<Vec<_>>())?;
    if needs.postgres_server && pg_bindir().is_none() {
        return Err("postgresql was installed, but no initdb was found".into());
    }
    if needs.rabbitmq && rabbit_bindir().is_none() {
        return Err("rabbitmq-server was installed, but the server script was not found".into());
    }
    Ok(())
}

/// `program` from Debian's package `package`, installed with apt-get when we are root.
pub fn ensure_program(program: &str, package: &str) -> Result<std::path::PathBuf> {
    if let Some(path) = find_program(program, SYSTEM_DIRS) {
        return Ok(path);
    }
    install_packages(&[package])?;
    find_program(program, SYSTEM_DIRS)
        .ok_or_else(|| format!("{program} is missing after installing {package}").into())
}

/// Install Debian packages with apt-get when we are root; otherwise fail naming them.
pub fn install_packages(packages: &[&str]) -> Result<()> {
    let list = packages.join(" ");
    if !process::is_root() {
        return Err(format!(
            "missing packages: {list}. Install them (Debian/Ubuntu: `sudo apt-get install {list}`) \
             and run again"
        )
        .into());
    }
    let apt = find_program("apt-get", SYSTEM_DIRS)
        .ok_or_else(|| format!("missing packages: {list}, and apt-get is not available"))?;
    println!("xtask: installing {list} with apt-get");
    let mut update = Command::new(&apt);
    update
        .arg("update")
        .env("DEBIAN_FRONTEND", "noninteractive");
    process::run_checked(&mut update)?;
    let mut install = Command::new(&apt);
    install
        .args(["install", "-y", "--no-install-recommends"])
        .args(packages)
        .env("DEBIAN_FRONTEND", "noninteractive");
    process::run_checked(&mut install)
}

/// The PostgreSQL server binaries: `pg_config --bindir` when it has initdb, else the newest
/// /usr/lib/postgresql/*/bin.
fn pg_bindir() -> Option<PathBuf> {
    if let Ok(out) = output_checked(Command::new("pg_config").arg("--bindir")) {
        let dir = PathBuf::from(out.trim());
        if process::is_executable(&dir.join("initdb")) {
            return Some(dir);
        }
    }
    let mut best: Option<(Vec<u32>, PathBuf)> = None;
    for entry in fs::read_dir("/usr/lib/postgresql").ok()?.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(version) = name
            .split('.')
            .map(str::parse::<u32>)
            .collect::<std::result::Result<Vec<_>, _>>()
        else {
            continue;
        };
        let bin = entry.path().join("bin");
        if process::is_executable(&bin.join("initdb"))
            && best.as_ref().is_none_or(|(v, _)| version > *v)
        {
            best = Some((version, bin));
        }
    }
    best.map(|(_, bin)| bin)
}

pub fn psql() -> Option<PathBuf> {
    pg_bindir()
        .map(|dir| dir.join("psql"))
        .filter(|p| process::is_executable(p))
        .or_else(|| find_program("psql", &[]))
}

/// The directory of the package's real RabbitMQ scripts (not the su-ing wrapper in /usr/sbin).
fn rabbit_bindir() -> Option<PathBuf> {
    let script = find_program("rabbitmq-server", &["/usr/sbin", "/usr/lib/rabbitmq/bin"])?;
    let dir = fs::canonicalize(script).ok()?.parent()?.to_path_buf();
    (process::is_executable(&dir.join("rabbitmq-server"))
        && process::is_executable(&dir.join("rabbitmqctl")))
    .then_some(dir)
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

/// A PostgreSQL tool, run as the postgres user when we are root (the server refuses root).
fn pg_tool(bindir: &Path, tool: &str) -> Result<Command> {
    if process::is_root() {
        let runuser = find_program("runuser", SYSTEM_DIRS)
            .ok_or("runuser (util-linux) is needed to run PostgreSQL as the postgres user")?;
        let mut cmd = Command::new(runuser);
        cmd.args(["-u", "postgres", "--"]).arg(bindir.join(tool));
        Ok(cmd)
    } else {
        Ok(Command::new(bindir.join(tool)))
    }
}

/// A PostgreSQL cluster this tool runs from the state directory.
pub struct Cluster {
    /// `<state>/postgres` (the development cluster) or `<state>/bench-postgres`; a symlink
    /// when the postgres user cannot reach the state directory (see [`cluster_home`]).
    link: PathBuf,
    /// Where the cluster lives in that case.
    fallback: PathBuf,
    port: u16,
    /// Server settings beyond port and sockets, as `name=value`.
    settings: Vec<String>,
}

impl Cluster {
    /// The shared development cluster: fast and not crash-safe (fsync, synchronous commit and
    /// full-page writes off).
    pub fn development(ctx: &Ctx) -> Cluster {
        Cluster {
            link: ctx.postgres_dir(),
            fallback: PathBuf::from(format!("/var/tmp/qmf-postgres-{}", ctx.pg_port)),
            port: ctx.pg_port,
            settings: [
                "max_connections=300",
                "fsync=off",
                "synchronous_commit=off",
                "full_page_writes=off",
            ]
            .map(String::from)
            .to_vec(),
        }
    }

    /// The directory: the link, or where it points.
    pub fn dir(&self) -> PathBuf {
        fs::canonicalize(&self.link).unwrap_or_else(|_| self.link.clone())
    }
}

/// The development cluster's directory: `<state>/postgres`, or where that symlink points.
fn postgres_dir(ctx: &Ctx) -> PathBuf {
    Cluster::development(ctx).dir()
}

/// Prepare the cluster directory for the postgres user when we are root. When that user
/// cannot reach the state directory (a checkout under /root, say), the cluster lives in
/// /var/tmp and the link in the state directory points there.
fn cluster_home(cluster: &Cluster) -> Result<PathBuf> {
    let link = &cluster.link;
    fs::create_dir_all(link)?;
    let dir = cluster.dir();
    if !process::is_root() {
        return Ok(dir);
    }
    let user = User::from_name("postgres")?
        .ok_or("there is no postgres system user (is the postgresql package installed?)")?;
    let give = |path: &Path| {
        std::os::unix::fs::chown(path, Some(user.uid.as_raw()), Some(user.gid.as_raw()))
    };
    give(&dir)?;
    if postgres_can_write(&dir)? {
        return Ok(dir);
    }
    let elsewhere = cluster.fallback.clone();
    fs::create_dir_all(&elsewhere)?;
    give(&elsewhere)?;
    if !postgres_can_write(&elsewhere)? {
        return Err(format!(
            "the postgres user can write neither {} nor {}",
            dir.display(),
            elsewhere.display()
        )
        .into());
    }
    // Only an empty directory (the one just created) is replaced by the link.
    fs::remove_dir(link).map_err(|e| {
        format!(
            "the postgres user cannot reach {} and it is not empty ({e}); make its parent \
             directories traversable (chmod o+x) or set QMF_STATE_DIR",
            link.display()
        )
    })?;
    std::os::unix::fs::symlink(&elsewhere, link)?;
    println!(
        "xtask: the postgres user cannot reach {}; the cluster lives in {} (linked from there)",
        link.display(),
        elsewhere.display()
    );
    Ok(elsewhere)
}

fn postgres_can_write(dir: &Path) -> Result<bool> {
    let test = find_program("test", SYSTEM_DIRS).ok_or("`test` not found")?;
    let runuser = find_program("runuser", SYSTEM_DIRS)
        .ok_or("runuser (util-linux) is needed to run PostgreSQL as the postgres user")?;
    Ok(Command::new(runuser)
        .args(["-u", "postgres", "--"])
        .arg(test)
        .arg("-w")
        .arg(dir)
        .stdin(Stdio::null())
        .status()
        .is_ok_and(|s| s.success()))
}

/// Initialises the cluster when its directory holds none yet, and starts it.
pub fn start_cluster(cluster: &Cluster) -> Result<()> {
    let bindir = pg_bindir().ok_or("PostgreSQL server binaries (initdb) not found")?;
    let dir = cluster_home(cluster)?;
    let data = dir.join("data");
    if !data.join("PG_VERSION").is_file() {
        if fs::read_dir(&data).is_ok_and(|mut entries| entries.next().is_some()) {
            return Err(format!(
                "{} exists but holds no PostgreSQL cluster; remove it and run again",
                data.display()
            )
            .into());
        }
        println!(
            "xtask: initialising a PostgreSQL cluster in {}",
            data.display()
        );
        let mut initdb = pg_tool(&bindir, "initdb")?;
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ])
            .current_dir(&dir);
        let log = output_checked(&mut initdb)?;
        fs::write(dir.join("initdb.log"), log)?;
    }
    // The socket goes next to the data when the path is short and needs no shell quoting
    // (pg_ctl hands the options to a shell); TCP on loopback is what everything uses.
    let socket_dir = dir.to_string_lossy().into_owned();
    let socket_ok = socket_dir.len() < 90
        && socket_dir
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c));
    let mut options = format!(
        "-p {} -k {} -c listen_addresses=127.0.0.1",
        cluster.port,
        if socket_ok { socket_dir.as_str() } else { "''" }
    );
    for setting in &cluster.settings {
        options.push_str(" -c ");
        options.push_str(setting);
    }
    println!("xtask: starting PostgreSQL on 127.0.0.1:{}", cluster.port);
    let log = dir.join("pg.log");
    let mut pg_ctl = pg_tool(&bindir, "pg_ctl")?;
    pg_ctl
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(&log)
        .args(["-w", "-t", "60", "-o", &options, "start"])
        .current_dir(&dir);
    output_checked(&mut pg_ctl)
        .map_err(|e| format!("{e}\nlast lines of {}:\n{}", log.display(), tail(&log, 20)))?;
    Ok(())
}

/// Stop the development cluster in our state dir; false when it was not running.
fn stop_postgres(ctx: &Ctx) -> Result<bool> {
    stop_cluster(&postgres_dir(ctx))
}

/// Stop the cluster in `dir`; false when it was not running.
pub fn stop_cluster(dir: &Path) -> Result<bool> {
    let data = dir.join("data");
    let Some(pid) = read_pid_file(&data.join("postmaster.pid")).filter(|pid| pid_alive(*pid))
    else {
        return Ok(false);
    };
    let bindir = pg_bindir().ok_or("PostgreSQL binaries (pg_ctl) not found")?;
    let mut pg_ctl = pg_tool(&bindir, "pg_ctl")?;
    pg_ctl
        .arg("-D")
        .arg(&data)
        .args(["-m", "fast", "-w", "-t", "60", "stop"])
        .current_dir(dir);
    if let Err(e) = output_checked(&mut pg_ctl) {
        eprintln!("xtask: {e}; sending SIGQUIT to the postmaster");
        signal_pid(pid, Signal::SIGQUIT);
        if !wait_pid_gone(pid, Duration::from_secs(10)) {
            signal_pid(pid, Signal::SIGKILL);
        }
    }
    if !wait_pid_gone(pid, Duration::from_secs(10)) {
        return Err(format!("the postmaster (pid {pid}) is still running").into());
    }
    Ok(true)
}

/// The benchmark's own PostgreSQL cluster (`<state>/bench-postgres`, kept between runs) on a
/// free port, with production durability: fsync, synchronous commit and full-page writes on.
/// The shared development cluster runs without them (given on its command line, where no
/// `ALTER SYSTEM` can override them), and others' tests run against it; so the benchmark
/// neither measures it nor changes it. Stopped when dropped.
pub struct BenchPostgres {
    pub port: u16,
    dir: PathBuf,
    running: bool,
}

impl BenchPostgres {
    /// The settings the benchmark cluster runs with, as `name=value`.
    pub const DURABILITY: [&str; 3] = ["fsync=on", "synchronous_commit=on", "full_page_writes=on"];

    /// Starts the cluster on `port` with room for `max_connections`; stops first what a run
    /// that was killed may have left running from the same directory.
    pub fn start(ctx: &Ctx, port: u16, max_connections: usize) -> Result<BenchPostgres> {
        ensure_packages(&Needs {
            postgres_server: true,
            rabbitmq: false,
            psql: false,
        })?;
        let mut settings = vec![format!("max_connections={max_connections}")];
        settings.extend(Self::DURABILITY.map(String::from));
        let cluster = Cluster {
            link: ctx.state.join("bench-postgres"),
            fallback: PathBuf::from(format!("/var/tmp/qmf-bench-postgres-{}", ctx.pg_port)),
            port,
            settings,
        };
        let dir = cluster.dir();
        if stop_cluster(&dir)? {
            println!("xtask: stopped a benchmark PostgreSQL left running by an earlier run");
        }
        start_cluster(&cluster)?;
        Ok(BenchPostgres {
            port,
            dir: cluster.dir(),
            running: true,
        })
    }

    /// The postmaster's pid while the cluster runs.
    pub fn postmaster(&self) -> Option<u32> {
        read_pid_file(&self.dir.join("data/postmaster.pid"))
            .filter(|pid| pid_alive(*pid))
            .and_then(|pid| u32::try_from(pid).ok())
    }

    /// Stops the cluster (idempotent); reports, not fails, on trouble.
    pub fn stop(&mut self) {
        if !self.running {
            return;
        }
        self.running = false;
        eprintln!("xtask: stopping the benchmark PostgreSQL");
        if let Err(e) = stop_cluster(&self.dir) {
            eprintln!("xtask: stopping the benchmark PostgreSQL: {e}");
        }
    }
}

impl Drop for BenchPostgres {
    fn drop(&mut self) {
        self.stop();
    }
}

/// `pgbench` of the PostgreSQL binaries, else from PATH.
pub fn pgbench() -> Option<PathBuf> {
    pg_bindir()
        .map(|dir| dir.join("pgbench"))
        .filter(|p| process::is_executable(p))
        .or_else(|| find_program("pgbench", &[]))
}

/// Create the databases that do not exist yet.
pub fn ensure_databases(ctx: &Ctx, names: &[String]) -> Result<()> {
    ensure_packages(&Needs {
        postgres_server: false,
        rabbitmq: false,
        psql: true,
    })?;
    let psql_path = psql().ok_or("psql not found")?;
    let psql = |sql: &str| -> Result<String> {
        let mut cmd = Command::new(&psql_path);
        cmd.args(["-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1"])
            .args(["-h", "127.0.0.1", "-p", &ctx.pg_port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-c", sql]);
        output_checked(&mut cmd)
    };
    let existing: BTreeSet<String> = psql("SELECT datname FROM pg_database")?
        .lines()
        .map(|l| l.trim().to_string())
        .collect();
    for name in names {
        if !existing.contains(name) {
            if !name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                return Err(format!("refusing to create a database named {name:?}").into());
            }
            psql(&format!("CREATE DATABASE {name}"))?;
            println!("xtask: created database {name}");
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// RabbitMQ

fn rabbit_env(ctx: &Ctx, cmd: &mut Command) {
    let dir = ctx.rabbitmq_dir();
    cmd.env("HOME", &dir)
        .env("RABBITMQ_NODENAME", ctx.rabbit_node())
        .env("RABBITMQ_DIST_PORT", ctx.dist_port().to_string())
        .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
        .env("RABBITMQ_LOG_BASE", dir.join("log"))
        .env("RABBITMQ_CONFIG_FILE", dir.join("rabbitmq.conf"))
        .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("enabled_plugins"))
        .env("RABBITMQ_PID_FILE", dir.join("rabbit.pid"))
        .env("RABBITMQ_CONF_ENV_FILE", "/dev/null");
}

pub fn start_rabbitmq(ctx: &Ctx) -> Result<GroupChild> {
    let bindir = rabbit_bindir().ok_or("rabbitmq-server not found")?;
    let dir = ctx.rabbitmq_dir();
    fs::create_dir_all(dir.join("log"))?;
    fs::write(
        dir.join("rabbitmq.conf"),
        format!(
            "listeners.tcp.1 = 127.0.0.1:{}\nmanagement.tcp.ip = 127.0.0.1\nmanagement.tcp.port = {}\n",
            ctx.amqp_port,
            ctx.management_port()
        ),
    )?;
    fs::write(dir.join("enabled_plugins"), "[rabbitmq_management].\n")?;
    let pid_file = dir.join("rabbit.pid");
    if read_pid_file(&pid_file).is_some_and(|pid| !pid_alive(pid)) {
        fs::remove_file(&pid_file)?;
    }
    let stdout_log = dir.join("stdout.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&stdout_log)?;
    println!(
        "xtask: starting RabbitMQ on 127.0.0.1:{} (node {})",
        ctx.amqp_port,
        ctx.rabbit_node()
    );
    let mut cmd = Command::new(bindir.join("rabbitmq-server"));
    rabbit_env(ctx, &mut cmd);
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    cmd.stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .current_dir(&dir);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(&cmd)))?;
    let mut child = GroupChild::new("rabbitmq-server", child);

    let failure = |why: String, child: GroupChild| -> Result<GroupChild> {
        let mut children = [child];
        process::stop_groups(&mut children, Duration::from_secs(10));
        epmd_kill();
        Err(format!(
            "RabbitMQ {why}\nlast lines of {}:\n{}",
            stdout_log.display(),
            tail(&stdout_log, 25)
        )
        .into())
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(2))
        .build()?;
    let overview = format!("http://127.0.0.1:{}/api/overview", ctx.management_port());
    loop {
        if let Some(status) = child.poll() {
            return failure(format!("exited during start-up ({status})"), child);
        }
        if process::stop_requested() {
            let mut children = [child];
            process::stop_groups(&mut children, Duration::from_secs(10));
            epmd_kill();
            return Err(Box::new(Interrupted));
        }
        if port_open(ctx.amqp_port)
            && client
                .get(&overview)
                .basic_auth("guest", Some("guest"))
                .send()
                .is_ok_and(|r| r.status().is_success())
        {
            return Ok(child);
        }
        if Instant::now() >= deadline {
            return failure("did not become ready within 120 s".to_string(), child);
        }
        thread::sleep(Duration::from_millis(250));
    }
}

/// Stop the node from our state dir; false when it was not running.
pub fn stop_rabbitmq(ctx: &Ctx, child: Option<GroupChild>) -> Result<bool> {
    let dir = ctx.rabbitmq_dir();
    let pid_file = dir.join("rabbit.pid");
    let pid = read_pid_file(&pid_file).filter(|pid| pid_alive(*pid));
    let mut stopped = false;
    if let Some(pid) = pid {
        let group = getpgid(Some(Pid::from_raw(pid)))
            .ok()
            .filter(|g| *g != getpgrp() && g.as_raw() > 1);
        let stop_result = rabbit_bindir()
            .ok_or_else(|| "rabbitmqctl not found".to_string())
            .and_then(|bindir| {
                let mut ctl = Command::new(bindir.join("rabbitmqctl"));
                rabbit_env(ctx, &mut ctl);
                ctl.args(["-q", "-n", &ctx.rabbit_node(), "stop"])
                    .arg(&pid_file)
                    .current_dir(&dir);
                output_checked(&mut ctl)
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = stop_result {
            eprintln!("xtask: {e}; sending SIGTERM to the node");
            signal_pid(pid, Signal::SIGTERM);
        }
        if !wait_pid_gone(pid, Duration::from_secs(20)) {
            signal_pid(pid, Signal::SIGKILL);
            wait_pid_gone(pid, Duration::from_secs(5));
        }
        if let Some(group) = group {
            // Helper processes that stayed in the node's process group.
            let _ = killpg(group, Signal::SIGKILL);
        }
        stopped = true;
    }
    if let Some(child) = child {
        let mut children = [child];
        process::stop_groups(&mut children, Duration::from_secs(5));
        stopped = true;
    }
    if stopped {
        epmd_kill();
        if let Some(pid) = pid
            && pid_alive(pid)
        {
            return Err(format!("the RabbitMQ node (pid {pid}) is still running").into());
        }
    }
    Ok(stopped)
}

/// The queues of the broker at `ctx` (RabbitMQ's management API): name, arguments, messages.
pub fn broker_queues(ctx: &Ctx) -> Result<Vec<serde_json::Value>> {
    let queues: serde_json::Value = management()?
        .get(format!(
            "http://127.0.0.1:{}/api/queues/%2F",
            ctx.management_port()
        ))
        .basic_auth("guest", Some("guest"))
        .send()?
        .error_for_status()?
        .json()?;
    Ok(queues.as_array().cloned().unwrap_or_default())
}

/// Deletes queue `name` of the broker at `ctx`; a queue that does not exist is no error.
pub fn delete_queue(ctx: &Ctx, name: &str) -> Result<()> {
    let response = management()?
        .delete(format!(
            "http://127.0.0.1:{}/api/queues/%2F/{name}",
            ctx.management_port()
        ))
        .basic_auth("guest", Some("guest"))
        .send()?;
    if response.status() != reqwest::StatusCode::NOT_FOUND {
        response.error_for_status()?;
    }
    Ok(())
}

fn management() -> Result<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()?)
}

/// epmd outlives the node; it refuses to stop while other nodes are registered, which is
/// what we want.
fn epmd_kill() {
    if let Some(epmd) = find_program("epmd", &["/usr/lib/erlang/bin"]) {
        let _ = Command::new(epmd)
            .arg("-kill")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
