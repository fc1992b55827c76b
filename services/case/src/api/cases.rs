use std::collections::BTreeMap;

use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_platform::etag::{parse_if_match, with_etag};
use qmf_platform::{ApiError, ApiResult, DbPool, IfMatch, Json, Page, PageQuery, Principal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{audit_refusal, today};
use crate::domain::access::{self, Audience};
use crate::domain::case_file::{CaseDraft, CustodyHolder, PersonalData, YoungPerson};
use crate::domain::codes::{EndKind, EndReason, HelpKind, Phase};
use crate::domain::process::{self, CaseState, Command};
use crate::domain::responsibility;
use crate::events;
use crate::settings::CaseSettings;
use crate::store::cases::{self as store, BaseData, CaseFilter, CaseKey, CaseRow, NewCase};
use crate::store::{audit, parse_code, steps};
use qmf_directory_copy::store as directory_copy;

/// A pending transfer of responsibility to another youth office (§86 SGB VIII).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"to_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e61", "reason": "Umzug der Familie in den Landkreis Schwäbisch Hall"}))]
pub struct PendingTransfer {
    pub to_office_id: Uuid,
    pub reason: String,
}

/// A help case. Personal data (`young_person`, `custody_holders`) is `null` once erased after
/// the retention period; institutions see custody holders without contact data.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "id": "01937a10-0000-7000-8000-0000000000c1", "responsible_office_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "caseworker_id": "01936f40-0000-7000-8000-000000000001", "help_kind": "family_help", "phase": "intake",
    "young_person": {"given_name": "Mia", "family_name": "Beispiel", "date_of_birth": "2014-03-02"},
    "custody_holders": [{"given_name": "Sandra", "family_name": "Beispiel", "relation": "mother",
        "address": "Musterweg 3, 74072 Heilbronn", "phone": "+49 7131 555-0101", "email": null}],
    "external_ids": {"okjug": "2026-000123"}, "opened_on": "2026-11-23", "help_started_on": null,
    "ended_on": null, "closed_on": null, "end_kind": null, "end_reason": null, "pending_transfer": null,
    "archived": false, "version": 1, "created_at": "2026-11-23T09:00:00Z", "updated_at": "2026-11-23T09:00:00Z"
}))]
pub struct CaseResponse {
    pub id: Uuid,
    pub responsible_office_id: Uuid,
    pub caseworker_id: Uuid,
    pub help_kind: HelpKind,
    pub phase: Phase,
    pub young_person: Option<YoungPerson>,
    pub custody_holders: Option<Vec<CustodyHolder>>,
    pub external_ids: BTreeMap<String, String>,
    pub opened_on: NaiveDate,
    pub help_started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub end_kind: Option<EndKind>,
    pub end_reason: Option<EndReason>,
    pub pending_transfer: Option<PendingTransfer>,
    /// Archived cases are read-only and readable only with the `archivist` role.
    pub archived: bool,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Decrypts and shapes a case for `audience`.
pub fn response(
    row: CaseRow,
    external_ids: BTreeMap<String, String>,
    audience: Audience,
    settings: &CaseSettings,
) -> ApiResult<CaseResponse> {
    let personal = match (&row.personal_data, &row.personal_key_id) {
        (Some(sealed), Some(key_id)) => {
            let data: PersonalData = settings
                .keyring
                .open_json(row.id, key_id, sealed)
                .map_err(ApiError::internal)?;
            Some(if audience.sees_custody_contacts() {
                data
            } else {
                data.without_custody_contacts()
            })
        }
        _ => None,
    };
    let (young_person, custody_holders) = match personal {
        Some(data) => (Some(data.young_person), Some(data.custody_holders)),
        None => (None, None),
    };
    Ok(CaseResponse {
        id: row.id,
        responsible_office_id: row.responsible_office_id,
        caseworker_id: row.caseworker_id,
        help_kind: parse_code(&row.help_kind)?,
        phase: parse_code(&row.phase)?,
        young_person,
        custody_holders,
        external_ids,
        opened_on: row.opened_on,
        help_started_on: row.help_started_on,
        ended_on: row.ended_on,
        closed_on: row.closed_on,
        end_kind: row.end_kind.as_deref().map(parse_code).transpose()?,
        end_reason: row.end_reason.as_deref().map(parse_code).transpose()?,
        pending_transfer: row.transfer_to_office_id.map(|to| PendingTransfer {
            to_office_id: to,
            reason: row.transfer_reason.clone().unwrap_or_default(),
        }),
        archived: row.archived_at.is_some(),
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The rule state of a case row.
pub fn state(row: &CaseRow, plan_proposed: bool, plan_accepted: bool) -> ApiResult<CaseState> {
    Ok(CaseState {
        phase: parse_code(&row.phase)?,
        transfer_pending: row.transfer_to_office_id.is_some(),
        plan_proposed,
        plan_accepted,
        closed_on: row.closed_on,
        archived: row.archived_at.is_some(),
    })
}

fn ok(body: &CaseResponse) -> HttpResponse {
    with_etag(&mut HttpResponse::Ok(), body.version).json(body)
}

/// The caseworker named in base data works for `office` (as the directory's events say).
async fn check_caseworker(
    conn: &mut AsyncPgConnection,
    office: Uuid,
    caseworker: Uuid,
) -> ApiResult<()> {
    let person = directory_copy::find_person(conn, caseworker).await?;
    responsibility::check_caseworker(office, person.as_ref(), today())
}

async fn open_case(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    office: Uuid,
    draft: &CaseDraft,
    settings: &CaseSettings,
) -> ApiResult<(CaseRow, BTreeMap<String, String>)> {
    responsibility::check_office(
        directory_copy::find_organization(conn, office)
            .await?
            .as_ref(),
    )?;
    check_caseworker(conn, office, draft.caseworker_id).await?;
    let id = Uuid::now_v7();
    let (key_id, sealed) = settings.keyring.seal_json(id, &draft.personal_data());
    let row = store::insert(
        conn,
        NewCase {
            id,
            office_id: office,
            caseworker_id: draft.caseworker_id,
            help_kind: draft.help_kind,
            personal_data: &sealed,
            personal_key_id: &key_id,
            birth_year: draft.young_person.date_of_birth.year(),
            opened_on: today(),
        },
    )
    .await?;
    store::set_external_ids(conn, office, id, &draft.external_ids).await?;
    steps::record(
        conn,
        id,
        "opened",
        principal,
        serde_json::json!({"help_kind": row.help_kind}),
    )
    .await?;
    audit::record(conn, principal, Some(id), "case.open").await?;
    events::case_opened(conn, &row).await?;
    Ok((row, draft.external_ids.clone()))
}

async fn update_case(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    office: Uuid,
    current: &CaseRow,
    draft: &CaseDraft,
    settings: &CaseSettings,
) -> ApiResult<CaseRow> {
    access::require_responsible(office, current.responsible_office_id)?;
    process::apply(
        &state(current, false, false)?,
        Command::UpdateBaseData,
        today(),
        settings.process,
    )?;
    check_caseworker(conn, current.responsible_office_id, draft.caseworker_id).await?;
    let (key_id, sealed) = settings
        .keyring
        .seal_json(current.id, &draft.personal_data());
    let row = store::update_base(
        conn,
        current.id,
        BaseData {
            caseworker_id: draft.caseworker_id,
            help_kind: draft.help_kind,
            personal_data: &sealed,
            personal_key_id: &key_id,
            birth_year: draft.young_person.date_of_birth.year(),
        },
    )
    .await?;
    store::set_external_ids(conn, office, current.id, &draft.external_ids).await?;
    steps::record(
        conn,
        current.id,
        "base_data_updated",
        principal,
        serde_json::json!({}),
    )
    .await?;
    audit::record(conn, principal, Some(current.id), "case.update").await?;
    Ok(row)
}

/// Open a case (intake).
///
/// For the responsible youth office (roles `caseworker`, `youth_office_staff`, `service` with
/// `org`). The case belongs to the caller's office, which the directory must know as an active
/// youth office (from its events); the caseworker must be a person the directory lists as
/// working for that office. Names and dates of birth are stored encrypted. Publishes
/// `case.opened.v1` (pseudonymised).
#[utoipa::path(
    tag = "cases",
    operation_id = "open_case",
    request_body = CaseDraft,
    responses(
        (status = 201, description = "Opened.", body = CaseResponse,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the case"))),
        (status = 403, description = "Only the youth office's staff open cases.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `case_requires_active_youth_office` (the caller's organisation is not an active youth office in the directory, or not yet known to this service) or `external_id_unique`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid base data, or `/caseworker_id` is not an active person of the caller's youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/cases")]
pub async fn open(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    body: Json<CaseDraft>,
) -> ApiResult<HttpResponse> {
    let office = access::require_office(access::audience(&principal)?)?;
    let draft = body.into_inner()?;
    draft.validate(today()).map_err(ApiError::Validation)?;
    let mut conn = pool.get().await?;
    let settings = settings.into_inner();
    let (row, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            open_case(conn, &principal, office, &draft, &settings).await
        })
        .await?;
    let body = response(row, ids, Audience::Office(office), &settings)?;
    let mut reply = HttpResponse::Created();
    reply.insert_header((header::LOCATION, format!("/v1/cases/{}", body.id)));
    Ok(with_etag(&mut reply, body.version).json(body))
}

/// Filters of the case list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseListQuery {
    /// Only cases led by this caseworker.
    pub caseworker_id: Option<Uuid>,
    pub phase: Option<Phase>,
    pub help_kind: Option<HelpKind>,
    /// Only cases changed after this time, in change order: incremental sync for integrating
    /// software. Keep a few seconds of overlap between runs.
    pub modified_since: Option<DateTime<Utc>>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List the cases the caller may see.
///
/// The office's cases for youth-office staff; for institution staff the cases whose current
/// plan it delivers. Every listed case is recorded in the audit log.
#[utoipa::path(
    tag = "cases",
    operation_id = "list_cases",
    params(CaseListQuery),
    responses(
        (status = 200, description = "One page of cases.", body = Page<CaseResponse>),
        (status = 403, description = "The caller never sees single cases (coordination, auditors, admins).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    query: web::Query<CaseListQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let audience = access::audience(&principal);
    let audience = audit_refusal(&mut conn, &principal, None, "case.list", audience).await?;
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<CaseKey>()?);
    let filter = CaseFilter {
        caseworker_id: query.caseworker_id,
        phase: query.phase,
        help_kind: query.help_kind,
        modified_since: query.modified_since,
    };
    let archive = access::may_read_archive(&principal);
    let (rows, ids) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let rows = store::list_visible(conn, audience, archive, &filter, after, limit).await?;
            let shown: Vec<Uuid> = rows.iter().take(limit as usize).map(|r| r.id).collect();
            audit::record_reads(conn, &principal, &shown, "case.list").await?;
            let mut ids = store::external_ids_of(conn, &shown).await?;
            let ids: Vec<_> = shown
                .iter()
                .map(|id| ids.remove(id).unwrap_or_default())
                .collect();
            Ok((rows, ids))
        })
        .await?;
    let by_change = filter.modified_since.is_some();
    let page = Page::from_rows(rows, limit, |row| {
        if by_change {
            CaseKey::Seq(row.change_seq)
        } else {
            CaseKey::Id(row.id)
        }
    });
    let items = page
        .items
        .into_iter()
        .zip(ids)
        .map(|(row, ids)| response(row, ids, audience, &settings))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(Page {
        items,
        next_cursor: page.next_cursor,
    }))
}

/// Read one case.
///
/// The read is recorded in the audit log, a refused read too. Answers with a strong `ETag`; send
/// it as `If-Match` with the next step.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The case.", body = CaseResponse, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "The caller never sees single cases.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let mut conn = pool.get().await?;
    let read = async {
        let audience = access::audience(&principal)?;
        let archive = access::may_read_archive(&principal);
        let (row, ids) = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let row = store::find_visible(conn, id, audience, archive)
                    .await?
                    .ok_or_else(|| ApiError::NotFound("no such case".into()))?;
                audit::record(conn, &principal, Some(id), "case.read").await?;
                Ok((row, store::external_ids(conn, id).await?))
            })
            .await?;
        Ok((audience, row, ids))
    }
    .await;
    let (audience, row, ids) =
        audit_refusal(&mut conn, &principal, Some(id), "case.read", read).await?;
    Ok(ok(&response(row, ids, audience, &settings)?))
}

