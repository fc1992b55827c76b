//! `Idempotency-Key` for POST requests: the same key with the same request returns the stored
//! response without running the request again; the same key with another request is refused (422).
//!
//! Keys are scoped to the authenticated caller and kept for [`RETENTION_HOURS`].

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

/// Middleware (`actix_web::middleware::from_fn`) applied to every service.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let key = match req.headers().get(HEADER) {
        Some(value) if req.method() == Method::POST => value.to_str().ok().map(str::to_string),
        _ => return Ok(next.call(req).await?.map_into_boxed_body()),
    };
    let Some(key) = key.filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN) else {
        return Ok(reply(
            req,
            ApiError::validation(
                "/headers/Idempotency-Key",
                format!("must be 1 to {MAX_KEY_LEN} visible ASCII characters"),
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
    let request_hash = {
        let mut hasher = Sha256::new();
        for part in [method.as_bytes(), path.as_bytes(), content_type.as_bytes()] {
            hasher.update((part.len() as u64).to_be_bytes());
            hasher.update(part);
        }
        hasher.update(&body);
        hex::encode(hasher.finalize())
    };

    let mut conn = match pool.get().await {
        Ok(conn) => conn,
        Err(e) => return Ok(reply(req, ApiError::from(e))),
    };
    let reserved = diesel::sql_query(
        "INSERT INTO idempotency_keys (subject, key, method, path, request_hash) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subject, key) DO NOTHING",
    )
    .bind::<Text, _>(&subject)
    .bind::<Text, _>(&key)
    .bind::<Text, _>(&method)
    .bind::<Text, _>(&path)
    .bind::<Text, _>(&request_hash)
    .execute(&mut conn)
    .await
    .map_err(ApiError::from);
    match reserved {
        Err(e) => return Ok(reply(req, e)),
        Ok(0) => {
            let stored: Result<StoredKey, _> = diesel::sql_query(
                "SELECT request_hash, status, headers, body FROM idempotency_keys \
                 WHERE subject = $1 AND key = $2",
            )
            .bind::<Text, _>(&subject)
            .bind::<Text, _>(&key)
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

    req.set_payload(actix_web::dev::Payload::from(body));
    let response = next.call(req).await;
    let response = match response {
        Ok(response) => response,
        Err(e) => {
            release(&pool, &subject, &key).await;
            return Err(e);
        }
    };
    let status = response.status();
    if status.is_server_error() {
        // Nothing was stored, so the client may retry with the same key.
        release(&pool, &subject, &key).await;
        return Ok(response.map_into_boxed_body());
    }
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
    if let Ok(mut conn) = pool.get().await {
        let saved = diesel::sql_query(
            "UPDATE idempotency_keys SET status = $3, headers = $4, body = $5, completed_at = now() \
             WHERE subject = $1 AND key = $2",
        )
        .bind::<Text, _>(&subject)
        .bind::<Text, _>(&key)
        .bind::<SmallInt, _>(status.as_u16() as i16)
        .bind::<diesel::sql_types::Jsonb, _>(serde_json::Value::Object(stored_headers))
        .bind::<Bytea, _>(bytes.to_vec())
        .execute(&mut conn)
        .await;
        if let Err(e) = saved {
            tracing::error!(error = %e, "could not store the idempotent response");
        }
    }
    let response = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(request, response))
}

async fn release(pool: &DbPool, subject: &str, key: &str) {
    if let Ok(mut conn) = pool.get().await {
        let _ = diesel::sql_query(
            "DELETE FROM idempotency_keys WHERE subject = $1 AND key = $2 AND status IS NULL",
        )
        .bind::<Text, _>(subject)
        .bind::<Text, _>(key)
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
    .execute(&mut conn)
    .await?)
}
