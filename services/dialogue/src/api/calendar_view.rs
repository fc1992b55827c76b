//! The cycle calendar for a screen, in one request: dialogues, blackout days and school
//! holidays of a range.

use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Principal, Reply};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::app;
use crate::domain::dialogues::DialogueState;
use crate::domain::hosts::DayFlag;

/// A dialogue as a calendar shows it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarDialogue {
    pub id: Uuid,
    pub date: NaiveDate,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub state: DialogueState,
    pub host_organization_id: Uuid,
    pub host_name: String,
    pub place: Option<String>,
    /// Guests who did not decline.
    pub guests: i64,
    /// Why the coordination must decide about it, if so.
    pub flagged: Option<String>,
}

/// A blackout day of the range.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarBlackout {
    pub date: NaiveDate,
    pub blocked: bool,
    pub reasons: Vec<DayFlag>,
}

/// School holidays touching the range.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CalendarHoliday {
    pub name: String,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

/// Everything a calendar screen of a cycle shows.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CycleCalendar {
    pub cycle_id: Uuid,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Dialogues with a date in the range (cancelled ones included, marked), by date.
    pub dialogues: Vec<CalendarDialogue>,
    pub blackout_days: Vec<CalendarBlackout>,
    pub school_holidays: Vec<CalendarHoliday>,
    /// Hosts still without a date in the whole cycle.
    pub unscheduled: i64,
}

/// The range of a calendar screen.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    pub from: NaiveDate,
    /// Included; at most 400 days after `from`.
    pub to: NaiveDate,
}

/// Read a cycle's calendar for a range (a month, a quarter, a year).
///
/// Every authenticated caller. The dialogues with a date in the range, the blackout days
/// (public holidays, Forum meetings, school holidays) and the school holidays themselves, and
/// how many hosts are still without a date: one request per screen.
#[utoipa::path(
    tag = "cycles",
    operation_id = "get_cycle_calendar",
    params(("id" = Uuid, Path, description = "Cycle id"), CalendarQuery),
    responses(
        (status = 200, description = "The calendar of the range.", body = CycleCalendar),
        (status = 404, description = "No such cycle.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "`to` before `from`, or more than 400 days.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/cycles/{id}/calendar")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<CalendarQuery>,
) -> ApiResult<Reply> {
    let (from, to) = (query.from, query.to);
    if to < from || (to - from).num_days() > 400 {
        return Err(ApiError::validation(
            "/query/to",
            "must be on or after from, at most 400 days later",
        ));
    }
    let mut conn = pool.get().await?;
    let (rows, blackouts, school) = app::calendar::cycle_calendar(&mut conn, *id, from, to).await?;
    let unscheduled = match rows.first() {
        Some(row) => row.unscheduled,
        None => crate::store::dialogues::count_in_state(&mut conn, *id, "unscheduled").await?,
    };
    let dialogues = rows
        .into_iter()
        .map(|r| {
            DialogueState::parse(&r.state).map(|state| CalendarDialogue {
                id: r.id,
                date: r.day,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                state,
                host_organization_id: r.host_organization_id,
                host_name: r.host_name,
                place: r.place,
                guests: r.guests,
                flagged: r.flagged,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let blackout_days = blackouts
        .into_iter()
        .map(|(date, reasons)| CalendarBlackout {
            date,
            blocked: reasons.iter().any(DayFlag::blocks),
            reasons,
        })
        .collect();
    let holidays = school
        .into_iter()
        .map(|h| CalendarHoliday {
            name: h.name,
            start_on: h.start_on,
            end_on: h.end_on,
        })
        .collect();
    Ok(Reply::ok(&CycleCalendar {
        cycle_id: *id,
        from,
        to,
        dialogues,
        blackout_days,
        school_holidays: holidays,
        unscheduled,
    }))
}
