//! Management terms (Geschäftsführung): held by one youth office at a time for a fixed number
//! of years (two by default), without overlap and without gap; the holder chairs the Forum and
//! the steering group for the term. The next holder is proposed by rotation.

use chrono::{Months, NaiveDate};
use qmf_platform::{ApiError, RuleName};
use uuid::Uuid;

use super::rules::Rule;

/// A held or planned term.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Term {
    pub office_id: Uuid,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
}

/// The last day of a term starting on `start_on`.
pub fn end_of_term(start_on: NaiveDate, years: u32) -> NaiveDate {
    start_on
        .checked_add_months(Months::new(12 * years))
        .and_then(|d| d.pred_opt())
        .unwrap_or(NaiveDate::MAX)
}

/// Checks a new term against the holder's kind and the latest existing term.
pub fn check_new_term(
    office_is_active_youth_office: bool,
    start_on: NaiveDate,
    latest: Option<&Term>,
) -> Result<(), ApiError> {
    if !office_is_active_youth_office {
        return Err(Rule::TermRequiresYouthOffice
            .conflict("only an active youth office can hold the management"));
    }
    if let Some(latest) = latest {
        let follows = latest.end_on.succ_opt();
        if start_on <= latest.end_on {
            return Err(Rule::TermsDoNotOverlap
                .conflict(format!("the current term runs until {}", latest.end_on)));
        }
        if Some(start_on) != follows {
            return Err(Rule::TermsWithoutGap.conflict(format!(
                "the next term must start on {}",
                follows.unwrap_or(start_on)
            )));
        }
    }
    Ok(())
}

/// The next holder by rotation: an active youth office that never held the management (by
/// name), else the one whose last term lies furthest back. The latest holder is never proposed
/// while another office exists.
pub fn propose_next(offices: &[(Uuid, String)], terms: &[Term]) -> Option<Uuid> {
    let latest_holder = terms.iter().max_by_key(|t| t.end_on).map(|t| t.office_id);
    let last_end = |office: Uuid| {
        terms
            .iter()
            .filter(|t| t.office_id == office)
            .map(|t| t.end_on)
            .max()
    };
    let mut candidates: Vec<&(Uuid, String)> = offices
        .iter()
        .filter(|(id, _)| offices.len() == 1 || Some(*id) != latest_holder)
        .collect();
    candidates.sort_by(|(a_id, a_name), (b_id, b_name)| {
        last_end(*a_id)
            .cmp(&last_end(*b_id))
            .then_with(|| a_name.cmp(b_name))
    });
    candidates.first().map(|(id, _)| *id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn a_term_lasts_the_configured_years() {
        assert_eq!(end_of_term(day("2025-01-01"), 2), day("2026-12-31"));
        assert_eq!(end_of_term(day("2024-03-01"), 1), day("2025-02-28"));
    }

    #[test]
    fn terms_follow_each_other_without_overlap_or_gap() {
        let office = Uuid::now_v7();
        let latest = Term {
            office_id: office,
            start_on: day("2025-01-01"),
            end_on: day("2026-12-31"),
        };
        assert!(check_new_term(true, day("2027-01-01"), Some(&latest)).is_ok());
        let rule = |r: Result<(), ApiError>| match r {
            Err(ApiError::Conflict { rule, .. }) => rule,
            other => format!("{other:?}"),
        };
        assert_eq!(
            rule(check_new_term(true, day("2026-06-01"), Some(&latest))),
            Rule::TermsDoNotOverlap.name()
        );
        assert_eq!(
            rule(check_new_term(true, day("2027-02-01"), Some(&latest))),
            Rule::TermsWithoutGap.name()
        );
        assert_eq!(
            rule(check_new_term(false, day("2027-01-01"), Some(&latest))),
            Rule::TermRequiresYouthOffice.name()
        );
        assert!(check_new_term(true, day("2030-05-01"), None).is_ok());
    }

    #[test]
    fn rotation_prefers_offices_that_never_held_then_the_longest_ago() {
        let a = Uuid::now_v7();
        let b = Uuid::now_v7();
        let c = Uuid::now_v7();
        let offices = vec![
            (a, "Jugendamt A".to_string()),
            (b, "Jugendamt B".to_string()),
            (c, "Jugendamt C".to_string()),
        ];
        let terms = vec![
            Term {
                office_id: b,
                start_on: day("2021-01-01"),
                end_on: day("2022-12-31"),
            },
            Term {
                office_id: a,
                start_on: day("2023-01-01"),
                end_on: day("2024-12-31"),
            },
        ];
        assert_eq!(
            propose_next(&offices, &terms),
            Some(c),
            "C never held the management"
        );
        let mut all = terms.clone();
        all.push(Term {
            office_id: c,
            start_on: day("2025-01-01"),
            end_on: day("2026-12-31"),
        });
        assert_eq!(
            propose_next(&offices, &all),
            Some(b),
            "B's term lies furthest back"
        );
        assert_eq!(
            propose_next(&offices, &[]),
            Some(a),
            "without history: by name"
        );
    }
}
