//! The case service's rules: plain Rust, no I/O.

pub mod access;
pub mod case_file;
pub mod codes;
pub mod instruments;
pub mod participation;
pub mod process;
pub mod responsibility;
pub mod retention;
pub mod rules;
