//! The instrument catalogue: read by everyone who works with cases, released by the coordination.

use actix_web::{get, post, web};
use qmf_platform::{ApiResult, DbPool, Json, Principal, Reply, Role, Write};

use crate::app::instruments::{self as app, InstrumentRow, Release};
use crate::domain::instruments::InstrumentKey;

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
pub async fn list(_principal: Principal, pool: web::Data<DbPool>) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::list(&mut conn).await?))
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
) -> ApiResult<Reply> {
    let (key, version) = path.into_inner();
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::get(&mut conn, key, version).await?))
}

/// Release the next version of an instrument (as adopted by the Forum).
///
/// Admins and coordinators. The schema is checked against the JSON Schema 2020-12 meta-schema
/// and must constrain the documents (see `Release`). Existing documents keep the version they
/// were filled with. Releasing is recorded in the audit log (`instrument.release`, target
/// `instrument/{key}/{version}`) and published as `case.instrument_released.v1`, so the
/// training service can tell who needs a refresher.
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
    write: Write,
    key: web::Path<InstrumentKey>,
    body: Json<Release>,
) -> ApiResult<Reply> {
    principal.require_any(&[Role::Admin, Role::Coordinator])?;
    let input = body.into_inner()?;
    input.validate()?;
    let key = *key;
    write
        .run(async move |conn| {
            let row = app::release(conn, &principal, key, &input).await?;
            Ok(Reply::created_without_location(&row))
        })
        .await
}
