//! Help plans (Hilfeplan, §36 SGB VIII): the office agrees a version, the provider accepts or
//! declines it.

use chrono::{Months, NaiveDate};
use diesel_async::AsyncPgConnection;
use qmf_directory_copy::store as directory_copy;
use qmf_platform::{ApiError, ApiResult, FieldError, RuleName, not_found};
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::documents::{DocumentInput, store_document, valid};
use super::{CaseCommand, CommandInput, Done, Giver, Locked};
use crate::domain::codes::Phase;
use crate::domain::instruments::InstrumentKey;
use crate::domain::participation::Participation;
use crate::domain::process::Command;
use crate::domain::rules::Rule;
use crate::events::Event;
use crate::store::cases::CaseRow;
use crate::store::plans::{self as plan_store, NewPlan, PlanRow};

/// A help plan version (Hilfeplan, §36 SGB VIII).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "start_on": "2026-12-01", "hours_per_week": 6.0,
    "review_interval_months": 6,
    "goals": ["Mia besucht regelmäßig die Schule.", "Die Mutter setzt verlässliche Tagesstrukturen um."],
    "measures": ["Zwei Hausbesuche pro Woche", "Begleitung zu Elterngesprächen in der Schule"],
    "participation": {"participants": ["young_person", "parent", "caseworker", "provider"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document": {"instrument_version": 1, "content": {"wishes_of_family": "Hilfe im Haushalt, Träger in Wohnortnähe.",
        "tasks": [{"by": "provider", "task": "Hausbesuche"}]}}
}))]
pub struct PlanInput {
    /// The institution to deliver the help: active, with a valid agreement.
    pub provider_id: Uuid,
    pub start_on: NaiveDate,
    /// Scope of the help (Fachleistungsstunden per week), if measured in hours.
    #[serde(default)]
    #[schema(exclusive_minimum = 0, maximum = 168)]
    pub hours_per_week: Option<f32>,
    /// Months between reviews; the service default (6) when omitted.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 24)]
    pub review_interval_months: Option<i32>,
    /// At least one goal.
    #[schema(min_items = 1, max_items = 20, min_length = 1, max_length = 1000)]
    pub goals: Vec<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 1000)]
    pub measures: Vec<String>,
    /// Without a participation record a plan cannot be agreed.
    pub participation: Participation,
    /// The filled help-plan instrument.
    pub document: DocumentInput,
}

impl CommandInput for PlanInput {
    fn validate(&self, _today: NaiveDate) -> ApiResult<()> {
        let mut errors = self.participation.validate("/participation");
        if self.goals.is_empty() {
            errors.push(FieldError::new("/goals", "a plan needs at least one goal"));
        }
        if self.goals.len() > 20 {
            errors.push(FieldError::new("/goals", "at most 20 goals"));
        }
        for (list, texts) in [("goals", &self.goals), ("measures", &self.measures)] {
            for (i, text) in texts.iter().enumerate() {
                let len = text.trim().chars().count();
                if len == 0 || len > 1000 {
                    errors.push(FieldError::new(
                        format!("/{list}/{i}"),
                        "must have 1 to 1000 characters",
                    ));
                }
            }
        }
        if self
            .hours_per_week
            .is_some_and(|h| !(h > 0.0 && h <= 168.0))
        {
            errors.push(FieldError::new(
                "/hours_per_week",
                "must be more than 0 and at most 168",
            ));
        }
        if self
            .review_interval_months
            .is_some_and(|m| !(1..=24).contains(&m))
        {
            errors.push(FieldError::new(
                "/review_interval_months",
                "must be 1 to 24",
            ));
        }
        valid(errors)
    }
}

/// Agrees a new plan version; it waits for the provider's answer and replaces a version still
/// waiting. Publishes `case.plan_agreed.v1`.
#[derive(Debug)]
pub struct AgreePlan(pub PlanInput);

impl CaseCommand for AgreePlan {
    const RULE: Command = Command::AgreePlan;

