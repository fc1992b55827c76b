//! What a host records for planning its dialogue, and how its proposed dates are judged.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A host's planning details, replaced as a whole.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"representatives": ["01936f40-0000-7000-8000-000000000001"], "room_capacity": 12,
    "preferred_months": [5, 6], "report_ready_on": "2027-04-01", "proposed_dates": ["2027-05-12", "2027-05-19", "2027-06-09"]}))]
pub struct HostDetailsInput {
    /// Directory people of the host's own organisation who represent it (1 to 5).
    pub representatives: Vec<Uuid>,
    /// Most participants (representatives and guests) the host's room holds.
    pub room_capacity: Option<i32>,
    /// Months the host prefers (1–12); empty for no preference.
    #[serde(default)]
    pub preferred_months: Vec<i32>,
    /// When the host's quality report will be ready; the dialogue comes at least
    /// `report_lead_days` after it.
    pub report_ready_on: Option<NaiveDate>,
    /// Dates the host proposes for its dialogue, inside the cycle (up to 30).
    #[serde(default)]
    pub proposed_dates: Vec<NaiveDate>,
}

/// Validated details: sorted, without repeats.
#[derive(Debug, Clone, PartialEq)]
pub struct HostDetails {
    pub representatives: Vec<Uuid>,
    pub room_capacity: Option<i32>,
    pub preferred_months: Vec<i32>,
    pub report_ready_on: Option<NaiveDate>,
    pub proposed_dates: Vec<NaiveDate>,
}

pub const MAX_REPRESENTATIVES: usize = 5;
pub const MAX_PROPOSED_DATES: usize = 30;

impl HostDetailsInput {
    /// The details, or every field error; proposed dates must lie in the cycle.
    pub fn validate(self, cycle: (NaiveDate, NaiveDate)) -> Result<HostDetails, Vec<FieldError>> {
        let mut errors = Vec::new();
        let representatives: BTreeSet<Uuid> = self.representatives.iter().copied().collect();
        if representatives.len() != self.representatives.len() {
            errors.push(FieldError::new("/representatives", "names a person twice"));
        }
        if !(1..=MAX_REPRESENTATIVES).contains(&representatives.len()) {
            errors.push(FieldError::new(
                "/representatives",
                format!("must name 1 to {MAX_REPRESENTATIVES} people"),
            ));
        }
        if let Some(capacity) = self.room_capacity
            && !(2..=500).contains(&capacity)
        {
            errors.push(FieldError::new("/room_capacity", "must be from 2 to 500"));
        }
        let months: BTreeSet<i32> = self.preferred_months.iter().copied().collect();
        if months.len() != self.preferred_months.len() {
            errors.push(FieldError::new("/preferred_months", "names a month twice"));
        }
        for (i, month) in self.preferred_months.iter().enumerate() {
            if !(1..=12).contains(month) {
                errors.push(FieldError::new(
                    format!("/preferred_months/{i}"),
                    "must be a month from 1 to 12",
                ));
            }
        }
        let dates: BTreeSet<NaiveDate> = self.proposed_dates.iter().copied().collect();
        if dates.len() != self.proposed_dates.len() {
            errors.push(FieldError::new("/proposed_dates", "names a date twice"));
        }
        if dates.len() > MAX_PROPOSED_DATES {
            errors.push(FieldError::new(
                "/proposed_dates",
                format!("at most {MAX_PROPOSED_DATES} dates"),
            ));
        }
        for (i, date) in self.proposed_dates.iter().enumerate() {
            if *date < cycle.0 || *date > cycle.1 {
                errors.push(FieldError::new(
                    format!("/proposed_dates/{i}"),
                    format!("must lie in the cycle, {} to {}", cycle.0, cycle.1),
                ));
            }
        }
        if let Some(ready) = self.report_ready_on
            && (ready < cycle.0 - chrono::Days::new(366) || ready > cycle.1)
        {
            errors.push(FieldError::new(
                "/report_ready_on",
                "must lie in the cycle or the year before it",
            ));
        }
        if errors.is_empty() {
            Ok(HostDetails {
                representatives: representatives.into_iter().collect(),
                room_capacity: self.room_capacity,
                preferred_months: months.into_iter().collect(),
                report_ready_on: self.report_ready_on,
                proposed_dates: dates.into_iter().collect(),
            })
        } else {
            Err(errors)
        }
    }
}

/// Why a day is not (or not ideally) available for a dialogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DayFlag {
    /// Saturday or Sunday.
    Weekend,
    /// A Baden-Württemberg public holiday.
    PublicHoliday { name: String },
    /// A Forum meeting takes place (dialogues are never held on Forum days).
    ForumMeeting { meeting_id: Uuid, title: String },
    /// A QMF training session takes place (its staff are away; no dialogue that day).
    TrainingSession { session_id: Uuid, title: String },
    /// Inside school holidays: allowed, but a plan avoids it.
    SchoolHoliday { name: String },
    /// Earlier than the quality report's date plus the report lead days.
    BeforeReport { earliest: NaiveDate },
    /// A host representative is absent.
    RepresentativeAbsent { person_id: Uuid },
}

impl DayFlag {
    /// Whether the flag rules the day out (school holidays only make it less good).
    pub fn blocks(&self) -> bool {
        !matches!(self, DayFlag::SchoolHoliday { .. })
    }
}

/// What is known about the region's calendar and the host's people for judging a day.
pub struct DayContext<'a> {
    pub public_holidays: &'a [(NaiveDate, String)],
    pub school_holidays: &'a [(String, NaiveDate, NaiveDate)],
    pub forum_meetings: &'a [(NaiveDate, Uuid, String)],
    pub training_sessions: &'a [(NaiveDate, Uuid, String)],
    pub earliest: Option<NaiveDate>,
    /// Absences of the host's representatives.
    pub representative_absences: &'a [Absence],
}

