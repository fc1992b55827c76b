//! Quality-dialogue cycle planner of the QMF platform (problem v1).
//!
//! - [`model`]: the instance and solution files (parsing with field-path errors, writing);
//! - [`score`]: the full scorer, identical to the reference `validate.py`;
//! - [`solver`]: construction and simulated annealing within a time budget, on several
//!   threads, deterministic for a given seed, thread count and epoch limit;
//! - [`replan`]: pinned dialogues and minimal change against a previous plan;
//! - [`explain`]: every broken rule and soft term in plain English.

#![warn(missing_docs)]

mod error;
mod json;

pub mod explain;
pub mod model;
pub mod replan;
pub mod score;
pub mod solver;

pub use error::InputError;
pub use model::{Instance, Plan, Scheduled, Solution};
pub use score::{Evaluation, Score, evaluate};
