//! Absences of staff: one at a time by the person, in bulk by integrating software.

use actix_web::{delete, get, post, put, web};
use qmf_platform::{ApiError, ApiResult, DbPool, Json, Page, Paged, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::absences::{AbsenceInput, AbsenceView, BulkAbsencesInput};
use crate::domain::access::{self, AbsenceReader};
use crate::store::absences::{AbsenceFilter, AbsenceRow, list as list_rows};

fn view(row: AbsenceRow) -> AbsenceView {
    AbsenceView {
        id: row.id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        start_on: row.start_on,
        end_on: row.end_on,
        weekday: row.weekday,
        note: row.note,
        created_at: row.created_at,
    }
}

/// Record an absence.
///
/// Staff record their own (token subject = their directory person id); the coordination may
/// record anyone's. Either a range of days (`start_on`, `end_on`, both included) or a fixed
/// weekday off (`weekday`, 1 Monday … 7 Sunday). A host representative's absence flags the
/// host's proposed dates it covers.
#[utoipa::path(
    tag = "absences",
    operation_id = "create_absence",
    request_body = AbsenceInput,
    responses(
        (status = 201, description = "Recorded.", body = AbsenceView, headers(("Location" = String, description = "URL of the absence"))),
        (status = 403, description = "Someone else's absence.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `person_unknown`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of a range and a weekday, or an invalid one.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/absences")]
pub async fn create(
    principal: Principal,
    write: Write,
    body: Json<AbsenceInput>,
) -> ApiResult<Reply> {
    let input = body.into_inner()?;
    access::require_absence_writer(&principal, input.person_id)?;
    let draft = input.validate("").map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::absences::record(conn, &principal, draft).await?;
            let location = format!("/v1/absences/{}", row.id);
            Ok(Reply::created_at(&view(row), location))
        })
        .await
}

/// Filters of the absence list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AbsenceListQuery {
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
}

/// List absences.
///
/// The coordination sees all; staff and integrating software see those of their own
/// organisation and their own.
#[utoipa::path(
    tag = "absences",
    operation_id = "list_absences",
    params(AbsenceListQuery, qmf_platform::PageParams),
    responses((status = 200, description = "One page of absences.", body = Page<AbsenceView>))
)]
#[get("/v1/absences")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<AbsenceListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let filter = AbsenceFilter {
        person_id: query.filter.person_id,
        organization_id: query.filter.organization_id,
        visible: match access::absence_reader(&principal) {
            AbsenceReader::Everyone => None,
            AbsenceReader::Own {
                organization,
                person,
            } => Some((organization, person)),
        },
    };
    let mut conn = pool.get().await?;
    let rows = list_rows(&mut conn, &filter, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(
        &page.try_map(|row| Ok::<_, ApiError>(view(row)))?,
    ))
}

/// Remove an absence. The person or the coordination.
#[utoipa::path(
    tag = "absences",
    operation_id = "delete_absence",
    params(("id" = Uuid, Path, description = "Absence id")),
    responses(
        (status = 204, description = "Removed."),
        (status = 403, description = "Someone else's absence.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such absence.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/absences/{id}")]
pub async fn delete(principal: Principal, write: Write, id: web::Path<Uuid>) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            app::absences::remove(conn, &principal, *id).await?;
            Ok(Reply::no_content())
        })
        .await
}

/// The absences an organisation's software set.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"replaced": 3}))]
pub struct BulkAbsencesReport {
    /// Absences now recorded for the organisation's people.
    #[schema(format = Int64)]
    pub replaced: usize,
}

/// Set the absences of an organisation's staff in bulk.
///
/// Integrating software of the organisation (`service` role with the organisation in `org`)
/// or the coordination. Replaces every absence recorded for the organisation's people with
/// the given list (up to 5,000); an empty list removes them all. Every person must be an
/// active directory person of the organisation.
#[utoipa::path(
    tag = "absences",
    operation_id = "replace_organization_absences",
    request_body = BulkAbsencesInput,
    params(("id" = Uuid, Path, description = "Organisation id")),
    responses(
        (status = 200, description = "Replaced.", body = BulkAbsencesReport),
        (status = 403, description = "Not the organisation's software nor the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `person_unknown` (the detail names the people).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid absences (pointers name each).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/organizations/{id}/absences")]
pub async fn replace_of_organization(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<BulkAbsencesInput>,
) -> ApiResult<Reply> {
    access::require_bulk_absence_writer(&principal, *id)?;
    let drafts = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let rows =
                app::absences::replace_of_organization(conn, &principal, *id, drafts).await?;
            Ok(Reply::ok(&BulkAbsencesReport {
                replaced: rows.len(),
            }))
        })
        .await
}
