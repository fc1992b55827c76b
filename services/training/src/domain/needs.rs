//! Who still needs which training: for each course required for one of a person's staff
//! functions, whether the person completed it, whether the completion still counts, and
//! whether an instrument the course teaches got a new version since they were last trained
//! on it.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A course with the functions it is required for.
#[derive(Debug, Clone)]
pub struct RequiredCourse {
    pub id: Uuid,
    pub required_for: Vec<String>,
    pub instruments: Vec<String>,
    pub valid_for_years: Option<i32>,
}

/// A course the person completed.
#[derive(Debug, Clone)]
pub struct Completed {
    pub course_id: Uuid,
    /// The instruments that course teaches.
    pub instruments: Vec<String>,
    pub completed_on: NaiveDate,
}

/// The latest released version of an instrument.
#[derive(Debug, Clone)]
pub struct Release {
    pub instrument: String,
    pub version: i32,
    pub released_on: NaiveDate,
}

/// Where a person stands with a required course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NeedState {
    /// Never completed.
    Missing,
    /// Completed, but longer ago than the course's `valid_for_years`.
    Expired,
    /// Completed, but an instrument it teaches got a new version since the person was last
    /// trained on it (by any course teaching that instrument).
    Refresher,
    /// Completed and still counting.
    Current,
}

/// One required course of one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub course_id: Uuid,
    pub state: NeedState,
    /// The latest completion of the course.
    pub completed_on: Option<NaiveDate>,
    /// Since when the training is due again (expiry, or the instrument's release).
    pub due_since: Option<NaiveDate>,
    /// For a refresher: the instrument and its new version, e.g. `help_plan v2`.
    pub reason: Option<String>,
}

/// The required courses of a person with `functions`, in the order of `courses`.
pub fn needs(
    functions: &[String],
    courses: &[RequiredCourse],
    completed: &[Completed],
    releases: &[Release],
    today: NaiveDate,
) -> Vec<Need> {
    courses
        .iter()
        .filter(|c| c.required_for.iter().any(|f| functions.contains(f)))
        .map(|course| need(course, completed, releases, today))
        .collect()
}

fn need(
    course: &RequiredCourse,
    completed: &[Completed],
    releases: &[Release],
    today: NaiveDate,
) -> Need {
    let last = completed
        .iter()
        .filter(|c| c.course_id == course.id)
        .map(|c| c.completed_on)
        .max();
    let Some(last) = last else {
        return Need {
            course_id: course.id,
            state: NeedState::Missing,
            completed_on: None,
            due_since: None,
            reason: None,
        };
    };
    let counted = |state, due_since, reason| Need {
        course_id: course.id,
        state,
        completed_on: Some(last),
        due_since,
        reason,
    };
    if let Some(years) = course.valid_for_years {
        let until = u32::try_from(years)
            .ok()
            .and_then(|y| last.checked_add_months(Months::new(12 * y)));
        if let Some(until) = until.filter(|until| *until < today) {
            return counted(NeedState::Expired, Some(until), None);
        }
    }
    // The first instrument (in release order) whose latest version came after the person's
    // last training on it.
    let stale = course
        .instruments
        .iter()
        .filter_map(|instrument| {
            let release = releases.iter().find(|r| &r.instrument == instrument)?;
            let trained = completed
                .iter()
                .filter(|c| c.instruments.contains(instrument))
                .map(|c| c.completed_on)
                .max()
                .unwrap_or(last);
            (release.released_on > trained).then_some(release)
        })
        .min_by_key(|r| r.released_on);
    match stale {
        Some(release) => counted(
            NeedState::Refresher,
            Some(release.released_on),
            Some(format!("{} v{}", release.instrument, release.version)),
        ),
        None => counted(NeedState::Current, None, None),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn course(n: u128, for_: &[&str], instruments: &[&str], years: Option<i32>) -> RequiredCourse {
        RequiredCourse {
            id: Uuid::from_u128(n),
            required_for: for_.iter().map(|s| s.to_string()).collect(),
            instruments: instruments.iter().map(|s| s.to_string()).collect(),
            valid_for_years: years,
        }
    }

    fn done(n: u128, instruments: &[&str], on: &str) -> Completed {
        Completed {
            course_id: Uuid::from_u128(n),
            instruments: instruments.iter().map(|s| s.to_string()).collect(),
            completed_on: day(on),
        }
    }

    #[test]
    fn only_courses_of_the_persons_functions_count() {
        let courses = [
            course(1, &["caseworker"], &[], None),
            course(2, &["leader"], &[], None),
        ];
        let result = needs(
            &["caseworker".into()],
            &courses,
            &[],
            &[],
            day("2027-01-01"),
        );
        assert_eq!(result.len(), 1);
        assert_eq!(result[0].course_id, Uuid::from_u128(1));
        assert_eq!(result[0].state, NeedState::Missing);
        assert!(needs(&[], &courses, &[], &[], day("2027-01-01")).is_empty());
    }

    #[test]
    fn a_completion_expires_after_its_years() {
        let courses = [course(1, &["caseworker"], &[], Some(3))];
        let completed = [done(1, &[], "2024-03-10")];
        let f = ["caseworker".to_string()];
        let current = needs(&f, &courses, &completed, &[], day("2027-03-10"));
        assert_eq!(current[0].state, NeedState::Current);
        let expired = needs(&f, &courses, &completed, &[], day("2027-03-11"));
        assert_eq!(expired[0].state, NeedState::Expired);
        assert_eq!(expired[0].due_since, Some(day("2027-03-10")));
        assert_eq!(expired[0].completed_on, Some(day("2024-03-10")));
    }

    #[test]
    fn a_new_instrument_version_asks_for_a_refresher_until_one_is_done() {
        let courses = [
            course(1, &["caseworker"], &["help_plan", "review"], None),
            course(2, &[], &["help_plan"], None),
        ];
        let f = ["caseworker".to_string()];
        let releases = [Release {
            instrument: "help_plan".into(),
            version: 2,
            released_on: day("2027-01-15"),
        }];
        let before = [done(1, &["help_plan", "review"], "2026-05-01")];
        let result = needs(&f, &courses, &before, &releases, day("2027-02-01"));
        assert_eq!(result[0].state, NeedState::Refresher);
        assert_eq!(result[0].reason.as_deref(), Some("help_plan v2"));
        assert_eq!(result[0].due_since, Some(day("2027-01-15")));
        // A refresher course on the help plan after the release settles it.
        let after = [
            done(1, &["help_plan", "review"], "2026-05-01"),
            done(2, &["help_plan"], "2027-01-20"),
        ];
        let result = needs(&f, &courses, &after, &releases, day("2027-02-01"));
        assert_eq!(result[0].state, NeedState::Current);
        // Trained after the release in the first place: nothing to refresh.
        let late = [done(1, &["help_plan", "review"], "2027-01-16")];
        let result = needs(&f, &courses, &late, &releases, day("2027-02-01"));
        assert_eq!(result[0].state, NeedState::Current);
    }
}
