//! Dialogues: reading them, scheduling by hand, guests, cancelling.

use actix_web::{get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{
    ApiError, ApiResult, DbPool, IfMatch, Json, Page, Paged, Principal, Reply, Write,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::dialogues::{DialogueState, ScheduleInput};
use crate::store::dialogues::{DialogueFilter, DialogueRow, HistoryRow};

/// A guest and their answer to the invitation (`listed` until invitations go out).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct GuestView {
    pub person_id: Uuid,
    pub organization_id: Uuid,
    /// `listed`, `invited`, `accepted` or `declined`.
    pub response: String,
}

/// The host of a dialogue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DialogueHost {
    pub host_id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    /// `youth_office` or `institution`.
    pub kind: String,
}

/// A quality dialogue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938102-0000-7000-8000-000000000003", "cycle_id": "01938100-0000-7000-8000-000000000001",
    "host": {"host_id": "01938101-0000-7000-8000-000000000002", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f",
        "name": "Kinder- und Jugendhilfe Öhringen", "kind": "institution"},
    "state": "scheduled", "date": "2027-05-12", "starts_at": "2027-05-12T07:00:00Z", "ends_at": "2027-05-12T11:30:00Z",
    "place": "Seminarraum", "flagged": null, "representatives": ["01936f40-0000-7000-8000-000000000001"],
    "guests": [{"person_id": "01936f40-0000-7000-8000-000000000011", "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60", "response": "listed"}],
    "version": 2, "updated_at": "2026-12-04T10:00:00Z"}))]
pub struct Dialogue {
    pub id: Uuid,
    pub cycle_id: Uuid,
    pub host: DialogueHost,
    pub state: DialogueState,
    /// The regional day (Europe/Berlin); kept when a dialogue is cancelled.
    pub date: Option<NaiveDate>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub place: Option<String>,
    /// Why the coordination must decide about it (its host left the cycle after it was
    /// scheduled: `agreement_ended`, `organization_deactivated`).
    pub flagged: Option<String>,
    /// The host's representatives, who attend too.
    pub representatives: Vec<Uuid>,
    pub guests: Vec<GuestView>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn view(row: DialogueRow) -> ApiResult<Dialogue> {
    let guests = app::dialogues::guests_of(&row)
        .into_iter()
        .map(|(person_id, organization_id, response)| GuestView {
            person_id,
            organization_id,
            response,
        })
        .collect();
    Ok(Dialogue {
        state: DialogueState::parse(&row.state)?,
        id: row.id,
        cycle_id: row.cycle_id,
        host: DialogueHost {
            host_id: row.host_id,
            organization_id: row.host_organization_id,
            name: row.host_name,
            kind: row.host_kind,
        },
        date: row.day,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        place: row.place,
        flagged: row.flagged,
        representatives: row.representatives,
        guests,
        version: row.version,
        updated_at: row.updated_at,
    })
}

pub(crate) fn reply(row: DialogueRow) -> ApiResult<Reply> {
    let version = row.version;
    Ok(Reply::ok_with_etag(&view(row)?, version))
}

/// Filters of a cycle's dialogue list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DialogueListQuery {
    #[param(inline)]
    pub state: Option<DialogueState>,
    /// Only dialogues on or after this day.
    pub from: Option<NaiveDate>,
    /// Only dialogues on or before this day.
    pub to: Option<NaiveDate>,
}

/// List a cycle's dialogues in the order their hosts joined. Every authenticated caller.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "list_dialogues",
    params(("id" = Uuid, Path, description = "Cycle id"), DialogueListQuery, qmf_platform::PageParams),
    responses(
        (status = 200, description = "One page of dialogues.", body = Page<Dialogue>),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}/dialogues")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: Paged<DialogueListQuery>,
) -> ApiResult<Reply> {
    let after: Option<Uuid> = query.after()?;
    let filter = DialogueFilter {
        state: query.filter.state.map(|s| s.code().to_string()),
        from: query.filter.from,
        to: query.filter.to,
    };
    let mut conn = pool.get().await?;
    app::cycles::find(&mut conn, *id).await?;
    let rows = crate::store::dialogues::list(&mut conn, *id, &filter, after, query.limit).await?;
    let page = query.page(rows, |row| row.id);
    Ok(Reply::ok(&page.try_map(view)?))
}

/// Read a dialogue. Every authenticated caller.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "get_dialogue",
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 200, description = "The dialogue.", body = Dialogue, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/dialogues/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    reply(app::dialogues::get(&mut conn, *id).await?)
}

const PLANNING_CONFLICTS: &str = "Rules of one dialogue, each listed in `violations` with the people, organisations and days concerned: `date_not_candidate`, `date_outside_cycle`, `date_weekend`, `date_public_holiday`, `date_forum`, `date_before_report`, `day_overload`, `week_overload`, `host_rep_unavailable`, `host_rep_double_booked`, `guest_unknown`, `guest_unavailable`, `guest_double_booked`, `guest_from_host_org`, `guest_same_org`, `org_count`, `no_youth_office`, `too_few_institutions`, `room_capacity`, `guest_year_overload`, `no_representatives`; or one of `dialogue_already_held`, `guests_fixed_after_invitations`, `host_withdrawn`, `cycle_closed`.";

