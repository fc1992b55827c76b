//! The region's calendar: school holidays imported by the coordination, and blackout days.

use actix_web::http::header;
use actix_web::{HttpRequest, get, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app;
use crate::domain::access;
use crate::domain::hosts::DayFlag;
use crate::domain::school_holidays::ImportFormat;
use crate::store::calendar::{SchoolHolidayRow, school_holidays};

/// School holidays as imported.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"school_year": "2026-27", "name": "Herbstferien", "start_on": "2026-10-26", "end_on": "2026-10-30",
    "imported_at": "2026-12-04T10:00:00Z"}))]
pub struct SchoolHolidayView {
    pub school_year: String,
    pub name: String,
    pub start_on: NaiveDate,
    /// Included.
    pub end_on: NaiveDate,
    pub imported_at: DateTime<Utc>,
}

fn view(row: SchoolHolidayRow) -> SchoolHolidayView {
    SchoolHolidayView {
        school_year: row.school_year,
        name: row.name,
        start_on: row.start_on,
        end_on: row.end_on,
        imported_at: row.imported_at,
    }
}

/// The school holidays of one school year, as stored.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SchoolYearHolidays {
    pub school_year: String,
    pub holidays: Vec<SchoolHolidayView>,
}

/// Import the school holidays of a school year.
///
/// The coordination. Send the file the ministry (or a holiday calendar) publishes, as
/// `text/csv` (a header row naming `name`, `start`, `end` or the German `Bezeichnung`,
/// `Beginn`, `Ende`; `,` or `;`; dates `YYYY-MM-DD` or `DD.MM.YYYY`, end included) or as
/// `text/calendar` (one all-day event per holiday; `DTEND` exclusive as RFC 5545 says).
/// Replaces what was imported for that school year before. Every problem of the file is
/// named with its line (`/body/line/N`).
#[utoipa::path(
    tag = "calendar",
    operation_id = "import_school_holidays",
    params(("school_year" = String, Path, description = "School year, e.g. `2026-27`")),
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row, or an iCalendar file (text/calendar)",
        example = "name,start,end\nHerbstferien,2026-10-26,2026-10-30\nWeihnachtsferien,2026-12-23,2027-01-09\n"),
    responses(
        (status = 200, description = "Imported.", body = SchoolYearHolidays),
        (status = 403, description = "Only the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 415, description = "Neither text/csv nor text/calendar.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file has problems (each named by line), or a holiday lies outside the school year.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[put("/v1/school-holidays/{school_year}")]
pub async fn import_school_holidays(
    principal: Principal,
    write: Write,
    req: HttpRequest,
    school_year: web::Path<String>,
    body: web::Bytes,
) -> ApiResult<Reply> {
    access::require_coordination(&principal)?;
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let format = match content_type.as_str() {
        "text/csv" => ImportFormat::Csv,
        "text/calendar" => ImportFormat::ICalendar,
        _ => {
            return Err(ApiError::UnsupportedMediaType(
                "send text/csv or text/calendar".into(),
            ));
        }
    };
    let text = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::validation("/body", "must be UTF-8 text"))?;
    let school_year = school_year.into_inner();
    app::calendar::school_year_bounds(&school_year)?;
    write
        .run(async move |conn| {
            let rows =
                app::calendar::import_school_year(conn, &principal, &school_year, format, &text)
                    .await?;
            Ok(Reply::ok(&SchoolYearHolidays {
                school_year,
                holidays: rows.into_iter().map(view).collect(),
            }))
        })
        .await
}

/// Filters of the school holiday list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SchoolHolidayQuery {
    /// Only holidays ending on or after this day.
    pub from: Option<NaiveDate>,
    /// Only holidays starting on or before this day.
    pub to: Option<NaiveDate>,
}

/// The imported school holidays, by start.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SchoolHolidayList {
    pub items: Vec<SchoolHolidayView>,
}

/// List the imported school holidays. Every authenticated caller. Not paged: a school year has
/// about six holidays.
#[utoipa::path(
    tag = "calendar",
    operation_id = "list_school_holidays",
    params(SchoolHolidayQuery),
    responses((status = 200, description = "The holidays.", body = SchoolHolidayList))
)]
#[get("/v1/school-holidays")]
pub async fn list_school_holidays(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<SchoolHolidayQuery>,
) -> ApiResult<Reply> {
    let conn = pool.get().await?;
    let rows = school_holidays(&conn, query.from, query.to).await?;
    Ok(Reply::ok(&SchoolHolidayList {
        items: rows.into_iter().map(view).collect(),
    }))
}

/// The range of the blackout list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BlackoutQuery {
    pub from: NaiveDate,
    /// Included; at most about three years after `from`.
    pub to: NaiveDate,
}

/// A weekday with reasons against a dialogue.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct BlackoutDay {
    pub date: NaiveDate,
    /// Whether a dialogue is ruled out (`false`: only school holidays, to be avoided).
    pub blocked: bool,
    pub reasons: Vec<DayFlag>,
}

/// The blackout days of a range.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"items": [
    {"date": "2027-05-06", "blocked": true, "reasons": [{"kind": "public_holiday", "name": "Christi Himmelfahrt"}]},
    {"date": "2027-05-19", "blocked": true, "reasons": [{"kind": "forum_meeting", "meeting_id": "01937c00-0000-7000-8000-000000000003", "title": "Forum Jugendhilfe, Frühjahrssitzung"}, {"kind": "school_holiday", "name": "Pfingstferien"}]}]}))]
pub struct BlackoutList {
    pub items: Vec<BlackoutDay>,
}

/// List the blackout days of a range.
///
/// Every authenticated caller. Weekdays on which the region holds no dialogue (Baden-Württemberg
/// public holidays, Forum meetings) or would rather not (school holidays), each with its
/// reasons. Weekends are never dialogue days and are left out.
#[utoipa::path(
    tag = "calendar",
    operation_id = "list_blackout_days",
    params(BlackoutQuery),
    responses(
        (status = 200, description = "The days, in order.", body = BlackoutList),
        (status = 422, description = "`to` before `from`, or the range too long.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/blackout-days")]
pub async fn blackout_days(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<BlackoutQuery>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let days = app::calendar::blackout_days(&mut conn, query.from, query.to).await?;
    Ok(Reply::ok(&BlackoutList {
        items: days
            .into_iter()
            .map(|(date, reasons)| BlackoutDay {
                date,
                blocked: reasons.iter().any(DayFlag::blocks),
                reasons,
            })
            .collect(),
    }))
}
