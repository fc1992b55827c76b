use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::code;
use super::schema::{topic_drafts, topic_history, topics};
use crate::domain::topics::TopicState;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = topics)]
pub struct TopicRow {
    pub id: Uuid,
    pub origin_body_id: Uuid,
    pub state: String,
    pub title: String,
    pub draft_number: i32,
    pub referred_at_draft: Option<i32>,
    pub meeting_id: Option<Uuid>,
    pub agenda_item_id: Option<Uuid>,
    pub finding_id: Option<Uuid>,
    pub version: i32,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = topic_drafts)]
pub struct DraftRow {
    pub topic_id: Uuid,
    pub number: i32,
    pub title: String,
    pub text: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = topic_history)]
pub struct HistoryRow {
    pub id: i64,
    pub topic_id: Uuid,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub draft_number: i32,
    pub meeting_id: Option<Uuid>,
    pub reason: Option<String>,
    pub actor: String,
    pub at: DateTime<Utc>,
}

pub struct NewTopic<'a> {
    pub origin_body_id: Uuid,
    pub state: TopicState,
    pub title: &'a str,
    pub text: &'a str,
    pub finding_id: Option<Uuid>,
    pub created_by: &'a str,
}

/// Inserts a topic with its first draft. With a `finding_id` that already has a topic,
/// nothing is inserted and `None` comes back.
#[tracing::instrument(skip_all, fields(origin_body_id = %new.origin_body_id, finding_id = ?new.finding_id))]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: NewTopic<'_>,
) -> Result<Option<TopicRow>, ApiError> {
    let row: Option<TopicRow> = diesel::insert_into(topics::table)
        .values((
            topics::id.eq(Uuid::now_v7()),
            topics::origin_body_id.eq(new.origin_body_id),
            topics::state.eq(code(&new.state)),
            topics::title.eq(new.title),
            topics::finding_id.eq(new.finding_id),
            topics::created_by.eq(new.created_by),
        ))
        .on_conflict_do_nothing()
        .returning(TopicRow::as_returning())
        .get_result(conn)
        .await
        .optional()?;
    if let Some(row) = &row {
        insert_draft(conn, row.id, 1, new.title, new.text, new.created_by).await?;
    }
    Ok(row)
}

