//! The check after the test run that the services' logs hold no personal data and have the
//! production shape.
//!
//! The tests step runs with `QMF_TEST_LOG_DIR` set: each test process writes its services'
//! logs as production JSON lines (`<pid>.log.jsonl`) and every personal value its tests sent
//! (`<pid>.personal.txt`; see `qmf_testkit::logs`). This step reads them all and fails when
//! - a log line is not a JSON object with `timestamp`, `level` and `target`;
//! - a line logged inside an HTTP request span lacks the span's `request_id` or `trace_id`;
//! - any log line holds any personal value of any test, as whole words (case-insensitive);
//! - there is too little to judge (no HTTP request lines or no personal values): the capture
//!   itself would be broken.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::Result;
use crate::ctx::Ctx;

/// Where the tests step keeps the run's logs (emptied before each run).
pub fn dir(ctx: &Ctx) -> PathBuf {
    ctx.state.join("test-logs")
}

/// Empties the log directory before a run.
pub fn prepare(ctx: &Ctx) -> Result<PathBuf> {
    let dir = dir(ctx);
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// What one scan found.
#[derive(Debug, Default)]
pub struct Findings {
    pub lines: usize,
    pub request_lines: usize,
    pub personal_values: usize,
    pub problems: Vec<String>,
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let dir = dir(ctx);
    let findings = scan(&dir)?;
    println!(
        "xtask: logs: {} lines ({} inside HTTP requests) scanned for {} personal values sent by the tests",
        findings.lines, findings.request_lines, findings.personal_values
    );
    crate::check::verdict(
        &findings.problems,
        &format!("in the logs of the test run ({})", ctx.display_path(&dir)),
    )
}

pub fn scan(dir: &Path) -> Result<Findings> {
    let mut logs = Vec::new();
    let mut values = HashSet::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.ends_with(".log.jsonl") {
            logs.push(path);
        } else if name.ends_with(".personal.txt") {
            for line in std::fs::read_to_string(&path)?.lines() {
                if identifying(line) {
                    values.insert(line.to_string());
                }
            }
        }
    }
    logs.sort();
    let matcher = Matcher::new(values.iter().map(String::as_str));
    let mut findings = Findings {
        personal_values: values.len(),
        ..Findings::default()
    };
    for path in &logs {
        let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("?");
        for (number, line) in std::fs::read_to_string(path)?.lines().enumerate() {
            findings.lines += 1;
            let at = format!("{file}:{}", number + 1);
            check_line(line, &at, &matcher, &mut findings);
        }
    }
    if findings.request_lines == 0 {
        findings
            .problems
            .push("no log line inside an HTTP request: were the logs captured?".into());
    }
    if findings.personal_values == 0 {
        findings
            .problems
            .push("no personal values recorded: were the request bodies noted?".into());
    }
    Ok(findings)
}

fn check_line(line: &str, at: &str, matcher: &Matcher, findings: &mut Findings) {
    let record: Value = match serde_json::from_str(line) {
        Ok(record @ Value::Object(_)) => record,
        _ => {
            findings.problems.push(format!("{at}: not a JSON object"));
            return;
        }
    };
    for field in ["timestamp", "level", "target"] {
        if record.get(field).and_then(Value::as_str).is_none() {
            findings.problems.push(format!("{at}: no `{field}`"));
        }
    }
    if record["span"]["name"] == "HTTP request" {
        findings.request_lines += 1;
        let span = &record["span"];
        let request_id = span["request_id"].as_str().unwrap_or("");
        let trace_id = span["trace_id"].as_str().unwrap_or("");
        if request_id.is_empty() {
            findings
                .problems
                .push(format!("{at}: HTTP request span without request_id"));
        }
        if trace_id.len() != 32 || !trace_id.bytes().all(|b| b.is_ascii_hexdigit()) {
            findings
                .problems
                .push(format!("{at}: HTTP request span without a W3C trace_id"));
        }
    }
    for value in matcher.find(line) {
        // The value itself is not repeated in the report: it is personal data.
        findings.problems.push(format!(
            "{at}: holds a personal value a test sent ({} characters, starting {:?})",
            value.chars().count(),
            value.chars().take(2).collect::<String>()
        ));
    }
}

/// Whether a value sent as personal data could identify anyone in a log line. The tests also
/// send values the services refuse (`"12"` as a phone number, `"x"` as a name); those are too
/// short to find as words without matching every count and port in the logs, and a bare
/// domain would match every example URL.
fn identifying(value: &str) -> bool {
    // An e-mail address without its local part (`@example.org`) names no one.
    if value.starts_with('@') {
        return false;
    }
    let alphanumeric = value.chars().filter(|c| c.is_alphanumeric()).count();
    let digits = value.chars().filter(char::is_ascii_digit).count();
    alphanumeric >= 3 && (alphanumeric > digits || digits >= 6)
}

