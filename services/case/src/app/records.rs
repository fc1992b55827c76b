//! Reads of a case's plans, reviews and documents, the compound overview for integrating
//! software (one request instead of five), and the office's due reviews.

use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, Principal, not_found};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::views::{CaseResponse, case_response};
use super::{audit_refusal, today};
use crate::domain::access::{self, Audience};
use crate::domain::instruments::InstrumentKey;
use crate::settings::CaseSettings;
use crate::store::plans::{self as plan_store, GoalRow, PlanRow, ReviewRow};
use crate::store::{audit, cases as case_store, instruments as instrument_store, parse_code};

/// Longest work list of due reviews.
const MAX_DUE_REVIEWS: i64 = 500;

/// A goal of a plan.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a30-0000-7000-8000-0000000000e1", "position": 1, "description": "Jonas löst Konflikte ohne Gewalt."}))]
pub struct Goal {
    pub id: Uuid,
    pub position: i32,
    pub description: String,
}

/// A help-plan version.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"version": 1, "status": "accepted", "provider_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
    "start_on": "2027-02-01", "hours_per_week": 6.0, "review_interval_months": 6, "measures": ["Einzelgespräche", "Elterngespräche"],
    "goals": [{"id": "01937a30-0000-7000-8000-0000000000e1", "position": 1, "description": "Jonas löst Konflikte ohne Gewalt."}],
    "participation": {"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document_id": "01937a31-0000-7000-8000-0000000000f1", "decision_reason": null,
    "agreed_at": "2027-01-20T10:00:00Z", "decided_at": "2027-01-22T08:30:00Z"}))]
pub struct Plan {
    pub version: i32,
    /// `proposed` (waits for the provider), `accepted` (in force), `declined` or `superseded`.
    pub status: String,
    pub provider_id: Uuid,
    pub start_on: NaiveDate,
    pub hours_per_week: Option<f32>,
    pub review_interval_months: i32,
    pub measures: Vec<String>,
    pub goals: Vec<Goal>,
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub participation: Value,
    pub document_id: Option<Uuid>,
    pub decision_reason: Option<String>,
    pub agreed_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A held review (or, with `final`, the end-of-help evaluation).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a32-0000-7000-8000-0000000000f2", "plan_version": 1, "held_on": "2027-08-01", "final": false,
    "progress_report": "Regelmäßiger Schulbesuch.", "ratings": [{"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 3}],
    "next_review_on": "2028-02-01",
    "participation": {"participants": ["young_person", "parent", "caseworker", "provider"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null},
    "document_id": "01937a31-0000-7000-8000-0000000000f3"}))]
pub struct Review {
    pub id: Uuid,
    pub plan_version: i32,
    pub held_on: NaiveDate,
    #[serde(rename = "final")]
    pub is_final: bool,
    pub progress_report: Option<String>,
    /// Goal id → rating (1-5).
    pub ratings: Vec<RatingOut>,
    pub next_review_on: Option<NaiveDate>,
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub participation: Value,
    pub document_id: Option<Uuid>,
}

/// The rating of one goal (1 not reached … 5 fully reached).
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 3}))]
pub struct RatingOut {
    pub goal_id: Uuid,
    pub rating: i32,
}

/// A case with everything an integration needs at once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseOverview {
    pub case: CaseResponse,
    /// The plan in force (accepted), if any.
    pub current_plan: Option<Plan>,
    /// A newer version waiting for the provider's answer, if any.
    pub proposed_plan: Option<Plan>,
    pub reviews: Vec<Review>,
    /// When the next review is due; overdue when in the past.
    pub next_review_due: Option<NaiveDate>,
}

/// A filled instrument.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"id": "01937a31-0000-7000-8000-0000000000f3", "instrument": "review", "instrument_version": 1,
    "content": {"development": "Fortschritte in der Schule", "continue_help": true},
    "created_at": "2027-08-01T11:00:00Z", "created_by": "01936f40-0000-7000-8000-000000000001"}))]
