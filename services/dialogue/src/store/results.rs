//! Attendance, documentation, findings and their measures, ratings.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::schema::{dialogue_attendance, dialogues, evaluations, findings};
use crate::domain::results::{FindingDraft, Ratings};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dialogue_attendance)]
pub struct AttendanceRow {
    pub dialogue_id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub role: String,
    pub present: bool,
}

/// Records attendance and marks the dialogue held.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn mark_held(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    attendance: &[(Uuid, Uuid, &str, bool)],
) -> Result<Vec<AttendanceRow>, ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::state.eq("held"),
            dialogues::held_at.eq(diesel::dsl::now),
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    let values: Vec<_> = attendance
        .iter()
        .map(|(person, organization, role, present)| {
            (
                dialogue_attendance::dialogue_id.eq(id),
                dialogue_attendance::person_id.eq(*person),
                dialogue_attendance::organization_id.eq(*organization),
                dialogue_attendance::role.eq(*role),
                dialogue_attendance::present.eq(*present),
            )
        })
        .collect();
    Ok(diesel::insert_into(dialogue_attendance::table)
        .values(&values)
        .returning(AttendanceRow::as_returning())
        .get_results(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn attendance(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Vec<AttendanceRow>, ApiError> {
    Ok(dialogue_attendance::table
        .filter(dialogue_attendance::dialogue_id.eq(id))
        .select(AttendanceRow::as_select())
        .order(dialogue_attendance::person_id.asc())
        .load(conn)
        .await?)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = findings)]
pub struct FindingRow {
    pub id: Uuid,
    pub dialogue_id: Uuid,
    pub kind: String,
    pub title: String,
    pub summary: String,
    pub owner_organization_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    pub measure_state: Option<String>,
    pub measure_reason: Option<String>,
    pub measure_changed_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

/// Stores the minutes and findings and marks the dialogue documented.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn document(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    minutes: &str,
    drafts: &[FindingDraft],
) -> Result<Vec<FindingRow>, ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::state.eq("documented"),
            dialogues::minutes.eq(Some(minutes)),
            dialogues::documented_at.eq(diesel::dsl::now),
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    if drafts.is_empty() {
        return Ok(vec![]);
    }
    let values: Vec<_> = drafts
        .iter()
        .map(|f| {
            let measure = f.owner_organization_id.is_some();
            (
                findings::id.eq(Uuid::now_v7()),
                findings::dialogue_id.eq(id),
                findings::kind.eq(f.kind.code()),
                findings::title.eq(&f.title),
                findings::summary.eq(&f.summary),
                findings::owner_organization_id.eq(f.owner_organization_id),
                findings::due_on.eq(f.due_on),
                findings::measure_state.eq(measure.then_some("open")),
            )
        })
        .collect();
    let mut rows: Vec<FindingRow> = diesel::insert_into(findings::table)
        .values(&values)
        .returning(FindingRow::as_returning())
        .get_results(conn)
        .await?;
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn findings_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Vec<FindingRow>, ApiError> {
    Ok(findings::table
        .filter(findings::dialogue_id.eq(id))
        .select(FindingRow::as_select())
        .order(findings::id.asc())
        .load(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(finding_id = %id))]
pub async fn lock_finding(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<FindingRow>, ApiError> {
    Ok(findings::table
        .find(id)
        .select(FindingRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(finding_id = %id))]
pub async fn find_finding(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<FindingRow>, ApiError> {
    Ok(findings::table
        .find(id)
        .select(FindingRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(finding_id = %id))]
pub async fn close_measure(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    state: &str,
    reason: Option<&str>,
) -> Result<FindingRow, ApiError> {
    Ok(diesel::update(findings::table.find(id))
        .set((
            findings::measure_state.eq(state),
            findings::measure_reason.eq(reason),
            findings::measure_changed_at.eq(diesel::dsl::now),
            findings::version.eq(findings::version + 1),
        ))
        .returning(FindingRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Filters of the measure list.
#[derive(Debug, Clone, Default)]
pub struct MeasureFilter {
    pub owner_organization_id: Option<Uuid>,
    pub state: Option<String>,
    /// Open measures due before this day.
    pub overdue_on: Option<NaiveDate>,
}

/// One page of agreed measures in creation order.
#[tracing::instrument(skip_all)]
pub async fn measures(
    conn: &mut AsyncPgConnection,
    filter: &MeasureFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<FindingRow>, ApiError> {
    let mut query = findings::table
        .filter(findings::kind.eq("agreed_measure"))
        .select(FindingRow::as_select())
        .order(findings::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(owner) = filter.owner_organization_id {
        query = query.filter(findings::owner_organization_id.eq(owner));
    }
    if let Some(state) = &filter.state {
        query = query.filter(findings::measure_state.eq(state.clone()));
    }
    if let Some(day) = filter.overdue_on {
        query = query
            .filter(findings::measure_state.eq("open"))
            .filter(findings::due_on.lt(day));
    }
    if let Some(after) = after {
        query = query.filter(findings::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

/// Stores a participant's rating; `false` when they rated already.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn rate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    person: Uuid,
    ratings: &Ratings,
    comment: Option<&str>,
) -> Result<bool, ApiError> {
    let ratings = serde_json::to_value(ratings).map_err(ApiError::internal)?;
    let inserted = diesel::insert_into(evaluations::table)
        .values((
            evaluations::dialogue_id.eq(id),
            evaluations::person_id.eq(person),
            evaluations::ratings.eq(ratings),
            evaluations::comment.eq(comment),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted > 0)
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn ratings_of(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<Ratings>, ApiError> {
    let values: Vec<serde_json::Value> = evaluations::table
        .filter(evaluations::dialogue_id.eq(id))
        .select(evaluations::ratings)
        .load(conn)
        .await?;
    values
        .into_iter()
        .map(|v| serde_json::from_value(v).map_err(ApiError::internal))
        .collect()
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn mark_evaluated(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApiError> {
    diesel::update(dialogues::table.find(id))
        .set((
            dialogues::state.eq("evaluated"),
            dialogues::evaluated_at.eq(diesel::dsl::now),
            dialogues::version.eq(dialogues::version + 1),
            dialogues::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The minutes of a dialogue.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn minutes(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<String>, ApiError> {
    Ok(dialogues::table
        .find(id)
        .select(dialogues::minutes)
        .first(conn)
        .await
        .optional()?
        .flatten())
}
