//! The region's civil time: Heilbronn-Franken lives in Europe/Berlin (CET, CEST from the last
//! Sunday of March 01:00 UTC to the last Sunday of October 01:00 UTC). Instants travel as UTC;
//! days the rules judge ("today", the day of a meeting) are the region's calendar days.
//!
//! Computed here rather than with a time-zone database: one zone and the EU summer-time rule
//! (in force since 1996) are all the platform needs.

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, Utc};

/// Today in the region.
pub fn today() -> NaiveDate {
    berlin_date(Utc::now())
}

const CET: TimeDelta = TimeDelta::hours(1);
const CEST: TimeDelta = TimeDelta::hours(2);

/// The calendar day in Germany (Europe/Berlin: CET, CEST from the last Sunday of March 01:00
/// UTC to the last Sunday of October 01:00 UTC) of an instant.
pub fn berlin_date(at: DateTime<Utc>) -> NaiveDate {
    let utc = at.naive_utc();
    utc.checked_add_signed(berlin_offset(utc))
        .unwrap_or(utc)
        .date()
}

/// The UTC instant of a local Berlin date and time (for a time that does not exist in
/// spring, take the next valid instant; for an ambiguous one in autumn, the first).
pub fn berlin_to_utc(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = date.and_time(time);
    let as_summer = local.checked_sub_signed(CEST);
    let as_winter = local.checked_sub_signed(CET);
    let valid = |utc: Option<NaiveDateTime>, offset: TimeDelta| {
        utc.filter(|utc| berlin_offset(*utc) == offset)
    };
    // In the autumn overlap both readings are valid; the summer one is the earlier instant.
    let utc = valid(as_summer, CEST)
        .or(valid(as_winter, CET))
        // In the spring gap neither is: the clocks jump to 03:00 CEST at 01:00 UTC.
        .or_else(|| summer_time_start(date.year()))
        .unwrap_or(local);
    utc.and_utc()
}

/// The offset of Berlin's civil time from UTC at a UTC instant.
fn berlin_offset(utc: NaiveDateTime) -> TimeDelta {
    let year = utc.year();
    match (summer_time_start(year), summer_time_end(year)) {
        (Some(start), Some(end)) if start <= utc && utc < end => CEST,
        _ => CET,
    }
}

fn summer_time_start(year: i32) -> Option<NaiveDateTime> {
    last_sunday(year, 3)?.and_hms_opt(1, 0, 0)
}

fn summer_time_end(year: i32) -> Option<NaiveDateTime> {
    last_sunday(year, 10)?.and_hms_opt(1, 0, 0)
}