async fn insert_draft(
    conn: &mut AsyncPgConnection,
    topic_id: Uuid,
    number: i32,
    title: &str,
    text: &str,
    created_by: &str,
) -> Result<(), ApiError> {
    diesel::insert_into(topic_drafts::table)
        .values((
            topic_drafts::topic_id.eq(topic_id),
            topic_drafts::number.eq(number),
            topic_drafts::title.eq(title),
            topic_drafts::text.eq(text),
            topic_drafts::created_by.eq(created_by),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Adds the next draft and makes it current.
#[tracing::instrument(skip_all, fields(topic_id = %topic.id))]
pub async fn add_draft(
    conn: &mut AsyncPgConnection,
    topic: &TopicRow,
    title: &str,
    text: &str,
    created_by: &str,
) -> Result<TopicRow, ApiError> {
    let number = topic.draft_number + 1;
    insert_draft(conn, topic.id, number, title, text, created_by).await?;
    Ok(
        diesel::update(topics::table.filter(topics::id.eq(topic.id)))
            .set((
                topics::title.eq(title),
                topics::draft_number.eq(number),
                topics::version.eq(topics::version + 1),
                topics::updated_at.eq(diesel::dsl::now),
            ))
            .returning(TopicRow::as_returning())
            .get_result(conn)
            .await?,
    )
}

#[tracing::instrument(skip_all, fields(topic_id = %id))]
pub async fn find(mut conn: &AsyncPgConnection, id: Uuid) -> Result<Option<TopicRow>, ApiError> {
    Ok(topics::table
        .filter(topics::id.eq(id))
        .select(TopicRow::as_select())
        .first(&mut conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(topic_id = %id))]
pub async fn lock(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<TopicRow>, ApiError> {
    Ok(topics::table
        .filter(topics::id.eq(id))
        .select(TopicRow::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

/// Topics scheduled on a meeting's agenda.
#[tracing::instrument(skip_all, fields(meeting_id = %meeting_id))]
pub async fn scheduled_on(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
) -> Result<Vec<TopicRow>, ApiError> {
    Ok(topics::table
        .filter(topics::meeting_id.eq(meeting_id))
        .filter(topics::state.eq(code(&TopicState::Scheduled)))
        .select(TopicRow::as_select())
        .for_update()
        .load(conn)
        .await?)
}

/// The change a step makes to the topic row.
pub struct Change {
    pub state: TopicState,
    pub meeting_id: Option<Uuid>,
    pub agenda_item_id: Option<Uuid>,
    /// Set on a referral back: the draft the referral was about.
    pub referred_at_draft: Option<i32>,
}

#[tracing::instrument(skip_all, fields(topic_id = %topic.id))]
pub async fn apply(
    conn: &mut AsyncPgConnection,
    topic: &TopicRow,
    change: Change,
) -> Result<TopicRow, ApiError> {
    Ok(
        diesel::update(topics::table.filter(topics::id.eq(topic.id)))
            .set((
                topics::state.eq(code(&change.state)),
                topics::meeting_id.eq(change.meeting_id),
                topics::agenda_item_id.eq(change.agenda_item_id),
                topics::referred_at_draft.eq(change.referred_at_draft.or(topic.referred_at_draft)),
                topics::version.eq(topics::version + 1),
                topics::updated_at.eq(diesel::dsl::now),
            ))
            .returning(TopicRow::as_returning())
            .get_result(conn)
            .await?,
    )
}

pub struct NewHistory<'a> {
    pub topic_id: Uuid,
    pub action: &'a str,
    pub from_state: Option<TopicState>,
    pub to_state: TopicState,
    pub draft_number: i32,
    pub meeting_id: Option<Uuid>,
    pub reason: Option<&'a str>,
    pub actor: &'a str,
}

#[tracing::instrument(skip_all, fields(topic_id = %entry.topic_id))]
pub async fn record(conn: &mut AsyncPgConnection, entry: NewHistory<'_>) -> Result<(), ApiError> {
    diesel::insert_into(topic_history::table)
        .values((
            topic_history::topic_id.eq(entry.topic_id),
            topic_history::action.eq(entry.action),
            topic_history::from_state.eq(entry.from_state.map(|s| code(&s))),
            topic_history::to_state.eq(code(&entry.to_state)),
            topic_history::draft_number.eq(entry.draft_number),
            topic_history::meeting_id.eq(entry.meeting_id),
            topic_history::reason.eq(entry.reason),
            topic_history::actor.eq(entry.actor),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

#[tracing::instrument(skip_all, fields(topic_id = %topic_id))]
pub async fn history(
    mut conn: &AsyncPgConnection,
    topic_id: Uuid,
) -> Result<Vec<HistoryRow>, ApiError> {
    Ok(topic_history::table
        .filter(topic_history::topic_id.eq(topic_id))
        .select(HistoryRow::as_select())
        .order(topic_history::id.asc())
        .load(&mut conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(topic_id = %topic_id))]
pub async fn drafts(
    conn: &mut AsyncPgConnection,
    topic_id: Uuid,
) -> Result<Vec<DraftRow>, ApiError> {
    Ok(topic_drafts::table
        .filter(topic_drafts::topic_id.eq(topic_id))
        .select(DraftRow::as_select())
        .order(topic_drafts::number.asc())
        .load(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(topic_id = %topic.id))]
pub async fn current_draft(
    mut conn: &AsyncPgConnection,
    topic: &TopicRow,
) -> Result<DraftRow, ApiError> {
    Ok(topic_drafts::table
        .filter(topic_drafts::topic_id.eq(topic.id))
        .filter(topic_drafts::number.eq(topic.draft_number))
        .select(DraftRow::as_select())
        .first(&mut conn)
        .await?)
}

/// Filters of the topic list.
#[derive(Debug, Default)]
pub struct TopicFilter {
    pub state: Option<TopicState>,
    pub origin_body_id: Option<Uuid>,
    pub meeting_id: Option<Uuid>,
}

/// One page of topics, newest activity last, by id for a stable cursor.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &TopicFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<TopicRow>, ApiError> {
    let mut query = topics::table.select(TopicRow::as_select()).into_boxed();
    if let Some(state) = filter.state {
        query = query.filter(topics::state.eq(code(&state)));
    }
    if let Some(body) = filter.origin_body_id {
        query = query.filter(topics::origin_body_id.eq(body));
    }
    if let Some(meeting) = filter.meeting_id {
        query = query.filter(topics::meeting_id.eq(meeting));
    }
    if let Some(after) = after {
        query = query.filter(topics::id.gt(after));
    }
    Ok(query
        .order(topics::id.asc())
        .limit(limit.saturating_add(1))
        .load(conn)
        .await?)
}