/// Update a case's base data (caseworker, help kind, personal data, external ids).
///
/// Responsible youth office only; requires `If-Match`; not for closed cases. The caseworker must
/// be a person the directory lists as working for the responsible office (also when unchanged:
/// a caseworker who left has to be replaced).
#[utoipa::path(
    tag = "cases",
    operation_id = "update_case",
    request_body = CaseDraft,
    params(
        ("id" = Uuid, Path, description = "Case id"),
        ("If-Match" = String, Header, description = "ETag of the version being replaced"),
    ),
    responses(
        (status = 200, description = "Updated.", body = CaseResponse, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `closed_case_is_read_only`, `archived_case_is_read_only` or `external_id_unique`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid base data, or `/caseworker_id` is not an active person of the responsible youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/cases/{id}")]
pub async fn update(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    id: web::Path<Uuid>,
    body: Json<CaseDraft>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let office = access::require_office(audience)?;
    let draft = body.into_inner()?;
    draft.validate(today()).map_err(ApiError::Validation)?;
    let id = *id;
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = store::lock_visible(conn, id, audience)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such case".into()))?;
            if_match.check(current.version)?;
            update_case(conn, &principal, office, &current, &draft, &settings).await
        })
        .await?;
    Ok(ok(&response(
        row,
        draft.external_ids.clone(),
        audience,
        &settings,
    )?))
}

