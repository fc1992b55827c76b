//! Planning runs: requested by the coordination, run by the background-job runner, accepted
//! into the cycle through the same rules as scheduling by hand.

use qmf_platform::db::KeepPrepared;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_planner::explain::{Severity, explain_evaluation};
use qmf_planner::model::{Instance, Plan, Solution, solution_json};
use qmf_planner::replan::{Baseline, evaluate_with_baseline};
use qmf_planner::solver::{Options, Progress, solve};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Principal, RuleName, Violation, not_found,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::dialogues::{write_guests, write_schedule};
use super::today;
use crate::domain::access;
use crate::domain::calendar::berlin_to_utc;
use crate::domain::dialogues::{self as dialogue_rules, DialogueState, ScheduleDraft};
use crate::domain::planning::{
    self as rules, BuildError, Built, Cancellation, MAX_ATTEMPTS, RunDraft, RunState, TOOK_PLACE,
};
use crate::domain::rules::Rule;
use crate::store::cycles::{self as cycle_store, CycleRow};
use crate::store::dialogues as dialogue_store;
use crate::store::planning::{self as store, RunRow};

/// How often a running search records its progress and looks for a cancellation.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

fn build_error(error: BuildError) -> ApiError {
    match error {
        BuildError::NoHosts => Rule::NothingToPlan
            .conflict("no active host of the cycle has named its representatives yet"),
        BuildError::DistrictWithoutYouthOffice(names) => {
            Rule::DistrictWithoutYouthOffice.conflict(format!(
                "no youth office among the hosts in the district of: {}",
                names.join(", ")
            ))
        }
    }
}

async fn open_cycle(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<CycleRow> {
    let cycle = cycle_store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    if cycle.state != "open" {
        return Err(Rule::CycleClosed.conflict("the cycle is closed"));
    }
    Ok(cycle)
}

/// The cycle as a planner instance with its previous plan, as it stands now.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn instance(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    cycle_id: Uuid,
) -> ApiResult<Built> {
    access::require_coordination(principal)?;
    let cycle = cycle_store::find(conn, cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    let data = store::data(conn, &cycle, today()).await?;
    rules::build(&data, false).map_err(build_error)
}

/// Requests a run: takes the snapshot now; the job runner picks it up.
#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn request(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    cycle_id: Uuid,
    draft: &RunDraft,
) -> ApiResult<RunRow> {
    access::require_coordination(principal)?;
    let cycle = open_cycle(conn, cycle_id).await?;
    let data = store::data(conn, &cycle, today()).await?;
    let built = rules::build(&data, draft.pin_published).map_err(build_error)?;
    store::insert(
        conn,
        Uuid::now_v7(),
        cycle.id,
        draft,
        &built,
        &principal.subject,
    )
    .await
}

#[tracing::instrument(skip_all, fields(run_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<RunRow> {
    access::require_coordination(principal)?;
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("planning run"))
}

