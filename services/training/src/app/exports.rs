//! What the participant list and the sign-in sheet of a session are made of.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, Principal};
use uuid::Uuid;

use crate::domain::access;
use crate::store::registrations::{ParticipantRow, participants};
use crate::store::sessions::SessionRow;

/// A session and its confirmed participants, for the organisers and the coordination.
pub async fn participants_of(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    session: Uuid,
) -> ApiResult<(SessionRow, Vec<ParticipantRow>)> {
    if !access::acts_for_everyone(principal) {
        return Err(ApiError::Forbidden(
            "participant lists are for the organisers and the coordination".into(),
        ));
    }
    let row = super::catalogue::session(conn, session).await?;
    let people = participants(conn, session).await?;
    Ok((row, people))
}
