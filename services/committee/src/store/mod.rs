//! Queries of the committee service's own database.

pub mod bodies;
pub mod decisions;
pub mod meetings;
pub mod oparl;
pub mod people;
pub mod schema;
pub mod terms;
pub mod topics;

pub use qmf_platform::codes::{code, parse_code};
