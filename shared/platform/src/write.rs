//! The one way an HTTP request writes: [`Write`] runs the operation in one transaction and, when
//! the request carries an `Idempotency-Key`, stores the operation's answer in that same
//! transaction (see [`crate::idempotency`]). Handlers take `write: Write`, check access and input,
//! then call `write.run(async move |conn| { …lock, If-Match, rule, change, event…; Ok(reply) })`.

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use diesel_async::AsyncPgConnection;
use std::future::{Ready, ready};

use crate::db::{DbPool, transaction};
use crate::error::{ApiError, ApiResult};
use crate::idempotency::Claim;
use crate::reply::Reply;
use crate::together::Together;
use futures_util::future::BoxFuture;

/// A request's write: the pool and, with an `Idempotency-Key`, the request's claim on the key.
pub struct Write {
    pool: web::Data<DbPool>,
    claim: Option<Claim>,
}

impl Write {
    /// For writes outside a request (tests, tools): no idempotency key.
    pub fn without_key(pool: web::Data<DbPool>) -> Write {
        Write { pool, claim: None }
    }

    /// Runs `operation` in one transaction and returns its answer. The answer is stored for
    /// `Idempotency-Key` replays before the commit, so the change and its answer commit together;
    /// an error rolls everything back.
    pub async fn run<F>(self, operation: F) -> ApiResult<Reply>
    where
        F: AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<Reply>,
    {
        let mut conn = self.pool.get().await?;
        let claim = self.claim;
        let reply = transaction(&mut conn, async |conn| {
            claimed(conn, claim.as_ref(), operation).await
        })
        .await?;
        if let Some(claim) = &claim {
            claim.mark_stored();
        }
        qmf_events::wake_relays();
        Ok(reply)
    }

    /// Like [`Write::run`], for writes that would all wait for one row lock (the same `key`):
    /// queued with the process's other writes under that key and committed together with them
    /// (see [`crate::together`]). `operation` runs in its own savepoint of the batch's
    /// transaction; its answer comes after the commit.
    pub async fn run_together<K, F>(
        self,
        together: &std::sync::Arc<Together<K>>,
        key: K,
        operation: F,
    ) -> ApiResult<Reply>
    where
        K: Eq + std::hash::Hash + Clone + Send + 'static,
        F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> BoxFuture<'c, ApiResult<Reply>>
            + Send
            + 'static,
    {
        let pool = DbPool::clone(&self.pool);
        together
            .run(pool, key, Box::new(operation), self.claim)
            .await
    }
}

/// Inside a write's transaction: holds the request's claim on its `Idempotency-Key` (if any),
/// runs `operation` and stores its answer under the key.
pub(crate) async fn claimed<F>(
    conn: &mut AsyncPgConnection,
    claim: Option<&Claim>,
    operation: F,
) -> ApiResult<Reply>
where
    F: AsyncFnOnce(&mut AsyncPgConnection) -> ApiResult<Reply>,
{
    if let Some(claim) = claim {
        claim.hold(conn).await?;
    }
    let reply = operation(conn).await?;
    if let Some(claim) = claim {
        claim.store(conn, &reply).await?;
    }
    Ok(reply)
}

impl FromRequest for Write {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let write = match req.app_data::<web::Data<DbPool>>() {
            Some(pool) => Ok(Write {
                pool: pool.clone(),
                claim: req.extensions().get::<Claim>().cloned(),
            }),
            None => Err(ApiError::internal("the database pool is not configured")),
        };
        ready(write)
    }
}
