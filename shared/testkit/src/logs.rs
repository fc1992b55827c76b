//! The logs of a test run, kept for the check that no personal data is ever logged.
//!
//! When `QMF_TEST_LOG_DIR` is set (`cargo xtask test` sets it), the first service a test
//! process starts installs the production log format (JSON lines, HTTP request spans with
//! `request_id` and `trace_id`) writing to `<dir>/<pid>.log.jsonl`, at `QMF_TEST_LOG` (default
//! `info,qmf=debug`: more than production logs). Every personal value a test sends in a JSON
//! body (names, contact data, addresses of people: [`PERSONAL_FIELDS`]) is written to
//! `<dir>/<pid>.personal.txt`. After the run, `cargo xtask test` reads both and fails when a
//! log line holds any of those values. Without the variable nothing is captured.

use std::collections::HashSet;
use std::fs::File;
use std::io::{LineWriter, Write};
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

/// JSON members whose string values are personal data in a request body of any service:
/// the names and contact data of people (directory staff, custody holders, young people,
/// training participants). An organisation's address is an object and not personal.
pub const PERSONAL_FIELDS: &[&str] = &["given_name", "family_name", "email", "phone", "address"];

struct Capture {
    personal: Mutex<(HashSet<String>, LineWriter<File>)>,
    _telemetry: Option<qmf_platform::telemetry::TelemetryGuard>,
}

static CAPTURE: OnceLock<Option<Capture>> = OnceLock::new();

fn capture() -> Option<&'static Capture> {
    CAPTURE
        .get_or_init(|| {
            let dir = PathBuf::from(std::env::var_os("QMF_TEST_LOG_DIR")?);
            std::fs::create_dir_all(&dir)
                .unwrap_or_else(|e| panic!("QMF_TEST_LOG_DIR {}: {e}", dir.display()));
            let pid = std::process::id();
            let open = |name: String| {
                let path = dir.join(name);
                File::create(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            };
            let log = Mutex::new(LineWriter::new(open(format!("{pid}.log.jsonl"))));
            let filter = std::env::var("QMF_TEST_LOG").unwrap_or_else(|_| "info,qmf=debug".into());
            // A test binary that installs its own subscriber (the trace test) keeps it; its
            // logs are then not captured.
            let telemetry = qmf_platform::telemetry::init_json_to(&filter, log).ok();
            let personal = LineWriter::new(open(format!("{pid}.personal.txt")));
            Some(Capture {
                personal: Mutex::new((HashSet::new(), personal)),
                _telemetry: telemetry,
            })
        })
        .as_ref()
}

/// Starts capturing this process's logs if `QMF_TEST_LOG_DIR` is set; called when a service
/// starts.
pub fn start() {
    let _ = capture();
}

/// Records the personal values in a request body (see [`PERSONAL_FIELDS`]).
pub fn note_personal_data<T: serde::Serialize + ?Sized>(body: &T) {
    let Some(capture) = capture() else { return };
    let Ok(body) = serde_json::to_value(body) else {
        return;
    };
    let mut found = Vec::new();
    collect(&body, &mut found);
    if found.is_empty() {
        return;
    }
    let mut guard = capture
        .personal
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (seen, file) = &mut *guard;
    for value in found {
        if seen.insert(value.clone()) {
            // One value per line; values with line breaks are refused by the services anyway.
            let _ = writeln!(file, "{}", value.replace(['\n', '\r'], " "));
        }
    }
}

fn collect(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                match member {
                    Value::String(text) if PERSONAL_FIELDS.contains(&key.as_str()) => {
                        let text = text.trim();
                        if !text.is_empty() {
                            found.push(text.to_string());
                        }
                    }
                    other => collect(other, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| collect(item, found)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn personal_values_are_found_at_any_depth_and_only_under_personal_names() {
        let body = serde_json::json!({
            "name": "Jugendamt Heilbronn",
            "address": {"street": "Allee 40", "city": "Heilbronn"},
            "young_person": {"given_name": "Mia", "family_name": " Beispiel ", "date_of_birth": "2014-03-02"},
            "custody_holders": [{"given_name": "Sandra", "phone": "+49 7131 555", "email": null,
                "address": "Musterweg 3"}],
        });
        let mut found = Vec::new();
        collect(&body, &mut found);
        found.sort();
        assert_eq!(
            found,
            ["+49 7131 555", "Beispiel", "Mia", "Musterweg 3", "Sandra"]
        );
    }
}
