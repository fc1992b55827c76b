//! What the committee service publishes. (It consumes the directory's organisation events
//! through `qmf_directory_copy`.)

use diesel_async::AsyncPgConnection;
use qmf_contracts::committee as published;
use qmf_platform::ApiError;

use crate::store::terms::TermRow;

pub async fn management_term_started(
    conn: &mut AsyncPgConnection,
    row: &TermRow,
) -> Result<(), ApiError> {
    let data = published::ManagementTermStartedV1 {
        term_id: row.id,
        office_id: row.office_id,
        start_on: row.start_on,
        end_on: row.end_on,
    };
    qmf_events::enqueue(
        conn,
        published::SOURCE,
        published::MANAGEMENT_TERM_STARTED,
        &row.office_id.to_string(),
        &data,
    )
    .await?;
    Ok(())
}
