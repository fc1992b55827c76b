//! What the committee service consumes: the directory's organisations, agreements and people
//! (the read copy shared with the case service; the committee keeps people's names and work
//! e-mail for invitations and the public OParl view), and findings escalated from quality
//! dialogues, which become topics in the steering group's inbox exactly once per finding.

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use qmf_contracts::dialogue;
use qmf_directory_copy::{DirectoryCopy, PersonDetail};
use qmf_events::{Envelope, EventHandler, HandlerError};

use crate::app;

/// The committee's part of the directory read copy: people with names and work e-mail.
const DIRECTORY: DirectoryCopy = DirectoryCopy::with_people(PersonDetail::Contact);

/// Routing keys of the committee service's queue.
pub fn bindings() -> Vec<String> {
    let mut keys = DIRECTORY.bindings();
    keys.push(dialogue::FINDING_ESCALATED.to_string());
    keys
}

pub struct CommitteeConsumer;

impl EventHandler for CommitteeConsumer {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            match event.event_type.as_str() {
                dialogue::FINDING_ESCALATED => {
                    let finding = event.data_as().map_err(HandlerError::reject)?;
                    escalate(conn, &finding).await
                }
                _ => DIRECTORY.handle(conn, event).await,
            }
        })
    }
}

/// Puts an escalated finding into the steering group's inbox, once per finding (see
/// [`app::topics::escalate`]). A finding without a usable title or summary is rejected.
async fn escalate(
    conn: &mut AsyncPgConnection,
    finding: &dialogue::FindingEscalatedV1,
) -> Result<(), HandlerError> {
    let title = finding.title.trim();
    let summary = finding.summary.trim();
    if !(1..=300).contains(&title.chars().count())
        || !(1..=20_000).contains(&summary.chars().count())
    {
        return Err(HandlerError::reject(
            "finding title must have 1 to 300 and summary 1 to 20000 characters",
        ));
    }
    app::topics::escalate(conn, finding)
        .await
        .map_err(HandlerError::retry)
}
