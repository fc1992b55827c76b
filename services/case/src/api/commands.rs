//! Commands that move a case through the regional process. Each runs in one transaction: the
//! case is locked through the access rules, its ETag and the process rule are checked, the
//! change, its timeline step, audit record and event are written together.

use actix_web::{HttpResponse, post, web};
use chrono::{Months, NaiveDate};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_platform::etag::with_etag;
use qmf_platform::{ApiError, ApiResult, DbPool, FieldError, IfMatch, Json, Principal, RuleName};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app::views::{CaseResponse, case_response};
use crate::app::{case_state, today};
use crate::domain::access::{self, Audience};
use crate::domain::codes::{EndKind, EndReason, Phase, RATING_SCALE};
use crate::domain::instruments::{self, InstrumentKey};
use crate::domain::participation::Participation;
use crate::domain::process::{self, Command};
use crate::domain::rules::Rule;
use crate::events;
use crate::settings::CaseSettings;
use crate::store::cases::{self as case_store, CaseChange, CaseRow};
use crate::store::instruments::{self as instrument_store, NewDocument};
use crate::store::plans::{self as plan_store, NewPlan, NewReview, PlanRow};
use crate::store::{audit, code, steps};
use qmf_directory_copy::store as directory_copy;

/// A filled instrument attached to a step.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"instrument_version": 1, "content": {"development": "Regelmäßiger Schulbesuch seit März.", "continue_help": true}}))]
pub struct DocumentInput {
    /// Version of the instrument; the newest released version when omitted.
    #[serde(default)]
    pub instrument_version: Option<i32>,
    /// The filled form; must satisfy the instrument version's JSON Schema.
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub content: Value,
}

/// A rating of one goal of the plan in force.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 4}))]
pub struct GoalRating {
    pub goal_id: Uuid,
    /// 1 not reached, 2 hardly, 3 partly, 4 largely, 5 fully reached.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i32,
}

fn invalid(errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Validates and stores a document of `key`, encrypted; returns its id and instrument version.
async fn store_document(
    conn: &mut AsyncPgConnection,
    settings: &CaseSettings,
    principal: &Principal,
    case_id: Uuid,
    key: InstrumentKey,
    input: &DocumentInput,
) -> ApiResult<(Uuid, i32)> {
    let instrument = match input.instrument_version {
        Some(version) => instrument_store::find(conn, key, version)
            .await?
            .ok_or_else(|| {
                ApiError::validation(
                    "/document/instrument_version",
                    "no such version of this instrument",
                )
            })?,
        None => instrument_store::latest(conn, key)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("no {key:?} instrument released")))?,
    };
    instruments::validate_document(&instrument.schema, &input.content, "/document/content")
        .map_err(ApiError::Validation)?;
    let (key_id, sealed) = settings.keyring.seal_json(case_id, &input.content);
    let id = instrument_store::insert_document(
        conn,
        NewDocument {
            case_id,
            key,
            version: instrument.version,
            sealed: &sealed,
            key_id: &key_id,
            created_by: &principal.subject,
        },
    )
    .await?;
    Ok((id, instrument.version))
}

/// Locks the case for a command of the responsible office and checks its ETag.
async fn lock_for_office(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    audience: Audience,
    if_match: IfMatch,
) -> ApiResult<CaseRow> {
    let office = access::require_office(audience)?;
    let case = case_store::lock_visible(conn, id, audience)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such case".into()))?;
    access::require_responsible(office, case.responsible_office_id)?;
    if_match.check(case.version)?;
    Ok(case)
}

/// The phase after `command`, given the case and its plans.
async fn next_phase(
    conn: &mut AsyncPgConnection,
    case: &CaseRow,
    command: Command,
    settings: &CaseSettings,
) -> ApiResult<Phase> {
    let proposed = plan_store::proposed(conn, case.id).await?.is_some();
    let accepted = plan_store::accepted(conn, case.id).await?.is_some();
    process::apply(
        &case_state(case, proposed, accepted)?,
        command,
        today(),
        settings.process,
    )
}

