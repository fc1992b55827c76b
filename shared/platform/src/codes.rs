//! Enum codes as stored in TEXT columns: the snake_case serde name of the variant, the same
//! name the API uses, so one concept has one name in code, API, events and database.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The stored code of an enum value.
pub fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

/// Reads a stored code back; a mismatch means the schema and the code disagree (500).
pub fn parse_code<T: DeserializeOwned>(value: &str) -> Result<T, ApiError> {
    serde_json::from_value(serde_json::Value::String(value.to_string()))
        .map_err(|_| ApiError::Internal(format!("unknown stored code {value:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Kind {
        YouthOffice,
    }

    #[test]
    fn codes_round_trip_and_unknown_codes_are_internal_errors() {
        assert_eq!(code(&Kind::YouthOffice), "youth_office");
        assert_eq!(
            parse_code::<Kind>("youth_office").ok(),
            Some(Kind::YouthOffice)
        );
        assert!(matches!(
            parse_code::<Kind>("x"),
            Err(ApiError::Internal(_))
        ));
    }
}
