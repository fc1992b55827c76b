//! A dialogue's results: attendance, documentation and findings, ratings, agreed measures.

use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Paged, Principal, Reply, Write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::dialogues::reply;
use crate::app;
use crate::domain::access;
use crate::domain::results::{
    DocumentationInput, EvaluationInput, FindingKind, HeldInput, MeasureInput, MeasureState,
};
use crate::store::results::{AttendanceRow, FindingRow, MeasureFilter};

/// A finding and its follow-up.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938000-0000-7000-8000-000000000009", "dialogue_id": "01938102-0000-7000-8000-000000000003",
    "kind": "agreed_measure", "title": "Gemeinsame Checkliste Hilfeplangespräch",
    "summary": "Die Einrichtung erarbeitet mit dem Jugendamt eine Checkliste.",
    "owner_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "due_on": "2027-12-31",
    "measure_state": "open", "measure_reason": null, "overdue": false, "version": 1, "created_at": "2027-05-20T10:00:00Z"}))]
pub struct Finding {
    pub id: Uuid,
    pub dialogue_id: Uuid,
    pub kind: FindingKind,
    pub title: String,
    pub summary: String,
    pub owner_organization_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
    /// Agreed measures only.
    pub measure_state: Option<MeasureState>,
    pub measure_reason: Option<String>,
    /// An open measure past its due date.
    pub overdue: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
}

fn finding(row: FindingRow) -> ApiResult<Finding> {
    let kind: FindingKind = serde_json::from_value(serde_json::Value::String(row.kind.clone()))
        .map_err(|_| ApiError::internal(format!("unknown finding kind {}", row.kind)))?;
    let measure_state: Option<MeasureState> = row
        .measure_state
        .as_deref()
        .map(|s| serde_json::from_value(serde_json::Value::String(s.to_string())))
        .transpose()
        .map_err(|_| ApiError::internal("unknown measure state"))?;
    let overdue = measure_state == Some(MeasureState::Open)
        && row.due_on.is_some_and(|due| due < app::today());
    Ok(Finding {
        id: row.id,
        dialogue_id: row.dialogue_id,
        kind,
        title: row.title,
        summary: row.summary,
        owner_organization_id: row.owner_organization_id,
        due_on: row.due_on,
        measure_state,
        measure_reason: row.measure_reason,
        overdue,
        version: row.version,
        created_at: row.created_at,
    })
}

/// Mark a dialogue held.
///
/// The coordination, or staff of the host's organisation; on the dialogue's day or later
/// (Europe/Berlin), after invitations went out. `present` names the representatives and
/// guests who came; every other invited person (declined guests aside) is recorded absent.
/// Publishes `dialogue.dialogue.held.v1`.
#[utoipa::path(
    tag = "results",
    operation_id = "mark_dialogue_held",
    request_body = HeldInput,
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the dialogue")),
    responses(
        (status = 200, description = "Held.", body = super::dialogues::Dialogue, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `held_needs_invitations`, `dialogue_day_not_reached` or `attendance_of_participants`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The dialogue changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/held")]
pub async fn mark_held(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<HeldInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let present = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            reply(app::results::mark_held(conn, &principal, *id, &if_match, &present).await?)
        })
        .await
}

/// Someone's attendance.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendanceView {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// `representative` or `guest`.
    pub role: String,
    pub present: bool,
}

fn attendance(row: AttendanceRow) -> AttendanceView {
    AttendanceView {
        person_id: row.person_id,
        organization_id: row.organization_id,
        role: row.role,
        present: row.present,
    }
}

/// A dialogue's documentation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Documentation {
    pub dialogue_id: Uuid,
    pub minutes: Option<String>,
    pub attendance: Vec<AttendanceView>,
    pub findings: Vec<Finding>,
}

/// Document a held dialogue.
///
/// The coordination, or staff of the host's organisation; once. Minutes and findings, each
/// with its follow-up: `expert_day`, `forum_topic` (the committee puts it into the steering
/// group's inbox), `publication`, or `agreed_measure` with the organisation carrying it out
/// and a due date. Publishes `dialogue.dialogue.documented.v1`, a
/// `dialogue.finding.recorded.v1` per finding and `dialogue.finding.escalated.v1` per Forum
/// topic.
#[utoipa::path(
    tag = "results",
    operation_id = "document_dialogue",
    request_body = DocumentationInput,
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the dialogue")),
    responses(
        (status = 200, description = "Documented.", body = Documentation, headers(("ETag" = String, description = "New ETag of the dialogue"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `documentation_needs_held`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The dialogue changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid minutes or findings.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/dialogues/{id}/documentation")]
pub async fn document(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<DocumentationInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let (minutes, drafts) = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let (row, findings) =
                app::results::document(conn, &principal, *id, &if_match, &minutes, &drafts).await?;
            let attendance_rows = crate::store::results::attendance(conn, *id).await?;
            let version = row.version;
            let body = Documentation {
                dialogue_id: *id,
                minutes: Some(minutes.clone()),
                attendance: attendance_rows.into_iter().map(attendance).collect(),
                findings: findings
                    .into_iter()
                    .map(finding)
                    .collect::<ApiResult<_>>()?,
            };
            Ok(Reply::ok_with_etag(&body, version))
        })
        .await
}

/// Read a dialogue's documentation: minutes, attendance and findings.
///
/// The coordination, the host's staff, and staff of every organisation that took part.
#[utoipa::path(
    tag = "results",
    operation_id = "get_dialogue_documentation",
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 200, description = "The documentation (empty before the dialogue was held).", body = Documentation),
        (status = 403, description = "Not the coordination nor an organisation that took part.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/dialogues/{id}/documentation")]
