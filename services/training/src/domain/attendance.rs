//! Attendance per session day and completion by the course's rule.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::courses::CompletionRule;

/// A participant's attendance on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Present,
    /// Came late; counts as attended.
    Late,
    /// Excused absence.
    Excused,
    Absent,
}

impl Status {
    pub fn code(self) -> &'static str {
        match self {
            Status::Present => "present",
            Status::Late => "late",
            Status::Excused => "excused",
            Status::Absent => "absent",
        }
    }

    pub fn parse(code: &str) -> Option<Status> {
        [
            Status::Present,
            Status::Late,
            Status::Excused,
            Status::Absent,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }

    fn attended(self) -> bool {
        matches!(self, Status::Present | Status::Late)
    }
}

/// One participant's status on the day.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    pub registration_id: Uuid,
    pub status: Status,
}

/// The attendance of a day, as the trainer uploads it (all or some participants).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"entries": [
    {"registration_id": "01938200-0000-7000-8000-000000000021", "status": "present"},
    {"registration_id": "01938200-0000-7000-8000-000000000022", "status": "excused"}]}))]
pub struct AttendanceInput {
    /// 1 to 500 entries, each registration once.
    pub entries: Vec<EntryInput>,
}

impl AttendanceInput {
    pub fn validate(self) -> Result<Vec<(Uuid, Status)>, Vec<FieldError>> {
        if self.entries.is_empty() || self.entries.len() > 500 {
            return Err(vec![FieldError::new("/entries", "1 to 500 entries")]);
        }
        let mut seen = BTreeSet::new();
        let mut errors = Vec::new();
        for (i, entry) in self.entries.iter().enumerate() {
            if !seen.insert(entry.registration_id) {
                errors.push(FieldError::new(
                    format!("/entries/{i}/registration_id"),
                    "names a registration twice",
                ));
            }
        }
        if errors.is_empty() {
            Ok(self
                .entries
                .into_iter()
                .map(|e| (e.registration_id, e.status))
                .collect())
        } else {
            Err(errors)
        }
    }
}

/// Whether a participant completed the course by `rule`, given their status per day.
///
/// - `all_parts_attended`: present (or late) on every day.
/// - `attended_or_excused_with_make_up`: present or late on every day, or excused on some
///   whose make-up is recorded (`made_up`), and present on at least one.
pub fn completed(
    rule: CompletionRule,
    days: &[NaiveDate],
    statuses: &BTreeMap<NaiveDate, Status>,
    made_up: &BTreeSet<NaiveDate>,
) -> bool {
    let on = |day: &NaiveDate| statuses.get(day).copied();
    match rule {
        CompletionRule::AllPartsAttended => {
            days.iter().all(|d| on(d).is_some_and(Status::attended))
        }
        CompletionRule::AttendedOrExcusedWithMakeUp => {
            days.iter().all(|d| {
                on(d).is_some_and(|s| s.attended() || (s == Status::Excused && made_up.contains(d)))
            }) && days.iter().any(|d| on(d).is_some_and(Status::attended))
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn completion_follows_the_rule() {
        let days = [day("2027-03-10"), day("2027-03-11")];
        let with = |a: Status, b: Option<Status>| {
            let mut map = BTreeMap::from([(days[0], a)]);
            if let Some(b) = b {
                map.insert(days[1], b);
            }
            map
        };
        let all = CompletionRule::AllPartsAttended;
        let excused_ok = CompletionRule::AttendedOrExcusedWithMakeUp;
        let none = BTreeSet::new();
        let second = BTreeSet::from([days[1]]);
        let both = BTreeSet::from([days[0], days[1]]);
        let excused = with(Status::Present, Some(Status::Excused));
        assert!(completed(
            all,
            &days,
            &with(Status::Present, Some(Status::Late)),
            &none
        ));
        assert!(!completed(all, &days, &with(Status::Present, None), &none));
        assert!(!completed(all, &days, &excused, &second));
        // Excused needs its make-up.
        assert!(!completed(excused_ok, &days, &excused, &none));
        assert!(completed(excused_ok, &days, &excused, &second));
        // Nothing attended at all is no completion, made up or not.
        assert!(!completed(
            excused_ok,
            &days,
            &with(Status::Excused, Some(Status::Excused)),
            &both
        ));
        // Absent is not excused.
        assert!(!completed(
            excused_ok,
            &days,
            &with(Status::Present, Some(Status::Absent)),
            &second
        ));
    }

    #[test]
    fn an_upload_names_each_registration_once() {
        let id = Uuid::now_v7();
        let input = AttendanceInput {
            entries: vec![
                EntryInput {
                    registration_id: id,
                    status: Status::Present,
                },
                EntryInput {
                    registration_id: id,
                    status: Status::Absent,
                },
            ],
        };
        assert_eq!(
            input.validate().unwrap_err()[0].pointer,
            "/entries/1/registration_id"
        );
        assert!(AttendanceInput { entries: vec![] }.validate().is_err());
    }
}
