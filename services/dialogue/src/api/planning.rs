//! Planning a cycle with the planner: runs on the background-job runner, their plans with
//! explanations, accepting a plan; the cycle as a planner instance for checking plans outside.

use actix_web::{get, post, web};
use chrono::{DateTime, NaiveTime, Utc};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Paged, Principal, Reply, Write,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::app::planning::{Acceptance, Accepted};
use crate::domain::access;
use crate::domain::planning::{RunInput, RunState};
use crate::store::planning::RunRow;

/// A score: hard rules broken, medium (dialogues not taking place, announced dialogues
/// moved), soft points. Lower is better, compared in this order.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PlanScore {
    pub hard: u64,
    pub medium: u64,
    pub soft: i64,
}

/// How a running search stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RunProgress {
    /// The best plan's score so far (absent until the first plan is built).
    pub best: Option<PlanScore>,
    pub elapsed_seconds: f64,
    /// Rounds of the search completed.
    pub epochs: Option<u64>,
    /// When the final best plan was found (finished runs).
    pub best_found_after_seconds: Option<f64>,
}

/// A host left out of a run.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct LeftOut {
    pub organization_id: Uuid,
    pub name: String,
}

/// A planning run.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938100-0000-7000-8000-0000000000a1",
    "cycle_id": "01938100-0000-7000-8000-000000000001", "state": "finished", "seconds": 10,
    "seed": 1, "pin_published": false, "pinned": 4, "published": 8, "left_out": [],
    "progress": {"best": {"hard": 0, "medium": 0, "soft": 5240}, "elapsed_seconds": 9.8,
        "epochs": 14, "best_found_after_seconds": 0.6},
    "score": {"hard": 0, "medium": 0, "soft": 5240}, "attempts": 1, "cancel_requested": false,
    "requested_by": "coordination-1", "version": 4, "created_at": "2026-12-04T10:00:00Z",
    "started_at": "2026-12-04T10:00:01Z", "finished_at": "2026-12-04T10:00:11Z"}))]
