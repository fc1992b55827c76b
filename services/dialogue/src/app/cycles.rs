//! Opening cycles and changing their rules.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, IfMatch, Principal, RuleName, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::cycles::{CycleDraft, CycleRules};
use crate::domain::rules::Rule;
use crate::events;
use crate::store::cycles::{self as store, CycleRow};
use crate::store::hosts as host_store;

/// Opens a cycle: every organisation with a valid agreement today becomes a host with an
/// unscheduled dialogue. Publishes `dialogue.cycle.opened.v1` and one
/// `dialogue.host.joined.v1` per host.
#[tracing::instrument(skip_all, fields(start_year = draft.start_year))]
pub async fn open(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    draft: &CycleDraft,
) -> ApiResult<CycleRow> {
    if let Some(open) = store::lock_open(conn).await? {
        return Err(Rule::OneOpenCycle.conflict(format!(
            "cycle {} ({}–{}) is open",
            open.id, open.start_on, open.end_on
        )));
    }
    if let Some(other) = store::overlapping(conn, draft.start_on, draft.end_on)
        .await?
        .first()
    {
        return Err(Rule::CyclesDoNotOverlap.conflict(format!(
            "cycle {} runs from {} to {}",
            other.id, other.start_on, other.end_on
        )));
    }
    let cycle = store::insert(conn, Uuid::now_v7(), draft, &principal.subject).await?;
    let joined = host_store::join_eligible(conn, cycle.id, today(), None).await?;
    events::cycle_opened(conn, &cycle, joined.len()).await?;
    for host in &joined {
        events::host_joined(conn, cycle.id, host).await?;
    }
    Ok(cycle)
}

#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<CycleRow> {
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("cycle"))
}

/// Replaces the rules of an open cycle with a new version.
#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn change_rules(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    rules: &CycleRules,
) -> ApiResult<CycleRow> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    if_match.check(current.version)?;
    if current.state != "open" {
        return Err(Rule::CycleClosed.conflict("the cycle is closed"));
    }
    store::change_rules(conn, id, rules, &principal.subject).await
}

/// Closes an open cycle at the version read (`dialogue.cycle.closed.v1`): its rules, hosts,
/// dates and guests no longer change, and the next cycle may open.
#[tracing::instrument(skip_all, fields(cycle_id = %id))]
pub async fn close(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<CycleRow> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    if_match.check(current.version)?;
    if current.state != "open" {
        return Err(Rule::CycleClosed.conflict("the cycle is closed"));
    }
    let row = store::close(conn, id).await?;
    let hosting = store::hosting(conn, id).await?;
    events::cycle_closed(conn, &row, hosting.hosts, hosting.hosted).await?;
    Ok(row)
}
