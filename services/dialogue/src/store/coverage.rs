//! The figures of a cycle's coverage report.

use chrono::NaiveDate;
use diesel::QueryableByName;
use diesel::sql_types;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

/// States of a dialogue that took place.
const TOOK_PLACE: &str = "('held', 'documented', 'evaluated')";

/// One organisation of the cycle: its hosting and its guest attendances.
#[derive(Debug, Clone, QueryableByName)]
pub struct OrganizationRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Text>)]
    pub district: Option<String>,
    #[diesel(sql_type = sql_types::Text)]
    pub host_state: String,
    #[diesel(sql_type = sql_types::Text)]
    pub dialogue_state: String,
    #[diesel(sql_type = sql_types::Nullable<sql_types::Date>)]
    pub dialogue_date: Option<NaiveDate>,
    /// Guests of the organisation present at dialogues that took place.
    #[diesel(sql_type = sql_types::BigInt)]
    pub guest_attendances: i64,
    /// Guests of the organisation on the list of dialogues still to come.
    #[diesel(sql_type = sql_types::BigInt)]
    pub guest_places_planned: i64,
}

#[tracing::instrument(skip_all, fields(cycle_id = %cycle))]
pub async fn organizations(
    conn: &mut AsyncPgConnection,
    cycle: Uuid,
) -> Result<Vec<OrganizationRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "WITH attended AS ( \
             SELECT a.organization_id, count(*) AS n FROM dialogue_attendance a \
             JOIN dialogues x ON x.id = a.dialogue_id \
             WHERE x.cycle_id = $1 AND x.state IN {TOOK_PLACE} AND a.role = 'guest' AND a.present \
             GROUP BY a.organization_id), \
         planned AS ( \
             SELECT g.organization_id, count(*) AS n FROM dialogue_guests g \
             JOIN dialogues x ON x.id = g.dialogue_id \
             WHERE x.cycle_id = $1 AND x.state IN ('scheduled', 'invited') AND g.response <> 'declined' \
             GROUP BY g.organization_id) \
         SELECT h.organization_id, coalesce(o.name, '') AS name, coalesce(o.kind, '') AS kind, o.district, \
                h.state AS host_state, d.state AS dialogue_state, d.day AS dialogue_date, \
                coalesce(t.n, 0) AS guest_attendances, coalesce(p.n, 0) AS guest_places_planned \
         FROM hosts h JOIN dialogues d ON d.host_id = h.id \
         LEFT JOIN directory_organizations o ON o.id = h.organization_id \
         LEFT JOIN attended t ON t.organization_id = h.organization_id \
         LEFT JOIN planned p ON p.organization_id = h.organization_id \
         WHERE h.cycle_id = $1 ORDER BY o.kind DESC, o.name, h.organization_id"
    ))
    .bind::<sql_types::Uuid, _>(cycle).keep_prepared()
    .load(conn)
    .await?)
}

/// A staff member of a hosting organisation and their guest attendances in the cycle.
#[derive(Debug, Clone, QueryableByName)]
pub struct PersonRow {
    #[diesel(sql_type = sql_types::Uuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = sql_types::BigInt)]
    pub attended: i64,
}

#[tracing::instrument(skip_all, fields(cycle_id = %cycle))]
pub async fn people(conn: &mut AsyncPgConnection, cycle: Uuid) -> Result<Vec<PersonRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "WITH attended AS ( \
             SELECT a.person_id, count(*) AS n FROM dialogue_attendance a \
             JOIN dialogues x ON x.id = a.dialogue_id \
             WHERE x.cycle_id = $1 AND x.state IN {TOOK_PLACE} AND a.role = 'guest' AND a.present \
             GROUP BY a.person_id) \
         SELECT p.id AS person_id, p.organization_id, coalesce(t.n, 0) AS attended \
         FROM directory_people p LEFT JOIN attended t ON t.person_id = p.id \
         WHERE p.active AND p.organization_id IN \
               (SELECT organization_id FROM hosts WHERE cycle_id = $1 AND state = 'active') \
         ORDER BY p.organization_id, p.id"
    ))
    .bind::<sql_types::Uuid, _>(cycle)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Per district: dialogues that took place there, and how many had a guest from the
/// district's youth office (or were hosted by it).
#[derive(Debug, Clone, QueryableByName)]
pub struct DistrictRow {
    #[diesel(sql_type = sql_types::Text)]
    pub district: String,
    #[diesel(sql_type = sql_types::BigInt)]
    pub dialogues: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub with_district_youth_office: i64,
}

#[tracing::instrument(skip_all, fields(cycle_id = %cycle))]
pub async fn districts(
    conn: &mut AsyncPgConnection,
    cycle: Uuid,
) -> Result<Vec<DistrictRow>, ApiError> {
    Ok(diesel::sql_query(format!(
        "SELECT o.district, count(*) AS dialogues, \
                count(*) FILTER (WHERE o.kind = 'youth_office' OR EXISTS ( \
                    SELECT 1 FROM dialogue_attendance a \
                    JOIN directory_organizations yo ON yo.id = a.organization_id \
                    WHERE a.dialogue_id = d.id AND a.present AND yo.kind = 'youth_office' \
                      AND yo.district = o.district)) AS with_district_youth_office \
         FROM dialogues d JOIN hosts h ON h.id = d.host_id \
         JOIN directory_organizations o ON o.id = h.organization_id \
         WHERE d.cycle_id = $1 AND d.state IN {TOOK_PLACE} AND o.district IS NOT NULL \
         GROUP BY o.district ORDER BY o.district"
    ))
    .bind::<sql_types::Uuid, _>(cycle)
    .keep_prepared()
    .load(conn)
    .await?)
}

/// Findings by kind, and measures by state (open ones past their due date counted apart).
#[derive(Debug, Clone, QueryableByName)]
pub struct FindingCounts {
    #[diesel(sql_type = sql_types::BigInt)]
    pub expert_day: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub forum_topic: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub publication: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub agreed_measure: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub measures_open: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub measures_overdue: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub measures_done: i64,
    #[diesel(sql_type = sql_types::BigInt)]
    pub measures_dropped: i64,
}

#[tracing::instrument(skip_all, fields(cycle_id = %cycle))]
pub async fn findings(
    conn: &mut AsyncPgConnection,
    cycle: Uuid,
    today: NaiveDate,
) -> Result<FindingCounts, ApiError> {
    Ok(diesel::sql_query(
        "SELECT count(*) FILTER (WHERE f.kind = 'expert_day') AS expert_day, \
                count(*) FILTER (WHERE f.kind = 'forum_topic') AS forum_topic, \
                count(*) FILTER (WHERE f.kind = 'publication') AS publication, \
                count(*) FILTER (WHERE f.kind = 'agreed_measure') AS agreed_measure, \
                count(*) FILTER (WHERE f.measure_state = 'open') AS measures_open, \
                count(*) FILTER (WHERE f.measure_state = 'open' AND f.due_on < $2) AS measures_overdue, \
                count(*) FILTER (WHERE f.measure_state = 'done') AS measures_done, \
                count(*) FILTER (WHERE f.measure_state = 'dropped') AS measures_dropped \
         FROM findings f JOIN dialogues d ON d.id = f.dialogue_id WHERE d.cycle_id = $1",
    )
    .bind::<sql_types::Uuid, _>(cycle)
    .bind::<sql_types::Date, _>(today).keep_prepared()
    .get_result(conn)
    .await?)
}
