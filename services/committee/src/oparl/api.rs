//! The OParl endpoints: anonymous, read-only, one list and one object endpoint per type.

use actix_web::{HttpRequest, get, web};
use qmf_platform::pagination::decode_cursor;
use qmf_platform::{ApiError, ApiResult, DbPool, Reply};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::domain::Urls;
use super::model::{
    OparlAgendaItem, OparlBody, OparlConsultation, OparlLegislativeTerm, OparlList, OparlLocation,
    OparlMeeting, OparlMembership, OparlOrganization, OparlPaper, OparlPerson, OparlSystem,
};
use super::params::{ListParams, Position, RawListParams};
use super::read;
use super::render::Published;

/// Query parameters of every OParl object list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OparlListQuery {
    /// Only objects created at or after this time (RFC 3339 with time zone; encode `+` as `%2B`).
    #[param(example = "2027-01-01T00:00:00+01:00")]
    pub created_since: Option<String>,
    /// Only objects created at or before this time.
    pub created_until: Option<String>,
    /// Only objects modified (or deleted) at or after this time: the way to sync changes. To
    /// resume exactly, pass the largest `modified` of all objects read before (every `next` page
    /// included): no change is skipped, and objects modified exactly then come again. A change
    /// shows once the transactions that began before it have ended: a list holds back whatever
    /// was modified since the oldest transaction still running began.
    #[param(example = "2027-03-01T00:00:00Z")]
    pub modified_since: Option<String>,
    /// Only objects modified (or deleted) at or before this time; what a list holds back (see
    /// `modified_since`) stays out whatever the bound.
    pub modified_until: Option<String>,
    /// Objects per page, at least 1 (default 100); more than 200 are served as 200.
    #[param(minimum = 1, example = 100)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub limit: Option<i64>,
    /// The same as `limit` (the name OParl uses); `limit` wins when both are given.
    #[serde(
        rename = "elementsPerPage",
        default,
        deserialize_with = "qmf_platform::input::query_int"
    )]
    #[param(rename = "elementsPerPage", minimum = 1)]
    pub elements_per_page: Option<i64>,
    /// Leave out the lists of embedded objects (`agendaItem` of meetings, `consultation` of
    /// papers, `membership` of people), e.g. when they are read from their own lists anyway.
    pub omit_internal: Option<bool>,
    /// Opaque position of a page; take it from `links.next`, do not build it. Every page of a
    /// list holds back the same recent changes as its first page.
    pub cursor: Option<String>,
}

impl OparlListQuery {
    fn params(&self) -> ApiResult<(ListParams, Option<Position>)> {
        let params = ListParams::parse(&RawListParams {
            created_since: self.created_since.as_deref(),
            created_until: self.created_until.as_deref(),
            modified_since: self.modified_since.as_deref(),
            modified_until: self.modified_until.as_deref(),
            limit: self.limit,
            elements_per_page: self.elements_per_page,
            omit_internal: self.omit_internal,
            cursor: self.cursor.as_deref(),
        })?;
        let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok((params, after))
    }
}

fn request_urls(req: &HttpRequest) -> Urls {
    Urls::new(&qmf_platform::net::public_base_url(req))
}

/// The OParl system: entry point of the read-only OParl 1.1 interface.
///
/// Public, no token. Every id and link is an absolute URL under the service's public base URL
/// (configured, or the request's host; forwarding headers count only from trusted proxies).
/// All `/oparl/v1/` responses carry `Access-Control-Allow-Origin: *`.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_system",
    security(()),
    responses((status = 200, description = "The system.", body = OparlSystem))
)]
#[get("/oparl/v1/system")]
pub async fn system(req: HttpRequest, pool: web::Data<DbPool>) -> ApiResult<Reply> {
    let urls = request_urls(&req);
    Ok(Reply::ok(&read::system(&pool, &urls).await?))
}

