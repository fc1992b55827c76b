//! The plain-English explanation names every broken rule and every soft cost with the
//! dialogues, people and dates behind it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use qmf_planner::explain::{Severity, explain};
use qmf_planner::model::{Instance, Solution};
use qmf_planner::score::{SoftTerm, evaluate};

fn load(solution: &str) -> (Instance, Solution) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let inst = Instance::load(&dir.join("tiny-1.json")).unwrap();
    let sol = Solution::load(&dir.join(format!("tiny-1.{solution}.solution.json")), &inst).unwrap();
    (inst, sol)
}

#[test]
fn every_violation_and_cost_is_explained() {
    let (inst, sol) = load("broken");
    let eval = evaluate(&inst, &sol.plan);
    let ex = explain(&inst, &sol.plan, None);
    assert_eq!(ex.score, eval.score());
    let hard: Vec<_> = ex
        .items
        .iter()
        .filter(|i| i.severity == Severity::Hard)
        .collect();
    assert_eq!(hard.len(), eval.all_violations().count());
    assert_eq!(
        hard.iter().map(|i| i.cost).sum::<i64>() as u64,
        eval.score().hard
    );
    for term in SoftTerm::ALL {
        let sum: i64 = ex
            .items
            .iter()
            .filter(|i| i.severity == Severity::Soft && i.rule == term.id())
            .map(|i| i.cost)
            .sum();
        assert_eq!(sum, eval.soft[term.index()], "{}", term.name());
    }

    let find = |rule: &str, needle: &str| {
        ex.items
            .iter()
            .find(|i| i.rule == rule && i.text.contains(needle))
            .unwrap_or_else(|| panic!("no {rule} item mentioning {needle:?}"))
    };
    let h7 = find("H7", "2026-02-05");
    assert_eq!(h7.hosts, ["E1", "E3"]);
    let h9 = find("H9", "E4.1");
    assert!(
        h9.text.contains("away from 2026-06-01 to 2026-06-12"),
        "{}",
        h9.text
    );
    assert_eq!(h9.people, ["E4.1"]);
    let h11 = find("H11", "JA-B.2");
    assert!(h11.text.contains("has Tuesdays off"), "{}", h11.text);
    let h14 = find("H14", "3 guests from Jugendamt A");
    assert_eq!(h14.cost, 2);
    assert_eq!(h14.people, ["JA-A.1", "JA-A.2", "JA-A.3"]);
    let h19 = find("H19", "E1.1");
    assert_eq!(h19.dates.len(), 5);
    find("H4", "Tag der Arbeit");
    find("S6", "no guest from Jugendamt B (JA-B)");
    find("S7", "E4 prefers September and October");
    find("S1", "E5.1 of E5 is a guest at 1 dialogue(s)");

    let text = ex.render();
    assert!(text.starts_with("Score 31/0/1660"), "{text}");
    assert!(text.contains("Dialogues not taking place or moved: none."));
    assert_eq!(
        text.lines().filter(|l| l.starts_with("- H")).count(),
        hard.len()
    );
}

#[test]
fn a_valid_plan_explains_its_unscheduled_dialogues() {
    let (inst, sol) = load("valid");
    let ex = explain(&inst, &sol.plan, None);
    assert!(ex.items.iter().all(|i| i.severity != Severity::Hard));
    let missing: Vec<_> = ex
        .items
        .iter()
        .filter(|i| i.rule == "M1")
        .map(|i| i.hosts[0].as_str())
        .collect();
    assert_eq!(missing, ["E4", "E5"]);
    let text = ex.render();
    assert!(text.contains("Broken rules (the plan cannot be used as it is): none."));
    assert!(text.contains("Einrichtung 5 (E5) has no date"));
}
