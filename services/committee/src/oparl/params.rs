//! The rules of OParl object lists: the `created_*`/`modified_*` filters, the page size, and
//! the query string every page link carries. Plain Rust, no I/O.

use chrono::{DateTime, SecondsFormat, Utc};
use qmf_platform::{ApiError, FieldError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Page size of object lists when the client asks for none.
pub const DEFAULT_PAGE_SIZE: i64 = 100;
/// Largest page size; larger requests are served with this size (OParl clients must not
/// expect the server to honour their page size).
pub const MAX_PAGE_SIZE: i64 = 200;

/// The `created_*`/`modified_*` filters of an OParl list; bounds are inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub created_since: Option<DateTime<Utc>>,
    pub created_until: Option<DateTime<Utc>>,
    pub modified_since: Option<DateTime<Utc>>,
    pub modified_until: Option<DateTime<Utc>>,
}

impl ListFilter {
    /// Whether an object with these timestamps passes the filter.
    pub fn matches(&self, created: DateTime<Utc>, modified: DateTime<Utc>) -> bool {
        self.created_since.is_none_or(|t| created >= t)
            && self.created_until.is_none_or(|t| created <= t)
            && self.modified_since.is_none_or(|t| modified >= t)
            && self.modified_until.is_none_or(|t| modified <= t)
    }
}

/// Where a page of a list starts, as its cursor holds it: after the object `after`, in the list
/// as of `horizon`, the sync horizon of the list's first page (see `store::sync_horizon`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub after: Uuid,
    pub horizon: DateTime<Utc>,
}

/// The list parameters as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawListParams<'a> {
    pub created_since: Option<&'a str>,
    pub created_until: Option<&'a str>,
    pub modified_since: Option<&'a str>,
    pub modified_until: Option<&'a str>,
    pub limit: Option<i64>,
    pub elements_per_page: Option<i64>,
    pub omit_internal: Option<bool>,
    pub cursor: Option<&'a str>,
}

/// Checked list parameters; every page link carries them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub filter: ListFilter,
    /// Effective page size.
    pub limit: i64,
    /// Leave out the lists of embedded objects (`Meeting.agendaItem`, `Paper.consultation`).
    pub omit_internal: bool,
    /// The cursor of the requested page (none: the first page).
    pub cursor: Option<String>,
}

/// Parses an RFC 3339 date-time with offset. A `+` that arrived unencoded in the query string
/// was decoded as a space; it is read as `+` again.
fn parse_time(pointer: &str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    let text = raw.trim().replace(' ', "+");
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                pointer,
                "must be a date-time with time zone (RFC 3339), e.g. 2027-01-01T00:00:00+01:00",
            )
        })
}

impl ListParams {
    pub fn parse(raw: &RawListParams<'_>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let mut time = |name: &str, value: Option<&str>| {
            value.and_then(|v| {
                parse_time(&format!("/query/{name}"), v)
                    .map_err(|e| errors.push(e))
                    .ok()
            })
        };
        let filter = ListFilter {
            created_since: time("created_since", raw.created_since),
            created_until: time("created_until", raw.created_until),
            modified_since: time("modified_since", raw.modified_since),
            modified_until: time("modified_until", raw.modified_until),
        };
        let requested = [
            ("limit", raw.limit),
            ("elementsPerPage", raw.elements_per_page),
        ];
        let mut limit = DEFAULT_PAGE_SIZE;
        for (name, value) in requested.iter().rev() {
            if let Some(n) = *value {
                if n < 1 {
                    errors.push(FieldError::new(
                        format!("/query/{name}"),
                        "must be at least 1",
                    ));
                } else {
                    limit = n.min(MAX_PAGE_SIZE);
                }
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(ListParams {
            filter,
            limit,
            omit_internal: raw.omit_internal.unwrap_or(false),
            cursor: raw.cursor.filter(|c| !c.is_empty()).map(str::to_string),
        })
    }

    /// The query string of a page of this list: the filters, the page size, `omit_internal`
    /// and the page's cursor, percent-encoded. Filter times are written in UTC.
    pub fn query(&self, cursor: Option<&str>) -> String {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let f = &self.filter;
        for (name, value) in [
            ("created_since", f.created_since),
            ("created_until", f.created_until),
            ("modified_since", f.modified_since),
            ("modified_until", f.modified_until),
        ] {
            if let Some(value) = value {
                pairs.push((name, time(value)));
            }
        }
        if self.limit != DEFAULT_PAGE_SIZE {
            pairs.push(("limit", self.limit.to_string()));
        }
        if self.omit_internal {
            pairs.push(("omit_internal", "true".to_string()));
        }
        if let Some(cursor) = cursor {
            pairs.push(("cursor", cursor.to_string()));
        }
        pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value: everything but RFC 3986 unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn raw<'a>() -> RawListParams<'a> {
        RawListParams::default()
    }

    #[test]
    fn filters_are_parsed_checked_and_written_back() {
        let params = ListParams::parse(&RawListParams {
            created_since: Some("2027-01-01T00:00:00+01:00"),
            // An unencoded `+` arrives as a space.
            modified_until: Some("2027-02-01T10:00:00.5 01:00"),
            limit: Some(5),
            omit_internal: Some(true),
            ..raw()
        })
        .unwrap();
        assert_eq!(
            params.filter.created_since.unwrap().to_rfc3339(),
            "2026-12-31T23:00:00+00:00"
        );
        assert_eq!(params.limit, 5);
        assert_eq!(
            params.query(Some("abc")),
            "created_since=2026-12-31T23%3A00%3A00Z&modified_until=2027-02-01T09%3A00%3A00.500Z\
             &limit=5&omit_internal=true&cursor=abc"
        );
        assert_eq!(ListParams::parse(&raw()).unwrap().query(None), "");

        let bad = ListParams::parse(&RawListParams {
            created_since: Some("2027-01-01"),
            modified_since: Some("yesterday"),
            limit: Some(0),
            ..raw()
        });
        let Err(ApiError::Validation(errors)) = bad else {
            panic!("expected a validation error");
        };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/query/created_since",
                "/query/modified_since",
                "/query/limit"
            ]
        );
    }

    #[test]
    fn page_size_has_a_default_and_a_cap() {
        assert_eq!(ListParams::parse(&raw()).unwrap().limit, DEFAULT_PAGE_SIZE);
        let big = RawListParams {
            limit: Some(10_000),
            ..raw()
        };
        assert_eq!(ListParams::parse(&big).unwrap().limit, MAX_PAGE_SIZE);
        let alias = RawListParams {
            elements_per_page: Some(7),
            ..raw()
        };
        assert_eq!(ListParams::parse(&alias).unwrap().limit, 7);
        let both = RawListParams {
            limit: Some(3),
            elements_per_page: Some(7),
            ..raw()
        };
        assert_eq!(ListParams::parse(&both).unwrap().limit, 3);
    }

    #[test]
    fn filter_bounds_are_inclusive() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let filter = ListFilter {
            modified_since: Some(t("2027-01-01T00:00:00Z")),
            created_until: Some(t("2027-01-01T00:00:00Z")),
            ..ListFilter::default()
        };
        assert!(filter.matches(t("2027-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z")));
        assert!(!filter.matches(t("2027-01-01T00:00:01Z"), t("2027-01-02T00:00:00Z")));
        assert!(!filter.matches(t("2026-01-01T00:00:00Z"), t("2026-12-31T23:59:59Z")));
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(percent_encode("a+b:c/ä"), "a%2Bb%3Ac%2F%C3%A4");
    }
}
