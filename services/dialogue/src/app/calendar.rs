//! The region's calendar: public holidays (computed), school holidays (imported), Forum
//! meetings (from the committee's events), and the flags of a day.

use chrono::{Datelike, NaiveDate};
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, FieldError, Principal};
use uuid::Uuid;

use crate::domain::calendar::bw_public_holidays;
use crate::domain::hosts::{DayContext, DayFlag, flags};
use crate::domain::school_holidays::{ImportFormat, SchoolHoliday, parse};
use crate::store::absences as absence_store;
use crate::store::calendar::{self as store, SchoolHolidayRow};

/// Public holidays of the years from `from` to `to`.
fn public_holidays(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, String)> {
    (from.year()..=to.year())
        .flat_map(bw_public_holidays)
        .filter(|h| from <= h.date && h.date <= to)
        .map(|h| (h.date, h.name.to_string()))
        .collect()
}

/// The flags of each of `days` (ascending), given the earliest day the report allows and the
/// people whose absences count.
pub async fn flag_days(
    conn: &mut AsyncPgConnection,
    days: &[NaiveDate],
    earliest: Option<NaiveDate>,
    people: &[Uuid],
) -> ApiResult<Vec<(NaiveDate, Vec<DayFlag>)>> {
    let (Some(&first), Some(&last)) = (days.iter().min(), days.iter().max()) else {
        return Ok(vec![]);
    };
    let school: Vec<(String, NaiveDate, NaiveDate)> =
        store::school_holidays(conn, Some(first), Some(last))
            .await?
            .into_iter()
            .map(|r| (r.name, r.start_on, r.end_on))
            .collect();
    let forum: Vec<(NaiveDate, Uuid, String)> = store::forum_meetings(conn, first, last)
        .await?
        .into_iter()
        .map(|m| (m.day, m.meeting_id, m.title))
        .collect();
    let training = store::training_days(conn, first, last).await?;
    let absences: Vec<_> = absence_store::of_people(conn, people, first, last)
        .await?
        .iter()
        .filter_map(|row| row.absence())
        .collect();
    let holidays = public_holidays(first, last);
    let context = DayContext {
        public_holidays: &holidays,
        school_holidays: &school,
        forum_meetings: &forum,
        training_sessions: &training,
        earliest,
        representative_absences: &absences,
    };
    Ok(days
        .iter()
        .map(|day| (*day, flags(*day, &context)))
        .collect())
}

/// Longest range of the blackout list.
pub const MAX_BLACKOUT_DAYS: i64 = 3 * 366;

