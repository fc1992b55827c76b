//! Cursor pagination: `limit` + opaque `cursor` in, `items` + `next_cursor` out.
//!
//! A cursor encodes the sort key of the last item returned; the next page starts strictly after
//! it. Because the sort keys are unique and immutable (time-ordered UUIDv7 ids, or the writing
//! transaction's id and the row's id), rows inserted while a client pages are neither skipped
//! nor repeated.
//!
//! # Exact incremental sync
//!
//! In change order (`modified_since`) a row's key is the id of the transaction that last changed
//! it (`change_xid`, see [`writer_xid`]) and its own id. A list hands out only rows whose writer
//! had finished when the list was read: below the oldest transaction still running
//! ([`sync_horizon`]). Every transaction below that horizon has ended, so no row can later appear
//! below it: a cursor past a row never passes over a change that commits later. (A sequence
//! number cannot do this: a writer that took an earlier number may commit after a later one was
//! read.) Every page in change order also carries `sync_cursor`, where a client resumes later.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 50;
pub const MAX_LIMIT: i64 = 200;

/// Query parameters shared by every list endpoint.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<i64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::validation(
                "/query/limit",
                format!("must be between 1 and {MAX_LIMIT}"),
            )),
        }
    }

    /// Decodes the cursor into the sort key type `K` of the list.
    pub fn after<K: DeserializeOwned>(&self) -> Result<Option<K>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items of this page, in the list's stable order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    pub next_cursor: Option<String>,
    /// Only in change order (with `modified_since`): where to resume incremental sync. Pass it
    /// later as `cursor`, with the same filters and `modified_since`, to get exactly the changes
    /// committed after this page: none is skipped, none repeated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sync_cursor: Option<String>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row only tells that more exist.
    pub fn from_rows<K: Serialize>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> K) -> Self {
        let more = rows.len() as i64 > limit;
        rows.truncate(limit.max(0) as usize);
        let next_cursor = if more {
            rows.last().map(|last| encode_cursor(&key(last)))
        } else {
            None
        };
        Page {
            items: rows,
            next_cursor,
            sync_cursor: None,
        }
    }

    /// Converts every item (e.g. a row into its response), failing on the first error.
    pub fn try_map<U, E>(self, f: impl FnMut(T) -> Result<U, E>) -> Result<Page<U>, E> {
        Ok(Page {
            items: self.items.into_iter().map(f).collect::<Result<_, _>>()?,
            next_cursor: self.next_cursor,
            sync_cursor: self.sync_cursor,
        })
    }
}

/// Order of a list: creation order by default; change order for incremental sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    Created,
    Changed,
}

/// Cursor key of lists in creation order (the last time-ordered id) or change order (the last
/// row's writing transaction and id). One type for every such list, so cursors look alike
/// everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ListKey {
    Id(uuid::Uuid),
    Change(i64, uuid::Uuid),
}

/// The transaction writing a row, as `change_xid` stores it: set it wherever a row's
/// `change_seq` is set (the column's default covers inserts).
pub fn writer_xid() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>("(pg_current_xact_id()::text::bigint)")
}

/// The oldest transaction still running when the statement runs: every row with a smaller
/// `change_xid` was written by a transaction that has ended.
pub fn sync_horizon() -> diesel::expression::SqlLiteral<diesel::sql_types::BigInt> {
    diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)",
    )
}

/// The paging parameters every list takes, for the OpenAPI document:
/// `params(MyFilter, PageParams)`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200, example = 50)]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// The sync parameter of lists with a change order: `params(MyFilter, PageParams, SyncParams)`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// Only items changed after this time; switches the list to change order for incremental
    /// sync. Each page then carries `sync_cursor`: resume with it (and the same
    /// `modified_since`) to get exactly the changes committed since, none skipped or repeated.
    /// A change shows once the transactions that started before it have ended.
    #[param(example = "2026-11-23T09:00:00Z")]
    pub modified_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// The one extractor of list queries: `limit` and `cursor` (and, when `SYNC`, `modified_since`)
