//! Queries of the directory's own database.

pub mod agreements;
pub mod engagement;
pub mod leadership;
pub mod organizations;
pub mod people;
pub mod schema;

pub use qmf_platform::codes::{code, parse_code};

use diesel::result::Error as DieselError;
use qmf_platform::db::unique_violation;
use qmf_platform::{ApiError, RuleName as _};

use crate::domain::rules::Rule;

/// Turns violations of the directory's unique indexes into 409 problems naming the rule.
pub fn conflict_or(error: DieselError) -> ApiError {
    unique_violation(error, |constraint| match constraint {
        "organizations_name_unique" => Some(
            Rule::OrganizationNameUnique.conflict("an organisation with this name already exists"),
        ),
        "organizations_one_youth_office_per_district" => Some(
            Rule::OneYouthOfficePerDistrict
                .conflict("the district already has an active youth office"),
        ),
        "agreements_one_running_per_kind" => Some(Rule::OneRunningAgreementPerKind.conflict(
            "the organisation already has a running agreement of this kind; terminate it first",
        )),
        _ => None,
    })
}

/// SQL for the next value of the change sequence (every write takes one).
pub fn next_change_seq() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>("nextval('change_seq')")
}
