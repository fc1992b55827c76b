//! Needs assessment (intake → assessed).

use actix_web::post;
use qmf_platform::{ApiResult, Json, Reply};

use super::CommandRequest;
use crate::app::commands::assessment::{AssessmentInput, CompleteAssessment};
use crate::app::views::CaseResponse;

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
    request: CommandRequest,
    body: Json<AssessmentInput>,
) -> ApiResult<Reply> {
    request.run_with(body, CompleteAssessment).await
}