/// checked with 422 and a pointer, and the list's own filters `F` (which should deny unknown
/// fields) from the rest of the query string. Use [`Paged`] or [`SyncPaged`].
#[derive(Debug)]
pub struct PagedQuery<F, const SYNC: bool> {
    /// The list's own filters.
    pub filter: F,
    /// Page size, 1 to 200.
    pub limit: i64,
    cursor: Option<String>,
    /// Only with [`SyncPaged`]: changes since this time, in change order.
    pub modified_since: Option<chrono::DateTime<chrono::Utc>>,
}

/// A list query with `limit` and `cursor`.
pub type Paged<F> = PagedQuery<F, false>;
/// A list query with `limit`, `cursor` and `modified_since`.
pub type SyncPaged<F> = PagedQuery<F, true>;

impl<F, const SYNC: bool> PagedQuery<F, SYNC> {
    /// Decodes the cursor into the list's sort key (422 on a foreign cursor).
    pub fn after<K: DeserializeOwned>(&self) -> Result<Option<K>, ApiError> {
        self.cursor
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(decode_cursor)
            .transpose()
    }

    /// Creation order, or change order when `modified_since` is given.
    pub fn order(&self) -> ListOrder {
        if self.modified_since.is_some() {
            ListOrder::Changed
        } else {
            ListOrder::Created
        }
    }

    /// The cursor key of an item in this list's order.
    pub fn key(&self, id: uuid::Uuid, change_xid: i64) -> ListKey {
        match self.order() {
            ListOrder::Created => ListKey::Id(id),
            ListOrder::Changed => ListKey::Change(change_xid, id),
        }
    }

    /// A page from up to `limit + 1` fetched rows (see [`Page::from_rows`]).
    pub fn page<T, K: Serialize>(&self, rows: Vec<T>, key: impl Fn(&T) -> K) -> Page<T> {
        Page::from_rows(rows, self.limit, key)
    }

    /// The page of a list with a change order (keys from [`PagedQuery::key`]); in change order
    /// with its `sync_cursor`: after the page's last row, else where the request started.
    pub fn sync_page<T>(&self, rows: Vec<T>, key: impl Fn(&T) -> ListKey) -> Page<T> {
        let resume = (self.order() == ListOrder::Changed).then(|| {
            let shown = rows
                .len()
                .min(usize::try_from(self.limit).unwrap_or(usize::MAX));
            let cursor = self.cursor.as_deref().filter(|c| !c.is_empty());
            match (shown.checked_sub(1).and_then(|last| rows.get(last)), cursor) {
                (Some(row), _) => encode_cursor(&key(row)),
                (None, Some(cursor)) => cursor.to_string(),
                (None, None) => encode_cursor(&ListKey::Change(0, uuid::Uuid::nil())),
            }
        });
        Page {
            sync_cursor: resume,
            ..Page::from_rows(rows, self.limit, key)
        }
    }

    fn parse(query: &str) -> Result<Self, ApiError>
    where
        F: DeserializeOwned,
    {
        let mut limit = None;
        let mut cursor = None;
        let mut modified_since = None;
        let mut rest = Vec::new();
        // Malformed values are 400 like every malformed query value; well-formed values out of
        // range are 422 naming the parameter.
        let malformed = |name: &str, expected: &str| {
            ApiError::BadRequest(format!("invalid query string: {name}: expected {expected}"))
        };
        for raw in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = crate::input::decode_pair(raw);
            match name.as_str() {
                "limit" => {
                    let n = crate::input::saturating_int::<i64>(&value)
                        .ok_or_else(|| malformed("limit", "an integer"))?;
                    if !(1..=MAX_LIMIT).contains(&n) {
                        return Err(ApiError::validation(
                            "/query/limit",
                            format!("must be between 1 and {MAX_LIMIT}"),
                        ));
                    }
                    limit = Some(n);
                }
                "cursor" => cursor = Some(value),
                "modified_since" if SYNC => {
                    let time = chrono::DateTime::parse_from_rfc3339(&value).map_err(|_| {
                        malformed("modified_since", "a date-time with offset (RFC 3339)")
                    })?;
                    modified_since = Some(time.with_timezone(&chrono::Utc));
                }
                _ => rest.push(raw),
            }
        }
        let filter = serde_urlencoded::from_str::<F>(&rest.join("&")).map_err(|e| {
            ApiError::BadRequest(format!(
                "invalid query string: {}",
                crate::json::strip_position(&e.to_string())
            ))
        })?;
        Ok(PagedQuery {
            filter,
            limit: limit.unwrap_or(DEFAULT_LIMIT),
            cursor,
            modified_since,
        })
    }
}

