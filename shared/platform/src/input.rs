//! The text rules of [`crate::text`] for what arrives outside the body: the path and the query
//! string. A control character, a bidirectional override or an out-of-range date in a search
//! term or a filter is refused with 422 and a pointer (`/query/q`) before any handler or
//! database sees it. A path with such characters names no resource that can exist: 404, like a
//! malformed id.

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::{ApiError, FieldError};

/// Whether the decoded path obeys the text rules (dates aside: a path is no date).
pub fn path_is_clean(path: &str) -> bool {
    let decoded_path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    match crate::text::clean(&decoded_path) {
        Ok(_) | Err(crate::text::TextError::DateOutOfRange) => true,
        Err(_) => false,
    }
}

/// Problems of the query string, each with its pointer.
pub fn check_query(query: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (name, value) in form_pairs(query) {
        if let Err(e) = crate::text::clean(&name).and_then(|_| crate::text::clean(&value)) {
            errors.push(FieldError::new(format!("/query/{name}"), e.message()));
        }
    }
    errors
}

/// `application/x-www-form-urlencoded` pairs (`+` is a space), decoded leniently.
fn form_pairs(query: &str) -> impl Iterator<Item = (String, String)> + '_ {
    query.split('&').filter(|p| !p.is_empty()).map(|pair| {
        let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        (decode(name), decode(value))
    })
}

/// Middleware (`from_fn`): refuses a request whose path or query breaks the text rules.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if !path_is_clean(req.path()) {
        let error = ApiError::NotFound("no resource at this path".into());
        return Ok(req.into_response(error.error_response()));
    }
    let errors = check_query(req.query_string());
    if errors.is_empty() {
        Ok(next.call(req).await?.map_into_boxed_body())
    } else {
        Ok(req.into_response(ApiError::Validation(errors).error_response()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers(query: &str) -> Vec<String> {
        check_query(query).into_iter().map(|e| e.pointer).collect()
    }

    #[test]
    fn clean_request_lines_pass() {
        assert!(pointers("q=M%C3%BCller&limit=10&from=2026-01-01").is_empty());
        assert!(pointers("").is_empty());
        assert!(path_is_clean("/v1/people/abc"));
        assert!(path_is_clean("/v1/cases/by-external-id/okjug/2300-01-01"));
    }

    #[test]
    fn nul_bidi_and_far_dates_are_refused() {
        assert_eq!(pointers("q=a%00b"), ["/query/q"]);
        assert_eq!(pointers("q=%E2%80%AEx"), ["/query/q"]);
        assert_eq!(pointers("from=%2B10000-01-01"), ["/query/from"]);
        assert_eq!(pointers("from=-0001-01-01"), ["/query/from"]);
        assert!(!path_is_clean("/v1/organizations/a%00"));
        assert!(!path_is_clean("/v1/people/%01"));
    }
}
