//! What every QMF service shares: configuration, telemetry, the HTTP conventions (problem
//! details, pagination, ETags, idempotency), authentication, database plumbing and the
//! background job runner.

pub mod auth;
pub mod codes;
pub mod config;
pub mod csv_out;
pub mod db;
pub mod error;
pub mod etag;
pub mod http;
pub mod ical;
pub mod idempotency;
pub mod input;
pub mod jobs;
pub mod json;
pub mod limits;
pub mod metrics;
pub mod net;
pub mod pagination;
pub mod pdf;
pub mod region;
pub mod reply;
pub mod request_span;
pub mod rules;
pub mod server;
pub mod telemetry;
pub mod text;
pub mod together;
pub mod wire;
pub mod write;

pub use auth::{Principal, Role};
pub use config::{Config, ServiceInfo};
pub use db::DbPool;
pub use error::{ApiError, ApiResult, FieldError, Problem, Violation};
pub use etag::IfMatch;
pub use json::Json;
pub use pagination::{
    ListKey, ListOrder, Page, PageParams, PageQuery, Paged, SyncPaged, SyncParams,
};
pub use reply::{Reply, not_found};
pub use rules::RuleName;
pub use write::Write;