/// Schedule or reschedule a dialogue by hand.
///
/// The coordination, or staff of the host's organisation. Sets date, time, place and the whole
/// guest list of an `unscheduled` or `scheduled` dialogue. Checks every hard rule of one
/// dialogue (a date the host proposed, in the cycle, a weekday that is no public holiday or
/// Forum day, late enough after the quality report; at most one dialogue a day and two an ISO
/// week in the region; representatives and guests available and not booked elsewhere that
/// day; guests of other organisations, one per organisation; 4 to 7 organisations with a
/// youth office and two institutions; the room; each guest's yearly limit) and answers 409
/// naming every broken rule. Publishes `dialogue.dialogue.scheduled.v1`, or
/// `dialogue.dialogue.rescheduled.v1` with the previous day and the reason.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "schedule_dialogue",
    request_body = ScheduleInput,
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the dialogue")),
    responses(
        (status = 200, description = "Scheduled.", body = Dialogue, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = PLANNING_CONFLICTS, body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The dialogue changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid times, place or guest list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/schedule")]
pub async fn schedule(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<ScheduleInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let draft = body
        .into_inner()?
        .validate()
        .map_err(ApiError::Validation)?;
    write
        .run(async move |conn| {
            reply(app::dialogues::schedule(conn, &principal, *id, &if_match, &draft).await?)
        })
        .await
}

/// The whole new guest list.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"guests": ["01936f40-0000-7000-8000-000000000011", "01936f40-0000-7000-8000-000000000012", "01936f40-0000-7000-8000-000000000013"]}))]
pub struct GuestsInput {
    pub guests: Vec<Uuid>,
}

/// Change the guests of a scheduled dialogue.
///
/// The coordination, or staff of the host's organisation. Replaces the whole guest list and
/// checks the same rules as scheduling. Publishes `dialogue.dialogue.guests_changed.v1`.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "change_dialogue_guests",
    request_body = GuestsInput,
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the dialogue")),
    responses(
        (status = 200, description = "Changed.", body = Dialogue, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = PLANNING_CONFLICTS, body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The dialogue changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A person listed twice, or too many.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/dialogues/{id}/guests")]
pub async fn change_guests(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<GuestsInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let guests = body.into_inner()?.guests;
    let mut distinct = guests.clone();
    distinct.sort();
    distinct.dedup();
    if distinct.len() != guests.len() {
        return Err(ApiError::validation("/guests", "names a person twice"));
    }
    if guests.len() > crate::domain::dialogues::MAX_GUESTS {
        return Err(ApiError::validation("/guests", "too many guests"));
    }
    write
        .run(async move |conn| {
            reply(app::dialogues::change_guests(conn, &principal, *id, &if_match, &guests).await?)
        })
        .await
}

/// Why a dialogue is called off.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"reason": "Raum nicht verfügbar"}))]
pub struct CancelInput {
    /// 1 to 500 characters.
    #[schema(min_length = 1, max_length = 500)]
    pub reason: String,
}

/// Cancel a dialogue.
///
/// The coordination, or staff of the host's organisation. An unscheduled, scheduled or
/// invited dialogue is called off; its day is free again. Publishes
/// `dialogue.dialogue.cancelled.v1`.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "cancel_dialogue",
    request_body = CancelInput,
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the dialogue")),
    responses(
        (status = 200, description = "Cancelled.", body = Dialogue, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `dialogue_is_final` or `cycle_closed`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The dialogue changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "No reason given.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/cancel")]
pub async fn cancel(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<CancelInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let reason = body.into_inner()?.reason.trim().to_string();
    if !(1..=500).contains(&reason.chars().count()) {
        return Err(ApiError::validation(
            "/reason",
            "must have 1 to 500 characters",
        ));
    }
    write
        .run(async move |conn| {
            reply(app::dialogues::cancel(conn, &principal, *id, &if_match, &reason).await?)
        })
        .await
}

/// One step in a dialogue's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct HistoryStep {
    /// `schedule`, `reschedule`, `change_guests` or `cancel`.
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub date_before: Option<NaiveDate>,
    pub date_after: Option<NaiveDate>,
    pub reason: Option<String>,
    /// Subject of the caller's token.
    pub actor: String,
    pub at: DateTime<Utc>,
}

/// A dialogue's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DialogueHistory {
    pub items: Vec<HistoryStep>,
}

fn step(row: HistoryRow) -> HistoryStep {
    HistoryStep {
        action: row.action,
        from_state: row.from_state,
        to_state: row.to_state,
        date_before: row.day_before,
        date_after: row.day_after,
        reason: row.reason,
        actor: row.actor,
        at: row.at,
    }
}

/// Read a dialogue's history: every scheduling, rescheduling, change of guests and
/// cancellation, oldest first. The coordination and the host's own staff.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "get_dialogue_history",
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 200, description = "The history.", body = DialogueHistory),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/dialogues/{id}/history")]
pub async fn history(
    principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let dialogue = app::dialogues::get(&mut conn, *id).await?;
    access::require_host_editor(&principal, dialogue.host_organization_id)?;
    let rows = crate::store::dialogues::history(&mut conn, *id).await?;
    Ok(Reply::ok(&DialogueHistory {
        items: rows.into_iter().map(step).collect(),
    }))
}
