//! Help plans, their goals, reviews and goal ratings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::schema::{goal_ratings, plan_goals, plans, review_schedule, reviews};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans)]
pub struct PlanRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub plan_version: i32,
    pub provider_id: Uuid,
    pub start_on: NaiveDate,
    pub hours_per_week: Option<f32>,
    pub review_interval_months: i32,
    pub measures: serde_json::Value,
    pub participation: serde_json::Value,
    pub document_id: Option<Uuid>,
    pub status: String,
    pub decision_reason: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub agreed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plan_goals)]
pub struct GoalRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub position: i32,
    pub description: String,
}

pub struct NewPlan<'a> {
    pub case_id: Uuid,
    pub provider_id: Uuid,
    pub start_on: NaiveDate,
    pub hours_per_week: Option<f32>,
    pub review_interval_months: i32,
    pub measures: &'a [String],
    pub participation: serde_json::Value,
    pub document_id: Option<Uuid>,
    pub goals: &'a [String],
}

/// The version number the next plan of a case takes (the case is locked by the command).
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn next_version(mut conn: &AsyncPgConnection, case_id: Uuid) -> Result<i32, ApiError> {
    let newest: Option<i32> = plans::table
        .filter(plans::case_id.eq(case_id))
        .select(diesel::dsl::max(plans::plan_version))
        .first(&mut conn)
        .await?;
    Ok(newest.unwrap_or(0) + 1)
}

/// Inserts plan version `version` as `proposed`, with its goals (at least one), in one round
/// trip.
#[tracing::instrument(skip_all, fields(case_id = %new.case_id, provider_id = %new.provider_id))]
pub async fn insert(
    mut conn: &AsyncPgConnection,
    new: NewPlan<'_>,
    version: i32,
) -> Result<(PlanRow, Vec<GoalRow>), ApiError> {
    let plan_id = Uuid::now_v7();
    let plan = diesel::insert_into(plans::table)
        .values((
            plans::id.eq(plan_id),
            plans::case_id.eq(new.case_id),
            plans::plan_version.eq(version),
            plans::provider_id.eq(new.provider_id),
            plans::start_on.eq(new.start_on),
            plans::hours_per_week.eq(new.hours_per_week),
            plans::review_interval_months.eq(new.review_interval_months),
            plans::measures.eq(serde_json::json!(new.measures)),
            plans::participation.eq(new.participation),
            plans::document_id.eq(new.document_id),
            plans::status.eq("proposed"),
        ))
        .returning(PlanRow::as_returning())
        .get_result::<PlanRow>(&mut conn);
    let goals: Vec<_> = new
        .goals
        .iter()
        .enumerate()
        .map(|(i, text)| {
            (
                plan_goals::id.eq(Uuid::now_v7()),
                plan_goals::plan_id.eq(plan_id),
                plan_goals::position.eq(i as i32 + 1),
                plan_goals::description.eq(text.trim()),
            )
        })
        .collect();
    let mut goal_conn = conn;
    let goals = diesel::insert_into(plan_goals::table)
        .values(goals)
        .returning(GoalRow::as_returning())
        .get_results::<GoalRow>(&mut goal_conn);
    let (plan, goals) = tokio::try_join!(plan, goals)?;
    Ok((plan, goals))
}

