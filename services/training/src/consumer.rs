//! What the training service consumes: the directory's organisations, agreements and people
//! (the shared read copy, with names, work e-mail and staff functions), so that it knows who
//! may register, for which organisation, and who needs which course; and the case service's
//! instrument releases, after which staff trained on the older version need a refresher; and
//! expert days proposed by a Forum decision (kind `event`) or a quality-dialogue finding (kind
//! `expert_day`), from which expert-day sessions are scheduled.

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use qmf_contracts::case::{INSTRUMENT_RELEASED, InstrumentReleasedV1};
use qmf_contracts::committee::{DECISION_RECORDED, DecisionRecordedV1};
use qmf_contracts::dialogue::{FINDING_RECORDED, FindingRecordedV1};
use qmf_directory_copy::{DirectoryCopy, PersonDetail};
use qmf_events::{Envelope, EventHandler, HandlerError};

use crate::store::{needs, proposals};

/// The training service's part of the directory read copy.
const DIRECTORY: DirectoryCopy = DirectoryCopy::with_people(PersonDetail::Contact);

/// Routing keys of the training service's queue.
pub fn bindings() -> Vec<String> {
    let mut keys = DIRECTORY.bindings();
    keys.extend([INSTRUMENT_RELEASED, DECISION_RECORDED, FINDING_RECORDED].map(str::to_string));
    keys
}

pub struct TrainingConsumer;

impl EventHandler for TrainingConsumer {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            // Each is stored under its own key, so a repeated delivery changes nothing.
            let stored = match event.event_type.as_str() {
                INSTRUMENT_RELEASED => {
                    let release: InstrumentReleasedV1 =
                        event.data_as().map_err(HandlerError::reject)?;
                    needs::record_release(conn, &release).await
                }
                DECISION_RECORDED => {
                    let decision: DecisionRecordedV1 =
                        event.data_as().map_err(HandlerError::reject)?;
                    if decision.kind != "event" {
                        return Ok(());
                    }
                    proposals::record(
                        conn,
                        decision.decision_id,
                        "committee_decision",
                        &decision.title,
                        None,
                        decision.decided_on,
                    )
                    .await
                }
                FINDING_RECORDED => {
                    let finding: FindingRecordedV1 =
                        event.data_as().map_err(HandlerError::reject)?;
                    if finding.kind != "expert_day" {
                        return Ok(());
                    }
                    proposals::record(
                        conn,
                        finding.finding_id,
                        "dialogue_finding",
                        &finding.title,
                        Some(&finding.summary),
                        finding.held_on,
                    )
                    .await
                }
                _ => return DIRECTORY.handle(conn, event).await,
            };
            stored.map(|_| ()).map_err(HandlerError::retry)
        })
    }
}
