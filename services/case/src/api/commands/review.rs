//! Reviews of the running help.

use actix_web::post;
use qmf_platform::{ApiResult, Json, Reply};

use super::CommandRequest;
use crate::app::commands::review::{HoldReview, ReviewInput};
use crate::app::views::CaseResponse;

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
pub async fn hold_review(request: CommandRequest, body: Json<ReviewInput>) -> ApiResult<Reply> {
    request.run_with(body, HoldReview).await
}
