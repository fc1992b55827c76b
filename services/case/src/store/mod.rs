//! Queries of the case service's own database.

pub mod audit;
pub mod cases;
pub mod instruments;
pub mod plans;
pub mod retention;
pub mod schema;
pub mod statistics;
pub mod steps;

pub use qmf_platform::codes::{code, parse_code};
