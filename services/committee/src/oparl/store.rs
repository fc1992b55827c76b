//! Queries of the OParl interface: what is public, the object lists with their tombstones, and
//! the `created`/`modified` stamps of every object.
//!
//! Public are: every body (Organization), people with publication consent (Person) and their
//! memberships, public meetings (Meeting, Location), their public agenda items (AgendaItem),
//! adopted topics whose decision is a guideline or recommendation (Paper), their agenda items in
//! public meetings (Consultation, same id as the agenda item), and the management terms
//! (LegislativeTerm). Objects that were public once and are not any more appear as tombstones
//! from `oparl_tombstones` (kind = OParl type name); memberships of a person whose consent was
//! withdrawn become tombstones with the person.
//!
//! `modified` is the latest change of any row an object is built from, including the objects
//! embedded in it, so that `modified_since` finds every changed object. An agenda item counts
//! its meeting's changes too: reordering the agenda changes positions without touching the
//! items' own rows.
//!
//! A committee lists its published memberships, a person embeds them, and a meeting lists its
//! published participants (present or guests).
//!
//! A list page is read in two steps: the stamps (id, created, modified, deleted) of the page in
//! id order, then the rows of the live objects among them. Lists hand out only what was modified
//! before their [`sync_horizon`].

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Array, BigInt, Bool, Nullable, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_platform::ApiError;
use qmf_platform::db::KeepPrepared;
use uuid::Uuid;

use super::domain::ObjectType;
use super::params::ListFilter;
use super::rows::{
    AgendaItemRow, ConsultationRow, LiveRow, MembershipRow, ParticipantRow, Stamp, TermRow,
};

type SqlUuid = diesel::sql_types::Uuid;

/// Topics published as papers: adopted, with a guideline or recommendation decision (the
/// latest one if there are several). The codes mirror `oparl::domain::PaperKind`.
const PUBLISHED_PAPERS: &str = "published_papers AS (
    SELECT t.id, t.title, t.origin_body_id, t.created_at, d.kind AS decision_kind, d.decided_on,
           d.meeting_id AS decision_meeting_id, GREATEST(t.updated_at, d.created_at) AS modified
    FROM topics t
    CROSS JOIN LATERAL (
        SELECT d.kind, d.decided_on, d.meeting_id, d.created_at FROM decisions d
        WHERE d.topic_id = t.id AND d.kind IN ('guideline', 'recommendation')
        ORDER BY d.decided_on DESC, d.created_at DESC, d.id DESC LIMIT 1) d
    WHERE t.state IN ('adopted', 'adopted_with_changes'))";

/// A committee lists the URLs of its published memberships: a changed seat or a member's
/// changed consent changes the committee.
const ORGANIZATIONS: &str = "SELECT b.id, b.created_at AS created,
        GREATEST(b.updated_at, (SELECT max(GREATEST(m.updated_at, p.consent_changed_at))
            FROM memberships m JOIN committee_people p ON p.id = m.person_id
            WHERE m.body_id = b.id)) AS modified,
        b.kind, b.name, b.short_name, b.parent_id, b.established_on, b.dissolved_on
    FROM bodies b";

/// A person embeds their memberships: a changed seat changes the person.
const PEOPLE: &str = "SELECT p.id, p.created_at AS created,
        GREATEST(p.updated_at, p.consent_changed_at,
            (SELECT max(m.updated_at) FROM memberships m WHERE m.person_id = p.id)) AS modified,
        p.given_name, p.family_name
    FROM committee_people p WHERE p.public_consent";

const MEMBERSHIPS: &str = "SELECT m.id, m.created_at AS created,
        GREATEST(m.updated_at, p.consent_changed_at) AS modified,
        m.person_id, m.body_id, m.role, m.start_on, m.end_on
    FROM memberships m JOIN committee_people p ON p.id = m.person_id AND p.public_consent";

/// Memberships whose person was withdrawn from publication, as of the withdrawal.
const MEMBERSHIP_TOMBSTONES: &str = "SELECT t.id, t.created_at AS created, t.deleted_at AS modified
    FROM oparl_tombstones t WHERE t.kind = 'Membership'
    UNION ALL
    SELECT m.id, m.created_at, t.deleted_at FROM memberships m
    JOIN oparl_tombstones t ON t.kind = 'Person' AND t.id = m.person_id
    WHERE m.created_at <= t.deleted_at";

