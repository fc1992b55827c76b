//! Who still needs which training.

use std::collections::HashMap;

use actix_web::{get, web};
use chrono::NaiveDate;
use qmf_platform::{ApiResult, DbPool, Principal, Reply};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app;
use crate::app::needs::{Needs, PersonNeeds};
use crate::domain::needs::NeedState;

/// One required course of a person.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CourseNeed {
    pub course_id: Uuid,
    pub course_title: String,
    pub state: NeedState,
    /// The person's latest completion of the course.
    pub completed_on: Option<NaiveDate>,
    /// Since when it is due again (`expired`: the end of its validity; `refresher`: the
    /// instrument's release).
    pub due_since: Option<NaiveDate>,
    /// For `refresher`: the instrument and its new version, e.g. `help_plan v2`.
    pub reason: Option<String>,
}

/// A person's required courses, by the staff functions the directory gives them.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "given_name": "Anna",
    "family_name": "Becker", "functions": ["caseworker"], "open": 1,
    "courses": [{"course_id": "01938200-0000-7000-8000-000000000001", "course_title": "Hilfeplanung mit den Instrumenten",
        "state": "refresher", "completed_on": "2026-05-12", "due_since": "2027-01-15", "reason": "help_plan v2"}]}))]
pub struct PersonTrainingNeeds {
    pub person_id: Uuid,
    pub given_name: String,
    pub family_name: String,
    /// Staff functions, e.g. `caseworker`, `leader`.
    pub functions: Vec<String>,
    /// How many of the courses are not `current`.
    pub open: i64,
    pub courses: Vec<CourseNeed>,
}

fn person_view(person: PersonNeeds, titles: &HashMap<Uuid, String>) -> PersonTrainingNeeds {
    let courses: Vec<CourseNeed> = person
        .needs
        .into_iter()
        .map(|n| CourseNeed {
            course_title: titles.get(&n.course_id).cloned().unwrap_or_default(),
            course_id: n.course_id,
            state: n.state,
            completed_on: n.completed_on,
            due_since: n.due_since,
            reason: n.reason,
        })
        .collect();
    PersonTrainingNeeds {
        person_id: person.person.id,
        given_name: person.person.given_name,
        family_name: person.person.family_name,
        functions: person.person.functions,
        open: courses
            .iter()
            .filter(|c| c.state != NeedState::Current)
            .count() as i64,
        courses,
    }
}

fn titles(needs: &Needs) -> HashMap<Uuid, String> {
    needs
        .courses
        .iter()
        .map(|c| (c.id, c.title.clone()))
        .collect()
}

/// Read what training a person still needs.
///
/// For every course required for one of the person's staff functions (from the directory):
/// `missing` (never completed), `expired` (older than the course's `valid_for_years`),
/// `refresher` (an instrument the course teaches got a new version since the person was last
/// trained on it, as released by the case service) or `current`. The person, their
/// organisation's software, the organisers and the coordination.
#[utoipa::path(
    tag = "training-needs",
    operation_id = "get_person_training_needs",
    params(("id" = Uuid, Path, description = "Directory person id")),
    responses(
        (status = 200, description = "The person's required courses.", body = PersonTrainingNeeds),
        (status = 403, description = "Another person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such active person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/people/{id}/training-needs")]
pub async fn of_person(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let mut needs = app::needs::of_person(&mut conn, &principal, *id).await?;
    let titles = titles(&needs);
    let person = needs
        .people
        .pop()
        .ok_or_else(|| qmf_platform::not_found("person"))?;
    Ok(Reply::ok(&person_view(person, &titles)))
}

/// How many people of an organisation stand where with one course.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CourseSummary {
    pub course_id: Uuid,
    pub course_title: String,
    pub missing: i64,
    pub expired: i64,
    pub refresher: i64,
    pub current: i64,
}

/// An organisation's training needs: per required course the counts, and per active staff
/// member their courses.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
    "courses": [{"course_id": "01938200-0000-7000-8000-000000000001", "course_title": "Grundlagen der Kooperation",
        "missing": 3, "expired": 0, "refresher": 1, "current": 12}],
    "people": [{"person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "given_name": "Anna", "family_name": "Becker",
        "functions": ["caseworker"], "open": 1,
        "courses": [{"course_id": "01938200-0000-7000-8000-000000000001", "course_title": "Grundlagen der Kooperation",
            "state": "missing", "completed_on": null, "due_since": null, "reason": null}]}]}))]
pub struct OrganizationTrainingNeeds {
    pub organization_id: Uuid,
    pub courses: Vec<CourseSummary>,
    /// Active staff with at least one required course, by family name (at most 5,000).
    pub people: Vec<PersonTrainingNeeds>,
}

/// Read what training an organisation's staff still need.
///
/// Per required course how many active staff members have it `missing`, `expired`, due as
/// `refresher` or `current`, and per staff member (with a required course) their courses.
/// The organisation's software, the organisers and the coordination.
#[utoipa::path(
    tag = "training-needs",
    operation_id = "get_organization_training_needs",
    params(("id" = Uuid, Path, description = "Directory organisation id")),
    responses(
        (status = 200, description = "The organisation's training needs.", body = OrganizationTrainingNeeds),
        (status = 403, description = "Not the organisation's software, the organisers or the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/organizations/{id}/training-needs")]
pub async fn of_organization(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let needs = app::needs::of_organization(&mut conn, &principal, *id).await?;
    let titles = titles(&needs);
    let mut courses: Vec<CourseSummary> = needs
        .courses
        .iter()
        .map(|c| CourseSummary {
            course_id: c.id,
            course_title: c.title.clone(),
            missing: 0,
            expired: 0,
            refresher: 0,
            current: 0,
        })
        .collect();
    for need in needs.people.iter().flat_map(|p| &p.needs) {
        if let Some(summary) = courses.iter_mut().find(|c| c.course_id == need.course_id) {
            match need.state {
                NeedState::Missing => summary.missing += 1,
                NeedState::Expired => summary.expired += 1,
                NeedState::Refresher => summary.refresher += 1,
                NeedState::Current => summary.current += 1,
            }
        }
    }
    courses.retain(|c| c.missing + c.expired + c.refresher + c.current > 0);
    let people = needs
        .people
        .into_iter()
        .filter(|p| !p.needs.is_empty())
        .map(|p| person_view(p, &titles))
        .collect();
    Ok(Reply::ok(&OrganizationTrainingNeeds {
        organization_id: *id,
        courses,
        people,
    }))
}
