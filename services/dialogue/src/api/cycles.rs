//! Cycles of quality dialogues.

use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Paged, Principal, Reply, Write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::cycles::{CycleRules, OpenCycleInput, RulesInput};
use crate::store::cycles::{CycleRow, list as list_rows};

/// A cycle of quality dialogues.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938100-0000-7000-8000-000000000001", "start_year": 2027, "years": 3,
    "start_on": "2027-01-01", "end_on": "2029-12-31", "state": "open",
    "rules": {"max_dialogues_per_day": 1, "max_dialogues_per_iso_week": 2, "report_lead_days": 28,
        "min_orgs_per_dialogue": 4, "max_orgs_per_dialogue": 7, "min_youth_offices_per_dialogue": 1,
        "min_institutions_per_dialogue": 2, "max_guest_dialogues_per_staff_per_year": 4,
        "target_guest_dialogues_per_staff": 2, "travel_road_factor_percent": 130, "travel_speed_kmh": 60,
        "weights": {"attendance_shortfall": 100, "year_balance": 50, "travel_minute": 1, "monday_friday": 20,
            "school_holiday": 200, "district_youth_office_absent": 300, "preferred_month": 50}},
    "rules_version": 1, "version": 1, "created_at": "2026-12-04T10:00:00Z", "updated_at": "2026-12-04T10:00:00Z"}))]
pub struct Cycle {
    pub id: Uuid,
    pub start_year: i32,
    pub years: i32,
    /// 1 January of the first year.
    pub start_on: NaiveDate,
    /// 31 December of the last year.
    pub end_on: NaiveDate,
    /// `open` or `closed`.
    pub state: String,
    pub rules: CycleRules,
    /// Counts every change of the rules; earlier versions are kept.
    pub rules_version: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: CycleRow) -> ApiResult<Cycle> {
    Ok(Cycle {
        rules: row.rules()?,
        id: row.id,
        start_year: row.start_year,
        years: row.years,
        start_on: row.start_on,
        end_on: row.end_on,
        state: row.state,
        rules_version: row.rules_version,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Open a cycle.
///
/// The coordination (`coordinator`, `admin`). The cycle runs over whole calendar years (three
/// by default) with the region's rules unless others are given. Every organisation with a
/// valid agreement today becomes a host with an unscheduled dialogue; organisations that sign
/// later join while the cycle is open. Publishes `dialogue.cycle.opened.v1` and a
/// `dialogue.host.joined.v1` per host.
#[utoipa::path(
    tag = "cycles",
    operation_id = "open_cycle",
    request_body = OpenCycleInput,
    responses(
        (status = 201, description = "Opened.", body = Cycle,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the cycle"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `one_open_cycle` or `cycles_do_not_overlap`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid year, length or rules.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cycles")]
pub async fn open(
    principal: Principal,
    write: Write,
    body: Json<OpenCycleInput>,
) -> ApiResult<Reply> {
    access::require_coordination(&principal)?;
    let draft = body
        .into_inner()?
        .validate(app::today())
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::cycles::open(conn, &principal, &draft).await?;
            let (version, location) = (row.version, format!("/v1/cycles/{}", row.id));
            Ok(Reply::created(&view(row)?, version, location))
        })
        .await
}

/// Filters of the cycle list (none yet).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CycleListQuery {}

/// List cycles, oldest first. Every authenticated caller.
#[utoipa::path(
    tag = "cycles",
    operation_id = "list_cycles",
    params(qmf_platform::PageParams),
    responses((status = 200, description = "One page of cycles.", body = Page<Cycle>))
)]
#[get("/v1/cycles")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<CycleListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let mut conn = pool.get().await?;
    let rows = list_rows(&mut conn, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(&page.try_map(view)?))
}

/// Read a cycle. Every authenticated caller.
#[utoipa::path(
    tag = "cycles",
    operation_id = "get_cycle",
    params(("id" = Uuid, Path, description = "Cycle id")),
    responses(
        (status = 200, description = "The cycle.", body = Cycle, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = app::cycles::find(&mut conn, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&view(row)?, version))
}

/// Change the rules of an open cycle.
///
/// The coordination. Replaces all rules and weights with a new version (`rules_version` + 1);
/// earlier versions are kept, so a plan can be judged by the rules it was made with.
#[utoipa::path(
    tag = "cycles",
    operation_id = "change_cycle_rules",
    request_body = RulesInput,
    params(("id" = Uuid, Path, description = "Cycle id"), ("If-Match" = String, Header, description = "ETag of the cycle")),
    responses(
        (status = 200, description = "Changed.", body = Cycle, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `cycle_closed`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The cycle changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid rules.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/cycles/{id}/rules")]
pub async fn change_rules(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<RulesInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_coordination(&principal)?;
    let rules = body.into_inner()?.rules;
    let errors = rules.validate("/rules");
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    write
        .run(async move |conn| {
            let row = app::cycles::change_rules(conn, &principal, *id, &if_match, &rules).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&view(row)?, version))
        })
        .await
}

/// Close a cycle.
///
/// The coordination. In a closed cycle rules, hosts, dates and guests no longer change (rule
/// `cycle_closed`); dialogues already held can still be documented and rated, and the next
/// cycle may open. Dialogues that did not take place stay as they are, for the record.
/// Publishes `dialogue.cycle.closed.v1` with how many hosts held their dialogue.
#[utoipa::path(
    tag = "cycles",
    operation_id = "close_cycle",
    params(("id" = Uuid, Path, description = "Cycle id"), ("If-Match" = String, Header, description = "ETag of the cycle")),
    responses(
        (status = 200, description = "Closed.", body = Cycle, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `cycle_closed`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The cycle changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cycles/{id}/close")]
pub async fn close(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_coordination(&principal)?;
    write
        .run(async move |conn| {
            let row = app::cycles::close(conn, *id, &if_match).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&view(row)?, version))
        })
        .await
}
