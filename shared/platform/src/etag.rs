//! Strong ETags from a row's version, and `If-Match` preconditions for updates.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{FromRequest, HttpRequest, HttpResponseBuilder, dev::Payload};
use std::future::{Ready, ready};

use crate::error::ApiError;

/// The strong ETag of version `version` of a resource.
pub fn etag(version: i32) -> String {
    format!("\"{version}\"")
}

/// Adds `ETag` to a response.
pub fn with_etag(builder: &mut HttpResponseBuilder, version: i32) -> &mut HttpResponseBuilder {
    if let Ok(value) = HeaderValue::from_str(&etag(version)) {
        builder.insert_header((header::ETAG, value));
    }
    builder
}

/// The versions the client accepts, from a required `If-Match` header (a list of strong ETags;
/// any of them may match, RFC 9110). Missing, empty or `*` → 428; a header that names no version
/// of ours (weak tags, garbage) → 412.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IfMatch(pub Vec<i32>);

impl IfMatch {
    /// 412 unless the stored version is one the client named.
    pub fn check(&self, current_version: i32) -> Result<(), ApiError> {
        if self.0.contains(&current_version) {
            Ok(())
        } else {
            Err(stale(current_version))
        }
    }
}

pub fn stale(current_version: i32) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "the resource is at version {}; read it again and retry",
        etag(current_version)
    ))
}

pub fn parse_if_match(value: Option<&str>) -> Result<IfMatch, ApiError> {
    let value = value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            ApiError::PreconditionRequired(
                "send If-Match with the ETag of the version you read".into(),
            )
        })?;
    // `*` would skip the concurrency check this API relies on.
    if value == "*" {
        return Err(ApiError::PreconditionRequired(
            "If-Match: * is not accepted; send the ETag of the version you read".into(),
        ));
    }
    let versions: Vec<i32> = value
        .split(',')
        .map(str::trim)
        .filter_map(|tag| {
            tag.strip_prefix('"')
                .and_then(|t| t.strip_suffix('"'))
                .and_then(|t| t.parse::<i32>().ok())
        })
        .collect();
    if versions.is_empty() {
        return Err(ApiError::PreconditionFailed(format!(
            "If-Match {value:?} does not name a version of this resource (expected a strong ETag such as \"3\")"
        )));
    }
    Ok(IfMatch(versions))
}

impl FromRequest for IfMatch {
    type Error = ApiError;
    type Future = Ready<Result<IfMatch, ApiError>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        ready(parse_if_match(
            req.headers()
                .get(header::IF_MATCH)
                .and_then(|v| v.to_str().ok()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_rules() {
        assert!(matches!(
            parse_if_match(None),
            Err(ApiError::PreconditionRequired(_))
        ));
        assert_eq!(parse_if_match(Some("\"3\"")).ok(), Some(IfMatch(vec![3])));
        assert_eq!(
            parse_if_match(Some("\"5\", W/\"2\", \"1\"")).ok(),
            Some(IfMatch(vec![5, 1]))
        );
        assert!(parse_if_match(Some("\"5\", \"1\"")).is_ok_and(|m| m.check(1).is_ok()));
        assert!(matches!(
            parse_if_match(Some("W/\"3\"")),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(matches!(
            parse_if_match(Some("*")),
            Err(ApiError::PreconditionRequired(_))
        ));
        assert!(matches!(
            parse_if_match(Some(" ")),
            Err(ApiError::PreconditionRequired(_))
        ));
        assert!(matches!(
            parse_if_match(Some("\"x\"")),
            Err(ApiError::PreconditionFailed(_))
        ));
        assert!(IfMatch(vec![3]).check(3).is_ok());
        assert!(matches!(
            IfMatch(vec![2]).check(3),
            Err(ApiError::PreconditionFailed(_))
        ));
    }
}
