//! Cases and their external ids. Every query that reads cases takes the caller's audience and
//! applies the access rules in SQL (`visible`).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::exists;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::db::unique_violation;
use qmf_platform::pagination::{ListOrder, writer_xid};
use qmf_platform::{ApiError, ListKey, RuleName};
use uuid::Uuid;

use super::code;
use super::schema::{case_external_ids, cases, plans};
use crate::domain::access::Audience;
use crate::domain::codes::{HelpKind, Phase};
use crate::domain::rules::Rule;

/// The primary key of external ids: one case per office, system and id.
const EXTERNAL_ID_KEY: &str = "case_external_ids_pkey";

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub id: Uuid,
    pub pseudonym: Uuid,
    pub responsible_office_id: Uuid,
    pub caseworker_id: Uuid,
    pub help_kind: String,
    pub phase: String,
    pub personal_data: Option<Vec<u8>>,
    pub personal_key_id: Option<String>,
    pub birth_year: Option<i32>,
    pub opened_on: NaiveDate,
    pub help_started_on: Option<NaiveDate>,
    pub ended_on: Option<NaiveDate>,
    pub closed_on: Option<NaiveDate>,
    pub end_kind: Option<String>,
    pub end_reason: Option<String>,
    pub transfer_to_office_id: Option<Uuid>,
    pub transfer_reason: Option<String>,
    pub archived_at: Option<DateTime<Utc>>,
    pub erased_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub change_seq: i64,
    pub change_xid: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

type Visible = Box<dyn BoxableExpression<cases::table, Pg, SqlType = Bool>>;

/// The access rules as a SQL condition on `cases`:
/// - the responsible office sees its cases, archived ones only with the archive role; an office
///   a transfer is offered to sees the case until it answers;
/// - an institution sees a case while the help runs (plan agreed, running, ending) and the
///   case's current plan (proposed or accepted, not superseded or declined) is its own.
fn visible(audience: Audience, archive_reader: bool) -> Visible {
    match audience {
        Audience::Office(office) => {
            // The office a transfer is offered to reads the case to decide on it.
            let own = cases::responsible_office_id
                .eq(office)
                .or(cases::transfer_to_office_id.eq(office).assume_not_null());
            if archive_reader {
                Box::new(own)
            } else {
                Box::new(own.and(cases::archived_at.is_null()))
            }
        }
        Audience::Provider(institution) => Box::new(
            cases::archived_at
                .is_null()
                .and(cases::phase.eq_any(["plan_agreed", "help_running", "ending"]))
                .and(exists(
                    plans::table
                        .filter(plans::case_id.eq(cases::id))
                        .filter(plans::provider_id.eq(institution))
                        .filter(plans::status.eq_any(["proposed", "accepted"])),
                )),
        ),
    }
}

pub struct NewCase<'a> {
    pub id: Uuid,
    pub office_id: Uuid,
    pub caseworker_id: Uuid,
    pub help_kind: HelpKind,
    pub personal_data: &'a [u8],
    pub personal_key_id: &'a str,
    pub birth_year: i32,
    pub opened_on: NaiveDate,
}

