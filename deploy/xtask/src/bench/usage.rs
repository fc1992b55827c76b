//! What processes cost: CPU time of this process (the load client), of its waited-for
//! children (pgbench), of a service and of PostgreSQL, and the resident memory of a service.

use std::fs;
use std::time::Duration;

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;
use nix::unistd::{SysconfVar, sysconf};

/// User plus system CPU time so far of this process (all its threads), or of its children
/// that have been waited for.
fn cpu(who: UsageWho) -> Duration {
    match getrusage(who) {
        Ok(usage) => {
            let micros =
                usage.user_time().num_microseconds() + usage.system_time().num_microseconds();
            Duration::from_micros(u64::try_from(micros).unwrap_or(0))
        }
        Err(_) => Duration::ZERO,
    }
}

/// CPU time this process has used so far.
pub fn own_cpu() -> Duration {
    cpu(UsageWho::RUSAGE_SELF)
}

/// CPU time the children this process has waited for have used so far.
pub fn children_cpu() -> Duration {
    cpu(UsageWho::RUSAGE_CHILDREN)
}

/// Clock ticks per second, the unit of the CPU times in `/proc/<pid>/stat`.
fn ticks_per_second() -> u64 {
    match sysconf(SysconfVar::CLK_TCK) {
        Ok(Some(ticks)) if ticks > 0 => u64::try_from(ticks).unwrap_or(100),
        _ => 100,
    }
}

/// The fields of `/proc/<pid>/stat` after the command name, which may contain spaces and
/// parentheses: `state ppid …`, so utime is field 11 here (14 in `man proc_pid_stat`).
fn stat_fields(stat: &str) -> Option<Vec<&str>> {
    let (_, rest) = stat.rsplit_once(')')?;
    Some(rest.split_whitespace().collect())
}

/// Parent pid and CPU ticks of a `/proc/<pid>/stat`: own (user + system, all threads), and
/// with `children` also those of the children it has waited for.
fn parse_stat(stat: &str, children: bool) -> Option<(u32, u64)> {
    let fields = stat_fields(stat)?;
    let number = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    let ppid = fields.get(1)?.parse().ok()?;
    let mut ticks = number(11)? + number(12)?;
    if children {
        ticks += number(13)? + number(14)?;
    }
    Some((ppid, ticks))
}

fn ticks(ticks: u64) -> Duration {
    Duration::from_secs_f64(ticks as f64 / ticks_per_second() as f64)
}

/// CPU time process `pid` (all its threads) has used so far; `None` when it is gone.
pub fn process_cpu(pid: u32) -> Option<Duration> {
    let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_stat(&stat, false).map(|(_, t)| ticks(t))
}

/// CPU time a PostgreSQL server has used so far: the postmaster with the backends it has
/// reaped (connections closed), plus every running child (backends, background processes).
pub fn postgres_cpu(postmaster: u32) -> Option<Duration> {
    let stat = fs::read_to_string(format!("/proc/{postmaster}/stat")).ok()?;
    let (_, mut total) = parse_stat(&stat, true)?;
    for entry in fs::read_dir("/proc").ok()?.flatten() {
        let name = entry.file_name();
        if !name.to_string_lossy().bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        // A process may end between the listing and the read.
        if let Ok(stat) = fs::read_to_string(entry.path().join("stat"))
            && let Some((ppid, own)) = parse_stat(&stat, false)
            && ppid == postmaster
        {
            total += own;
        }
    }
    Some(ticks(total))
}

/// Resident memory (`VmRSS` of `/proc/<pid>/status`) in KiB; `None` when the process is gone.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_rss_kib(&status)
}

/// The most resident memory the process `pid` has had since it started (`VmHWM`, its high
/// water mark), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status_kib(&status, "VmHWM:")
}

fn parse_rss_kib(status: &str) -> Option<u64> {
    status_kib(status, "VmRSS:")
}

fn status_kib(status: &str, field: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::{parse_rss_kib, parse_stat, status_kib};

    #[test]
    fn the_resident_size_is_read_from_the_status() {
        let status = "Name:\tqmf-case\nVmPeak:\t  99 kB\nVmHWM:\t   30001 kB\nVmRSS:\t   23456 kB\nThreads:\t4\n";
        assert_eq!(parse_rss_kib(status), Some(23456));
        assert_eq!(status_kib(status, "VmHWM:"), Some(30001));
        assert_eq!(parse_rss_kib("Name:\tx\n"), None);
    }

    #[test]
    fn cpu_ticks_are_read_from_the_stat_line() {
        let stat = "4242 (postgres: a (b)) S 4000 4242 4242 0 -1 4194560 300 0 0 0 \
                    120 30 7 3 20 0 1 0 100 1000 200";
        assert_eq!(parse_stat(stat, false), Some((4000, 150)));
        assert_eq!(parse_stat(stat, true), Some((4000, 160)));
        assert_eq!(parse_stat("4242 (x", false), None);
    }
}
