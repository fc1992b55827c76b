//! Turns: requests of one process that will wait for the same database row lock queue here
//! instead, one at a time per key.
//!
//! A hot row (every registration for one training session takes the session's lock) makes
//! PostgreSQL wake every waiting transaction at each commit, and all but one go back to
//! sleep: with 32 waiters most of the database's CPU goes into that. Taking a turn per key in
//! the process first leaves at most one waiter per process at the database, which still
//! decides (the row lock stays the guarantee, also across replicas). Waiting requests hold no
//! database connection.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard};

/// One queue per key; a queue is dropped when nobody holds or waits for it.
pub struct Turns<K> {
    queues: Mutex<HashMap<K, Arc<AsyncMutex<()>>>>,
}

impl<K> Default for Turns<K> {
    fn default() -> Self {
        Turns {
            queues: Mutex::new(HashMap::new()),
        }
    }
}

/// The turn for a key; the next waiter goes when it is dropped.
pub struct Turn<K: Eq + Hash + Clone> {
    guard: Option<OwnedMutexGuard<()>>,
    key: K,
    turns: Arc<Turns<K>>,
}

impl<K: Eq + Hash + Clone> Turns<K> {
    /// Waits for the turn of `key`.
    pub async fn take(self: &Arc<Self>, key: K) -> Turn<K> {
        let queue = {
            let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
            queues.entry(key.clone()).or_default().clone()
        };
        let guard = queue.lock_owned().await;
        Turn {
            guard: Some(guard),
            key,
            turns: Arc::clone(self),
        }
    }

    /// Keys with a queue (for tests).
    pub fn len(&self) -> usize {
        self.queues.lock().map(|q| q.len()).unwrap_or(0)
    }

    /// Whether no key has a queue.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl<K: Eq + Hash + Clone> Drop for Turn<K> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut queues = self.turns.queues.lock().unwrap_or_else(|e| e.into_inner());
        // Only the map holds the queue now: nobody waits, forget it.
        if queues
            .get(&self.key)
            .is_some_and(|queue| Arc::strong_count(queue) == 1)
        {
            queues.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    #[tokio::test]
    async fn one_turn_per_key_at_a_time_and_queues_are_forgotten() {
        let turns: Arc<Turns<u32>> = Arc::default();
        let inside = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..20 {
            let (turns, inside, most) = (turns.clone(), inside.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                let _turn = turns.take(7).await;
                let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(2)).await;
                inside.fetch_sub(1, Ordering::SeqCst);
            }));
        }
        // Another key is not held up.
        let other = turns.take(8).await;
        drop(other);
        for task in tasks {
            task.await.unwrap_or_default();
        }
        assert_eq!(most.load(Ordering::SeqCst), 1);
        assert!(turns.is_empty());
    }
}
