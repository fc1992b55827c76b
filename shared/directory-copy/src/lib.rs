//! A read copy of the directory's organisations, agreements and people, fed by its events, for
//! the services that need them at once (a help plan's provider, a case's youth office and
//! caseworker, a management term's youth office, a committee seat's person) without calling the
//! directory. One crate, so every service applies the events the same way: version-guarded
//! upserts, idempotent inserts, inside the consumer's inbox transaction. Snapshots from the
//! directory's republish (`…updated.v1` with the current version) fill gaps and change nothing
//! that is already there.

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

/// How much of the directory's people a service keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PersonDetail {
    /// The organisation a person works for and their active period: enough to check who works
    /// where (staff data is personal data too: keep it minimal).
    Affiliation,
    /// Also names and work e-mail, for services that show or write to people. A service that
    /// switches from `Affiliation` to `Contact` empties its copy of people and asks the
    /// directory to republish: snapshots of an unchanged version are not applied again.
    Contact,
}

/// Applies directory events to the read copy: always organisations and agreements, people when
/// the service asks for them.
#[derive(Debug, Clone, Copy)]
pub struct DirectoryCopy {
    people: Option<PersonDetail>,
}

impl DirectoryCopy {
    /// Organisations and agreements only.
    pub const fn organizations() -> Self {
        DirectoryCopy { people: None }
    }

    /// Organisations, agreements and people with the given detail.
    pub const fn with_people(detail: PersonDetail) -> Self {
        DirectoryCopy {
            people: Some(detail),
        }
    }

    /// Routing keys a service keeping this copy subscribes to.
    pub fn bindings(&self) -> Vec<String> {
        let mut keys = vec![
            contract::ORGANIZATION_REGISTERED,
            contract::ORGANIZATION_UPDATED,
            contract::ORGANIZATION_DEACTIVATED,
            contract::AGREEMENT_SIGNED,
            contract::AGREEMENT_TERMINATED,
        ];
        if self.people.is_some() {
            keys.extend([
                contract::PERSON_REGISTERED,
                contract::PERSON_UPDATED,
                contract::PERSON_DEACTIVATED,
            ]);
        }
        keys.into_iter().map(str::to_string).collect()
    }
}

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
                contract::PERSON_REGISTERED | contract::PERSON_UPDATED => match self.people {
                    Some(detail) => {
                        let today = qmf_platform::region::today();
                        store::upsert_person(conn, &payload(event)?, detail, today).await
                    }
                    None => return Ok(()),
                },
                contract::PERSON_DEACTIVATED if self.people.is_some() => {
                    store::deactivate_person(conn, &payload(event)?).await
                }
                _ => return Ok(()),
            };
            applied.map(|_| ()).map_err(HandlerError::retry)
        })
    }
}
