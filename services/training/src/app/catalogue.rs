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

/// Adds a course to the catalogue; its prerequisites must be courses.
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
    course_store::insert(conn, Uuid::now_v7(), course, &principal.subject).await
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
    for trainer in &draft.trainers {
        let provider = qmf_directory_copy::store::affiliation(conn, *trainer, super::today())
            .await?
            .is_some_and(|a| a.kind == "education_provider");
        if !provider {
            return Err(Rule::TrainerUnknown.conflict(format!(
                "trainer {trainer} is no active directory person of an education provider"
            )));
        }
    }
    let id = Uuid::now_v7();
    store::insert(conn, id, draft).await?;
    let row = session(conn, id).await?;
    events::session_scheduled(conn, &row).await?;
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
    access::require_organiser(principal)?;
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("session"))?;
    if_match.check(current.version)?;
    if current.state == "cancelled" {
        return Err(Rule::SessionCancelled.conflict("the session is cancelled already"));
    }
    store::cancel(conn, id, reason).await?;
    let ended = end_all(conn, &current, "the session was cancelled").await?;
    events::session_cancelled(conn, &current, reason, ended).await?;
    session(conn, id).await
}
