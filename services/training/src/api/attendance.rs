//! Attendance per session day, a registration's attendance with its history, and a person's
//! training record.

use actix_web::{get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Json, Principal, Reply, Write, not_found};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::attendance::{AttendanceInput, Status};
use crate::store::attendance::{self as store, AttendanceRow};

/// One participant's status on one day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendanceEntry {
    pub registration_id: Uuid,
    pub person_id: Uuid,
    pub day: NaiveDate,
    pub status: Status,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

fn entry(row: AttendanceRow) -> ApiResult<AttendanceEntry> {
    Ok(AttendanceEntry {
        status: Status::parse(&row.status)
            .ok_or_else(|| ApiError::internal(format!("attendance status {}", row.status)))?,
        registration_id: row.registration_id,
        person_id: row.person_id,
        day: row.day,
        recorded_by: row.recorded_by,
        recorded_at: row.recorded_at,
    })
}

/// The attendance of a session day after a recording.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"session_id": "01938200-0000-7000-8000-000000000011", "day": "2027-03-10", "changed": 1,
    "entries": [{"registration_id": "01938200-0000-7000-8000-000000000021", "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
        "day": "2027-03-10", "status": "present", "recorded_by": "trainer-1", "recorded_at": "2027-03-10T16:00:00Z"}]}))]
pub struct DayAttendance {
    pub session_id: Uuid,
    pub day: NaiveDate,
    /// Statuses this recording changed (0 for a repeated upload).
    pub changed: i64,
    /// Every status recorded for the day.
    pub entries: Vec<AttendanceEntry>,
}

/// Record the attendance of a session day.
///
/// The organisers, on or after the day, for the session's confirmed participants (all or some
/// of them). Idempotent: a status that does not change is left alone, so a retried upload
/// changes nothing; a different status corrects the earlier one and is kept in the history.
/// Completion follows the course's rule. Publishes `training.attendance.recorded.v1` when a
/// status changed, and `training.completion.achieved.v1` or `…withdrawn.v1`.
#[utoipa::path(
    tag = "attendance",
    operation_id = "record_attendance",
    params(("id" = Uuid, Path, description = "Session id"), ("day" = NaiveDate, Path, description = "A day of the session")),
    request_body = AttendanceInput,
    responses(
        (status = 200, description = "Recorded.", body = DayAttendance),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such session.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `session_cancelled`, `day_not_in_session`, `attendance_before_the_day` or `not_a_participant`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No entries, or a registration twice.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/sessions/{id}/attendance/{day}")]
pub async fn record(
    principal: Principal,
    write: Write,
    path: web::Path<(Uuid, NaiveDate)>,
    body: Json<AttendanceInput>,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let (session, day) = path.into_inner();
    let entries = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let recorded =
                app::attendance::record(conn, &principal, session, day, &entries).await?;
            Ok(Reply::ok(&DayAttendance {
                session_id: session,
                day,
                changed: recorded.changed as i64,
                entries: recorded
                    .rows
                    .into_iter()
                    .map(entry)
                    .collect::<ApiResult<_>>()?,
            }))
        })
        .await
}

/// A change of a status.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct AttendanceChange {
    pub day: NaiveDate,
    /// Absent for the first recording.
    pub status_before: Option<Status>,
    pub status_after: Status,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// The make-up of an excused day.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"registration_id": "01938200-0000-7000-8000-000000000021", "day": "2027-03-11",
    "made_up_on": "2027-04-14", "note": "Nachgeholt im Kurs vom 14.04.2027", "recorded_by": "trainer-1",
    "recorded_at": "2027-04-14T16:00:00Z"}))]
pub struct MakeUp {
    pub registration_id: Uuid,
    /// The excused session day.
    pub day: NaiveDate,
    pub made_up_on: NaiveDate,
    pub note: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

fn make_up(row: store::MakeUpRow) -> MakeUp {
    MakeUp {
        registration_id: row.registration_id,
        day: row.day,
        made_up_on: row.made_up_on,
        note: row.note,
        recorded_by: row.recorded_by,
        recorded_at: row.recorded_at,
    }
}

/// A registration's attendance, every change of it, and the make-ups of excused days.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct RegistrationAttendance {
    pub registration_id: Uuid,
    pub entries: Vec<AttendanceEntry>,
    pub history: Vec<AttendanceChange>,
    pub make_ups: Vec<MakeUp>,
}

/// How an excused day was made up.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"made_up_on": "2027-04-14", "note": "Nachgeholt im Kurs vom 14.04.2027"}))]
pub struct MakeUpInput {
    /// When (on or before today).
    pub made_up_on: NaiveDate,
    /// How, 1 to 500 characters (e.g. the session it was made up in).
    #[schema(min_length = 1, max_length = 500)]
    pub note: String,
}