/// Every weekday in `from..=to` on which the region holds no dialogue or would rather not:
/// public holidays, Forum meetings and school holidays, each with its reasons. Weekends are
/// left out (never a dialogue day).
pub async fn blackout_days(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<Vec<(NaiveDate, Vec<DayFlag>)>> {
    Ok(blackouts_and_school_holidays(conn, from, to).await?.0)
}

/// The blackout days of `from..=to` (as [`blackout_days`]) and the school holidays touching
/// the range, from one read of each.
pub async fn blackouts_and_school_holidays(
    conn: &AsyncPgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<(Vec<(NaiveDate, Vec<DayFlag>)>, Vec<SchoolHolidayRow>)> {
    if to < from {
        return Err(ApiError::validation("/query/to", "must not be before from"));
    }
    if (to - from).num_days() >= MAX_BLACKOUT_DAYS {
        return Err(ApiError::validation(
            "/query/to",
            format!("the range covers at most {MAX_BLACKOUT_DAYS} days"),
        ));
    }
    // The three reads sent together: one round trip.
    let (rows, forum, training) = futures_util::try_join!(
        store::school_holidays(conn, Some(from), Some(to)),
        store::forum_meetings(conn, from, to),
        store::training_days(conn, from, to),
    )?;
    let school: Vec<(String, NaiveDate, NaiveDate)> = rows
        .iter()
        .map(|r| (r.name.clone(), r.start_on, r.end_on))
        .collect();
    let forum: Vec<(NaiveDate, Uuid, String)> = forum
        .into_iter()
        .map(|m| (m.day, m.meeting_id, m.title))
        .collect();
    let holidays = public_holidays(from, to);
    let context = DayContext {
        public_holidays: &holidays,
        school_holidays: &school,
        forum_meetings: &forum,
        training_sessions: &training,
        earliest: None,
        representative_absences: &[],
    };
    let flagged = from
        .iter_days()
        .take_while(|d| *d <= to)
        .filter(|d| d.weekday().number_from_monday() <= 5)
        .map(|day| (day, flags(day, &context)))
        .filter(|(_, flags)| !flags.is_empty())
        .collect();
    Ok((flagged, rows))
}

/// A school year as `2026/27`: the holidays it covers lie between 1 August of its first year
/// and 15 September of the next (summer holidays reach into September).
pub fn school_year_bounds(school_year: &str) -> Result<(NaiveDate, NaiveDate), ApiError> {
    let invalid = || {
        ApiError::validation(
            "/path/school_year",
            "must be a school year like 2026-27 (first year, dash, last two digits of the next)",
        )
    };
    let (first, second) = school_year.split_once('-').ok_or_else(invalid)?;
    let first: i32 = first.parse().map_err(|_| invalid())?;
    let second: i32 = second.parse().map_err(|_| invalid())?;
    if first.to_string().len() != 4 || second != (first + 1) % 100 || second.to_string().len() > 2 {
        return Err(invalid());
    }
    match (
        NaiveDate::from_ymd_opt(first, 8, 1),
        NaiveDate::from_ymd_opt(first + 1, 9, 15),
    ) {
        (Some(start), Some(end)) if (2000..=2100).contains(&first) => Ok((start, end)),
        _ => Err(invalid()),
    }
}

/// Replaces a school year's holidays with those of an imported file. Every problem of the file
/// is a field error pointing at its line (`/body/line/7`); holidays outside the school year
/// are refused too.
pub async fn import_school_year(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    school_year: &str,
    format: ImportFormat,
    text: &str,
) -> ApiResult<Vec<SchoolHolidayRow>> {
    let (start, end) = school_year_bounds(school_year)?;
    let holidays: Vec<SchoolHoliday> = parse(format, text).map_err(|problems| {
        ApiError::Validation(
            problems
                .into_iter()
                .map(|p| {
                    let pointer = match p.line {
                        Some(line) => format!("/body/line/{line}"),
                        None => "/body".to_string(),
                    };
                    FieldError::new(pointer, p.message)
                })
                .collect(),
        )
    })?;
    let outside: Vec<FieldError> = holidays
        .iter()
        .filter(|h| h.start < start || h.end > end)
        .map(|h| {
            FieldError::new(
                "/body",
                format!(
                    "{} ({} to {}) lies outside the school year {school_year} ({start} to {end})",
                    h.name, h.start, h.end
                ),
            )
        })
        .collect();
    if !outside.is_empty() {
        return Err(ApiError::Validation(outside));
    }
    store::replace_school_year(conn, school_year, &holidays, &principal.subject).await
}

/// What a calendar screen of a cycle shows, read in one round trip: the cycle (404 when there
/// is none), its dialogues with a date in `from..=to`, and the blackout days and school
/// holidays of the range.
pub async fn cycle_calendar(
    conn: &mut AsyncPgConnection,
    cycle: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> ApiResult<(
    Vec<crate::store::calendar::CalendarRow>,
    Vec<(NaiveDate, Vec<DayFlag>)>,
    Vec<SchoolHolidayRow>,
)> {
    let shared: &AsyncPgConnection = conn;
    let (found, rows, (blackouts, school)) = futures_util::try_join!(
        crate::store::cycles::find(shared, cycle),
        store::calendar(shared, cycle, from, to),
        blackouts_and_school_holidays(shared, from, to),
    )?;
    found.ok_or_else(|| qmf_platform::not_found("cycle"))?;
    Ok((rows, blackouts, school))
}