/// A run with its documents (instance, previous plan, plan).
pub async fn documents(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<(RunRow, store::RunDocuments)> {
    let run = get(conn, principal, id).await?;
    let documents = store::documents(conn, id)
        .await?
        .ok_or_else(|| not_found("planning run"))?;
    Ok((run, documents))
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    cycle_id: Uuid,
    before: Option<Uuid>,
    limit: i64,
) -> ApiResult<Vec<RunRow>> {
    access::require_coordination(principal)?;
    cycle_store::find(conn, cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    store::list(conn, cycle_id, before, limit).await
}

/// Cancels a queued run at once; asks a running one to stop (it ends `cancelled` within about
/// a second).
#[tracing::instrument(skip_all, fields(run_id = %id))]
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<RunRow> {
    access::require_coordination(principal)?;
    let run = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("planning run"))?;
    if_match.check(run.version)?;
    let state = RunState::parse(&run.state)
        .ok_or_else(|| ApiError::internal(format!("planning run state {}", run.state)))?;
    match rules::cancel(state) {
        Ok(Cancellation::Now) => store::end(conn, id, RunState::Cancelled.code(), None).await?,
        Ok(Cancellation::Requested) => store::request_cancel(conn, id).await?,
        Err(state) => {
            return Err(Rule::RunNotCancellable.conflict(format!(
                "the run is {}; only a queued or running run can be cancelled",
                state.code()
            )));
        }
    }
    get(conn, principal, id).await
}

/// How an accepted plan comes to the dialogues.
#[derive(Debug, Clone, Copy)]
pub struct Acceptance {
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub invite: bool,
}

/// What accepting a plan changed.
#[derive(Debug, Clone, Default)]
pub struct Accepted {
    pub scheduled: Vec<Uuid>,
    pub rescheduled: Vec<Uuid>,
    pub guests_changed: Vec<Uuid>,
    pub unchanged: usize,
    pub invited: Vec<Uuid>,
}

/// A dialogue of the plan, matched to the cycle's dialogue of its host.
struct Change {
    dialogue: dialogue_store::DialogueRow,
    date: NaiveDate,
    guests: Vec<Uuid>,
}

/// Accepts a finished run's plan: checks it against the cycle's current data (every hard rule,
/// pins included), schedules, reschedules or changes the guests of every dialogue the plan
/// changes, checks each of them against the rules of scheduling by hand on the result, and
/// sends the invitations. All or nothing.
#[tracing::instrument(skip_all, fields(run_id = %id))]
pub async fn accept(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    how: Acceptance,
) -> ApiResult<(RunRow, Accepted)> {
    access::require_coordination(principal)?;
    let peek = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("planning run"))?;
    let cycle = open_cycle(conn, peek.cycle_id).await?;
    let run = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("planning run"))?;
    if_match.check(run.version)?;
    let state = RunState::parse(&run.state)
        .ok_or_else(|| ApiError::internal(format!("planning run state {}", run.state)))?;
    rules::accept(state).map_err(|state| {
        Rule::RunNotFinished.conflict(format!(
            "the run is {}; only a finished run's plan can be accepted",
            state.code()
        ))
    })?;
    let solution = store::documents(conn, id)
        .await?
        .and_then(|d| d.solution)
        .ok_or_else(|| ApiError::internal("a finished run without its plan"))?;

    // The plan on today's data.
    let data = store::data(conn, &cycle, today()).await?;
    let now = rules::build(&data, run.pin_published).map_err(build_error)?;
    let instance = Instance::from_json(&now.instance)
        .map_err(|e| ApiError::internal(format!("the cycle's planner instance: {e}")))?;
    let previous = Solution::from_json(&now.previous, &instance)
        .map_err(|e| ApiError::internal(format!("the cycle's previous plan: {e}")))?;
    let plan = Solution::from_json(&solution, &instance).map_err(|e| {
        Rule::PlanOutdated.conflict(format!(
            "the plan names a host or person no longer in the cycle ({e}); plan again"
        ))
    })?;
    let baseline = Baseline {
        plan: previous.plan,
        marks: previous.marks,
    };
    let evaluation = evaluate_with_baseline(&instance, &plan.plan, &baseline);
    if evaluation.score().hard > 0 {
        let explanation = explain_evaluation(&instance, &plan.plan, &evaluation, Some(&baseline));
        return Err(ApiError::Violations(
            explanation
                .items
                .iter()
                .filter(|i| i.severity == Severity::Hard)
                .map(violation)
                .collect(),
        ));
    }

    // What changes.
    let dialogue_of: BTreeMap<Uuid, Uuid> = cycle_dialogues(conn, cycle.id).await?;
    let mut changes = Vec::new();
    let mut accepted = Accepted::default();
    for (h, scheduled) in plan.plan.scheduled() {
        let organization = parse_id(&instance.orgs[h].id)?;
        let Some(&dialogue_id) = dialogue_of.get(&organization) else {
            continue;
        };
        let dialogue = dialogue_store::lock(conn, dialogue_id)
            .await?
            .ok_or_else(|| not_found("dialogue"))?;
        let guests = scheduled
            .guests
            .iter()
            .map(|&s| parse_id(&instance.staff[s].id))
            .collect::<ApiResult<Vec<Uuid>>>()?;
        let same_guests = guests.iter().collect::<BTreeSet<_>>()
            == dialogue
                .guest_ids
                .iter()
                .zip(&dialogue.guest_responses)
                .filter(|(_, r)| r.as_str() != "declined")
                .map(|(g, _)| g)
                .collect::<BTreeSet<_>>();
        if TOOK_PLACE.contains(&dialogue.state.as_str())
            || (dialogue.day == Some(scheduled.date) && same_guests)
        {
            accepted.unchanged += 1;
            continue;
        }
        changes.push(Change {
            dialogue,
            date: scheduled.date,
            guests,
        });
    }
    for change in &changes {
        apply(conn, principal, run.id, change, how, &mut accepted).await?;
    }
    // Every changed dialogue against the rules of scheduling by hand, on the result.
    let mut broken: Vec<Violation> = Vec::new();
    for change in &changes {
        let row = dialogue_store::find(conn, change.dialogue.id)
            .await?
            .ok_or_else(|| not_found("dialogue"))?;
        match super::dialogues::check_guests(conn, &cycle, &row, change.date, &change.guests).await
        {
            Ok(_) => {}
            Err(ApiError::Violations(found)) => broken.extend(found),
            Err(other) => return Err(other),
        }
    }
    if !broken.is_empty() {
        return Err(ApiError::Violations(broken));
    }
    if how.invite {
        for change in &changes {
            let row = dialogue_store::find(conn, change.dialogue.id)
                .await?
                .ok_or_else(|| not_found("dialogue"))?;
            if row.state == DialogueState::Scheduled.code() {
                super::invitations::invite(conn, principal, row.id, &IfMatch(vec![row.version]))
                    .await?;
                accepted.invited.push(row.id);
            }
        }
    }
    store::accepted(conn, id, &principal.subject).await?;
    let run = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("planning run"))?;
    Ok((run, accepted))
}

