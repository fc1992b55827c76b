//! Recording attendance per session day, and completion by the course's rule.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use diesel_async::AsyncPgConnection;
use qmf_contracts::training::{AttendanceRecordedV1, CompletionV1};
use qmf_platform::{ApiError, ApiResult, Principal, RuleName, not_found};
use uuid::Uuid;

use super::today;
use crate::domain::access;
use crate::domain::attendance::{Status, completed};
use crate::domain::courses::CompletionRule;
use crate::domain::rules::Rule;
use crate::events;
use crate::store::attendance::{self as store, AttendanceRow};
use crate::store::courses as course_store;
use crate::store::registrations::{self as registration_store, RegistrationRow};
use crate::store::sessions::{self as session_store, SessionRow};

/// What a recording changed.
pub struct Recorded {
    pub rows: Vec<AttendanceRow>,
    pub changed: usize,
}

/// Records the statuses of confirmed participants on one day of a session, on or after the
/// day. A status that does not change is left alone, so a repeated upload changes nothing and
/// publishes nothing; each change is kept in the history. Completions follow: achieved when
/// the course's rule is met, withdrawn when a correction breaks it.
#[tracing::instrument(skip_all, fields(session_id = %session_id, day = %day))]
pub async fn record(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    session_id: Uuid,
    day: NaiveDate,
    entries: &[(Uuid, Status)],
) -> ApiResult<Recorded> {
    access::require_organiser(principal)?;
    let session = session_store::lock(conn, session_id)
        .await?
        .ok_or_else(|| not_found("session"))?;
    if session.state == "cancelled" {
        return Err(Rule::SessionCancelled.conflict("the session is cancelled"));
    }
    if !session.days.contains(&day) {
        return Err(Rule::DayNotInSession.conflict(format!("{day} is not a day of the session")));
    }
    if day > today() {
        return Err(Rule::AttendanceBeforeTheDay.conflict(format!(
            "attendance of {day} is recorded on or after that day"
        )));
    }
    let course = course_store::find(conn, session.course_id)
        .await?
        .ok_or_else(|| not_found("course"))?;
    let rule = completion_rule(&course.completion_rule)?;
    let mut registrations = Vec::new();
    let mut strangers = Vec::new();
    for (id, status) in entries {
        match registration_store::find(conn, *id).await? {
            Some(r) if r.session_id == session_id && r.state == "confirmed" => {
                registrations.push((r, *status));
            }
            _ => strangers.push(id.to_string()),
        }
    }
    if !strangers.is_empty() {
        return Err(Rule::NotAParticipant.conflict(format!(
            "not confirmed participants of the session: {}",
            strangers.join(", ")
        )));
    }
    let mut changed = BTreeSet::new();
    for (registration, status) in &registrations {
        if store::set(
            conn,
            session_id,
            registration.id,
            registration.person_id,
            day,
            status.code(),
            &principal.subject,
        )
        .await?
        {
            changed.insert(registration.id);
        }
    }
    let rows = store::of_session(conn, session_id, Some(day)).await?;
    if !changed.is_empty() {
        let count = |s: Status| rows.iter().filter(|r| r.status == s.code()).count() as i64;
        events::attendance_recorded(
            conn,
            AttendanceRecordedV1 {
                session_id,
                day,
                changed: changed.len() as i64,
                present: count(Status::Present),
                late: count(Status::Late),
                excused: count(Status::Excused),
                absent: count(Status::Absent),
            },
        )
        .await?;
    }
    for (registration, _) in registrations
        .iter()
        .filter(|(r, _)| changed.contains(&r.id))
    {
        settle_completion(conn, principal, &session, rule, registration).await?;
    }
    Ok(Recorded {
        rows,
        changed: changed.len(),
    })
}

