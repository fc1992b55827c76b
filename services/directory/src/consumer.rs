//! What the directory consumes: the events of the committee, dialogue and training services
//! that the engagement view is fed by (seats and attendance, dialogues hosted and attended,
//! agreed measures, required courses and completions). Each is kept and applied to the view's
//! facts (`store::engagement`).

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use qmf_events::{Envelope, EventHandler, HandlerError};

use crate::store::engagement::{self, ApplyError, FED_BY};

/// Routing keys of the directory's queue.
pub fn bindings() -> Vec<String> {
    FED_BY.iter().map(|key| key.to_string()).collect()
}

pub struct DirectoryConsumer;

impl EventHandler for DirectoryConsumer {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            engagement::record(conn, event).await.map_err(|e| match e {
                ApplyError::Invalid(_) => HandlerError::reject(e),
                ApplyError::Database(_) => HandlerError::retry(e),
            })
        })
    }
}
