//! Writes committed together: requests of one process that would all wait for the same
//! database row lock (every registration for one training session locks the session) queue
//! here per key instead, and one task runs what is queued in one transaction, each write in its
//! own savepoint. One commit, one flush of the write-ahead log, ends them all.
//!
//! With a hot row every transaction waits for the one before it to commit, so a key's writes
//! can never go faster than one commit each, and PostgreSQL wakes every waiter at each commit.
//! Committed together they share the commit, and at most one transaction per process waits
//! at the row, which still decides (the lock stays the guarantee, also across replicas).
//!
//! Each write keeps its own answer: one that fails (a broken rule, or any error) is rolled back
//! to its savepoint and answered with its error while the others go on; if the commit itself
//! fails, every write of the batch gets that error and nothing of it is kept. A write's answer is
//! stored under its `Idempotency-Key` in its savepoint, as [`crate::Write::run`] does it.
//! Waiting requests hold no database connection, and a request that goes away while it waits
//! does not stop the batch it is in.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use tokio::sync::oneshot;

use crate::db::{DbPool, transaction};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::Claim;
use crate::reply::Reply;

/// A write of one request: runs on the batch's connection, inside the batch's transaction.
pub type Operation =
    Box<dyn for<'c> FnOnce(&'c mut AsyncPgConnection) -> BoxFuture<'c, ApiResult<Reply>> + Send>;

/// At most this many writes share one transaction.
const MOST: usize = 64;

struct Job {
    operation: Operation,
    claim: Option<Claim>,
    answer: oneshot::Sender<ApiResult<Reply>>,
}

/// The queues of one kind of write, by key (for example one per training session). A key has a
/// queue while a task is running its writes.
pub struct Together<K> {
    queues: Mutex<HashMap<K, Vec<Job>>>,
}

impl<K> Default for Together<K> {
    fn default() -> Self {
        Together {
            queues: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash + Clone + Send + 'static> Together<K> {
    /// Queues a write under `key` and waits for its answer, after the commit.
    pub(crate) async fn run(
        self: &Arc<Self>,
        pool: DbPool,
        key: K,
        operation: Operation,
        claim: Option<Claim>,
    ) -> ApiResult<Reply> {
        let (answer, answered) = oneshot::channel();
        let job = Job {
            operation,
            claim,
            answer,
        };
        let start = {
            let mut queues = self.lock();
            match queues.get_mut(&key) {
                Some(queue) => {
                    queue.push(job);
                    false
                }
                None => {
                    queues.insert(key.clone(), vec![job]);
                    true
                }
            }
        };
        if start {
            tokio::spawn(Arc::clone(self).drain(pool, key));
        }
        answered.await.unwrap_or_else(|_| {
            Err(ApiError::internal(
                "the write's batch ended without an answer",
            ))
        })
    }

    /// Keys with a running queue (for tests).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no key has a running queue.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Vec<Job>>> {
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs the key's writes, batch after batch, until its queue is empty; then forgets it.
    async fn drain(self: Arc<Self>, pool: DbPool, key: K) {
        let mut running = Running {
            together: Arc::clone(&self),
            key: key.clone(),
            done: false,
        };
        loop {
            let batch = {
                let mut queues = self.lock();
                let Some(queue) = queues.get_mut(&key) else {
                    running.done = true;
                    return;
                };
                if queue.is_empty() {
                    queues.remove(&key);
                    running.done = true;
                    return;
                }
                let take = queue.len().min(MOST);
                queue.drain(..take).collect::<Vec<Job>>()
            };
            commit_together(&pool, batch).await;
        }
    }
}

/// A key's running queue. Should its task end other than by emptying the queue (a write that
/// panics, a runtime shutting down), the queue is forgotten: the writes waiting in it get an
/// error rather than wait forever, and the key's next write starts a new task.
struct Running<K: Eq + Hash> {
    together: Arc<Together<K>>,
    key: K,
    done: bool,
}

impl<K: Eq + Hash> Drop for Running<K> {
    fn drop(&mut self) {
        if !self.done {
            let mut queues = self
                .together
                .queues
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            queues.remove(&self.key);
        }
    }
}

/// One transaction for the batch, a savepoint for each write; every write is answered.
async fn commit_together(pool: &DbPool, batch: Vec<Job>) {
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(error) => {
            let error = ApiError::from(error);
            for job in batch {
                let _ = job.answer.send(Err(error.clone()));
            }
            return;
        }
    };
    let mut answers = Vec::with_capacity(batch.len());
    let mut waiting = Vec::with_capacity(batch.len());
    let mut jobs = Vec::with_capacity(batch.len());
    for job in batch {
        waiting.push((job.answer, job.claim.clone()));
        jobs.push((job.operation, job.claim));
    }
    let committed = transaction(&mut conn, async |conn| {
        for (operation, claim) in jobs {
            // Nested, the transaction is a savepoint: a failed write takes only itself back.
            let answer = transaction(conn, async |conn| {
                crate::write::claimed(conn, claim.as_ref(), async |conn| operation(conn).await)
                    .await
            })
            .await;
            answers.push(answer);
        }
        Ok(())
    })
    .await;
    if committed.is_ok() {
        qmf_events::wake_relays();
    }
    // Writes the transaction never reached (it did not begin) get its error, as do those that
    // succeeded in a transaction that did not commit.
    let mut answers = answers.into_iter();
    for (answer, claim) in waiting {
        let result = match (&committed, answers.next()) {
            (Ok(()), Some(result)) | (Err(_), Some(result @ Err(_))) => result,
            (Err(error), _) => Err(error.clone()),
            (Ok(()), None) => Err(ApiError::internal("a write of the batch was not run")),
        };
        if result.is_ok()
            && let Some(claim) = &claim
        {
            claim.mark_stored();
        }
        let _ = answer.send(result);
    }
}
