//! The search: a first plan by construction, then simulated annealing on several threads
//! within a time budget.
//!
//! Every worker anneals in epochs of a fixed number of steps and ends each epoch by giving
//! its best plan and a few snapshots the exact guests for their dates; then the workers'
//! best plans are compared (ties go to the lower worker number) and all workers restart from
//! the best. With an epoch limit the result depends only on the instance, the seed and the
//! thread count; a time limit only cuts the run short (the best plan so far is returned, so
//! the search is anytime).

mod flow;
mod guests;
mod prep;
mod search;
mod state;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::model::{Instance, Plan};
use crate::replan::{Baseline, evaluate_with_baseline};
use crate::score::{Score, evaluate};

use prep::Prep;
use search::{Walker, construct};
use state::State;

/// Search settings.
#[derive(Clone, Debug)]
pub struct Options {
    /// Wall-clock deadline; `None` for no time limit (then `max_epochs` must be set).
    pub deadline: Option<Instant>,
    /// Seed of the random choices.
    pub seed: u64,
    /// Number of workers (threads).
    pub threads: usize,
    /// Annealing steps per worker in the first epoch.
    pub epoch_steps: u64,
    /// Each epoch is this factor longer than the previous one (at most `max_epoch_steps`).
    pub epoch_growth: f64,
    /// Longest epoch.
    pub max_epoch_steps: u64,
    /// Stop after this many epochs.
    pub max_epochs: Option<u64>,
    /// Start temperature of a cool epoch.
    pub t_start: f64,
    /// End temperature of a cool epoch.
    pub t_end: f64,
    /// Warm epochs run at the cool temperatures times this factor. Worker `w` runs epoch `e`
    /// warm when `w + e` is odd, so with two workers one is always warm and one cool.
    pub warm_factor: f64,
    /// Check after every epoch that the incrementally kept score of every worker equals the
    /// full scorer's score (always done in debug builds).
    pub verify: bool,
    /// Set from outside to end the search early, like a deadline that has passed (the best
    /// plan so far is returned).
    pub stop: Option<Arc<AtomicBool>>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            deadline: None,
            seed: 1,
            threads: 2,
            epoch_steps: 500_000,
            epoch_growth: 1.5,
            max_epoch_steps: 20_000_000,
            max_epochs: None,
            t_start: 0.5,
            t_end: 0.02,
            warm_factor: 6.0,
            verify: cfg!(debug_assertions),
            stop: None,
        }
    }
}

/// Progress report, given after the construction and after every epoch.
#[derive(Clone, Debug)]
pub struct Progress {
    /// Best score so far (as kept by the search).
    pub best: Score,
    /// Time since the search started.
    pub elapsed: Duration,
    /// Epochs completed.
    pub epochs: u64,
    /// Annealing steps over all workers.
    pub steps: u64,
}

/// Result of a search.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The best plan found.
    pub plan: Plan,
    /// Its score by the full scorer (with the replanning terms when a baseline was given).
    pub score: Score,
    /// The score kept incrementally by the search for that plan.
    pub search_score: Score,
    /// Time from the start of the search until the best plan was found.
    pub time_to_best: Duration,
    /// Epochs completed.
    pub epochs: u64,
    /// Annealing steps over all workers.
    pub steps: u64,
}

/// Why the incrementally kept score disagrees with the full scorer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("search score {kept} differs from the full score {full}")]
pub struct ScoreMismatch {
    /// The score the search kept.
    pub kept: Score,
    /// The full scorer's score.
    pub full: Score,
}

fn full_score(inst: &Instance, plan: &Plan, baseline: Option<&Baseline>) -> Score {
    match baseline {
        Some(b) => evaluate_with_baseline(inst, plan, b).score(),
        None => evaluate(inst, plan).score(),
    }
}

fn check(p: &Prep<'_>, st: &State, baseline: Option<&Baseline>) -> Result<(), ScoreMismatch> {
    let plan = st.plan(p);
    let full = full_score(p.inst, &plan, baseline);
    let kept = st.score();
    let pinned = p.free.iter().any(|f| !f);
    let same = full.medium == kept.medium && full.soft == kept.soft && (pinned || full.hard == 0);
    if same {
        Ok(())
    } else {
        Err(ScoreMismatch { kept, full })
    }
}

