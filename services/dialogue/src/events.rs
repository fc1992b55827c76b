//! What the dialogue service publishes: every change goes through the outbox in the same
//! transaction.

use diesel_async::AsyncPgConnection;
use qmf_contracts::dialogue::{
    CycleClosedV1, CycleOpenedV1, DialogueEvent, HostJoinedV1, HostWithdrawnV1,
};
use qmf_platform::ApiError;
use uuid::Uuid;

use crate::store::cycles::CycleRow;
use crate::store::hosts::Joined;

async fn publish(conn: &mut AsyncPgConnection, event: DialogueEvent) -> Result<(), ApiError> {
    qmf_events::publish(conn, &event).await?;
    Ok(())
}

pub async fn cycle_opened(
    conn: &mut AsyncPgConnection,
    cycle: &CycleRow,
    hosts: usize,
) -> Result<(), ApiError> {
    let data = CycleOpenedV1 {
        cycle_id: cycle.id,
        start_year: cycle.start_year,
        years: cycle.years,
        start_on: cycle.start_on,
        end_on: cycle.end_on,
        hosts: hosts as i64,
    };
    publish(conn, DialogueEvent::CycleOpened(data)).await
}

pub async fn host_joined(
    conn: &mut AsyncPgConnection,
    cycle_id: Uuid,
    joined: &Joined,
) -> Result<(), ApiError> {
    let data = HostJoinedV1 {
        cycle_id,
        host_id: joined.host_id,
        organization_id: joined.organization_id,
        dialogue_id: joined.dialogue_id,
    };
    publish(conn, DialogueEvent::HostJoined(data)).await
}

pub async fn host_withdrawn(
    conn: &mut AsyncPgConnection,
    data: HostWithdrawnV1,
) -> Result<(), ApiError> {
    publish(conn, DialogueEvent::HostWithdrawn(data)).await
}

pub async fn dialogue_scheduled(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::dialogue::DialogueScheduledV1,
    rescheduled: bool,
) -> Result<(), ApiError> {
    let event = if rescheduled {
        DialogueEvent::DialogueRescheduled(data)
    } else {
        DialogueEvent::DialogueScheduled(data)
    };
    publish(conn, event).await
}

pub async fn dialogue_guests_changed(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::dialogue::DialogueGuestsChangedV1,
) -> Result<(), ApiError> {
    publish(conn, DialogueEvent::DialogueGuestsChanged(data)).await
}

pub async fn dialogue_cancelled(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::dialogue::DialogueCancelledV1,
) -> Result<(), ApiError> {
    publish(conn, DialogueEvent::DialogueCancelled(data)).await
}

pub async fn dialogue_invited(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::dialogue::DialogueInvitedV1,
) -> Result<(), ApiError> {
    publish(conn, DialogueEvent::DialogueInvited(data)).await
}

pub async fn participant_responded(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::dialogue::ParticipantRespondedV1,
) -> Result<(), ApiError> {
    publish(conn, DialogueEvent::ParticipantResponded(data)).await
}

pub async fn participant_replaced(
    conn: &mut AsyncPgConnection,
    data: qmf_contracts::dialogue::ParticipantReplacedV1,
) -> Result<(), ApiError> {
    publish(conn, DialogueEvent::ParticipantReplaced(data)).await
}

pub async fn cycle_closed(
    conn: &mut AsyncPgConnection,
    cycle: &CycleRow,
    hosts: i64,
    hosted: i64,
) -> Result<(), ApiError> {
    let data = CycleClosedV1 {
        cycle_id: cycle.id,
        hosts,
        hosted,
        not_hosted: hosts - hosted,
    };
    publish(conn, DialogueEvent::CycleClosed(data)).await
}
