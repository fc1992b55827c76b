//! Scorer parity with the reference `validate.py`: totals, per-rule breakdown (`--json`) and
//! the violation listing (`-v`), on the hand-made fixture and on S-1/M-1/L-1 solutions (greedy
//! plans, plans of this crate's search, rule-breaking perturbations of the greedy plans). The
//! expected files were written by
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
fn planner_plans_match_validate_py() {
    for instance in ["S-1", "M-1", "L-1"] {
        check(instance, "planner");
    }
}

#[test]
fn broken_plans_match_validate_py() {
    for instance in ["S-1", "M-1", "L-1"] {
        check(instance, "broken");
    }
}

/// The structured violation listing behind the explanation: which dialogues, people and
/// dates break which rule.
#[test]
fn violation_listing_names_dialogues_people_and_dates() {
    use qmf_planner::score::HardRule;
    let inst = Instance::load(&data("tiny-1.json")).unwrap();
    let sol = Solution::load(&data("tiny-1.broken.solution.json"), &inst).unwrap();
    let eval = evaluate(&inst, &sol.plan);
    let ids = |v: &[usize], staff: bool| -> Vec<String> {
        v.iter()
            .map(|&i| {
                if staff {
                    inst.staff[i].id.clone()
                } else {
                    inst.orgs[i].id.clone()
                }
            })
            .collect()
    };
    let date = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    let h10 = &eval.violations[HardRule::HostRepDoubleBooked.index()];
    assert_eq!(h10.len(), 2);
    assert_eq!(ids(&h10[0].staff, true), ["E1.1"]);
    assert_eq!(ids(&h10[1].staff, true), ["E3.1"]);
    assert!(h10.iter().all(|v| v.date == Some(date("2026-02-05"))));
    assert!(h10.iter().all(|v| ids(&v.hosts, false) == ["E1", "E3"]));
    let h12 = &eval.violations[HardRule::GuestDoubleBooked.index()];
    assert_eq!(ids(&h12[0].staff, true), ["E2.1"]);
    let h8 = &eval.violations[HardRule::WeekOverload.index()];
    assert_eq!(h8[0].week, Some((2026, 6)));
    assert_eq!(ids(&h8[0].hosts, false), ["JA-B", "E1", "E3"]);
    let h13 = &eval.violations[HardRule::GuestFromHostOrg.index()];
    assert_eq!(ids(&h13[0].hosts, false), ["JA-B"]);
    assert_eq!(ids(&h13[0].staff, true), ["JA-B.2"]);
    assert_eq!(h13[0].date, Some(date("2026-02-06")));
    let h18 = &eval.violations[HardRule::RoomCapacity.index()];
    assert_eq!(
        (ids(&h18[0].hosts, false), h18[0].amount),
        (vec!["E4".to_string()], 12)
    );
    let h19 = &eval.violations[HardRule::GuestYearOverload.index()];
    assert_eq!(
        (h19[0].year, h19[0].amount, h19[0].count),
        (Some(2026), 5, 1)
    );
    // every counted violation is listed, and the listing adds up to the breakdown
    for rule in HardRule::ALL {
        let listed: u64 = eval.violations[rule.index()].iter().map(|v| v.count).sum();
        assert_eq!(listed, eval.hard[rule.index()], "{}", rule.name());
        assert!(eval.violations[rule.index()].iter().all(|v| v.rule == rule));
    }
}
