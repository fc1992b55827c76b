//! Bodies: reading them, setting up working groups and dissolving them (by the secretariat, or
//! by a Forum decision).

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::pagination::ListKey;
use qmf_platform::{ApiError, ApiResult, IfMatch, Page, RuleName, not_found};
use uuid::Uuid;

use crate::domain::bodies::BodyKind;
use crate::domain::rules::Rule;
use crate::events;
use crate::model::bodies::{Body, NewWorkingGroup, body};
use crate::store::bodies as store;

/// One page of bodies in id order.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    kind: Option<BodyKind>,
    status: Option<&str>,
    after: Option<Uuid>,
    limit: i64,
) -> ApiResult<Page<Body>> {
    let rows = store::list(conn, kind, status, after, limit).await?;
    Page::from_rows(rows, limit, |row| ListKey::Id(row.id)).try_map(body)
}

/// One body.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn get(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Body> {
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("body"))?;
    body(row)
}

/// Sets up a working group and publishes `committee.body.established.v1`; for the endpoint and
/// for Forum decisions.
#[tracing::instrument(skip_all, fields(parent_id = ?input.parent_id))]
pub async fn establish_working_group(
    conn: &mut AsyncPgConnection,
    input: &NewWorkingGroup,
) -> ApiResult<Body> {
    if let Some(parent) = input.parent_id {
        let parent = store::find(conn, parent).await?;
        if !parent.is_some_and(|p| p.kind == "working_group" && p.status == "active") {
            return Err(Rule::ParentMustBeAnActiveWorkingGroup
                .conflict("sub-groups belong to an active working group"));
        }
    }
    let row = store::insert_working_group(
        conn,
        store::NewBody {
            name: input.name.trim(),
            short_name: input.short_name.as_deref().map(str::trim),
            permanent: input.permanent,
            mandate: input.mandate.as_deref(),
            parent_id: input.parent_id,
            established_on: input.established_on,
        },
    )
    .await?;
    events::body_established(conn, &row).await?;
    body(row)
}

/// Dissolves a temporary working group, ending its open memberships, and publishes
/// `committee.body.dissolved.v1`; for the endpoint (with the client's ETag) and for Forum
/// decisions.
#[tracing::instrument(skip_all, fields(body_id = %id))]
pub async fn dissolve_working_group(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    on: NaiveDate,
    if_match: Option<&IfMatch>,
) -> ApiResult<Body> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("body"))?;
    if let Some(if_match) = if_match {
        if_match.check(current.version)?;
    }
    if current.kind != "working_group" || current.permanent {
        return Err(Rule::OnlyTemporaryWorkingGroupsDissolve
            .conflict("the central bodies and the permanent working groups stay"));
    }
    if current.status != "active" {
        return Err(Rule::BodyDissolved.conflict("the body is already dissolved"));
    }
    if current.established_on.is_some_and(|start| on < start) {
        return Err(ApiError::validation(
            "/dissolved_on",
            "must not be before the body was set up",
        ));
    }
    if store::active_children(conn, id).await? > 0 {
        return Err(Rule::DissolveSubGroupsFirst.conflict("the body still has active sub-groups"));
    }
    let (row, ended) = store::dissolve(conn, id, on).await?;
    events::body_dissolved(conn, &row, ended).await?;
    body(row)
}
