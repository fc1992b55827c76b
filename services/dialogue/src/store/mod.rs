//! Queries of the dialogue service's own database.

pub mod schema;
