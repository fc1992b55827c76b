//! The training service's operations, one per use case, run in the request's transaction.

pub mod attendance;
pub mod catalogue;
pub mod certificates;
pub mod exports;
pub mod feeds;
pub mod needs;
pub mod registrations;
pub mod reminders;

/// Today in the service's clock (UTC date).
pub fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}
