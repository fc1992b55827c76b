//! The training service's rules, free of I/O.
pub mod access;
pub mod attendance;
pub mod calendar;
pub mod certificates;
pub mod courses;
pub mod exports;
pub mod needs;
pub mod rules;
pub mod seats;
pub mod sessions;
