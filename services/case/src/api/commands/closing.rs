//! Closing a case, with or without help, and reopening it.

use actix_web::post;
use qmf_platform::{ApiResult, Json, Reply};

use super::CommandRequest;
use crate::app::commands::closing::{
    Close, CloseCaseWithoutHelp, CloseWithoutHelp, Reopen, ReopenCase,
};
use crate::app::views::CaseResponse;

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
pub async fn close(request: CommandRequest) -> ApiResult<Reply> {
    request.run(|_| Ok(Close)).await
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
    request: CommandRequest,
    body: Json<CloseWithoutHelp>,
) -> ApiResult<Reply> {
    request.run_with(body, CloseCaseWithoutHelp).await
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
pub async fn reopen(request: CommandRequest, body: Json<Reopen>) -> ApiResult<Reply> {
    request.run_with(body, ReopenCase).await
}
