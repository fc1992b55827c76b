//! The text rules of [`crate::text`] for what arrives outside the body: the path and the query
//! string. A control character, a bidirectional override or an out-of-range date in a search
//! term, an id or a filter is refused with 422 and a pointer (`/query/q`, `/path`) before any
//! handler or database sees it.

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use crate::error::{ApiError, FieldError};

/// Problems of the request line's path and query, each with its pointer.
pub fn check_request_line(path: &str, query: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let decoded_path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    if let Err(e) = crate::text::clean(&decoded_path)
        && e != crate::text::TextError::DateOutOfRange
    {
        errors.push(FieldError::new("/path", e.message()));
    }
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
    let errors = check_request_line(req.path(), req.query_string());
    if errors.is_empty() {
        Ok(next.call(req).await?.map_into_boxed_body())
    } else {
        Ok(req.into_response(ApiError::Validation(errors).error_response()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pointers(path: &str, query: &str) -> Vec<String> {
        check_request_line(path, query)
            .into_iter()
            .map(|e| e.pointer)
            .collect()
    }

    #[test]
    fn clean_request_lines_pass() {
        assert!(pointers("/v1/people", "q=M%C3%BCller&limit=10&from=2026-01-01").is_empty());
        assert!(pointers("/v1/people", "").is_empty());
    }

    #[test]
    fn nul_bidi_and_far_dates_are_refused_with_a_pointer() {
        assert_eq!(pointers("/v1/people", "q=a%00b"), ["/query/q"]);
        assert_eq!(pointers("/v1/people", "q=%E2%80%AEx"), ["/query/q"]);
        assert_eq!(pointers("/v1/x", "from=%2B10000-01-01"), ["/query/from"]);
        assert_eq!(pointers("/v1/x", "from=-0001-01-01"), ["/query/from"]);
        assert_eq!(
            pointers("/v1/organizations/by-external-id/a%00", ""),
            ["/path"]
        );
    }
}
