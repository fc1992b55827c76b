use actix_web::{HttpResponse, get, post, web};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use qmf_platform::{ApiError, ApiResult, DbPool, Json, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::TermSettings;
use crate::domain::bodies::{BodyKind, MembershipRole};
use crate::domain::terms::{self, Term};
use crate::events;
use crate::store::bodies::{self as body_store, NewMembership};
use crate::store::terms::{self as store, TermRow};
use qmf_directory_copy::store as directory;

/// A management term (Geschäftsführung).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937b00-0000-7000-8000-000000000001", "office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "start_on": "2027-01-01", "end_on": "2028-12-31"}))]
pub struct ManagementTerm {
    pub id: Uuid,
    /// The youth office holding the management.
    pub office_id: Uuid,
    pub start_on: NaiveDate,
    /// Last day of the term.
    pub end_on: NaiveDate,
}

fn term_out(row: &TermRow) -> ManagementTerm {
    ManagementTerm {
        id: row.id,
        office_id: row.office_id,
        start_on: row.start_on,
        end_on: row.end_on,
    }
}

/// Every management term, oldest first.
///
/// A plain array, not a page: a term lasts years, so the list stays short.
#[utoipa::path(
    tag = "management",
    operation_id = "list_management_terms",
    responses((status = 200, description = "The terms.", body = Vec<ManagementTerm>))
)]
#[get("/v1/management-terms")]
pub async fn list(_principal: Principal, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn).await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(term_out).collect::<Vec<_>>()))
}

/// The proposed next term.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({"office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "office_name": "Jugendamt Hohenlohekreis",
    "start_on": "2029-01-01", "end_on": "2030-12-31"}))]
pub struct TermProposal {
    /// The youth office next in rotation: one that never held the management, else the one whose
    /// last term lies furthest back.
    pub office_id: Uuid,
    pub office_name: String,
    /// The day after the latest term ends (none yet: today).
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

/// Propose the next management term by rotation.
///
/// Nothing is stored: the proposal names the youth office whose turn it is and the term's dates,
/// to be started with `POST /v1/management-terms`.
#[utoipa::path(
    tag = "management",
    operation_id = "propose_management_term",
    responses(
        (status = 200, description = "The proposal.", body = TermProposal),
        (status = 409, description = "Rule `no_youth_office_known`: the directory has not told this service about any youth office yet.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/management-terms/proposal")]
pub async fn proposal(
    _principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<TermSettings>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn).await?;
    let offices = directory::active_youth_offices(&mut conn).await?;
    let history: Vec<Term> = rows.iter().map(TermRow::term).collect();
    let office = terms::propose_next(&offices, &history).ok_or_else(|| {
        ApiError::conflict("no_youth_office_known", "no active youth office is known")
    })?;
    let start_on = history
        .iter()
        .map(|t| t.end_on)
        .max()
        .and_then(|end| end.succ_opt())
        .unwrap_or_else(|| chrono::Utc::now().date_naive());
    let office_name = offices
        .iter()
        .find(|(id, _)| *id == office)
        .map(|(_, n)| n.clone())
        .unwrap_or_default();
    Ok(HttpResponse::Ok().json(TermProposal {
        office_id: office,
        office_name,
        start_on,
        end_on: terms::end_of_term(start_on, settings.years),
    }))
}

/// A new term.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "start_on": "2027-01-01"}))]
pub struct NewTerm {
    /// An active youth office.
    pub office_id: Uuid,
    /// The day after the latest term ends (no gap, no overlap).
    pub start_on: NaiveDate,
}

/// Record the next management term.
///
/// Admins and the committee secretary. The term lasts the configured number of years (two by
/// default); its youth office chairs the Forum and the steering group for exactly that period
/// (memberships derived from the term). Publishes `committee.management_term.started.v1`.
#[utoipa::path(
    tag = "management",
    operation_id = "create_management_term",
    request_body = NewTerm,
    responses(
        (status = 201, description = "Recorded.", body = ManagementTerm),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `term_requires_youth_office`, `terms_do_not_overlap` or `terms_without_gap`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/management-terms")]
pub async fn create(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<TermSettings>,
    body: Json<NewTerm>,
) -> ApiResult<HttpResponse> {
    principal.require_any(&[Role::Admin, Role::CommitteeSecretary])?;
    let input = body.into_inner()?;
    let years = settings.years;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            store::lock(conn).await?;
            let office = directory::find_organization(conn, input.office_id).await?;
            let is_office = office.is_some_and(|o| o.kind == "youth_office" && o.active);
            let latest = store::list(conn).await?.last().map(TermRow::term);
            terms::check_new_term(is_office, input.start_on, latest.as_ref())?;
            let term = Term {
                office_id: input.office_id,
                start_on: input.start_on,
                end_on: terms::end_of_term(input.start_on, years),
            };
            let row = store::insert(conn, term, &principal.subject).await?;
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
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(term_out(&row)))
}
