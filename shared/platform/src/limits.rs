//! Rate limits: per verified caller (token subject), per client address, a stricter one for
//! failed authentications per address, and a separate one for the anonymous open-data
//! interface. A request over a limit gets 429 problem+json with `Retry-After`.
//!
//! Limits are kept per process with the `governor` crate (GCRA); several replicas each apply
//! the configured limit, so a gateway in front should add a cluster-wide one if needed.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpMessage, ResponseError, web};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::auth::Authentication;
use crate::config::{RateLimit, RateLimits};
use crate::error::ApiError;
use crate::net::ClientAddress;

/// The limiters of one service process, shared by its HTTP workers.
pub struct Limiters {
    per_subject: Option<DefaultKeyedRateLimiter<String>>,
    per_address: Option<DefaultKeyedRateLimiter<IpAddr>>,
    auth_failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    open_data: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

fn limiter<K: std::hash::Hash + Eq + Clone>(
    limit: RateLimit,
) -> Option<DefaultKeyedRateLimiter<K>> {
    let per_minute = NonZeroU32::new(limit.per_minute)?;
    let burst = NonZeroU32::new(limit.burst.max(1))?;
    Some(RateLimiter::keyed(
        Quota::per_minute(per_minute).allow_burst(burst),
    ))
}

impl Limiters {
    pub fn new(config: &RateLimits) -> Arc<Self> {
        Arc::new(Limiters {
            per_subject: limiter(config.per_token),
            per_address: limiter(config.per_address),
            auth_failures: limiter(config.auth_failures),
            open_data: limiter(config.open_data),
        })
    }

    /// Forgets callers that have been quiet long enough to be back at full quota.
    pub fn forget_idle(&self) {
        fn shrink<K: std::hash::Hash + Eq + Clone>(l: &Option<DefaultKeyedRateLimiter<K>>) {
            if let Some(l) = l {
                l.retain_recent();
                l.shrink_to_fit();
            }
        }
        shrink(&self.per_subject);
        shrink(&self.per_address);
        shrink(&self.auth_failures);
        shrink(&self.open_data);
    }
}

fn check<K: std::hash::Hash + Eq + Clone>(
    limiter: &Option<DefaultKeyedRateLimiter<K>>,
    key: &K,
) -> Result<(), ApiError> {
    let Some(limiter) = limiter else {
        return Ok(());
    };
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::TooManyRequests {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        }
    })
}

/// Paths that are never limited: probes and metrics scrapes.
fn exempt(path: &str) -> bool {
    path.starts_with("/health/") || path == "/metrics"
}

/// Middleware (`from_fn`), placed after authentication: applies the limits that fit the request.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let Some(limiters) = req.app_data::<web::Data<Limiters>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    if exempt(req.path()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let address = ClientAddress::of(&req);
    let authentication = req.extensions().get::<Authentication>().cloned();
    let verdict = if req.path().starts_with(crate::http::OPEN_DATA_PREFIX) {
        check(&limiters.open_data, &address)
    } else {
        check(&limiters.per_address, &address).and_then(|()| match &authentication {
            Some(Authentication::Verified(principal)) => {
                check(&limiters.per_subject, &principal.subject)
            }
            Some(Authentication::Refused(_)) => check(&limiters.auth_failures, &address),
            _ => Ok(()),
        })
    };
    match verdict {
        Ok(()) => Ok(next.call(req).await?.map_into_boxed_body()),
        Err(error) => {
            tracing::info!(client = %address, path = req.path(), "rate limit reached");
            Ok(req.into_response(error.error_response()))
        }
    }
}
