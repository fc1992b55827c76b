use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::exists;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::directory::{District, OrganizationKind};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::schema::{agreements, organizations};
use qmf_platform::pagination::writer_xid;

use super::{code, conflict_or, next_change_seq};
use crate::domain::organization::OrganizationDraft;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct OrganizationRow {
    pub id: Uuid,
    pub name: String,
    pub kind: String,
    pub district: Option<String>,
    pub umbrella_carrier: Option<String>,
    pub street: String,
    pub postal_code: String,
    pub city: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub external_ids: serde_json::Value,
    pub active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub version: i32,
    pub change_seq: i64,
    pub change_xid: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An organisation with whether it has a valid agreement today.
pub type OrganizationWithStatus = (OrganizationRow, bool);

/// Filters of the organisation list.
#[derive(Debug, Default, Clone)]
pub struct OrganizationFilter {
    pub kind: Option<OrganizationKind>,
    pub district: Option<District>,
    pub active: Option<bool>,
    pub has_valid_agreement: Option<bool>,
    pub modified_since: Option<DateTime<Utc>>,
    pub name_contains: Option<String>,
}

pub use qmf_platform::{ListKey, ListOrder};

macro_rules! valid_agreement_exists {
    ($today:expr) => {
        exists(
            agreements::table.filter(
                agreements::organization_id
                    .eq(organizations::id)
                    .and(agreements::signed_on.le($today))
                    .and(
                        agreements::terminated_on
                            .is_null()
                            .or(agreements::terminated_on.gt($today)),
                    ),
            ),
        )
    };
}

/// The columns a client writes, for inserts and full updates.
#[derive(Insertable, AsChangeset)]
#[diesel(table_name = organizations, treat_none_as_null = true)]
struct OrganizationValues {
    name: String,
    kind: String,
    district: Option<String>,
    umbrella_carrier: Option<String>,
    street: String,
    postal_code: String,
    city: String,
    email: Option<String>,
    phone: Option<String>,
    external_ids: serde_json::Value,
}

impl From<&OrganizationDraft> for OrganizationValues {
    fn from(draft: &OrganizationDraft) -> Self {
        OrganizationValues {
            name: draft.name.clone(),
            kind: code(&draft.kind),
            district: draft.district.as_ref().map(code),
            umbrella_carrier: draft.umbrella_carrier.clone(),
            street: draft.address.street.clone(),
            postal_code: draft.address.postal_code.clone(),
            city: draft.address.city.clone(),
            email: draft.email.clone(),
            phone: draft.phone.clone(),
            external_ids: serde_json::to_value(&draft.external_ids).unwrap_or_default(),
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &OrganizationDraft,
) -> Result<OrganizationRow, ApiError> {
    diesel::insert_into(organizations::table)
        .values((organizations::id.eq(id), OrganizationValues::from(draft)))
        .returning(OrganizationRow::as_returning())
        .get_result(conn)
        .await
        .map_err(conflict_or)
}

#[tracing::instrument(skip_all)]
pub async fn find(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    today: NaiveDate,
) -> Result<Option<OrganizationWithStatus>, ApiError> {
    Ok(organizations::table
        .filter(organizations::id.eq(id))
        .select((OrganizationRow::as_select(), valid_agreement_exists!(today)))
        .first(conn)
        .await
        .optional()?)
}

/// Locks the row for a write and returns it.
#[tracing::instrument(skip_all)]
pub async fn lock(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<Option<OrganizationRow>, ApiError> {
    Ok(organizations::table
        .filter(organizations::id.eq(id))
        .select(OrganizationRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &OrganizationFilter,
    order: ListOrder,
    after: Option<ListKey>,
    limit: i64,
    today: NaiveDate,
) -> Result<Vec<OrganizationWithStatus>, ApiError> {
    let mut query = organizations::table
        .select((OrganizationRow::as_select(), valid_agreement_exists!(today)))
        .into_boxed();
    if let Some(kind) = &filter.kind {
        query = query.filter(organizations::kind.eq(code(kind)));
    }
    if let Some(district) = &filter.district {
        query = query.filter(organizations::district.eq(code(district)));
    }
    if let Some(active) = filter.active {
        query = query.filter(organizations::active.eq(active));
    }
    if let Some(valid) = filter.has_valid_agreement {
        if valid {
            query = query.filter(valid_agreement_exists!(today));
        } else {
            query = query.filter(diesel::dsl::not(valid_agreement_exists!(today)));
        }
    }
    if let Some(since) = filter.modified_since {
        query = query.filter(organizations::updated_at.gt(since));
    }
    if let Some(text) = &filter.name_contains {
        query = query.filter(organizations::name.ilike(format!("%{}%", escape_like(text))));
    }
    let query = qmf_platform::keyset_page!(
        query,
        organizations::id,
        organizations::change_xid,
        order,
        after,
        limit
    )?;
    Ok(query.load(conn).await?)
}

#[tracing::instrument(skip_all)]
pub async fn update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    draft: &OrganizationDraft,
) -> Result<OrganizationRow, ApiError> {
    diesel::update(organizations::table.filter(organizations::id.eq(id)))
        .set((
            OrganizationValues::from(draft),
            organizations::version.eq(organizations::version + 1),
            organizations::change_seq.eq(next_change_seq()),
            organizations::change_xid.eq(writer_xid()),
            organizations::updated_at.eq(diesel::dsl::now),
        ))
        .returning(OrganizationRow::as_returning())
        .get_result(conn)
        .await
        .map_err(conflict_or)
}

#[tracing::instrument(skip_all)]
pub async fn deactivate(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> Result<OrganizationRow, ApiError> {
    Ok(
        diesel::update(organizations::table.filter(organizations::id.eq(id)))
            .set((
                organizations::active.eq(false),
                organizations::deactivated_at.eq(diesel::dsl::now),
                organizations::version.eq(organizations::version + 1),
                organizations::change_seq.eq(next_change_seq()),
                organizations::change_xid.eq(writer_xid()),
                organizations::updated_at.eq(diesel::dsl::now),
            ))
            .returning(OrganizationRow::as_returning())
            .get_result(conn)
            .await?,
    )
}

/// Escapes `%`, `_` and `\` so user text matches literally in LIKE patterns.
pub fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[derive(QueryableByName)]
struct NameRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Names (lower-cased) among `names_lower` that are already taken.
#[tracing::instrument(skip_all)]
pub async fn taken_names(
    conn: &mut AsyncPgConnection,
    names_lower: &[String],
) -> Result<Vec<String>, ApiError> {
    let rows: Vec<NameRow> = diesel::sql_query(
        "SELECT lower(name) AS name FROM organizations WHERE lower(name) = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Text>, _>(names_lower)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.name).collect())
}

/// Id and active flag of each existing organisation among `ids`.
#[tracing::instrument(skip_all)]
pub async fn activity(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<Vec<(Uuid, bool)>, ApiError> {
    Ok(organizations::table
        .filter(organizations::id.eq_any(ids))
        .select((organizations::id, organizations::active))
        .load(conn)
        .await?)
}

/// Every organisation (for republishing snapshots; the directory holds hundreds, not millions).
#[tracing::instrument(skip_all)]
pub async fn all(conn: &mut AsyncPgConnection) -> Result<Vec<OrganizationRow>, ApiError> {
    Ok(organizations::table
        .select(OrganizationRow::as_select())
        .order(organizations::id.asc())
        .load(conn)
        .await?)
}