async fn finish(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    case: &CaseRow,
    step: &str,
    details: Value,
) -> ApiResult<std::collections::BTreeMap<String, String>> {
    steps::record(conn, case.id, step, principal, details).await?;
    audit::record(conn, principal, Some(case.id), &format!("case.{step}")).await?;
    case_store::external_ids(conn, case.id).await
}

fn reply(body: CaseResponse) -> HttpResponse {
    with_etag(&mut HttpResponse::Ok(), body.version).json(body)
}

fn phase_code(phase: Phase) -> Option<String> {
    Some(code(&phase))
}

/// Completing the needs assessment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "document": {"content": {"occasion": "Konflikte in Schule und Familie", "needs_areas": [{"area": "social_relations", "need_level": 2}],
        "resources": [], "risks": [], "child_protection_concern": false, "recommendation": {"help_needed": true}}},
    "participation": {"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null}}))]
pub struct AssessmentInput {
    /// The filled assessment instrument.
    pub document: DocumentInput,
    pub participation: Participation,
}

/// Complete the needs assessment (intake → assessed).
///
/// Responsible youth office; requires `If-Match`. The document is validated against the
/// assessment instrument. Publishes `case.assessment_completed.v1`.
#[utoipa::path(
    tag = "process",
    operation_id = "complete_assessment",
    request_body = AssessmentInput,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Assessed.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `assessment_only_at_intake` (or another process rule).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/assessment")]
pub async fn complete_assessment(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<AssessmentInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let input = body.into_inner()?;
    invalid(input.participation.validate("/participation"))?;
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::CompleteAssessment, &settings).await?;
            let (document, version) = store_document(
                conn,
                &settings,
                &principal,
                id,
                InstrumentKey::Assessment,
                &input.document,
            )
            .await?;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    ..Default::default()
                },
            )
            .await?;
            events::assessment_completed(conn, &row, version, &input.participation).await?;
            let ids = finish(
                conn,
                &principal,
                &row,
                "assessment_completed",
                serde_json::json!({"document_id": document, "instrument_version": version}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// A help plan version (Hilfeplan, §36 SGB VIII).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "start_on": "2026-12-01", "hours_per_week": 6.0,
    "review_interval_months": 6,
    "goals": ["Mia besucht regelmäßig die Schule.", "Die Mutter setzt verlässliche Tagesstrukturen um."],
    "measures": ["Zwei Hausbesuche pro Woche", "Begleitung zu Elterngesprächen in der Schule"],
    "participation": {"participants": ["young_person", "parent", "caseworker", "provider"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document": {"instrument_version": 1, "content": {"wishes_of_family": "Hilfe im Haushalt, Träger in Wohnortnähe.",
        "tasks": [{"by": "provider", "task": "Hausbesuche"}]}}
}))]
pub struct PlanInput {
    /// The institution to deliver the help: active, with a valid agreement.
    pub provider_id: Uuid,
    pub start_on: NaiveDate,
    /// Scope of the help (Fachleistungsstunden per week), if measured in hours.
    #[serde(default)]
    pub hours_per_week: Option<f32>,
    /// Months between reviews; the service default (6) when omitted.
    #[serde(default)]
    pub review_interval_months: Option<i32>,
    /// At least one goal.
    pub goals: Vec<String>,
    #[serde(default)]
    pub measures: Vec<String>,
    /// Without a participation record a plan cannot be agreed.
    pub participation: Participation,
    /// The filled help-plan instrument.
    pub document: DocumentInput,
}

