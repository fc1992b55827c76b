//! The committee service's rules: plain Rust, no I/O.

pub mod bodies;
pub mod decisions;
pub mod ical;
pub mod meetings;
pub mod terms;
pub mod topics;

use qmf_platform::ApiError;

/// A rule a request can break: refused with 409, the rule's name in the problem's `rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule(&'static str);

impl Rule {
    pub const fn new(name: &'static str) -> Rule {
        Rule(name)
    }

    /// The name clients see in the problem's `rule`.
    pub const fn name(self) -> &'static str {
        self.0
    }

    /// The 409 problem of a request that breaks the rule.
    pub fn conflict(self, detail: impl Into<String>) -> ApiError {
        ApiError::conflict(self.0, detail)
    }
}