/// Recording attendance touches the meeting; a participant's changed consent changes it too.
const MEETINGS: &str = "SELECT m.id, m.created_at AS created,
        GREATEST(m.updated_at, (SELECT max(pp.modified) FROM agenda_items ai
            JOIN published_papers pp ON pp.id = ai.topic_id
            WHERE ai.meeting_id = m.id AND ai.public),
            (SELECT max(p.consent_changed_at) FROM meeting_attendance a
             JOIN committee_people p ON p.id = a.person_id
             WHERE a.meeting_id = m.id)) AS modified,
        m.body_id, m.title, m.starts_at, m.ends_at, m.place, m.state,
        m.updated_at AS location_modified
    FROM meetings m WHERE m.public";

const LOCATIONS: &str = "SELECT m.id, m.created_at AS created, m.updated_at AS modified, m.place
    FROM meetings m WHERE m.public";

/// A meeting's place goes with the meeting.
const LOCATION_TOMBSTONES: &str = "SELECT t.id, t.created_at AS created, t.deleted_at AS modified
    FROM oparl_tombstones t WHERE t.kind IN ('Location', 'Meeting')";

const AGENDA_ITEMS: &str = "SELECT ai.id, ai.created_at AS created,
        GREATEST(ai.updated_at, m.updated_at, pp.modified) AS modified,
        ai.meeting_id, ai.position, ai.title, pp.id AS paper_id
    FROM agenda_items ai JOIN meetings m ON m.id = ai.meeting_id AND m.public
    LEFT JOIN published_papers pp ON pp.id = ai.topic_id
    WHERE ai.public";

const PAPERS: &str = "SELECT pp.id, pp.created_at AS created,
        GREATEST(pp.modified, (SELECT max(GREATEST(ai.updated_at, m.updated_at)) FROM agenda_items ai
            JOIN meetings m ON m.id = ai.meeting_id AND m.public
            WHERE ai.topic_id = pp.id AND ai.public)) AS modified,
        pp.title, pp.decision_kind, pp.decided_on, pp.origin_body_id
    FROM published_papers pp";

const CONSULTATIONS: &str = "SELECT ai.id, ai.created_at AS created,
        GREATEST(ai.updated_at, m.updated_at, pp.modified) AS modified,
        pp.id AS paper_id, m.id AS meeting_id, m.body_id,
        (m.id = pp.decision_meeting_id) AS authoritative, m.starts_at
    FROM agenda_items ai JOIN meetings m ON m.id = ai.meeting_id AND m.public
    JOIN published_papers pp ON pp.id = ai.topic_id
    WHERE ai.public";

/// The office's name comes from the directory copy, so its updates count as changes.
const TERMS: &str = "SELECT mt.id, mt.created_at AS created,
        GREATEST(mt.created_at, o.synced_at) AS modified,
        mt.start_on, mt.end_on, o.name AS office_name
    FROM management_terms mt LEFT JOIN directory_organizations o ON o.id = mt.office_id";

/// The live objects of a listed type (columns `id`, `created`, `modified`, then its own) and
/// the sources of its tombstones (`id`, `created`, `modified`).
fn sources(kind: ObjectType) -> Result<(&'static str, String), ApiError> {
    let plain = |kind: ObjectType| {
        format!(
            "SELECT t.id, t.created_at AS created, t.deleted_at AS modified \
             FROM oparl_tombstones t WHERE t.kind = '{}'",
            kind.tombstone_kind()
        )
    };
    Ok(match kind {
        ObjectType::Organization => (ORGANIZATIONS, plain(kind)),
        ObjectType::Person => (PEOPLE, plain(kind)),
        ObjectType::Membership => (MEMBERSHIPS, MEMBERSHIP_TOMBSTONES.to_string()),
        ObjectType::Meeting => (MEETINGS, plain(kind)),
        ObjectType::Location => (LOCATIONS, LOCATION_TOMBSTONES.to_string()),
        ObjectType::AgendaItem => (AGENDA_ITEMS, plain(kind)),
        ObjectType::Paper => (PAPERS, plain(kind)),
        ObjectType::Consultation => (CONSULTATIONS, plain(kind)),
        ObjectType::LegislativeTerm => (TERMS, plain(kind)),
        ObjectType::System | ObjectType::Body => {
            return Err(ApiError::Internal(format!("{kind:?} has no stored list")));
        }
    })
}

