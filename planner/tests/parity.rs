//! Scorer parity with the reference `validate.py`: totals, per-rule breakdown (`--json`) and
//! the violation listing (`-v`), on the hand-made fixture and on S-1/M-1/L-1 solutions
//! (greedy plans and rule-breaking perturbations of them). The expected files were written by
//! `validate.py INST SOL -v --max-details 100000 --json EXPECTED.json > EXPECTED.txt`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use qmf_planner::model::{Instance, Solution, load_json};
use qmf_planner::score::evaluate;

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

fn check(instance: &str, solution: &str) {
    let inst = Instance::load(&data(&format!("{instance}.json"))).unwrap();
    let sol = Solution::load(
        &data(&format!("{instance}.{solution}.solution.json")),
        &inst,
    )
    .unwrap();
    let eval = evaluate(&inst, &sol.plan);
    let expected_json = load_json(
        &data(&format!("{instance}.{solution}.expected.json")),
        "expected",
    )
    .unwrap();
    let got_json = eval.to_json(&inst, sol.solver.as_ref());
    assert_eq!(
        got_json, expected_json,
        "{instance} {solution}: breakdown differs"
    );
    let expected_txt =
        std::fs::read_to_string(data(&format!("{instance}.{solution}.expected.txt"))).unwrap();
    let got_txt = eval.report(&inst, sol.solver.as_ref(), true, 100_000);
    if got_txt != expected_txt {
        for (a, b) in got_txt.lines().zip(expected_txt.lines()) {
            assert_eq!(a, b, "{instance} {solution}: first differing listing line");
        }
        panic!("{instance} {solution}: listings differ in length");
    }
    assert_eq!(
        eval.score().to_string(),
        expected_json["score"].as_str().unwrap()
    );
}

#[test]
fn tiny_valid_matches_validate_py() {
    check("tiny-1", "valid");
}

#[test]
fn tiny_broken_matches_validate_py() {
    check("tiny-1", "broken");
}

#[test]
fn greedy_plans_match_validate_py() {
    for instance in ["S-1", "M-1", "L-1"] {
        check(instance, "greedy");
    }
}

#[test]
fn broken_plans_match_validate_py() {
    for instance in ["S-1", "M-1", "L-1"] {
        check(instance, "broken");
    }
}
