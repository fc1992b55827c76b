//! A read copy of the directory's organisations and agreements, fed by its events, for the
//! services that need them at once (a help plan's provider, a management term's youth office)
//! without calling the directory. One crate, so every service applies the events the same way:
//! version-guarded upserts, idempotent inserts, inside the consumer's inbox transaction.

pub mod schema;
pub mod store;

use diesel_async::AsyncPgConnection;
use diesel_migrations::{EmbeddedMigrations, embed_migrations};
use futures_util::future::BoxFuture;
use qmf_contracts::directory as contract;
use qmf_events::{Envelope, EventHandler, HandlerError};
use serde::de::DeserializeOwned;

/// The copy's tables; services apply them with their own migrations.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Routing keys a service keeping the copy subscribes to.
pub fn bindings() -> Vec<String> {
    [
        contract::ORGANIZATION_REGISTERED,
        contract::ORGANIZATION_UPDATED,
        contract::ORGANIZATION_DEACTIVATED,
        contract::AGREEMENT_SIGNED,
        contract::AGREEMENT_TERMINATED,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Applies directory events to the read copy.
pub struct DirectoryCopy;

fn payload<T: DeserializeOwned>(event: &Envelope) -> Result<T, HandlerError> {
    event.data_as().map_err(HandlerError::reject)
}

impl EventHandler for DirectoryCopy {
    fn handle<'a>(
        &'a self,
        conn: &'a mut AsyncPgConnection,
        event: &'a Envelope,
    ) -> BoxFuture<'a, Result<(), HandlerError>> {
        Box::pin(async move {
            let applied = match event.event_type.as_str() {
                contract::ORGANIZATION_REGISTERED | contract::ORGANIZATION_UPDATED => {
                    store::upsert_organization(conn, &payload(event)?).await
                }
                contract::ORGANIZATION_DEACTIVATED => {
                    store::deactivate_organization(conn, &payload(event)?).await
                }
                contract::AGREEMENT_SIGNED => store::record_agreement(conn, &payload(event)?).await,
                contract::AGREEMENT_TERMINATED => {
                    store::terminate_agreement(conn, &payload(event)?).await
                }
                _ => return Ok(()),
            };
            applied.map(|_| ()).map_err(HandlerError::retry)
        })
    }
}
