//! Closing a case (after the help, or without one) and reopening it.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::ApiResult;
use serde::Deserialize;
use utoipa::ToSchema;

use super::documents::{text, valid};
use super::{CaseCommand, CommandInput, Done, Locked};
use crate::domain::codes::{EndKind, EndReason};
use crate::domain::participation::Participation;
use crate::domain::process::Command;
use crate::events::Event;
use crate::store::cases::CaseChange;
use crate::store::code;
use crate::store::plans as plan_store;

/// Closes the case after the help ended. Publishes `case.closed.v1` with the outcome figures.
#[derive(Debug)]
pub struct Close;

impl CaseCommand for Close {
    const RULE: Command = Command::Close;

    async fn apply(self, _conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        Ok(Done::step("closed", serde_json::json!({}))
            .changing(CaseChange {
                closed_on: Some(Some(locked.today)),
                ..Default::default()
            })
            .publishing(Event::Closed))
    }
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

impl CommandInput for CloseWithoutHelp {
    fn validate(&self, _today: NaiveDate) -> ApiResult<()> {
        valid(self.participation.validate("/participation"))
    }
}

/// Closes the case at intake or after the assessment, without help. Publishes `case.closed.v1`.
#[derive(Debug)]
pub struct CloseCaseWithoutHelp(pub CloseWithoutHelp);

impl CaseCommand for CloseCaseWithoutHelp {
    const RULE: Command = Command::CloseWithoutHelp;

    async fn apply(self, _conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let end_reason = self.0.end_reason;
        Ok(Done::step(
            "closed_without_help",
            serde_json::json!({"end_reason": end_reason}),
        )
        .changing(CaseChange {
            closed_on: Some(Some(locked.today)),
            end_kind: Some(Some(code(&EndKind::WithoutHelp))),
            end_reason: Some(Some(code(&end_reason))),
            ..Default::default()
        })
        .publishing(Event::Closed))
    }
}

/// Reopening a closed case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Erneuter Hilfebedarf nach Rückkehr in den Haushalt der Mutter."}))]
pub struct Reopen {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

impl CommandInput for Reopen {
    fn validate(&self, _today: NaiveDate) -> ApiResult<()> {
        text("/reason", &self.reason, 2000)
    }
}

/// Reopens a closed case within the configured period (closed → intake). The reopened case
/// needs a new assessment and a new plan; the old ones stay readable.
#[derive(Debug)]
pub struct ReopenCase(pub Reopen);

impl CaseCommand for ReopenCase {
    const RULE: Command = Command::Reopen;

    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        plan_store::supersede_all(conn, locked.case.id).await?;
        Ok(
            Done::step("reopened", serde_json::json!({})).changing(CaseChange {
                help_started_on: Some(None),
                ended_on: Some(None),
                closed_on: Some(None),
                end_kind: Some(None),
                end_reason: Some(None),
                ..Default::default()
            }),
        )
    }
}
