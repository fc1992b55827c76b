//! API tests of the directory service, run in-process against PostgreSQL and RabbitMQ.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file, which keeps build time and disk use down.

mod common;

mod access;
mod admin;
mod agreements;
mod crash;
mod engagement;
mod events;
mod hardening;
mod import;
mod leadership;
mod organizations;
mod pagination;
mod people;
mod protocol;
mod shutdown;
mod smoke;
mod sync;
mod writes;
