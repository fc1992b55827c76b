//! A meeting's agenda, until the meeting is held: adding, reordering and removing items. A
//! topic loses its place on the agenda with its item.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal, not_found};
use uuid::Uuid;

use super::meetings::{lock_checked, view};
use super::topic_steps::unschedule;
use crate::domain::access;
use crate::domain::meetings as rules;
use crate::model::meetings::{Meeting, NewAgendaItem};
use crate::store::meetings as store;
use crate::store::topics as topic_store;

/// Adds an item at the end of the agenda.
#[tracing::instrument(skip_all, fields(meeting_id = %id))]
pub async fn add_item(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    input: &NewAgendaItem,
) -> ApiResult<Meeting> {
    rules::agenda_editable(lock_checked(conn, id, if_match).await?.1)?;
    store::add_item(conn, id, input.title.trim(), input.public, None).await?;
    let row = store::touch(conn, id, None).await?;
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}

/// Puts the agenda in the order of `order`, which names every item exactly once.
#[tracing::instrument(skip_all, fields(meeting_id = %id))]
pub async fn reorder(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    order: &[Uuid],
) -> ApiResult<Meeting> {
    rules::agenda_editable(lock_checked(conn, id, if_match).await?.1)?;
    let mut current: Vec<Uuid> = store::agenda(conn, id)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let mut wanted = order.to_vec();
    current.sort();
    wanted.sort();
    if current != wanted {
        return Err(ApiError::validation(
            "/item_ids",
            "must name every agenda item exactly once",
        ));
    }
    store::reorder(conn, id, order).await?;
    let row = store::touch(conn, id, None).await?;
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}

/// Removes an item; later items move up, and a topic scheduled with it goes back to
/// `forwarded`.
#[tracing::instrument(skip_all, fields(meeting_id = %id, item_id = %item_id))]
pub async fn remove_item(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    item_id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<Meeting> {
    let (meeting, state) = lock_checked(conn, id, if_match).await?;
    rules::agenda_editable(state)?;
    let removed = store::remove_item(conn, &meeting, item_id)
        .await?
        .ok_or_else(|| not_found("agenda item"))?;
    if let Some(topic_id) = removed.topic_id
        && let Some(topic) = topic_store::lock(conn, topic_id).await?
    {
        unschedule(
            conn,
            &topic,
            id,
            "the agenda item was removed",
            &principal.subject,
        )
        .await?;
    }
    let rest: Vec<Uuid> = store::agenda(conn, id)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    store::reorder(conn, id, &rest).await?;
    let row = store::touch(conn, id, None).await?;
    view(conn, row, access::minutes_reader_by_roles(principal)).await
}
