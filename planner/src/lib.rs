//! Quality-dialogue cycle planner of the QMF platform (problem v1).
//!
//! - [`model`]: the instance and solution files (parsing with field-path errors, writing);
//! - [`score`]: the full scorer, identical to the reference `validate.py`;
//! - [`replan`]: pinned dialogues and minimal change against a previous plan.

mod error;
mod json;

pub mod model;
pub mod replan;
pub mod score;

pub use error::InputError;
pub use model::{Instance, Plan, Scheduled, Solution};
pub use score::{Evaluation, Score, evaluate};
