//! Field checks shared by the directory's drafts.

use qmf_platform::FieldError;

/// Collects field errors; each check names the JSON pointer it guards.
#[derive(Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn fail(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(pointer, message));
    }

    /// Trimmed text with a length between `min` and `max` characters.
    pub fn text(&mut self, pointer: &str, value: &str, min: usize, max: usize) {
        let len = value.trim().chars().count();
        if len < min {
            if min == 1 {
                self.fail(pointer, "must not be empty");
            } else {
                self.fail(pointer, format!("must have at least {min} characters"));
            }
        } else if len > max {
            self.fail(pointer, format!("must have at most {max} characters"));
        } else if value.chars().any(char::is_control) {
            self.fail(pointer, "must not contain control characters");
        }
    }

    pub fn optional_text(&mut self, pointer: &str, value: Option<&str>, max: usize) {
        if let Some(value) = value {
            self.text(pointer, value, 1, max);
        }
    }

    /// A plausible e-mail address: one `@`, a dot in the domain, no spaces.
    pub fn email(&mut self, pointer: &str, value: Option<&str>) {
        let Some(value) = value else { return };
        let valid = value.len() <= 254
            && !value.chars().any(char::is_whitespace)
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if !valid {
            self.fail(
                pointer,
                "must be an e-mail address such as name@example.org",
            );
        }
    }

    /// Digits with the usual separators, optionally starting with `+`.
    pub fn phone(&mut self, pointer: &str, value: Option<&str>) {
        let Some(value) = value else { return };
        let digits = value.chars().filter(char::is_ascii_digit).count();
        let allowed = value
            .chars()
            .enumerate()
            .all(|(i, c)| c.is_ascii_digit() || " -/()".contains(c) || (c == '+' && i == 0));
        if !allowed || !(3..=20).contains(&digits) || value.len() > 40 {
            self.fail(pointer, "must be a phone number such as +49 7131 56-0");
        }
    }

    pub fn finish(self) -> Result<(), Vec<FieldError>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}
