//! Small helpers for reading JSON documents field by field, with error messages that name
//! the path of the offending field (`instance.organisations[3].x_km: expected a number, …`).

use chrono::{Datelike, NaiveDate};
use serde_json::{Map, Value};

use crate::error::InputError;

/// The JSON type a field must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Str,
    Int,
    Bool,
    Array,
    Object,
    Number,
}

impl Kind {
    fn describe(self) -> &'static str {
        match self {
            Kind::Str => "a string",
            Kind::Int => "an integer",
            Kind::Bool => "true or false",
            Kind::Array => "an array",
            Kind::Object => "an object",
            Kind::Number => "a number",
        }
    }

    fn matches(self, value: &Value) -> bool {
        match self {
            Kind::Str => value.is_string(),
            Kind::Int => value.is_i64() || value.is_u64(),
            Kind::Bool => value.is_boolean(),
            Kind::Array => value.is_array(),
            Kind::Object => value.is_object(),
            Kind::Number => value.is_number(),
        }
    }
}

/// Quotes a string the way the reference scorer does in its messages (`'text'`).
pub(crate) fn quote(text: &str) -> String {
    if text.contains('\'') && !text.contains('"') {
        format!("\"{text}\"")
    } else {
        format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
    }
}

/// A short JSON rendering of a value for error messages, cut to `limit` characters.
pub(crate) fn excerpt(value: &Value, limit: usize) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    text.chars().take(limit).collect()
}

/// The object behind `value`, or an error naming `path`.
pub(crate) fn object<'a>(
    value: &'a Value,
    path: &str,
) -> Result<&'a Map<String, Value>, InputError> {
    value
        .as_object()
        .ok_or_else(|| InputError::new(format!("{path}: expected an object")))
}

/// The field `key` of the object `value` (at `path`), checked to be of `kind`.
pub(crate) fn need<'a>(
    value: &'a Value,
    key: &str,
    kind: Kind,
    path: &str,
) -> Result<&'a Value, InputError> {
    let map = object(value, path)?;
    let field = map
        .get(key)
        .ok_or_else(|| InputError::new(format!("{path}: missing field {}", quote(key))))?;
    if !kind.matches(field) {
        return Err(InputError::new(format!(
            "{path}.{key}: expected {}, got {}",
            kind.describe(),
            excerpt(field, 60)
        )));
    }
    Ok(field)
}

/// A required string field.
pub(crate) fn need_str<'a>(value: &'a Value, key: &str, path: &str) -> Result<&'a str, InputError> {
    Ok(need(value, key, Kind::Str, path)?
        .as_str()
        .unwrap_or_default())
}

/// A required integer field.
pub(crate) fn need_int(value: &Value, key: &str, path: &str) -> Result<i64, InputError> {
    let field = need(value, key, Kind::Int, path)?;
    field.as_i64().ok_or_else(|| {
        InputError::new(format!(
            "{path}.{key}: integer {} is out of range",
            excerpt(field, 40)
        ))
    })
}

/// A required array field.
pub(crate) fn need_array<'a>(
    value: &'a Value,
    key: &str,
    path: &str,
) -> Result<&'a Vec<Value>, InputError> {
    Ok(need(value, key, Kind::Array, path)?
        .as_array()
        .map_or(&EMPTY, |a| a))
}

static EMPTY: Vec<Value> = Vec::new();

/// Parses a strict `YYYY-MM-DD` calendar date; `path` names the field in errors.
pub(crate) fn parse_date(value: &Value, path: &str) -> Result<NaiveDate, InputError> {
    let shape_error = || {
        InputError::new(format!(
            "{path}: expected a date YYYY-MM-DD, got {}",
            excerpt(value, 40)
        ))
    };
    let text = value.as_str().ok_or_else(shape_error)?;
    let chars: Vec<char> = text.chars().collect();
    if chars.len() != 10 || chars[4] != '-' || chars[7] != '-' {
        return Err(shape_error());
    }
    let invalid = || {
        InputError::new(format!(
            "{path}: {} is not a valid calendar date",
            quote(text)
        ))
    };
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let mut n = 0u32;
        for c in &chars[range] {
            n = n * 10 + c.to_digit(10).filter(|_| c.is_ascii_digit())?;
        }
        Some(n)
    };
    let (Some(y), Some(m), Some(d)) = (digits(0..4), digits(5..7), digits(8..10)) else {
        return Err(invalid());
    };
    let year = i32::try_from(y).map_err(|_| invalid())?;
    let date = NaiveDate::from_ymd_opt(year, m, d).ok_or_else(invalid)?;
    if date.year() < 1 {
        return Err(invalid());
    }
    Ok(date)
}

/// A required date field.
pub(crate) fn need_date(value: &Value, key: &str, path: &str) -> Result<NaiveDate, InputError> {
    let field = need(value, key, Kind::Str, path)?;
    parse_date(field, &format!("{path}.{key}"))
}
