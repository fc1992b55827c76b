//! Opening, updating and reading cases: base data, external ids, the list and the timeline.

use std::collections::BTreeMap;

use chrono::Datelike;
use diesel_async::AsyncPgConnection;
use qmf_directory_copy::store as directory_copy;
use qmf_platform::etag::parse_if_match;
use qmf_platform::{ApiError, ApiResult, IfMatch, ListKey, Page, Principal, SyncPaged, not_found};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::views::{CaseResponse, case_response};
use super::{Caller, audit_refusal, case_state, today};
use crate::domain::access::{self, Audience};
use crate::domain::case_file::CaseDraft;
use crate::domain::codes::{HelpKind, Phase};
use crate::domain::process::{self, Command};
use crate::domain::responsibility;
use crate::events;
use crate::settings::CaseSettings;
use crate::store::cases::{self as store, BaseData, CaseFilter, CaseRow, NewCase};
use crate::store::{audit, steps};

pub use crate::store::steps::Step;

/// Filters of the case list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CaseListFilter {
    /// Only cases led by this caseworker.
    pub caseworker_id: Option<Uuid>,
    pub phase: Option<Phase>,
    pub help_kind: Option<HelpKind>,
}

/// What an upsert by external id did.
#[derive(Debug)]
pub enum Upserted {
    /// No case had the id: a new one is open.
    Opened(CaseResponse),
    /// The case with the id, unchanged or updated.
    Existing(CaseResponse),
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

async fn insert_case(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    office: Uuid,
    draft: &CaseDraft,
    settings: &CaseSettings,
) -> ApiResult<CaseRow> {
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
    Ok(row)
}

async fn update_base(
    conn: &mut AsyncPgConnection,
    caller: Caller<'_>,
    office: Uuid,
    current: &CaseRow,
    draft: &CaseDraft,
) -> ApiResult<CaseRow> {
    access::require_responsible(office, current.responsible_office_id)?;
    process::apply(
        &case_state(current, false, false)?,
        Command::UpdateBaseData,
        today(),
        caller.settings.process,
    )?;
    check_caseworker(conn, current.responsible_office_id, draft.caseworker_id).await?;
    let (key_id, sealed) = caller
        .settings
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
        caller.principal,
        serde_json::json!({}),
    )
    .await?;
    audit::record(conn, caller.principal, Some(current.id), "case.update").await?;
    Ok(row)
}

/// Opens a case of `office` (intake): the office must be an active youth office and the
/// caseworker one of its people, as the directory says. Publishes `case.opened.v1`.
#[tracing::instrument(skip_all, fields(office_id = %office))]
pub async fn open(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    office: Uuid,
    draft: &CaseDraft,
    settings: &CaseSettings,
) -> ApiResult<CaseResponse> {
    let row = insert_case(conn, principal, office, draft, settings).await?;
    case_response(
        row,
        draft.external_ids.clone(),
        Audience::Office(office),
        settings,
    )
}

/// Replaces the base data of a case of `office`, at the version `if_match` names.
#[tracing::instrument(skip_all, fields(case_id = %id, office_id = %office))]
pub async fn update(
    conn: &mut AsyncPgConnection,
    caller: Caller<'_>,
    office: Uuid,
    id: Uuid,
    if_match: IfMatch,
    draft: &CaseDraft,
) -> ApiResult<CaseResponse> {
    let current = store::lock_visible(conn, id, caller.audience)
        .await?
        .ok_or_else(|| not_found("case"))?;
    if_match.check(current.version)?;
    let row = update_base(conn, caller, office, &current, draft).await?;
    case_response(
        row,
        draft.external_ids.clone(),
        caller.audience,
        caller.settings,
    )
}

/// Opens the case an integrating system knows as `system`/`external_id` at `office`, or updates
/// it when the draft changes it (then `if_match`, the raw `If-Match` header, is required).
#[tracing::instrument(skip_all, fields(office_id = %office, system))]
pub async fn upsert_by_external_id(
    conn: &mut AsyncPgConnection,
    caller: Caller<'_>,
    office: Uuid,
    system: &str,
    external_id: &str,
    draft: &CaseDraft,
    if_match: Option<&str>,
) -> ApiResult<Upserted> {
    let Some(id) = store::find_by_external_id(conn, office, system, external_id).await? else {
        let row = insert_case(conn, caller.principal, office, draft, caller.settings).await?;
        let case = case_response(
            row,
            draft.external_ids.clone(),
            caller.audience,
            caller.settings,
        )?;
        return Ok(Upserted::Opened(case));
    };
    let current = store::lock_visible(conn, id, caller.audience)
        .await?
        .ok_or_else(|| not_found("case"))?;
    let stored = case_response(
        current.clone(),
        store::external_ids(conn, id).await?,
        caller.audience,
        caller.settings,
    )?;
    let unchanged = stored.caseworker_id == draft.caseworker_id
        && stored.help_kind == draft.help_kind
        && stored.young_person.as_ref() == Some(&draft.young_person)
        && stored.custody_holders.as_ref() == Some(&draft.custody_holders)
        && stored.external_ids == draft.external_ids;
    let row = if unchanged {
        audit::record(conn, caller.principal, Some(id), "case.read").await?;
        current
    } else {
        parse_if_match(if_match)?.check(current.version)?;
        update_base(conn, caller, office, &current, draft).await?
    };
    let case = case_response(
        row,
        draft.external_ids.clone(),
        caller.audience,
        caller.settings,
    )?;
    Ok(Upserted::Existing(case))
}

