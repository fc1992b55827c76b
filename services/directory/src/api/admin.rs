//! Operations for administrators.

use actix_web::post;
use qmf_platform::{ApiResult, Principal, Reply, Role, Write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app;

/// What a republish put into the outbox.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"organizations": 47, "people": 176, "agreements": 78}))]
pub struct Republished {
    #[schema(format = Int64)]
    pub organizations: usize,
    #[schema(format = Int64)]
    pub people: usize,
    #[schema(format = Int64)]
    pub agreements: usize,
}

/// Republish the whole directory as events.
///
/// Admins only. Publishes a snapshot of every organisation and person
/// (`directory.organization.updated.v1`, `directory.person.updated.v1`) and every agreement
/// (`directory.agreement.signed.v1`, plus `…terminated.v1` for terminated ones). Consumers
/// apply snapshots idempotently, so this is safe at any time; it lets a service that started
/// consuming after the directory had data (a new service, a rebuilt read copy) catch up.
#[utoipa::path(
    tag = "administration",
    operation_id = "republish_directory",
    responses(
        (status = 200, description = "Everything is in the outbox and will be published.", body = Republished),
        (status = 403, description = "Only admins.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/admin/republish")]
pub async fn republish(principal: Principal, write: Write) -> ApiResult<Reply> {
    principal.require_any(&[Role::Admin])?;
    write
        .run(async |conn| {
            let counts = app::republish::republish(conn).await?;
            Ok(Reply::ok(&Republished {
                organizations: counts.organizations,
                people: counts.people,
                agreements: counts.agreements,
            }))
        })
        .await
}
