//! The search: the score it keeps incrementally always equals the full scorer's, results are
//! deterministic for a seed, thread count and epoch limit, and plans keep every hard rule.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use qmf_planner::model::Instance;
use qmf_planner::score::evaluate;
use qmf_planner::solver::{Options, Outcome, solve};

fn instance(name: &str) -> Instance {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(format!("{name}.json"));
    Instance::load(&path).unwrap()
}

fn run(inst: &Instance, seed: u64, threads: usize, epochs: u64, steps: u64) -> Outcome {
    let options = Options {
        seed,
        threads,
        epoch_steps: steps,
        max_epochs: Some(epochs),
        verify: true,
        ..Options::default()
    };
    let mut reports = Vec::new();
    let outcome = solve(inst, None, &options, &mut |p| reports.push(p.best)).unwrap();
    // one report after the construction and one per epoch, never getting worse
    assert_eq!(reports.len() as u64, epochs + 1);
    assert!(reports.windows(2).all(|w| w[1] <= w[0]), "{reports:?}");
    assert_eq!(reports.last(), Some(&outcome.search_score));
    outcome
}

#[test]
fn kept_score_equals_full_score_over_seeds_and_instances() {
    for (name, seeds, epochs) in [("tiny-1", 3, 4), ("S-1", 3, 4), ("M-1", 1, 3)] {
        let inst = instance(name);
        for seed in 1..=seeds {
            // verify: true checks every worker's current and best state after every epoch
            let out = run(&inst, seed, 2, epochs, 3_000);
            assert_eq!(out.score, out.search_score, "{name} seed {seed}");
            let full = evaluate(&inst, &out.plan);
            assert_eq!(full.score(), out.score);
            assert_eq!(full.score().hard, 0, "{name} seed {seed}: {:?}", full.hard);
        }
    }
}

#[test]
fn same_seed_and_threads_give_the_same_plan() {
    let inst = instance("S-1");
    let a = run(&inst, 7, 2, 3, 5_000);
    let b = run(&inst, 7, 2, 3, 5_000);
    assert_eq!(a.plan, b.plan);
    assert_eq!(a.score, b.score);
    let c = run(&inst, 7, 1, 3, 5_000);
    let d = run(&inst, 7, 1, 3, 5_000);
    assert_eq!(c.plan, d.plan);
}

#[test]
fn small_instance_is_fully_scheduled() {
    let inst = instance("S-1");
    let out = run(&inst, 1, 2, 3, 20_000);
    assert_eq!(out.score.medium, 0);
    assert_eq!(out.score.hard, 0);
}

#[test]
fn a_raised_stop_flag_ends_the_search_at_once_with_the_constructed_plan() {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;
    let inst = instance("S-1");
    let options = Options {
        deadline: Some(std::time::Instant::now() + std::time::Duration::from_secs(600)),
        stop: Some(Arc::new(AtomicBool::new(true))),
        ..Options::default()
    };
    let started = std::time::Instant::now();
    let out = solve(&inst, None, &options, &mut |_| {}).unwrap();
    assert_eq!(out.epochs, 0);
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
    assert_eq!(out.score, evaluate(&inst, &out.plan).score());
}