/// Reads one case the caller may see; the read, or its refusal, is audited.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    settings: &CaseSettings,
    id: Uuid,
) -> ApiResult<CaseResponse> {
    let read = async {
        let audience = access::audience(principal)?;
        let archive = access::may_read_archive(principal);
        let row = store::find_visible(conn, id, audience, archive)
            .await?
            .ok_or_else(|| not_found("case"))?;
        let shared = &*conn;
        let ((), ids) = tokio::try_join!(
            audit::record(shared, principal, Some(id), "case.read"),
            store::external_ids(shared, id),
        )?;
        Ok((audience, row, ids))
    }
    .await;
    let (audience, row, ids) = audit_refusal(conn, principal, Some(id), "case.read", read).await?;
    case_response(row, ids, audience, settings)
}

/// Looks a case of the caller's office up by the id an integrating system knows it under; the
/// lookup, or its refusal, is audited like a read.
#[tracing::instrument(skip_all, fields(system))]
pub async fn get_by_external_id(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    settings: &CaseSettings,
    system: &str,
    external_id: &str,
) -> ApiResult<CaseResponse> {
    let no_case = || ApiError::NotFound("no case with this external id".into());
    // The case the caller asked for, if the external id names one (for a refusal's record).
    let mut asked = None;
    let read = async {
        let audience = access::audience(principal)?;
        let office = access::require_office(audience)?;
        let archive = access::may_read_archive(principal);
        asked = store::find_by_external_id(conn, office, system, external_id).await?;
        let id = asked.ok_or_else(no_case)?;
        let row = store::find_visible(conn, id, audience, archive)
            .await?
            .ok_or_else(no_case)?;
        let shared = &*conn;
        let ((), ids) = tokio::try_join!(
            audit::record(shared, principal, Some(id), "case.lookup"),
            store::external_ids(shared, id),
        )?;
        Ok((audience, row, ids))
    }
    .await;
    let (audience, row, ids) = audit_refusal(conn, principal, asked, "case.lookup", read).await?;
    case_response(row, ids, audience, settings)
}

/// One page of the cases the caller may see; the page is audited as one read naming every listed case.
#[tracing::instrument(skip_all, fields(limit = query.limit))]
pub async fn list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    settings: &CaseSettings,
    query: &SyncPaged<CaseListFilter>,
) -> ApiResult<Page<CaseResponse>> {
    let audience = access::audience(principal);
    let audience = audit_refusal(conn, principal, None, "case.list", audience).await?;
    let after = query.after::<ListKey>()?;
    let limit = query.limit;
    let filter = CaseFilter {
        caseworker_id: query.filter.caseworker_id,
        phase: query.filter.phase,
        help_kind: query.filter.help_kind,
        modified_since: query.modified_since,
    };
    let archive = access::may_read_archive(principal);
    let rows = store::list_visible(conn, audience, archive, &filter, after, limit).await?;
    let shown: Vec<Uuid> = rows.iter().take(limit as usize).map(|r| r.id).collect();
    let shared = &*conn;
    let ((), mut ids) = tokio::try_join!(
        audit::record_reads(shared, principal, &shown, "case.list"),
        store::external_ids_of(shared, &shown),
    )?;
    let ids: Vec<BTreeMap<String, String>> = shown
        .iter()
        .map(|id| ids.remove(id).unwrap_or_default())
        .collect();
    let page = query.sync_page(rows, |row| query.key(row.id, row.change_xid));
    let items = page
        .items
        .into_iter()
        .zip(ids)
        .map(|(row, ids)| case_response(row, ids, audience, settings))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
        sync_cursor: page.sync_cursor,
    })
}

/// The steps of a case, oldest first; the read, or its refusal, is audited.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub async fn timeline(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<Vec<Step>> {
    let read = async {
        let audience = access::audience(principal)?;
        let archive = access::may_read_archive(principal);
        store::find_visible(conn, id, audience, archive)
            .await?
            .ok_or_else(|| not_found("case"))?;
        let shared = &*conn;
        let ((), steps) = tokio::try_join!(
            audit::record(shared, principal, Some(id), "case.timeline"),
            steps::timeline(shared, id),
        )?;
        Ok(steps)
    };
    let read = read.await;
    audit_refusal(conn, principal, Some(id), "case.timeline", read).await
}
