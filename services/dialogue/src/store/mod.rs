//! Queries of the dialogue service's own database.

pub mod absences;
pub mod calendar;
pub mod coverage;
pub mod cycles;
pub mod dialogues;
pub mod feeds;
pub mod hosts;
pub mod planning;
pub mod reports;
pub mod results;
pub mod schema;
