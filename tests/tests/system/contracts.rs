//! The API and event documents must describe what the code does, in a form generators accept:
//! every schema name stands for one Rust type, and the AsyncAPI document lists exactly the
//! subscriptions the services bind at start.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use qmf_contracts::asyncapi::CONSUMERS;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

/// The name after `as =` in a `#[schema(...)]` attribute: the schema name the type registers.
fn schema_alias(attribute: &str) -> Option<String> {
    let compact: String = attribute.split_whitespace().collect::<Vec<_>>().join(" ");
    let start = compact.find("as = ")? + "as = ".len();
    let path: String = compact[start..]
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        .collect();
    path.rsplit("::").next().map(str::to_string)
}

/// The item name in a line such as `pub(crate) struct Page<T> {`.
fn item_name(line: &str) -> Option<String> {
    let mut words = line.split_whitespace();
    while let Some(word) = words.next() {
        if word == "struct" || word == "enum" {
            let name: String = words
                .next()?
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            return Some(name);
        }
        if !(word == "pub" || word.starts_with("pub(")) {
            return None;
        }
    }
    None
}

/// Every type deriving `ToSchema` in `file`: (schema name, Rust type name).
fn schema_types(file: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(file).unwrap();
    let mut found = Vec::new();
    let mut derives = false;
    let mut alias = None;
    let mut attribute = String::new();
    for line in text.lines().map(str::trim) {
        if !attribute.is_empty() || line.starts_with("#[") {
            attribute.push_str(line);
            attribute.push(' ');
            if attribute.matches('[').count() > attribute.matches(']').count() {
                continue;
            }
            if attribute.starts_with("#[derive(") && attribute.contains("ToSchema") {
                derives = true;
            } else if attribute.starts_with("#[schema(")
                && let Some(name) = schema_alias(&attribute)
            {
                alias = Some(name);
            }
            attribute.clear();
            continue;
        }
        if line.starts_with("//") || line.is_empty() {
            continue;
        }
        if derives && let Some(name) = item_name(line) {
            found.push((alias.take().unwrap_or_else(|| name.clone()), name));
        }
        derives = false;
        alias = None;
    }
    found
}

#[test]
fn schema_names_are_unique_within_each_document() {
    let shared = [
        "shared/platform/src",
        "shared/contracts/src",
        "shared/directory-copy/src",
    ];
    let mut failures = Vec::new();
    let mut total = 0;
    for service in ["directory", "case", "committee", "dialogue", "training"] {
        let mut files = Vec::new();
        for dir in shared
            .iter()
            .copied()
            .chain([format!("services/{service}/src").as_str()])
        {
            rust_files(&root().join(dir), &mut files);
        }
        let mut by_name: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for file in &files {
            for (schema, rust) in schema_types(file) {
                let place = format!(
                    "{} in {}",
                    rust,
                    file.strip_prefix(root()).unwrap_or(file).display()
                );
                by_name.entry(schema).or_default().push(place);
            }
        }
        total += by_name.len();
        for (name, types) in by_name {
            if types.len() > 1 {
                failures.push(format!(
                    "{service}: schema `{name}` is registered by {} (give one `#[schema(as = ...)]`)",
                    types.join(" and ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The walk found the types; an empty walk would prove nothing.
    assert!(total > 200, "only {total} schema types found");
}

#[test]
fn the_event_document_lists_the_bindings_the_services_declare() {
    let documented = |service: &str| {
        let consumer = CONSUMERS
            .iter()
            .find(|c| c.service == service)
            .unwrap_or_else(|| panic!("{service} is not among the documented consumers"));
        let mut keys: Vec<String> = consumer.events.iter().map(|k| k.to_string()).collect();
        keys.sort();
        keys
    };
    let sorted = |mut keys: Vec<String>| {
        keys.sort();
        keys
    };
    assert_eq!(
        documented("directory"),
        sorted(qmf_directory::consumer::bindings())
    );
    assert_eq!(documented("case"), sorted(qmf_case::DIRECTORY.bindings()));
    assert_eq!(
        documented("committee"),
        sorted(qmf_committee::consumer::bindings())
    );
    assert_eq!(
        documented("dialogue"),
        sorted(qmf_dialogue::consumer::bindings())
    );
    assert_eq!(
        documented("training"),
        sorted(qmf_training::consumer::bindings())
    );
    assert_eq!(CONSUMERS.len(), 5, "a new consumer needs a line here");
}
