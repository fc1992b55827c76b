//! The dialogue service's rules, free of I/O.
pub mod absences;
pub mod access;
pub mod cycles;
pub mod hosts;
pub mod rules;
