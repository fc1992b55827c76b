//! The dialogue service's rules, free of I/O.
pub mod calendar;
pub mod ical;
pub mod school_holidays;
