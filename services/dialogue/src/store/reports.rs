//! Quality reports, their reads, and the closed cases that pre-fill them.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::schema::{quality_reports, report_reads};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = quality_reports)]
pub struct ReportRow {
    pub dialogue_id: Uuid,
    pub template_version: i32,
    pub content: serde_json::Value,
    pub state: String,
    pub submitted_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<ReportRow>, ApiError> {
    Ok(quality_reports::table
        .find(id)
        .select(ReportRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<ReportRow>, ApiError> {
    Ok(quality_reports::table
        .find(id)
        .select(ReportRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Creates the draft, or replaces its content.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn save_draft(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    template_version: i32,
    content: &serde_json::Value,
) -> Result<ReportRow, ApiError> {
    Ok(diesel::insert_into(quality_reports::table)
        .values((
            quality_reports::dialogue_id.eq(id),
            quality_reports::template_version.eq(template_version),
            quality_reports::content.eq(content),
            quality_reports::state.eq("draft"),
        ))
        .on_conflict(quality_reports::dialogue_id)
        .do_update()
        .set((
            quality_reports::template_version.eq(template_version),
            quality_reports::content.eq(content),
            quality_reports::version.eq(quality_reports::version + 1),
            quality_reports::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ReportRow::as_returning())
        .get_result(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn submit(conn: &mut AsyncPgConnection, id: Uuid) -> Result<ReportRow, ApiError> {
    Ok(diesel::update(quality_reports::table.find(id))
        .set((
            quality_reports::state.eq("submitted"),
            quality_reports::submitted_at.eq(diesel::dsl::now),
            quality_reports::version.eq(quality_reports::version + 1),
            quality_reports::updated_at.eq(diesel::dsl::now),
        ))
        .returning(ReportRow::as_returning())
        .get_result(conn)
        .await?)
}

/// Records that `reader` read the report.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn record_read(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    reader: &str,
    organization: Option<Uuid>,
) -> Result<(), ApiError> {
    diesel::insert_into(report_reads::table)
        .values((
            report_reads::dialogue_id.eq(id),
            report_reads::reader.eq(reader),
            report_reads::organization_id.eq(organization),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = report_reads)]
pub struct ReadRow {
    pub id: i64,
    pub dialogue_id: Uuid,
    pub reader: String,
    pub organization_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn reads(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Vec<ReadRow>, ApiError> {
    Ok(report_reads::table
        .filter(report_reads::dialogue_id.eq(id))
        .select(ReadRow::as_select())
        .order(report_reads::id.asc())
        .limit(1000)
        .load(conn)
        .await?)
}

/// Records a closed case once (by its pseudonym).
#[tracing::instrument(skip_all)]
pub async fn record_closed_case(
    conn: &mut AsyncPgConnection,
    closed: &qmf_contracts::case::ClosedV1,
    at: DateTime<Utc>,
) -> Result<(), ApiError> {
    diesel::sql_query(
        "INSERT INTO closed_cases (case_pseudonym, office_id, provider_id, help_kind, duration_days, \
                                   end_kind, goal_attainment, closed_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (case_pseudonym) DO NOTHING",
    )
    .bind::<sql_types::Uuid, _>(closed.case)
    .bind::<sql_types::Uuid, _>(closed.office_id)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(closed.provider_id)
    .bind::<sql_types::Text, _>(&closed.help_kind)
    .bind::<sql_types::Nullable<sql_types::BigInt>, _>(closed.duration_days)
    .bind::<sql_types::Text, _>(&closed.end_kind)
    .bind::<sql_types::Nullable<sql_types::Double>, _>(closed.goal_attainment)
    .bind::<sql_types::Timestamptz, _>(at).keep_prepared()
    .execute(conn)
    .await?;
    Ok(())
}

/// Outcome figures per help kind of the helps an organisation provided (institution) or led
/// (youth office) that closed since `since`.
#[derive(Debug, Clone, QueryableByName)]
pub struct OutcomeRow {
    #[diesel(sql_type = sql_types::Text)]
    pub help_kind: String,
    #[diesel(sql_type = sql_types::BigInt)]
    pub cases: i64,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Double>)]
    pub mean_duration_days: Option<f64>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Double>)]
    pub planned_end_share: Option<f64>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Double>)]
    pub goal_attainment: Option<f64>,
}

#[tracing::instrument(skip_all, fields(organization_id = %organization))]
pub async fn outcomes(
    conn: &mut AsyncPgConnection,
    organization: Uuid,
    youth_office: bool,
    since: DateTime<Utc>,
) -> Result<Vec<OutcomeRow>, ApiError> {
    let column = if youth_office {
        "office_id"
    } else {
        "provider_id"
    };
    Ok(diesel::sql_query(format!(
        "SELECT help_kind, count(*) AS cases, avg(duration_days)::float8 AS mean_duration_days, \
                (count(*) FILTER (WHERE end_kind = 'planned'))::float8 \
                    / nullif(count(*) FILTER (WHERE end_kind <> 'without_help'), 0) AS planned_end_share, \
                avg(goal_attainment) AS goal_attainment \
         FROM closed_cases WHERE {column} = $1 AND closed_at >= $2 AND end_kind <> 'without_help' \
         GROUP BY help_kind ORDER BY help_kind"
    ))
    .bind::<sql_types::Uuid, _>(organization)
    .bind::<sql_types::Timestamptz, _>(since).keep_prepared()
    .load(conn)
    .await?)
}
