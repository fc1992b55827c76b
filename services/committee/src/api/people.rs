//! The people the committee knows (from the directory's events) and their consent to appear
//! in the public OParl interface.

use actix_web::{get, put, web};
use qmf_platform::{ApiResult, DbPool, Json, Principal, Reply, Write};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::model::people::{ConsentInput, Person};

/// Read a person (names come from the directory's events).
///
/// The committee service keeps a copy of the directory's people; a person registered there moments
/// ago may not have arrived yet (404).
#[utoipa::path(
    tag = "people",
    operation_id = "get_person",
    params(("id" = Uuid, Path, description = "Person id (the directory's)")),
    responses(
        (status = 200, description = "The person.", body = Person),
        (status = 404, description = "The committee service has not (yet) received this person from the directory.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/people/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::people::get(&mut conn, *id).await?))
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