fn validate_plan(input: &PlanInput) -> Vec<FieldError> {
    let mut errors = input.participation.validate("/participation");
    if input.goals.is_empty() {
        errors.push(FieldError::new("/goals", "a plan needs at least one goal"));
    }
    if input.goals.len() > 20 {
        errors.push(FieldError::new("/goals", "at most 20 goals"));
    }
    for (i, goal) in input.goals.iter().enumerate() {
        let len = goal.trim().chars().count();
        if len == 0 || len > 1000 {
            errors.push(FieldError::new(
                format!("/goals/{i}"),
                "must have 1 to 1000 characters",
            ));
        }
    }
    for (i, measure) in input.measures.iter().enumerate() {
        let len = measure.trim().chars().count();
        if len == 0 || len > 1000 {
            errors.push(FieldError::new(
                format!("/measures/{i}"),
                "must have 1 to 1000 characters",
            ));
        }
    }
    if input
        .hours_per_week
        .is_some_and(|h| !(h > 0.0 && h <= 168.0))
    {
        errors.push(FieldError::new(
            "/hours_per_week",
            "must be more than 0 and at most 168",
        ));
    }
    if input
        .review_interval_months
        .is_some_and(|m| !(1..=24).contains(&m))
    {
        errors.push(FieldError::new(
            "/review_interval_months",
            "must be 1 to 24",
        ));
    }
    errors
}

/// Agree a help plan (new version).
///
/// Responsible youth office; requires `If-Match`. Allowed after the assessment and while the
/// help runs (a new version supersedes the previous one once the provider accepts it). The
/// provider must be an active institution with a valid agreement (from the directory's events).
/// Publishes `case.plan_agreed.v1`.
#[utoipa::path(
    tag = "process",
    operation_id = "agree_plan",
    request_body = PlanInput,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Agreed; waits for the provider.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `plan_requires_assessment`, `plan_awaiting_provider` or `provider_requires_valid_agreement`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/plans")]
pub async fn agree_plan(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<PlanInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let input = body.into_inner()?;
    invalid(validate_plan(&input))?;
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::AgreePlan, &settings).await?;
            if !directory_copy::is_eligible_provider(conn, input.provider_id, today()).await? {
                return Err(Rule::ProviderRequiresValidAgreement
                    .conflict("the provider must be an active institution with a valid agreement"));
            }
            let (document, _) =
                store_document(conn, &settings, &principal, id, InstrumentKey::HelpPlan, &input.document).await?;
            plan_store::withdraw_proposed(conn, id).await?;
            let interval = input.review_interval_months.unwrap_or(settings.default_review_interval_months);
            let (plan, goals) = plan_store::insert(
                conn,
                NewPlan {
                    case_id: id,
                    provider_id: input.provider_id,
                    start_on: input.start_on,
                    hours_per_week: input.hours_per_week,
                    review_interval_months: interval,
                    measures: &input.measures,
                    participation: serde_json::to_value(&input.participation).map_err(ApiError::internal)?,
                    document_id: Some(document),
                    goals: &input.goals,
                },
            )
            .await?;
            let row = case_store::change(conn, id, CaseChange { phase: phase_code(phase), ..Default::default() }).await?;
            events::plan_agreed(conn, &row, &plan, goals.len()).await?;
            let ids = finish(conn, &principal, &row, "plan_agreed", serde_json::json!({"plan_version": plan.plan_version, "provider_id": plan.provider_id})).await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// The provider's answer to a plan version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Keine freie Kapazität vor Februar."}))]
pub struct PlanAnswer {
    /// Required when declining.
    #[serde(default)]
    pub reason: Option<String>,
}

