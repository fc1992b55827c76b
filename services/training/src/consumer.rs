//! What the training service consumes: the directory's organisations, agreements and people
//! (the shared read copy, with names and work e-mail), so that it knows who may register and
//! for which organisation.

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use qmf_directory_copy::{DirectoryCopy, PersonDetail};
use qmf_events::{Envelope, EventHandler, HandlerError};

/// The training service's part of the directory read copy.
const DIRECTORY: DirectoryCopy = DirectoryCopy::with_people(PersonDetail::Contact);

/// Routing keys of the training service's queue.
pub fn bindings() -> Vec<String> {
    DIRECTORY.bindings()
}

pub struct TrainingConsumer;

impl EventHandler for TrainingConsumer {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move { DIRECTORY.handle(conn, event).await })
    }
}