/// Which part of a list to read.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub filter: ListFilter,
    /// Start strictly after this id (the cursor).
    pub after: Option<Uuid>,
    /// Only objects and tombstones modified before this time: the list's [`sync_horizon`]
    /// (none for an object read alone).
    pub before: Option<DateTime<Utc>>,
    /// Rows to read; read one more than the page size to know whether another page follows.
    pub limit: i64,
    /// Only the meetings of this committee (meeting lists only).
    pub meetings_of: Option<Uuid>,
}

fn boxed(sql: String) -> BoxedSqlQuery<'static, Pg, SqlQuery> {
    diesel::sql_query(sql).into_boxed::<Pg>()
}

async fn load<R>(
    conn: &mut AsyncPgConnection,
    query: BoxedSqlQuery<'static, Pg, SqlQuery>,
) -> Result<Vec<R>, ApiError>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    // One text per kind of list: kept prepared.
    Ok(query.keep_prepared().load::<R>(conn).await?)
}

/// The stamps of one page of a list in id order: live objects and tombstones (a tombstone of an
/// object that is live again is left out). With `only`, the stamp of that one object.
#[tracing::instrument(skip_all, fields(kind = ?kind, id = ?only))]
pub async fn stamps(
    conn: &mut AsyncPgConnection,
    kind: ObjectType,
    window: &Window,
    only: Option<Uuid>,
) -> Result<Vec<Stamp>, ApiError> {
    let (live, tombstones) = sources(kind)?;
    if window.meetings_of.is_some() && kind != ObjectType::Meeting {
        return Err(ApiError::Internal(format!(
            "a {kind:?} list cannot be narrowed to a committee's meetings"
        )));
    }
    let sql = format!(
        "WITH {PUBLISHED_PAPERS} SELECT o.id, o.created, o.modified, o.deleted FROM (
            SELECT l.id, l.created, l.modified, false AS deleted FROM ({live}) l
            UNION ALL
            (SELECT DISTINCT ON (x.id) x.id, x.created, x.modified, true
             FROM ({tombstones}) x
             WHERE NOT EXISTS (SELECT 1 FROM ({live}) l WHERE l.id = x.id)
             ORDER BY x.id, x.modified DESC)
         ) o
         WHERE ($1::uuid IS NULL OR o.id = $1)
           AND ($2::timestamptz IS NULL OR o.created >= $2)
           AND ($3::timestamptz IS NULL OR o.created <= $3)
           AND ($4::timestamptz IS NULL OR o.modified >= $4)
           AND ($5::timestamptz IS NULL OR o.modified <= $5)
           AND ($6::uuid IS NULL OR o.id > $6)
           AND ($8::uuid IS NULL
                OR EXISTS (SELECT 1 FROM meetings sm WHERE sm.id = o.id AND sm.body_id = $8))
           AND ($9::timestamptz IS NULL OR o.modified < $9)
         ORDER BY o.id LIMIT $7"
    );
    let f = window.filter;
    let query = boxed(sql)
        .bind::<Nullable<SqlUuid>, _>(only)
        .bind::<Nullable<Timestamptz>, _>(f.created_since)
        .bind::<Nullable<Timestamptz>, _>(f.created_until)
        .bind::<Nullable<Timestamptz>, _>(f.modified_since)
        .bind::<Nullable<Timestamptz>, _>(f.modified_until)
        .bind::<Nullable<SqlUuid>, _>(window.after)
        .bind::<BigInt, _>(window.limit)
        .bind::<Nullable<SqlUuid>, _>(window.meetings_of)
        .bind::<Nullable<Timestamptz>, _>(window.before);
    load(conn, query).await
}

#[derive(Debug, Clone, QueryableByName)]
struct Horizon {
    #[diesel(sql_type = Timestamptz)]
    horizon: DateTime<Utc>,
}

