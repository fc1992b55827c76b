//! Retention periods of help-case files.
//!
//! §9b SGB VIII (in force since July 2025) requires help-case files to be kept for a long time,
//! so erasure comes late: a closed case first moves to a restricted archive (readable only
//! with the `archivist` role), and its personal data is erased only when both periods have
//! passed: a number of years after closing, and until the young person has reached a given
//! age. Both are configurable; the defaults are deliberately long and must be confirmed by the
//! data protection officer of each youth office.

use chrono::{Datelike, Duration, Months, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionSettings {
    /// Days after closing until a case is archived.
    pub archive_after_days: i64,
    /// Years after closing before personal data may be erased.
    pub erase_after_years: u32,
    /// Age the young person must have reached before personal data may be erased.
    pub retain_until_age: i32,
}

impl Default for RetentionSettings {
    fn default() -> Self {
        RetentionSettings {
            archive_after_days: 365,
            erase_after_years: 10,
            retain_until_age: 30,
        }
    }
}

/// What is due on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cutoffs {
    /// Cases closed on or before this day are archived.
    pub archive_closed_until: NaiveDate,
    /// Cases closed on or before this day may be erased …
    pub erase_closed_until: NaiveDate,
    /// … if the young person was born in or before this year (has had the birthday of
    /// `retain_until_age` at the latest in the previous year).
    pub erase_born_until_year: i32,
}

pub fn cutoffs(today: NaiveDate, settings: RetentionSettings) -> Cutoffs {
    Cutoffs {
        archive_closed_until: today - Duration::days(settings.archive_after_days),
        erase_closed_until: today
            .checked_sub_months(Months::new(12 * settings.erase_after_years))
            .unwrap_or(NaiveDate::MIN),
        erase_born_until_year: today.year() - settings.retain_until_age - 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cutoffs_follow_the_settings() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap_or_default();
        let c = cutoffs(today, RetentionSettings::default());
        assert_eq!(
            c.archive_closed_until,
            NaiveDate::from_ymd_opt(2025, 11, 23).unwrap_or_default()
        );
        assert_eq!(
            c.erase_closed_until,
            NaiveDate::from_ymd_opt(2016, 11, 23).unwrap_or_default()
        );
        // Born 1995: 30 in 2025, so erasable in 2026; born 1996 not yet.
        assert_eq!(c.erase_born_until_year, 1995);
    }
}
