//! API tests of the case service, run in-process against PostgreSQL and RabbitMQ.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file, which keeps build time and disk use down.

mod common;

mod audit;
mod commands;
mod hardening;
mod instruments;
mod intake;
mod oversight;
mod process;
mod responsibility;