/// The sync horizon of a list: the start of the oldest transaction still open on this database
/// in any other session, or of this statement's own transaction if that is earlier.
///
/// An object's `modified` is the start time of the transaction that last wrote it (`now()`),
/// and a transaction that began earlier may commit later: a change can appear with a stamp
/// older than changes already handed out. Lists therefore hand out only what was modified
/// before the horizon. Every transaction that began before it had ended when it was read (the
/// list's snapshot, taken after, holds their changes), and every later one stamps later, so
/// nothing can still appear below it: a client that resumes with `modified_since` = the
/// largest `modified` it has seen misses no change (objects modified at exactly that time come
/// again). A change shows once the transactions that began before it
/// have ended. The pages of one list keep the horizon of its first page (it travels in the
/// cursor): a later page with a later horizon could hand out a change newer than one an
/// earlier page held back.
///
/// Every open transaction counts, read-only ones and those that have not written yet too: a
/// transaction can write long after it began, stamped with its start. `xact_start` is set from
/// a transaction's start until after its commit is visible (`state` may still say `idle` when
/// it has just begun, so it is not looked at). The horizon must be read in a statement of its
/// own before the list's snapshot is taken: a transaction ending in between would count as
/// ended without its changes in the snapshot. Other sessions' `xact_start` is visible only to
/// their own role (or with `pg_read_all_stats`): whatever writes these tables connects as the
/// service's role. Background workers (autovacuum) write none of them and do not count.
#[tracing::instrument(skip_all)]
pub async fn sync_horizon(conn: &mut AsyncPgConnection) -> Result<DateTime<Utc>, ApiError> {
    let rows: Vec<Horizon> = load(
        conn,
        boxed(
            "SELECT LEAST(now(), (SELECT min(a.xact_start) FROM pg_stat_activity a
                WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()
                  AND a.backend_type = 'client backend')) AS horizon"
                .to_string(),
        ),
    )
    .await?;
    rows.into_iter()
        .next()
        .map(|row| row.horizon)
        .ok_or_else(|| ApiError::Internal("no sync horizon".into()))
}

/// The rows of `sql`, whose only parameter `$1` is the array `ids`; no query for no ids.
async fn load_for<R>(
    conn: &mut AsyncPgConnection,
    sql: String,
    ids: &[Uuid],
) -> Result<Vec<R>, ApiError>
where
    R: QueryableByName<Pg> + Send + 'static,
{
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    load(conn, boxed(sql).bind::<Array<SqlUuid>, _>(ids.to_vec())).await
}