fn epoch_length(options: &Options, epoch: u64) -> u64 {
    let growth = options.epoch_growth.max(1.0).powi(epoch.min(200) as i32);
    let n = (options.epoch_steps.max(1) as f64 * growth).min(options.max_epoch_steps as f64);
    (n as u64).max(1)
}

fn derive_seed(seed: u64, worker: usize) -> u64 {
    let mut r = search::Rng::new(seed ^ (worker as u64 + 1).wrapping_mul(0xA076_1D64_78BD_642F));
    r.next_u64()
}

/// Plans `instance`: construction, then annealing until the deadline or epoch limit.
/// `baseline` (a previous plan with pinned/published marks) enables replanning.
/// `progress` is called after the construction and after every epoch.
pub fn solve(
    instance: &Instance,
    baseline: Option<&Baseline>,
    options: &Options,
    progress: &mut dyn FnMut(&Progress),
) -> Result<Outcome, ScoreMismatch> {
    let started = Instant::now();
    let p = Prep::new(instance, baseline);
    let start = construct(&p);
    if options.verify {
        check(&p, &start, baseline)?;
    }
    let threads = options.threads.max(1);
    let mut walkers: Vec<Walker<'_, '_>> = (0..threads)
        .map(|t| Walker::new(&p, start.clone(), derive_seed(options.seed, t)))
        .collect();
    let mut best = start;
    let mut best_cost = best.cost();
    let mut time_to_best = started.elapsed();
    let mut epochs = 0;
    progress(&Progress {
        best: best.score(),
        elapsed: started.elapsed(),
        epochs,
        steps: 0,
    });
    // every epoch ends with a guest flow per worker, which takes about as long as the
    // construction: the annealing stops that much before the deadline
    let reserve = started.elapsed();
    for w in walkers.iter_mut() {
        w.flow_time = reserve;
    }
    let deadline = options
        .deadline
        .map(|d| d.checked_sub(reserve).unwrap_or(d));
    let stopped = || {
        options
            .stop
            .as_ref()
            .is_some_and(|s| s.load(Ordering::Relaxed))
    };
    let out_of_time = || deadline.is_some_and(|d| Instant::now() >= d) || stopped();
    let no_limit = deadline.is_none() && options.max_epochs.is_none();
    loop {
        if out_of_time() || options.max_epochs.is_some_and(|m| epochs >= m) || no_limit {
            break;
        }
        let n = epoch_length(options, epochs);
        let temps = |worker: usize| {
            let f = if (worker as u64 + epochs) % 2 == 1 {
                options.warm_factor
            } else {
                1.0
            };
            (options.t_start * f, options.t_end * f)
        };
        let work = |w: &mut Walker<'_, '_>, (t0, t1): (f64, f64)| {
            w.anneal(n, t0, t1, &out_of_time);
            w.polish(options.deadline);
        };
        if threads == 1 {
            work(&mut walkers[0], temps(0));
        } else {
            std::thread::scope(|scope| {
                for (i, w) in walkers.iter_mut().enumerate() {
                    let t = temps(i);
                    scope.spawn(move || work(w, t));
                }
            });
        }
        epochs += 1;
        let mut leader = None;
        for (i, w) in walkers.iter().enumerate() {
            if options.verify {
                check(&p, &w.st, baseline)?;
                check(&p, &w.best, baseline)?;
            }
            if w.best_cost < best_cost {
                best_cost = w.best_cost;
                leader = Some(i);
            }
        }
        if let Some(i) = leader {
            best = walkers[i].best.clone();
            time_to_best = started.elapsed();
        }
        for w in walkers.iter_mut() {
            w.reset_to(&best);
        }
        progress(&Progress {
            best: best.score(),
            elapsed: started.elapsed(),
            epochs,
            steps: walkers.iter().map(|w| w.iterations).sum(),
        });
    }
    let plan = best.plan(&p);
    let score = full_score(instance, &plan, baseline);
    Ok(Outcome {
        plan,
        score,
        search_score: best.score(),
        time_to_best,
        epochs,
        steps: walkers.iter().map(|w| w.iterations).sum(),
    })
}