fn parse_id(id: &str) -> ApiResult<Uuid> {
    Uuid::parse_str(id).map_err(|e| ApiError::internal(format!("planner id {id}: {e}")))
}

/// A hard item of the planner's explanation as a violation of the problem answer.
fn violation(item: &qmf_planner::explain::Item) -> Violation {
    let ids = |list: &[String]| {
        list.iter()
            .filter_map(|i| Uuid::parse_str(i).ok())
            .collect()
    };
    Violation {
        rule: item.name.clone(),
        message: item.text.clone(),
        people: ids(&item.people),
        organizations: ids(&item.hosts),
        dates: item.dates.clone(),
    }
}

/// The dialogue of every organisation hosting in the cycle.
async fn cycle_dialogues(
    conn: &mut AsyncPgConnection,
    cycle: Uuid,
) -> ApiResult<BTreeMap<Uuid, Uuid>> {
    use diesel::QueryableByName;
    use diesel::sql_types;
    use diesel_async::RunQueryDsl;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = sql_types::Uuid)]
        organization_id: Uuid,
        #[diesel(sql_type = sql_types::Uuid)]
        dialogue_id: Uuid,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT h.organization_id, d.id AS dialogue_id FROM hosts h \
         JOIN dialogues d ON d.host_id = h.id WHERE h.cycle_id = $1 AND h.state = 'active'",
    )
    .bind::<sql_types::Uuid, _>(cycle)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.organization_id, r.dialogue_id))
        .collect())
}