/// The list of bodies: the one body of the region's cooperation.
///
/// Takes the filters and paging parameters of every OParl list.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_list_bodies",
    security(()),
    params(OparlListQuery),
    responses(
        (status = 200, description = "The bodies that pass the filters.", body = OparlList<OparlBody>),
        (status = 422, description = "A filter is not an RFC 3339 date-time, `limit` is below 1, or `cursor` does not come from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/oparl/v1/body")]
pub async fn list_bodies(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    query: web::Query<OparlListQuery>,
) -> ApiResult<Reply> {
    let (params, after) = query.params()?;
    let urls = request_urls(&req);
    Ok(Reply::ok(
        &read::bodies(&pool, &urls, &params, after).await?,
    ))
}

/// The body: the region's cooperation (Kooperation Jugendhilfe Heilbronn-Franken).
///
/// Links to the lists of its committees, people, memberships, meetings, agenda items,
/// locations, papers, consultations and legislative terms; the terms are also embedded.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_body",
    security(()),
    responses((status = 200, description = "The body.", body = OparlBody))
)]
#[get("/oparl/v1/body/region")]
pub async fn get_body(req: HttpRequest, pool: web::Data<DbPool>) -> ApiResult<Reply> {
    let urls = request_urls(&req);
    Ok(Reply::ok(&read::body(&pool, &urls).await?))
}