/// Whole-word, case-insensitive matching of many values against a line: values and lines are
/// cut into words (letters and digits); a value matches where its words follow one another in
/// the line. `Anna` matches `"Anna Lehmann"` and `anna@x.de`, not `Annabell` or `Hanna`.
struct Matcher {
    /// First word → the values (as words) that start with it, and the value.
    by_first_word: HashMap<String, Vec<(Vec<String>, String)>>,
}

impl Matcher {
    fn new<'a>(values: impl Iterator<Item = &'a str>) -> Matcher {
        let mut by_first_word: HashMap<String, Vec<(Vec<String>, String)>> = HashMap::new();
        for value in values {
            let words = words(value);
            if let Some(first) = words.first() {
                by_first_word
                    .entry(first.clone())
                    .or_default()
                    .push((words.clone(), value.to_string()));
            }
        }
        Matcher { by_first_word }
    }

    fn find(&self, line: &str) -> Vec<&str> {
        let line = words(line);
        let mut found = BTreeMap::new();
        for (at, word) in line.iter().enumerate() {
            for (value_words, value) in self.by_first_word.get(word).into_iter().flatten() {
                if line[at..].starts_with(value_words) {
                    found.insert(value.as_str(), ());
                }
            }
        }
        found.into_keys().collect()
    }
}

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    const REQUEST_LINE: &str = r#"{"timestamp":"2026-12-05T08:00:00Z","level":"INFO","target":"qmf_case::api","message":"case opened","span":{"name":"HTTP request","request_id":"0193","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"}}"#;

    fn scan_of(log: &str, personal: &str) -> Findings {
        let dir = std::env::temp_dir().join(format!("qmf-log-scan-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("1.log.jsonl"), log).unwrap();
        std::fs::write(dir.join("1.personal.txt"), personal).unwrap();
        let findings = scan(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        findings
    }

    #[test]
    fn a_clean_log_passes() {
        let findings = scan_of(REQUEST_LINE, "Mia\nBeispiel\n");
        assert!(findings.problems.is_empty(), "{:?}", findings.problems);
        assert_eq!((findings.lines, findings.request_lines), (1, 1));
    }

    #[test]
    fn a_name_in_a_log_line_fails_without_being_repeated() {
        let line = REQUEST_LINE.replace("case opened", "case opened for mia Beispiel");
        let findings = scan_of(&line, "Mia\nBeispiel\nMusterweg 3\n");
        assert_eq!(findings.problems.len(), 2, "{:?}", findings.problems);
        assert!(findings.problems.iter().all(|p| !p.contains("Beispiel")));
    }

    #[test]
    fn values_too_short_to_identify_anyone_are_not_searched() {
        let identifying: Vec<&str> = [
            "12",
            "x",
            "1-2",
            "12345",
            "@example.org",
            "Mia",
            "Lio",
            "+49 7131 555",
            "a.b",
            "ab@x.de",
        ]
        .into_iter()
        .filter(|v| identifying(v))
        .collect();
        assert_eq!(identifying, ["Mia", "Lio", "+49 7131 555", "ab@x.de"]);
    }

    #[test]
    fn values_match_as_whole_words_only() {
        let matcher = Matcher::new(["Anna", "Musterweg 3", "+49 7131 555-0101"].into_iter());
        assert_eq!(matcher.find("sent to anna@example.org"), ["Anna"]);
        assert!(matcher.find("Annabell and Hanna, Musterweg 31").is_empty());
        assert_eq!(
            matcher.find(r#"{"a":"Musterweg 3, Heilbronn"}"#),
            ["Musterweg 3"]
        );
        assert_eq!(
            matcher.find("phone 49 7131 555 0101"),
            ["+49 7131 555-0101"]
        );
    }

    #[test]
    fn request_lines_need_request_and_trace_ids_and_lines_need_json() {
        let line = REQUEST_LINE.replace(r#","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736""#, "");
        let findings = scan_of(&format!("{line}\nplain text\n"), "Mia\n");
        assert_eq!(findings.problems.len(), 2, "{:?}", findings.problems);
    }

    #[test]
    fn an_empty_capture_fails() {
        let findings = scan_of("", "");
        assert_eq!(findings.problems.len(), 2, "{:?}", findings.problems);
    }
}
