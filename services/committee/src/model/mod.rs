//! The committee's resources as its JSON API shows them, and the request bodies it takes with
//! their field checks: documented by the endpoints (`api`), returned and taken by the
//! operations (`app`). Rows become resources here; what needs queries to assemble (a topic's
//! draft and decisions, a meeting's agenda) is assembled in `app`.

pub mod bodies;
pub mod decisions;
pub mod meetings;
pub mod people;
pub mod terms;
pub mod topics;
