//! Help plans: agreed by the office, accepted or declined by the commissioned institution.

use actix_web::post;
use qmf_platform::{ApiError, ApiResult, Json, Reply};
use uuid::Uuid;

use super::CommandRequest;
use crate::app::commands::plan::{AgreePlan, AnswerPlan, PlanAnswer, PlanInput};
use crate::app::views::CaseResponse;
use crate::domain::access::Audience;

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
pub async fn agree_plan(request: CommandRequest, body: Json<PlanInput>) -> ApiResult<Reply> {
    request.run_with(body, AgreePlan).await
}

/// Extracts, authorizes and runs the institution's answer to a plan version.
async fn answer(
    request: CommandRequest<(Uuid, i32)>,
    body: Json<PlanAnswer>,
    accept: bool,
) -> ApiResult<Reply> {
    let (id, version) = request.path;
    request
        .run_on(id, |audience| {
            let Audience::Provider(institution) = audience else {
                return Err(ApiError::Forbidden(
                    "only the commissioned institution answers a plan".into(),
                ));
            };
            AnswerPlan::new(institution, version, accept, body.into_inner()?)
        })
        .await
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
    request: CommandRequest<(Uuid, i32)>,
    body: Json<PlanAnswer>,
) -> ApiResult<Reply> {
    answer(request, body, true).await
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
    request: CommandRequest<(Uuid, i32)>,
    body: Json<PlanAnswer>,
) -> ApiResult<Reply> {
    answer(request, body, false).await
}
