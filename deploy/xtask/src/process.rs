//! Child processes, signals and small system probes.

use std::error::Error;
use std::ffi::OsString;
use std::fmt;
use std::fs;
use std::io::Read;
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill, killpg};
use nix::unistd::Pid;

use crate::Result;

/// Number of SIGINT/SIGTERM/SIGHUP signals received since the handler was installed.
static SIGNALS: AtomicUsize = AtomicUsize::new(0);

const POLL: Duration = Duration::from_millis(100);

/// Catch Ctrl-C, SIGTERM and SIGHUP so that we can clean up what we started.
pub fn install_signal_handler() -> Result<()> {
    ctrlc::set_handler(|| {
        let previous = SIGNALS.fetch_add(1, Ordering::SeqCst);
        if previous == 0 {
            eprintln!("\nxtask: stopping (signal again to skip graceful waits)");
        }
    })?;
    Ok(())
}

pub fn stop_requested() -> bool {
    SIGNALS.load(Ordering::SeqCst) > 0
}

fn impatient() -> bool {
    SIGNALS.load(Ordering::SeqCst) > 1
}

/// The error returned when a signal cut an operation short.
#[derive(Debug)]
pub struct Interrupted;

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("interrupted")
    }
}

impl Error for Interrupted {}

pub fn is_interrupted(error: &(dyn Error + 'static)) -> bool {
    error.downcast_ref::<Interrupted>().is_some()
}

pub fn check_interrupted() -> Result<()> {
    if stop_requested() {
        Err(Box::new(Interrupted))
    } else {
        Ok(())
    }
}

/// `program args…` for messages.
pub fn describe(cmd: &Command) -> String {
    let program = cmd.get_program();
    let mut text = if std::env::var_os("CARGO").is_some_and(|cargo| cargo == program) {
        "cargo".to_string()
    } else {
        program.to_string_lossy().into_owned()
    };
    for arg in cmd.get_args() {
        text.push(' ');
        text.push_str(&arg.to_string_lossy());
    }
    text
}

/// Run a command to completion; stop it (SIGTERM, then SIGKILL) when we get a signal.
pub fn run_interruptible(cmd: &mut Command) -> Result<ExitStatus> {
    let mut child = cmd
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if stop_requested() {
            terminate_child(&mut child, Duration::from_secs(10));
            return Err(Box::new(Interrupted));
        }
        thread::sleep(POLL);
    }
}

/// Run a command that must succeed.
pub fn run_checked(cmd: &mut Command) -> Result<()> {
    let status = run_interruptible(cmd)?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{}` failed ({status})", describe(cmd)).into())
    }
}

/// Run a command that must succeed and return its standard output; its standard error is
/// part of the error message.
pub fn output_checked(cmd: &mut Command) -> Result<String> {
    let output = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    if output.status.success() {
        Ok(String::from_utf8(output.stdout)
            .map_err(|e| format!("`{}` printed invalid UTF-8: {e}", describe(cmd)))?)
    } else {
        Err(format!(
            "`{}` failed ({}): {}",
            describe(cmd),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )
        .into())
    }
}

/// Run a command capturing its standard output while its standard error goes to ours.
pub fn capture_stdout(cmd: &mut Command) -> Result<(ExitStatus, String)> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run `{}`: {e}", describe(cmd)))?;
    let mut stdout = child
        .stdout
        .take()
        .ok_or("child process has no standard output pipe")?;
    let reader = thread::spawn(move || {
        let mut text = String::new();
        stdout.read_to_string(&mut text).map(|_| text)
    });
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if stop_requested() {
            terminate_child(&mut child, Duration::from_secs(10));
            return Err(Box::new(Interrupted));
        }
        thread::sleep(POLL);
    };
    let text = reader
        .join()
        .map_err(|_| "reading the child's output panicked")??;
    Ok((status, text))
}

fn terminate_child(child: &mut Child, grace: Duration) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // The child may be gone already; then there is nothing to signal.
        let _ = kill(Pid::from_raw(pid), Signal::SIGTERM);
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && !impatient() {
        if matches!(child.try_wait(), Ok(Some(_))) {
            return;
        }
        thread::sleep(POLL);
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A child that leads its own process group (spawned with `process_group(0)`).
pub struct GroupChild {
    pub name: String,
    pub child: Child,
    pub exited: Option<ExitStatus>,
}

impl GroupChild {
    pub fn new(name: impl Into<String>, child: Child) -> Self {
        GroupChild {
            name: name.into(),
            child,
            exited: None,
        }
    }

    /// Whether the child has exited (and then its status), reaping it.
    pub fn poll(&mut self) -> Option<ExitStatus> {
        if self.exited.is_none()
            && let Ok(Some(status)) = self.child.try_wait()
        {
            self.exited = Some(status);
        }
        self.exited
    }

    fn pgid(&self) -> Option<Pid> {
        i32::try_from(self.child.id()).ok().map(Pid::from_raw)
    }
}

/// Stop process groups: SIGTERM to every group, wait up to `grace`, then SIGKILL to
/// whatever is left in them.
pub fn stop_groups(children: &mut [GroupChild], grace: Duration) {
    for child in children.iter_mut() {
        if child.poll().is_none()
            && let Some(pgid) = child.pgid()
        {
            let _ = killpg(pgid, Signal::SIGTERM);
        }
    }
    let deadline = Instant::now() + grace;
    while Instant::now() < deadline && !impatient() {
        if children.iter_mut().all(|c| c.poll().is_some()) {
            break;
        }
        thread::sleep(POLL);
    }
    for child in children.iter_mut() {
        if let Some(pgid) = child.pgid() {
            // Also catches grandchildren left in the group after the leader exited.
            let _ = killpg(pgid, Signal::SIGKILL);
        }
        if child.exited.is_none() {
            eprintln!("xtask: {} did not stop in time; killed", child.name);
            if let Ok(status) = child.child.wait() {
                child.exited = Some(status);
            }
        }
    }
}

pub fn pid_alive(pid: i32) -> bool {
    pid > 0 && kill(Pid::from_raw(pid), None).is_ok()
}

pub fn signal_pid(pid: i32, signal: Signal) {
    if pid > 0 {
        let _ = kill(Pid::from_raw(pid), signal);
    }
}

/// Wait until `pid` is gone; false when it still runs after `timeout`.
pub fn wait_pid_gone(pid: i32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    while pid_alive(pid) {
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(POLL);
    }
    true
}

pub fn read_pid_file(path: &Path) -> Option<i32> {
    fs::read_to_string(path)
        .ok()?
        .lines()
        .next()?
        .trim()
        .parse()
        .ok()
}

pub fn port_open(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_millis(300)).is_ok()
}

pub fn is_root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The last `lines` lines of a log file, for error messages.
pub fn tail(path: &Path, lines: usize) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let all: Vec<&str> = text.lines().collect();
            let start = all.len().saturating_sub(lines);
            let mut out = String::new();
            for line in &all[start..] {
                out.push_str("    ");
                out.push_str(line);
                out.push('\n');
            }
            if out.is_empty() {
                out.push_str("    (empty)\n");
            }
            out
        }
        Err(e) => format!("    (cannot read {}: {e})\n", path.display()),
    }
}

/// Find an executable in PATH or in the extra directories.
pub fn find_program(name: &str, extra_dirs: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(extra_dirs.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| is_executable(candidate))
}

pub fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The cargo that runs us (so rustup toolchain overrides apply), else `cargo` from PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| OsString::from("cargo")))
}
