//! Reading the published objects: a page of a list or one object, each on one read-only
//! snapshot, so that a page's stamps, rows and embedded objects agree with each other.

use std::collections::HashMap;

use diesel_async::AsyncPgConnection;
use diesel_async::pg::TransactionBuilder;
use qmf_platform::pagination::encode_cursor;
use qmf_platform::{ApiError, ApiResult, DbPool};
use uuid::Uuid;

use super::domain::{self as rules, ObjectType, Urls};
use super::model::{OparlBody, OparlLinks, OparlList, OparlPagination, OparlSystem};
use super::params::{ListParams, Position};
use super::render::{self, Published};
use super::rows::{LiveRow, Stamp};
use super::store::{self, Window};

/// The objects of `stamps` in their order: tombstones, and the live objects still there.
async fn objects<P: Published>(
    conn: &mut AsyncPgConnection,
    urls: &Urls,
    stamps: &[Stamp],
    embed: bool,
) -> ApiResult<Vec<P>> {
    let live: Vec<Uuid> = stamps.iter().filter(|s| !s.deleted).map(|s| s.id).collect();
    let rows = store::live::<P::Row>(conn, &live).await?;
    let ids: Vec<Uuid> = rows.iter().map(LiveRow::id).collect();
    let mut rendered: HashMap<Uuid, P> = ids
        .into_iter()
        .zip(P::render(conn, urls, rows, embed).await?)
        .collect();
    Ok(stamps
        .iter()
        .filter_map(|stamp| {
            if stamp.deleted {
                let id = urls.object(P::KIND, stamp.id);
                Some(P::tombstone(id, stamp.created, stamp.modified))
            } else {
                rendered.remove(&stamp.id)
            }
        })
        .collect())
}

/// One page of the list at `list_url` after the cursor position `after` (none: the first page,
/// which takes a new sync horizon), narrowed to one committee's meetings with `meetings_of`.
#[tracing::instrument(skip_all, fields(kind = ?P::KIND, meetings_of = ?meetings_of))]
pub async fn page_of<P: Published>(
    pool: &DbPool,
    urls: &Urls,
    list_url: &str,
    params: &ListParams,
    after: Option<Position>,
    meetings_of: Option<Uuid>,
) -> ApiResult<OparlList<P>> {
    let mut conn = pool.get().await?;
    // Before the snapshot, see `store::sync_horizon`.
    let horizon = match after {
        Some(position) => position.horizon,
        None => store::sync_horizon(&mut conn).await?,
    };
    let window = Window {
        filter: params.filter,
        after: after.map(|position| position.after),
        before: Some(horizon),
        limit: params.limit.saturating_add(1),
        meetings_of,
    };
    let (limit, embed) = (params.limit, !params.omit_internal);
    let (data, next) = snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| {
            let mut stamps = store::stamps(conn, P::KIND, &window, None).await?;
            let limit = usize::try_from(limit).unwrap_or(0);
            let more = stamps.len() > limit;
            stamps.truncate(limit);
            let data = objects::<P>(conn, urls, &stamps, embed).await?;
            let next = stamps.last().filter(|_| more).map(|last| last.id);
            Ok((data, next))
        })
        .await?;
    let next = next.map(|after| encode_cursor(&Position { after, horizon }));
    Ok(page(list_url, params, data, next))
}

/// One object, or its tombstone; 404 for what never was public.
#[tracing::instrument(skip_all, fields(kind = ?P::KIND, id = %id))]
pub async fn object<P: Published>(pool: &DbPool, urls: &Urls, id: Uuid) -> ApiResult<P> {
    let window = Window {
        filter: Default::default(),
        after: None,
        before: None,
        limit: 1,
        meetings_of: None,
    };
    let mut conn = pool.get().await?;
    let found = snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| {
            let stamps = store::stamps(conn, P::KIND, &window, Some(id)).await?;
            objects::<P>(conn, urls, &stamps, true).await
        })
        .await?;
    found.into_iter().next().ok_or_else(|| {
        ApiError::NotFound(format!(
            "no public {} with this id",
            P::KIND.tombstone_kind()
        ))
    })
}

/// The system, created with the body.
#[tracing::instrument(skip_all)]
pub async fn system(pool: &DbPool, urls: &Urls) -> ApiResult<OparlSystem> {
    let mut conn = pool.get().await?;
    let (created, _) = store::body_stamp(&mut conn).await?;
    Ok(OparlSystem {
        id: urls.system(),
        object_type: ObjectType::System.type_url(),
        oparl_version: rules::OPARL_VERSION,
        body: urls.body_list(),
        name: rules::SYSTEM_NAME,
        created,
        modified: created,
    })
}

/// The one body.
#[tracing::instrument(skip_all)]
pub async fn body(pool: &DbPool, urls: &Urls) -> ApiResult<OparlBody> {
    let mut conn = pool.get().await?;
    snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| render::body(conn, urls).await)
        .await
}

/// The list of bodies: the one body, when it passes the filters and was modified before the
/// list's sync horizon.
#[tracing::instrument(skip_all)]
pub async fn bodies(
    pool: &DbPool,
    urls: &Urls,
    params: &ListParams,
    after: Option<Position>,
) -> ApiResult<OparlList<OparlBody>> {
    // The only body sorts first: a page after any position is empty.
    if after.is_some() {
        return Ok(page(&urls.body_list(), params, Vec::new(), None));
    }
    let mut conn = pool.get().await?;
    let horizon = store::sync_horizon(&mut conn).await?;
    let body = snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| render::body(conn, urls).await)
        .await?;
    let data = if params.filter.matches(body.created, body.modified) && body.modified < horizon {
        vec![body]
    } else {
        Vec::new()
    };
    Ok(page(&urls.body_list(), params, data, None))
}

/// Whether a committee with this id exists (every committee is public).
#[tracing::instrument(skip_all, fields(id = %id))]
pub async fn organization_exists(pool: &DbPool, id: Uuid) -> ApiResult<bool> {
    let mut conn = pool.get().await?;
    store::organization_exists(&mut conn, id).await
}

/// A read-only transaction on one snapshot.
fn snapshot(conn: &mut AsyncPgConnection) -> TransactionBuilder<'_, AsyncPgConnection> {
    conn.build_transaction().read_only().repeatable_read()
}

fn page<T>(url: &str, params: &ListParams, data: Vec<T>, next: Option<String>) -> OparlList<T> {
    OparlList {
        data,
        pagination: OparlPagination {
            elements_per_page: params.limit,
        },
        links: OparlLinks {
            first: Urls::page(url, &params.query(None)),
            this: Urls::page(url, &params.query(params.cursor.as_deref())),
            next: next.map(|cursor| Urls::page(url, &params.query(Some(&cursor)))),
        },
    }
}
