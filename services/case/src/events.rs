//! What the case service consumes: the directory's organisation and agreement events, kept as a
//! read copy so help plans can check their provider without calling the directory.

use diesel_async::AsyncPgConnection;
use futures_util::future::BoxFuture;
use qmf_contracts::directory as contract;
use qmf_events::{Envelope, EventHandler, HandlerError};
use serde::de::DeserializeOwned;

use crate::store::directory_copy;

/// Routing keys the case service subscribes to.
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
                    directory_copy::upsert_organization(conn, &payload(event)?).await
                }
                contract::ORGANIZATION_DEACTIVATED => {
                    directory_copy::deactivate_organization(conn, &payload(event)?).await
                }
                contract::AGREEMENT_SIGNED => {
                    directory_copy::record_agreement(conn, &payload(event)?).await
                }
                contract::AGREEMENT_TERMINATED => {
                    directory_copy::terminate_agreement(conn, &payload(event)?).await
                }
                _ => return Ok(()),
            };
            applied.map(|_| ()).map_err(HandlerError::retry)
        })
    }
}

/// Publishes `case.opened.v1` for a new case: pseudonym, office, help kind, date.
pub async fn case_opened(
    conn: &mut AsyncPgConnection,
    row: &crate::store::cases::CaseRow,
) -> Result<(), qmf_platform::ApiError> {
    use qmf_contracts::case as published;
    let data = published::CaseOpenedV1 {
        case: row.pseudonym,
        office_id: row.responsible_office_id,
        help_kind: row.help_kind.clone(),
        opened_on: row.opened_on,
    };
    qmf_events::enqueue(
        conn,
        published::SOURCE,
        published::CASE_OPENED,
        &row.pseudonym.to_string(),
        &data,
    )
    .await?;
    Ok(())
}