async fn answer_plan(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    path: (Uuid, i32),
    answer: PlanAnswer,
    if_match: IfMatch,
    accept: bool,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let Audience::Provider(institution) = audience else {
        return Err(ApiError::Forbidden(
            "only the commissioned institution answers a plan".into(),
        ));
    };
    if !accept && answer.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(ApiError::validation(
            "/reason",
            "is required when declining",
        ));
    }
    let (id, version) = path;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = case_store::lock_visible(conn, id, audience)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such case".into()))?;
            if_match.check(case.version)?;
            let plan: PlanRow = plan_store::find_version(conn, id, version)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such plan version".into()))?;
            if plan.provider_id != institution {
                return Err(ApiError::NotFound("no such plan version".into()));
            }
            let phase = next_phase(conn, &case, Command::RespondToPlan, &settings).await?;
            if plan.status != "proposed" {
                return Err(Rule::NoPlanAwaitingProvider.conflict(format!(
                    "plan version {version} is {}, not waiting for an answer",
                    plan.status
                )));
            }
            plan_store::decide(conn, &plan, accept, answer.reason.as_deref()).await?;
            // Declining a first plan sends the case back to the assessed phase.
            let phase = if !accept
                && phase == Phase::PlanAgreed
                && plan_store::accepted(conn, id).await?.is_none()
            {
                Phase::Assessed
            } else {
                phase
            };
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    ..Default::default()
                },
            )
            .await?;
            if accept && phase == Phase::HelpRunning {
                // A new version in force restarts the review interval from its start.
                let due = plan
                    .start_on
                    .checked_add_months(Months::new(plan.review_interval_months as u32));
                plan_store::schedule_review(conn, id, row.responsible_office_id, due).await?;
            }
            let step = if accept {
                "plan_accepted"
            } else {
                "plan_declined"
            };
            let ids = finish(
                conn,
                &principal,
                &row,
                step,
                serde_json::json!({"plan_version": version}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// Accept a plan version (the commissioned institution).
///
/// Institution staff of the plan's provider; requires `If-Match` of the case.
#[utoipa::path(
    tag = "process",
    operation_id = "accept_plan",
    request_body = PlanAnswer,
    params(("id" = Uuid, Path, description = "Case id"), ("version" = i32, Path, description = "Plan version"),
        ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Accepted.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the commissioned institution.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or plan version for this institution.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `no_plan_awaiting_provider`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/plans/{version}/accept")]
pub async fn accept_plan(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    path: web::Path<(Uuid, i32)>,
    body: Json<PlanAnswer>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    answer_plan(
        principal,
        pool,
        settings,
        path.into_inner(),
        body.into_inner()?,
        if_match,
        true,
    )
    .await
}

/// Decline a plan version (the commissioned institution), with a reason.
///
/// Requires `If-Match` with the case's ETag. Declining a first plan sends the case back to
/// `assessed`.
#[utoipa::path(
    tag = "process",
    operation_id = "decline_plan",
    request_body = PlanAnswer,
    params(("id" = Uuid, Path, description = "Case id"), ("version" = i32, Path, description = "Plan version"),
        ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Declined; a first plan sends the case back to `assessed`.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the commissioned institution.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case or plan version for this institution.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `no_plan_awaiting_provider`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/plans/{version}/decline")]
pub async fn decline_plan(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    path: web::Path<(Uuid, i32)>,
    body: Json<PlanAnswer>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    answer_plan(
        principal,
        pool,
        settings,
        path.into_inner(),
        body.into_inner()?,
        if_match,
        false,
    )
    .await
}

/// Start of the help.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"started_on": "2026-12-01"}))]
pub struct HelpStart {
    /// Not in the future.
    pub started_on: NaiveDate,
}

/// Start the help (plan agreed and accepted → help running).
///
/// Responsible youth office; requires `If-Match`. Schedules the first review after the plan's
/// review interval. Publishes `case.help_started.v1`.
#[utoipa::path(
    tag = "process",
    operation_id = "start_help",
    request_body = HelpStart,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "The help runs.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `help_start_requires_accepted_plan`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/help-start")]
pub async fn start_help(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<HelpStart>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let started_on = body.into_inner()?.started_on;
    if started_on > today() {
        return Err(ApiError::validation(
            "/started_on",
            "must not be in the future",
        ));
    }
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::StartHelp, &settings).await?;
            if started_on < case.opened_on {
                return Err(ApiError::validation(
                    "/started_on",
                    "must not be before the case was opened",
                ));
            }
            let plan = plan_store::accepted(conn, id)
                .await?
                .ok_or_else(|| Rule::HelpStartRequiresAcceptedPlan.conflict("no accepted plan"))?;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    help_started_on: Some(Some(started_on)),
                    ..Default::default()
                },
            )
            .await?;
            let due =
                started_on.checked_add_months(Months::new(plan.review_interval_months as u32));
            plan_store::schedule_review(conn, id, row.responsible_office_id, due).await?;
            events::help_started(conn, &row, &plan, started_on).await?;
            let ids = finish(
                conn,
                &principal,
                &row,
                "help_started",
                serde_json::json!({"plan_version": plan.plan_version}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// Checks that `ratings` rate every goal of the plan exactly once, on the scale.
fn check_ratings(ratings: &[GoalRating], goals: &[Uuid], pointer: &str) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (i, rating) in ratings.iter().enumerate() {
        if !RATING_SCALE.contains(&rating.rating) {
            errors.push(FieldError::new(
                format!("{pointer}/{i}/rating"),
                "must be 1 to 5",
            ));
        }
        if !goals.contains(&rating.goal_id) {
            errors.push(FieldError::new(
                format!("{pointer}/{i}/goal_id"),
                "is not a goal of the plan in force",
            ));
        }
        if ratings[..i].iter().any(|r| r.goal_id == rating.goal_id) {
            errors.push(FieldError::new(
                format!("{pointer}/{i}/goal_id"),
                "rates a goal twice",
            ));
        }
    }
    if goals
        .iter()
        .any(|goal| !ratings.iter().any(|r| r.goal_id == *goal))
    {
        errors.push(FieldError::new(
            pointer,
            "must rate every goal of the plan in force",
        ));
    }
    errors
}

/// A help-plan review (Hilfeplangespräch / Fortschreibung).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2027-05-10", "progress_report": "Regelmäßiger Schulbesuch, weniger Konflikte.",
    "goal_ratings": [{"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 3}], "next_review_on": null,
    "participation": {"participants": ["young_person", "parent", "caseworker", "provider"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document": {"content": {"development": "Fortschritte in der Schule", "continue_help": true}}}))]
pub struct ReviewInput {
    /// Not in the future.
    pub held_on: NaiveDate,
    /// The provider's progress report (Entwicklungsbericht).
    #[serde(default)]
    pub progress_report: Option<String>,
    /// One rating for every goal of the plan in force.
    pub goal_ratings: Vec<GoalRating>,
    /// When the next review is due; `held_on` plus the plan's interval when omitted.
    #[serde(default)]
    pub next_review_on: Option<NaiveDate>,
    pub participation: Participation,
    /// The filled review instrument.
    pub document: DocumentInput,
}

/// Hold a review of the running help.
///
/// Responsible youth office; requires `If-Match`. Rates every goal, schedules the next review.
/// Publishes `case.review_held.v1`.
#[utoipa::path(
    tag = "process",
    operation_id = "hold_review",
    request_body = ReviewInput,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Recorded.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `review_requires_running_help`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/reviews")]
pub async fn hold_review(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<ReviewInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let input = body.into_inner()?;
    let mut errors = input.participation.validate("/participation");
    if input.held_on > today() {
        errors.push(FieldError::new("/held_on", "must not be in the future"));
    }
    if input
        .next_review_on
        .is_some_and(|next| next <= input.held_on)
    {
        errors.push(FieldError::new("/next_review_on", "must be after held_on"));
    }
    if input
        .progress_report
        .as_deref()
        .is_some_and(|r| r.chars().count() > 10_000)
    {
        errors.push(FieldError::new(
            "/progress_report",
            "must have at most 10000 characters",
        ));
    }
    invalid(errors)?;
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::HoldReview, &settings).await?;
            let plan = plan_store::accepted(conn, id)
                .await?
                .ok_or_else(|| Rule::ReviewRequiresRunningHelp.conflict("no plan in force"))?;
            let goals: Vec<Uuid> = plan_store::goals(conn, plan.id)
                .await?
                .into_iter()
                .map(|g| g.id)
                .collect();
            invalid(check_ratings(&input.goal_ratings, &goals, "/goal_ratings"))?;
            let (document, _) = store_document(
                conn,
                &settings,
                &principal,
                id,
                InstrumentKey::Review,
                &input.document,
            )
            .await?;
            let next = input.next_review_on.or_else(|| {
                input
                    .held_on
                    .checked_add_months(Months::new(plan.review_interval_months as u32))
            });
            let ratings: Vec<(Uuid, i32)> = input
                .goal_ratings
                .iter()
                .map(|r| (r.goal_id, r.rating))
                .collect();
            let review = plan_store::insert_review(
                conn,
                NewReview {
                    case_id: id,
                    plan_id: plan.id,
                    held_on: input.held_on,
                    is_final: false,
                    progress_report: input.progress_report.as_deref(),
                    participation: serde_json::to_value(&input.participation)
                        .map_err(ApiError::internal)?,
                    next_review_on: next,
                    document_id: Some(document),
                    ratings: &ratings,
                },
            )
            .await?;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    ..Default::default()
                },
            )
            .await?;
            plan_store::schedule_review(conn, id, row.responsible_office_id, next).await?;
            let in_goal_order: Vec<i32> = goals
                .iter()
                .filter_map(|goal| ratings.iter().find(|(g, _)| g == goal).map(|(_, r)| *r))
                .collect();
            events::review_held(
                conn,
                &row,
                &plan,
                input.held_on,
                in_goal_order,
                &input.participation,
            )
            .await?;
            let ids = finish(
                conn,
                &principal,
                &row,
                "review_held",
                serde_json::json!({"review_id": review.id}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// End of a help with its evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ended_on": "2027-11-30", "end_kind": "planned", "end_reason": "goals_reached",
    "final_ratings": [{"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 5}],
    "participation": {"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document": {"content": {"summary": "Ziel erreicht", "satisfaction_young_person": 5, "satisfaction_parents": 4, "follow_up": "none"}}}))]
pub struct HelpEnd {
    /// Not before the help started, not in the future.
    pub ended_on: NaiveDate,
    /// `planned` or `unplanned`.
    pub end_kind: EndKind,
    pub end_reason: EndReason,
    /// Final rating of every goal of the plan in force (evaluation of the help).
    pub final_ratings: Vec<GoalRating>,
    pub participation: Participation,
    /// The filled final-evaluation instrument.
    pub document: DocumentInput,
}

/// End the help (help running → ending) with the final evaluation.
///
/// Responsible youth office; requires `If-Match`.
#[utoipa::path(
    tag = "process",
    operation_id = "end_help",
    request_body = HelpEnd,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Ended; the case can be closed.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `end_requires_running_help`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/help-end")]
pub async fn end_help(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<HelpEnd>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let input = body.into_inner()?;
    let mut errors = input.participation.validate("/participation");
    if input.ended_on > today() {
        errors.push(FieldError::new("/ended_on", "must not be in the future"));
    }
    if input.end_kind == EndKind::WithoutHelp {
        errors.push(FieldError::new(
            "/end_kind",
            "a help that ran ends planned or unplanned",
        ));
    }
    invalid(errors)?;
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::EndHelp, &settings).await?;
            if case
                .help_started_on
                .is_some_and(|start| input.ended_on < start)
            {
                return Err(ApiError::validation(
                    "/ended_on",
                    "must not be before the help started",
                ));
            }
            let plan = plan_store::accepted(conn, id)
                .await?
                .ok_or_else(|| Rule::EndRequiresRunningHelp.conflict("no plan in force"))?;
            let goals: Vec<Uuid> = plan_store::goals(conn, plan.id)
                .await?
                .into_iter()
                .map(|g| g.id)
                .collect();
            invalid(check_ratings(
                &input.final_ratings,
                &goals,
                "/final_ratings",
            ))?;
            let (document, _) = store_document(
                conn,
                &settings,
                &principal,
                id,
                InstrumentKey::FinalEvaluation,
                &input.document,
            )
            .await?;
            let ratings: Vec<(Uuid, i32)> = input
                .final_ratings
                .iter()
                .map(|r| (r.goal_id, r.rating))
                .collect();
            plan_store::insert_review(
                conn,
                NewReview {
                    case_id: id,
                    plan_id: plan.id,
                    held_on: input.ended_on,
                    is_final: true,
                    progress_report: None,
                    participation: serde_json::to_value(&input.participation)
                        .map_err(ApiError::internal)?,
                    next_review_on: None,
                    document_id: Some(document),
                    ratings: &ratings,
                },
            )
            .await?;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    ended_on: Some(Some(input.ended_on)),
                    end_kind: Some(Some(code(&input.end_kind))),
                    end_reason: Some(Some(code(&input.end_reason))),
                    ..Default::default()
                },
            )
            .await?;
            plan_store::schedule_review(conn, id, row.responsible_office_id, None).await?;
            let ids = finish(
                conn,
                &principal,
                &row,
                "help_ended",
                serde_json::json!({"end_kind": input.end_kind, "end_reason": input.end_reason}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// Close the case after the help ended (ending → closed).
///
/// Responsible youth office; requires `If-Match`. Publishes `case.closed.v1` with the outcome
/// figures (duration, end, goal attainment).
#[utoipa::path(
    tag = "process",
    operation_id = "close_case",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Closed.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `close_requires_ended_help`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/close")]
pub async fn close(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::Close, &settings).await?;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    closed_on: Some(Some(today())),
                    ..Default::default()
                },
            )
            .await?;
            events::closed(conn, &row).await?;
            let ids = finish(conn, &principal, &row, "closed", serde_json::json!({})).await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// Closing a case without help.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"end_reason": "no_need", "participation": {"participants": ["young_person", "parent", "caseworker"],
    "young_person_heard": true, "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null}}))]
pub struct CloseWithoutHelp {
    pub end_reason: EndReason,
    pub participation: Participation,
}

/// Close the case without help (at intake or after the assessment).
///
/// Responsible youth office; requires `If-Match`. Publishes `case.closed.v1`.
#[utoipa::path(
    tag = "process",
    operation_id = "close_without_help",
    request_body = CloseWithoutHelp,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Closed.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `close_without_help_only_before_plan`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/close-without-help")]
pub async fn close_without_help(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<CloseWithoutHelp>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let input = body.into_inner()?;
    invalid(input.participation.validate("/participation"))?;
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::CloseWithoutHelp, &settings).await?;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    closed_on: Some(Some(today())),
                    end_kind: Some(Some(code(&EndKind::WithoutHelp))),
                    end_reason: Some(Some(code(&input.end_reason))),
                    ..Default::default()
                },
            )
            .await?;
            events::closed(conn, &row).await?;
            let ids = finish(
                conn,
                &principal,
                &row,
                "closed_without_help",
                serde_json::json!({"end_reason": input.end_reason}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// Offering the case to another youth office.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e61", "reason": "Umzug der Familie in den Landkreis Schwäbisch Hall (§86 SGB VIII)."}))]
pub struct TransferRequest {
    /// Another youth office.
    pub to_office_id: Uuid,
    pub reason: String,
}

/// Offer responsibility to another youth office (§86 SGB VIII).
///
/// Responsible youth office; requires `If-Match`. The receiving office can read the case and
/// accepts or declines; until then the case stays with the current office.
#[utoipa::path(
    tag = "process",
    operation_id = "request_transfer",
    request_body = TransferRequest,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Offered.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `transfer_requires_open_case` or `transfer_already_pending`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/transfer")]
pub async fn request_transfer(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<TransferRequest>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let input = body.into_inner()?;
    let len = input.reason.trim().chars().count();
    if len == 0 || len > 2000 {
        return Err(ApiError::validation(
            "/reason",
            "must have 1 to 2000 characters",
        ));
    }
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            next_phase(conn, &case, Command::RequestTransfer, &settings).await?;
            if input.to_office_id == case.responsible_office_id {
                return Err(ApiError::validation(
                    "/to_office_id",
                    "is already responsible",
                ));
            }
            let target = directory_copy::find_organization(conn, input.to_office_id).await?;
            if !target.is_some_and(|org| org.kind == "youth_office" && org.active) {
                return Err(ApiError::validation(
                    "/to_office_id",
                    "is not an active youth office",
                ));
            }
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    transfer_to_office_id: Some(Some(input.to_office_id)),
                    transfer_reason: Some(Some(input.reason.trim().to_string())),
                    ..Default::default()
                },
            )
            .await?;
            let ids = finish(
                conn,
                &principal,
                &row,
                "transfer_requested",
                serde_json::json!({"to_office_id": input.to_office_id}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

async fn answer_transfer(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: Uuid,
    if_match: IfMatch,
    accept: bool,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let office = access::require_office(audience)?;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = case_store::lock_visible(conn, id, audience)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such case".into()))?;
            if_match.check(case.version)?;
            next_phase(conn, &case, Command::AnswerTransfer, &settings).await?;
            if case.transfer_to_office_id != Some(office) {
                return Err(ApiError::Forbidden(
                    "only the office the case is offered to answers".into(),
                ));
            }
            let from = case.responsible_office_id;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    responsible_office_id: accept.then_some(office),
                    transfer_to_office_id: Some(None),
                    transfer_reason: Some(None),
                    ..Default::default()
                },
            )
            .await?;
            if accept {
                crate::store::cases::move_external_ids(conn, id, office).await?;
                if let Some(due) = plan_store::next_due(conn, id).await? {
                    plan_store::schedule_review(conn, id, office, Some(due)).await?;
                }
                events::transferred(conn, &row, from).await?;
            }
            let step = if accept {
                "transfer_accepted"
            } else {
                "transfer_declined"
            };
            let ids = finish(
                conn,
                &principal,
                &row,
                step,
                serde_json::json!({"from_office_id": from}),
            )
            .await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}

/// Accept a transfer: the caller's office becomes responsible.
///
/// Only the youth office the case is offered to; requires `If-Match` with the case's ETag.
#[utoipa::path(
    tag = "process",
    operation_id = "accept_transfer",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "The caller's office is responsible now.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the office the case is offered to.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `no_transfer_pending`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/transfer/accept")]
