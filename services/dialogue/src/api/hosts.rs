//! Hosts of a cycle and their planning details.

use actix_web::{get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiResult, DbPool, IfMatch, Json, Page, Paged, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::app::hosts::HostPlanning;
use crate::domain::hosts::{DayFlag, HostDetailsInput};
use crate::store::hosts::{HostFilter, HostRow};

/// The organisation hosting, from the directory.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HostOrganization {
    pub id: Uuid,
    pub name: String,
    /// `youth_office` or `institution`.
    pub kind: String,
    pub district: Option<String>,
}

/// A date the host proposed, with everything that speaks against it. A date with a blocking
/// flag (every kind but `school_holiday`) cannot carry the dialogue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ProposedDate {
    pub date: NaiveDate,
    /// No blocking flag.
    pub usable: bool,
    pub flags: Vec<DayFlag>,
}

/// A host of a cycle.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938101-0000-7000-8000-000000000002", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "organization": {"id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "name": "Kinder- und Jugendhilfe Öhringen", "kind": "institution", "district": "hohenlohekreis"},
    "state": "active", "joined_at": "2026-12-04T10:00:00Z", "withdrawn_at": null, "withdrawn_reason": null,
    "representatives": ["01936f40-0000-7000-8000-000000000001"], "room_capacity": 12, "preferred_months": [5, 6],
    "report_ready_on": "2027-04-01", "earliest_dialogue_on": "2027-04-29",
    "proposed_dates": [
        {"date": "2027-05-06", "usable": false, "flags": [{"kind": "public_holiday", "name": "Christi Himmelfahrt"}]},
        {"date": "2027-05-12", "usable": true, "flags": []}],
    "dialogue_id": "01938102-0000-7000-8000-000000000003", "dialogue_state": "unscheduled",
    "version": 2, "updated_at": "2026-12-04T10:05:00Z"}))]
pub struct Host {
    pub id: Uuid,
    pub cycle_id: Uuid,
    pub organization: HostOrganization,
    /// `active`, or `withdrawn` when the organisation's agreement ended or it was deactivated.
    pub state: String,
    pub joined_at: DateTime<Utc>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    /// `agreement_ended` or `organization_deactivated`.
    pub withdrawn_reason: Option<String>,
    /// Directory people of the host's organisation who represent it.
    pub representatives: Vec<Uuid>,
    pub room_capacity: Option<i32>,
    pub preferred_months: Vec<i32>,
    pub report_ready_on: Option<NaiveDate>,
    /// The report date plus the cycle's `report_lead_days`.
    pub earliest_dialogue_on: Option<NaiveDate>,
    /// In a list, the dates without their flags (read one host for them).
    pub proposed_dates: Vec<ProposedDate>,
    pub dialogue_id: Uuid,
    pub dialogue_state: String,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn view(row: HostRow, earliest: Option<NaiveDate>, proposed: Vec<ProposedDate>) -> Host {
    Host {
        id: row.id,
        cycle_id: row.cycle_id,
        organization: HostOrganization {
            id: row.organization_id,
            name: row.organization_name,
            kind: row.organization_kind,
            district: row.district,
        },
        state: row.state,
        joined_at: row.joined_at,
        withdrawn_at: row.withdrawn_at,
        withdrawn_reason: row.withdrawn_reason,
        representatives: row.representatives,
        room_capacity: row.room_capacity,
        preferred_months: row.preferred_months,
        report_ready_on: row.report_ready_on,
        earliest_dialogue_on: earliest,
        proposed_dates: proposed,
        dialogue_id: row.dialogue_id,
        dialogue_state: row.dialogue_state,
        version: row.version,
        updated_at: row.updated_at,
    }
}

fn planned(planning: HostPlanning) -> (Host, i32) {
    let proposed = planning
        .proposed
        .into_iter()
        .map(|(date, flags)| ProposedDate {
            date,
            usable: !flags.iter().any(DayFlag::blocks),
            flags,
        })
        .collect();
    let version = planning.row.version;
    (view(planning.row, planning.earliest, proposed), version)
}

/// Filters of the host list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HostListQuery {
    /// `active` or `withdrawn`.
    #[param(inline)]
    pub state: Option<HostState>,
    pub organization_id: Option<Uuid>,
}

#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HostState {
    Active,
    Withdrawn,
}

/// List the hosts of a cycle, in the order they joined. Every authenticated caller.
#[utoipa::path(
    tag = "hosts",
    operation_id = "list_hosts",
    params(("id" = Uuid, Path, description = "Cycle id"), HostListQuery, qmf_platform::PageParams),
    responses(
        (status = 200, description = "One page of hosts; proposed dates without flags.", body = Page<Host>),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}/hosts")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: Paged<HostListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let filter = HostFilter {
        state: query.filter.state.map(|s| match s {
            HostState::Active => "active".to_string(),
            HostState::Withdrawn => "withdrawn".to_string(),
        }),
        organization_id: query.filter.organization_id,
    };
    let mut conn = pool.get().await?;
    let rows = app::hosts::list(&mut conn, *id, &filter, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(&page.try_map(|row| {
        let proposed = row
            .proposed_dates
            .iter()
            .map(|date| ProposedDate {
                date: *date,
                usable: true,
                flags: vec![],
            })
            .collect();
        Ok::<_, qmf_platform::ApiError>(view(row, None, proposed))
    })?))
}

/// Read a host with its proposed dates judged.
///
/// Every authenticated caller. Each proposed date carries its flags: weekend, public holiday,
/// Forum meeting, before the report's date plus the lead days, a representative absent
/// (blocking), school holiday (allowed, but avoided by a plan).
#[utoipa::path(
    tag = "hosts",
    operation_id = "get_host",
    params(("id" = Uuid, Path, description = "Host id")),
    responses(
        (status = 200, description = "The host.", body = Host, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such host.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/hosts/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let (host, version) = planned(app::hosts::get(&mut conn, *id).await?);
    Ok(Reply::ok_with_etag(&host, version))
}

/// Record a host's planning details.
///
/// The coordination, or staff of the host's own organisation. Replaces representatives, room
/// capacity, preferred months, report date and proposed dates at once. Representatives must be
/// active directory people of the host's organisation; proposed dates must lie in the cycle.
/// A proposed date on a blackout day is accepted and flagged with its reason.
#[utoipa::path(
    tag = "hosts",
    operation_id = "update_host",
    request_body = HostDetailsInput,
    params(("id" = Uuid, Path, description = "Host id"), ("If-Match" = String, Header, description = "ETag of the host")),
    responses(
        (status = 200, description = "Recorded, with each proposed date judged.", body = Host, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such host.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `cycle_closed`, `host_withdrawn` or `representative_of_own_organization`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The host changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid details.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/hosts/{id}")]
pub async fn update(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<HostDetailsInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let input = body.into_inner()?;
    write
        .run(async move |conn| {
            let planning = app::hosts::update(conn, &principal, *id, &if_match, input).await?;
            let (host, version) = planned(planning);
            Ok(Reply::ok_with_etag(&host, version))
        })
        .await
}
