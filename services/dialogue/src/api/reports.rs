//! Quality reports.

use actix_web::{HttpRequest, get, post, put, web};
use chrono::{DateTime, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, IfMatch, Json, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app;
use crate::domain::reports::{OutcomeFigures, ReportInput, TEMPLATE_VERSION, template};
use crate::store::reports::ReportRow;

/// A quality report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"dialogue_id": "01938102-0000-7000-8000-000000000003", "template_version": 1, "state": "submitted",
    "content": {"profile": "Stationäre und ambulante Hilfen im Hohenlohekreis.", "offers": "Wohngruppen, SPFH.",
        "developments": "Neues Beteiligungskonzept seit 2026.", "topics": ["Übergänge in die Volljährigkeit"]},
    "submitted_at": "2027-04-10T09:00:00Z", "version": 3, "updated_at": "2027-04-10T09:00:00Z"}))]
pub struct QualityReport {
    pub dialogue_id: Uuid,
    pub template_version: i32,
    /// `draft` or `submitted`.
    pub state: String,
    pub content: serde_json::Value,
    pub submitted_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn view(row: ReportRow) -> QualityReport {
    QualityReport {
        dialogue_id: row.dialogue_id,
        template_version: row.template_version,
        state: row.state,
        content: row.content,
        submitted_at: row.submitted_at,
        version: row.version,
        updated_at: row.updated_at,
    }
}

fn reply(row: ReportRow) -> Reply {
    let version = row.version;
    Reply::ok_with_etag(&view(row), version)
}

/// The report template.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportTemplate {
    pub version: i32,
    /// JSON Schema (2020-12) of the report's `content`.
    pub schema: serde_json::Value,
}

/// Read the current quality report template. Every authenticated caller.
#[utoipa::path(
    tag = "reports",
    operation_id = "get_report_template",
    responses((status = 200, description = "The template.", body = ReportTemplate))
)]
#[get("/v1/report-template")]
pub async fn get_template(_principal: Principal) -> ApiResult<Reply> {
    let schema = template(TEMPLATE_VERSION)
        .ok_or_else(|| ApiError::internal("the current template is missing"))?;
    Ok(Reply::ok(&ReportTemplate {
        version: TEMPLATE_VERSION,
        schema,
    }))
}

/// Write the quality report of a dialogue (a draft).
///
/// The coordination, or staff of the host's organisation. Content follows the current
/// template; the first draft needs no If-Match, every later one the report's ETag. A
/// submitted report does not change.
#[utoipa::path(
    tag = "reports",
    operation_id = "save_report",
    request_body = ReportInput,
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = Option<String>, Header, description = "ETag of the report (not for the first draft)")),
    responses(
        (status = 200, description = "Saved.", body = QualityReport, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `report_submitted` or `dialogue_not_planned`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The report changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Content not following the template (pointers name each field).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing for an existing report.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/dialogues/{id}/report")]
pub async fn save(
    principal: Principal,
    write: Write,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<ReportInput>,
) -> ApiResult<Reply> {
    let content = body.into_inner()?.content;
    let if_match = req
        .headers()
        .get(actix_web::http::header::IF_MATCH)
        .map(|v| qmf_platform::etag::parse_if_match(v.to_str().ok()))
        .transpose()?;
    write
        .run(async move |conn| {
            Ok(reply(
                app::reports::save(conn, &principal, *id, if_match.as_ref(), &content).await?,
            ))
        })
        .await
}

/// Submit the quality report.
///
/// The coordination, or staff of the host's organisation; at least the cycle's
/// `report_lead_days` (28) before the dialogue. From then on the invited participants can
/// read it. Publishes `dialogue.report.submitted.v1`.
#[utoipa::path(
    tag = "reports",
    operation_id = "submit_report",
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the report")),
    responses(
        (status = 200, description = "Submitted.", body = QualityReport, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue or no report yet.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `report_submitted` or `report_too_late`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The report changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/report/submission")]
pub async fn submit(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            Ok(reply(
                app::reports::submit(conn, &principal, *id, &if_match).await?,
            ))
        })
        .await
}

/// Read the quality report.
///
/// The host's staff and the coordination at any time; the invited participants (token
/// subject = their person id) once it is submitted; nobody else. Every read is recorded.
#[utoipa::path(
    tag = "reports",
    operation_id = "get_report",
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 200, description = "The report.", body = QualityReport, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Not invited, not the host, not the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue, or no (submitted) report.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/dialogues/{id}/report")]
pub async fn get(principal: Principal, write: Write, id: web::Path<Uuid>) -> ApiResult<Reply> {
    // A read writes its record, so it runs in a write transaction.
    write
        .run(async move |conn| Ok(reply(app::reports::read(conn, &principal, *id).await?)))
        .await
}

/// One recorded read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportRead {
    /// Subject of the reader's token.
    pub reader: String,
    pub organization_id: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// The recorded reads of a report.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportReads {
    pub items: Vec<ReportRead>,
}

/// Who read the quality report when (up to 1,000 reads, oldest first). The host's staff and
/// the coordination.
#[utoipa::path(
    tag = "reports",
    operation_id = "list_report_reads",
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 200, description = "The reads.", body = ReportReads),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/dialogues/{id}/report/reads")]
pub async fn reads(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let rows = app::reports::reads(&mut conn, &principal, *id).await?;
    Ok(Reply::ok(&ReportReads {
        items: rows
            .into_iter()
            .map(|r| ReportRead {
                reader: r.reader,
                organization_id: r.organization_id,
                at: r.at,
            })
            .collect(),
    }))
}

/// The pre-fill of a report's outcome figures.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ReportPrefill {
    /// Helps the host provided (institution) or led (youth office) that closed in the last
    /// twelve months, per help kind; groups of fewer than five without figures.
    pub outcomes: Vec<OutcomeFigures>,
}

/// Read the pre-fill of the report's `outcomes`.
///
/// The coordination, or staff of the host's organisation. Aggregated from the case service's
/// pseudonymised `case.closed.v1` events; no case can be recognised.
#[utoipa::path(
    tag = "reports",
    operation_id = "get_report_prefill",
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 200, description = "The figures.", body = ReportPrefill),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/dialogues/{id}/report/prefill")]
pub async fn prefill(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let outcomes = app::reports::prefill(&mut conn, &principal, *id).await?;
    Ok(Reply::ok(&ReportPrefill { outcomes }))
}
