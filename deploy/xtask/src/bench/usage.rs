//! What processes cost: CPU time of this process (the load client) and of its waited-for
//! children (pgbench), and the resident memory of a service.

use std::fs;
use std::time::Duration;

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeValLike;

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

/// Resident memory (`VmRSS` of `/proc/<pid>/status`) in KiB; `None` when the process is gone.
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    parse_rss_kib(&status)
}

fn parse_rss_kib(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse().ok())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::parse_rss_kib;

    #[test]
    fn the_resident_size_is_read_from_the_status() {
        let status = "Name:\tqmf-case\nVmPeak:\t  99 kB\nVmRSS:\t   23456 kB\nThreads:\t4\n";
        assert_eq!(parse_rss_kib(status), Some(23456));
        assert_eq!(parse_rss_kib("Name:\tx\n"), None);
    }
}
