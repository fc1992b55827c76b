//! `Idempotency-Key` for POST requests: the same key with the same request returns the stored
//! response without running the request again; the same key with another request is refused (422).
//!
//! Keys are scoped to the authenticated caller and kept for [`RETENTION_HOURS`].
//!
//! The middleware claims the key for the request (a row with a fresh claim id and a lease). A
//! write run through [`crate::write::Write`] checks its claim and stores its answer in its own
//! transaction, so a change is never committed without its answer: a retry after a crash between
//! commit and response gets the stored answer, and a retry after a crash before the commit runs
//! once, as soon as the lease has lapsed. Answers of requests that changed nothing (refusals,
//! validation errors) are stored by the middleware after the handler.

use crate::db::KeepPrepared;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, ResponseError, web};
use diesel::prelude::*;
use diesel::sql_types::{Bytea, Nullable, SmallInt, Text};
use diesel_async::RunQueryDsl;
use futures_util::StreamExt;
use sha2::{Digest, Sha256};

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use diesel::OptionalExtension;
use diesel_async::AsyncPgConnection;

use crate::auth::Authentication;
use crate::db::DbPool;
use crate::error::ApiError;

pub const HEADER: &str = "Idempotency-Key";
/// Stored responses are kept this long; afterwards a key may be reused.
pub const RETENTION_HOURS: i32 = 24;
const MAX_KEY_LEN: usize = 255;

/// Limit for bodies buffered by this middleware (the handlers' own limits still apply).
#[derive(Clone, Copy)]
pub struct IdempotencyLimit(pub usize);

/// How long a claim holds a key for a request that has not finished (default 60 s).
#[derive(Clone, Copy)]
pub struct IdempotencyLease(pub std::time::Duration);

/// The request's hold on its key, in the request's extensions while it runs.
#[derive(Debug, Clone)]
pub struct Claim {
    subject: String,
    key: String,
    id: uuid::Uuid,
    /// Set once a write committed the answer with its change.
    stored: Arc<AtomicBool>,
}

impl Claim {
    /// Inside the write's transaction: locks the key's row and checks the claim is still ours
    /// (it is not when the lease lapsed and a retry took the key over: 409, nothing is written).
    pub(crate) async fn hold(&self, conn: &mut AsyncPgConnection) -> Result<(), ApiError> {
        #[derive(QueryableByName)]
        struct Held {
            #[diesel(sql_type = diesel::sql_types::Uuid)]
            claim: uuid::Uuid,
        }
        let held: Option<Held> = diesel::sql_query(
            "SELECT claim FROM idempotency_keys \
             WHERE subject = $1 AND key = $2 AND status IS NULL FOR UPDATE",
        )
        .bind::<Text, _>(&self.subject)
        .bind::<Text, _>(&self.key)
        .keep_prepared()
        .get_result(conn)
        .await
        .optional()?;
        match held {
            Some(held) if held.claim == self.id => Ok(()),
            _ => Err(ApiError::IdempotencyKeyInFlight),
        }
    }

    /// Inside the write's transaction: stores the answer under the claim.
    pub(crate) async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        reply: &crate::reply::Reply,
    ) -> Result<(), ApiError> {
        save(
            conn,
            self,
            reply.status().as_u16(),
            reply.stored_headers(),
            reply.body_bytes(),
        )
        .await?;
        Ok(())
    }

    /// After the write's commit: the middleware must not store another answer.
    pub(crate) fn mark_stored(&self) {
        self.stored.store(true, Ordering::SeqCst);
    }
}

#[derive(QueryableByName)]
struct StoredKey {
    #[diesel(sql_type = Text)]
    request_hash: String,
    #[diesel(sql_type = Nullable<SmallInt>)]
    status: Option<i16>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Jsonb>)]
    headers: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Bytea>)]
    body: Option<Vec<u8>>,
}

/// Whether `key` is a usable idempotency key: 1 to 255 printable ASCII characters (space to
/// `~`), the rule the OpenAPI documents state as [`KEY_PATTERN`].
pub fn valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= MAX_KEY_LEN && key.bytes().all(|b| (b' '..=b'~').contains(&b))
}

/// The rule of [`valid_key`] as a regular expression for the OpenAPI documents.
pub const KEY_PATTERN: &str = "^[ -~]{1,255}$";

