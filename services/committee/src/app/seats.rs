//! The seats a caller holds today, for the permission decisions of `domain::access` that depend
//! on memberships: a caller's standing on a topic and for the minutes of closed meetings.

use chrono::Utc;
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiResult, Principal};
use uuid::Uuid;

use crate::domain::access::{self, Actor, MinutesReader};
use crate::domain::bodies::BodyKind;
use crate::store::bodies::{self as body_store, BodyRow};
use crate::store::meetings::MeetingRow;
use crate::store::{regional_day, terms as term_store};

/// Body and role of the seats the caller holds on `day` in `bodies`: seats naming the person
/// (the token's subject), and seats of the caller's organisation without a named person.
async fn held_on(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    bodies: &[Uuid],
    day: chrono::NaiveDate,
) -> ApiResult<Vec<(Uuid, String)>> {
    let person = Uuid::parse_str(&principal.subject).ok();
    body_store::roles_in(conn, bodies, person, principal.organization, day).await
}

/// What the caller is for a topic from `origin`: seats held today in the origin body, the
/// steering group and the management, and the `committee_secretary` role.
#[tracing::instrument(skip_all, fields(origin_body_id = %origin.id))]
pub async fn topic_actor(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    origin: &BodyRow,
) -> ApiResult<Actor> {
    let steering = body_store::central(conn, BodyKind::SteeringGroup).await?;
    let management = body_store::central(conn, BodyKind::Management).await?;
    let today = regional_day(conn, Utc::now()).await?;
    let bodies = [origin.id, steering.id, management.id];
    let seats = held_on(conn, principal, &bodies, today).await?;
    Ok(access::topic_actor(
        principal,
        origin.id,
        steering.id,
        management.id,
        &seats,
    ))
}

/// The caller's standing for the minutes of `body_id`'s meetings: the roles, and when they do
/// not decide, the seats held today in that body and in the management body and whether the
/// caller's organisation holds the current management term.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn minutes_reader(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    body_id: Uuid,
) -> ApiResult<MinutesReader> {
    let reader = access::minutes_reader_by_roles(principal);
    if reader.reads_all() {
        return Ok(reader);
    }
    let management = body_store::central(conn, BodyKind::Management).await?;
    let today = regional_day(conn, Utc::now()).await?;
    let seats = held_on(conn, principal, &[body_id, management.id], today).await?;
    let reader = access::minutes_reader(principal, body_id, management.id, &seats);
    if reader.management || principal.organization.is_none() {
        return Ok(reader);
    }
    let holder = term_store::holder_on(conn, today).await?;
    Ok(access::with_management_term(reader, principal, holder))
}

/// The reader of meetings of one body: seats are looked up only when a closed meeting is among
/// them.
#[tracing::instrument(skip_all, fields(body_id = %body_id))]
pub async fn minutes_reader_for(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    body_id: Uuid,
    meetings: &[MeetingRow],
) -> ApiResult<MinutesReader> {
    if meetings.iter().all(|meeting| meeting.public) {
        Ok(access::minutes_reader_by_roles(principal))
    } else {
        minutes_reader(conn, principal, body_id).await
    }
}
