//! Cycles and their rules. A cycle runs from 1 January of its start year to 31 December of its
//! last year (three years by default). Its rules are the numeric rules and weights of the
//! planner problem (version 1, `rules`): they say what a valid dialogue is and what a good plan
//! looks like, are stored with the cycle and versioned when the coordination changes them.

use chrono::NaiveDate;
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Weights of the plan's soft terms (what makes a valid plan better or worse).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    /// Per missing guest attendance below the target per staff member.
    pub attendance_shortfall: i64,
    /// Per dialogue away from an even spread over the cycle's years.
    pub year_balance: i64,
    /// Per minute of a guest's travel to the host.
    pub travel_minute: i64,
    /// Per dialogue on a Monday or Friday.
    pub monday_friday: i64,
    /// Per dialogue in school holidays.
    pub school_holiday: i64,
    /// Per dialogue without a guest from the host's district youth office.
    pub district_youth_office_absent: i64,
    /// Per dialogue outside the host's preferred months.
    pub preferred_month: i64,
}

/// The numeric rules of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"max_dialogues_per_day": 1, "max_dialogues_per_iso_week": 2, "report_lead_days": 28,
    "min_orgs_per_dialogue": 4, "max_orgs_per_dialogue": 7, "min_youth_offices_per_dialogue": 1,
    "min_institutions_per_dialogue": 2, "max_guest_dialogues_per_staff_per_year": 4,
    "target_guest_dialogues_per_staff": 2, "travel_road_factor_percent": 130, "travel_speed_kmh": 60,
    "weights": {"attendance_shortfall": 100, "year_balance": 50, "travel_minute": 1, "monday_friday": 20,
        "school_holiday": 200, "district_youth_office_absent": 300, "preferred_month": 50}}))]
pub struct CycleRules {
    /// Dialogues on one day in the whole region.
    pub max_dialogues_per_day: i32,
    /// Dialogues in one ISO week in the whole region.
    pub max_dialogues_per_iso_week: i32,
    /// Days between the quality report being ready and the dialogue.
    pub report_lead_days: i32,
    /// Organisations present at a dialogue (host included), at least…
    pub min_orgs_per_dialogue: i32,
    /// …and at most.
    pub max_orgs_per_dialogue: i32,
    pub min_youth_offices_per_dialogue: i32,
    pub min_institutions_per_dialogue: i32,
    /// Dialogues a staff member attends as guest in one calendar year, at most.
    pub max_guest_dialogues_per_staff_per_year: i32,
    /// Dialogues each staff member should attend as guest in the cycle.
    pub target_guest_dialogues_per_staff: i32,
    /// Road distance as a percentage of the straight line, for travel times.
    pub travel_road_factor_percent: i32,
    pub travel_speed_kmh: i32,
    pub weights: Weights,
}

impl Default for CycleRules {
    /// The region's rules (planner problem version 1).
    fn default() -> Self {
        CycleRules {
            max_dialogues_per_day: 1,
            max_dialogues_per_iso_week: 2,
            report_lead_days: 28,
            min_orgs_per_dialogue: 4,
            max_orgs_per_dialogue: 7,
            min_youth_offices_per_dialogue: 1,
            min_institutions_per_dialogue: 2,
            max_guest_dialogues_per_staff_per_year: 4,
            target_guest_dialogues_per_staff: 2,
            travel_road_factor_percent: 130,
            travel_speed_kmh: 60,
            weights: Weights {
                attendance_shortfall: 100,
                year_balance: 50,
                travel_minute: 1,
                monday_friday: 20,
                school_holiday: 200,
                district_youth_office_absent: 300,
                preferred_month: 50,
            },
        }
    }
}

