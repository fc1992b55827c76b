//! Bulk import of organisations and people from CSV, for admin scripts: every row is validated,
//! and either all rows are stored or none; the problem lists every bad row by line number.

use actix_web::http::header;
use actix_web::{HttpRequest, post, web};
use qmf_platform::{ApiResult, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::import;

/// Outcome of a successful import.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"created": 2, "ids": ["01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60"]}))]
pub struct ImportReport {
    /// Number of rows stored.
    #[schema(format = Int64)]
    pub created: usize,
    /// Ids of the new records, in the order of the rows.
    pub ids: Vec<Uuid>,
}
/// Import organisations from CSV.
///
/// Admins and coordinators. Columns (header row required, order free): `name`, `kind`,
/// `district`, `umbrella_carrier`, `street`, `postal_code`, `city`, `email`, `phone`,
/// `external_ids` (`system=value;system2=value`). Codes as in the JSON API. All rows are
/// stored or none: a 422 problem lists every bad cell as `/lines/<line>/<column>`, where line 1
/// is the header. Publishes `directory.organization.registered.v1` for each row.
#[utoipa::path(
    tag = "organizations",
    operation_id = "import_organizations",
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row",
        example = "name,kind,district,umbrella_carrier,street,postal_code,city,email,phone,external_ids\nKinder- und Jugendhilfe Öhringen,institution,hohenlohekreis,Diakonie Württemberg,Hunnenstraße 12,74613,Öhringen,info@kjh-oehringen.example,+49 7941 1234-0,okjug=INST-0042\n"),
    responses(
        (status = 201, description = "All rows stored.", body = ImportReport),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A row conflicts with a stored organisation (the detail names the line).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/organizations/import")]
pub async fn import_organizations(
    principal: Principal,
    write: Write,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (drafts, errors) = import::organizations(content_type, &body)?;
    write
        .run(async move |conn| {
            let ids = app::import::organizations(conn, &drafts, errors).await?;
            Ok(Reply::created_without_location(&ImportReport {
                created: ids.len(),
                ids,
            }))
        })
        .await
}

/// Import staff members from CSV.
///
/// Admins and coordinators. Columns: `organization_id`, `given_name`, `family_name`, `email`,
/// `phone`, `functions` (codes separated by `;`), `active_from`, `active_until` (YYYY-MM-DD).
/// All rows are stored or none; a 422 problem lists every bad cell as `/lines/<line>/<column>`.
/// Publishes `directory.person.registered.v1` for each row.
#[utoipa::path(
    tag = "people",
    operation_id = "import_people",
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row",
        example = "organization_id,given_name,family_name,email,phone,functions,active_from,active_until\n01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f,Lena,Beispiel,l.beispiel@jugendamt.example,,caseworker;qmf_coordinator,2024-01-01,\n"),
    responses(
        (status = 201, description = "All rows stored.", body = ImportReport),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/people/import")]
pub async fn import_people(
    principal: Principal,
    write: Write,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<Reply> {
    access::require_writer(&principal)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let (drafts, errors) = import::people(content_type, &body)?;
    write
        .run(async move |conn| {
            let ids = app::import::people(conn, &drafts, errors).await?;
            Ok(Reply::created_without_location(&ImportReport {
                created: ids.len(),
                ids,
            }))
        })
        .await
}
