//! What the training service consumes: the directory's organisations, agreements and people
//! (the shared read copy, with names, work e-mail and staff functions), so that it knows who
//! may register, for which organisation, and who needs which course; and the case service's
//! instrument releases, after which staff trained on the older version need a refresher.

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use qmf_contracts::case::{INSTRUMENT_RELEASED, InstrumentReleasedV1};
use qmf_directory_copy::{DirectoryCopy, PersonDetail};
use qmf_events::{Envelope, EventHandler, HandlerError};

use crate::store::needs;

/// The training service's part of the directory read copy.
const DIRECTORY: DirectoryCopy = DirectoryCopy::with_people(PersonDetail::Contact);

/// Routing keys of the training service's queue.
pub fn bindings() -> Vec<String> {
    let mut keys = DIRECTORY.bindings();
    keys.push(INSTRUMENT_RELEASED.to_string());
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
            if event.event_type == INSTRUMENT_RELEASED {
                let release: InstrumentReleasedV1 =
                    event.data_as().map_err(HandlerError::reject)?;
                // A release delivered twice is stored once (the key is instrument and version).
                return needs::record_release(conn, &release)
                    .await
                    .map(|_| ())
                    .map_err(HandlerError::retry);
            }
            DIRECTORY.handle(conn, event).await
        })
    }
}
