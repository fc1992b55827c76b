//! What training needs are computed from: required courses, people with their functions,
//! their completions, and the latest instrument releases.

use chrono::NaiveDate;
use diesel::{QueryableByName, sql_types};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::case::InstrumentReleasedV1;
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use crate::domain::needs::{Completed, Release, RequiredCourse};

/// Stores a release; a repeated delivery changes nothing.
pub async fn record_release(
    conn: &mut AsyncPgConnection,
    release: &InstrumentReleasedV1,
) -> diesel::QueryResult<usize> {
    diesel::sql_query(
        "INSERT INTO instrument_releases (instrument, version, title, released_on) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (instrument, version) DO NOTHING",
    )
    .bind::<sql_types::Text, _>(&release.instrument)
    .bind::<sql_types::Integer, _>(release.version)
    .bind::<sql_types::Text, _>(&release.title)
    .bind::<sql_types::Date, _>(release.released_on)
    .keep_prepared()
    .execute(conn)
    .await
}

#[derive(QueryableByName)]
struct ReleaseRow {
    #[diesel(sql_type = sql_types::Text)]
    instrument: String,
    #[diesel(sql_type = sql_types::Integer)]
    version: i32,
    #[diesel(sql_type = sql_types::Date)]
    released_on: NaiveDate,
}

/// The latest release of every instrument.
pub async fn latest_releases(conn: &mut AsyncPgConnection) -> Result<Vec<Release>, ApiError> {
    let rows: Vec<ReleaseRow> = diesel::sql_query(
        "SELECT DISTINCT ON (instrument) instrument, version, released_on \
         FROM instrument_releases ORDER BY instrument, version DESC",
    )
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Release {
            instrument: r.instrument,
            version: r.version,
            released_on: r.released_on,
        })
        .collect())
}

/// A required course with its title.
#[derive(Debug, Clone, QueryableByName)]
pub struct CourseRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub title: String,
    #[diesel(sql_type = sql_types::Array<sql_types::Text>)]
    pub required_for: Vec<String>,
    #[diesel(sql_type = sql_types::Array<sql_types::Text>)]
    pub instruments: Vec<String>,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Integer>)]
    pub valid_for_years: Option<i32>,
}

impl CourseRow {
    pub fn required(&self) -> RequiredCourse {
        RequiredCourse {
            id: self.id,
            required_for: self.required_for.clone(),
            instruments: self.instruments.clone(),
            valid_for_years: self.valid_for_years,
        }
    }
}

/// Every course required for some function, by title.
pub async fn required_courses(conn: &mut AsyncPgConnection) -> Result<Vec<CourseRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT id, title, required_for, instruments, valid_for_years FROM courses \
         WHERE cardinality(required_for) > 0 ORDER BY title, id",
    )
    .keep_prepared()
    .load(conn)
    .await?)
}

/// An active person with their functions.
#[derive(Debug, Clone, QueryableByName)]
pub struct PersonRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub given_name: String,
    #[diesel(sql_type = sql_types::Text)]
    pub family_name: String,
    #[diesel(sql_type = sql_types::Array<sql_types::Text>)]
    pub functions: Vec<String>,
}

/// The active people of an organisation (`person` none), or one person, by family name.
pub async fn people(
    conn: &mut AsyncPgConnection,
    organization: Option<Uuid>,
    person: Option<Uuid>,
    today: NaiveDate,
) -> Result<Vec<PersonRow>, ApiError> {
    Ok(diesel::sql_query(
        "SELECT id, organization_id, coalesce(given_name, '') AS given_name, \
                coalesce(family_name, '') AS family_name, functions \
         FROM directory_people \
         WHERE active AND (active_until IS NULL OR active_until >= $3) \
           AND ($1::uuid IS NULL OR organization_id = $1) AND ($2::uuid IS NULL OR id = $2) \
         ORDER BY lower(coalesce(family_name, '')), lower(coalesce(given_name, '')), id \
         LIMIT 5000",
    )
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(organization)
    .bind::<sql_types::Nullable<sql_types::Uuid>, _>(person)
    .bind::<sql_types::Date, _>(today)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Whether `person` is active staff of `organization` holding one of `functions` (directory
/// staff functions, e.g. `leader`).
pub async fn holds_function(
    conn: &mut AsyncPgConnection,
    person: Uuid,
    organization: Uuid,
    functions: &[&str],
    today: NaiveDate,
) -> Result<bool, ApiError> {
    #[derive(QueryableByName)]
    struct Holds {
        #[diesel(sql_type = sql_types::Bool)]
        holds: bool,
    }
    let row: Holds = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM directory_people WHERE id = $1 AND organization_id = $2 \
             AND active AND (active_until IS NULL OR active_until >= $3) \
             AND functions && $4) AS holds",
    )
    .bind::<sql_types::Uuid, _>(person)
    .bind::<sql_types::Uuid, _>(organization)
    .bind::<sql_types::Date, _>(today)
    .bind::<sql_types::Array<sql_types::Text>, _>(functions)
    .keep_prepared()
    .get_result(conn)
    .await?;
    Ok(row.holds)
}

#[derive(QueryableByName)]
struct CompletedRow {
    #[diesel(sql_type = sql_types::Uuid)]
    person_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    course_id: Uuid,
    #[diesel(sql_type = sql_types::Array<sql_types::Text>)]
    instruments: Vec<String>,
    #[diesel(sql_type = sql_types::Date)]
    completed_on: NaiveDate,
}

/// The completions of `people`, as (person, completion).
pub async fn completions(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
) -> Result<Vec<(Uuid, Completed)>, ApiError> {
    let rows: Vec<CompletedRow> = diesel::sql_query(
        "SELECT c.person_id, c.course_id, k.instruments, c.completed_on \
         FROM completions c JOIN courses k ON k.id = c.course_id \
         WHERE c.person_id = ANY ($1)",
    )
    .bind::<sql_types::Array<sql_types::Uuid>, _>(people)
    .keep_prepared()
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.person_id,
                Completed {
                    course_id: r.course_id,
                    instruments: r.instruments,
                    completed_on: r.completed_on,
                },
            )
        })
        .collect())
}
