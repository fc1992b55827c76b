//! Integration tests of the platform crate: JWKS key handling, database migrations and the
//! job runner.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file, which keeps build time and disk use down.

mod jobs;
mod jwks;
mod metrics;
mod migrations;
mod pool;
mod prepared;
mod together;
