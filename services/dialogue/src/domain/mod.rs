//! The dialogue service's rules, free of I/O.
pub mod absences;
pub mod access;
pub mod calendar;
pub mod cycles;
pub mod dialogues;
pub mod hosts;
pub mod ical;
pub mod planning;
pub mod reports;
pub mod results;
pub mod rules;
pub mod school_holidays;