/// Gives or takes back the completion of a registration by the course's rule, with its
/// events and certificate, after its attendance or make-ups changed.
async fn settle_completion(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    session: &SessionRow,
    rule: CompletionRule,
    registration: &RegistrationRow,
) -> ApiResult<()> {
    let statuses: BTreeMap<NaiveDate, Status> = store::of_registration(conn, registration.id)
        .await?
        .iter()
        .filter_map(|r| Status::parse(&r.status).map(|s| (r.day, s)))
        .collect();
    let made_up: BTreeSet<NaiveDate> = store::make_ups_of(conn, registration.id)
        .await?
        .iter()
        .map(|m| m.day)
        .collect();
    let last_day = session.last_day();
    let data = CompletionV1 {
        registration_id: registration.id,
        session_id: session.id,
        course_id: session.course_id,
        person_id: registration.person_id,
        organization_id: registration.organization_id,
        completed_on: last_day,
    };
    if completed(rule, &session.days, &statuses, &made_up) {
        if store::complete(
            conn,
            registration.id,
            registration.person_id,
            registration.organization_id,
            session.course_id,
            session.id,
            last_day,
        )
        .await?
        {
            events::completion(conn, data, true).await?;
            super::certificates::issue_for(conn, registration.id).await?;
        }
    } else if store::withdraw(conn, registration.id).await? {
        events::completion(conn, data, false).await?;
        super::certificates::revoke_for_withdrawal(conn, registration.id, &principal.subject)
            .await?;
    }
    Ok(())
}

fn completion_rule(code: &str) -> ApiResult<CompletionRule> {
    serde_json::from_value(serde_json::Value::String(code.to_string())).map_err(ApiError::internal)
}

/// Records that a participant made up an excused day (on `made_up_on`, e.g. in another
/// session), for courses completed by attendance or excused parts made up; the completion
/// follows. The organisers. A repeated recording changes nothing.
#[tracing::instrument(skip_all, fields(registration_id = %registration_id, day = %day))]
pub async fn record_make_up(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    registration_id: Uuid,
    day: NaiveDate,
    made_up_on: NaiveDate,
    note: &str,
) -> ApiResult<store::MakeUpRow> {
    access::require_organiser(principal)?;
    let registration = registration_store::find(conn, registration_id)
        .await?
        .ok_or_else(|| not_found("registration"))?;
    let session = session_store::lock(conn, registration.session_id)
        .await?
        .ok_or_else(|| not_found("session"))?;
    let course = course_store::find(conn, session.course_id)
        .await?
        .ok_or_else(|| not_found("course"))?;
    let rule = completion_rule(&course.completion_rule)?;
    if rule != CompletionRule::AttendedOrExcusedWithMakeUp {
        return Err(Rule::MakeUpNotAllowed.conflict(
            "the course is completed by attending every part; excused parts are not made up",
        ));
    }
    if registration.state != "confirmed" {
        return Err(Rule::NotAParticipant.conflict("the registration is not confirmed"));
    }
    let excused = store::of_registration(conn, registration_id)
        .await?
        .iter()
        .any(|r| r.day == day && r.status == Status::Excused.code());
    if !excused {
        return Err(Rule::DayNotExcused.conflict(format!(
            "{day} is not recorded as excused for this registration"
        )));
    }
    if made_up_on > today() {
        return Err(Rule::MakeUpInTheFuture.conflict("a make-up is recorded once it took place"));
    }
    let (row, changed) = store::set_make_up(
        conn,
        registration_id,
        day,
        made_up_on,
        note,
        &principal.subject,
    )
    .await?;
    if changed {
        settle_completion(conn, principal, &session, rule, &registration).await?;
    }
    Ok(row)
}

/// A person's training record: who may read it is who may register for them.
pub async fn record_of(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    person: Uuid,
) -> ApiResult<(Vec<store::CompletionRow>, Vec<store::NoShowRow>)> {
    let (organization, _) = super::registrations::staff_of_office_or_institution(conn, person)
        .await?
        .ok_or_else(|| not_found("person"))?;
    super::require_act_for(conn, principal, person, organization).await?;
    Ok((
        store::record_of(conn, person).await?,
        store::no_shows_of(conn, person).await?,
    ))
}
