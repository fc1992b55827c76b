//! Commands that move a case through the regional process, one file per process step. Each
//! handler decides access, checks the body and runs its command through the one command runner
//! (`app::commands::run`) inside the write's transaction; it answers with the case and its new
//! ETag.

pub mod assessment;
pub mod closing;
pub mod help;
pub mod plan;
pub mod review;
pub mod transfer;