/// The live rows among `ids` (in no particular order).
#[tracing::instrument(skip_all, fields(kind = ?R::KIND, ids = ids.len()))]
pub async fn live<R: LiveRow>(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> Result<Vec<R>, ApiError> {
    let (live, _) = sources(R::KIND)?;
    load_for(
        conn,
        format!("WITH {PUBLISHED_PAPERS} SELECT * FROM ({live}) o WHERE o.id = ANY($1)"),
        ids,
    )
    .await
}

/// The public agenda items of the given meetings, in agenda order.
#[tracing::instrument(skip_all, fields(meetings = meetings.len()))]
pub async fn agenda_of(
    conn: &mut AsyncPgConnection,
    meetings: &[Uuid],
) -> Result<Vec<AgendaItemRow>, ApiError> {
    load_for(
        conn,
        format!(
            "WITH {PUBLISHED_PAPERS} SELECT * FROM ({AGENDA_ITEMS}) o \
         WHERE o.meeting_id = ANY($1) ORDER BY o.meeting_id, o.position, o.id"
        ),
        meetings,
    )
    .await
}

/// The consultations of the given papers, oldest meeting first.
#[tracing::instrument(skip_all, fields(papers = papers.len()))]
pub async fn consultations_of(
    conn: &mut AsyncPgConnection,
    papers: &[Uuid],
) -> Result<Vec<ConsultationRow>, ApiError> {
    load_for(
        conn,
        format!(
            "WITH {PUBLISHED_PAPERS} SELECT * FROM ({CONSULTATIONS}) o \
         WHERE o.paper_id = ANY($1) ORDER BY o.paper_id, o.starts_at, o.id"
        ),
        papers,
    )
    .await
}

/// The published memberships of the given people, by person, earliest start first.
#[tracing::instrument(skip_all, fields(people = people.len()))]
pub async fn memberships_of_people(
    conn: &mut AsyncPgConnection,
    people: &[Uuid],
) -> Result<Vec<MembershipRow>, ApiError> {
    memberships_where(conn, "person_id", people).await
}

/// The published memberships of the given committees, by committee, earliest start first.
#[tracing::instrument(skip_all, fields(bodies = bodies.len()))]
pub async fn memberships_of_bodies(
    conn: &mut AsyncPgConnection,
    bodies: &[Uuid],
) -> Result<Vec<MembershipRow>, ApiError> {
    memberships_where(conn, "body_id", bodies).await
}

async fn memberships_where(
    conn: &mut AsyncPgConnection,
    column: &'static str,
    ids: &[Uuid],
) -> Result<Vec<MembershipRow>, ApiError> {
    load_for(
        conn,
        format!(
            "SELECT * FROM ({MEMBERSHIPS}) o WHERE o.{column} = ANY($1) \
         ORDER BY o.{column}, o.start_on, o.id"
        ),
        ids,
    )
    .await
}

/// The published participants of the given meetings, by meeting, in name order.
#[tracing::instrument(skip_all, fields(meetings = meetings.len()))]
pub async fn participants_of(
    conn: &mut AsyncPgConnection,
    meetings: &[Uuid],
) -> Result<Vec<ParticipantRow>, ApiError> {
    load_for(
        conn,
        "SELECT DISTINCT a.meeting_id, p.id AS person_id, p.family_name, p.given_name
         FROM meeting_attendance a JOIN committee_people p ON p.id = a.person_id
         WHERE a.meeting_id = ANY($1) AND a.status IN ('present', 'guest') AND p.public_consent
         ORDER BY a.meeting_id, p.family_name, p.given_name, p.id"
            .to_string(),
        meetings,
    )
    .await
}

#[derive(Debug, Clone, QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

/// Whether a committee with this id exists (every committee is public).
#[tracing::instrument(skip_all, fields(organization_id = %id))]
pub async fn organization_exists(conn: &mut AsyncPgConnection, id: Uuid) -> Result<bool, ApiError> {
    let rows: Vec<Found> = load(
        conn,
        boxed("SELECT EXISTS (SELECT 1 FROM bodies WHERE id = $1) AS found".to_string())
            .bind::<SqlUuid, _>(id),
    )
    .await?;
    Ok(rows.iter().any(|row| row.found))
}

/// Every management term, oldest first.
#[tracing::instrument(skip_all)]
pub async fn terms(conn: &mut AsyncPgConnection) -> Result<Vec<TermRow>, ApiError> {
    load(
        conn,
        boxed(format!(
            "SELECT * FROM ({TERMS}) o ORDER BY o.start_on, o.id"
        )),
    )
    .await
}

#[derive(Debug, Clone, QueryableByName)]
struct BodyStamp {
    #[diesel(sql_type = Nullable<Timestamptz>)]
    created: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    modified: Option<DateTime<Utc>>,
}

/// `created` and `modified` of the body (and the system): created with the first committee, it
/// changes with the legislative terms it embeds.
#[tracing::instrument(skip_all)]
pub async fn body_stamp(
    conn: &mut AsyncPgConnection,
) -> Result<(DateTime<Utc>, DateTime<Utc>), ApiError> {
    let rows: Vec<BodyStamp> = load(
        conn,
        boxed(format!(
            "SELECT (SELECT min(created_at) FROM bodies) AS created,
                GREATEST((SELECT min(created_at) FROM bodies),
                         (SELECT max(o.modified) FROM ({TERMS}) o),
                         (SELECT max(deleted_at) FROM oparl_tombstones
                          WHERE kind = 'LegislativeTerm')) AS modified"
        )),
    )
    .await?;
    rows.into_iter()
        .find_map(|row| row.created.zip(row.modified))
        .ok_or_else(|| ApiError::Internal("the committee has no bodies".into()))
}