pub async fn accept_transfer(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    answer_transfer(principal, pool, settings, *id, if_match, true).await
}

/// Decline a transfer: the case stays with its office.
///
/// Only the youth office the case is offered to; requires `If-Match` with the case's ETag.
#[utoipa::path(
    tag = "process",
    operation_id = "decline_transfer",
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Declined.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the office the case is offered to.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `no_transfer_pending`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/transfer/decline")]
pub async fn decline_transfer(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    answer_transfer(principal, pool, settings, *id, if_match, false).await
}

/// Reopening a closed case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Erneuter Hilfebedarf nach Rückkehr in den Haushalt der Mutter."}))]
pub struct Reopen {
    pub reason: String,
}

/// Reopen a closed case (closed → intake) within the configured period after closing.
///
/// Responsible youth office; requires `If-Match`. Archived cases cannot be reopened.
#[utoipa::path(
    tag = "process",
    operation_id = "reopen_case",
    request_body = Reopen,
    params(("id" = Uuid, Path, description = "Case id"), ("If-Match" = String, Header, description = "ETag of the case")),
    responses(
        (status = 200, description = "Reopened.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `reopen_only_closed` or `reopen_window_passed`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases/{id}/reopen")]
pub async fn reopen(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<Reopen>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let reason = body.into_inner()?.reason;
    let len = reason.trim().chars().count();
    if len == 0 || len > 2000 {
        return Err(ApiError::validation(
            "/reason",
            "must have 1 to 2000 characters",
        ));
    }
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let case = lock_for_office(conn, id, audience, if_match).await?;
            let phase = next_phase(conn, &case, Command::Reopen, &settings).await?;
            // The reopened case needs a new assessment and a new plan; the old ones stay readable.
            plan_store::supersede_all(conn, id).await?;
            let row = case_store::change(
                conn,
                id,
                CaseChange {
                    phase: phase_code(phase),
                    help_started_on: Some(None),
                    ended_on: Some(None),
                    closed_on: Some(None),
                    end_kind: Some(None),
                    end_reason: Some(None),
                    ..Default::default()
                },
            )
            .await?;
            let ids = finish(conn, &principal, &row, "reopened", serde_json::json!({})).await?;
            Ok((row, ids))
        })
        .await?;
    Ok(reply(case_response(row, ids, audience, &settings)?))
}
