//! What the committee service publishes. (It consumes the directory's organisation events
//! through `qmf_directory_copy`.)

use diesel_async::AsyncPgConnection;
use qmf_contracts::committee as published;
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
    qmf_events::enqueue(
        conn,
        published::SOURCE,
        published::MANAGEMENT_TERM_STARTED,
        &row.office_id.to_string(),
        &data,
    )
    .await?;
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
    qmf_events::enqueue(
        conn,
        published::SOURCE,
        published::MEMBERSHIP_STARTED,
        &row.body_id.to_string(),
        &data,
    )
    .await?;
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
    qmf_events::enqueue(
        conn,
        published::SOURCE,
        published::MEMBERSHIP_ENDED,
        &row.body_id.to_string(),
        &data,
    )
    .await?;
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
    qmf_events::enqueue(
        conn,
        published::SOURCE,
        published::BODY_ESTABLISHED,
        &row.id.to_string(),
        &data,
    )
    .await?;
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
    qmf_events::enqueue(
        conn,
        published::SOURCE,
        published::BODY_DISSOLVED,
        &row.id.to_string(),
        &data,
    )
    .await?;
    Ok(())
}