pub async fn documentation(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let dialogue = app::dialogues::get(&mut conn, *id).await?;
    let rows = crate::store::results::attendance(&mut conn, *id).await?;
    let took_part = principal.organization.is_some_and(|org| {
        dialogue.host_organization_id == org || rows.iter().any(|a| a.organization_id == org)
    });
    if !took_part {
        access::require_host_editor(&principal, dialogue.host_organization_id)?;
    }
    let minutes = crate::store::results::minutes(&mut conn, *id).await?;
    let findings = crate::store::results::findings_of(&mut conn, *id).await?;
    Ok(Reply::ok(&Documentation {
        dialogue_id: *id,
        minutes,
        attendance: rows.into_iter().map(attendance).collect(),
        findings: findings
            .into_iter()
            .map(finding)
            .collect::<ApiResult<_>>()?,
    }))
}

/// A rating was recorded.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RatingRecorded {
    pub dialogue_id: Uuid,
    pub person_id: Uuid,
}

/// Rate a documented dialogue.
///
/// A participant who was present (token subject = their person id), once. Each criterion from
/// 1 (not at all) to 5 (fully): preparation, exchange, results, organisation.
#[utoipa::path(
    tag = "results",
    operation_id = "rate_dialogue",
    request_body = EvaluationInput,
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 201, description = "Recorded.", body = RatingRecorded),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `evaluation_needs_documentation` or `ratings_by_present_participants` (not present, or rated already).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A rating outside 1 to 5.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/ratings")]
pub async fn rate(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<EvaluationInput>,
) -> ApiResult<Reply> {
    let (ratings, comment) = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            app::results::rate(conn, &principal, *id, &ratings, comment.as_deref()).await?;
            let person_id = access::person_of(&principal).unwrap_or_default();
            Ok(Reply::created_without_location(&RatingRecorded {
                dialogue_id: *id,
                person_id,
            }))
        })
        .await
}

/// Complete a dialogue's evaluation.
///
/// The coordination, or staff of the host's organisation, once at least one participant
/// rated it. The dialogue becomes `evaluated`. Publishes `dialogue.evaluation.completed.v1`
/// with the averages.
#[utoipa::path(
    tag = "results",
    operation_id = "complete_dialogue_evaluation",
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the dialogue")),
    responses(
        (status = 200, description = "Evaluated.", body = super::dialogues::Dialogue, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `evaluation_needs_documentation` or `evaluation_needs_ratings`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The dialogue changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/evaluation")]
pub async fn complete_evaluation(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            reply(app::results::complete_evaluation(conn, &principal, *id, &if_match).await?)
        })
        .await
}

/// Filters of the measure list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MeasureListQuery {
    pub owner_organization_id: Option<Uuid>,
    #[param(inline)]
    pub state: Option<MeasureState>,
    /// Only open measures past their due date.
    pub overdue: Option<bool>,
}

/// List agreed measures.
///
/// Every authenticated caller: carrying out the results is part of every organisation's
/// commitment, and the region sees it. In creation order.
#[utoipa::path(
    tag = "results",
    operation_id = "list_measures",
    params(MeasureListQuery, qmf_platform::PageParams),
    responses((status = 200, description = "One page of measures.", body = Page<Finding>))
)]
#[get("/v1/measures")]
pub async fn measures(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<MeasureListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let filter = MeasureFilter {
        owner_organization_id: query.filter.owner_organization_id,
        state: query.filter.state.map(|s| {
            match s {
                MeasureState::Open => "open",
                MeasureState::Done => "done",
                MeasureState::Dropped => "dropped",
            }
            .to_string()
        }),
        overdue_on: query.filter.overdue.filter(|o| *o).map(|_| app::today()),
    };
    let mut conn = pool.get().await?;
    let rows = crate::store::results::measures(&mut conn, &filter, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(&page.try_map(finding)?))
}

/// Mark an agreed measure done or dropped.
///
/// Staff of the organisation that owns it, or the coordination. A dropped measure says why.
/// Publishes `dialogue.measure.completed.v1` (with whether it came after the due date).
#[utoipa::path(
    tag = "results",
    operation_id = "complete_measure",
    request_body = MeasureInput,
    params(("id" = Uuid, Path, description = "Finding id of the measure"), ("If-Match" = String, Header, description = "ETag of the measure")),
    responses(
        (status = 200, description = "Changed.", body = Finding, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Not the owning organisation nor the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such finding.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `measure_closed` or `not_a_measure`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The measure changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Open as target, or dropped without a reason.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/measures/{id}/completion")]
pub async fn complete_measure(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<MeasureInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let (state, reason) = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::results::close_measure(
                conn,
                &principal,
                *id,
                &if_match,
                state,
                reason.as_deref(),
            )
            .await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&finding(row)?, version))
        })
        .await
}

/// Read one finding (an agreed measure answers with its ETag). Every authenticated caller.
#[utoipa::path(
    tag = "results",
    operation_id = "get_finding",
    params(("id" = Uuid, Path, description = "Finding id")),
    responses(
        (status = 200, description = "The finding.", body = Finding, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such finding.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/findings/{id}")]
pub async fn get_finding(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = crate::store::results::find_finding(&mut conn, *id)
        .await?
        .ok_or_else(|| qmf_platform::not_found("finding"))?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&finding(row)?, version))
}
