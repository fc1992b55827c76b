//! Queries of the directory's own database.

pub mod agreements;
pub mod organizations;
pub mod people;
pub mod schema;

pub use qmf_platform::codes::{code, parse_code};

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use qmf_platform::ApiError;

/// Turns violations of the directory's unique indexes into 409 problems naming the rule.
pub fn conflict_or(error: DieselError) -> ApiError {
    if let DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) = &error {
        return match info.constraint_name() {
            Some("organizations_name_unique") => ApiError::conflict(
                "organization_name_unique",
                "an organisation with this name already exists",
            ),
            Some("organizations_one_youth_office_per_district") => ApiError::conflict(
                "one_youth_office_per_district",
                "the district already has an active youth office",
            ),
            Some("agreements_one_running_per_kind") => ApiError::conflict(
                "one_running_agreement_per_kind",
                "the organisation already has a running agreement of this kind; terminate it first",
            ),
            _ => ApiError::from(error),
        };
    }
    ApiError::from(error)
}

/// SQL for the next value of the change sequence (every write takes one).
pub fn next_change_seq() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>("nextval('change_seq')")
}
