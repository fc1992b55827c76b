//! Help plans: agreed by the office, accepted or declined by the commissioned institution.

use actix_web::{post, web};
use qmf_platform::{ApiError, ApiResult, IfMatch, Json, Principal, Reply, Write};
use uuid::Uuid;

use crate::app::commands::plan::{AgreePlan, AnswerPlan, PlanAnswer, PlanInput};
use crate::app::views::CaseResponse;
use crate::domain::access::{self, Audience};
use crate::settings::CaseSettings;

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
    write: Write,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<PlanInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let audience = access::audience(&principal)?;
    let input = body.into_inner()?;
    input.validate()?;
    let (id, command) = (*id, AgreePlan(input));
    super::answer(write, principal, audience, settings, id, if_match, command).await
}

/// Extracts, authorizes and runs the institution's answer to a plan version.
async fn answer(
    principal: Principal,
    write: Write,
    settings: web::Data<CaseSettings>,
    path: web::Path<(Uuid, i32)>,
    body: Json<PlanAnswer>,
    if_match: IfMatch,
    accept: bool,
) -> ApiResult<Reply> {
    let answer = body.into_inner()?;
    let audience = access::audience(&principal)?;
    let Audience::Provider(institution) = audience else {
        return Err(ApiError::Forbidden(
            "only the commissioned institution answers a plan".into(),
        ));
    };
    let (id, version) = path.into_inner();
    let command = AnswerPlan::new(institution, version, accept, answer)?;
    super::answer(write, principal, audience, settings, id, if_match, command).await
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
    write: Write,
    settings: web::Data<CaseSettings>,
    path: web::Path<(Uuid, i32)>,
    body: Json<PlanAnswer>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    answer(principal, write, settings, path, body, if_match, true).await
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
    write: Write,
    settings: web::Data<CaseSettings>,
    path: web::Path<(Uuid, i32)>,
    body: Json<PlanAnswer>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    answer(principal, write, settings, path, body, if_match, false).await
}