macro_rules! oparl_endpoints {
    ($object:ident,
     $list_fn:ident, $list_id:literal, $list_path:literal, $list_doc:literal,
     $get_fn:ident, $get_id:literal, $get_path:literal, $get_doc:literal) => {
        #[doc = $list_doc]
        #[doc = ""]
        #[doc = "Sorted by id; deleted or depublished objects stay as tombstones (`deleted: true`)."]
        #[utoipa::path(
            tag = "oparl",
            operation_id = $list_id,
            security(()),
            params(OparlListQuery),
            responses(
                (status = 200, description = "One page of the list: live objects and tombstones.", body = OparlList<$object>),
                (status = 422, description = "A filter is not an RFC 3339 date-time, `limit` is below 1, or `cursor` does not come from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($list_path)]
        pub async fn $list_fn(
            req: HttpRequest,
            pool: web::Data<DbPool>,
            query: web::Query<OparlListQuery>,
        ) -> ApiResult<Reply> {
            let (params, after) = query.params()?;
            let urls = request_urls(&req);
            let list_url = urls.list(<$object as Published>::KIND);
            let page = read::page_of::<$object>(&pool, &urls, &list_url, &params, after, None).await?;
            Ok(Reply::ok(&page))
        }

        #[doc = $get_doc]
        #[doc = ""]
        #[doc = "A deleted or depublished object answers 200 with its tombstone (`deleted: true`)."]
        #[utoipa::path(
            tag = "oparl",
            operation_id = $get_id,
            security(()),
            params(("id" = Uuid, Path, description = "Object id (the last segment of its URL)")),
            responses(
                (status = 200, description = "The object or its tombstone.", body = $object),
                (status = 404, description = "No such object, or it was never public.", body = qmf_platform::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($get_path)]
        pub async fn $get_fn(
            req: HttpRequest,
            pool: web::Data<DbPool>,
            id: web::Path<Uuid>,
        ) -> ApiResult<Reply> {
            let urls = request_urls(&req);
            Ok(Reply::ok(&read::object::<$object>(&pool, &urls, *id).await?))
        }
    };
}

oparl_endpoints!(
    OparlOrganization,
    list_organizations,
    "oparl_list_organizations",
    "/oparl/v1/body/region/organization",
    "The committees (Gremien) as OParl organizations, dissolved working groups included.",
    get_organization,
    "oparl_organization",
    "/oparl/v1/organization/{id}",
    "One committee as an OParl organization."
);
oparl_endpoints!(
    OparlPerson,
    list_people,
    "oparl_list_people",
    "/oparl/v1/body/region/person",
    "The people who consented to publication; withdrawn consent leaves a tombstone.",
    get_person,
    "oparl_person",
    "/oparl/v1/person/{id}",
    "One person who consented to publication."
);
oparl_endpoints!(
    OparlMembership,
    list_memberships,
    "oparl_list_memberships",
    "/oparl/v1/body/region/membership",
    "The committee memberships of people who consented to publication.",
    get_membership,
    "oparl_membership",
    "/oparl/v1/membership/{id}",
    "One membership of a person who consented to publication."
);
oparl_endpoints!(
    OparlMeeting,
    list_meetings,
    "oparl_list_meetings",
    "/oparl/v1/body/region/meeting",
    "The public meetings with their place and public agenda.",
    get_meeting,
    "oparl_meeting",
    "/oparl/v1/meeting/{id}",
    "One public meeting with its place and public agenda."
);
oparl_endpoints!(
    OparlAgendaItem,
    list_agenda_items,
    "oparl_list_agenda_items",
    "/oparl/v1/body/region/agenda-item",
    "The public agenda items of public meetings; removed items stay as tombstones.",
    get_agenda_item,
    "oparl_agenda_item",
    "/oparl/v1/agenda-item/{id}",
    "One public agenda item of a public meeting."
);
oparl_endpoints!(
    OparlLocation,
    list_locations,
    "oparl_list_locations",
    "/oparl/v1/body/region/location",
    "The places of the public meetings (one per meeting, with the meeting's id).",
    get_location,
    "oparl_location",
    "/oparl/v1/location/{id}",
    "The place of one public meeting."
);
oparl_endpoints!(
    OparlPaper,
    list_papers,
    "oparl_list_papers",
    "/oparl/v1/body/region/paper",
    "The adopted guidelines (Richtlinien) and recommendations (Empfehlungen) as OParl papers, with their consultations.",
    get_paper,
    "oparl_paper",
    "/oparl/v1/paper/{id}",
    "One adopted guideline or recommendation with its consultations."
);
oparl_endpoints!(
    OparlConsultation,
    list_consultations,
    "oparl_list_consultations",
    "/oparl/v1/body/region/consultation",
    "The deliberations of published papers in public meetings; the deciding one is authoritative.",
    get_consultation,
    "oparl_consultation",
    "/oparl/v1/consultation/{id}",
    "One deliberation of a published paper (same id as its agenda item)."
);
oparl_endpoints!(
    OparlLegislativeTerm,
    list_legislative_terms,
    "oparl_list_legislative_terms",
    "/oparl/v1/body/region/legislative-term",
    "The management terms (Geschäftsführung) as OParl legislative terms.",
    get_legislative_term,
    "oparl_legislative_term",
    "/oparl/v1/legislative-term/{id}",
    "One management term as an OParl legislative term."
);

/// The public meetings of one committee (`meeting` of its Organization).
///
/// The same objects, order, filters and paging as the body's meeting list, narrowed to the
/// committee; a committee without public meetings has an empty list.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_list_organization_meetings",
    security(()),
    params(
        ("id" = Uuid, Path, description = "Organization id (the last segment of its URL)"),
        OparlListQuery,
    ),
    responses(
        (status = 200, description = "One page of the committee's meetings: live objects and tombstones.", body = OparlList<OparlMeeting>),
        (status = 404, description = "No such committee.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not an RFC 3339 date-time, `limit` is below 1, or `cursor` does not come from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/oparl/v1/organization/{id}/meeting")]
pub async fn list_organization_meetings(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<OparlListQuery>,
) -> ApiResult<Reply> {
    let id = *id;
    if !read::organization_exists(&pool, id).await? {
        return Err(ApiError::NotFound("no committee with this id".into()));
    }
    let (params, after) = query.params()?;
    let urls = request_urls(&req);
    let list_url = urls.meetings_of(id);
    let page =
        read::page_of::<OparlMeeting>(&pool, &urls, &list_url, &params, after, Some(id)).await?;
    Ok(Reply::ok(&page))
}