/// Middleware (`actix_web::middleware::from_fn`) applied to every service.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(HEADER) {
        Some(value) if req.method() == Method::POST => value.to_str().ok().map(str::to_string),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let Some(key) = key.filter(|k| valid_key(k)) else {
        return Ok(reply(
            req,
            ApiError::validation(
                "/headers/Idempotency-Key",
                format!("must be 1 to {MAX_KEY_LEN} printable ASCII characters"),
            ),
        ));
    };
    let Some(pool) = req.app_data::<web::Data<DbPool>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    // Keys are scoped to the caller the authentication layer verified; a request without a
    // valid token goes straight through, and the handler answers 401.
    let subject = match req.extensions().get::<Authentication>() {
        Some(Authentication::Verified(principal)) => Some(principal.subject.clone()),
        _ => None,
    };
    let Some(subject) = subject else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };

    let limit = req
        .app_data::<IdempotencyLimit>()
        .map(|l| l.0)
        .unwrap_or(5 * 1024 * 1024);
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(chunk) => chunk,
            Err(e) => return Ok(reply(req, crate::error::payload_error(e))),
        };
        if body.len() + chunk.len() > limit {
            return Ok(reply(
                req,
                ApiError::PayloadTooLarge(format!("the limit is {limit} bytes")),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let method = req.method().to_string();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/")
        .to_string();
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let request_hash = request_hash(&method, &path, &content_type, &body);

    let lease = req
        .app_data::<IdempotencyLease>()
        .map(|l| l.0)
        .unwrap_or(std::time::Duration::from_secs(60));
    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(e) => return Ok(reply(req, ApiError::from(e))),
    };
    // Claim the key: a new row, or a row whose earlier request died before answering (its
    // lease lapsed, nothing was committed under it) with the same request.
    let claim_id = uuid::Uuid::now_v7();
    let claimed = diesel::sql_query(
        "INSERT INTO idempotency_keys (subject, key, method, path, request_hash, claim, lease_until) \
         VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7)) \
         ON CONFLICT (subject, key) DO UPDATE \
            SET claim = EXCLUDED.claim, lease_until = EXCLUDED.lease_until, created_at = now() \
          WHERE idempotency_keys.status IS NULL AND idempotency_keys.lease_until < now() \
            AND idempotency_keys.request_hash = EXCLUDED.request_hash",
    )
    .bind::<Text, _>(&subject)
    .bind::<Text, _>(&key)
    .bind::<Text, _>(&method)
    .bind::<Text, _>(&path)
    .bind::<Text, _>(&request_hash)
    .bind::<diesel::sql_types::Uuid, _>(claim_id)
    .bind::<diesel::sql_types::Double, _>(lease.as_secs_f64()).keep_prepared()
    .execute(&mut conn)
    .await
    .map_err(ApiError::from);
    match claimed {
        Err(e) => return Ok(reply(req, e)),
        Ok(0) => {
            let stored: Result<StoredKey, _> = diesel::sql_query(
                "SELECT request_hash, status, headers, body FROM idempotency_keys \
                 WHERE subject = $1 AND key = $2",
            )
            .bind::<Text, _>(&subject)
            .bind::<Text, _>(&key)
            .keep_prepared()
            .get_result(&mut conn)
            .await;
            let stored = match stored {
                Ok(stored) => stored,
                Err(e) => return Ok(reply(req, ApiError::from(e))),
            };
            if stored.request_hash != request_hash {
                return Ok(reply(req, ApiError::IdempotencyKeyReused));
            }
            let Some(status) = stored.status else {
                return Ok(reply(req, ApiError::IdempotencyKeyInFlight));
            };
            let mut response =
                HttpResponse::build(StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK));
            if let Some(serde_json::Value::Object(headers)) = stored.headers {
                for (name, value) in headers {
                    if let Some(value) = value.as_str() {
                        response.insert_header((name, value.to_string()));
                    }
                }
            }
            response.insert_header(("Idempotent-Replayed", "true"));
            let response = response.body(stored.body.unwrap_or_default());
            return Ok(req.into_response(response));
        }
        Ok(_) => {}
    }
    drop(conn);

    let claim = Claim {
        subject,
        key,
        id: claim_id,
        stored: Arc::new(AtomicBool::new(false)),
    };
    req.extensions_mut().insert(claim.clone());
    req.set_payload(actix_web::dev::Payload::from(body));
    let response = next.call(req).await;
    if AtomicBool::load(&claim.stored, Ordering::SeqCst) {
        // The write committed its answer with its change.
        return response.map(ServiceResponse::map_into_boxed_body);
    }
    let response = match response {
        Ok(response) => response,
        Err(e) => {
            release(&pool, &claim).await;
            return Err(e);
        }
    };
    let status = response.status();
    if status.is_server_error() {
        // Nothing was stored, so the client may retry with the same key.
        release(&pool, &claim).await;
        return Ok(response.map_into_boxed_body());
    }
    // An answer without a committed write (a refusal, a validation error, a read): stored now.
    let (request, response) = response.into_parts();
    let (head, response_body) = response.into_parts();
    let bytes = actix_web::body::to_bytes(response_body)
        .await
        .unwrap_or_default();
    let mut stored_headers = serde_json::Map::new();
    for name in [header::CONTENT_TYPE, header::ETAG, header::LOCATION] {
        if let Some(value) = head.headers().get(&name).and_then(|v| v.to_str().ok()) {
            stored_headers.insert(name.to_string(), value.into());
        }
    }
    let saved = match pool.get().await {
        Ok(mut conn) => save(&mut conn, &claim, status.as_u16(), stored_headers, &bytes).await,
        Err(e) => Err(ApiError::from(e)),
    };
    if let Err(e) = saved {
        tracing::error!(error = %e, "could not store the idempotent response");
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

/// The fingerprint a key is bound to: SHA-256 over method, path with query, content type and
/// body (each part length-prefixed), hex-encoded.
pub fn request_hash(method: &str, path: &str, content_type: &str, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    for part in [method.as_bytes(), path.as_bytes(), content_type.as_bytes()] {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part);
    }
    hasher.update(body);
    hex::encode(hasher.finalize())
}

/// Stores the answer under the claim (nothing when the claim was taken over).
async fn save(
    conn: &mut AsyncPgConnection,
    claim: &Claim,
    status: u16,
    headers: serde_json::Map<String, serde_json::Value>,
    body: &[u8],
) -> Result<usize, ApiError> {
    Ok(diesel::sql_query(
        "UPDATE idempotency_keys SET status = $4, headers = $5, body = $6, completed_at = now() \
         WHERE subject = $1 AND key = $2 AND claim = $3 AND status IS NULL",
    )
    .bind::<Text, _>(&claim.subject)
    .bind::<Text, _>(&claim.key)
    .bind::<diesel::sql_types::Uuid, _>(claim.id)
    .bind::<SmallInt, _>(status as i16)
    .bind::<diesel::sql_types::Jsonb, _>(serde_json::Value::Object(headers))
    .bind::<Bytea, _>(body)
    .keep_prepared()
    .execute(conn)
    .await?)
}

/// Frees the key after a server error, so the client may retry at once.
async fn release(pool: &DbPool, claim: &Claim) {
    if let Ok(mut conn) = pool.get().await {
        let _ = diesel::sql_query(
            "DELETE FROM idempotency_keys \
             WHERE subject = $1 AND key = $2 AND claim = $3 AND status IS NULL",
        )
        .bind::<Text, _>(&claim.subject)
        .bind::<Text, _>(&claim.key)
        .bind::<diesel::sql_types::Uuid, _>(claim.id)
        .keep_prepared()
        .execute(&mut conn)
        .await;
    }
}

fn reply(req: ServiceRequest, error: ApiError) -> ServiceResponse<BoxBody> {
    req.into_response(error.error_response())
}

/// Name of the job running [`purge_expired`]; every service has it (see `server::start`).
pub const PURGE_JOB: &str = "idempotency.purge";

/// The job deleting expired stored responses every `interval`.
pub fn purge_job(interval: std::time::Duration) -> crate::jobs::Job {
    crate::jobs::Job::new(PURGE_JOB, interval, |pool| async move {
        purge_expired(&pool)
            .await
            .map(|purged| format!("{purged} expired idempotency keys deleted"))
    })
}

/// Deletes stored responses older than the retention period; the [`purge_job`] runs it.
pub async fn purge_expired(pool: &DbPool) -> Result<usize, ApiError> {
    let mut conn = pool.get().await?;
    Ok(diesel::sql_query(format!(
        "DELETE FROM idempotency_keys WHERE created_at < now() - interval '{RETENTION_HOURS} hours'"
    ))
    .keep_prepared()
    .execute(&mut conn)
    .await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_one_to_255_printable_ascii_characters() {
        for good in [
            "k",
            "5f0c9a3e-2b7d-4c1e-9a55-7c1d2e3f4a5b",
            "!~",
            &"k".repeat(255),
        ] {
            assert!(valid_key(good), "{good:?}");
        }
        for bad in ["", "tab\there", "ümlaut", "bell\u{7}", &"k".repeat(256)] {
            assert!(!valid_key(bad), "{bad:?}");
        }
        let pattern = regex::Regex::new(KEY_PATTERN).unwrap();
        for probe in [
            "k",
            "two words",
            "",
            "!~",
            &"k".repeat(255),
            &"k".repeat(256),
        ] {
            assert_eq!(pattern.is_match(probe), valid_key(probe), "{probe:?}");
        }
    }
}
