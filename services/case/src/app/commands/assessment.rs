//! Needs assessment (Bedarfserhebung): intake → assessed.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::ApiResult;
use serde::Deserialize;
use utoipa::ToSchema;

use super::documents::{DocumentInput, store_document, valid};
use super::{CaseCommand, CommandInput, Done, Locked};
use crate::domain::instruments::InstrumentKey;
use crate::domain::participation::Participation;
use crate::domain::process::Command;
use crate::events::Event;

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

impl CommandInput for AssessmentInput {
    fn validate(&self, _today: NaiveDate) -> ApiResult<()> {
        valid(self.participation.validate("/participation"))
    }
}

/// Completes the needs assessment with the filled assessment instrument. Publishes
/// `case.assessment_completed.v1`.
#[derive(Debug)]
pub struct CompleteAssessment(pub AssessmentInput);

impl CaseCommand for CompleteAssessment {
    const RULE: Command = Command::CompleteAssessment;

    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let input = self.0;
        let (document, version) =
            store_document(conn, &locked, InstrumentKey::Assessment, &input.document).await?;
        Ok(Done::step(
            "assessment_completed",
            serde_json::json!({"document_id": document, "instrument_version": version}),
        )
        .publishing(Event::AssessmentCompleted {
            instrument_version: version,
            participation: input.participation,
        }))
    }
}
