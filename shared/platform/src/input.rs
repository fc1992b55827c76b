//! The text rules of [`crate::text`] for what arrives outside the body: the path and the query
//! string. A control character, a bidirectional override or an out-of-range date in a search
//! term or a filter is refused with 422 and a pointer (`/query/q`) before any handler or
//! database sees it. A path with such characters names no resource that can exist: 404, like a
//! malformed id.

use actix_web::ResponseError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;

use serde::{Deserialize, Deserializer};

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
    query.split('&').filter(|p| !p.is_empty()).map(decode_pair)
}

/// One `name=value` pair of a query string, decoded leniently.
pub(crate) fn decode_pair(pair: &str) -> (String, String) {
    let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    (decode(name), decode(value))
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

/// Integer types of query parameters.
pub trait QueryInt: Copy + TryFrom<i128> {
    const MIN: Self;
    const MAX: Self;
}

impl QueryInt for i32 {
    const MIN: Self = i32::MIN;
    const MAX: Self = i32::MAX;
}

impl QueryInt for i64 {
    const MIN: Self = i64::MIN;
    const MAX: Self = i64::MAX;
}

/// Reads an integer query parameter (`#[serde(default, deserialize_with = "…")]`). An integer
/// beyond the type's range reads as the type's nearest bound, so the handler's range check
/// refuses it with 422 naming the parameter, like any other number out of range, instead of
/// the whole query string failing; what is not an integer at all stays a 400.
pub fn query_int<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: QueryInt,
{
    let raw = std::borrow::Cow::<str>::deserialize(deserializer)?;
    saturating_int(&raw)
        .map(Some)
        .ok_or_else(|| serde::de::Error::custom(format!("expected an integer, got {raw:?}")))
}

/// The integer `raw` spells (optional sign, decimal digits), saturated to `T`'s range.
pub fn saturating_int<T: QueryInt>(raw: &str) -> Option<T> {
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, raw.strip_prefix('+').unwrap_or(raw)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let bound = if negative { T::MIN } else { T::MAX };
    // Only digits: parsing fails only when even i128 is too small, which saturates as well.
    let value = digits
        .parse::<i128>()
        .ok()
        .and_then(|magnitude| {
            if negative {
                magnitude.checked_neg()
            } else {
                Some(magnitude)
            }
        })
        .and_then(|value| T::try_from(value).ok());
    Some(value.unwrap_or(bound))
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

    #[test]
    fn query_integers_saturate_at_the_types_bounds() {
        assert_eq!(saturating_int::<i32>("2027"), Some(2027));
        assert_eq!(saturating_int::<i32>("-12"), Some(-12));
        assert_eq!(saturating_int::<i32>("+7"), Some(7));
        assert_eq!(saturating_int::<i32>("-2147483648"), Some(i32::MIN));
        assert_eq!(saturating_int::<i32>("2147483648"), Some(i32::MAX));
        assert_eq!(saturating_int::<i32>("-99999999999"), Some(i32::MIN));
        assert_eq!(
            saturating_int::<i64>(&"9".repeat(60)),
            Some(i64::MAX),
            "beyond i128"
        );
        assert_eq!(
            saturating_int::<i64>(&format!("-{}", "9".repeat(60))),
            Some(i64::MIN)
        );
        for bad in ["", "-", "+", "12a", "1.5", " 1", "1e3", "--1", "٣"] {
            assert_eq!(saturating_int::<i64>(bad), None, "{bad:?}");
        }
    }
}