impl CycleRules {
    /// Every field error, pointers below `at` (e.g. `/rules`).
    pub fn validate(&self, at: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let mut range = |field: &str, value: i64, low: i64, high: i64| {
            if !(low..=high).contains(&value) {
                errors.push(FieldError::new(
                    format!("{at}/{field}"),
                    format!("must be from {low} to {high}"),
                ));
            }
        };
        range(
            "max_dialogues_per_day",
            self.max_dialogues_per_day.into(),
            1,
            20,
        );
        range(
            "max_dialogues_per_iso_week",
            self.max_dialogues_per_iso_week.into(),
            1,
            100,
        );
        range("report_lead_days", self.report_lead_days.into(), 0, 180);
        range(
            "min_orgs_per_dialogue",
            self.min_orgs_per_dialogue.into(),
            2,
            50,
        );
        range(
            "max_orgs_per_dialogue",
            self.max_orgs_per_dialogue.into(),
            2,
            50,
        );
        range(
            "min_youth_offices_per_dialogue",
            self.min_youth_offices_per_dialogue.into(),
            0,
            10,
        );
        range(
            "min_institutions_per_dialogue",
            self.min_institutions_per_dialogue.into(),
            0,
            50,
        );
        range(
            "max_guest_dialogues_per_staff_per_year",
            self.max_guest_dialogues_per_staff_per_year.into(),
            1,
            50,
        );
        range(
            "target_guest_dialogues_per_staff",
            self.target_guest_dialogues_per_staff.into(),
            0,
            50,
        );
        range(
            "travel_road_factor_percent",
            self.travel_road_factor_percent.into(),
            100,
            300,
        );
        range("travel_speed_kmh", self.travel_speed_kmh.into(), 5, 200);
        let w = &self.weights;
        for (field, value) in [
            ("attendance_shortfall", w.attendance_shortfall),
            ("year_balance", w.year_balance),
            ("travel_minute", w.travel_minute),
            ("monday_friday", w.monday_friday),
            ("school_holiday", w.school_holiday),
            (
                "district_youth_office_absent",
                w.district_youth_office_absent,
            ),
            ("preferred_month", w.preferred_month),
        ] {
            range(&format!("weights/{field}"), value, 0, 1_000_000);
        }
        if self.min_orgs_per_dialogue > self.max_orgs_per_dialogue {
            errors.push(FieldError::new(
                format!("{at}/min_orgs_per_dialogue"),
                "must not exceed max_orgs_per_dialogue",
            ));
        }
        if self
            .min_youth_offices_per_dialogue
            .saturating_add(self.min_institutions_per_dialogue)
            > self.max_orgs_per_dialogue
        {
            errors.push(FieldError::new(
                format!("{at}/min_institutions_per_dialogue"),
                "youth offices and institutions required together exceed max_orgs_per_dialogue",
            ));
        }
        errors
    }
}

/// Opening a cycle.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"start_year": 2027}))]
pub struct OpenCycleInput {
    /// First calendar year of the cycle.
    pub start_year: i32,
    /// Length in years (default 3).
    #[serde(default)]
    pub years: Option<i32>,
    /// The cycle's rules (default: the region's rules, see `CycleRules`).
    #[serde(default)]
    pub rules: Option<CycleRules>,
}

/// A validated opening.
#[derive(Debug, Clone, PartialEq)]
pub struct CycleDraft {
    pub start_year: i32,
    pub years: i32,
    pub start_on: NaiveDate,
    pub end_on: NaiveDate,
    pub rules: CycleRules,
}

pub const DEFAULT_YEARS: i32 = 3;

impl OpenCycleInput {
    /// The cycle to open, or every field error. A cycle may start at most one year back and
    /// ten years ahead of `today`.
    pub fn validate(self, today: NaiveDate) -> Result<CycleDraft, Vec<FieldError>> {
        use chrono::Datelike;
        let mut errors = Vec::new();
        let this_year = today.year();
        if !(this_year - 1..=this_year + 10).contains(&self.start_year) {
            errors.push(FieldError::new(
                "/start_year",
                format!("must be from {} to {}", this_year - 1, this_year + 10),
            ));
        }
        let years = self.years.unwrap_or(DEFAULT_YEARS);
        if !(1..=5).contains(&years) {
            errors.push(FieldError::new("/years", "must be from 1 to 5"));
        }
        let rules = self.rules.unwrap_or_default();
        errors.extend(rules.validate("/rules"));
        let start_on = NaiveDate::from_ymd_opt(self.start_year, 1, 1);
        // Checked: out-of-range years are refused above, but still reach this line.
        let end_on = self
            .start_year
            .checked_add(years)
            .and_then(|year| year.checked_sub(1))
            .and_then(|year| NaiveDate::from_ymd_opt(year, 12, 31));
        match (errors.is_empty(), start_on, end_on) {
            (true, Some(start_on), Some(end_on)) => Ok(CycleDraft {
                start_year: self.start_year,
                years,
                start_on,
                end_on,
                rules,
            }),
            _ => {
                if errors.is_empty() {
                    errors.push(FieldError::new("/start_year", "is not a valid year"));
                }
                Err(errors)
            }
        }
    }
}

