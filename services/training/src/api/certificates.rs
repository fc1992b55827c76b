//! Certificates of attendance and their public verification.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::region::berlin_date;
use qmf_platform::{ApiError, ApiResult, DbPool, IfMatch, Json, Principal, Reply, RuleName, Write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::certificates::{self as domain, grouped, normalise};
use crate::store::certificates::CertificateRow;

/// A certificate of attendance, as issued.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938200-0000-7000-8000-000000000031", "code": "7K3D-9XQ2-M4TB-R8WN",
    "registration_id": "01938200-0000-7000-8000-000000000021", "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "holder_name": "Anna Becker",
    "organization_name": "Jugendamt Heilbronn", "course_id": "01938200-0000-7000-8000-000000000001",
    "course_title": "Grundlagen der Kooperation", "topic": "guidelines", "duration_hours": 12,
    "session_id": "01938200-0000-7000-8000-000000000011", "days": ["2027-03-10", "2027-03-11"],
    "place": "Diakonische Jugendhilfe Heilbronn, Seminarraum 1", "online": false, "completed_on": "2027-03-11",
    "issued_at": "2027-03-11T16:05:00Z", "state": "valid", "revoked_at": null, "revoke_reason": null,
    "document": "/v1/certificates/01938200-0000-7000-8000-000000000031/document", "version": 1}))]
pub struct Certificate {
    pub id: Uuid,
    /// The verification code printed on it, in groups of four.
    pub code: String,
    pub registration_id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// The holder's name as the directory had it when the certificate was issued.
    pub holder_name: String,
    pub organization_name: String,
    pub course_id: Uuid,
    pub course_title: String,
    pub topic: String,
    pub duration_hours: i32,
    pub session_id: Uuid,
    pub days: Vec<NaiveDate>,
    pub place: Option<String>,
    pub online: bool,
    pub completed_on: NaiveDate,
    pub issued_at: DateTime<Utc>,
    /// `valid` or `revoked`.
    pub state: String,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    /// The PDF.
    pub document: String,
    pub version: i32,
}

fn state(row: &CertificateRow) -> &'static str {
    if row.revoked_at.is_some() {
        "revoked"
    } else {
        "valid"
    }
}

fn view(row: CertificateRow) -> Certificate {
    Certificate {
        state: state(&row).to_string(),
        document: format!("/v1/certificates/{}/document", row.id),
        id: row.id,
        code: grouped(&row.code),
        registration_id: row.registration_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        holder_name: row.holder_name,
        organization_name: row.organization_name,
        course_id: row.course_id,
        course_title: row.course_title,
        topic: row.topic,
        duration_hours: row.duration_hours,
        session_id: row.session_id,
        days: row.days,
        place: row.place,
        online: row.online,
        completed_on: row.completed_on,
        issued_at: row.issued_at,
        revoked_at: row.revoked_at,
        revoke_reason: row.revoke_reason,
        version: row.version,
    }
}

/// Certificates, newest first (at most 500).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CertificateList {
    pub items: Vec<Certificate>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CertificateListQuery {
    /// A person's certificates: the person, their organisation's software, the organisers
    /// and the coordination.
    pub person_id: Option<Uuid>,
    /// A session's certificates: the organisers and the coordination.
    pub session_id: Option<Uuid>,
}

/// List the certificates of a person or of a session.
///
/// Valid and revoked ones, newest first, at most 500. One of `person_id` and `session_id`
/// is required.
#[utoipa::path(
    tag = "certificates",
    operation_id = "list_certificates",
    params(CertificateListQuery),
    responses(
        (status = 200, description = "The certificates.", body = CertificateList),
        (status = 403, description = "Another person's, or a session's without being an organiser.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither filter given.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/certificates")]
