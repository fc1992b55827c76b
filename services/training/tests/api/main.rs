//! API tests of the training service, run in-process against PostgreSQL and RabbitMQ.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file.

mod common;

mod attendance;
mod catalogue;
mod certificates;
mod feeds;
mod needs;
mod proposals;
mod registrations;
mod reminders;