/// Writes one change of an accepted plan, with its history step and event.
async fn apply(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    run: Uuid,
    change: &Change,
    how: Acceptance,
    accepted: &mut Accepted,
) -> ApiResult<()> {
    let current = &change.dialogue;
    let state = DialogueState::parse(&current.state)?;
    let organizations = dialogue_store::organizations_of(conn, &change.guests, change.date).await?;
    let pairs: Vec<(Uuid, Uuid)> = change
        .guests
        .iter()
        .filter_map(|p| organizations.get(p).map(|o| (*p, o.id)))
        .collect();
    let reason = format!("planning run {run}");
    if current.day == Some(change.date) {
        dialogue_rules::change_guests(state)?;
        write_guests(conn, &principal.subject, current, &pairs, Some(&reason)).await?;
        accepted.guests_changed.push(current.id);
        return Ok(());
    }
    let scheduling = dialogue_rules::schedule(state)?;
    let draft = ScheduleDraft {
        date: change.date,
        starts_at: berlin_to_utc(change.date, how.starts),
        ends_at: berlin_to_utc(change.date, how.ends),
        place: current
            .place
            .clone()
            .unwrap_or_else(|| current.host_name.clone()),
        guests: change.guests.clone(),
        reason: Some(reason),
    };
    write_schedule(
        conn,
        &principal.subject,
        current,
        scheduling,
        &draft,
        &pairs,
    )
    .await?;
    if scheduling == dialogue_rules::Scheduling::Reschedule {
        accepted.rescheduled.push(current.id);
    } else {
        accepted.scheduled.push(current.id);
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// the runner's side

/// Runs every waiting planning run, one after the other; returns how many ended. Called by
/// the planning job, whose lock guarantees one runner across replicas: a run found `running`
/// was left by a runner that died and is taken up again (at most [`MAX_ATTEMPTS`] times).
#[tracing::instrument(skip_all)]
pub async fn run_waiting(pool: &DbPool) -> ApiResult<usize> {
    let mut ended = 0;
    loop {
        let mut conn = pool.get().await?;
        let claimed = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let Some(run) = store::claim_next(conn).await? else {
                    return Ok(None);
                };
                if run.cancel_requested {
                    store::end(conn, run.id, RunState::Cancelled.code(), None).await?;
                    return Ok(Some(None));
                }
                if run.attempts >= MAX_ATTEMPTS {
                    store::end(
                        conn,
                        run.id,
                        RunState::Failed.code(),
                        Some(format!(
                            "the planning process stopped {} times before the run ended",
                            run.attempts
                        )),
                    )
                    .await?;
                    return Ok(Some(None));
                }
                store::start(conn, run.id).await?;
                let documents = store::documents(conn, run.id)
                    .await?
                    .ok_or_else(|| not_found("planning run"))?;
                Ok(Some(Some((run, documents))))
            })
            .await?;
        drop(conn);
        match claimed {
            None => return Ok(ended),
            Some(None) => ended += 1,
            Some(Some((run, documents))) => {
                execute(pool, &run, documents).await?;
                ended += 1;
            }
        }
    }
}

/// Sets the flag when dropped: a search whose runner is cancelled stops with it.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

fn progress_json(p: &Progress) -> Value {
    json!({"hard": p.best.hard, "medium": p.best.medium, "soft": p.best.soft,
        "elapsed_seconds": p.elapsed.as_secs_f64(), "epochs": p.epochs})
}

