//! Transfer of responsibility to another youth office (§86 SGB VIII).

use actix_web::post;
use qmf_platform::{ApiResult, Json, Reply};

use super::CommandRequest;
use crate::app::commands::transfer::{AnswerTransfer, RequestTransfer, TransferRequest};
use crate::app::views::CaseResponse;
use crate::domain::access;

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
    request: CommandRequest,
    body: Json<TransferRequest>,
) -> ApiResult<Reply> {
    request.run_with(body, RequestTransfer).await
}

/// Extracts, authorizes and runs an office's answer to the transfer offered to it.
async fn answer(request: CommandRequest, accept: bool) -> ApiResult<Reply> {
    request
        .run(|audience| {
            let office = access::require_office(audience)?;
            Ok(AnswerTransfer { office, accept })
        })
        .await
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
pub async fn accept_transfer(request: CommandRequest) -> ApiResult<Reply> {
    answer(request, true).await
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
pub async fn decline_transfer(request: CommandRequest) -> ApiResult<Reply> {
    answer(request, false).await
}