fn last_sunday(year: i32, month: u32) -> Option<NaiveDate> {
    let last_day = NaiveDate::from_ymd_opt(year, month + 1, 1)?.pred_opt()?;
    let back = u64::from(last_day.weekday().num_days_from_sunday());
    last_day.checked_sub_days(Days::new(back))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn time(text: &str) -> NaiveTime {
        NaiveTime::parse_from_str(text, "%H:%M:%S").unwrap()
    }

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    #[test]
    fn extreme_instants_do_not_panic() {
        let _ = berlin_date(DateTime::<Utc>::MAX_UTC);
        let _ = berlin_date(DateTime::<Utc>::MIN_UTC);
        let _ = berlin_to_utc(NaiveDate::MAX, time("23:59:59"));
        let _ = berlin_to_utc(NaiveDate::MIN, time("00:00:00"));
    }

    #[test]
    fn berlin_date_around_midnight() {
        // Winter: UTC+1.
        assert_eq!(berlin_date(utc("2026-01-14T22:59:59Z")), date("2026-01-14"));
        assert_eq!(berlin_date(utc("2026-01-14T23:00:00Z")), date("2026-01-15"));
        // Summer: UTC+2.
        assert_eq!(berlin_date(utc("2026-07-14T21:59:59Z")), date("2026-07-14"));
        assert_eq!(berlin_date(utc("2026-07-14T22:00:00Z")), date("2026-07-15"));
        // New Year's Eve.
        assert_eq!(berlin_date(utc("2026-12-31T23:30:00Z")), date("2027-01-01"));
    }

    #[test]
    fn berlin_date_around_the_switches() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(berlin_offset(utc("2026-03-29T00:59:59Z").naive_utc()), CET);
        assert_eq!(berlin_offset(utc("2026-03-29T01:00:00Z").naive_utc()), CEST);
        assert_eq!(berlin_offset(utc("2026-10-25T00:59:59Z").naive_utc()), CEST);
        assert_eq!(berlin_offset(utc("2026-10-25T01:00:00Z").naive_utc()), CET);
        // The evening before the spring switch is still winter time.
        assert_eq!(berlin_date(utc("2026-03-28T22:59:59Z")), date("2026-03-28"));
        assert_eq!(berlin_date(utc("2026-03-28T23:00:00Z")), date("2026-03-29"));
        // The first evening of summer time turns over an hour earlier.
        assert_eq!(berlin_date(utc("2026-03-29T21:59:59Z")), date("2026-03-29"));
        assert_eq!(berlin_date(utc("2026-03-29T22:00:00Z")), date("2026-03-30"));
        // The evening before the autumn switch is still summer time.
        assert_eq!(berlin_date(utc("2026-10-24T21:59:59Z")), date("2026-10-24"));
        assert_eq!(berlin_date(utc("2026-10-24T22:00:00Z")), date("2026-10-25"));
        // The first evening of winter time.
        assert_eq!(berlin_date(utc("2026-10-25T22:59:59Z")), date("2026-10-25"));
        assert_eq!(berlin_date(utc("2026-10-25T23:00:00Z")), date("2026-10-26"));
    }

    #[test]
    fn berlin_to_utc_in_winter_and_summer() {
        assert_eq!(
            berlin_to_utc(date("2026-01-15"), time("09:30:00")),
            utc("2026-01-15T08:30:00Z")
        );
        assert_eq!(
            berlin_to_utc(date("2026-07-15"), time("09:30:00")),
            utc("2026-07-15T07:30:00Z")
        );
        assert_eq!(
            berlin_to_utc(date("2026-01-01"), time("00:30:00")),
            utc("2025-12-31T23:30:00Z")
        );
        // Just before and after the gap and the overlap.
        assert_eq!(
            berlin_to_utc(date("2026-03-29"), time("01:59:59")),
            utc("2026-03-29T00:59:59Z")
        );
        assert_eq!(
            berlin_to_utc(date("2026-03-29"), time("03:00:00")),
            utc("2026-03-29T01:00:00Z")
        );
        assert_eq!(
            berlin_to_utc(date("2026-10-25"), time("01:59:59")),
            utc("2026-10-24T23:59:59Z")
        );
        assert_eq!(
            berlin_to_utc(date("2026-10-25"), time("03:00:00")),
            utc("2026-10-25T02:00:00Z")
        );
    }

    #[test]
    fn berlin_to_utc_in_the_spring_gap_takes_the_next_valid_instant() {
        // 02:00 to 02:59:59 on 29 March 2026 do not exist; 03:00 CEST is next.
        for t in ["02:00:00", "02:30:00", "02:59:59"] {
            assert_eq!(
                berlin_to_utc(date("2026-03-29"), time(t)),
                utc("2026-03-29T01:00:00Z"),
                "{t}"
            );
        }
    }

    #[test]
    fn berlin_to_utc_in_the_autumn_overlap_takes_the_first() {
        // 02:00 to 02:59:59 on 25 October 2026 happen twice; the summer-time reading first.
        assert_eq!(
            berlin_to_utc(date("2026-10-25"), time("02:00:00")),
            utc("2026-10-25T00:00:00Z")
        );
        assert_eq!(
            berlin_to_utc(date("2026-10-25"), time("02:30:00")),
            utc("2026-10-25T00:30:00Z")
        );
        assert_eq!(
            berlin_to_utc(date("2026-10-25"), time("02:59:59")),
            utc("2026-10-25T00:59:59Z")
        );
    }

    #[test]
    fn berlin_round_trip_over_a_year() {
        // Every quarter hour of 2027 maps back to itself, except the second pass through the
        // repeated autumn hour, which maps to the first.
        let mut at = utc("2027-01-01T00:00:00Z");
        while at < utc("2028-01-01T00:00:00Z") {
            let day = berlin_date(at);
            let local = at.naive_utc() + berlin_offset(at.naive_utc());
            assert_eq!(local.date(), day);
            let back = berlin_to_utc(day, local.time());
            let first_pass = at - TimeDelta::hours(1);
            let repeated = berlin_offset(first_pass.naive_utc()) == CEST
                && berlin_offset(at.naive_utc()) == CET;
            if repeated {
                assert_eq!(back, first_pass, "{at}");
            } else {
                assert_eq!(back, at, "{at}");
            }
            at += TimeDelta::minutes(15);
        }
    }
}
