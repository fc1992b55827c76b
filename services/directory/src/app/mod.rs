//! The directory's operations, one per use case. Each runs on the connection of the request's
//! write transaction (`qmf_platform::Write`) or of a read, applies the rules of `domain/`
//! and the queries of `store/`, and writes its event to the outbox in the same transaction.
//! Handlers in `api/` call exactly one operation; nothing here knows HTTP.

pub mod agreements;
pub mod engagement;
pub mod import;
pub mod leadership;
pub mod organizations;
pub mod people;
pub mod republish;

use chrono::NaiveDate;

/// The day rules are evaluated on: today in the region (Europe/Berlin), so that a statement
/// dated by its leader in Heilbronn after midnight is not "in the future", and the engagement
/// view counts what the other services dated on the region's calendar (a measure completed
/// today in the dialogue service) as done today.
pub fn today() -> NaiveDate {
    qmf_platform::region::today()
}