pub async fn list(
    principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<CertificateListQuery>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let rows =
        app::certificates::list(&mut conn, &principal, query.person_id, query.session_id).await?;
    Ok(Reply::ok(&CertificateList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// Read a certificate.
///
/// Its holder, their organisation's software, the organisers and the coordination; for
/// anyone else it does not exist (404).
#[utoipa::path(
    tag = "certificates",
    operation_id = "get_certificate",
    params(("id" = Uuid, Path, description = "Certificate id")),
    responses(
        (status = 200, description = "The certificate.", body = Certificate, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such certificate, or another person's.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/certificates/{id}")]
pub async fn get(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = app::certificates::get(&mut conn, &principal, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&view(row), version))
}

/// Download a certificate as PDF.
///
/// One A4 page in German: holder, organisation, course, topic, days, hours, place, the
/// education provider, the issue date and the verification code with the address to check
/// it. A revoked certificate is not handed out again (409 `certificate_revoked`). Who may
/// read the certificate may download it.
#[utoipa::path(
    tag = "certificates",
    operation_id = "get_certificate_document",
    params(("id" = Uuid, Path, description = "Certificate id")),
    responses(
        (status = 200, description = "The certificate.", body = Vec<u8>, content_type = "application/pdf"),
        (status = 404, description = "No such certificate, or another person's.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `certificate_revoked`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/certificates/{id}/document")]
pub async fn document(
    request: HttpRequest,
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = app::certificates::get(&mut conn, &principal, *id).await?;
    if row.revoked_at.is_some() {
        return Err(
            crate::domain::rules::Rule::CertificateRevoked.conflict("the certificate is revoked")
        );
    }
    let info = request.connection_info();
    let verify_at = format!(
        "{}://{}/v1/certificate-verifications/",
        info.scheme(),
        info.host()
    );
    let bytes = domain::pdf(&domain::Certificate {
        holder_name: &row.holder_name,
        organization_name: &row.organization_name,
        course_title: &row.course_title,
        topic: &row.topic,
        duration_hours: row.duration_hours,
        days: &row.days,
        place: row.place.as_deref(),
        online: row.online,
        issued_on: berlin_date(row.issued_at),
        code: &row.code,
        verify_at: &verify_at,
    });
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!(
                "attachment; filename=\"Teilnahmebescheinigung-{}.pdf\"",
                row.code
            ),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// Why a certificate is revoked.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Name falsch geschrieben; neu ausgestellt"}))]
pub struct RevokeInput {
    /// 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Revoke a certificate.
///
/// The organisers. Its verification answers `revoked` with the date from now on, and the PDF
/// is no longer handed out. Publishes `training.certificate.revoked.v1`. A completion that
/// stands may get a new certificate with `POST /v1/registrations/{id}/certificate`.
#[utoipa::path(
    tag = "certificates",
    operation_id = "revoke_certificate",
    params(("id" = Uuid, Path, description = "Certificate id"), ("If-Match" = String, Header, description = "ETag of the certificate as read")),
    request_body = RevokeInput,
    responses(
        (status = 200, description = "Revoked.", body = Certificate, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such certificate.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `certificate_revoked`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The certificate changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/certificates/{id}/revocation")]
pub async fn revoke(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: Json<RevokeInput>,
) -> ApiResult<Reply> {
    crate::domain::access::require_organiser(&principal)?;
    let reason = body.into_inner()?.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(ApiError::validation("/reason", "1 to 500 characters"));
    }
    let id = *id;
    write
        .run(async move |conn| {
            let row = app::certificates::revoke(conn, &principal, id, &if_match, &reason).await?;
            let version = row.version;
            Ok(Reply::ok_with_etag(&view(row), version))
        })
        .await
}

/// Issue a certificate anew.
///
/// The organisers, for a completed registration whose certificate was revoked (for example
/// to correct a name the directory has since corrected). A new code; the old one stays
/// revoked. Certificates are otherwise issued by themselves with each completion. Publishes
/// `training.certificate.issued.v1`.
#[utoipa::path(
    tag = "certificates",
    operation_id = "reissue_certificate",
    params(("id" = Uuid, Path, description = "Registration id")),
    responses(
        (status = 201, description = "Issued.", body = Certificate, headers(("Location" = String, description = "URL of the certificate"), ("ETag" = String, description = "Strong ETag"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rules `certificate_valid`, `not_completed`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/registrations/{id}/certificate")]
pub async fn reissue(principal: Principal, write: Write, id: web::Path<Uuid>) -> ApiResult<Reply> {
    crate::domain::access::require_organiser(&principal)?;
    let id = *id;
    write
        .run(async move |conn| {
            let row = app::certificates::reissue(conn, &principal, id).await?;
            let (version, location) = (row.version, format!("/v1/certificates/{}", row.id));
            Ok(Reply::created(&view(row), version, location))
        })
        .await
}

/// What a verification shows: only what the certificate itself shows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"code": "7K3D-9XQ2-M4TB-R8WN", "state": "valid", "holder_name": "Anna Becker",
    "organization_name": "Jugendamt Heilbronn", "course_title": "Grundlagen der Kooperation",
    "topic": "guidelines", "duration_hours": 12, "days": ["2027-03-10", "2027-03-11"],
    "issued_on": "2027-03-11", "issuer": "JuCon / Diakonische Jugendhilfe Heilbronn", "revoked_on": null}))]
pub struct Verification {
    pub code: String,
    /// `valid`, or `revoked`: the certificate was withdrawn and no longer attests anything.
    pub state: String,
    pub holder_name: String,
    pub organization_name: String,
    pub course_title: String,
    pub topic: String,
    pub duration_hours: i32,
    pub days: Vec<NaiveDate>,
    pub issued_on: NaiveDate,
    pub issuer: String,
    pub revoked_on: Option<NaiveDate>,
}

/// Verify a certificate by its code (public).
///
/// No token: whoever holds a certificate (an employer, the person) can check it. The answer
/// says whether the code is valid or revoked, and shows only what the certificate shows
/// (holder, organisation, course, days, hours, issue date); the revocation's reason is not
/// shown. Case, hyphens and spaces do not matter, and O, I, L read as 0, 1, 1. An unknown
/// code answers 404. Codes carry 80 random bits, and requests are rate-limited per address.
#[utoipa::path(
    tag = "certificates",
    operation_id = "verify_certificate",
    security(()),
    params(("code" = String, Path, description = "The verification code printed on the certificate, e.g. `7K3D-9XQ2-M4TB-R8WN`")),
    responses(
        (status = 200, description = "The certificate the code belongs to.", body = Verification),
        (status = 404, description = "No certificate has this code.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/certificate-verifications/{code}")]
pub async fn verify(pool: web::Data<DbPool>, code: web::Path<String>) -> ApiResult<Reply> {
    let Some(code) = normalise(&code) else {
        return Err(qmf_platform::not_found("certificate"));
    };
    let mut conn = pool.get().await?;
    let row = app::certificates::verify(&mut conn, &code)
        .await?
        .ok_or_else(|| qmf_platform::not_found("certificate"))?;
    Ok(Reply::ok(&Verification {
        code: grouped(&row.code),
        state: state(&row).to_string(),
        holder_name: row.holder_name,
        organization_name: row.organization_name,
        course_title: row.course_title,
        topic: row.topic,
        duration_hours: row.duration_hours,
        days: row.days,
        issued_on: berlin_date(row.issued_at),
        issuer: domain::ISSUER.to_string(),
        revoked_on: row.revoked_at.map(berlin_date),
    }))
}