/// Every flag of `day`, blocking ones first in a fixed order.
pub fn flags(day: NaiveDate, context: &DayContext<'_>) -> Vec<DayFlag> {
    let mut flags = Vec::new();
    if matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        flags.push(DayFlag::Weekend);
    }
    for (date, name) in context.public_holidays {
        if *date == day {
            flags.push(DayFlag::PublicHoliday { name: name.clone() });
        }
    }
    for (date, meeting_id, title) in context.forum_meetings {
        if *date == day {
            flags.push(DayFlag::ForumMeeting {
                meeting_id: *meeting_id,
                title: title.clone(),
            });
        }
    }
    for (date, session_id, title) in context.training_sessions {
        if *date == day {
            flags.push(DayFlag::TrainingSession {
                session_id: *session_id,
                title: title.clone(),
            });
        }
    }
    if let Some(earliest) = context.earliest
        && day < earliest
    {
        flags.push(DayFlag::BeforeReport { earliest });
    }
    let mut absent: Vec<Uuid> = context
        .representative_absences
        .iter()
        .filter(|a| a.covers(day))
        .map(|a| a.person_id)
        .collect();
    absent.sort();
    absent.dedup();
    flags.extend(
        absent
            .into_iter()
            .map(|person_id| DayFlag::RepresentativeAbsent { person_id }),
    );
    for (name, start, end) in context.school_holidays {
        if *start <= day && day <= *end {
            flags.push(DayFlag::SchoolHoliday { name: name.clone() });
        }
    }
    flags
}

/// One absence, as the day checks need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Absence {
    pub person_id: Uuid,
    pub period: crate::domain::absences::Period,
}

impl Absence {
    pub fn covers(&self, day: NaiveDate) -> bool {
        self.period.covers(day)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::absences::Period;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const CYCLE: (NaiveDate, NaiveDate) = (
        NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        NaiveDate::from_ymd_opt(2029, 12, 31).unwrap(),
    );

    fn input() -> HostDetailsInput {
        HostDetailsInput {
            representatives: vec![Uuid::now_v7()],
            room_capacity: Some(12),
            preferred_months: vec![6, 5],
            report_ready_on: Some(day(2027, 4, 1)),
            proposed_dates: vec![day(2027, 6, 9), day(2027, 5, 12)],
        }
    }

    #[test]
    fn details_are_sorted() {
        let details = input().validate(CYCLE).unwrap();
        assert_eq!(details.preferred_months, [5, 6]);
        assert_eq!(details.proposed_dates, [day(2027, 5, 12), day(2027, 6, 9)]);
    }

    #[test]
    fn every_broken_field_is_named() {
        let person = Uuid::now_v7();
        let mut bad = input();
        bad.representatives = vec![person, person];
        bad.room_capacity = Some(1);
        bad.preferred_months = vec![13];
        bad.proposed_dates = vec![day(2030, 1, 2)];
        bad.report_ready_on = Some(day(2031, 1, 1));
        let pointers: Vec<String> = bad
            .validate(CYCLE)
            .unwrap_err()
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        assert_eq!(
            pointers,
            [
                "/representatives",
                "/room_capacity",
                "/preferred_months/0",
                "/proposed_dates/0",
                "/report_ready_on"
            ]
        );
        let mut none = input();
        none.representatives = vec![];
        assert!(none.validate(CYCLE).is_err());
    }

    #[test]
    fn a_day_is_flagged_with_each_reason() {
        let rep = Uuid::now_v7();
        let meeting = Uuid::now_v7();
        let holidays = [(day(2027, 5, 6), "Christi Himmelfahrt".to_string())];
        let school = [(
            "Pfingstferien".to_string(),
            day(2027, 5, 18),
            day(2027, 5, 29),
        )];
        let forum = [(day(2027, 5, 19), meeting, "Forum".to_string())];
        let absences = [
            Absence {
                person_id: rep,
                period: Period::Range {
                    start: day(2027, 5, 24),
                    end: day(2027, 5, 28),
                },
            },
            Absence {
                person_id: rep,
                period: Period::Weekday { weekday: 1 },
            },
        ];
        let context = DayContext {
            public_holidays: &holidays,
            school_holidays: &school,
            forum_meetings: &forum,
            training_sessions: &[],
            earliest: Some(day(2027, 5, 1)),
            representative_absences: &absences,
        };
        assert_eq!(
            flags(day(2027, 5, 6), &context),
            [DayFlag::PublicHoliday {
                name: "Christi Himmelfahrt".into()
            }]
        );
        assert_eq!(
            flags(day(2027, 5, 19), &context),
            [
                DayFlag::ForumMeeting {
                    meeting_id: meeting,
                    title: "Forum".into()
                },
                DayFlag::SchoolHoliday {
                    name: "Pfingstferien".into()
                }
            ]
        );
        // 24 May 2027 is a Monday: one flag per absent person, however many absences say so.
        assert_eq!(
            flags(day(2027, 5, 24), &context),
            [
                DayFlag::RepresentativeAbsent { person_id: rep },
                DayFlag::SchoolHoliday {
                    name: "Pfingstferien".into()
                }
            ]
        );
        assert_eq!(
            flags(day(2027, 4, 28), &context),
            [DayFlag::BeforeReport {
                earliest: day(2027, 5, 1)
            }]
        );
        assert_eq!(flags(day(2027, 5, 15), &context), [DayFlag::Weekend]);
        assert!(flags(day(2027, 6, 9), &context).is_empty());
        assert!(!DayFlag::SchoolHoliday { name: "x".into() }.blocks());
        assert!(DayFlag::Weekend.blocks());
    }
}
