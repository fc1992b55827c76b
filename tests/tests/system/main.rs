//! System tests: several services in one process, talking through RabbitMQ like in production.
//!
//! All integration tests of this crate build into this one binary: one link step and one
//! executable instead of one per file, which keeps build time and disk use down.

mod common;

mod access_matrix;
mod contracts;
mod directory_to_case;
mod documented_examples;
mod engagement_view;
mod help_case_flow;
mod late_subscriber;
mod planning_a_cycle;
mod quality_dialogue;
mod service_shell;
mod topic_to_forum_decision;
mod training_flow;
