//! Transfer of responsibility to another youth office (§86 SGB VIII): offered by the responsible
//! office, accepted or declined by the office it is offered to.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_directory_copy::store as directory_copy;
use qmf_platform::{ApiError, ApiResult};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::documents::text;
use super::{CaseCommand, CommandInput, Done, Giver, Locked};
use crate::domain::process::Command;
use crate::events::Event;
use crate::store::cases::{self as case_store, CaseChange};
use crate::store::plans as plan_store;

/// Offering the case to another youth office.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"to_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e61", "reason": "Umzug der Familie in den Landkreis Schwäbisch Hall (§86 SGB VIII)."}))]
pub struct TransferRequest {
    /// Another youth office.
    pub to_office_id: Uuid,
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl CommandInput for TransferRequest {
    fn validate(&self, _today: NaiveDate) -> ApiResult<()> {
        text("/reason", &self.reason, 2000)
    }
}

/// Offers the case to another active youth office; until it answers, the case stays with the
/// responsible office.
#[derive(Debug)]
pub struct RequestTransfer(pub TransferRequest);

impl CaseCommand for RequestTransfer {
    const RULE: Command = Command::RequestTransfer;

    #[tracing::instrument(name = "request_transfer", skip_all, fields(to_office_id = %self.0.to_office_id))]
    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let input = self.0;
        if input.to_office_id == locked.case.responsible_office_id {
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
        Ok(Done::step(
            "transfer_requested",
            serde_json::json!({"to_office_id": input.to_office_id}),
        )
        .changing(CaseChange {
            transfer_to_office_id: Some(Some(input.to_office_id)),
            transfer_reason: Some(Some(input.reason.trim().to_string())),
            ..Default::default()
        }))
    }
}

/// The office a case is offered to accepts it (it becomes responsible, with the case's external
/// ids and review schedule; publishes `case.transferred.v1`) or declines it.
#[derive(Debug)]
pub struct AnswerTransfer {
    /// The answering office.
    pub office: Uuid,
    pub accept: bool,
}

impl CaseCommand for AnswerTransfer {
    const GIVER: Giver = Giver::Addressee;
    const RULE: Command = Command::AnswerTransfer;

    #[tracing::instrument(name = "answer_transfer", skip_all, fields(office_id = %self.office, accept = self.accept))]
    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let case = &locked.case;
        if case.transfer_to_office_id != Some(self.office) {
            return Err(ApiError::Forbidden(
                "only the office the case is offered to answers".into(),
            ));
        }
        let from = case.responsible_office_id;
        let details = serde_json::json!({"from_office_id": from});
        let change = CaseChange {
            responsible_office_id: self.accept.then_some(self.office),
            transfer_to_office_id: Some(None),
            transfer_reason: Some(None),
            ..Default::default()
        };
        if !self.accept {
            return Ok(Done::step("transfer_declined", details).changing(change));
        }
        case_store::move_external_ids(conn, case.id, self.office).await?;
        if let Some(due) = plan_store::next_due(conn, case.id).await? {
            plan_store::schedule_review(conn, case.id, self.office, Some(due)).await?;
        }
        Ok(Done::step("transfer_accepted", details)
            .changing(change)
            .publishing(Event::Transferred {
                from_office_id: from,
            }))
    }
}
