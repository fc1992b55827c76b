//! What the training service publishes: every change goes through the outbox in the same
//! transaction.

use diesel_async::AsyncPgConnection;
use qmf_contracts::training::{
    CourseAddedV1, RegistrationChangedV1, SessionCancelledV1, SessionScheduledV1, TrainingEvent,
};
use qmf_platform::ApiError;

use crate::store::courses::CourseRow;
use crate::store::registrations::RegistrationRow;
use crate::store::sessions::SessionRow;

/// Writes the event to the outbox. The connection is taken shared, so the insert can be
/// pipelined with the change it reports.
async fn publish(conn: &AsyncPgConnection, event: TrainingEvent) -> Result<(), ApiError> {
    let mut conn = conn;
    qmf_events::publish(&mut conn, &event).await?;
    Ok(())
}

/// `training.course.added.v1`.
pub async fn course_added(
    conn: &mut AsyncPgConnection,
    course: &CourseRow,
) -> Result<(), ApiError> {
    let data = CourseAddedV1 {
        course_id: course.id,
        title: course.title.clone(),
        topic: course.topic.clone(),
        required_for: course
            .required_for
            .iter()
            .map(|f| qmf_platform::codes::parse_code(f))
            .collect::<Result<_, _>>()?,
        valid_for_years: course.valid_for_years,
    };
    publish(conn, TrainingEvent::CourseAdded(data)).await
}

/// `training.session.scheduled.v1`, or `…changed.v1` when `changed`.
pub async fn session_scheduled(
    conn: &mut AsyncPgConnection,
    session: &SessionRow,
    changed: bool,
) -> Result<(), ApiError> {
    let data = SessionScheduledV1 {
        session_id: session.id,
        course_id: session.course_id,
        title: session.title.clone(),
        topic: session.topic.clone(),
        days: session.days.clone(),
        place: session.place.clone(),
        online: session.online_url.is_some(),
        capacity: session.capacity,
        proposal_id: session.proposal_id,
        version: session.version,
    };
    let event = if changed {
        TrainingEvent::SessionChanged(data)
    } else {
        TrainingEvent::SessionScheduled(data)
    };
    publish(conn, event).await
}

pub async fn session_cancelled(
    conn: &mut AsyncPgConnection,
    session: &SessionRow,
    reason: &str,
    ended: usize,
) -> Result<(), ApiError> {
    let data = SessionCancelledV1 {
        session_id: session.id,
        course_id: session.course_id,
        days: session.days.clone(),
        reason: reason.to_string(),
        registrations_ended: i64::try_from(ended).unwrap_or(i64::MAX),
    };
    publish(conn, TrainingEvent::SessionCancelled(data)).await
}

/// `training.registration.<state>.v1` for the registration as it is now.
pub async fn registration_changed(
    conn: &AsyncPgConnection,
    row: &RegistrationRow,
    course_id: uuid::Uuid,
) -> Result<(), ApiError> {
    let data = RegistrationChangedV1 {
        registration_id: row.id,
        session_id: row.session_id,
        course_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        state: row.state.clone(),
        waitlist_position: row.waitlist_position,
        offered_until: row.offered_until,
        reason: row.reason.clone(),
        late_cancellation: row.cancelled_late,
    };
    let event = match row.state.as_str() {
        "confirmed" => TrainingEvent::RegistrationConfirmed(data),
        "waitlisted" => TrainingEvent::RegistrationWaitlisted(data),
        "offered" => TrainingEvent::RegistrationOffered(data),
        "expired" => TrainingEvent::RegistrationOfferExpired(data),
        "pending_approval" => TrainingEvent::RegistrationPendingApproval(data),
        _ => TrainingEvent::RegistrationCancelled(data),
    };
    publish(conn, event).await
}

pub async fn attendance_recorded(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::training::AttendanceRecordedV1,
) -> Result<(), ApiError> {
    publish(conn, TrainingEvent::AttendanceRecorded(data)).await
}

/// `training.completion.achieved.v1`, or `…withdrawn.v1` when `achieved` is false.
pub async fn completion(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::training::CompletionV1,
    achieved: bool,
) -> Result<(), ApiError> {
    let event = if achieved {
        TrainingEvent::CompletionAchieved(data)
    } else {
        TrainingEvent::CompletionWithdrawn(data)
    };
    publish(conn, event).await
}

/// `training.certificate.issued.v1`, or `…revoked.v1` when the certificate is revoked.
pub async fn certificate(
    conn: &mut AsyncPgConnection,
    row: &crate::store::certificates::CertificateRow,
) -> Result<(), ApiError> {
    let data = qmf_contracts::training::CertificateV1 {
        certificate_id: row.id,
        registration_id: row.registration_id,
        session_id: row.session_id,
        course_id: row.course_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        issued_on: qmf_platform::region::berlin_date(row.issued_at),
        revoke_reason: row.revoke_reason.clone(),
    };
    let event = if row.revoked_at.is_some() {
        TrainingEvent::CertificateRevoked(data)
    } else {
        TrainingEvent::CertificateIssued(data)
    };
    publish(conn, event).await
}
