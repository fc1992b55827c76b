//! What the dialogue service consumes: the directory's organisations, agreements and people
//! (the shared read copy, with names and work e-mail for invitations), after which the open
//! cycle's hosts follow the organisation's agreement; the committee's Forum meetings and the
//! training service's sessions, whose days are kept free of dialogues; and the case service's
//! pseudonymised closed cases, whose outcome figures pre-fill quality reports.

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use qmf_contracts::{case, committee, directory, training};
use qmf_directory_copy::{DirectoryCopy, PersonDetail};
use qmf_events::{Envelope, EventHandler, HandlerError};
use serde::Deserialize;
use uuid::Uuid;

use crate::app;
use crate::store::calendar;

/// The dialogue service's part of the directory read copy: people with names and work e-mail.
const DIRECTORY: DirectoryCopy = DirectoryCopy::with_people(PersonDetail::Contact);

/// Routing keys of the dialogue service's queue.
pub fn bindings() -> Vec<String> {
    let mut keys = DIRECTORY.bindings();
    keys.push(committee::MEETING_SCHEDULED.to_string());
    keys.push(committee::MEETING_CANCELLED.to_string());
    keys.push(case::CLOSED.to_string());
    keys.push(training::SESSION_SCHEDULED.to_string());
    keys.push(training::SESSION_CHANGED.to_string());
    keys.push(training::SESSION_CANCELLED.to_string());
    keys
}

pub struct DialogueConsumer;

/// The organisation a directory event is about, when it can change who hosts.
#[derive(Deserialize)]
struct AboutOrganization {
    id: Uuid,
    organization_id: Option<Uuid>,
}

impl EventHandler for DialogueConsumer {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            match event.event_type.as_str() {
                committee::MEETING_SCHEDULED => {
                    let meeting: committee::MeetingScheduledV1 =
                        event.data_as().map_err(HandlerError::reject)?;
                    if meeting.body_kind.as_deref() == Some("forum") {
                        calendar::record_forum_meeting(
                            conn,
                            meeting.meeting_id,
                            meeting.starts_at,
                            &meeting.title,
                        )
                        .await
                        .map_err(HandlerError::retry)?;
                    }
                    Ok(())
                }
                training::SESSION_SCHEDULED | training::SESSION_CHANGED => {
                    let session: training::SessionScheduledV1 =
                        event.data_as().map_err(HandlerError::reject)?;
                    calendar::record_training_session(
                        conn,
                        session.session_id,
                        &session.days,
                        &session.title,
                        session.version,
                    )
                    .await
                    .map_err(HandlerError::retry)
                }
                training::SESSION_CANCELLED => {
                    let session: training::SessionCancelledV1 =
                        event.data_as().map_err(HandlerError::reject)?;
                    calendar::cancel_training_session(conn, session.session_id, &session.days)
                        .await
                        .map_err(HandlerError::retry)
                }
                case::CLOSED => {
                    let closed: case::ClosedV1 = event.data_as().map_err(HandlerError::reject)?;
                    crate::store::reports::record_closed_case(conn, &closed, event.time)
                        .await
                        .map_err(HandlerError::retry)
                }
                committee::MEETING_CANCELLED => {
                    let meeting: committee::MeetingCancelledV1 =
                        event.data_as().map_err(HandlerError::reject)?;
                    if meeting.body_kind.as_deref() == Some("forum") {
                        calendar::cancel_forum_meeting(conn, meeting.meeting_id, meeting.starts_at)
                            .await
                            .map_err(HandlerError::retry)?;
                    }
                    Ok(())
                }
                kind => {
                    DIRECTORY.handle(conn, event).await?;
                    let organization = match kind {
                        directory::ORGANIZATION_REGISTERED
                        | directory::ORGANIZATION_UPDATED
                        | directory::ORGANIZATION_DEACTIVATED => {
                            let about: AboutOrganization =
                                event.data_as().map_err(HandlerError::reject)?;
                            Some(about.id)
                        }
                        directory::AGREEMENT_SIGNED | directory::AGREEMENT_TERMINATED => {
                            let about: AboutOrganization =
                                event.data_as().map_err(HandlerError::reject)?;
                            about.organization_id
                        }
                        _ => None,
                    };
                    match organization {
                        Some(organization) => app::hosts::reconcile(conn, organization)
                            .await
                            .map_err(HandlerError::retry),
                        None => Ok(()),
                    }
                }
            }
        })
    }
}