pub struct Document {
    pub id: Uuid,
    pub instrument: InstrumentKey,
    /// The instrument version the document was filled with (it never changes).
    pub instrument_version: i32,
    /// The content; `null` once erased after the retention period.
    #[schema(value_type = Option<std::collections::BTreeMap<String, serde_json::Value>>)]
    pub content: Option<Value>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A review that is due.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"case_id": "01937a10-0000-7000-8000-0000000000c1", "due_on": "2027-08-01", "overdue": true}))]
pub struct DueReview {
    pub case_id: Uuid,
    pub due_on: NaiveDate,
    pub overdue: bool,
}

/// A plan version with its goals, taken from the goals of the case's plans.
fn plan_with_goals(row: PlanRow, goals: &[GoalRow]) -> Plan {
    let goals = goals
        .iter()
        .filter(|goal| goal.plan_id == row.id)
        .map(|goal| Goal {
            id: goal.id,
            position: goal.position,
            description: goal.description.clone(),
        })
        .collect();
    Plan {
        version: row.plan_version,
        status: row.status,
        provider_id: row.provider_id,
        start_on: row.start_on,
        hours_per_week: row.hours_per_week,
        review_interval_months: row.review_interval_months,
        measures: serde_json::from_value(row.measures).unwrap_or_default(),
        goals,
        participation: row.participation,
        document_id: row.document_id,
        decision_reason: row.decision_reason,
        agreed_at: row.agreed_at,
        decided_at: row.decided_at,
    }
}

/// A review with its ratings, taken from the ratings of the case's reviews (review, goal,
/// rating), and the version of the plan it reviewed.
fn review_with_ratings(row: ReviewRow, plans: &[PlanRow], ratings: &[(Uuid, Uuid, i32)]) -> Review {
    let ratings = ratings
        .iter()
        .filter(|(review_id, _, _)| *review_id == row.id)
        .map(|&(_, goal_id, rating)| RatingOut { goal_id, rating })
        .collect();
    Review {
        id: row.id,
        plan_version: plans
            .iter()
            .find(|p| p.id == row.plan_id)
            .map(|p| p.plan_version)
            .unwrap_or_default(),
        held_on: row.held_on,
        is_final: row.is_final,
        progress_report: row.progress_report,
        ratings,
        next_review_on: row.next_review_on,
        participation: row.participation,
        document_id: row.document_id,
    }
}

/// A case with its plan in force, a proposed plan, its reviews and the next review date,
/// audited as one read (a refusal too).
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub async fn overview(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    settings: &CaseSettings,
    id: Uuid,
) -> ApiResult<CaseOverview> {
    let read = async {
        let audience = access::audience(principal)?;
        let archive = access::may_read_archive(principal);
        let row = case_store::find_visible(conn, id, audience, archive)
            .await?
            .ok_or_else(|| not_found("case"))?;
        // Everything else is keyed by the case: one pipelined round trip, with the audit record.
        let shared = &*conn;
        let ((), ids, plans, goals, reviews, ratings, next_review_due) = tokio::try_join!(
            audit::record(shared, principal, Some(id), "case.overview"),
            case_store::external_ids(shared, id),
            plan_store::versions(shared, id),
            plan_store::goals_of_case(shared, id),
            plan_store::reviews_of(shared, id),
            plan_store::ratings_of_case(shared, id),
            plan_store::next_due(shared, id),
        )?;
        let plan_of = |status: &str| {
            plans
                .iter()
                .find(|plan| plan.status == status)
                .map(|plan| plan_with_goals(plan.clone(), &goals))
        };
        Ok(CaseOverview {
            case: case_response(row, ids, audience, settings)?,
            current_plan: plan_of("accepted"),
            proposed_plan: plan_of("proposed"),
            reviews: reviews
                .into_iter()
                .map(|review| review_with_ratings(review, &plans, &ratings))
                .collect(),
            next_review_due,
        })
    };
    let read = read.await;
    audit_refusal(conn, principal, Some(id), "case.overview", read).await
}

