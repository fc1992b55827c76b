//! The error of reading an instance or solution file.

/// A missing, unreadable or malformed input file; the message is one line and names the
/// field path (`solution.dialogues[3].date: '2026-02-30' is not a valid calendar date`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InputError {
    message: String,
}

impl InputError {
    /// An error with the given one-line message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// The message, without a program prefix.
    pub fn message(&self) -> &str {
        &self.message
    }
}
