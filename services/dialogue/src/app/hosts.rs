//! Hosts: their planning details, and joining or leaving the open cycle as the directory
//! reports agreements and organisations.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_contracts::dialogue::HostWithdrawnV1;
use qmf_platform::{ApiResult, IfMatch, Principal, RuleName, not_found};
use uuid::Uuid;

use super::{calendar, today};
use crate::domain::access;
use crate::domain::hosts::{DayFlag, HostDetails, HostDetailsInput};
use crate::domain::rules::Rule;
use crate::events;
use crate::store::cycles as cycle_store;
use crate::store::hosts::{self as store, HostFilter, HostRow};

/// A host with each proposed date and what is wrong with it.
pub struct HostPlanning {
    pub row: HostRow,
    /// The earliest day for the dialogue (report ready plus the cycle's lead days).
    pub earliest: Option<NaiveDate>,
    pub proposed: Vec<(NaiveDate, Vec<DayFlag>)>,
}

/// Judges the host's proposed dates against the region's calendar and its representatives'
/// absences.
async fn planning(conn: &mut AsyncPgConnection, row: HostRow) -> ApiResult<HostPlanning> {
    let cycle = cycle_store::find(conn, row.cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    let rules = cycle.rules()?;
    let earliest = row
        .report_ready_on
        .map(|ready| ready + chrono::Days::new(u64::try_from(rules.report_lead_days).unwrap_or(0)));
    let proposed =
        calendar::flag_days(conn, &row.proposed_dates, earliest, &row.representatives).await?;
    Ok(HostPlanning {
        row,
        earliest,
        proposed,
    })
}

#[tracing::instrument(skip_all, fields(host_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<HostPlanning> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("host"))?;
    planning(conn, row).await
}

/// One page of a cycle's hosts (the cycle must exist).
#[tracing::instrument(skip_all, fields(cycle_id = %cycle_id))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    filter: &HostFilter,
    after: Option<Uuid>,
    limit: i64,
) -> ApiResult<Vec<HostRow>> {
    cycle_store::find(conn, cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    store::list(conn, cycle_id, filter, after, limit).await
}

/// Replaces a host's planning details at the version the client read.
#[tracing::instrument(skip_all, fields(host_id = %id))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    input: HostDetailsInput,
) -> ApiResult<HostPlanning> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("host"))?;
    access::require_host_editor(principal, current.organization_id)?;
    let cycle = cycle_store::find(conn, current.cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    let details: HostDetails = input
        .validate((cycle.start_on, cycle.end_on))
        .map_err(qmf_platform::ApiError::Validation)?;
    if_match.check(current.version)?;
    if cycle.state != "open" {
        return Err(Rule::CycleClosed.conflict("the cycle is closed"));
    }
    if current.state != "active" {
        return Err(Rule::HostWithdrawn.conflict("the host left the cycle"));
    }
    let staff = store::staff_of(
        conn,
        current.organization_id,
        &details.representatives,
        today(),
    )
    .await?;
    let strangers: Vec<String> = details
        .representatives
        .iter()
        .filter(|p| !staff.contains(p))
        .map(Uuid::to_string)
        .collect();
    if !strangers.is_empty() {
        return Err(Rule::RepresentativeOfOwnOrganization.conflict(format!(
            "not active people of the host's organisation: {}",
            strangers.join(", ")
        )));
    }
    store::set_details(conn, id, &details).await?;
    get(conn, id).await
}

/// Brings the open cycle's hosts in line with what the directory copy now says about
/// `organization`: it joins when it may host and is not yet a host (or left before), and
/// leaves when it may no longer host. Leaving withdraws an unscheduled dialogue and flags a
/// scheduled one for the coordination. Publishes `dialogue.host.joined.v1` or
/// `dialogue.host.withdrawn.v1`; nothing when nothing changes, so a repeated event is harmless.
#[tracing::instrument(skip_all, fields(organization_id = %organization))]
pub async fn reconcile(conn: &mut AsyncPgConnection, organization: Uuid) -> ApiResult<()> {
    let Some(cycle) = cycle_store::lock_open(conn).await? else {
        return Ok(());
    };
    let day = today();
    let eligibility = store::eligibility(conn, organization, day).await?;
    let host = store::lock_of_organization(conn, cycle.id, organization).await?;
    match (eligibility.eligible, host) {
        (true, None) => {
            for joined in store::join_eligible(conn, cycle.id, day, Some(organization)).await? {
                events::host_joined(conn, cycle.id, &joined).await?;
            }
        }
        (true, Some(host)) if host.state == "withdrawn" => {
            store::rejoin(conn, host.id).await?;
            if host.dialogue_state == "withdrawn" {
                store::set_dialogue(conn, host.dialogue_id, "unscheduled", None).await?;
            }
            let joined = store::Joined {
                host_id: host.id,
                organization_id: organization,
                dialogue_id: host.dialogue_id,
            };
            events::host_joined(conn, cycle.id, &joined).await?;
        }
        (false, Some(host)) if host.state == "active" => {
            let reason = if eligibility.active {
                "agreement_ended"
            } else {
                "organization_deactivated"
            };
            store::withdraw(conn, host.id, reason).await?;
            let (withdrawn, flagged) = match host.dialogue_state.as_str() {
                "unscheduled" => {
                    store::set_dialogue(conn, host.dialogue_id, "withdrawn", None).await?;
                    (true, false)
                }
                "scheduled" | "invited" => {
                    store::set_dialogue(conn, host.dialogue_id, &host.dialogue_state, Some(reason))
                        .await?;
                    (false, true)
                }
                // Held or later, cancelled: the dialogue stays as it is.
                _ => (false, false),
            };
            events::host_withdrawn(
                conn,
                HostWithdrawnV1 {
                    cycle_id: cycle.id,
                    host_id: host.id,
                    organization_id: organization,
                    reason: reason.to_string(),
                    dialogue_id: host.dialogue_id,
                    dialogue_withdrawn: withdrawn,
                    dialogue_flagged: flagged,
                },
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
