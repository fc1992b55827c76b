//! The people the committee knows (from the directory's events) and their consent to appear
//! in the public OParl interface.

use actix_web::{HttpResponse, get, put, web};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use qmf_platform::{ApiError, ApiResult, DbPool, Json, Principal, Role};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::store::people::{self as store, PersonRow};

/// A person as the committee service knows them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01936f40-0000-7000-8000-000000000001", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "given_name": "Lena", "family_name": "Beispiel", "active": true, "public_consent": true, "consent_changed_at": "2027-01-12T10:00:00Z"}))]
pub struct Person {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    /// Still working for the organisation, as the directory says.
    pub active: bool,
    /// Agreed to appear (name, memberships) in the public OParl interface.
    pub public_consent: bool,
    pub consent_changed_at: Option<DateTime<Utc>>,
}

fn person(row: PersonRow) -> Person {
    Person {
        id: row.id,
        organization_id: row.organization_id,
        given_name: row.given_name,
        family_name: row.family_name,
        active: row.active,
        public_consent: row.public_consent,
        consent_changed_at: row.consent_changed_at,
    }
}

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
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such person".into()))?;
    Ok(HttpResponse::Ok().json(person(row)))
}

/// Consent to publication.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"consent": true}))]
pub struct ConsentInput {
    pub consent: bool,
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
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<ConsentInput>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let own = Uuid::parse_str(&principal.subject).ok() == Some(id);
    if !own && !principal.has_any_role(&[Role::Admin, Role::CommitteeSecretary]) {
        return Err(ApiError::Forbidden(
            "only the person, the committee secretary or admins record this consent".into(),
        ));
    }
    let consent = input.into_inner()?.consent;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let current = store::find(conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such person".into()))?;
            store::set_consent(conn, &current, consent).await
        })
        .await?;
    Ok(HttpResponse::Ok().json(person(row)))
}