impl<F: DeserializeOwned, const SYNC: bool> actix_web::FromRequest for PagedQuery<F, SYNC> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        std::future::ready(Self::parse(req.query_string()))
    }
}

/// A cursor of another order (e.g. a change-order cursor on a creation-order page): 422.
pub fn foreign_cursor() -> ApiError {
    ApiError::validation("/query/cursor", "belongs to a list with other filters")
}

/// Keyset paging of a boxed diesel query over a table with a time-ordered `id` and a
/// `change_xid`: starts after the cursor's key, orders by the list's order and fetches one row
/// more than the page (see [`Page::from_rows`]). In change order only rows below the
/// [`sync_horizon`] are handed out (see the module). Evaluates to `Result<query, ApiError>`.
///
/// ```ignore
/// let query = keyset_page!(query, people::id, people::change_xid, order, after, limit)?;
/// Ok(query.load(conn).await?)
/// ```
#[macro_export]
macro_rules! keyset_page {
    ($query:expr, $id:expr, $xid:expr, $order:expr, $after:expr, $limit:expr) => {{
        use $crate::pagination::{ListKey, ListOrder};
        let query = $query;
        let query = match $order {
            ListOrder::Created => query,
            ListOrder::Changed => query.filter($xid.lt($crate::pagination::sync_horizon())),
        };
        match ($order, $after) {
            (ListOrder::Created, Some(ListKey::Id(id))) => Ok(query.filter($id.gt(id))),
            (ListOrder::Changed, Some(ListKey::Change(xid, id))) => {
                Ok(query.filter($xid.gt(xid).or($xid.eq(xid).and($id.gt(id)))))
            }
            (_, Some(_)) => Err($crate::pagination::foreign_cursor()),
            (_, None) => Ok(query),
        }
        .map(|query| match $order {
            ListOrder::Created => query.order($id.asc()),
            ListOrder::Changed => query.order(($xid.asc(), $id.asc())),
        })
        .map(|query| query.limit($limit + 1))
    }};
}

pub fn encode_cursor<K: Serialize>(key: &K) -> String {
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(key).unwrap_or_default())
}

