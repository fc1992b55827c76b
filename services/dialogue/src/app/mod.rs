//! The dialogue service's operations: each checks its rules and writes with its events in the
//! caller's transaction. Handlers call these; these never call handlers.

pub mod absences;
pub mod calendar;
pub mod cycles;
pub mod dialogues;
pub mod hosts;
pub mod invitations;
pub mod planning;
pub mod reports;
pub mod results;

/// Today in the region (Europe/Berlin).
pub fn today() -> chrono::NaiveDate {
    qmf_platform::region::today()
}
