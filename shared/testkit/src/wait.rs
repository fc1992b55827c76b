//! Waiting for what happens elsewhere (another service's consumer, a relay) without fixed
//! sleeps.
//!
//! The attempt is an `async move` block; let it capture references (or clones), since it runs
//! more than once:
//!
//! ```ignore
//! // Once the case service has learnt the provider from the directory's events:
//! let (caseworker, plan) = (&caseworker, &plan);
//! let agreed = eventually("the provider became eligible", || async move {
//!     let reply = caseworker.post(&plans).if_match(&etag).json(plan).send().await;
//!     (reply.status == StatusCode::OK).then_some(reply)
//! })
//! .await;
//! ```

use std::future::Future;
use std::time::{Duration, Instant};

/// How long [`eventually`] tries.
pub const EVENTUALLY_WAIT: Duration = Duration::from_secs(15);

/// Calls `attempt` every 100 ms until it returns `Some`, at most [`EVENTUALLY_WAIT`]; panics
/// naming `what` when it never does.
pub async fn eventually<T, F, Fut>(what: &str, mut attempt: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(value) = attempt().await {
            return value;
        }
        assert!(
            started.elapsed() < EVENTUALLY_WAIT,
            "timed out after {EVENTUALLY_WAIT:?} waiting until {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::eventually;

    #[tokio::test]
    async fn returns_the_first_answer() {
        let tries = AtomicU32::new(0);
        let tries = &tries;
        let answer = eventually("the third try", || async move {
            let n = tries.fetch_add(1, Ordering::SeqCst) + 1;
            (n == 3).then_some(n * 10)
        })
        .await;
        assert_eq!(answer, 30);
    }
}
