//! The committee service's rules: plain Rust, no I/O.

pub mod access;
pub mod bodies;
pub mod decisions;
pub mod ical;
pub mod meetings;
pub mod rules;
pub mod terms;
pub mod topics;

pub use rules::Rule;
