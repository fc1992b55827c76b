//! The directory's rules: plain Rust, no I/O.

pub mod access;
pub mod agreement;
pub mod engagement;
pub mod import;
pub mod leadership;
pub mod organization;
pub mod person;
pub mod rules;
mod text;

use qmf_platform::ApiError;

/// Trimmed search text of a `q` parameter, or `None` when blank; at most 100 characters.
pub fn search_text(q: Option<String>) -> Result<Option<String>, ApiError> {
    match q.map(|q| q.trim().to_string()).filter(|q| !q.is_empty()) {
        Some(q) if q.chars().count() > 100 => Err(ApiError::validation(
            "/query/q",
            "must have at most 100 characters",
        )),
        other => Ok(other),
    }
}
