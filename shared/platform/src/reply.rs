//! Successful answers: a status, the headers a client relies on (`ETag`, `Location`) and a JSON
//! body, built once so that every service answers alike and a write can store its answer for
//! `Idempotency-Key` replays in the same transaction as its change (see [`crate::write`]).

use actix_web::body::BoxBody;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, Responder};
use serde::Serialize;

use crate::error::ApiError;
use crate::etag::etag;

/// A successful answer with a JSON body (or none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    status: StatusCode,
    etag: Option<String>,
    location: Option<String>,
    body: Option<Vec<u8>>,
}

impl Reply {
    /// 200 with the representation.
    pub fn ok(body: &impl Serialize) -> Reply {
        Reply::json(StatusCode::OK, body)
    }

    /// 200 with the representation and the strong ETag of its version.
    pub fn ok_with_etag(body: &impl Serialize, version: i32) -> Reply {
        Reply::ok(body).with_etag(version)
    }

    /// 201 with the representation, its ETag and its Location.
    pub fn created(body: &impl Serialize, version: i32, location: impl Into<String>) -> Reply {
        let mut reply = Reply::json(StatusCode::CREATED, body).with_etag(version);
        reply.location = Some(location.into());
        reply
    }

    /// 201 with the representation and its Location, for resources without versions.
    pub fn created_at(body: &impl Serialize, location: impl Into<String>) -> Reply {
        let mut reply = Reply::json(StatusCode::CREATED, body);
        reply.location = Some(location.into());
        reply
    }

    /// 201 with the representation and no `Location`, for what has no URL of its own (a seat, a
    /// new draft of a topic, an import's report); add the version with [`Reply::with_etag`] where there is one.
    pub fn created_without_location(body: &impl Serialize) -> Reply {
        Reply::json(StatusCode::CREATED, body)
    }

    /// 202 with a body describing what was accepted.
    pub fn accepted(body: &impl Serialize) -> Reply {
        Reply::json(StatusCode::ACCEPTED, body)
    }

    /// 204 without a body.
    pub fn no_content() -> Reply {
        Reply {
            status: StatusCode::NO_CONTENT,
            etag: None,
            location: None,
            body: None,
        }
    }

    /// Adds a `Location` (e.g. of the resource a 202 started).
    pub fn with_location(mut self, location: impl Into<String>) -> Reply {
        self.location = Some(location.into());
        self
    }

    /// Adds the strong ETag of `version`.
    pub fn with_etag(mut self, version: i32) -> Reply {
        self.etag = Some(etag(version));
        self
    }

    fn json(status: StatusCode, body: &impl Serialize) -> Reply {
        // Serialising the service's own response types cannot fail (string keys, no custom
        // serialisers that error); should it ever, the answer is an honest 500.
        match serde_json::to_vec(body) {
            Ok(bytes) => Reply {
                status,
                etag: None,
                location: None,
                body: Some(bytes),
            },
            Err(error) => {
                tracing::error!(%error, "a response body could not be serialised");
                Reply {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    etag: None,
                    location: None,
                    body: None,
                }
            }
        }
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers stored with an idempotent answer, as name → value.
    pub(crate) fn stored_headers(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut headers = serde_json::Map::new();
        if self.body.is_some() {
            headers.insert(header::CONTENT_TYPE.to_string(), "application/json".into());
        }
        if let Some(etag) = &self.etag {
            headers.insert(header::ETAG.to_string(), etag.clone().into());
        }
        if let Some(location) = &self.location {
            headers.insert(header::LOCATION.to_string(), location.clone().into());
        }
        headers
    }

    pub(crate) fn body_bytes(&self) -> &[u8] {
        self.body.as_deref().unwrap_or_default()
    }

    /// The HTTP response.
    pub fn into_response(self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        if let Some(etag) = self.etag {
            builder.insert_header((header::ETAG, etag));
        }
        if let Some(location) = self.location {
            builder.insert_header((header::LOCATION, location));
        }
        match self.body {
            Some(bytes) => builder.content_type("application/json").body(bytes),
            None => builder.finish(),
        }
    }
}

impl Responder for Reply {
    type Body = BoxBody;

    fn respond_to(self, _req: &HttpRequest) -> HttpResponse<Self::Body> {
        self.into_response()
    }
}

/// 404 naming the resource, e.g. `not_found("organisation")` → "no such organisation".
pub fn not_found(resource: &str) -> ApiError {
    ApiError::NotFound(format!("no such {resource}"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn created_carries_location_etag_and_json() {
        let reply = Reply::created(&serde_json::json!({"id": 1}), 3, "/v1/things/1");
        assert_eq!(reply.status(), StatusCode::CREATED);
        let headers = reply.stored_headers();
        assert_eq!(headers["etag"], "\"3\"");
        assert_eq!(headers["location"], "/v1/things/1");
        assert_eq!(headers["content-type"], "application/json");
        let response = reply.into_response();
        assert_eq!(response.headers().get("etag").unwrap(), "\"3\"");
        assert_eq!(
            response.headers().get("content-type").unwrap(),
            "application/json"
        );
    }

    #[test]
    fn no_content_has_no_body_headers() {
        let reply = Reply::no_content();
        assert!(reply.stored_headers().is_empty());
        assert!(reply.body_bytes().is_empty());
    }
}
