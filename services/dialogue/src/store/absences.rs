//! Absences of staff.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use uuid::Uuid;

use super::schema::absences;
use crate::domain::absences::{AbsenceDraft, Period};
use crate::domain::hosts::Absence;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = absences)]
pub struct AbsenceRow {
    pub id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub weekday: Option<i16>,
    pub note: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl AbsenceRow {
    /// The absence as the day checks need it; `None` for a row the table's check would refuse.
    pub fn absence(&self) -> Option<Absence> {
        let period = match (self.start_on, self.end_on, self.weekday) {
            (Some(start), Some(end), None) => Period::Range { start, end },
            (None, None, Some(weekday)) => Period::Weekday { weekday },
            _ => return None,
        };
        Some(Absence {
            person_id: self.person_id,
            period,
        })
    }
}

fn columns(draft: &AbsenceDraft) -> (Option<NaiveDate>, Option<NaiveDate>, Option<i16>) {
    match draft.period {
        Period::Range { start, end } => (Some(start), Some(end), None),
        Period::Weekday { weekday } => (None, None, Some(weekday)),
    }
}

/// Stores absences of people of `organization`.
#[tracing::instrument(skip_all, fields(count = drafts.len()))]
pub async fn insert(
    conn: &mut AsyncPgConnection,
    organization: Uuid,
    drafts: &[AbsenceDraft],
    created_by: &str,
) -> Result<Vec<AbsenceRow>, ApiError> {
    if drafts.is_empty() {
        return Ok(vec![]);
    }
    let values: Vec<_> = drafts
        .iter()
        .map(|draft| {
            let (start_on, end_on, weekday) = columns(draft);
            (
                absences::id.eq(Uuid::now_v7()),
                absences::person_id.eq(draft.person_id),
                absences::organization_id.eq(organization),
                absences::start_on.eq(start_on),
                absences::end_on.eq(end_on),
                absences::weekday.eq(weekday),
                absences::note.eq(draft.note.clone()),
                absences::created_by.eq(created_by),
            )
        })
        .collect();
    Ok(diesel::insert_into(absences::table)
        .values(&values)
        .returning(AbsenceRow::as_returning())
        .get_results(conn)
        .await?)
}

#[tracing::instrument(skip_all, fields(absence_id = %id))]
pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> Result<Option<AbsenceRow>, ApiError> {
    Ok(absences::table
        .find(id)
        .select(AbsenceRow::as_select())
        .first(conn)
        .await
        .optional()?)
}

#[tracing::instrument(skip_all, fields(absence_id = %id))]
pub async fn delete(conn: &mut AsyncPgConnection, id: Uuid) -> Result<bool, ApiError> {
    Ok(diesel::delete(absences::table.find(id))
        .execute(conn)
        .await?
        > 0)
}

/// Removes every absence of the organisation's people; returns how many.
#[tracing::instrument(skip_all, fields(organization_id = %organization))]
pub async fn delete_of_organization(
    conn: &mut AsyncPgConnection,
    organization: Uuid,
) -> Result<usize, ApiError> {
    Ok(
        diesel::delete(absences::table.filter(absences::organization_id.eq(organization)))
            .execute(conn)
            .await?,
    )
}

/// Filters of the absence list; `visible` limits it to one organisation and one person (the
/// caller's own), either matching.
#[derive(Debug, Clone, Default)]
pub struct AbsenceFilter {
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub visible: Option<(Option<Uuid>, Option<Uuid>)>,
}

/// One page of absences in creation order.
#[tracing::instrument(skip_all)]
pub async fn list(
    conn: &mut AsyncPgConnection,
    filter: &AbsenceFilter,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AbsenceRow>, ApiError> {
    let mut query = absences::table
        .select(AbsenceRow::as_select())
        .order(absences::id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(person) = filter.person_id {
        query = query.filter(absences::person_id.eq(person));
    }
    if let Some(organization) = filter.organization_id {
        query = query.filter(absences::organization_id.eq(organization));
    }
    if let Some((organization, person)) = filter.visible {
        // Nobody's rows when the caller has neither an organisation nor a person id.
        let organization = organization.unwrap_or(Uuid::nil());
        let person = person.unwrap_or(Uuid::nil());
        query = query.filter(
            absences::organization_id
                .eq(organization)
                .or(absences::person_id.eq(person)),
        );
    }
    if let Some(after) = after {
        query = query.filter(absences::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

/// Absences of `people` that may touch `from..=to`.
#[tracing::instrument(skip_all)]
pub async fn of_people(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<AbsenceRow>, ApiError> {
    if people.is_empty() {
        return Ok(vec![]);
    }
    Ok(absences::table
        .filter(absences::person_id.eq_any(people))
        .filter(
            absences::weekday
                .is_not_null()
                .or(absences::start_on.le(to).and(absences::end_on.ge(from))),
        )
        .select(AbsenceRow::as_select())
        .load(conn)
        .await?)
}
