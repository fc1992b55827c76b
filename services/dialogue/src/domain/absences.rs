//! Absences of staff: a range of days (vacation, training) or a fixed weekday off.

use chrono::{Datelike, NaiveDate};
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// When someone is away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    /// Every day from `start` to `end`, both included.
    Range { start: NaiveDate, end: NaiveDate },
    /// Every week on this ISO weekday (1 Monday … 7 Sunday).
    Weekday { weekday: i16 },
}

impl Period {
    pub fn covers(&self, day: NaiveDate) -> bool {
        match *self {
            Period::Range { start, end } => start <= day && day <= end,
            Period::Weekday { weekday } => {
                i64::from(day.weekday().number_from_monday()) == i64::from(weekday)
            }
        }
    }
}

/// One absence to record: either `start_on` and `end_on`, or `weekday`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f40-0000-7000-8000-000000000001", "start_on": "2027-08-02", "end_on": "2027-08-20", "note": "Urlaub"}))]
pub struct AbsenceInput {
    /// The directory person who is away.
    pub person_id: Uuid,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    /// A fixed weekday off, ISO numbering (1 Monday … 7 Sunday).
    #[schema(minimum = 1, maximum = 7)]
    pub weekday: Option<i16>,
    /// A short note (up to 200 characters); no reasons of health or family.
    #[schema(max_length = 200)]
    pub note: Option<String>,
}

/// A validated absence.
#[derive(Debug, Clone, PartialEq)]
pub struct AbsenceDraft {
    pub person_id: Uuid,
    pub period: Period,
    pub note: Option<String>,
}

/// Longest range one absence covers.
pub const MAX_RANGE_DAYS: i64 = 400;

impl AbsenceInput {
    /// The absence, or every field error, pointers below `at` (`""` for a single absence,
    /// `/absences/3` in a bulk list).
    pub fn validate(self, at: &str) -> Result<AbsenceDraft, Vec<FieldError>> {
        let mut errors = Vec::new();
        let period = match (self.start_on, self.end_on, self.weekday) {
            (Some(start), Some(end), None) => {
                if end < start {
                    errors.push(FieldError::new(
                        format!("{at}/end_on"),
                        "must not be before start_on",
                    ));
                } else if (end - start).num_days() >= MAX_RANGE_DAYS {
                    errors.push(FieldError::new(
                        format!("{at}/end_on"),
                        format!("an absence covers at most {MAX_RANGE_DAYS} days"),
                    ));
                }
                Some(Period::Range { start, end })
            }
            (None, None, Some(weekday)) => {
                if !(1..=7).contains(&weekday) {
                    errors.push(FieldError::new(
                        format!("{at}/weekday"),
                        "must be from 1 (Monday) to 7 (Sunday)",
                    ));
                }
                Some(Period::Weekday { weekday })
            }
            _ => {
                errors.push(FieldError::new(
                    at.to_string(),
                    "give either start_on and end_on, or weekday",
                ));
                None
            }
        };
        let note = self
            .note
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty());
        if note.as_ref().is_some_and(|n| n.chars().count() > 200) {
            errors.push(FieldError::new(
                format!("{at}/note"),
                "at most 200 characters",
            ));
        }
        match period {
            Some(period) if errors.is_empty() => Ok(AbsenceDraft {
                person_id: self.person_id,
                period,
                note,
            }),
            _ => Err(errors),
        }
    }
}

/// The absences of an organisation's staff, replacing all recorded before.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkAbsencesInput {
    /// Up to 5,000 absences.
    #[schema(max_items = 5000)]
    pub absences: Vec<AbsenceInput>,
}

pub const MAX_BULK: usize = 5_000;

impl BulkAbsencesInput {
    pub fn validate(self) -> Result<Vec<AbsenceDraft>, Vec<FieldError>> {
        if self.absences.len() > MAX_BULK {
            return Err(vec![FieldError::new(
                "/absences",
                format!("at most {MAX_BULK} absences"),
            )]);
        }
        let mut drafts = Vec::new();
        let mut errors = Vec::new();
        for (i, absence) in self.absences.into_iter().enumerate() {
            match absence.validate(&format!("/absences/{i}")) {
                Ok(draft) => drafts.push(draft),
                Err(e) => errors.extend(e),
            }
        }
        if errors.is_empty() {
            Ok(drafts)
        } else {
            Err(errors)
        }
    }
}

/// How an absence is shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"id": "01938110-0000-7000-8000-000000000001", "person_id": "01936f40-0000-7000-8000-000000000001",
    "organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "start_on": "2027-08-02", "end_on": "2027-08-20", "weekday": null,
    "note": "Urlaub", "created_at": "2026-12-04T10:00:00Z"}))]
pub struct AbsenceView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub organization_id: Uuid,
    pub start_on: Option<NaiveDate>,
    pub end_on: Option<NaiveDate>,
    pub weekday: Option<i16>,
    pub note: Option<String>,
    pub created_at: chrono::DateTime<chrono::Utc>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn input() -> AbsenceInput {
        AbsenceInput {
            person_id: Uuid::now_v7(),
            start_on: None,
            end_on: None,
            weekday: None,
            note: None,
        }
    }

    #[test]
    fn a_range_or_a_weekday_but_not_both() {
        let both = AbsenceInput {
            start_on: Some(day(2027, 1, 1)),
            end_on: Some(day(2027, 1, 2)),
            weekday: Some(3),
            ..input()
        };
        assert_eq!(both.validate("").unwrap_err()[0].pointer, "");
        assert!(input().validate("").is_err());
        let weekday = AbsenceInput {
            weekday: Some(5),
            ..input()
        };
        let draft = weekday.validate("").unwrap();
        assert!(draft.period.covers(day(2027, 1, 1)));
        assert!(!draft.period.covers(day(2027, 1, 4)));
    }

    #[test]
    fn ranges_are_inclusive_and_ordered() {
        let range = AbsenceInput {
            start_on: Some(day(2027, 8, 2)),
            end_on: Some(day(2027, 8, 20)),
            ..input()
        };
        let period = range.validate("").unwrap().period;
        assert!(period.covers(day(2027, 8, 2)) && period.covers(day(2027, 8, 20)));
        assert!(!period.covers(day(2027, 8, 21)));
        let backwards = AbsenceInput {
            start_on: Some(day(2027, 8, 20)),
            end_on: Some(day(2027, 8, 2)),
            ..input()
        };
        assert_eq!(
            backwards.validate("/absences/4").unwrap_err()[0].pointer,
            "/absences/4/end_on"
        );
        let bad_weekday = AbsenceInput {
            weekday: Some(8),
            ..input()
        };
        assert_eq!(bad_weekday.validate("").unwrap_err()[0].pointer, "/weekday");
    }
}
