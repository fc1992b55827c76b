//! Malformed instance and solution files are rejected with a one-line message naming the
//! field path, like `validate.py`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use qmf_planner::model::{Instance, Solution, load_json};
use serde_json::Value;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn tiny() -> (Value, Value) {
    let inst = load_json(&data("tiny-1.json"), "instance").unwrap();
    let sol = load_json(&data("tiny-1.valid.solution.json"), "solution").unwrap();
    (inst, sol)
}

fn solution_error(edit: impl FnOnce(&mut Value)) -> String {
    let (inst, mut sol) = tiny();
    let inst = Instance::from_json(&inst).unwrap();
    edit(&mut sol);
    let err = Solution::from_json(&sol, &inst).unwrap_err().to_string();
    assert!(!err.contains('\n'), "one line: {err}");
    err
}

fn instance_error(edit: impl FnOnce(&mut Value)) -> String {
    let (mut inst, _) = tiny();
    edit(&mut inst);
    let err = Instance::from_json(&inst).unwrap_err().to_string();
    assert!(!err.contains('\n'), "one line: {err}");
    err
}

#[test]
fn invalid_calendar_date_names_the_field() {
    let err = solution_error(|s| s["dialogues"][3]["date"] = "2026-02-30".into());
    assert_eq!(
        err,
        "solution.dialogues[3].date: '2026-02-30' is not a valid calendar date"
    );
    let err = solution_error(|s| s["dialogues"][0]["date"] = "2026-2-3".into());
    assert_eq!(
        err,
        "solution.dialogues[0].date: expected a date YYYY-MM-DD, got \"2026-2-3\""
    );
}

#[test]
fn solution_format_errors() {
    assert_eq!(
        solution_error(|s| s["dialogues"][1]["host"] = "NOPE".into()),
        "solution.dialogues[1].host: unknown organisation 'NOPE'"
    );
    assert_eq!(
        solution_error(|s| s["dialogues"][1]["host"] = "JA-A".into()),
        "solution.dialogues[1].host: 'JA-A' appears more than once"
    );
    assert_eq!(
        solution_error(|s| s["dialogues"][0]["guests"][1] = "E1.2".into()),
        "solution.dialogues[0].guests[1]: staff 'E1.2' listed twice in one dialogue"
    );
    assert_eq!(
        solution_error(|s| s["dialogues"][0]["guests"][2] = "X.9".into()),
        "solution.dialogues[0].guests[2]: unknown staff id 'X.9'"
    );
    assert_eq!(
        solution_error(|s| s["dialogues"][5]["guests"] = serde_json::json!(["E1.1"])),
        "solution.dialogues[5]: unscheduled dialogue (date null) must have an empty guest list"
    );
    assert_eq!(
        solution_error(|s| s["dialogues"][2]["guests"] = 5.into()),
        "solution.dialogues[2].guests: expected an array, got 5"
    );
    assert_eq!(
        solution_error(|s| s["format_version"] = 2.into()),
        "solution.format_version: this planner reads version 1, got 2"
    );
    assert_eq!(
        solution_error(|s| s["instance"] = "S-1".into()),
        "solution.instance: solution is for 'S-1', instance file is 'tiny-1'"
    );
    assert_eq!(
        solution_error(|s| {
            s["dialogues"][0].as_object_mut().unwrap().remove("date");
        }),
        "solution.dialogues[0]: missing field 'date' (use null for unscheduled)"
    );
}

#[test]
fn instance_format_errors() {
    assert_eq!(
        instance_error(|i| i["organisations"][2]["x_km"] = "far".into()),
        "instance.organisations[2].x_km: expected a number, got \"far\""
    );
    assert_eq!(
        instance_error(|i| i["organisations"][1]["candidate_dates"][1] = "2026-13-01".into()),
        "instance.organisations[1].candidate_dates[1]: '2026-13-01' is not a valid calendar date"
    );
    assert_eq!(
        instance_error(|i| i["staff"][3]["weekday_off"] = 8.into()),
        "instance.staff[3].weekday_off: expected null or an ISO weekday 1..7, got 8"
    );
    assert_eq!(
        instance_error(|i| i["rules"]["weights"]["travel_minute"] = 1.5.into()),
        "instance.rules.weights.travel_minute: expected an integer, got 1.5"
    );
    assert_eq!(
        instance_error(|i| {
            i["rules"]
                .as_object_mut()
                .unwrap()
                .remove("report_lead_days");
        }),
        "instance.rules: missing field 'report_lead_days'"
    );
    assert_eq!(
        instance_error(|i| i["staff"][0]["org"] = "JA-Z".into()),
        "instance.staff[0].org: unknown organisation 'JA-Z'"
    );
    assert_eq!(
        instance_error(|i| i["format"] = "other".into()),
        "instance.format: expected 'qmf-dialogue-planner-instance', got 'other'"
    );
}

#[test]
fn unreadable_and_non_json_files() {
    let err = Instance::load(&data("does-not-exist.json"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("instance: cannot read '"), "{err}");
    let err = qmf_planner::model::parse_json_text("{\"a\": ", "x.json", "instance")
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("instance: 'x.json' is not valid JSON: "),
        "{err}"
    );
    assert!(err.contains(" at line 1 column "), "{err}");
}
