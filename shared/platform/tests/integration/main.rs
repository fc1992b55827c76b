//! Integration tests of the platform crate: JWKS key handling and database migrations.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file, which keeps build time and disk use down.

mod jwks;
mod migrations;
