//! Reviews of the running help (Hilfeplangespräch / Fortschreibung).

use chrono::{Months, NaiveDate};
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, FieldError, RuleName};
use serde::Deserialize;
use utoipa::ToSchema;

use super::documents::{DocumentInput, GoalRating, check_ratings, goal_ids, store_document, valid};
use super::{CaseCommand, CommandInput, Done, Locked};
use crate::domain::instruments::InstrumentKey;
use crate::domain::participation::Participation;
use crate::domain::process::Command;
use crate::domain::rules::Rule;
use crate::events::Event;
use crate::store::plans::{self as plan_store, NewReview};

/// A help-plan review (Hilfeplangespräch / Fortschreibung).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"held_on": "2027-05-10", "progress_report": "Regelmäßiger Schulbesuch, weniger Konflikte.",
    "goal_ratings": [{"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 3}], "next_review_on": null,
    "participation": {"participants": ["young_person", "parent", "caseworker", "provider"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document": {"content": {"development": "Fortschritte in der Schule", "continue_help": true}}}))]
pub struct ReviewInput {
    /// Not in the future.
    pub held_on: NaiveDate,
    /// The provider's progress report (Entwicklungsbericht).
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub progress_report: Option<String>,
    /// One rating for every goal of the plan in force.
    pub goal_ratings: Vec<GoalRating>,
    /// When the next review is due; `held_on` plus the plan's interval when omitted.
    #[serde(default)]
    pub next_review_on: Option<NaiveDate>,
    pub participation: Participation,
    /// The filled review instrument.
    pub document: DocumentInput,
}

impl CommandInput for ReviewInput {
    fn validate(&self, today: NaiveDate) -> ApiResult<()> {
        let mut errors = self.participation.validate("/participation");
        if self.held_on > today {
            errors.push(FieldError::new("/held_on", "must not be in the future"));
        }
        if self.next_review_on.is_some_and(|next| next <= self.held_on) {
            errors.push(FieldError::new("/next_review_on", "must be after held_on"));
        }
        if self
            .progress_report
            .as_deref()
            .is_some_and(|r| r.chars().count() > 10_000)
        {
            errors.push(FieldError::new(
                "/progress_report",
                "must have at most 10000 characters",
            ));
        }
        valid(errors)
    }
}

/// Holds a review of the plan in force: rates every goal, stores the review instrument and
/// schedules the next review. Publishes `case.review_held.v1`.
#[derive(Debug)]
pub struct HoldReview(pub ReviewInput);

impl CaseCommand for HoldReview {
    const RULE: Command = Command::HoldReview;

    async fn apply(self, conn: &mut AsyncPgConnection, mut locked: Locked<'_>) -> ApiResult<Done> {
        let input = self.0;
        let Some(plan) = locked.accepted_plan.take() else {
            return Err(Rule::ReviewRequiresRunningHelp.conflict("no plan in force"));
        };
        let goals = goal_ids(conn, plan.id).await?;
        let ratings = check_ratings(&input.goal_ratings, &goals, "/goal_ratings")?;
        let (document, _) =
            store_document(conn, &locked, InstrumentKey::Review, &input.document).await?;
        let next_review = input.next_review_on.or_else(|| {
            input
                .held_on
                .checked_add_months(Months::new(plan.review_interval_months as u32))
        });
        let case_id = locked.case.id;
        let review = plan_store::insert_review(
            conn,
            NewReview {
                case_id,
                plan_id: plan.id,
                held_on: input.held_on,
                is_final: false,
                progress_report: input.progress_report.as_deref(),
                participation: serde_json::to_value(&input.participation)
                    .map_err(ApiError::internal)?,
                next_review_on: next_review,
                document_id: Some(document),
                ratings: &ratings,
            },
        )
        .await?;
        plan_store::schedule_review(
            conn,
            case_id,
            locked.case.responsible_office_id,
            next_review,
        )
        .await?;
        let in_goal_order: Vec<i32> = goals
            .iter()
            .filter_map(|goal| ratings.iter().find(|(g, _)| g == goal).map(|(_, r)| *r))
            .collect();
        let details = serde_json::json!({"review_id": review.id});
        let event = Event::ReviewHeld {
            plan,
            held_on: input.held_on,
            ratings: in_goal_order,
            participation: input.participation,
        };
        Ok(Done::step("review_held", details).publishing(event))
    }
}
