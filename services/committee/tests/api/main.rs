//! API tests of the committee service, run in-process against PostgreSQL and RabbitMQ.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file, which keeps build time and disk use down.

mod common;

mod bodies_and_terms;
mod hardening;
mod idempotency;
mod meetings;
mod minutes;
mod oparl;
mod oparl_sync;
mod people;
mod query_bounds;
mod topics;
