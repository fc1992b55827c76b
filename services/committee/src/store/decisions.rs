use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::code;
use super::schema::decisions;
use crate::domain::decisions::DecisionKind;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = decisions)]
pub struct DecisionRow {
    pub id: Uuid,
    pub meeting_id: Uuid,
    pub topic_id: Option<Uuid>,
    pub kind: String,
    pub title: String,
    pub text: String,
    pub decided_on: NaiveDate,
    pub body_id: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

pub struct NewDecision<'a> {
    pub meeting_id: Uuid,
    pub topic_id: Option<Uuid>,
    pub kind: DecisionKind,
    pub title: &'a str,
    pub text: &'a str,
    pub decided_on: NaiveDate,
    pub body_id: Option<Uuid>,
    pub created_by: &'a str,
}

#[tracing::instrument(skip_all, fields(meeting_id = %new.meeting_id, topic_id = ?new.topic_id))]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: NewDecision<'_>,
) -> Result<DecisionRow, ApiError> {
    Ok(diesel::insert_into(decisions::table)
        .values((
            decisions::id.eq(Uuid::now_v7()),
            decisions::meeting_id.eq(new.meeting_id),
            decisions::topic_id.eq(new.topic_id),
            decisions::kind.eq(code(&new.kind)),
            decisions::title.eq(new.title),
            decisions::text.eq(new.text),
            decisions::decided_on.eq(new.decided_on),
            decisions::body_id.eq(new.body_id),
            decisions::created_by.eq(new.created_by),
        ))
        .returning(DecisionRow::as_returning())
        .get_result(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(decision_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<DecisionRow>, ApiError> {
    Ok(decisions::table
        .filter(decisions::id.eq(id))
        .select(DecisionRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(topic_id = %topic_id))]
pub async fn of_topic(
    mut conn: &AsyncPgConnection,
    topic_id: Uuid,
) -> Result<Vec<DecisionRow>, ApiError> {
    Ok(decisions::table
        .filter(decisions::topic_id.eq(topic_id))
        .select(DecisionRow::as_select())
        .order(decisions::id.asc())
        .load(&mut conn)
        .await?)
}

/// Filters of the decision register.
#[derive(Debug, Default)]
pub struct DecisionFilter<'a> {
    /// German full-text search over title and text (`websearch_to_tsquery` syntax).
    pub q: Option<&'a str>,
    pub kind: Option<DecisionKind>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub meeting_id: Option<Uuid>,
}

/// One page of the register, newest decision first; the cursor is (decided_on, id).
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &DecisionFilter<'_>,
    after: Option<(NaiveDate, Uuid)>,
    limit: i64,
) -> Result<Vec<DecisionRow>, ApiError> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    let mut query = decisions::table
        .select(DecisionRow::as_select())
        .into_boxed();
    if let Some(q) = filter.q {
        query = query.filter(
            sql::<Bool>("search @@ websearch_to_tsquery('german', ")
                .bind::<Text, _>(q.to_string())
                .sql(")"),
        );
    }
    if let Some(kind) = filter.kind {
        query = query.filter(decisions::kind.eq(code(&kind)));
    }
    if let Some(from) = filter.from {
        query = query.filter(decisions::decided_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(decisions::decided_on.le(to));
    }
    if let Some(meeting) = filter.meeting_id {
        query = query.filter(decisions::meeting_id.eq(meeting));
    }
    if let Some((day, id)) = after {
        query = query.filter(
            decisions::decided_on
                .lt(day)
                .or(decisions::decided_on.eq(day).and(decisions::id.lt(id))),
        );
    }
    Ok(query
        .order((decisions::decided_on.desc(), decisions::id.desc()))
        .limit(limit.saturating_add(1))
        .load(conn)
        .await?)
}