#[tracing::instrument(skip_all, fields(case_id = %new.id, office_id = %new.office_id))]
pub async fn insert(conn: &mut AsyncPgConnection, new: NewCase<'_>) -> Result<CaseRow, ApiError> {
    Ok(diesel::insert_into(cases::table)
        .values((
            cases::id.eq(new.id),
            cases::pseudonym.eq(Uuid::new_v4()),
            cases::responsible_office_id.eq(new.office_id),
            cases::caseworker_id.eq(new.caseworker_id),
            cases::help_kind.eq(code(&new.help_kind)),
            cases::phase.eq(code(&Phase::Intake)),
            cases::personal_data.eq(new.personal_data),
            cases::personal_key_id.eq(new.personal_key_id),
            cases::birth_year.eq(new.birth_year),
            cases::opened_on.eq(new.opened_on),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
        .await?)
}

/// A case the caller may see, or `None` (also when it exists but is not theirs).
#[tracing::instrument(skip_all, fields(case_id = %id, organization_id = %audience.organization()))]
pub async fn find_visible(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    audience: Audience,
    archive_reader: bool,
) -> Result<Option<CaseRow>, ApiError> {
    Ok(cases::table
        .filter(cases::id.eq(id))
        .filter(visible(audience, archive_reader))
        .select(CaseRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

/// Like `find_visible`, locking the row for a command.
#[tracing::instrument(skip_all, fields(case_id = %id, organization_id = %audience.organization()))]
pub async fn lock_visible(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    audience: Audience,
) -> Result<Option<CaseRow>, ApiError> {
    Ok(cases::table
        .filter(cases::id.eq(id))
        .filter(visible(audience, false))
        .select(CaseRow::as_select())
        .for_update()
        .first(&mut conn)
        .await
        .optional()?)
}

#[derive(Debug, Default, Clone)]
pub struct CaseFilter {
    pub caseworker_id: Option<Uuid>,
    pub phase: Option<Phase>,
    pub help_kind: Option<HelpKind>,
    pub modified_since: Option<DateTime<Utc>>,
}

/// Up to `limit + 1` cases the caller may see, in creation order, or in change order with
/// `modified_since`; after the cursor key `after` of the same order.
#[tracing::instrument(skip_all, fields(organization_id = %audience.organization(), limit))]
pub async fn list_visible(
    conn: &mut AsyncPgConnection,
    audience: Audience,
    archive_reader: bool,
    filter: &CaseFilter,
    after: Option<ListKey>,
    limit: i64,
) -> Result<Vec<CaseRow>, ApiError> {
    let mut query = cases::table
        .filter(visible(audience, archive_reader))
        .select(CaseRow::as_select())
        .into_boxed();
    if let Some(caseworker) = filter.caseworker_id {
        query = query.filter(cases::caseworker_id.eq(caseworker));
    }
    if let Some(phase) = &filter.phase {
        query = query.filter(cases::phase.eq(code(phase)));
    }
    if let Some(kind) = &filter.help_kind {
        query = query.filter(cases::help_kind.eq(code(kind)));
    }
    let by_change = filter.modified_since.is_some();
    if let Some(since) = filter.modified_since {
        query = query.filter(cases::updated_at.gt(since));
    }
    let order = if by_change {
        ListOrder::Changed
    } else {
        ListOrder::Created
    };
    let query =
        qmf_platform::keyset_page!(query, cases::id, cases::change_xid, order, after, limit)?;
    Ok(query.load(conn).await?)
}

/// Base data of an update.
pub struct BaseData<'a> {
    pub caseworker_id: Uuid,
    pub help_kind: HelpKind,
    pub personal_data: &'a [u8],
    pub personal_key_id: &'a str,
    pub birth_year: i32,
}

#[tracing::instrument(skip_all, fields(case_id = %id))]
pub async fn update_base(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    data: BaseData<'_>,
) -> Result<CaseRow, ApiError> {
    Ok(diesel::update(cases::table.filter(cases::id.eq(id)))
        .set((
            cases::caseworker_id.eq(data.caseworker_id),
            cases::help_kind.eq(code(&data.help_kind)),
            cases::personal_data.eq(data.personal_data),
            cases::personal_key_id.eq(data.personal_key_id),
            cases::birth_year.eq(data.birth_year),
            cases::version.eq(cases::version + 1),
            cases::change_seq.eq(next_change_seq()),
            cases::change_xid.eq(writer_xid()),
            cases::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CaseRow::as_returning())
        .get_result(conn)
        .await?)
}

fn next_change_seq() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>("nextval('case_change_seq')")
}

/// The case an integrating system knows under `system`/`external_id` at `office`.
#[tracing::instrument(skip_all, fields(office_id = %office, system))]
pub async fn find_by_external_id(
    conn: &mut AsyncPgConnection,
    office: Uuid,
    system: &str,
    external_id: &str,
) -> Result<Option<Uuid>, ApiError> {
    Ok(case_external_ids::table
        .filter(case_external_ids::office_id.eq(office))
        .filter(case_external_ids::system.eq(system))
        .filter(case_external_ids::external_id.eq(external_id))
        .select(case_external_ids::case_id)
        .first(conn)
        .await
        .optional()?)
}

/// Replaces the external ids of a case; an id already used for another case of the office is a conflict.
#[tracing::instrument(skip_all, fields(case_id = %case_id, office_id = %office))]
pub async fn set_external_ids(
    conn: &mut AsyncPgConnection,
    office: Uuid,
    case_id: Uuid,
    ids: &std::collections::BTreeMap<String, String>,
) -> Result<(), ApiError> {
    diesel::delete(case_external_ids::table.filter(case_external_ids::case_id.eq(case_id)))
        .execute(conn)
        .await?;
    for (system, external_id) in ids {
        diesel::insert_into(case_external_ids::table)
            .values((
                case_external_ids::office_id.eq(office),
                case_external_ids::system.eq(system),
                case_external_ids::external_id.eq(external_id),
                case_external_ids::case_id.eq(case_id),
            ))
            .execute(conn)
            .await
            .map_err(|e| {
                unique_violation(e, |constraint| {
                    (constraint == EXTERNAL_ID_KEY).then(|| {
                        Rule::ExternalIdUnique.conflict(format!(
                            "{system} id {external_id:?} already belongs to another case of this office"
                        ))
                    })
                })
            })?;
    }
    Ok(())
}

/// The external ids of a case (system → id).
#[tracing::instrument(skip_all, fields(case_id = %case_id))]
pub async fn external_ids(
    mut conn: &AsyncPgConnection,
    case_id: Uuid,
) -> Result<std::collections::BTreeMap<String, String>, ApiError> {
    let rows: Vec<(String, String)> = case_external_ids::table
        .filter(case_external_ids::case_id.eq(case_id))
        .select((case_external_ids::system, case_external_ids::external_id))
        .load(&mut conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Columns a command changes; `None` leaves a column as it is, `Some(None)` clears it.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = cases)]
pub struct CaseChange {
    pub phase: Option<String>,
    pub responsible_office_id: Option<Uuid>,
    pub help_started_on: Option<Option<NaiveDate>>,
    pub ended_on: Option<Option<NaiveDate>>,
    pub closed_on: Option<Option<NaiveDate>>,
    pub end_kind: Option<Option<String>>,
    pub end_reason: Option<Option<String>>,
    pub transfer_to_office_id: Option<Option<Uuid>>,
    pub transfer_reason: Option<Option<String>>,
}

/// Applies a command's changes and bumps the version and change sequence.
#[tracing::instrument(skip_all, fields(case_id = %id))]
pub async fn change(
    mut conn: &AsyncPgConnection,
    id: Uuid,
    change: CaseChange,
) -> Result<CaseRow, ApiError> {
    Ok(diesel::update(cases::table.filter(cases::id.eq(id)))
        .set((
            change,
            cases::version.eq(cases::version + 1),
            cases::change_seq.eq(next_change_seq()),
            cases::change_xid.eq(writer_xid()),
            cases::updated_at.eq(diesel::dsl::now),
        ))
        .returning(CaseRow::as_returning())
        .get_result(&mut conn)
        .await?)
}

/// After a transfer the external ids belong to the new office.
#[tracing::instrument(skip_all, fields(case_id = %case_id, office_id = %office))]
pub async fn move_external_ids(
    conn: &mut AsyncPgConnection,
    case_id: Uuid,
    office: Uuid,
) -> Result<(), ApiError> {
    diesel::update(case_external_ids::table.filter(case_external_ids::case_id.eq(case_id)))
        .set(case_external_ids::office_id.eq(office))
        .execute(conn)
        .await
        .map_err(|e| {
            unique_violation(e, |constraint| {
                (constraint == EXTERNAL_ID_KEY).then(|| {
                    Rule::ExternalIdUnique.conflict(
                        "an external id of the case is already used by the receiving office",
                    )
                })
            })
        })?;
    Ok(())
}

/// External ids of several cases in one query (for lists).
#[tracing::instrument(skip_all, fields(cases = case_ids.len()))]
pub async fn external_ids_of(
    mut conn: &AsyncPgConnection,
    case_ids: &[Uuid],
) -> Result<std::collections::HashMap<Uuid, std::collections::BTreeMap<String, String>>, ApiError> {
    let rows: Vec<(Uuid, String, String)> = case_external_ids::table
        .filter(case_external_ids::case_id.eq_any(case_ids))
        .select((
            case_external_ids::case_id,
            case_external_ids::system,
            case_external_ids::external_id,
        ))
        .load(&mut conn)
        .await?;
    let mut out: std::collections::HashMap<Uuid, std::collections::BTreeMap<String, String>> =
        std::collections::HashMap::new();
    for (case_id, system, external_id) in rows {
        out.entry(case_id).or_default().insert(system, external_id);
    }
    Ok(out)
}
