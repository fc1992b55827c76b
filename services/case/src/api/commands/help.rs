//! The help: its start and its end with the final evaluation.

use actix_web::post;
use qmf_platform::{ApiResult, Json, Reply};

use super::CommandRequest;
use crate::app::commands::help::{EndHelp, HelpEnd, HelpStart, StartHelp};
use crate::app::views::CaseResponse;

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
pub async fn start_help(request: CommandRequest, body: Json<HelpStart>) -> ApiResult<Reply> {
    request.run_with(body, StartHelp).await
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
pub async fn end_help(request: CommandRequest, body: Json<HelpEnd>) -> ApiResult<Reply> {
    request.run_with(body, EndHelp).await
}
