//! Registrations: seats, the waiting list and offers.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Paged, Principal, Reply, Role, Write,
    not_found,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::store::registrations::{RegistrationFilter, RegistrationRow, find, list as list_rows};

/// Where a registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegistrationState {
    /// Registered by the person for a session that requires approval: waits for the
    /// organisation's leader (or its software, the organisers, the coordination).
    PendingApproval,
    /// Has a seat.
    Confirmed,
    /// Waits for a seat, at `waitlist_position`.
    Waitlisted,
    /// A freed seat is held for the person until `offered_until`; accept it to confirm.
    Offered,
    Cancelled,
    /// The offer was not accepted in time.
    Expired,
}

/// A registration.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938200-0000-7000-8000-000000000021", "session_id": "01938200-0000-7000-8000-000000000011",
    "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "organization_kind": "institution", "state": "waitlisted", "waitlist_position": 17, "offered_until": null,
    "reason": "every seat is taken", "registered_by": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "late_cancellation": false, "version": 1,
    "created_at": "2027-01-12T08:00:00Z", "updated_at": "2027-01-12T08:00:00Z"}))]
pub struct Registration {
    pub id: Uuid,
    pub session_id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// `youth_office` or `institution`.
    pub organization_kind: String,
    pub state: RegistrationState,
    /// Order on the waiting list (lower comes first); absent once confirmed.
    pub waitlist_position: Option<i64>,
    pub offered_until: Option<DateTime<Utc>>,
    /// Why it waits, or why it ended.
    pub reason: Option<String>,
    /// Who registered (the token's subject).
    pub registered_by: String,
    /// Cancelled after the session's cancellation deadline (by the organisers).
    pub late_cancellation: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn view(row: RegistrationRow) -> ApiResult<Registration> {
    Ok(Registration {
        state: serde_json::from_value(serde_json::Value::String(row.state.clone()))
            .map_err(ApiError::internal)?,
        id: row.id,
        session_id: row.session_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        organization_kind: row.organization_kind,
        waitlist_position: row.waitlist_position,
        offered_until: row.offered_until,
        reason: row.reason,
        registered_by: row.registered_by,
        late_cancellation: row.cancelled_late,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn reply(row: RegistrationRow) -> ApiResult<Reply> {
    let version = row.version;
    Ok(Reply::ok_with_etag(&view(row)?, version))
}

/// Who registers.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60"}))]
pub struct RegisterInput {
    /// A directory person of a youth office or an institution.
    pub person_id: Uuid,
}

/// Register for a session.
///
/// The person themselves, their organisation's software (`service` acting for it), its leaders
/// and QMF coordinators (staff with the directory function `leader` or `qmf_coordinator`), the
/// organisers or the coordination; inside the registration window. Where the session requires
/// approval, staff who register themselves wait in `pending_approval` for their leader. The person gets a seat when
/// one is free for them (the seats kept for the other kind of organisation until the
/// reservation ends and the organisation's limit count), otherwise a place on the waiting list
/// with the reason. Decided under the session's lock: a session is never overbooked however
/// many register at once. Publishes `training.registration.confirmed.v1` or `…waitlisted.v1`.
#[utoipa::path(
    tag = "registrations",
    operation_id = "register",
    params(("id" = Uuid, Path, description = "Session id")),
    request_body = RegisterInput,
    responses(
        (status = 201, description = "Confirmed or waitlisted (see `state`).", body = Registration,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the registration"))),
        (status = 403, description = "Not the person, their organisation, the organisers or the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `person_unknown`, `session_cancelled`, `registration_closed` or `already_registered`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/sessions/{id}/registrations")]
pub async fn register(
    principal: Principal,
    pool: web::Data<DbPool>,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<RegisterInput>,
) -> ApiResult<Reply> {
    let person = body.into_inner()?.person_id;
    let session = *id;
    // Who is registered, read before the transaction. When it is refused, the transaction
    // checks again, so that a retried request with an Idempotency-Key still gets its stored
    // answer first.
    let checked = {
        let mut conn = pool.get().await?;
        app::registrations::registrant(&mut conn, &principal, person)
            .await
            .ok()
    };
    // Registrations for one session from this process are committed together: they would
    // all wait for the session's row lock (which still decides), one commit each.
    write
        .run_together(app::registrations::session_writes(), session, move |conn| {
            Box::pin(async move {
                let registrant = match checked {
                    Some(registrant) => registrant,
                    None => app::registrations::registrant(conn, &principal, person).await?,
                };
                let row =
                    app::registrations::register(conn, &principal, session, &registrant).await?;
                let (version, location) = (row.version, format!("/v1/registrations/{}", row.id));
                Ok(Reply::created(&view(row)?, version, location))
            })
        })
        .await
}

/// Filters of the registration list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RegistrationListQuery {
    pub session_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
}

/// List registrations.
///
/// The organisers and the coordination see all; staff see their own; an organisation's
/// software, leaders and QMF coordinators (staff functions in the directory) see its
/// organisation's. Filters narrow it further.
#[utoipa::path(
    tag = "registrations",
    operation_id = "list_registrations",
    params(RegistrationListQuery, qmf_platform::PageParams),
    responses(
        (status = 200, description = "One page of registrations.", body = Page<Registration>),
        (status = 403, description = "No role that reads registrations.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<RegistrationListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let mut filter = RegistrationFilter {
        session_id: query.filter.session_id,
        person_id: query.filter.person_id,
        organization_id: query.filter.organization_id,
    };
    let mut conn = pool.get().await?;
    if !access::acts_for_everyone(&principal) {
        let leads = match principal.organization {
            Some(organization) => app::leads(&mut conn, &principal, organization).await?,
            None => false,
        };
        if (principal.has_role(Role::Service) || leads) && principal.organization.is_some() {
            filter.organization_id = principal.organization;
        } else if principal.has_any_role(&[Role::YouthOfficeStaff, Role::InstitutionStaff]) {
            filter.person_id =
                Some(Uuid::parse_str(&principal.subject).map_err(|_| {
                    ApiError::Forbidden("staff tokens name a directory person".into())
                })?);
        } else {
            return Err(ApiError::Forbidden(
                "registrations are read by the organisers, the coordination, the people themselves and their organisations".into(),
            ));
        }
    }
    let rows = list_rows(&mut conn, &filter, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(&page.try_map(view)?))
}

/// Read a registration. The person, their organisation's software, the organisers and the
/// coordination.
#[utoipa::path(
    tag = "registrations",
    operation_id = "get_registration",
    params(("id" = Uuid, Path, description = "Registration id")),
    responses(
        (status = 200, description = "The registration.", body = Registration, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Not yours to read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = find(&mut conn, *id)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    app::require_act_for(&mut conn, &principal, row.person_id, row.organization_id).await?;
    reply(row)
}

/// Why a registration is cancelled.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Terminüberschneidung"}))]
pub struct CancelRegistrationInput {
    /// Up to 500 characters.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Cancel a registration.
///
/// The person, their organisation's leaders, QMF coordinators and software, the organisers or
/// the coordination; after the session's cancellation deadline only the organisers and the
/// coordination (the cancellation is marked late). A seat it held is
/// offered to the next eligible person on the waiting list. Publishes
/// `training.registration.cancelled.v1` (and `…offered.v1` for the next).
#[utoipa::path(
    tag = "registrations",
    operation_id = "cancel_registration",
    params(("id" = Uuid, Path, description = "Registration id"), ("If-Match" = String, Header, description = "ETag of the registration as read")),
    request_body = CancelRegistrationInput,
    responses(
        (status = 200, description = "Cancelled.", body = Registration, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Not yours to cancel.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `registration_ended` or `cancellation_deadline_passed`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The registration changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Reason too long.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/cancellation")]
pub async fn cancel(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<CancelRegistrationInput>,
) -> ApiResult<Reply> {
    let reason = body
        .into_inner()?
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
        return Err(ApiError::validation("/reason", "at most 500 characters"));
    }
    let id = *id;
    write
        .run(async move |conn| {
            reply(
                app::registrations::cancel(conn, &principal, id, &if_match, reason.as_deref())
                    .await?,
            )
        })
        .await
}

/// Accept an offered seat.
///
/// The person, their organisation's software, the organisers or the coordination; before
/// `offered_until`. Publishes `training.registration.confirmed.v1`.
#[utoipa::path(
    tag = "registrations",
    operation_id = "accept_offer",
    params(("id" = Uuid, Path, description = "Registration id"), ("If-Match" = String, Header, description = "ETag of the registration as read")),
    responses(
        (status = 200, description = "Confirmed.", body = Registration, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Not yours to accept.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `registration_not_offered`, `offer_expired` or `registration_ended`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The registration changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/acceptance")]
pub async fn accept(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let id = *id;
    write
        .run(async move |conn| {
            reply(app::registrations::accept(conn, &principal, id, &if_match).await?)
        })
        .await
}

/// Offer a seat out of order.
///
/// The organisers: a free seat (neither confirmed nor offered) is offered to this waiting
/// registration, out of the waiting list's order and its quotas, for the session's offer time.
/// Never more seats than the session has. Publishes `training.registration.offered.v1`.
#[utoipa::path(
    tag = "registrations",
    operation_id = "offer_seat",
    params(("id" = Uuid, Path, description = "Registration id"), ("If-Match" = String, Header, description = "ETag of the registration as read")),
    responses(
        (status = 200, description = "Offered.", body = Registration, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `registration_not_waitlisted`, `no_free_seat`, `session_cancelled` or `registration_ended`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The registration changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/offer")]
pub async fn offer(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let id = *id;
    write
        .run(async move |conn| {
            reply(app::registrations::offer_manually(conn, &principal, id, &if_match).await?)
        })
        .await
}

/// Where to move a waiting registration.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"before": "01938200-0000-7000-8000-000000000024"}))]
pub struct WaitlistMove {
    /// Another waiting registration of the session to stand before; none (or null): to the end.
    pub before: Option<Uuid>,
}

/// Move a registration in the waiting list.
///
/// The organisers: before another waiting registration of the session, or to the end. The
/// others keep their order. Publishes `training.registration.waitlisted.v1` for the moved one.
#[utoipa::path(
    tag = "registrations",
    operation_id = "move_in_waiting_list",
    params(("id" = Uuid, Path, description = "Registration id"), ("If-Match" = String, Header, description = "ETag of the registration as read")),
    request_body = WaitlistMove,
    responses(
        (status = 200, description = "Moved.", body = Registration, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `registration_not_waitlisted` (this one, or the one to stand before) or `registration_ended`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The registration changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/waitlist-position")]
pub async fn move_in_waiting_list(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<WaitlistMove>,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let before = body.into_inner()?.before;
    let id = *id;
    write
        .run(async move |conn| {
            reply(
                app::registrations::move_in_waiting_list(conn, &principal, id, &if_match, before)
                    .await?,
            )
        })
        .await
}

/// Approve a registration.
///
/// For sessions that require approval, a registration staff made themselves waits for it. A
/// leader of the person's organisation (a directory person with the function `leader`, never
/// the person themselves), the organisation's software, the organisers or the coordination
/// approve it: it gets a seat when one is free for the person, else waits in the list at the
/// place it took when registered. Publishes `training.registration.confirmed.v1` or
/// `…waitlisted.v1`.
#[utoipa::path(
    tag = "registrations",
    operation_id = "approve_registration",
    params(("id" = Uuid, Path, description = "Registration id"), ("If-Match" = String, Header, description = "ETag of the registration as read")),
    responses(
        (status = 200, description = "Approved: confirmed or waitlisted.", body = Registration, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Not a leader of the organisation, its software, an organiser or the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `registration_not_pending_approval`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The registration changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/approval")]
pub async fn approve(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let id = *id;
    write
        .run(async move |conn| {
            reply(app::registrations::approve(conn, &principal, id, &if_match).await?)
        })
        .await
}

/// Why a registration is not approved.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Teilnahme im nächsten Halbjahr"}))]
pub struct RejectInput {
    /// 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Reject a registration that waits for approval.
///
/// Who may approve it. The registration ends (`cancelled`, with the reason). Publishes
/// `training.registration.cancelled.v1`.
#[utoipa::path(
    tag = "registrations",
    operation_id = "reject_registration",
    params(("id" = Uuid, Path, description = "Registration id"), ("If-Match" = String, Header, description = "ETag of the registration as read")),
    request_body = RejectInput,
    responses(
        (status = 200, description = "Rejected.", body = Registration, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Not a leader of the organisation, its software, an organiser or the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `registration_not_pending_approval`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The registration changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/rejection")]
pub async fn reject(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<RejectInput>,
) -> ApiResult<Reply> {
    let reason = body.into_inner()?.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation("/reason", "1 to 500 characters"));
    }
    let id = *id;
    write
        .run(async move |conn| {
            reply(app::registrations::reject(conn, &principal, id, &if_match, &reason).await?)
        })
        .await
}