/// Runs the planner on a claimed run and stores how it ended.
async fn execute(pool: &DbPool, run: &RunRow, documents: store::RunDocuments) -> ApiResult<()> {
    let started = Instant::now();
    let parsed = Instance::from_json(&documents.instance).and_then(|instance| {
        let previous = Solution::from_json(&documents.previous, &instance)?;
        Ok((instance, previous))
    });
    let (instance, previous) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let mut conn = pool.get().await?;
            store::end(
                &mut conn,
                run.id,
                RunState::Failed.code(),
                Some(format!("the run's instance cannot be read: {e}")),
            )
            .await?;
            return Ok(());
        }
    };
    let baseline = Baseline {
        plan: previous.plan,
        marks: previous.marks,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    let (progress_tx, mut progress_rx) = tokio::sync::watch::channel(None::<Value>);
    let options = Options {
        deadline: Some(started + Duration::from_secs(u64::try_from(run.seconds).unwrap_or(1))),
        seed: u64::try_from(run.seed).unwrap_or(0),
        threads: std::thread::available_parallelism()
            .map_or(1, usize::from)
            .min(2),
        verify: false,
        stop: Some(stop.clone()),
        ..Options::default()
    };
    let mut search = tokio::task::spawn_blocking(move || {
        let outcome = solve(&instance, Some(&baseline), &options, &mut |p| {
            progress_tx.send_replace(Some(progress_json(p)));
        });
        (outcome, instance, baseline)
    });
    let mut cancelled = false;
    let joined = loop {
        tokio::select! {
            joined = &mut search => break joined,
            () = tokio::time::sleep(PROGRESS_EVERY) => {
                let latest = progress_rx.borrow_and_update().clone();
                let mut conn = pool.get().await?;
                let progress = latest.unwrap_or_else(|| json!({"elapsed_seconds": started.elapsed().as_secs_f64()}));
                if store::progress(&mut conn, run.id, &progress).await? && !cancelled {
                    cancelled = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
        }
    };
    let mut conn = pool.get().await?;
    let (outcome, instance, baseline) = match joined {
        Ok(done) => done,
        Err(e) => {
            store::end(
                &mut conn,
                run.id,
                RunState::Failed.code(),
                Some(format!("the planner stopped: {e}")),
            )
            .await?;
            return Ok(());
        }
    };
    if cancelled {
        store::end(&mut conn, run.id, RunState::Cancelled.code(), None).await?;
        return Ok(());
    }
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(mismatch) => {
            store::end(
                &mut conn,
                run.id,
                RunState::Failed.code(),
                Some(format!(
                    "the planner's kept score disagreed with its scorer: {mismatch:?}"
                )),
            )
            .await?;
            return Ok(());
        }
    };
    let (solution, score, explanation) =
        describe(&instance, &outcome.plan, &baseline, run, started);
    let progress = json!({"hard": outcome.score.hard, "medium": outcome.score.medium,
        "soft": outcome.score.soft, "elapsed_seconds": started.elapsed().as_secs_f64(),
        "epochs": outcome.epochs,
        "best_found_after_seconds": outcome.time_to_best.as_secs_f64()});
    store::finish(&mut conn, run.id, solution, score, explanation, progress).await
}

/// The plan as a solution document, its score with the per-rule breakdown, and its
/// explanation.
fn describe(
    instance: &Instance,
    plan: &Plan,
    baseline: &Baseline,
    run: &RunRow,
    started: Instant,
) -> (Value, Value, Value) {
    let evaluation = evaluate_with_baseline(instance, plan, baseline);
    let score = evaluation.score();
    let solver = json!({"name": "qmf-planner", "version": env!("CARGO_PKG_VERSION"),
        "seed": run.seed, "seconds": started.elapsed().as_secs_f64(), "run": run.id});
    let solution = solution_json(instance, plan, solver, Some(&baseline.marks));
    let breakdown = evaluation.to_json(instance, None);
    let explanation = explain_evaluation(instance, plan, &evaluation, Some(baseline));
    let items: Vec<Value> = explanation
        .items
        .iter()
        .map(|i| {
            json!({"severity": match i.severity {
                    Severity::Hard => "hard", Severity::Medium => "medium", Severity::Soft => "soft" },
                "rule": i.rule, "name": i.name, "organizations": i.hosts, "people": i.people,
                "dates": i.dates, "cost": i.cost, "text": i.text})
        })
        .collect();
    (
        solution,
        json!({"hard": score.hard, "medium": score.medium, "soft": score.soft,
            "breakdown": breakdown}),
        Value::Array(items),
    )
}
