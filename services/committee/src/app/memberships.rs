//! Memberships: who sits where. The secretariat records and ends seats; the management term's
//! seats come and go with the term (`app::terms`).

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_directory_copy::store as directory;
use qmf_platform::pagination::ListKey;
use qmf_platform::{ApiError, ApiResult, IfMatch, Page, RuleName, not_found};
use uuid::Uuid;

use crate::domain::bodies::{BodyKind, Period, check_membership, check_no_overlap};
use crate::domain::rules::Rule;
use crate::events;
use crate::model::bodies::{Membership, NewMembershipInput, membership};
use crate::store::bodies::{self as store, NewMembership};
use crate::store::parse_code;

/// One page of a body's memberships in id order, optionally only those active on a day.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    active_on: Option<NaiveDate>,
    after: Option<Uuid>,
    limit: i64,
) -> ApiResult<Page<Membership>> {
    store::find(conn, body_id)
        .await?
        .ok_or_else(|| not_found("body"))?;
    let rows = store::memberships_of(conn, body_id, active_on, after, limit).await?;
    Page::from_rows(rows, limit, |row| ListKey::Id(row.id)).try_map(membership)
}

/// Records a person's seat in a body and publishes `committee.membership.started.v1`.
#[tracing::instrument(skip_all, fields(body_id = %body_id, person_id = %input.person_id))]
pub async fn create(
    conn: &mut AsyncPgConnection,
    body_id: Uuid,
    input: &NewMembershipInput,
) -> ApiResult<Membership> {
    let target = store::find(conn, body_id)
        .await?
        .ok_or_else(|| not_found("body"))?;
    let kind: BodyKind = parse_code(&target.kind)?;
    check_membership(
        kind,
        target.status == "active",
        input.role,
        input.start_on,
        input.end_on,
    )?;
    if directory::find_organization(conn, input.organization_id)
        .await?
        .is_none()
    {
        return Err(ApiError::validation(
            "/organization_id",
            "no such organisation",
        ));
    }
    check_person(conn, input.person_id, input.organization_id).await?;
    let others: Vec<(Uuid, Period)> = store::memberships_of_person(conn, body_id, input.person_id)
        .await?
        .iter()
        .map(|m| (m.id, m.period()))
        .collect();
    check_no_overlap(
        Period {
            start_on: input.start_on,
            end_on: input.end_on,
        },
        &others,
    )?;
    let row = store::insert_membership(
        conn,
        NewMembership {
            body_id,
            person_id: Some(input.person_id),
            organization_id: input.organization_id,
            role: input.role,
            start_on: input.start_on,
            end_on: input.end_on,
            term_id: None,
        },
    )
    .await?;
    events::membership_started(conn, &row).await?;
    membership(row)
}

/// Ends a seat on `end_on` and publishes `committee.membership.ended.v1`.
#[tracing::instrument(skip_all, fields(membership_id = %id))]
pub async fn end(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    end_on: NaiveDate,
    if_match: &IfMatch,
) -> ApiResult<Membership> {
    let current = store::lock_membership(conn, id)
        .await?
        .ok_or_else(|| not_found("membership"))?;
    if_match.check(current.version)?;
    if current.term_id.is_some() {
        return Err(
            Rule::MembershipComesWithATerm.conflict("this seat ends with its management term")
        );
    }
    if let Some(ended) = current.end_on {
        return Err(
            Rule::MembershipAlreadyEnded.conflict(format!("the membership ends on {ended}"))
        );
    }
    if end_on < current.start_on {
        return Err(ApiError::validation(
            "/end_on",
            "must not be before the start",
        ));
    }
    let row = store::end_membership(conn, id, end_on).await?;
    events::membership_ended(conn, &row).await?;
    membership(row)
}

/// A seat names a person the directory knows (through its events), who works for the
/// organisation the seat represents and is still active there.
async fn check_person(
    conn: &mut AsyncPgConnection,
    person_id: Uuid,
    organization_id: Uuid,
) -> ApiResult<()> {
    let person = crate::store::people::find(conn, person_id)
        .await?
        .ok_or_else(|| ApiError::validation("/person_id", "no such person"))?;
    if person.organization_id != organization_id {
        return Err(ApiError::validation(
            "/organization_id",
            "must be the organisation the person works for",
        ));
    }
    if !person.active {
        return Err(
            Rule::PersonInactive.conflict("the person no longer works for the organisation")
        );
    }
    Ok(())
}