    #[tracing::instrument(name = "agree_plan", skip_all, fields(provider_id = %self.0.provider_id))]
    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let input = self.0;
        if !directory_copy::is_eligible_provider(conn, input.provider_id, locked.today).await? {
            return Err(Rule::ProviderRequiresValidAgreement
                .conflict("the provider must be an active institution with a valid agreement"));
        }
        let (document, _) =
            store_document(conn, &locked, InstrumentKey::HelpPlan, &input.document).await?;
        let case_id = locked.case.id;
        let shared = &*conn;
        let ((), version) = tokio::try_join!(
            plan_store::withdraw_proposed(shared, case_id),
            plan_store::next_version(shared, case_id)
        )?;
        let interval = input
            .review_interval_months
            .unwrap_or(locked.caller.settings.default_review_interval_months);
        let (plan, goals) = plan_store::insert(
            shared,
            NewPlan {
                case_id,
                provider_id: input.provider_id,
                start_on: input.start_on,
                hours_per_week: input.hours_per_week,
                review_interval_months: interval,
                measures: &input.measures,
                participation: serde_json::to_value(&input.participation)
                    .map_err(ApiError::internal)?,
                document_id: Some(document),
                goals: &input.goals,
            },
            version,
        )
        .await?;
        let details =
            serde_json::json!({"plan_version": plan.plan_version, "provider_id": plan.provider_id});
        Ok(
            Done::step("plan_agreed", details).publishing(Event::PlanAgreed {
                plan,
                goal_count: goals.len(),
            }),
        )
    }
}

/// The provider's answer to a plan version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Keine freie Kapazität vor Februar."}))]
pub struct PlanAnswer {
    /// Required when declining.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The commissioned institution accepts or declines a plan version. An accepted version is in
/// force (superseding the previous one; while the help runs it restarts the review interval);
/// declining a first plan sends the case back to the assessed phase.
#[derive(Debug)]
pub struct AnswerPlan {
    institution: Uuid,
    version: i32,
    accept: bool,
    reason: Option<String>,
    /// The answered version, found before the process rule is checked.
    plan: Option<PlanRow>,
}

impl AnswerPlan {
    /// `institution` answers plan version `version`; declining needs a reason.
    pub fn new(
        institution: Uuid,
        version: i32,
        accept: bool,
        answer: PlanAnswer,
    ) -> ApiResult<Self> {
        if !accept && answer.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            return Err(ApiError::validation(
                "/reason",
                "is required when declining",
            ));
        }
        Ok(AnswerPlan {
            institution,
            version,
            accept,
            reason: answer.reason,
            plan: None,
        })
    }
}

impl CaseCommand for AnswerPlan {
    const GIVER: Giver = Giver::Addressee;
    const RULE: Command = Command::RespondToPlan;

    /// The version must exist and be addressed to the institution; another institution's
    /// version is not there for it (404, like a missing one).
    async fn prepare(&mut self, conn: &mut AsyncPgConnection, case: &CaseRow) -> ApiResult<()> {
        let plan = plan_store::find_version(conn, case.id, self.version)
            .await?
            .filter(|plan| plan.provider_id == self.institution)
            .ok_or_else(|| not_found("plan version"))?;
        self.plan = Some(plan);
        Ok(())
    }

    #[tracing::instrument(name = "answer_plan", skip_all, fields(plan_version = self.version, accept = self.accept))]
    async fn apply(self, conn: &mut AsyncPgConnection, locked: Locked<'_>) -> ApiResult<Done> {
        let plan = self.plan.ok_or_else(|| not_found("plan version"))?;
        if plan.status != "proposed" {
            return Err(Rule::NoPlanAwaitingProvider.conflict(format!(
                "plan version {} is {}, not waiting for an answer",
                self.version, plan.status
            )));
        }
        plan_store::decide(conn, &plan, self.accept, self.reason.as_deref()).await?;
        // Declining a first plan sends the case back to the assessed phase.
        let phase =
            if !self.accept && locked.next == Phase::PlanAgreed && locked.accepted_plan.is_none() {
                Phase::Assessed
            } else {
                locked.next
            };
        if self.accept && phase == Phase::HelpRunning {
            // A new version in force restarts the review interval from its start.
            let due = plan
                .start_on
                .checked_add_months(Months::new(plan.review_interval_months as u32));
            plan_store::schedule_review(
                conn,
                locked.case.id,
                locked.case.responsible_office_id,
                due,
            )
            .await?;
        }
        let step = if self.accept {
            "plan_accepted"
        } else {
            "plan_declined"
        };
        Ok(Done::step(step, serde_json::json!({"plan_version": self.version})).in_phase(phase))
    }
}