/// Changing a cycle's rules: the whole set, validated like at opening.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesInput {
    pub rules: CycleRules,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_cycle_spans_whole_calendar_years_three_by_default() {
        let input = OpenCycleInput {
            start_year: 2027,
            years: None,
            rules: None,
        };
        let draft = input.validate(day(2026, 12, 4)).unwrap();
        assert_eq!(
            (draft.start_on, draft.end_on),
            (day(2027, 1, 1), day(2029, 12, 31))
        );
        assert_eq!(draft.rules, CycleRules::default());
    }

    #[test]
    fn years_and_rules_out_of_range_are_each_named() {
        let mut rules = CycleRules {
            min_orgs_per_dialogue: 9,
            ..CycleRules::default()
        };
        rules.weights.travel_minute = -1;
        let input = OpenCycleInput {
            start_year: 2050,
            years: Some(9),
            rules: Some(rules),
        };
        let errors = input.validate(day(2026, 12, 4)).unwrap_err();
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            [
                "/start_year",
                "/years",
                "/rules/weights/travel_minute",
                "/rules/min_orgs_per_dialogue"
            ]
        );
    }

    #[test]
    fn huge_minimum_counts_are_refused_not_overflowed() {
        let rules = CycleRules {
            min_youth_offices_per_dialogue: i32::MAX,
            min_institutions_per_dialogue: i32::MAX,
            ..CycleRules::default()
        };
        let input = OpenCycleInput {
            start_year: 2027,
            years: None,
            rules: Some(rules),
        };
        let errors = input.validate(day(2026, 12, 4)).unwrap_err();
        assert!(
            errors
                .iter()
                .any(|e| e.pointer == "/rules/min_institutions_per_dialogue"),
            "{errors:?}"
        );
    }

    #[test]
    fn extreme_years_are_refused_not_overflowed() {
        for (start_year, years) in [
            (i32::MIN, i32::MIN),
            (-2_147_483_647, -34_103),
            (i32::MAX, i32::MAX),
            (2027, i32::MAX),
        ] {
            let input = OpenCycleInput {
                start_year,
                years: Some(years),
                rules: None,
            };
            let errors = input.validate(day(2026, 12, 4)).unwrap_err();
            let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
            assert!(
                pointers.contains(&"/years"),
                "{start_year}, {years}: {pointers:?}"
            );
        }
    }

    #[test]
    fn the_default_rules_are_the_planner_problems_v1_rules() {
        let text = serde_json::to_value(CycleRules::default()).unwrap();
        assert_eq!(
            text,
            serde_json::json!({"max_dialogues_per_day": 1, "max_dialogues_per_iso_week": 2, "report_lead_days": 28,
                "min_orgs_per_dialogue": 4, "max_orgs_per_dialogue": 7, "min_youth_offices_per_dialogue": 1,
                "min_institutions_per_dialogue": 2, "max_guest_dialogues_per_staff_per_year": 4,
                "target_guest_dialogues_per_staff": 2, "travel_road_factor_percent": 130, "travel_speed_kmh": 60,
                "weights": {"attendance_shortfall": 100, "year_balance": 50, "travel_minute": 1, "monday_friday": 20,
                    "school_holiday": 200, "district_youth_office_absent": 300, "preferred_month": 50}})
        );
        assert!(CycleRules::default().validate("/rules").is_empty());
    }
}
