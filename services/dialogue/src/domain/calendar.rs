//! Public holidays of Baden-Württemberg, and the German civil time (shared with the other
//! services: `qmf_platform::region`).
//!
//! The holidays are computed here rather than taken from a crate: the list is short and fixed
//! by the Feiertagsgesetz Baden-Württemberg, and its names must match the planner's instance
//! files exactly.

use chrono::{Datelike, NaiveDate, TimeDelta};

pub use qmf_platform::region::{berlin_date, berlin_to_utc};

/// One statutory public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Holiday {
    pub date: NaiveDate,
    pub name: &'static str,
}

/// Baden-Württemberg's statutory public holidays of `year`, in date order.
///
/// The names are those of the planner's instance files. Reformationstag (31 October) was a
/// public holiday in every German state in 2017 only (500 years of the Reformation), so it
/// is included for 2017 and no other year.
pub fn bw_public_holidays(year: i32) -> Vec<Holiday> {
    let fixed = |month: u32, day: u32, name: &'static str| {
        NaiveDate::from_ymd_opt(year, month, day).map(|date| Holiday { date, name })
    };
    let easter = easter_sunday(year);
    let from_easter = |offset: i64, name: &'static str| {
        easter
            .checked_add_signed(TimeDelta::days(offset))
            .map(|date| Holiday { date, name })
    };
    let mut holidays: Vec<Holiday> = [
        fixed(1, 1, "Neujahr"),
        fixed(1, 6, "Heilige Drei Könige"),
        from_easter(-2, "Karfreitag"),
        from_easter(1, "Ostermontag"),
        fixed(5, 1, "Tag der Arbeit"),
        from_easter(39, "Christi Himmelfahrt"),
        from_easter(50, "Pfingstmontag"),
        from_easter(60, "Fronleichnam"),
        fixed(10, 3, "Tag der Deutschen Einheit"),
        if year == 2017 {
            fixed(10, 31, "Reformationstag")
        } else {
            None
        },
        fixed(11, 1, "Allerheiligen"),
        fixed(12, 25, "1. Weihnachtstag"),
        fixed(12, 26, "2. Weihnachtstag"),
    ]
    .into_iter()
    .flatten()
    // Only reachable at the edges of chrono's date range, where Easter is clamped.
    .filter(|holiday| holiday.date.year() == year)
    .collect();
    // Ascension can fall on 1 May (e.g. 2008), so the listed order is not always date order.
    holidays.sort_by_key(|holiday| holiday.date);
    holidays
}

/// Easter Sunday (Gregorian).
///
/// The anonymous Gregorian algorithm (Meeus/Jones/Butcher). Years outside chrono's date
/// range give its first or last representable date.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    // month is 3 or 4 and day 1..=31, so the conversions cannot fail.
    let month = u32::try_from(month).unwrap_or(4);
    let day = u32::try_from(day).unwrap_or(1);
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use std::path::Path;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// The public holidays and cycle years of a planner instance file.
    fn instance(name: &str) -> (Vec<i32>, Vec<(NaiveDate, String)>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../planner/tests/data")
            .join(name);
        let text = std::fs::read_to_string(&path).expect("instance file");
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let years = json["cycle"]["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|year| i32::try_from(year.as_i64().unwrap()).unwrap())
            .collect();
        let holidays = json["calendar"]["public_holidays"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| {
                (
                    date(h["date"].as_str().unwrap()),
                    h["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        (years, holidays)
    }

    fn computed(years: &[i32]) -> Vec<(NaiveDate, String)> {
        years
            .iter()
            .flat_map(|year| bw_public_holidays(*year))
            .map(|h| (h.date, h.name.to_owned()))
            .collect()
    }

    #[test]
    fn matches_the_planner_instances() {
        for name in ["S-1.json", "M-1.json", "L-1.json"] {
            let (years, expected) = instance(name);
            assert!(!years.is_empty(), "{name}");
            assert_eq!(computed(&years), expected, "{name}");
        }
    }

    #[test]
    fn the_tiny_instance_lists_a_subset() {
        // tiny-1 deliberately lists only a few holidays to keep the instance small.
        let (years, listed) = instance("tiny-1.json");
        let all = computed(&years);
        assert!(!listed.is_empty());
        assert!(listed.iter().all(|holiday| all.contains(holiday)));
    }

    #[test]
    fn easter_of_known_years() {
        for (year, expected) in [
            (1818, "1818-03-22"),
            (2008, "2008-03-23"),
            (2011, "2011-04-24"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2028, "2028-04-16"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(year), date(expected), "{year}");
        }
    }

    #[test]
    fn easter_is_always_a_sunday_in_its_window() {
        for year in 1583..=3000 {
            let easter = easter_sunday(year);
            assert_eq!(easter.weekday(), chrono::Weekday::Sun, "{year}");
            assert!(easter >= NaiveDate::from_ymd_opt(year, 3, 22).unwrap());
            assert!(easter <= NaiveDate::from_ymd_opt(year, 4, 25).unwrap());
        }
    }

    #[test]
    fn twelve_holidays_in_a_normal_year_in_date_order() {
        for year in 2000..=2100 {
            let holidays = bw_public_holidays(year);
            let expected = if year == 2017 { 13 } else { 12 };
            assert_eq!(holidays.len(), expected, "{year}");
            assert!(holidays.windows(2).all(|w| w[0].date <= w[1].date));
        }
    }

    #[test]
    fn reformation_day_only_in_2017() {
        let is_reformation = |h: &Holiday| h.name == "Reformationstag";
        let in_2017: Vec<_> = bw_public_holidays(2017)
            .into_iter()
            .filter(is_reformation)
            .collect();
        assert_eq!(in_2017.len(), 1);
        assert_eq!(in_2017[0].date, date("2017-10-31"));
        assert!(!bw_public_holidays(2016).iter().any(is_reformation));
        assert!(!bw_public_holidays(2018).iter().any(is_reformation));
    }

    #[test]
    fn ascension_on_labour_day_keeps_date_order() {
        let holidays = bw_public_holidays(2008);
        let on_may_first: Vec<_> = holidays
            .iter()
            .filter(|h| h.date == date("2008-05-01"))
            .map(|h| h.name)
            .collect();
        assert_eq!(on_may_first, ["Tag der Arbeit", "Christi Himmelfahrt"]);
    }

    #[test]
    fn extreme_years_do_not_panic() {
        for year in [i32::MIN, -1, 0, i32::MAX, 262_143, -262_143] {
            let _ = easter_sunday(year);
            let _ = bw_public_holidays(year);
        }
    }
}
