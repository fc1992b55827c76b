//! Queries of the training service's own database.

pub mod attendance;
pub mod certificates;
pub mod courses;
pub mod feeds;
pub mod needs;
pub mod proposals;
pub mod registrations;
pub mod sessions;
