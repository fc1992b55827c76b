//! The committee service's rules: plain Rust, no I/O.

pub mod bodies;
pub mod decisions;
pub mod ical;
pub mod meetings;
pub mod oparl;
pub mod terms;
pub mod topics;
