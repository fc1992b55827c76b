//! Queries of the committee service's own database.

pub mod bodies;
pub mod meetings;
pub mod oparl;
pub mod schema;
pub mod terms;

pub use qmf_platform::codes::{code, parse_code};
