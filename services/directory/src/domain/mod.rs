//! The directory's rules: plain Rust, no I/O.

pub mod access;
pub mod agreement;
pub mod organization;
pub mod person;
mod text;
