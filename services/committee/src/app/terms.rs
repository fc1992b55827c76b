//! Management terms: the list, the rotation's proposal, and starting the next term with the
//! chairs of the Forum and the steering group that come with it.

use diesel_async::AsyncPgConnection;
use qmf_directory_copy::store as directory;
use qmf_platform::{ApiResult, RuleName};

use crate::domain::bodies::{BodyKind, MembershipRole};
use crate::domain::rules::Rule;
use crate::domain::terms::{self, Term};
use crate::events;
use crate::model::terms::{ManagementTerm, NewTerm, TermProposal, term};
use crate::store::bodies::{self as body_store, NewMembership};
use crate::store::terms::{self as store, TermRow};

/// Every term, oldest first.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut AsyncPgConnection) -> ApiResult<Vec<ManagementTerm>> {
    Ok(store::list(conn).await?.iter().map(term).collect())
}

/// The youth office whose turn it is, and the dates of its term of `years`.
#[tracing::instrument(skip_all)]
pub async fn propose(conn: &mut AsyncPgConnection, years: u32) -> ApiResult<TermProposal> {
    let rows = store::list(conn).await?;
    let offices = directory::active_youth_offices(conn).await?;
    let history: Vec<Term> = rows.iter().map(TermRow::term).collect();
    let office = terms::propose_next(&offices, &history)
        .ok_or_else(|| Rule::NoYouthOfficeKnown.conflict("no active youth office is known"))?;
    let start_on = history
        .iter()
        .map(|t| t.end_on)
        .max()
        .and_then(|end| end.succ_opt())
        .unwrap_or_else(qmf_platform::region::today);
    let office_name = offices
        .iter()
        .find(|(id, _)| *id == office)
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    Ok(TermProposal {
        office_id: office,
        office_name,
        start_on,
        end_on: terms::end_of_term(start_on, years),
    })
}

/// Records the next term of `years`, gives its youth office the chair of the Forum and the
/// steering group for exactly that period, and publishes `committee.membership.started.v1`
/// for both seats and `committee.management_term.started.v1`.
#[tracing::instrument(skip_all, fields(office_id = %input.office_id))]
pub async fn start(
    conn: &mut AsyncPgConnection,
    input: &NewTerm,
    years: u32,
    created_by: &str,
) -> ApiResult<ManagementTerm> {
    store::lock(conn).await?;
    let office = directory::find_organization(conn, input.office_id).await?;
    let is_office = office.is_some_and(|o| o.kind == "youth_office" && o.active);
    let latest = store::list(conn).await?.last().map(TermRow::term);
    terms::check_new_term(is_office, input.start_on, latest.as_ref())?;
    let new_term = Term {
        office_id: input.office_id,
        start_on: input.start_on,
        end_on: terms::end_of_term(input.start_on, years),
    };
    let row = store::insert(conn, new_term, created_by).await?;
    for kind in [BodyKind::Forum, BodyKind::SteeringGroup] {
        let body = body_store::central(conn, kind).await?;
        let seat = body_store::insert_membership(
            conn,
            NewMembership {
                body_id: body.id,
                person_id: None,
                organization_id: input.office_id,
                role: MembershipRole::Chair,
                start_on: row.start_on,
                end_on: Some(row.end_on),
                term_id: Some(row.id),
            },
        )
        .await?;
        events::membership_started(conn, &seat).await?;
    }
    events::management_term_started(conn, &row).await?;
    Ok(term(&row))
}
