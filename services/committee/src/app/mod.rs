//! Operations, one per use case. Each runs on the connection it is given: for a write, inside
//! the transaction of the request's `qmf_platform::Write`, so that the change, its events and
//! the idempotent answer commit together. An operation locks what it changes, checks access
//! (`domain::access`) and the rules (`domain`), reads and writes through `store`, publishes
//! through `events`, and returns the resource (`model`) the endpoint answers with.
//!
//! This is the only layer that orchestrates: operations call each other where one use case
//! implies another (a Forum decision sets up a working group, a cancelled meeting takes its
//! topics off the agenda, an escalated finding becomes a topic).

pub mod agenda;
pub mod bodies;
pub mod decisions;
pub mod invitations;
pub mod meetings;
pub mod memberships;
pub mod minutes;
pub mod people;
pub mod seats;
pub mod terms;
pub mod topic_steps;
pub mod topics;
