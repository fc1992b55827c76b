//! Courses of the catalogue.

use qmf_contracts::directory::StaffFunction;
use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// What a course teaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    /// Guidelines and philosophy of the cooperation.
    Guidelines,
    /// The process steps of a help case.
    ProcessSteps,
    /// Using the instruments.
    Instruments,
    /// Taking part in and hosting quality dialogues.
    QualityDialogue,
    /// Refreshing an earlier training (e.g. after a new instrument version).
    Refresher,
    /// An expert day (Fachtag) the Forum plans for staff.
    ExpertDay,
}

impl Topic {
    pub fn code(self) -> &'static str {
        match self {
            Topic::Guidelines => "guidelines",
            Topic::ProcessSteps => "process_steps",
            Topic::Instruments => "instruments",
            Topic::QualityDialogue => "quality_dialogue",
            Topic::Refresher => "refresher",
            Topic::ExpertDay => "expert_day",
        }
    }
}

/// When a participant has completed the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompletionRule {
    /// Present on every day of the session.
    AllPartsAttended,
    /// Present on every day, or excused on some and made them up in another session.
    AttendedOrExcusedWithMakeUp,
}

impl CompletionRule {
    pub fn code(self) -> &'static str {
        match self {
            CompletionRule::AllPartsAttended => "all_parts_attended",
            CompletionRule::AttendedOrExcusedWithMakeUp => "attended_or_excused_with_make_up",
        }
    }
}

/// An instrument of the help process a course teaches (the case service's instrument keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    Assessment,
    HelpPlan,
    Review,
    FinalEvaluation,
}

impl Instrument {
    pub fn code(self) -> &'static str {
        match self {
            Instrument::Assessment => "assessment",
            Instrument::HelpPlan => "help_plan",
            Instrument::Review => "review",
            Instrument::FinalEvaluation => "final_evaluation",
        }
    }
}

/// A course as written.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Grundlagen der Kooperation", "topic": "guidelines",
    "description": "Leitlinien und Philosophie der Kooperation in Heilbronn-Franken.",
    "duration_hours": 12, "prerequisites": [], "completion_rule": "all_parts_attended",
    "required_for": ["caseworker", "leader"], "instruments": [], "valid_for_years": null}))]
pub struct CourseInput {
    /// 1 to 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    pub topic: Topic,
    /// 1 to 20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub description: String,
    /// 1 to 200 hours.
    #[schema(minimum = 1, maximum = 200)]
    pub duration_hours: i32,
    /// Courses to complete before this one (up to 20).
    #[serde(default)]
    pub prerequisites: Vec<Uuid>,
    pub completion_rule: CompletionRule,
    /// Staff functions of the directory for which the course is required.
    #[serde(default)]
    pub required_for: Vec<StaffFunction>,
    /// Instruments the course teaches: when one gets a new version, whoever was trained on it
    /// before needs a refresher (a course teaching it, completed after the release).
    #[serde(default)]
    pub instruments: Vec<Instrument>,
    /// How long a completion counts (1 to 20 years); none: for good.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 20)]
    pub valid_for_years: Option<i32>,
}

impl CourseInput {
    /// The course, trimmed, or every field error.
    pub fn validate(mut self) -> Result<CourseInput, Vec<FieldError>> {
        let mut errors = Vec::new();
        self.title = self.title.trim().to_string();
        self.description = self.description.trim().to_string();
        if self.title.is_empty() || self.title.chars().count() > 200 {
            errors.push(FieldError::new("/title", "1 to 200 characters"));
        }
        if self.description.is_empty() || self.description.chars().count() > 20_000 {
            errors.push(FieldError::new("/description", "1 to 20,000 characters"));
        }
        if !(1..=200).contains(&self.duration_hours) {
            errors.push(FieldError::new("/duration_hours", "must be from 1 to 200"));
        }
        self.prerequisites.sort();
        self.prerequisites.dedup();
        if self.prerequisites.len() > 20 {
            errors.push(FieldError::new("/prerequisites", "at most 20 courses"));
        }
        self.required_for.sort();
        self.required_for.dedup();
        self.instruments.sort();
        self.instruments.dedup();
        if self
            .valid_for_years
            .is_some_and(|years| !(1..=20).contains(&years))
        {
            errors.push(FieldError::new("/valid_for_years", "must be from 1 to 20"));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_course_is_trimmed_and_checked() {
        let input = CourseInput {
            title: "  Prozessschritte ".into(),
            topic: Topic::ProcessSteps,
            description: "Die Schritte eines Hilfefalls.".into(),
            duration_hours: 6,
            prerequisites: vec![],
            completion_rule: CompletionRule::AllPartsAttended,
            required_for: vec![
                StaffFunction::Leader,
                StaffFunction::Caseworker,
                StaffFunction::Leader,
            ],
            instruments: vec![Instrument::Review, Instrument::HelpPlan],
            valid_for_years: None,
        };
        let course = input.clone().validate().unwrap();
        assert_eq!(course.title, "Prozessschritte");
        assert_eq!(
            course.required_for,
            [StaffFunction::Leader, StaffFunction::Caseworker]
        );
        assert_eq!(
            course.instruments,
            [Instrument::HelpPlan, Instrument::Review]
        );
        let bad = CourseInput {
            title: " ".into(),
            duration_hours: 0,
            valid_for_years: Some(0),
            ..input
        };
        assert_eq!(bad.validate().unwrap_err().len(), 3);
    }
}
