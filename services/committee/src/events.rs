//! What the committee service publishes. What it consumes is in `consumer.rs`.

use diesel_async::AsyncPgConnection;
use qmf_contracts::committee::{self as published, CommitteeEvent};
use qmf_platform::ApiError;

use crate::store::terms::TermRow;

pub async fn management_term_started(
    conn: &mut AsyncPgConnection,
    row: &TermRow,
) -> Result<(), ApiError> {
    let data = published::ManagementTermStartedV1 {
        term_id: row.id,
        office_id: row.office_id,
        start_on: row.start_on,
        end_on: row.end_on,
    };
    qmf_events::publish(conn, &CommitteeEvent::ManagementTermStarted(data)).await?;
    Ok(())
}

pub async fn membership_started(
    conn: &mut AsyncPgConnection,
    row: &crate::store::bodies::MembershipRow,
) -> Result<(), ApiError> {
    let data = published::MembershipStartedV1 {
        membership_id: row.id,
        body_id: row.body_id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        role: row.role.clone(),
        start_on: row.start_on,
        end_on: row.end_on,
    };
    qmf_events::publish(conn, &CommitteeEvent::MembershipStarted(data)).await?;
    Ok(())
}

pub async fn membership_ended(
    conn: &mut AsyncPgConnection,
    row: &crate::store::bodies::MembershipRow,
) -> Result<(), ApiError> {
    let data = published::MembershipEndedV1 {
        membership_id: row.id,
        body_id: row.body_id,
        end_on: row.end_on.unwrap_or(row.start_on),
    };
    qmf_events::publish(conn, &CommitteeEvent::MembershipEnded(data)).await?;
    Ok(())
}

pub async fn body_established(
    conn: &mut AsyncPgConnection,
    row: &crate::store::bodies::BodyRow,
) -> Result<(), ApiError> {
    let data = published::BodyEstablishedV1 {
        body_id: row.id,
        kind: row.kind.clone(),
        name: row.name.clone(),
        parent_id: row.parent_id,
        permanent: row.permanent,
        established_on: row.established_on,
    };
    qmf_events::publish(conn, &CommitteeEvent::BodyEstablished(data)).await?;
    Ok(())
}

pub async fn body_dissolved(
    conn: &mut AsyncPgConnection,
    row: &crate::store::bodies::BodyRow,
    memberships_ended: usize,
) -> Result<(), ApiError> {
    let data = published::BodyDissolvedV1 {
        body_id: row.id,
        dissolved_on: row.dissolved_on.unwrap_or_default(),
        memberships_ended: memberships_ended as i64,
    };
    qmf_events::publish(conn, &CommitteeEvent::BodyDissolved(data)).await?;
    Ok(())
}

pub async fn topic_transitioned(
    conn: &mut AsyncPgConnection,
    row: &crate::store::topics::TopicRow,
    action: &str,
    from_state: Option<crate::domain::topics::TopicState>,
) -> Result<(), ApiError> {
    let data = published::TopicTransitionedV1 {
        topic_id: row.id,
        origin_body_id: row.origin_body_id,
        action: action.to_string(),
        from_state: from_state.map(|s| crate::store::code(&s)),
        to_state: row.state.clone(),
        draft_number: row.draft_number,
        meeting_id: row.meeting_id,
        finding_id: row.finding_id,
        version: row.version,
    };
    qmf_events::publish(conn, &CommitteeEvent::TopicTransitioned(data)).await?;
    Ok(())
}

pub async fn decision_recorded(
    conn: &mut AsyncPgConnection,
    row: &crate::store::decisions::DecisionRow,
) -> Result<(), ApiError> {
    let data = published::DecisionRecordedV1 {
        decision_id: row.id,
        meeting_id: row.meeting_id,
        topic_id: row.topic_id,
        kind: row.kind.clone(),
        title: row.title.clone(),
        decided_on: row.decided_on,
        body_id: row.body_id,
    };
    qmf_events::publish(conn, &CommitteeEvent::DecisionRecorded(data)).await?;
    Ok(())
}

pub async fn meeting_scheduled(
    conn: &mut AsyncPgConnection,
    row: &crate::store::meetings::MeetingRow,
    body_kind: &str,
) -> Result<(), ApiError> {
    let data = published::MeetingScheduledV1 {
        meeting_id: row.id,
        body_id: row.body_id,
        title: row.title.clone(),
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        place: row.place.clone(),
        public: row.public,
        body_kind: Some(body_kind.to_string()),
    };
    qmf_events::publish(conn, &CommitteeEvent::MeetingScheduled(data)).await?;
    Ok(())
}

pub async fn meeting_invitations_sent(
    conn: &mut AsyncPgConnection,
    data: &published::MeetingInvitationsSentV1,
) -> Result<(), ApiError> {
    qmf_events::publish(conn, &CommitteeEvent::MeetingInvitationsSent(data.clone())).await?;
    Ok(())
}

pub async fn meeting_held(
    conn: &mut AsyncPgConnection,
    row: &crate::store::meetings::MeetingRow,
    attendance: &[crate::store::meetings::AttendanceRow],
) -> Result<(), ApiError> {
    let count = |status: &str| attendance.iter().filter(|a| a.status == status).count() as i64;
    let data = published::MeetingHeldV1 {
        meeting_id: row.id,
        body_id: row.body_id,
        starts_at: row.starts_at,
        present: count("present"),
        excused: count("excused"),
        guests: count("guest"),
    };
    qmf_events::publish(conn, &CommitteeEvent::MeetingHeld(data)).await?;
    Ok(())
}

/// The meeting's attendance list as it now stands: organisations present or excused.
pub async fn meeting_attendance_recorded(
    conn: &mut AsyncPgConnection,
    row: &crate::store::meetings::MeetingRow,
    attendance: &[crate::store::meetings::AttendanceRow],
) -> Result<(), ApiError> {
    let entries = attendance
        .iter()
        .filter_map(|a| {
            let status = match a.status.as_str() {
                "present" => published::MemberAttendance::Present,
                "excused" => published::MemberAttendance::Excused,
                _ => return None,
            };
            Some(published::AttendanceEntryV1 {
                organization_id: a.organization_id?,
                person_id: a.person_id,
                status,
            })
        })
        .collect();
    let data = published::MeetingAttendanceRecordedV1 {
        meeting_id: row.id,
        body_id: row.body_id,
        starts_at: row.starts_at,
        entries,
    };
    qmf_events::publish(conn, &CommitteeEvent::MeetingAttendanceRecorded(data)).await?;
    Ok(())
}

pub async fn meeting_cancelled(
    conn: &mut AsyncPgConnection,
    row: &crate::store::meetings::MeetingRow,
    ics: Option<String>,
    body_kind: &str,
) -> Result<(), ApiError> {
    let data = published::MeetingCancelledV1 {
        meeting_id: row.id,
        body_id: row.body_id,
        starts_at: row.starts_at,
        invitations_were_sent: row.invitations_sent_at.is_some(),
        ics,
        body_kind: Some(body_kind.to_string()),
    };
    qmf_events::publish(conn, &CommitteeEvent::MeetingCancelled(data)).await?;
    Ok(())
}
