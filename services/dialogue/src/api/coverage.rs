//! A cycle's coverage report: who hosted, who has not, who is scheduled; guest attendance per
//! organisation and per person; youth offices' presence per district; findings and measures.

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Principal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::store::coverage;

/// One organisation of the cycle.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct OrganizationCoverage {
    pub organization_id: Uuid,
    pub name: String,
    /// `youth_office` or `institution`.
    pub kind: String,
    pub district: Option<String>,
    /// `active` or `withdrawn`.
    pub host_state: String,
    /// The state of its own dialogue.
    pub dialogue_state: String,
    pub dialogue_date: Option<NaiveDate>,
    /// Its dialogue took place (held, documented or evaluated).
    pub hosted: bool,
    /// Its staff's presence as guests at dialogues that took place.
    pub guest_attendances: i64,
    /// Its staff's places as guests at dialogues still to come.
    pub guest_places_planned: i64,
}

/// Hosts by where their dialogue stands.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HostCounts {
    pub hosts: i64,
    /// Held, documented or evaluated.
    pub hosted: i64,
    /// Scheduled or invited.
    pub scheduled: i64,
    /// No date yet.
    pub open: i64,
    pub cancelled: i64,
    pub withdrawn: i64,
}

/// A staff member's guest attendances.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PersonCoverage {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub attended: i64,
}

/// Staff of the hosting organisations against the target of guest dialogues per cycle.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PeopleCoverage {
    /// `target_guest_dialogues_per_staff` of the cycle's rules.
    pub target: i32,
    pub reached: i64,
    pub below: i64,
    pub people: Vec<PersonCoverage>,
}

/// Youth offices' presence in a district.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DistrictCoverage {
    pub district: String,
    /// Dialogues that took place with a host in the district.
    pub dialogues: i64,
    /// Of them, those with the district's youth office present (as host or guest).
    pub with_district_youth_office: i64,
}

/// Findings by kind and agreed measures by state.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FindingCoverage {
    pub expert_day: i64,
    pub forum_topic: i64,
    pub publication: i64,
    pub agreed_measure: i64,
    pub measures_open: i64,
    /// Open past their due date.
    pub measures_overdue: i64,
    pub measures_done: i64,
    pub measures_dropped: i64,
}

/// The coverage of a cycle.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct Coverage {
    pub cycle_id: Uuid,
    pub generated_at: DateTime<Utc>,
    pub hosts: HostCounts,
    pub organizations: Vec<OrganizationCoverage>,
    pub people: PeopleCoverage,
    pub districts: Vec<DistrictCoverage>,
    pub findings: FindingCoverage,
}

/// The report's format.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CoverageQuery {
    /// `json` (default) or `csv` (one row per organisation).
    #[param(inline)]
    pub format: Option<CoverageFormat>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoverageFormat {
    Json,
    Csv,
}

const TOOK_PLACE: [&str; 3] = ["held", "documented", "evaluated"];

/// Read a cycle's coverage report.
///
/// The coordination. Who hosted, who is scheduled, who has no date yet; per organisation its
/// staff's guest attendances (present at dialogues that took place) and planned places; per
/// staff member of the hosting organisations their attendances against the cycle's target;
/// per district how many dialogues had the district's youth office present; findings by kind
/// and measures by state. `?format=csv` gives the organisations as CSV.
#[utoipa::path(
    tag = "cycles",
    operation_id = "get_cycle_coverage",
    params(("id" = Uuid, Path, description = "Cycle id"), CoverageQuery),
    responses(
        (status = 200, description = "The report (JSON), or its organisations as CSV.",
            content((Coverage = "application/json"), (String = "text/csv"))),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}/coverage")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<CoverageQuery>,
) -> ApiResult<HttpResponse> {
    access::require_coordination(&principal)?;
    let mut conn = pool.get().await?;
    let cycle = app::cycles::find(&mut conn, *id).await?;
    let target = cycle.rules()?.target_guest_dialogues_per_staff;
    let organizations: Vec<OrganizationCoverage> = coverage::organizations(&mut conn, *id)
        .await?
        .into_iter()
        .map(|r| OrganizationCoverage {
            hosted: TOOK_PLACE.contains(&r.dialogue_state.as_str()),
            organization_id: r.organization_id,
            name: r.name,
            kind: r.kind,
            district: r.district,
            host_state: r.host_state,
            dialogue_state: r.dialogue_state,
            dialogue_date: r.dialogue_date,
            guest_attendances: r.guest_attendances,
            guest_places_planned: r.guest_places_planned,
        })
        .collect();
    if query.format == Some(CoverageFormat::Csv) {
        let rows = organizations.iter().map(|o| {
            vec![
                o.organization_id.to_string(),
                o.name.clone(),
                o.kind.clone(),
                o.district.clone().unwrap_or_default(),
                o.host_state.clone(),
                o.dialogue_state.clone(),
                o.dialogue_date.map(|d| d.to_string()).unwrap_or_default(),
                o.hosted.to_string(),
                o.guest_attendances.to_string(),
                o.guest_places_planned.to_string(),
            ]
        });
        let text = qmf_platform::csv_out::write(
            &[
                "organization_id",
                "name",
                "kind",
                "district",
                "host_state",
                "dialogue_state",
                "dialogue_date",
                "hosted",
                "guest_attendances",
                "guest_places_planned",
            ],
            rows,
        )
        .map_err(ApiError::internal)?;
        return Ok(HttpResponse::Ok()
            .content_type("text/csv; charset=utf-8")
            .body(text));
    }
    let count = |f: &dyn Fn(&OrganizationCoverage) -> bool| {
        organizations.iter().filter(|o| f(o)).count() as i64
    };
    let hosts = HostCounts {
        hosts: count(&|o| o.host_state == "active"),
        hosted: count(&|o| o.hosted),
        scheduled: count(&|o| matches!(o.dialogue_state.as_str(), "scheduled" | "invited")),
        open: count(&|o| o.dialogue_state == "unscheduled"),
        cancelled: count(&|o| o.dialogue_state == "cancelled"),
        withdrawn: count(&|o| o.host_state == "withdrawn"),
    };
    let people: Vec<PersonCoverage> = coverage::people(&mut conn, *id)
        .await?
        .into_iter()
        .map(|p| PersonCoverage {
            person_id: p.person_id,
            organization_id: p.organization_id,
            attended: p.attended,
        })
        .collect();
    let reached = people
        .iter()
        .filter(|p| p.attended >= i64::from(target))
        .count() as i64;
    let districts = coverage::districts(&mut conn, *id)
        .await?
        .into_iter()
        .map(|d| DistrictCoverage {
            district: d.district,
            dialogues: d.dialogues,
            with_district_youth_office: d.with_district_youth_office,
        })
        .collect();
    let f = coverage::findings(&mut conn, *id, app::today()).await?;
    let report = Coverage {
        cycle_id: *id,
        generated_at: Utc::now(),
        hosts,
        organizations,
        people: PeopleCoverage {
            target,
            reached,
            below: people.len() as i64 - reached,
            people,
        },
        districts,
        findings: FindingCoverage {
            expert_day: f.expert_day,
            forum_topic: f.forum_topic,
            publication: f.publication,
            agreed_measure: f.agreed_measure,
            measures_open: f.measures_open,
            measures_overdue: f.measures_overdue,
            measures_done: f.measures_done,
            measures_dropped: f.measures_dropped,
        },
    };
    Ok(HttpResponse::Ok().json(report))
}
