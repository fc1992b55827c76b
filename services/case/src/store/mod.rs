//! Queries of the case service's own database.

pub mod directory_copy;
pub mod schema;