/// Record the make-up of an excused day.
///
/// The organisers, for a confirmed participant of a course completed by attendance or excused
/// parts made up (`attended_or_excused_with_make_up`), for a day recorded as `excused`. The
/// completion follows (`training.completion.achieved.v1` and a certificate when every day is
/// now attended or made up). Idempotent: the same make-up again changes nothing; a different
/// date or note replaces it.
#[utoipa::path(
    tag = "attendance",
    operation_id = "record_make_up",
    params(("id" = Uuid, Path, description = "Registration id"), ("day" = NaiveDate, Path, description = "The excused session day")),
    request_body = MakeUpInput,
    responses(
        (status = 200, description = "Recorded.", body = MakeUp),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `make_up_not_allowed`, `not_a_participant`, `day_not_excused` or `make_up_in_the_future`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No note, or one too long.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/registrations/{id}/make-ups/{day}")]
pub async fn record_make_up(
    principal: Principal,
    write: Write,
    path: web::Path<(Uuid, NaiveDate)>,
    body: Json<MakeUpInput>,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let input = body.into_inner()?;
    let note = input.note.trim().to_string();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(ApiError::validation("/note", "1 to 500 characters"));
    }
    let (id, day) = path.into_inner();
    write
        .run(async move |conn| {
            let row =
                app::attendance::record_make_up(conn, &principal, id, day, input.made_up_on, &note)
                    .await?;
            Ok(Reply::ok(&make_up(row)))
        })
        .await
}

/// Read a registration's attendance with its history. The person, their organisation's
/// software, the organisers and the coordination.
#[utoipa::path(
    tag = "attendance",
    operation_id = "get_registration_attendance",
    params(("id" = Uuid, Path, description = "Registration id")),
    responses(
        (status = 200, description = "The attendance.", body = RegistrationAttendance),
        (status = 403, description = "Not yours to read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such registration.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/registrations/{id}/attendance")]
pub async fn of_registration(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let registration = crate::store::registrations::find(&mut conn, *id)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    app::require_act_for(
        &mut conn,
        &principal,
        registration.person_id,
        registration.organization_id,
    )
    .await?;
    let entries = store::of_registration(&mut conn, *id)
        .await?
        .into_iter()
        .map(entry)
        .collect::<ApiResult<_>>()?;
    let history = store::history(&mut conn, *id)
        .await?
        .into_iter()
        .map(|h| {
            Ok(AttendanceChange {
                day: h.day,
                status_before: h.status_before.as_deref().and_then(Status::parse),
                status_after: Status::parse(&h.status_after).ok_or_else(|| {
                    ApiError::internal(format!("attendance status {}", h.status_after))
                })?,
                recorded_by: h.recorded_by,
                recorded_at: h.recorded_at,
            })
        })
        .collect::<ApiResult<_>>()?;
    let make_ups = store::make_ups_of(&mut conn, *id)
        .await?
        .into_iter()
        .map(make_up)
        .collect();
    Ok(Reply::ok(&RegistrationAttendance {
        registration_id: *id,
        entries,
        history,
        make_ups,
    }))
}

/// A completed course.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CompletedCourse {
    pub course_id: Uuid,
    pub title: String,
    pub topic: String,
    pub session_id: Uuid,
    pub registration_id: Uuid,
    pub completed_on: NaiveDate,
}

/// A person's training record.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "completed": [
    {"course_id": "01938200-0000-7000-8000-000000000001", "title": "Grundlagen der Kooperation", "topic": "guidelines",
     "session_id": "01938200-0000-7000-8000-000000000011", "registration_id": "01938200-0000-7000-8000-000000000021",
     "completed_on": "2027-03-11"}], "no_shows": []}))]
pub struct TrainingRecord {
    pub person_id: Uuid,
    /// Newest first.
    pub completed: Vec<CompletedCourse>,
    /// Sessions the person had a seat in and was recorded absent on every day of, newest first.
    pub no_shows: Vec<NoShow>,
}

/// A session the person had a seat in and did not come to (absent, not excused, every day).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct NoShow {
    pub session_id: Uuid,
    pub registration_id: Uuid,
    pub title: String,
    pub days: Vec<NaiveDate>,
}

/// Read a person's training record: what they completed, when, and the sessions they had a seat
/// in but did not come to (no-shows). The person, their
/// organisation's software, the organisers and the coordination.
#[utoipa::path(
    tag = "attendance",
    operation_id = "get_training_record",
    params(("id" = Uuid, Path, description = "Directory person id")),
    responses(
        (status = 200, description = "The record.", body = TrainingRecord),
        (status = 403, description = "Not yours to read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/people/{id}/training-record")]
pub async fn training_record(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let (rows, no_shows) = app::attendance::record_of(&mut conn, &principal, *id).await?;
    Ok(Reply::ok(&TrainingRecord {
        person_id: *id,
        no_shows: no_shows
            .into_iter()
            .map(|n| NoShow {
                session_id: n.session_id,
                registration_id: n.registration_id,
                title: n.course_title,
                days: n.days,
            })
            .collect(),
        completed: rows
            .into_iter()
            .map(|r| CompletedCourse {
                course_id: r.course_id,
                title: r.course_title,
                topic: r.topic,
                session_id: r.session_id,
                registration_id: r.registration_id,
                completed_on: r.completed_on,
            })
            .collect(),
    }))
}
