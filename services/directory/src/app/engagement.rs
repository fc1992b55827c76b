//! Reading an organisation's engagement: its facts judged today and at the end of each past
//! quarter.

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, Principal, not_found};
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