/// Open or update a case by the id an integrating system knows it under.
///
/// Idempotent: the first call opens the case (201); repeating it with the same body changes
/// nothing (200); a different body updates the case and then requires `If-Match` (428 without).
/// The path's system and id are added to the case's `external_ids`. Opening and updating follow
/// the rules of `open_case` and `update_case` (active youth office, caseworker of the office).
#[utoipa::path(
    tag = "cases",
    operation_id = "upsert_case_by_external_id",
    request_body = CaseDraft,
    params(
        ("system" = String, Path, description = "Name of the integrating system, e.g. `okjug`"),
        ("external_id" = String, Path, description = "The case's id in that system"),
        ("If-Match" = Option<String>, Header, description = "Required when the case exists and the body changes it"),
    ),
    responses(
        (status = 200, description = "Existing case, unchanged or updated.", body = CaseResponse, headers(("ETag" = String, description = "ETag"))),
        (status = 201, description = "Opened.", body = CaseResponse, headers(("ETag" = String, description = "ETag"), ("Location" = String, description = "URL of the case"))),
        (status = 403, description = "Only the youth office's staff and integrating software.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `case_requires_active_youth_office`, `closed_case_is_read_only` or `external_id_unique`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid base data, or `/caseworker_id` is not an active person of the youth office.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "The case exists and the body changes it, but `If-Match` is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/cases/by-external-id/{system}/{external_id}")]
pub async fn upsert_by_external_id(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    path: web::Path<(String, String)>,
    body: Json<CaseDraft>,
    req: actix_web::HttpRequest,
) -> ApiResult<HttpResponse> {
    let audience = access::audience(&principal)?;
    let office = access::require_office(audience)?;
    let (system, external_id) = path.into_inner();
    let mut draft = body.into_inner()?;
    draft
        .external_ids
        .insert(system.clone(), external_id.clone());
    draft.validate(today()).map_err(ApiError::Validation)?;
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let settings = settings.into_inner();
    let mut conn = pool.get().await?;
    let (row, created) = conn
        .transaction::<_, ApiError, _>(async |conn| {
            match store::find_by_external_id(conn, office, &system, &external_id).await? {
                None => {
                    let (row, _) = open_case(conn, &principal, office, &draft, &settings).await?;
                    Ok((row, true))
                }
                Some(id) => {
                    let current = store::lock_visible(conn, id, audience)
                        .await?
                        .ok_or_else(|| ApiError::NotFound("no such case".into()))?;
                    let stored = response(
                        current.clone(),
                        store::external_ids(conn, id).await?,
                        audience,
                        &settings,
                    )?;
                    let unchanged = stored.caseworker_id == draft.caseworker_id
                        && stored.help_kind == draft.help_kind
                        && stored.young_person.as_ref() == Some(&draft.young_person)
                        && stored.custody_holders.as_ref() == Some(&draft.custody_holders)
                        && stored.external_ids == draft.external_ids;
                    if unchanged {
                        audit::record(conn, &principal, Some(id), "case.read").await?;
                        return Ok((current, false));
                    }
                    parse_if_match(if_match.as_deref())?.check(current.version)?;
                    Ok((
                        update_case(conn, &principal, office, &current, &draft, &settings).await?,
                        false,
                    ))
                }
            }
        })
        .await?;
    let body = response(row, draft.external_ids.clone(), audience, &settings)?;
    if created {
        let mut reply = HttpResponse::Created();
        reply.insert_header((header::LOCATION, format!("/v1/cases/{}", body.id)));
        Ok(with_etag(&mut reply, body.version).json(body))
    } else {
        Ok(ok(&body))
    }
}

/// Look a case up by the id an integrating system knows it under.
///
/// Only among the cases of the caller's youth office; the read is recorded in the audit log like a
/// read by id, a refused read too.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_by_external_id",
    params(
        ("system" = String, Path, description = "Name of the integrating system"),
        ("external_id" = String, Path, description = "The case's id in that system"),
    ),
    responses(
        (status = 200, description = "The case.", body = CaseResponse, headers(("ETag" = String, description = "ETag"))),
        (status = 403, description = "Only the youth office's staff and integrating software.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No case of the caller's office has this id.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/by-external-id/{system}/{external_id}")]
pub async fn get_by_external_id(
    principal: Principal,
    pool: web::Data<DbPool>,
    settings: web::Data<CaseSettings>,
    path: web::Path<(String, String)>,
) -> ApiResult<HttpResponse> {
    let (system, external_id) = path.into_inner();
    let mut conn = pool.get().await?;
    // The case the caller asked for, if the external id names one (for a refusal's record).
    let mut asked = None;
    let read = async {
        let audience = access::audience(&principal)?;
        let office = access::require_office(audience)?;
        let archive = access::may_read_archive(&principal);
        asked = store::find_by_external_id(&mut conn, office, &system, &external_id).await?;
        let id = asked.ok_or_else(|| ApiError::NotFound("no case with this external id".into()))?;
        let (row, ids) = conn
            .transaction::<_, ApiError, _>(async |conn| {
                let row = store::find_visible(conn, id, audience, archive)
                    .await?
                    .ok_or_else(|| ApiError::NotFound("no case with this external id".into()))?;
                audit::record(conn, &principal, Some(id), "case.lookup").await?;
                Ok((row, store::external_ids(conn, id).await?))
            })
            .await?;
        Ok((audience, row, ids))
    }
    .await;
    let (audience, row, ids) =
        audit_refusal(&mut conn, &principal, asked, "case.lookup", read).await?;
    Ok(ok(&response(row, ids, audience, &settings)?))
}

/// The steps of a case, oldest first: what happened, who, when.
///
/// A plain array, not a page: the steps of one case are few (one per step of the help process) and
/// a timeline is read whole. The read is recorded in the audit log.
#[utoipa::path(
    tag = "cases",
    operation_id = "get_case_timeline",
    params(("id" = Uuid, Path, description = "Case id")),
    responses(
        (status = 200, description = "The timeline.", body = Vec<steps::Step>),
        (status = 403, description = "The caller never sees single cases (coordination, auditors, admins).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such case, or not visible to the caller.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cases/{id}/timeline")]
pub async fn timeline(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let mut conn = pool.get().await?;
    let read = async {
        let audience = access::audience(&principal)?;
        let archive = access::may_read_archive(&principal);
        conn.transaction::<_, ApiError, _>(async |conn| {
            store::find_visible(conn, id, audience, archive)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such case".into()))?;
            audit::record(conn, &principal, Some(id), "case.timeline").await?;
            steps::timeline(conn, id).await
        })
        .await
    }
    .await;
    let steps = audit_refusal(&mut conn, &principal, Some(id), "case.timeline", read).await?;
    Ok(HttpResponse::Ok().json(steps))
}
