//! The course catalogue.

use actix_web::{get, post, web};
use chrono::{DateTime, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Json, Page, Paged, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::courses::{CompletionRule, CourseInput, Instrument, Topic};
use crate::store::courses::{CourseRow, list as list_rows};
use qmf_contracts::directory::StaffFunction;

/// A course of the catalogue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938200-0000-7000-8000-000000000001", "title": "Grundlagen der Kooperation",
    "topic": "guidelines", "description": "Leitlinien und Philosophie der Kooperation in Heilbronn-Franken.",
    "duration_hours": 12, "prerequisites": [], "completion_rule": "all_parts_attended",
    "required_for": ["caseworker", "leader"], "instruments": [], "valid_for_years": null, "version": 1,
    "created_at": "2026-12-04T10:00:00Z", "updated_at": "2026-12-04T10:00:00Z"}))]
pub struct Course {
    pub id: Uuid,
    pub title: String,
    pub topic: Topic,
    pub description: String,
    pub duration_hours: i32,
    pub prerequisites: Vec<Uuid>,
    pub completion_rule: CompletionRule,
    /// Staff functions for which the course is required.
    pub required_for: Vec<StaffFunction>,
    /// Instruments the course teaches.
    pub instruments: Vec<Instrument>,
    /// How long a completion counts, in years; none: for good.
    pub valid_for_years: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored code as its enum.
fn parse<T: serde::de::DeserializeOwned>(code: &str) -> ApiResult<T> {
    serde_json::from_value(serde_json::Value::String(code.into())).map_err(ApiError::internal)
}

fn view(row: CourseRow) -> ApiResult<Course> {
    Ok(Course {
        topic: parse(&row.topic)?,
        completion_rule: parse(&row.completion_rule)?,
        id: row.id,
        title: row.title,
        description: row.description,
        duration_hours: row.duration_hours,
        prerequisites: row.prerequisites,
        required_for: row
            .required_for
            .iter()
            .map(|f| parse(f))
            .collect::<ApiResult<_>>()?,
        instruments: row
            .instruments
            .iter()
            .map(|i| parse(i))
            .collect::<ApiResult<_>>()?,
        valid_for_years: row.valid_for_years,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// What a republish of the catalogue put into the outbox.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"courses": 5}))]
pub struct RepublishedCourses {
    #[schema(format = Int64)]
    pub courses: usize,
}

/// Republish the catalogue as events.
///
/// Admins only. Publishes `training.course.added.v1` for every course again. Consumers apply
/// course events idempotently, so this is safe at any time; it lets a consumer that started
/// after the courses were added (the directory's engagement view, a rebuilt copy) learn the
/// catalogue and the staff functions each course is required for.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "republish_courses",
    responses(
        (status = 200, description = "Every course is in the outbox and will be published.", body = RepublishedCourses),
        (status = 403, description = "Only admins.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/courses/republish")]
pub async fn republish(principal: Principal, write: Write) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            let courses = app::catalogue::republish_courses(conn, &principal).await?;
            Ok(Reply::ok(&RepublishedCourses { courses }))
        })
        .await
}

/// Add a course to the catalogue.
///
/// The organisers (`trainer` of the education provider, `admin`). Prerequisites must be
/// courses of the catalogue. Publishes `training.course.added.v1` (subject: the course).
#[utoipa::path(
    tag = "catalogue",
    operation_id = "create_course",
    request_body = CourseInput,
    responses(
        (status = 201, description = "Added.", body = Course,
            headers(("ETag" = String, description = "Strong ETag of version 1"), ("Location" = String, description = "URL of the course"))),
        (status = 403, description = "Only the organisers.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `course_unknown` (a prerequisite).", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/courses")]
pub async fn create(
    principal: Principal,
    write: Write,
    body: Json<CourseInput>,
) -> ApiResult<Reply> {
    access::require_organiser(&principal)?;
    let course = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            let row = app::catalogue::create_course(conn, &principal, &course).await?;
            let (version, location) = (row.version, format!("/v1/courses/{}", row.id));
            Ok(Reply::created(&view(row)?, version, location))
        })
        .await
}

/// Filters of the catalogue (none).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CourseListQuery {}

/// List the catalogue. Every authenticated caller.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "list_courses",
    params(qmf_platform::PageParams),
    responses((status = 200, description = "One page of courses.", body = Page<Course>))
)]
#[get("/v1/courses")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<CourseListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let mut conn = pool.get().await?;
    let rows = list_rows(&mut conn, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(&page.try_map(view)?))
}

/// Read a course. Every authenticated caller.
#[utoipa::path(
    tag = "catalogue",
    operation_id = "get_course",
    params(("id" = Uuid, Path, description = "Course id")),
    responses(
        (status = 200, description = "The course.", body = Course, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such course.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/courses/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let row = app::catalogue::course(&mut conn, *id).await?;
    let version = row.version;
    Ok(Reply::ok_with_etag(&view(row)?, version))
}
