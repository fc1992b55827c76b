//! Registrations: a seat when one is free for the person, else the waiting list; a freed seat
//! is offered to the next eligible person and held for the session's offer time. Every change
//! of a session's registrations locks the session first, so seat decisions never overlap and
//! no session is overbooked however many register at once.

use chrono::{Duration, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_platform::{ApiError, ApiResult, DbPool, IfMatch, Principal, RuleName, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::access;
use crate::domain::rules::Rule;
use crate::domain::seats::{Kind, decide};
use crate::events;
use crate::store::registrations::{self as store, NewRegistration, RegistrationRow};
use crate::store::sessions::{self as session_store, SessionRow};

fn kind_of(code: &str) -> Kind {
    if code == "youth_office" {
        Kind::YouthOffice
    } else {
        Kind::Institution
    }
}

/// The registrations of this process per session, committed together (see
/// `qmf_platform::together`).
pub fn session_writes() -> &'static std::sync::Arc<qmf_platform::together::Together<Uuid>> {
    static WRITES: std::sync::LazyLock<std::sync::Arc<qmf_platform::together::Together<Uuid>>> =
        std::sync::LazyLock::new(Default::default);
    &WRITES
}

/// The organisation and its kind of an active person of a youth office or an institution.
pub async fn staff_of_office_or_institution(
    conn: &mut AsyncPgConnection,
    person: Uuid,
) -> ApiResult<Option<(Uuid, String)>> {
    Ok(
        qmf_directory_copy::store::affiliation(conn, person, today())
            .await?
            .filter(|a| a.kind == "youth_office" || a.kind == "institution")
            .map(|a| (a.organization_id, a.kind)),
    )
}

/// Who is registered: an active person of a youth office or an institution the caller may
/// register.
pub struct Registrant {
    pub person: Uuid,
    pub organization: Uuid,
    /// `youth_office` or `institution`.
    pub kind: String,
}

/// Checks who is to be registered, before the registration's transaction (so that its
/// read is not part of the time a session's registrations take turns).
pub async fn registrant(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    person: Uuid,
) -> ApiResult<Registrant> {
    let (organization, kind) = staff_of_office_or_institution(conn, person)
        .await?
        .ok_or_else(|| {
            Rule::PersonUnknown
                .conflict("not an active directory person of a youth office or an institution")
        })?;
    super::require_act_for(conn, principal, person, organization).await?;
    Ok(Registrant {
        person,
        organization,
        kind,
    })
}

/// Registers `person` for a session: confirmed when a seat is free for them, waitlisted with
/// the reason otherwise (`training.registration.confirmed.v1` or `…waitlisted.v1`).
#[tracing::instrument(skip_all, fields(session_id = %session_id))]
pub async fn register(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    session_id: Uuid,
    registrant: &Registrant,
) -> ApiResult<RegistrationRow> {
    let Registrant {
        person,
        organization,
        ref kind,
    } = *registrant;
    // The session's lock, then what the decision needs, sent together: the server runs them in
    // order, so the counts are read once the lock is held, without a round trip in between.
    let shared: &AsyncPgConnection = conn;
    let (session, existing, taken, position) = futures_util::try_join!(
        session_store::lock(shared, session_id),
        store::live_of(shared, session_id, person),
        store::taken(shared, session_id, organization),
        store::next_position(shared),
    )?;
    let session = session.ok_or_else(|| not_found("session"))?;
    if session.state == "cancelled" {
        return Err(Rule::SessionCancelled.conflict("the session is cancelled"));
    }
    let today = today();
    if today < session.registration_opens_on || today > session.registration_closes_on {
        return Err(Rule::RegistrationClosed.conflict(format!(
            "registration is open from {} to {}",
            session.registration_opens_on, session.registration_closes_on
        )));
    }
    if let Some(existing) = existing {
        return Err(Rule::AlreadyRegistered.conflict(format!(
            "registration {} is {}",
            existing.id, existing.state
        )));
    }
    // Staff registering themselves for a session that requires it wait for their leader;
    // their organisation, the organisers and the coordination register without.
    let needs_approval = session.requires_approval && principal.subject == person.to_string();
    let (state, reason) = if needs_approval {
        (
            "pending_approval",
            Some("awaiting the approval of the organisation's leader"),
        )
    } else {
        match decide(&session.seat_rules(), &taken, kind_of(kind), today) {
            Ok(()) => ("confirmed", None),
            Err(wait) => ("waitlisted", Some(wait.reason())),
        }
    };
    let new = NewRegistration {
        id: Uuid::now_v7(),
        session_id,
        person_id: person,
        organization_id: organization,
        organization_kind: kind,
        state,
        waitlist_position: (state != "confirmed").then_some(position),
        reason,
        registered_by: &principal.subject,
    };
    // The registration and its event, pipelined: the event is made from what is written.
    let now = Utc::now();
    let expected = RegistrationRow {
        id: new.id,
        session_id,
        person_id: person,
        organization_id: organization,
        organization_kind: kind.clone(),
        state: state.to_string(),
        waitlist_position: new.waitlist_position,
        offered_until: None,
        reason: reason.map(str::to_string),
        registered_by: principal.subject.clone(),
        cancelled_late: false,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let shared: &AsyncPgConnection = conn;
    let (row, ()) = futures_util::try_join!(
        store::insert(shared, &new),
        events::registration_changed(shared, &expected, session.course_id),
    )?;
    Ok(row)
}

/// The registration, its session locked, after the caller's rights and version are checked.
async fn lock_registration(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<(SessionRow, RegistrationRow)> {
    let peek = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    super::require_act_for(conn, principal, peek.person_id, peek.organization_id).await?;
    let session = session_store::lock(conn, peek.session_id)
        .await?
        .ok_or_else(|| not_found("session"))?;
    let current = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    if_match.check(current.version)?;
    if !["pending_approval", "confirmed", "waitlisted", "offered"].contains(&current.state.as_str())
    {
        return Err(
            Rule::RegistrationEnded.conflict(format!("the registration is {}", current.state))
        );
    }
    Ok((session, current))
}

/// Cancels a registration (`training.registration.cancelled.v1`); a seat it held is offered
/// to the next eligible person on the waiting list.
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    reason: Option<&str>,
) -> ApiResult<RegistrationRow> {
    let (session, current) = lock_registration(conn, principal, id, if_match).await?;
    let late = today() > session.cancellation_deadline;
    if late && !access::acts_for_everyone(principal) {
        return Err(Rule::CancellationDeadlinePassed.conflict(format!(
            "participants cancel until {}; after it the organisers do",
            session.cancellation_deadline
        )));
    }
    let mut row = store::set_state(conn, id, "cancelled", None, reason).await?;
    if late {
        row = store::mark_late(conn, id).await?;
    }
    events::registration_changed(conn, &row, session.course_id).await?;
    if ["confirmed", "offered"].contains(&current.state.as_str()) && session.state != "cancelled" {
        offer_next(conn, &session).await?;
    }
    Ok(row)
}

/// Accepts an offered seat before the offer expires (`training.registration.confirmed.v1`).
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn accept(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<RegistrationRow> {
    let (session, current) = lock_registration(conn, principal, id, if_match).await?;
    if current.state != "offered" {
        return Err(Rule::NotOffered.conflict(format!("the registration is {}", current.state)));
    }
    if current
        .offered_until
        .is_some_and(|until| until <= Utc::now())
    {
        return Err(Rule::OfferExpired.conflict("the offer has expired"));
    }
    let row = store::set_state(conn, id, "confirmed", None, None).await?;
    events::registration_changed(conn, &row, session.course_id).await?;
    Ok(row)
}

/// Approves a registration that waits for the leader: it gets a seat when one is free for the
/// person, else waits in the list at the place it took when registered
/// (`training.registration.confirmed.v1` or `…waitlisted.v1`).
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn approve(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<RegistrationRow> {
    let (session, current) = lock_pending(conn, principal, id, if_match).await?;
    let taken = store::taken(conn, session.id, current.organization_id).await?;
    let row = match decide(
        &session.seat_rules(),
        &taken,
        kind_of(&current.organization_kind),
        today(),
    ) {
        Ok(()) => store::set_state(conn, id, "confirmed", None, None).await?,
        Err(wait) => store::set_state(conn, id, "waitlisted", None, Some(wait.reason())).await?,
    };
    store::set_approved_by(conn, id, &principal.subject).await?;
    events::registration_changed(conn, &row, session.course_id).await?;
    Ok(row)
}

/// Rejects a registration that waits for the leader (`training.registration.cancelled.v1`).
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn reject(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    reason: &str,
) -> ApiResult<RegistrationRow> {
    let (session, _) = lock_pending(conn, principal, id, if_match).await?;
    let row = store::set_state(conn, id, "cancelled", None, Some(reason)).await?;
    events::registration_changed(conn, &row, session.course_id).await?;
    Ok(row)
}

/// A registration waiting for approval, its session locked, after the approver's rights
/// (the organisation's leader, its software, the organisers, the coordination; never the
/// person themselves) and the version are checked.
async fn lock_pending(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<(SessionRow, RegistrationRow)> {
    let peek = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    let leader = match principal.subject.parse::<Uuid>() {
        Ok(subject) if subject != peek.person_id => {
            crate::store::needs::holds_function(
                conn,
                subject,
                peek.organization_id,
                &["leader"],
                today(),
            )
            .await?
        }
        _ => false,
    };
    let approver = access::acts_for_everyone(principal)
        || (principal.has_role(qmf_platform::Role::Service)
            && principal.belongs_to(peek.organization_id))
        || (leader && principal.belongs_to(peek.organization_id));
    if !approver {
        return Err(qmf_platform::ApiError::Forbidden(
            "approved by the organisation's leader, its software, the organisers or the coordination"
                .into(),
        ));
    }
    let session = session_store::lock(conn, peek.session_id)
        .await?
        .ok_or_else(|| not_found("session"))?;
    let current = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    if_match.check(current.version)?;
    if current.state != "pending_approval" {
        return Err(
            Rule::NotPendingApproval.conflict(format!("the registration is {}", current.state))
        );
    }
    Ok((session, current))
}

/// Offers a free seat to a waiting person out of the list's order and its quotas: the
/// organisers' decision (`training.registration.offered.v1`). Never more seats than the
/// session has.
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn offer_manually(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<RegistrationRow> {
    access::require_organiser(principal)?;
    let (session, current) = lock_registration(conn, principal, id, if_match).await?;
    if current.state != "waitlisted" {
        return Err(Rule::NotWaitlisted.conflict(format!("the registration is {}", current.state)));
    }
    if session.state == "cancelled" {
        return Err(Rule::SessionCancelled.conflict("the session is cancelled"));
    }
    let taken = store::taken(conn, session.id, current.organization_id).await?;
    if taken.total >= i64::from(session.capacity) {
        return Err(Rule::NoFreeSeat.conflict("every seat is confirmed or offered"));
    }
    let until = Utc::now() + Duration::hours(i64::from(session.offer_hours));
    let row = store::set_state(conn, id, "offered", Some(until), None).await?;
    events::registration_changed(conn, &row, session.course_id).await?;
    Ok(row)
}

/// Moves a waiting registration in the waiting list: before another waiting registration of
/// the session, or to its end. The organisers. Publishes `training.registration.waitlisted.v1`
/// for the moved registration with its new position.
#[tracing::instrument(skip_all, fields(registration_id = %id))]
pub async fn move_in_waiting_list(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
    before: Option<Uuid>,
) -> ApiResult<RegistrationRow> {
    access::require_organiser(principal)?;
    let (session, current) = lock_registration(conn, principal, id, if_match).await?;
    if current.state != "waitlisted" {
        return Err(Rule::NotWaitlisted.conflict(format!("the registration is {}", current.state)));
    }
    let waiting = store::waiting(conn, session.id).await?;
    let positions: Vec<i64> = waiting.iter().filter_map(|r| r.waitlist_position).collect();
    let mut order: Vec<Uuid> = waiting.iter().map(|r| r.id).filter(|r| *r != id).collect();
    let at = match before {
        None => order.len(),
        Some(other) => order.iter().position(|r| *r == other).ok_or_else(|| {
            Rule::NotWaitlisted.conflict(format!(
                "{other} is no other waiting registration of the session"
            ))
        })?,
    };
    order.insert(at, id);
    // The same positions, handed out in the new order: the list stays gapless as before.
    let mut moved = None;
    for (registration, position) in order.iter().zip(positions) {
        let before = waiting.iter().find(|r| r.id == *registration);
        if before.and_then(|r| r.waitlist_position) != Some(position) {
            let row = store::set_position(conn, *registration, position).await?;
            if *registration == id {
                moved = Some(row);
            }
        }
    }
    let row = match moved {
        Some(row) => row,
        None => current,
    };
    events::registration_changed(conn, &row, session.course_id).await?;
    Ok(row)
}

/// Offers the free seats of a (locked) session to the waiting list in its order, skipping
/// those who may not have one of them yet (reservation, organisation limit); each offer holds
/// the seat for the session's offer time (`training.registration.offered.v1`). Nothing is
/// offered once the session has begun.
pub async fn offer_next(conn: &mut AsyncPgConnection, session: &SessionRow) -> ApiResult<usize> {
    let today = today();
    if session.days.first().is_some_and(|first| today >= *first) {
        return Ok(0);
    }
    let until = Utc::now() + Duration::hours(i64::from(session.offer_hours));
    let mut offered = 0;
    for candidate in store::waiting(conn, session.id).await? {
        let taken = store::taken(conn, session.id, candidate.organization_id).await?;
        match decide(
            &session.seat_rules(),
            &taken,
            kind_of(&candidate.organization_kind),
            today,
        ) {
            Ok(()) => {
                let row =
                    store::set_state(conn, candidate.id, "offered", Some(until), None).await?;
                events::registration_changed(conn, &row, session.course_id).await?;
                offered += 1;
            }
            Err(crate::domain::seats::Wait::Full) => break,
            Err(_) => continue,
        }
    }
    Ok(offered)
}

/// Ends every live registration of a (locked) session; returns how many.
pub async fn end_all(
    conn: &mut AsyncPgConnection,
    session: &SessionRow,
    reason: &str,
) -> ApiResult<usize> {
    let live = store::live_of_session(conn, session.id).await?;
    for registration in &live {
        let row = store::set_state(conn, registration.id, "cancelled", None, Some(reason)).await?;
        events::registration_changed(conn, &row, session.course_id).await?;
    }
    Ok(live.len())
}

/// Lets expired offers go (`training.registration.offer_expired.v1`) and offers their seats
/// on, one session per transaction; returns how many offers expired.
#[tracing::instrument(skip_all)]
pub async fn expire_offers(pool: &DbPool) -> ApiResult<usize> {
    let mut conn = pool.get().await?;
    let now = Utc::now();
    let sessions = store::sessions_with_expired_offers(&mut conn, now).await?;
    let mut expired = 0;
    for session_id in sessions {
        expired += conn
            .transaction::<_, ApiError, _>(async |conn| {
                let Some(session) = session_store::lock(conn, session_id).await? else {
                    return Ok(0);
                };
                let offers = store::expired_offers(conn, session_id, now).await?;
                for offer in &offers {
                    let row = store::set_state(
                        conn,
                        offer.id,
                        "expired",
                        None,
                        Some("the offer was not accepted in time"),
                    )
                    .await?;
                    events::registration_changed(conn, &row, session.course_id).await?;
                }
                if session.state != "cancelled" {
                    offer_next(conn, &session).await?;
                }
                Ok(offers.len())
            })
            .await?;
    }
    Ok(expired)
}