pub fn decode_cursor<K: DeserializeOwned>(cursor: &str) -> Result<K, ApiError> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| {
            ApiError::validation("/query/cursor", "is not a cursor returned by this list")
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = encode_cursor(&(42i64, "x"));
        assert_eq!(
            decode_cursor::<(i64, String)>(&c).unwrap(),
            (42, "x".to_string())
        );
        assert!(decode_cursor::<(i64, String)>("not a cursor").is_err());
        assert!(decode_cursor::<(i64, String)>(&encode_cursor(&"other shape")).is_err());
    }

    #[test]
    fn page_has_cursor_only_when_more_rows_exist() {
        let page = Page::from_rows(vec![1, 2, 3], 2, |n| *n);
        assert_eq!(page.items, vec![1, 2]);
        assert_eq!(
            page.next_cursor
                .as_deref()
                .map(decode_cursor::<i32>)
                .map(Result::ok),
            Some(Some(2))
        );
        let last = Page::from_rows(vec![1, 2], 2, |n| *n);
        assert!(last.next_cursor.is_none());
    }

    #[test]
    fn limit_is_bounded() {
        let q = |l| PageQuery {
            limit: Some(l),
            cursor: None,
        };
        assert!(q(0).limit().is_err());
        assert!(q(201).limit().is_err());
        assert_eq!(q(200).limit().unwrap(), 200);
        assert_eq!(PageQuery::default().limit().unwrap(), DEFAULT_LIMIT);
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Filter {
        q: Option<String>,
    }

    #[test]
    fn paged_query_splits_paging_from_filters() {
        let paged = SyncPaged::<Filter>::parse(
            "q=J%C3%BCrgen&limit=10&modified_since=2026-11-23T09%3A00%3A00Z",
        )
        .unwrap();
        assert_eq!(paged.filter.q.as_deref(), Some("Jürgen"));
        assert_eq!(paged.limit, 10);
        assert_eq!(paged.order(), ListOrder::Changed);
        let id = uuid::Uuid::nil();
        assert_eq!(paged.key(id, 7), ListKey::Change(7, id));
        let plain = Paged::<Filter>::parse("").unwrap();
        assert_eq!(plain.limit, DEFAULT_LIMIT);
        assert_eq!(plain.order(), ListOrder::Created);
        assert_eq!(plain.key(id, 7), ListKey::Id(id));
    }

    #[test]
    fn pages_in_change_order_carry_where_to_resume() {
        let a = uuid::Uuid::from_u128(1);
        let b = uuid::Uuid::from_u128(2);
        let rows = vec![(5_i64, a), (9, b), (12, a)];
        let paged =
            SyncPaged::<Filter>::parse("limit=2&modified_since=2026-11-23T09%3A00%3A00Z").unwrap();
        // A full page resumes after its own last row, not after the extra row.
        let page = paged.sync_page(rows.clone(), |(xid, id)| paged.key(*id, *xid));
        let after_b = encode_cursor(&ListKey::Change(9, b));
        assert_eq!(page.next_cursor.as_deref(), Some(after_b.as_str()));
        assert_eq!(page.sync_cursor.as_deref(), Some(after_b.as_str()));
        // An empty page resumes where the request started, or from the beginning.
        let cursor = encode_cursor(&ListKey::Change(9, b));
        let resumed = SyncPaged::<Filter>::parse(&format!(
            "modified_since=2026-11-23T09%3A00%3A00Z&cursor={cursor}"
        ))
        .unwrap();
        let empty = resumed.sync_page(Vec::<(i64, uuid::Uuid)>::new(), |(x, i)| {
            resumed.key(*i, *x)
        });
        assert_eq!(empty.sync_cursor, Some(cursor));
        let first = paged.sync_page(Vec::<(i64, uuid::Uuid)>::new(), |(x, i)| paged.key(*i, *x));
        assert_eq!(
            first.sync_cursor,
            Some(encode_cursor(&ListKey::Change(0, uuid::Uuid::nil())))
        );
        // Lists in creation order carry none.
        let plain = Paged::<Filter>::parse("limit=2").unwrap();
        let created = plain.sync_page(rows, |(xid, id)| plain.key(*id, *xid));
        assert_eq!(created.sync_cursor, None);
    }

    #[test]
    fn paged_query_refuses_bad_paging_with_pointers() {
        for (query, pointer) in [
            ("limit=0", "/query/limit"),
            ("limit=201", "/query/limit"),
            ("limit=-99999999999999999999999", "/query/limit"),
        ] {
            match SyncPaged::<Filter>::parse(query) {
                Err(ApiError::Validation(errors)) => assert_eq!(errors[0].pointer, pointer),
                other => panic!("{query}: {other:?}"),
            }
        }
        for malformed in [
            "limit=ten",
            "modified_since=yesterday",
            "modified_since=2026-11-23",
        ] {
            assert!(matches!(
                SyncPaged::<Filter>::parse(malformed),
                Err(ApiError::BadRequest(_))
            ));
        }
        // A list without change order does not take `modified_since`; unknown filters are refused.
        assert!(matches!(
            Paged::<Filter>::parse("modified_since=2026-11-23T09:00:00Z"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            Paged::<Filter>::parse("colour=blue"),
            Err(ApiError::BadRequest(_))
        ));
        let foreign = Paged::<Filter>::parse("cursor=bm90IGEgY3Vyc29y").unwrap();
        assert!(foreign.after::<ListKey>().is_err());
    }
}
