//! A session's participant list and sign-in sheet (JSON, CSV, PDF).

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Principal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::exports::{self, Participant as Entry, SessionHead};
use crate::store::registrations::ParticipantRow;
use crate::store::sessions::SessionRow;

/// The form of an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Json,
    Csv,
    Pdf,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    /// `json` (the default of the participant list), `csv` or `pdf` (the default of the
    /// sign-in sheet).
    #[param(inline)]
    pub format: Option<ExportFormat>,
}

/// A confirmed participant.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ParticipantListEntry {
    pub registration_id: Uuid,
    pub person_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    pub email: Option<String>,
    pub organization_id: Uuid,
    pub organization_name: String,
    /// `youth_office` or `institution`.
    pub organization_kind: String,
    pub registered_at: DateTime<Utc>,
}

/// The confirmed participants of a session, by family name.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session_id": "01938200-0000-7000-8000-000000000011", "capacity": 20,
    "items": [{"registration_id": "01938200-0000-7000-8000-000000000021",
        "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "given_name": "Anna", "family_name": "Becker",
        "email": "a.becker@example.org", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
        "organization_name": "Jugendamt Heilbronn", "organization_kind": "youth_office",
        "registered_at": "2027-01-12T08:15:00Z"}]}))]
pub struct ParticipantList {
    pub session_id: Uuid,
    pub capacity: i32,
    pub items: Vec<ParticipantListEntry>,
}

fn head(session: &SessionRow) -> SessionHead<'_> {
    SessionHead {
        course_title: &session.title,
        days: &session.days,
        place: session.place.as_deref(),
        online: session.online_url.is_some(),
        capacity: session.capacity,
    }
}

fn entries(people: &[ParticipantRow]) -> Vec<Entry<'_>> {
    people
        .iter()
        .map(|p| Entry {
            given_name: &p.given_name,
            family_name: &p.family_name,
            email: p.email.as_deref(),
            organization_name: &p.organization_name,
            organization_kind: &p.organization_kind,
        })
        .collect()
}

fn file(content_type: &str, name: String, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((
            "Content-Disposition",
            format!("attachment; filename=\"{name}\""),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(body)
}

/// Read a session's participant list.
///
/// The organisers and the coordination: the confirmed participants with name, work e-mail
/// and organisation from the directory, by family name. `?format=csv` gives a CSV file (cells
/// neutralised against spreadsheet formulas), `?format=pdf` an A4 list to print.
#[utoipa::path(
    tag = "sessions",
    operation_id = "get_participant_list",
    params(("id" = Uuid, Path, description = "Session id"), ExportQuery),
    responses(
        (status = 200, description = "The list as JSON, CSV or PDF.",
            content((ParticipantList = "application/json"), (String = "text/csv"), (Vec<u8> = "application/pdf"))),
        (status = 403, description = "Only the organisers and the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/sessions/{id}/participants")]
pub async fn participant_list(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let (session, people) = app::exports::participants_of(&mut conn, &principal, *id).await?;
    let name = format!("Teilnehmerliste-{}", session.id);
    Ok(match query.format.unwrap_or(ExportFormat::Json) {
        ExportFormat::Json => HttpResponse::Ok().json(ParticipantList {
            session_id: session.id,
            capacity: session.capacity,
            items: people
                .into_iter()
                .map(|p| ParticipantListEntry {
                    registration_id: p.registration_id,
                    person_id: p.person_id,
                    given_name: p.given_name,
                    family_name: p.family_name,
                    email: p.email,
                    organization_id: p.organization_id,
                    organization_name: p.organization_name,
                    organization_kind: p.organization_kind,
                    registered_at: p.registered_at,
                })
                .collect(),
        }),
        ExportFormat::Csv => {
            let text =
                exports::participant_list_csv(&entries(&people)).map_err(ApiError::internal)?;
            file(
                "text/csv; charset=utf-8",
                format!("{name}.csv"),
                text.into_bytes(),
            )
        }
        ExportFormat::Pdf => file(
            "application/pdf",
            format!("{name}.pdf"),
            exports::participant_list_pdf(&head(&session), &entries(&people)),
        ),
    })
}

/// Download a session's sign-in sheet.
///
/// The organisers and the coordination. PDF (the default): a page per session day with every
/// confirmed participant and room to sign. `?format=csv`: a row per day and participant with an
/// empty `signature` column. There is no JSON form: `format=json` answers 422.
#[utoipa::path(
    tag = "sessions",
    operation_id = "get_sign_in_sheet",
    params(("id" = Uuid, Path, description = "Session id"), ExportQuery),
    responses(
        (status = 200, description = "The sheet as PDF or CSV.",
            content((Vec<u8> = "application/pdf"), (String = "text/csv"))),
        (status = 403, description = "Only the organisers and the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`format=json`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/sessions/{id}/sign-in-sheet")]
pub async fn sign_in_sheet(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> ApiResult<HttpResponse> {
    let format = query.format.unwrap_or(ExportFormat::Pdf);
    if format == ExportFormat::Json {
        return Err(ApiError::validation(
            "/format",
            "the sign-in sheet is a PDF or a CSV file",
        ));
    }
    let mut conn = pool.get().await?;
    let (session, people) = app::exports::participants_of(&mut conn, &principal, *id).await?;
    let name = format!("Unterschriftenliste-{}", session.id);
    Ok(if format == ExportFormat::Csv {
        let text = exports::sign_in_sheet_csv(&session.days, &entries(&people))
            .map_err(ApiError::internal)?;
        file(
            "text/csv; charset=utf-8",
            format!("{name}.csv"),
            text.into_bytes(),
        )
    } else {
        file(
            "application/pdf",
            format!("{name}.pdf"),
            exports::sign_in_sheet_pdf(&head(&session), &entries(&people)),
        )
    })
}
