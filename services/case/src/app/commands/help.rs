//! The help itself: it starts once the provider accepted the plan, and ends with the final
//! evaluation.

use chrono::{Months, NaiveDate};
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, FieldError, RuleName};
use serde::Deserialize;
use utoipa::ToSchema;

use super::documents::{DocumentInput, GoalRating, check_ratings, goal_ids, store_document, valid};
use super::{CaseCommand, CommandInput, Done, Locked};
use crate::domain::codes::{EndKind, EndReason};
use crate::domain::instruments::InstrumentKey;
use crate::domain::participation::Participation;
use crate::domain::process::Command;
use crate::domain::rules::Rule;
use crate::events::Event;
use crate::store::cases::CaseChange;
use crate::store::code;
use crate::store::plans::{self as plan_store, NewReview};

/// Start of the help.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"started_on": "2026-12-01"}))]
pub struct HelpStart {
    /// Not in the future.
    pub started_on: NaiveDate,
}

impl CommandInput for HelpStart {
    fn validate(&self, today: NaiveDate) -> ApiResult<()> {
        if self.started_on > today {
            return Err(ApiError::validation(
                "/started_on",
                "must not be in the future",
            ));
        }
        Ok(())
    }
}

/// Starts the help under the accepted plan and schedules the first review after the plan's
/// interval. Publishes `case.help_started.v1`.
#[derive(Debug)]
pub struct StartHelp(pub HelpStart);

impl CaseCommand for StartHelp {
    const RULE: Command = Command::StartHelp;

    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let started_on = self.0.started_on;
        if started_on < locked.case.opened_on {
            return Err(ApiError::validation(
                "/started_on",
                "must not be before the case was opened",
            ));
        }
        let plan = locked
            .accepted_plan
            .ok_or_else(|| Rule::HelpStartRequiresAcceptedPlan.conflict("no accepted plan"))?;
        let due = started_on.checked_add_months(Months::new(plan.review_interval_months as u32));
        plan_store::schedule_review(conn, locked.case.id, locked.case.responsible_office_id, due)
            .await?;
        let details = serde_json::json!({"plan_version": plan.plan_version});
        Ok(Done::step("help_started", details)
            .changing(CaseChange {
                help_started_on: Some(Some(started_on)),
                ..Default::default()
            })
            .publishing(Event::HelpStarted { plan, started_on }))
    }
}

/// End of a help with its evaluation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"ended_on": "2027-11-30", "end_kind": "planned", "end_reason": "goals_reached",
    "final_ratings": [{"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 5}],
    "participation": {"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document": {"content": {"summary": "Ziel erreicht", "satisfaction_young_person": 5, "satisfaction_parents": 4, "follow_up": "none"}}}))]
pub struct HelpEnd {
    /// Not before the help started, not in the future.
    pub ended_on: NaiveDate,
    /// `planned` or `unplanned`.
    pub end_kind: EndKind,
    pub end_reason: EndReason,
    /// Final rating of every goal of the plan in force (evaluation of the help).
    pub final_ratings: Vec<GoalRating>,
    pub participation: Participation,
    /// The filled final-evaluation instrument.
    pub document: DocumentInput,
}

impl CommandInput for HelpEnd {
    fn validate(&self, today: NaiveDate) -> ApiResult<()> {
        let mut errors = self.participation.validate("/participation");
        if self.ended_on > today {
            errors.push(FieldError::new("/ended_on", "must not be in the future"));
        }
        if self.end_kind == EndKind::WithoutHelp {
            errors.push(FieldError::new(
                "/end_kind",
                "a help that ran ends planned or unplanned",
            ));
        }
        valid(errors)
    }
}

/// Ends the running help with the final rating of every goal and the final-evaluation
/// instrument; no review is due any more.
#[derive(Debug)]
pub struct EndHelp(pub HelpEnd);

impl CaseCommand for EndHelp {
    const RULE: Command = Command::EndHelp;

    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let input = self.0;
        if locked
            .case
            .help_started_on
            .is_some_and(|start| input.ended_on < start)
        {
            return Err(ApiError::validation(
                "/ended_on",
                "must not be before the help started",
            ));
        }
        let plan = locked
            .accepted_plan
            .as_ref()
            .ok_or_else(|| Rule::EndRequiresRunningHelp.conflict("no plan in force"))?;
        let goals = goal_ids(conn, plan.id).await?;
        let ratings = check_ratings(&input.final_ratings, &goals, "/final_ratings")?;
        let (document, _) = store_document(
            conn,
            &locked,
            InstrumentKey::FinalEvaluation,
            &input.document,
        )
        .await?;
        let case_id = locked.case.id;
        plan_store::insert_review(
            conn,
            NewReview {
                case_id,
                plan_id: plan.id,
                held_on: input.ended_on,
                is_final: true,
                progress_report: None,
                participation: serde_json::to_value(&input.participation)
                    .map_err(ApiError::internal)?,
                next_review_on: None,
                document_id: Some(document),
                ratings: &ratings,
            },
        )
        .await?;
        plan_store::schedule_review(conn, case_id, locked.case.responsible_office_id, None).await?;
        let details =
            serde_json::json!({"end_kind": input.end_kind, "end_reason": input.end_reason});
        Ok(Done::step("help_ended", details).changing(CaseChange {
            ended_on: Some(Some(input.ended_on)),
            end_kind: Some(Some(code(&input.end_kind))),
            end_reason: Some(Some(code(&input.end_reason))),
            ..Default::default()
        }))
    }
}
