use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_directory_copy::store as directory;
use qmf_platform::etag::with_etag;
use qmf_platform::{ApiError, ApiResult, DbPool, IfMatch, Json, Page, PageQuery, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::bodies::{BodyKind, MembershipRole, Period, check_membership, check_no_overlap};
use crate::events;
use crate::store::bodies::{self as store, BodyRow, MembershipRow, NewMembership};
use crate::store::parse_code;

/// A body of the cooperation.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11", "kind": "working_group", "name": "AK QMF", "short_name": "AK QMF",
    "permanent": true, "mandate": "Quality and its development, instruments, training concepts, the quality dialogue.",
    "parent_id": null, "status": "active", "established_on": null, "dissolved_on": null, "version": 1,
    "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"}))]
pub struct Body {
    pub id: Uuid,
    pub kind: BodyKind,
    pub name: String,
    pub short_name: Option<String>,
    /// Permanent working groups (AK QMF, AK QMF-Koordination) versus temporary ones set up by the Forum.
    pub permanent: bool,
    pub mandate: Option<String>,
    /// The parent working group of a sub-group.
    pub parent_id: Option<Uuid>,
    /// `active` or `dissolved`.
    pub status: String,
    pub established_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

fn body(row: BodyRow) -> ApiResult<Body> {
    Ok(Body {
        id: row.id,
        kind: parse_code(&row.kind)?,
        name: row.name,
        short_name: row.short_name,
        permanent: row.permanent,
        mandate: row.mandate,
        parent_id: row.parent_id,
        status: row.status,
        established_on: row.established_on,
        dissolved_on: row.dissolved_on,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Filters of the body list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BodyListQuery {
    pub kind: Option<BodyKind>,
    /// `active` or `dissolved`.
    pub status: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List bodies. Every authenticated caller may read them.
///
/// Cursor-paginated.
#[utoipa::path(
    tag = "bodies",
    operation_id = "list_bodies",
    params(BodyListQuery),
    responses(
        (status = 200, description = "One page of bodies.", body = Page<Body>),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`), an unknown `status` or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<BodyListQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    if query
        .status
        .as_deref()
        .is_some_and(|s| s != "active" && s != "dissolved")
    {
        return Err(ApiError::validation(
            "/query/status",
            "must be active or dissolved",
        ));
    }
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<Uuid>()?);
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn, query.kind, query.status.as_deref(), after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| row.id);
    Ok(HttpResponse::Ok().json(page.try_map(body)?))
}

/// Read one body.
///
/// Answers with a strong `ETag`; send it as `If-Match` with the next change.
#[utoipa::path(
    tag = "bodies",
    operation_id = "get_body",
    params(("id" = Uuid, Path, description = "Body id")),
    responses(
        (status = 200, description = "The body.", body = Body, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
    let version = row.version;
    Ok(with_etag(&mut HttpResponse::Ok(), version).json(body(row)?))
}

/// A seat in a body.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937b01-0000-7000-8000-000000000002", "body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "role": "speaker", "start_on": "2026-01-01", "end_on": null, "term_id": null, "version": 1}))]
pub struct Membership {
    pub id: Uuid,
    pub body_id: Uuid,
    /// The member (a directory person); `null` when the organisation itself holds the seat,
    /// as the management's youth office chairs the Forum.
    pub person_id: Option<Uuid>,
    /// The organisation the member represents.
    pub organization_id: Uuid,
    pub role: MembershipRole,
    pub start_on: NaiveDate,
    pub end_on: Option<NaiveDate>,
    /// Set when the seat comes with a management term and ends with it.
    pub term_id: Option<Uuid>,
    pub version: i32,
}

pub fn membership(row: MembershipRow) -> ApiResult<Membership> {
    Ok(Membership {
        id: row.id,
        body_id: row.body_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        role: parse_code(&row.role)?,
        start_on: row.start_on,
        end_on: row.end_on,
        term_id: row.term_id,
        version: row.version,
    })
}

/// Filters of a body's memberships.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MembershipQuery {
    /// Only memberships active on this day.
    pub active_on: Option<NaiveDate>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The memberships of a body.
///
/// Cursor-paginated.
#[utoipa::path(
    tag = "bodies",
    operation_id = "list_body_memberships",
    params(("id" = Uuid, Path, description = "Body id"), MembershipQuery),
    responses(
        (status = 200, description = "One page of memberships.", body = Page<Membership>),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`) or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/bodies/{id}/memberships")]
pub async fn memberships(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<MembershipQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<Uuid>()?);
    let mut conn = pool.get().await?;
    store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
    let rows = store::memberships_of(&mut conn, *id, query.active_on, after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| row.id);
    Ok(HttpResponse::Ok().json(page.try_map(membership)?))
}

/// A new membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "role": "speaker", "start_on": "2026-01-01", "end_on": null}))]
pub struct NewMembershipInput {
    /// The member: an active directory person, known to the committee service from the
    /// directory's events.
    pub person_id: Uuid,
    /// The organisation the member represents: the person's own organisation.
    pub organization_id: Uuid,
    pub role: MembershipRole,
    pub start_on: NaiveDate,
    #[serde(default)]
    pub end_on: Option<NaiveDate>,
}

/// Record a membership.
///
/// Admins and the committee secretary. Speakers belong to working groups; the Forum's and the
/// steering group's chair comes with the management term. A person holds at most one seat at a
/// time in a body: a seat whose period (first and last day included; open-ended without
/// `end_on`) shares a day with another of the person's seats there is refused. Publishes
/// `committee.membership.started.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "create_membership",
    request_body = NewMembershipInput,
    params(("id" = Uuid, Path, description = "Body id")),
    responses(
        (status = 201, description = "Recorded.", body = Membership, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `body_dissolved`, `speaker_only_in_working_groups`, `chair_comes_with_the_management_term`, `person_inactive` or `memberships_do_not_overlap` (the person holds another seat in the body in that period).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown organisation or person (the directory's events may not have arrived yet: retry), or a person of another organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies/{id}/memberships")]
pub async fn create_membership(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: Json<NewMembershipInput>,
) -> ApiResult<HttpResponse> {
    principal.require_any(&[Role::Admin, Role::CommitteeSecretary])?;
    let input = body.into_inner()?;
    let body_id = *id;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let target = store::find(conn, body_id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
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
            let others: Vec<(Uuid, Period)> =
                store::memberships_of_person(conn, body_id, input.person_id)
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
            Ok(row)
        })
        .await?;
    let version = row.version;
    Ok(with_etag(&mut HttpResponse::Created(), version).json(membership(row)?))
}

/// The end of a membership.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"end_on": "2026-12-31"}))]
pub struct MembershipEnd {
    /// Last day; not before the start.
    pub end_on: NaiveDate,
}

/// End a membership.
///
/// Admins and the committee secretary; requires `If-Match`. Memberships that come with a
/// management term end with it. Publishes `committee.membership.ended.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "end_membership",
    request_body = MembershipEnd,
    params(("id" = Uuid, Path, description = "Membership id"), ("If-Match" = String, Header, description = "ETag of the membership")),
    responses(
        (status = 200, description = "Ended.", body = Membership, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such membership.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `membership_comes_with_a_term` or `membership_already_ended`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/memberships/{id}/end")]
pub async fn end_membership(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body: Json<MembershipEnd>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(&[Role::Admin, Role::CommitteeSecretary])?;
    let end_on = body.into_inner()?.end_on;
    let id = *id;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = store::lock_membership(conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such membership".into()))?;
            if_match.check(current.version)?;
            if current.term_id.is_some() {
                return Err(ApiError::conflict(
                    "membership_comes_with_a_term",
                    "this seat ends with its management term",
                ));
            }
            if let Some(ended) = current.end_on {
                return Err(ApiError::conflict(
                    "membership_already_ended",
                    format!("the membership ends on {ended}"),
                ));
            }
            if end_on < current.start_on {
                return Err(ApiError::validation(
                    "/end_on",
                    "must not be before the start",
                ));
            }
            let row = store::end_membership(conn, id, end_on).await?;
            events::membership_ended(conn, &row).await?;
            Ok(row)
        })
        .await?;
    let version = row.version;
    Ok(with_etag(&mut HttpResponse::Ok(), version).json(membership(row)?))
}

/// A new working group or sub-group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "AK Inklusion", "short_name": "AK Inkl", "permanent": false,
    "mandate": "Inclusive help for young people with disabilities (SGB VIII reform).", "parent_id": null, "established_on": "2026-11-05"}))]
pub struct NewWorkingGroup {
    /// Unique among all bodies.
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    /// Permanent (like AK QMF) or temporary until its mandate ends.
    pub permanent: bool,
    #[serde(default)]
    pub mandate: Option<String>,
    /// The working group this one is a sub-group of.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
    pub established_on: NaiveDate,
}

/// Set up a working group (or a sub-group of one).
///
/// Admins and the committee secretary, e.g. after the Forum decided it. Publishes
/// `committee.body.established.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "create_working_group",
    request_body = NewWorkingGroup,
    responses(
        (status = 201, description = "Set up.", body = Body, headers(("ETag" = String, description = "Strong ETag"), ("Location" = String, description = "URL of the body"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `body_name_unique` or `parent_must_be_an_active_working_group`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies")]
pub async fn create_working_group(
    principal: Principal,
    pool: web::Data<DbPool>,
    input: Json<NewWorkingGroup>,
) -> ApiResult<HttpResponse> {
    principal.require_any(&[Role::Admin, Role::CommitteeSecretary])?;
    let input = input.into_inner()?;
    let errors = validate_working_group(&input, "");
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| establish_working_group(conn, &input).await)
        .await?;
    let version = row.version;
    let location = format!("/v1/bodies/{}", row.id);
    let mut reply = HttpResponse::Created();
    reply.insert_header((actix_web::http::header::LOCATION, location));
    Ok(with_etag(&mut reply, version).json(body(row)?))
}

/// Dissolving a working group.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"dissolved_on": "2027-06-30"}))]
pub struct Dissolution {
    /// Last day of the body; its open memberships end on it.
    pub dissolved_on: NaiveDate,
}

/// Dissolve a temporary working group; its open memberships end the same day.
///
/// Admins and the committee secretary; requires `If-Match`. Publishes
/// `committee.body.dissolved.v1`.
#[utoipa::path(
    tag = "bodies",
    operation_id = "dissolve_working_group",
    request_body = Dissolution,
    params(("id" = Uuid, Path, description = "Body id"), ("If-Match" = String, Header, description = "ETag of the body")),
    responses(
        (status = 200, description = "Dissolved.", body = Body, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `only_temporary_working_groups_dissolve`, `body_dissolved` or `dissolve_sub_groups_first`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies/{id}/dissolve")]
pub async fn dissolve(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    body_input: Json<Dissolution>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    principal.require_any(&[Role::Admin, Role::CommitteeSecretary])?;
    let on = body_input.into_inner()?.dissolved_on;
    let id = *id;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            dissolve_working_group(conn, id, on, Some(&if_match)).await
        })
        .await?;
    let version = row.version;
    Ok(with_etag(&mut HttpResponse::Ok(), version).json(body(row)?))
}

/// Field errors of a new working group; `prefix` places the pointers inside a larger body.
pub(crate) fn validate_working_group(
    input: &NewWorkingGroup,
    prefix: &str,
) -> Vec<qmf_platform::FieldError> {
    let mut errors = Vec::new();
    let name = input.name.trim().chars().count();
    if !(2..=200).contains(&name) {
        errors.push(qmf_platform::FieldError::new(
            format!("{prefix}/name"),
            "must have 2 to 200 characters",
        ));
    }
    if input
        .short_name
        .as_deref()
        .is_some_and(|s| s.trim().is_empty() || s.chars().count() > 50)
    {
        errors.push(qmf_platform::FieldError::new(
            format!("{prefix}/short_name"),
            "must have 1 to 50 characters",
        ));
    }
    if input
        .mandate
        .as_deref()
        .is_some_and(|m| m.chars().count() > 4000)
    {
        errors.push(qmf_platform::FieldError::new(
            format!("{prefix}/mandate"),
            "must have at most 4000 characters",
        ));
    }
    errors
}

/// Sets up a working group inside the caller's transaction and publishes
/// `committee.body.established.v1`; used by the endpoint and by Forum decisions.
pub(crate) async fn establish_working_group(
    conn: &mut AsyncPgConnection,
    input: &NewWorkingGroup,
) -> ApiResult<BodyRow> {
    if let Some(parent) = input.parent_id {
        let parent = store::find(conn, parent).await?;
        if !parent.is_some_and(|p| p.kind == "working_group" && p.status == "active") {
            return Err(ApiError::conflict(
                "parent_must_be_an_active_working_group",
                "sub-groups belong to an active working group",
            ));
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
    Ok(row)
}

/// Dissolves a temporary working group inside the caller's transaction, ending its open
/// memberships, and publishes `committee.body.dissolved.v1`; used by the endpoint (with the
/// client's ETag) and by Forum decisions.
pub(crate) async fn dissolve_working_group(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    on: NaiveDate,
    if_match: Option<&IfMatch>,
) -> ApiResult<BodyRow> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
    if let Some(if_match) = if_match {
        if_match.check(current.version)?;
    }
    if current.kind != "working_group" || current.permanent {
        return Err(ApiError::conflict(
            "only_temporary_working_groups_dissolve",
            "the central bodies and the permanent working groups stay",
        ));
    }
    if current.status != "active" {
        return Err(ApiError::conflict(
            "body_dissolved",
            "the body is already dissolved",
        ));
    }
    if current.established_on.is_some_and(|start| on < start) {
        return Err(ApiError::validation(
            "/dissolved_on",
            "must not be before the body was set up",
        ));
    }
    if store::active_children(conn, id).await? > 0 {
        return Err(ApiError::conflict(
            "dissolve_sub_groups_first",
            "the body still has active sub-groups",
        ));
    }
    let (row, ended) = store::dissolve(conn, id, on).await?;
    events::body_dissolved(conn, &row, ended).await?;
    Ok(row)
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
        return Err(ApiError::conflict(
            "person_inactive",
            "the person no longer works for the organisation",
        ));
    }
    Ok(())
}