/// Every plan version of a case, newest first.
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn versions(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<Vec<PlanRow>, ApiError> {
    Ok(plans::table
        .filter(plans::case_id.eq(case_id))
        .select(PlanRow::as_select())
        .order(plans::plan_version.desc())
        .load(&mut conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(case_id = %case_id, version))]
pub async fn find_version(
    conn: &mut AsyncPgConnection,
    case_id: Uuid,
    version: i32,
) -> Result<Option<PlanRow>, ApiError> {
    Ok(plans::table
        .filter(plans::case_id.eq(case_id))
        .filter(plans::plan_version.eq(version))
        .select(PlanRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The plan in force: the accepted version, if any.
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn accepted(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<Option<PlanRow>, ApiError> {
    Ok(plans::table
        .filter(plans::case_id.eq(case_id))
        .filter(plans::status.eq("accepted"))
        .select(PlanRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

/// The plan versions still open on a case: the one waiting for the provider's answer and the
/// one in force (accepted), each if any. One statement, so a command reads both together with
/// its lock on the case.
#[derive(Debug, Default)]
pub struct OpenPlans {
    pub proposed: Option<PlanRow>,
    pub accepted: Option<PlanRow>,
}

/// The proposed and the accepted plan version of a case (the newest of each, if ever more).
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn open(mut conn: &AsyncPgConnection, case_id: Uuid) -> Result<OpenPlans, ApiError> {
    let rows: Vec<PlanRow> = plans::table
        .filter(plans::case_id.eq(case_id))
        .filter(plans::status.eq_any(["proposed", "accepted"]))
        .order(plans::plan_version.desc())
        .select(PlanRow::as_select())
        .load(&mut conn)
        .await?;
    let mut open = OpenPlans::default();
    for row in rows {
        let slot = match row.status.as_str() {
            "proposed" => &mut open.proposed,
            _ => &mut open.accepted,
        };
        if slot.is_none() {
            *slot = Some(row);
        }
    }
    Ok(open)
}

/// The goals of every plan version of a case, by plan and position.
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn goals_of_case(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<Vec<GoalRow>, ApiError> {
    Ok(plan_goals::table
        .inner_join(plans::table)
        .filter(plans::case_id.eq(case_id))
        .select(GoalRow::as_select())
        .order((plan_goals::plan_id, plan_goals::position.asc()))
        .load(&mut conn)
        .await?)
}

/// The goal ratings of every review of a case: (review, goal, rating).
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn ratings_of_case(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<Vec<(Uuid, Uuid, i32)>, ApiError> {
    Ok(goal_ratings::table
        .inner_join(reviews::table)
        .filter(reviews::case_id.eq(case_id))
        .select((
            goal_ratings::review_id,
            goal_ratings::goal_id,
            goal_ratings::rating,
        ))
        .load(&mut conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(plan_id = %plan_id))]
pub async fn goals(conn: &mut AsyncPgConnection, plan_id: Uuid) -> Result<Vec<GoalRow>, ApiError> {
    Ok(plan_goals::table
        .filter(plan_goals::plan_id.eq(plan_id))
        .select(GoalRow::as_select())
        .order(plan_goals::position.asc())
        .load(conn)
        .await?)
}

/// Records the provider's answer. An accepted version supersedes the previously accepted one.
#[tracing::instrument(skip_all, fields(case_id = %plan.case_id, plan_version = plan.plan_version, accept))]
pub async fn decide(
    conn: &AsyncPgConnection,
    plan: &PlanRow,
    accept: bool,
    reason: Option<&str>,
) -> Result<PlanRow, ApiError> {
    // The version in force is superseded before the answer is written; one round trip.
    let mut first = conn;
    let superseded = async move {
        if !accept {
            return Ok(0);
        }
        diesel::update(
            plans::table
                .filter(plans::case_id.eq(plan.case_id))
                .filter(plans::status.eq("accepted")),
        )
        .set(plans::status.eq("superseded"))
        .execute(&mut first)
        .await
    };
    let mut second = conn;
    let decided = diesel::update(plans::table.filter(plans::id.eq(plan.id)))
        .set((
            plans::status.eq(if accept { "accepted" } else { "declined" }),
            plans::decision_reason.eq(reason),
            plans::decided_at.eq(diesel::dsl::now),
        ))
        .returning(PlanRow::as_returning())
        .get_result::<PlanRow>(&mut second);
    let (_, decided) = tokio::try_join!(superseded, decided)?;
    Ok(decided)
}

/// Ends every plan version still in force or waiting (a reopened case starts afresh).
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn supersede_all(conn: &mut AsyncPgConnection, case_id: Uuid) -> Result<(), ApiError> {
    diesel::update(
        plans::table
            .filter(plans::case_id.eq(case_id))
            .filter(plans::status.eq_any(["proposed", "accepted"])),
    )
    .set(plans::status.eq("superseded"))
    .execute(conn)
    .await?;
    Ok(())
}

/// A still unanswered older version is replaced by a new proposal.
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn withdraw_proposed(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<(), ApiError> {
    diesel::update(
        plans::table
            .filter(plans::case_id.eq(case_id))
            .filter(plans::status.eq("proposed")),
    )
    .set(plans::status.eq("superseded"))
    .execute(&mut conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews)]
pub struct ReviewRow {
    pub id: Uuid,
    pub case_id: Uuid,
    pub plan_id: Uuid,
    pub held_on: NaiveDate,
    pub is_final: bool,
    pub progress_report: Option<String>,
    pub participation: serde_json::Value,
    pub next_review_on: Option<NaiveDate>,
    pub document_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

pub struct NewReview<'a> {
    pub case_id: Uuid,
    pub plan_id: Uuid,
    pub held_on: NaiveDate,
    pub is_final: bool,
    pub progress_report: Option<&'a str>,
    pub participation: serde_json::Value,
    pub next_review_on: Option<NaiveDate>,
    pub document_id: Option<Uuid>,
    pub ratings: &'a [(Uuid, i32)],
}

#[tracing::instrument(skip_all, fields(case_id = %new.case_id, plan_id = %new.plan_id, is_final = new.is_final))]
pub async fn insert_review(
    conn: &mut AsyncPgConnection,
    new: NewReview<'_>,
) -> Result<ReviewRow, ApiError> {
    let review: ReviewRow = diesel::insert_into(reviews::table)
        .values((
            reviews::id.eq(Uuid::now_v7()),
            reviews::case_id.eq(new.case_id),
            reviews::plan_id.eq(new.plan_id),
            reviews::held_on.eq(new.held_on),
            reviews::is_final.eq(new.is_final),
            reviews::progress_report.eq(new.progress_report),
            reviews::participation.eq(new.participation),
            reviews::next_review_on.eq(new.next_review_on),
            reviews::document_id.eq(new.document_id),
        ))
        .returning(ReviewRow::as_returning())
        .get_result(conn)
        .await?;
    let ratings: Vec<_> = new
        .ratings
        .iter()
        .map(|(goal, rating)| {
            (
                goal_ratings::review_id.eq(review.id),
                goal_ratings::goal_id.eq(*goal),
                goal_ratings::rating.eq(*rating),
            )
        })
        .collect();
    diesel::insert_into(goal_ratings::table)
        .values(ratings)
        .execute(conn)
        .await?;
    Ok(review)
}

#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn reviews_of(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<Vec<ReviewRow>, ApiError> {
    Ok(reviews::table
        .filter(reviews::case_id.eq(case_id))
        .select(ReviewRow::as_select())
        .order((reviews::held_on.asc(), reviews::created_at.asc()))
        .load(&mut conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(review_id = %review_id))]
pub async fn ratings_of(
    conn: &mut AsyncPgConnection,
    review_id: Uuid,
) -> Result<Vec<(Uuid, i32)>, ApiError> {
    Ok(goal_ratings::table
        .filter(goal_ratings::review_id.eq(review_id))
        .select((goal_ratings::goal_id, goal_ratings::rating))
        .load(conn)
        .await?)
}

/// Sets (or clears, with `None`) when the next review of a case is due.
#[tracing::instrument(skip_all, fields(case_id = %case_id, office_id = %office_id, due_on = ?due_on))]
pub async fn schedule_review(
    conn: &mut AsyncPgConnection,
    case_id: Uuid,
    office_id: Uuid,
    due_on: Option<NaiveDate>,
) -> Result<(), ApiError> {
    match due_on {
        Some(due_on) => {
            diesel::insert_into(review_schedule::table)
                .values((
                    review_schedule::case_id.eq(case_id),
                    review_schedule::office_id.eq(office_id),
                    review_schedule::due_on.eq(due_on),
                ))
                .on_conflict(review_schedule::case_id)
                .do_update()
                .set((
                    review_schedule::office_id.eq(office_id),
                    review_schedule::due_on.eq(due_on),
                ))
                .execute(conn)
                .await?;
        }
        None => {
            diesel::delete(review_schedule::table.filter(review_schedule::case_id.eq(case_id)))
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// Reviews of an office due by `until`, earliest first.
#[tracing::instrument(skip_all, fields(office_id = %office_id, until = %until, limit))]
pub async fn due_reviews(
    conn: &mut AsyncPgConnection,
    office_id: Uuid,
    until: NaiveDate,
    limit: i64,
) -> Result<Vec<(Uuid, NaiveDate)>, ApiError> {
    Ok(review_schedule::table
        .filter(review_schedule::office_id.eq(office_id))
        .filter(review_schedule::due_on.le(until))
        .select((review_schedule::case_id, review_schedule::due_on))
        .order((
            review_schedule::due_on.asc(),
            review_schedule::case_id.asc(),
        ))
        .limit(limit)
        .load(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn next_due(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<Option<NaiveDate>, ApiError> {
    Ok(review_schedule::table
        .filter(review_schedule::case_id.eq(case_id))
        .select(review_schedule::due_on)
        .first(&mut conn)
        .await
        .optional()?)
}