/// Every plan version of a case, newest first; an institution sees only the versions addressed
/// to it. Audited (a refusal too).
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub async fn plans(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<Plan>> {
    let read = async {
        let audience = access::audience(principal)?;
        let archive = access::may_read_archive(principal);
        case_store::find_visible(conn, id, audience, archive)
            .await?
            .ok_or_else(|| not_found("case"))?;
        let shared = &*conn;
        let ((), plans, goals) = tokio::try_join!(
            audit::record(shared, principal, Some(id), "case.plans"),
            plan_store::versions(shared, id),
            plan_store::goals_of_case(shared, id),
        )?;
        Ok(plans
            .into_iter()
            // An institution sees only the versions addressed to it.
            .filter(|plan| !matches!(audience, Audience::Provider(org) if org != plan.provider_id))
            .map(|plan| plan_with_goals(plan, &goals))
            .collect())
    };
    let read = read.await;
    audit_refusal(conn, principal, Some(id), "case.plans", read).await
}

/// A document of a case, decrypted. Institutions read the help plan, reviews and final
/// evaluation of cases they deliver, not the needs assessment. Audited (a refusal too).
#[tracing::instrument(skip_all, fields(case_id = %id, document_id = %document_id))]
pub async fn document(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    settings: &CaseSettings,
    id: Uuid,
    document_id: Uuid,
) -> ApiResult<Document> {
    let read = async {
        let audience = access::audience(principal)?;
        let archive = access::may_read_archive(principal);
        let (case, row) = tokio::try_join!(
            case_store::find_visible(conn, id, audience, archive),
            instrument_store::find_document(conn, id, document_id),
        )?;
        case.ok_or_else(|| not_found("case"))?;
        let row = row.ok_or_else(|| not_found("document"))?;
        // The delivering institution needs the plan and the reviews, not the assessment of the
        // family (data minimisation).
        if matches!(audience, Audience::Provider(_)) && row.instrument_key == "assessment" {
            return Err(not_found("document"));
        }
        audit::record(conn, principal, Some(id), "case.document").await?;
        Ok(row)
    };
    let read = read.await;
    let row = audit_refusal(conn, principal, Some(id), "case.document", read).await?;
    let content = match (&row.content, &row.content_key_id) {
        (Some(sealed), Some(key_id)) => Some(
            settings
                .keyring
                .open_json(id, key_id, sealed)
                .map_err(ApiError::internal)?,
        ),
        _ => None,
    };
    Ok(Document {
        id: row.id,
        instrument: parse_code(&row.instrument_key)?,
        instrument_version: row.instrument_version,
        content,
        created_at: row.created_at,
        created_by: row.created_by,
    })
}

/// Reviews due at the caller's youth office within `within_days` (0 to 365, default 30) from
/// today, or only the overdue ones, earliest first, at most 500; the list is audited as one
/// read naming every listed case. Access is decided (and a refusal audited) before the window is checked.
#[tracing::instrument(skip_all, fields(within_days = ?within_days, overdue_only = ?overdue_only))]
pub async fn due_reviews(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    within_days: Option<i64>,
    overdue_only: Option<bool>,
) -> ApiResult<Vec<DueReview>> {
    let office = access::audience(principal).and_then(access::require_office);
    let office = audit_refusal(conn, principal, None, "case.review_due", office).await?;
    let within = within_days.unwrap_or(30);
    if !(0..=365).contains(&within) {
        return Err(ApiError::validation(
            "/query/within_days",
            "must be 0 to 365",
        ));
    }
    let today = today();
    let until = if overdue_only.unwrap_or(false) {
        today.pred_opt().unwrap_or(today)
    } else {
        today + chrono::Duration::days(within)
    };
    let due = plan_store::due_reviews(conn, office, until, MAX_DUE_REVIEWS).await?;
    let ids: Vec<Uuid> = due.iter().map(|(id, _)| *id).collect();
    audit::record_reads(conn, principal, &ids, "case.review_due").await?;
    Ok(due
        .into_iter()
        .map(|(case_id, due_on)| DueReview {
            case_id,
            due_on,
            overdue: due_on < today,
        })
        .collect())
}