pub struct PlanningRun {
    pub id: Uuid,
    pub cycle_id: Uuid,
    pub state: RunState,
    /// Time budget of the search.
    pub seconds: i32,
    pub seed: i64,
    /// Whether scheduled and invited dialogues were kept as they are.
    pub pin_published: bool,
    /// Dialogues kept exactly as they are (held ones, and announced ones when pinned).
    pub pinned: i32,
    /// Announced dialogues the plan may move, each move counted as medium.
    pub published: i32,
    /// Hosts left out because they named no representative yet.
    pub left_out: Vec<LeftOut>,
    pub progress: Option<RunProgress>,
    /// The plan's score (finished and accepted runs).
    pub score: Option<PlanScore>,
    /// How often a runner took the run up (again after a process died).
    pub attempts: i32,
    /// Why a run failed.
    pub error: Option<String>,
    /// Cancellation was requested and the search is stopping.
    pub cancel_requested: bool,
    pub requested_by: String,
    pub accepted_by: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

fn score_of(value: &Value) -> Option<PlanScore> {
    Some(PlanScore {
        hard: value.get("hard")?.as_u64()?,
        medium: value.get("medium")?.as_u64()?,
        soft: value.get("soft")?.as_i64()?,
    })
}

fn view(row: RunRow) -> ApiResult<PlanningRun> {
    let state = RunState::parse(&row.state)
        .ok_or_else(|| ApiError::internal(format!("planning run state {}", row.state)))?;
    let left_out = serde_json::from_value(row.left_out).map_err(ApiError::internal)?;
    Ok(PlanningRun {
        id: row.id,
        cycle_id: row.cycle_id,
        state,
        seconds: row.seconds,
        seed: row.seed,
        pin_published: row.pin_published,
        pinned: row.pinned,
        published: row.published,
        left_out,
        progress: row.progress.as_ref().map(|p| RunProgress {
            best: score_of(p),
            elapsed_seconds: p["elapsed_seconds"].as_f64().unwrap_or_default(),
            epochs: p["epochs"].as_u64(),
            best_found_after_seconds: p["best_found_after_seconds"].as_f64(),
        }),
        score: row.score.as_ref().and_then(score_of),
        attempts: row.attempts,
        error: row.error,
        cancel_requested: row.cancel_requested,
        requested_by: row.requested_by,
        accepted_by: row.accepted_by,
        version: row.version,
        created_at: row.created_at,
        started_at: row.started_at,
        finished_at: row.finished_at,
    })
}

fn reply(row: RunRow) -> ApiResult<Reply> {
    let version = row.version;
    Ok(Reply::ok_with_etag(&view(row)?, version))
}

const RUN_DESCRIPTION: &str = "The run.";

/// Request a planning run for a cycle.
///
/// The coordination. Takes a snapshot of the cycle now (active hosts that named their
/// representatives, with their proposed dates, room, report date and preferred months; the
/// active staff of those organisations with their absences; public holidays, school holidays
/// and Forum meetings; the cycle's rules) and queues the run: the background-job runner
/// searches for at most `seconds` and stores the best plan with its explanation. Held
/// dialogues are pinned; scheduled and invited ones are pinned on request, otherwise moving one
/// counts as medium. Poll the run (`Location`) for its state and progress.
#[utoipa::path(
    tag = "planning",
    operation_id = "request_planning_run",
    params(("id" = Uuid, Path, description = "Cycle id")),
    request_body = RunInput,
    responses(
        (status = 202, description = "Queued.", body = PlanningRun,
            headers(("ETag" = String, description = "Strong ETag"), ("Location" = String, description = "URL of the run"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `cycle_closed`, `nothing_to_plan` or `district_without_youth_office`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Budget or seed out of range.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cycles/{id}/planning-runs")]
pub async fn request(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<RunInput>,
) -> ApiResult<Reply> {
    access::require_coordination(&principal)?;
    let draft = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    let cycle = *id;
    write
        .run(async move |conn| {
            let row = app::planning::request(conn, &principal, cycle, &draft).await?;
            let (version, location) = (row.version, format!("/v1/planning-runs/{}", row.id));
            Ok(Reply::accepted(&view(row)?)
                .with_etag(version)
                .with_location(location))
        })
        .await
}

/// Filters of the run list (none).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunListQuery {}

/// List a cycle's planning runs, newest first. The coordination.
#[utoipa::path(
    tag = "planning",
    operation_id = "list_planning_runs",
    params(("id" = Uuid, Path, description = "Cycle id"), qmf_platform::PageParams),
    responses(
        (status = 200, description = "One page of runs.", body = Page<PlanningRun>),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}/planning-runs")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: Paged<RunListQuery>,
) -> ApiResult<Reply> {
    let before: Option<Uuid> = query.after()?;
    let mut conn = pool.get().await?;
    let rows = app::planning::list(&mut conn, &principal, *id, before, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(&page.try_map(view)?))
}

/// Read a planning run: its state, progress while running, score when finished.
/// The coordination.
#[utoipa::path(
    tag = "planning",
    operation_id = "get_planning_run",
    params(("id" = Uuid, Path, description = "Run id")),
    responses(
        (status = 200, description = RUN_DESCRIPTION, body = PlanningRun, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such run.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/planning-runs/{id}")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    reply(app::planning::get(&mut conn, &principal, *id).await?)
}

/// Cancel a planning run.
///
/// The coordination. A queued run is cancelled at once; a running one is asked to stop and
/// ends `cancelled` within about a second (its plan so far is discarded).
#[utoipa::path(
    tag = "planning",
    operation_id = "cancel_planning_run",
    params(("id" = Uuid, Path, description = "Run id"), ("If-Match" = String, Header, description = "ETag of the run as read")),
    responses(
        (status = 200, description = "Cancelled, or stopping (`cancel_requested`).", body = PlanningRun, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such run.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `run_not_cancellable`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The run changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/planning-runs/{id}/cancellation")]
pub async fn cancel(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let id = *id;
    write
        .run(async move |conn| reply(app::planning::cancel(conn, &principal, id, &if_match).await?))
        .await
}

/// One item of a plan's explanation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ExplanationItem {
    /// `hard` (the plan cannot be used so), `medium` or `soft`.
    pub severity: String,
    /// `H1`…`H20`, `M1`, `M2`, `S1`…`S7` of the planner's problem definition.
    pub rule: String,
    /// The rule's name, e.g. `day_overload`, `unscheduled`, `attendance_shortfall`.
    pub name: String,
    /// Host organisations concerned.
    pub organizations: Vec<String>,
    /// People concerned.
    pub people: Vec<String>,
    pub dates: Vec<chrono::NaiveDate>,
    /// What it adds to its part of the score.
    pub cost: i64,
    /// The reason in plain words.
    pub text: String,
}

/// A finished run's plan.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"run_id": "01938100-0000-7000-8000-0000000000a1",
    "score": {"hard": 0, "medium": 1, "soft": 5240},
    "dialogues": [{"host": "01938100-0000-7000-8000-000000000101", "date": "2027-05-05",
        "guests": ["01938100-0000-7000-8000-000000000201"], "published": true}],
    "explanation": [{"severity": "medium", "rule": "M1", "name": "unscheduled",
        "organizations": ["01938100-0000-7000-8000-000000000102"], "people": [], "dates": [],
        "cost": 1, "text": "Einrichtung Öhringen (01938100-…) has no dialogue: none of its proposed dates is free."}]}))]
pub struct RunPlan {
    pub run_id: Uuid,
    pub score: PlanScore,
    /// Per host organisation: its date (null: no dialogue) and guests (people ids), with
    /// `pinned`/`published` where the run kept or weighed the previous date.
    #[schema(value_type = Vec<Object>)]
    pub dialogues: Value,
    /// Every broken rule and every cost, hard first.
    pub explanation: Vec<ExplanationItem>,
}

/// Read a finished run's plan and its explanation. The coordination.
#[utoipa::path(
    tag = "planning",
    operation_id = "get_planning_run_plan",
    params(("id" = Uuid, Path, description = "Run id")),
    responses(
        (status = 200, description = "The plan.", body = RunPlan),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such run, or it has no plan (yet).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/planning-runs/{id}/plan")]
pub async fn plan(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let (run, documents) = app::planning::documents(&mut conn, &principal, *id).await?;
    let (Some(solution), Some(score)) = (documents.solution, run.score.as_ref().and_then(score_of))
    else {
        return Err(qmf_platform::not_found("plan of this run"));
    };
    let explanation =
        serde_json::from_value(run.explanation.unwrap_or_default()).map_err(ApiError::internal)?;
    Ok(Reply::ok(&RunPlan {
        run_id: run.id,
        score,
        dialogues: solution["dialogues"].clone(),
        explanation,
    }))
}

/// Which document of a run.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RunDocument {
    /// The planner instance (`qmf-dialogue-planner-instance` v1) as taken at the request.
    Instance,
    /// The previous plan with `pinned` and `published` marks (the planner's replanning
    /// extension of the solution format).
    Previous,
    /// The plan in the solution format (finished and accepted runs).
    Solution,
}

/// Read one document of a run in the planner's file formats, to check or plan it outside
/// (`qmf-plan score INSTANCE SOLUTION --previous PREVIOUS`). The coordination.
#[utoipa::path(
    tag = "planning",
    operation_id = "get_planning_run_document",
    params(("id" = Uuid, Path, description = "Run id"), ("document" = inline(RunDocument), Path, description = "`instance`, `previous` or `solution`")),
    responses(
        (status = 200, description = "The document.", body = Object),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such run or document.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/planning-runs/{id}/{document}")]
pub async fn document(
    principal: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<(Uuid, String)>,
) -> ApiResult<Reply> {
    let (id, name) = path.into_inner();
    let which = match name.as_str() {
        "instance" => RunDocument::Instance,
        "previous" => RunDocument::Previous,
        "solution" => RunDocument::Solution,
        _ => return Err(qmf_platform::not_found("document")),
    };
    let mut conn = pool.get().await?;
    let (_, documents) = app::planning::documents(&mut conn, &principal, id).await?;
    let body = match which {
        RunDocument::Instance => Some(documents.instance),
        RunDocument::Previous => Some(documents.previous),
        RunDocument::Solution => documents.solution,
    }
    .ok_or_else(|| qmf_platform::not_found("solution of this run"))?;
    Ok(Reply::ok(&body))
}

/// The cycle as it stands now as a planner instance. The coordination: any plan can be
/// checked against it outside the service (`qmf-plan score`, or the problem's reference
/// scorer). Announced dialogues are marked `published` in `GET …/planning-previous`.
#[utoipa::path(
    tag = "planning",
    operation_id = "get_cycle_planning_instance",
    params(("id" = Uuid, Path, description = "Cycle id")),
    responses(
        (status = 200, description = "The instance (`qmf-dialogue-planner-instance` v1).", body = Object),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `nothing_to_plan` or `district_without_youth_office`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}/planning-instance")]
pub async fn cycle_instance(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let built = app::planning::instance(&mut conn, &principal, *id).await?;
    Ok(Reply::ok(&built.instance))
}

/// The cycle's dialogues as they stand now in the planner's solution format, held ones
/// `pinned`, scheduled and invited ones `published`. The coordination.
#[utoipa::path(
    tag = "planning",
    operation_id = "get_cycle_planning_previous",
    params(("id" = Uuid, Path, description = "Cycle id")),
    responses(
        (status = 200, description = "The previous plan (`qmf-dialogue-planner-solution` v1 with marks).", body = Object),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `nothing_to_plan` or `district_without_youth_office`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}/planning-previous")]
pub async fn cycle_previous(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let built = app::planning::instance(&mut conn, &principal, *id).await?;
    Ok(Reply::ok(&built.previous))
}

/// How an accepted plan's dialogues are scheduled.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"starts": "09:00:00", "ends": "13:00:00", "invite": true}))]
pub struct AcceptInput {
    /// Local start time in Heilbronn of every newly scheduled dialogue (default 09:00).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "partial-time")]
    pub starts: Option<NaiveTime>,
    /// Local end time (default 13:00).
    #[serde(default)]
    #[schema(value_type = Option<String>, format = "partial-time")]
    pub ends: Option<NaiveTime>,
    /// Send the invitations of every dialogue the plan scheduled or moved (default true).
    #[serde(default)]
    pub invite: Option<bool>,
}

/// What accepting a plan changed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AcceptedPlan {
    pub run: PlanningRun,
    /// Dialogues that got their first date.
    pub scheduled: Vec<Uuid>,
    /// Dialogues that moved.
    pub rescheduled: Vec<Uuid>,
    /// Dialogues that kept their date with other guests.
    pub guests_changed: Vec<Uuid>,
    /// Dialogues the plan left as they were.
    pub unchanged: i64,
    /// Dialogues whose invitations went out.
    pub invited: Vec<Uuid>,
}

/// Accept a finished run's plan.
///
/// The coordination. The plan is checked on the cycle's data as it is now (an absence or a
/// Forum meeting recorded since the run may have broken it: then 409 with every broken rule
/// and nothing changes). Every dialogue the plan changes is scheduled, moved or given its new
/// guests and checked against the rules of scheduling by hand; with `invite` the invitations
/// go out. All or nothing. Publishes the dialogues' usual events.
#[utoipa::path(
    tag = "planning",
    operation_id = "accept_planning_run",
    params(("id" = Uuid, Path, description = "Run id"), ("If-Match" = String, Header, description = "ETag of the run as read")),
    request_body = AcceptInput,
    responses(
        (status = 200, description = "Accepted.", body = AcceptedPlan, headers(("ETag" = String, description = "Strong ETag of the run"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such run.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `run_not_finished`, `cycle_closed` or `plan_outdated`, or the rules the plan breaks on today's data (`violations`).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The run changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Times invalid (the end before the start).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/planning-runs/{id}/acceptance")]
pub async fn accept(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<AcceptInput>,
) -> ApiResult<Reply> {
    access::require_coordination(&principal)?;
    let input = body.into_inner()?;
    let how = Acceptance {
        starts: input
            .starts
            .unwrap_or(NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default()),
        ends: input
            .ends
            .unwrap_or(NaiveTime::from_hms_opt(13, 0, 0).unwrap_or_default()),
        invite: input.invite.unwrap_or(true),
    };
    if how.ends <= how.starts {
        return Err(ApiError::validation("/ends", "must be after starts"));
    }
    let id = *id;
    write
        .run(async move |conn| {
            let (row, accepted): (RunRow, Accepted) =
                app::planning::accept(conn, &principal, id, &if_match, how).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(
                &AcceptedPlan {
                    run: view(row)?,
                    scheduled: accepted.scheduled,
                    rescheduled: accepted.rescheduled,
                    guests_changed: accepted.guests_changed,
                    unchanged: i64::try_from(accepted.unchanged).unwrap_or(i64::MAX),
                    invited: accepted.invited,
                },
                version,
            ))
        })
        .await
}
