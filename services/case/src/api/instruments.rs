//! The instrument catalogue: read by everyone who works with cases, released by the coordination.

use actix_web::{HttpResponse, get, post, web};
use qmf_platform::{ApiError, ApiResult, DbPool, Json, Principal, Role};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::instruments::{self, InstrumentKey};
use crate::store::audit;
use crate::store::instruments::{self as store, InstrumentRow};

/// Every released instrument version, by key and version.
///
/// A plain array, not a page: the region shares a handful of instruments, each with few released
/// versions.
#[utoipa::path(
    tag = "instruments",
    operation_id = "list_instruments",
    responses((status = 200, description = "All versions.", body = Vec<InstrumentRow>))
)]
#[get("/v1/instruments")]
pub async fn list(_principal: Principal, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    Ok(HttpResponse::Ok().json(store::list(&mut conn).await?))
}

/// One instrument version with its JSON Schema.
///
/// Released versions never change; documents name the version they were filled with.
#[utoipa::path(
    tag = "instruments",
    operation_id = "get_instrument_version",
    params(("key" = InstrumentKey, Path, description = "Instrument"), ("version" = i32, Path, description = "Version")),
    responses(
        (status = 200, description = "The version.", body = InstrumentRow),
        (status = 404, description = "No such instrument (unknown key) or version.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/instruments/{key}/versions/{version}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    path: web::Path<(InstrumentKey, i32)>,
) -> ApiResult<HttpResponse> {
    let (key, version) = path.into_inner();
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, key, version)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such instrument version".into()))?;
    Ok(HttpResponse::Ok().json(row))
}

/// A new instrument version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Hilfeplangespräch / Fortschreibung (2027)", "description": "Adopted by the Forum on 2026-11-05.",
    "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["development"],
        "properties": {"development": {"type": "string", "minLength": 1}}}}))]
pub struct Release {
    pub title: String,
    pub description: String,
    /// JSON Schema (2020-12; `$schema` may be left out) of the documents. It must constrain
    /// them: `type: object`, the fields in `properties` (at least one) and a non-empty
    /// `required` list of some of them.
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub schema: Value,
}

/// Release the next version of an instrument (as adopted by the Forum).
///
/// Admins and coordinators. The schema is checked against the JSON Schema 2020-12 meta-schema
/// and must constrain the documents (see `Release`). Existing documents keep the version they
/// were filled with. Releasing is recorded in the audit log (`instrument.release`, target
/// `instrument/{key}/{version}`).
#[utoipa::path(
    tag = "instruments",
    operation_id = "release_instrument_version",
    request_body = Release,
    params(("key" = InstrumentKey, Path, description = "Instrument")),
    responses(
        (status = 201, description = "Released.", body = InstrumentRow),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such instrument (unknown key).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid title or description, or the schema is not a valid JSON Schema or does not constrain the documents; each error points into the request (`/schema/…`).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/instruments/{key}/versions")]
pub async fn release(
    principal: Principal,
    pool: web::Data<DbPool>,
    key: web::Path<InstrumentKey>,
    body: Json<Release>,
) -> ApiResult<HttpResponse> {
    principal.require_any(&[Role::Admin, Role::Coordinator])?;
    let input = body.into_inner()?;
    let mut errors = Vec::new();
    if input.title.trim().is_empty() || input.title.chars().count() > 200 {
        errors.push(qmf_platform::FieldError::new(
            "/title",
            "must have 1 to 200 characters",
        ));
    }
    if input.description.chars().count() > 4000 {
        errors.push(qmf_platform::FieldError::new(
            "/description",
            "must have at most 4000 characters",
        ));
    }
    if let Err(mut schema_errors) = instruments::check_schema(&input.schema) {
        errors.append(&mut schema_errors);
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let key = *key;
    let mut conn = pool.get().await?;
    use diesel_async::AsyncConnection;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let row = store::release(
                conn,
                key,
                input.title.trim(),
                &input.description,
                &input.schema,
                &principal.subject,
            )
            .await?;
            let target = format!("instrument/{}/{}", row.key, row.version);
            audit::record_about(conn, &principal, &target, "instrument.release").await?;
            Ok(row)
        })
        .await?;
    Ok(HttpResponse::Created().json(row))
}
