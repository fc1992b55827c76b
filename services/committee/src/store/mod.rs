//! Queries of the committee service's own database.

pub mod bodies;
pub mod schema;
pub mod terms;

use qmf_platform::ApiError;
use serde::de::DeserializeOwned;

/// Reads a stored enum code back; a mismatch means the schema and code disagree.
pub fn parse_code<T: DeserializeOwned>(value: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| ApiError::Internal(format!("unknown stored code {value:?}")))
}

/// The text code of an enum as stored (its snake_case serde name).
pub fn code<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
