//! API tests of the dialogue service, run in-process against PostgreSQL and RabbitMQ.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file.

mod common;

mod absences;
mod calendar;
mod coverage;
mod cycles;
mod dialogues;
mod hosts;
mod idempotency;
mod invitations;
mod planning;
mod reports;
mod results;
