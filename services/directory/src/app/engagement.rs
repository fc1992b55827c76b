//! Reading an organisation's engagement: its facts judged today and at the end of each past
//! quarter.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, Principal, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::engagement::{self, Criterion, Reader, Thresholds};
use crate::store::engagement as store;
use crate::store::{organizations, people};

/// How many past quarters the history shows.
pub const HISTORY_QUARTERS: usize = 8;

/// One organisation's engagement as its reader may see it.
pub struct Judged {
    pub organization_id: Uuid,
    pub name: String,
    pub kind: String,
    pub on: NaiveDate,
    pub reader: Reader,
    pub criteria: Vec<Criterion>,
    /// (last day of the quarter, criteria then), oldest first.
    pub history: Vec<(NaiveDate, Vec<Criterion>)>,
}

#[tracing::instrument(skip_all, fields(organization_id = %id))]
pub async fn of_organization(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    thresholds: &Thresholds,
) -> ApiResult<Judged> {
    let on = today();
    let (organization, _) = organizations::find(conn, id, on)
        .await?
        .ok_or_else(|| not_found("organisation"))?;
    let viewer = match principal.subject.parse::<Uuid>() {
        Ok(person) => people::find(conn, person).await?,
        Err(_) => None,
    };
    let reader = engagement::reader(
        principal,
        id,
        viewer
            .as_ref()
            .filter(|p| p.active_until.is_none_or(|until| on < until))
            .map(|p| (p.organization_id, p.functions.as_slice())),
    )?;
    let known = store::known(conn, &[id]).await?;
    let facts = known.facts.get(&id).cloned().unwrap_or_default();
    let judge = |day: NaiveDate| {
        engagement::judge(
            &facts,
            &known.courses,
            store::cycle_on(&known.cycles, day),
            day,
            thresholds,
        )
    };
    Ok(Judged {
        organization_id: id,
        name: organization.name,
        kind: organization.kind,
        on,
        reader,
        criteria: judge(on),
        history: engagement::past_quarter_ends(on, HISTORY_QUARTERS)
            .into_iter()
            .map(|end| (end, judge(end)))
            .collect(),
    })
}

/// One organisation of the region's table, judged on the table's day.
pub struct RegionRow {
    pub organization_id: Uuid,
    pub name: String,
    pub kind: String,
    pub district: Option<String>,
    pub criteria: Vec<Criterion>,
}

/// The region's table: every active youth office and institution (of `kind` and `district`,
/// if given), judged on `on` (default today; not in the future), ordered by name.
#[tracing::instrument(skip_all)]
pub async fn region(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    on: Option<NaiveDate>,
    kind: Option<&str>,
    district: Option<&str>,
    thresholds: &Thresholds,
) -> ApiResult<(NaiveDate, Vec<RegionRow>)> {
    engagement::require_region_reader(principal)?;
    let today = today();
    let on = on.unwrap_or(today);
    if on > today {
        return Err(ApiError::validation(
            "/query/on",
            "must not be in the future: the view judges what has happened",
        ));
    }
    let mut organizations: Vec<_> = organizations::all(conn)
        .await?
        .into_iter()
        .filter(|o| o.active && engagement::REGION_KINDS.contains(&o.kind.as_str()))
        .filter(|o| kind.is_none_or(|k| o.kind == k))
        .filter(|o| district.is_none_or(|d| o.district.as_deref() == Some(d)))
        .collect();
    organizations.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    let ids: Vec<Uuid> = organizations.iter().map(|o| o.id).collect();
    let known = store::known(conn, &ids).await?;
    let cycle = store::cycle_on(&known.cycles, on);
    let rows = organizations
        .into_iter()
        .map(|o| {
            let facts = known.facts.get(&o.id).cloned().unwrap_or_default();
            RegionRow {
                criteria: engagement::judge(&facts, &known.courses, cycle, on, thresholds),
                organization_id: o.id,
                name: o.name,
                kind: o.kind,
                district: o.district,
            }
        })
        .collect();
    Ok((on, rows))
}

/// What a rebuild replayed and the facts it gave.
pub struct Rebuilt {
    pub events: u64,
    pub facts: Vec<(&'static str, i64)>,
}

/// Rebuilds the view's facts from the kept events: empties the fact tables and
/// applies every kept event again in arrival order, in one transaction that holds the events
/// table, so that the consumer's next event waits and lands on the rebuilt facts.
#[tracing::instrument(skip_all)]
pub async fn rebuild(conn: &mut AsyncPgConnection) -> ApiResult<Rebuilt> {
    let events = store::replay(conn).await?;
    let facts = store::fact_counts(conn).await?;
    tracing::info!(events, "engagement view rebuilt");
    Ok(Rebuilt { events, facts })
}
