//! Courses and sessions.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, Principal, RuleName, not_found};
use uuid::Uuid;

use super::registrations::end_all;
use crate::domain::access;
use crate::domain::courses::CourseInput;
use crate::domain::rules::Rule;
use crate::domain::sessions::SessionDraft;
use crate::events;
use crate::store::courses::{self as course_store, CourseRow};
use crate::store::sessions::{self as store, SessionRow};

/// Adds a course to the catalogue (`training.course.added.v1`); its prerequisites must be
/// courses.
pub async fn create_course(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    course: &CourseInput,
) -> ApiResult<CourseRow> {
    access::require_organiser(principal)?;
    let known = course_store::existing(conn, &course.prerequisites).await?;
    if let Some(unknown) = course.prerequisites.iter().find(|p| !known.contains(p)) {
        return Err(Rule::CourseUnknown.conflict(format!("prerequisite {unknown} is no course")));
    }
    let row = course_store::insert(conn, Uuid::now_v7(), course, &principal.subject).await?;
    events::course_added(conn, &row).await?;
    Ok(row)
}

/// Puts `training.course.added.v1` of every course into the outbox again, so that a consumer
/// that started after the courses were added (or rebuilt its copy) learns the catalogue.
/// Admins only; consumers apply course events idempotently.
pub async fn republish_courses(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
) -> ApiResult<usize> {
    principal.require_any(&[qmf_platform::Role::Admin])?;
    let courses = course_store::all(conn).await?;
    for course in &courses {
        events::course_added(conn, course).await?;
    }
    Ok(courses.len())
}

pub async fn course(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<CourseRow> {
    course_store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("course"))
}

/// Schedules a session of a course (`training.session.scheduled.v1`).
pub async fn schedule(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    draft: &SessionDraft,
) -> ApiResult<SessionRow> {
    access::require_organiser(principal)?;
    let Some(course) = course_store::find(conn, draft.course_id).await? else {
        return Err(Rule::CourseUnknown.conflict(format!("no course {}", draft.course_id)));
    };
    if let Some(proposal) = draft.proposal_id {
        if crate::store::proposals::find(conn, proposal)
            .await?
            .is_none()
        {
            return Err(Rule::ProposalUnknown.conflict(format!(
                "no expert-day proposal {proposal} (a Forum decision or a dialogue finding)"
            )));
        }
        if course.topic != "expert_day" {
            return Err(Rule::ProposalNeedsExpertDay
                .conflict("a proposal is realised by a session of an expert-day course"));
        }
    }
    check_trainers(conn, &draft.trainers).await?;
    let id = Uuid::now_v7();
    store::insert(conn, id, draft).await?;
    let row = session(conn, id).await?;
    events::session_scheduled(conn, &row, false).await?;
    Ok(row)
}

/// Trainers are active directory people of an education provider.
async fn check_trainers(conn: &mut AsyncPgConnection, trainers: &[Uuid]) -> ApiResult<()> {
    for trainer in trainers {
        let provider = qmf_directory_copy::store::affiliation(conn, *trainer, super::today())
            .await?
            .is_some_and(|a| a.kind == "education_provider");
        if !provider {
            return Err(Rule::TrainerUnknown.conflict(format!(
                "trainer {trainer} is no active directory person of an education provider"
            )));
        }
    }
    Ok(())
}

/// A session the organisers change: locked, its ETag checked, not cancelled (409 with
/// `cancelled` as the detail otherwise).
async fn lock_live(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &qmf_platform::IfMatch,
    cancelled: &str,
) -> ApiResult<SessionRow> {
    access::require_organiser(principal)?;
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("session"))?;
    if_match.check(current.version)?;
    if current.state == "cancelled" {
        return Err(Rule::SessionCancelled.conflict(cancelled));
    }
    Ok(current)
}

/// Changes a session (`training.session.changed.v1`): everything but its course and its
/// expert-day proposal. The capacity never drops below the seats confirmed or offered; seats
/// it adds are offered to the waiting list.
pub async fn change(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &qmf_platform::IfMatch,
    draft: &SessionDraft,
) -> ApiResult<SessionRow> {
    let current = lock_live(
        conn,
        principal,
        id,
        if_match,
        "a cancelled session changes no more",
    )
    .await?;
    if draft.course_id != current.course_id
        || draft
            .proposal_id
            .is_some_and(|p| Some(p) != current.proposal_id)
    {
        return Err(Rule::SessionCourseFixed
            .conflict("a session keeps its course and its expert-day proposal"));
    }
    check_trainers(conn, &draft.trainers).await?;
    let taken = crate::store::registrations::taken(conn, id, Uuid::nil()).await?;
    if i64::from(draft.capacity) < taken.total {
        return Err(Rule::CapacityBelowTaken
            .conflict(format!("{} seats are confirmed or offered", taken.total)));
    }
    store::update(conn, id, draft).await?;
    let locked = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("session"))?;
    super::registrations::offer_next(conn, &locked).await?;
    let row = session(conn, id).await?;
    events::session_scheduled(conn, &row, true).await?;
    Ok(row)
}

pub async fn session(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<SessionRow> {
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("session"))
}

/// Calls a session off with its reason: every live registration ends
/// (`training.session.cancelled.v1`, and `training.registration.cancelled.v1` for each).
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &qmf_platform::IfMatch,
    reason: &str,
) -> ApiResult<SessionRow> {
    let current = lock_live(
        conn,
        principal,
        id,
        if_match,
        "the session is cancelled already",
    )
    .await?;
    store::cancel(conn, id, reason).await?;
    let ended = end_all(conn, &current, "the session was cancelled").await?;
    events::session_cancelled(conn, &current, reason, ended).await?;
    session(conn, id).await
}
