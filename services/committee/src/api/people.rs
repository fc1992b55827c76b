//! The people the committee knows (from the directory's events) and their consent to appear
//! in the public OParl interface.

use actix_web::{get, put, web};
use qmf_platform::{ApiResult, DbPool, Json, Principal, Reply, Write};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::model::people::{ConsentInput, Person};

/// Read a person's publication consent, with the names the committee holds.
///
/// The committee service keeps a copy of the directory's people; a person registered there moments
/// ago may not have arrived yet (404).
#[utoipa::path(
    tag = "people",
    operation_id = "get_publication_consent",
    params(("id" = Uuid, Path, description = "Person id (the directory's)")),
    responses(
        (status = 200, description = "The person, with their consent.", body = Person),
        (status = 404, description = "The committee service has not (yet) received this person from the directory.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/people/{id}/publication-consent")]
pub async fn get_consent(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    read(&pool, *id).await
}

async fn read(pool: &DbPool, id: Uuid) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::people::get(&mut conn, id).await?))
}

/// The first path of the committee's read, kept for clients that use it.
pub mod legacy {
    // The handler is marked deprecated for the OpenAPI document; the code actix generates
    // around it calls it.
    #![allow(deprecated)]

    use super::*;

    /// Read a person (deprecated: use `GET /v1/people/{id}/publication-consent`).
    ///
    /// The same answer as `GET /v1/people/{id}/publication-consent`. Behind the gateway this
    /// path belongs to the directory, which owns people, so this operation is reachable only on
    /// the committee service's own address.
    #[utoipa::path(
        tag = "people",
        operation_id = "get_person",
        params(("id" = Uuid, Path, description = "Person id (the directory's)")),
        responses(
            (status = 200, description = "The person.", body = Person),
            (status = 404, description = "The committee service has not (yet) received this person from the directory.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        )
    )]
    #[deprecated = "use GET /v1/people/{id}/publication-consent"]
    #[get("/v1/people/{id}")]
    pub async fn get(
        _principal: Principal,
        pool: web::Data<DbPool>,
        id: web::Path<Uuid>,
    ) -> ApiResult<Reply> {
        read(&pool, *id).await
    }
}

/// Record whether a person agrees to appear in the public OParl interface.
///
/// The person themselves (token subject = person id), the committee secretary or admins.
/// Without consent the person and their memberships are not published; withdrawing consent
/// turns them into deleted objects there.
#[utoipa::path(
    tag = "people",
    operation_id = "set_publication_consent",
    request_body = ConsentInput,
    params(("id" = Uuid, Path, description = "Person id (the directory's)")),
    responses(
        (status = 200, description = "Recorded.", body = Person),
        (status = 403, description = "Someone else's consent, without the secretary's or admin role.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/people/{id}/publication-consent")]
pub async fn consent(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<ConsentInput>,
) -> ApiResult<Reply> {
    let id = *id;
    access::require_consent_recorder(&principal, id)?;
    let consent = input.into_inner()?.consent;
    write
        .run(async move |conn| {
            let person = app::people::set_consent(conn, id, consent).await?;
            Ok(Reply::ok(&person))
        })
        .await
}
