//! What a dialogue yields: who was there, the documentation with its findings and their
//! follow-up, the participants' ratings, and agreed measures carried out (or dropped).

use std::collections::BTreeSet;

use chrono::NaiveDate;
use qmf_platform::{ApiError, FieldError, RuleName};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dialogues::DialogueState;

qmf_platform::rules! {
    /// Rules of a dialogue's results.
    pub enum ResultRule {
        /// A dialogue is marked held after invitations went out, on its day or later
        /// (Europe/Berlin).
        HeldNeedsInvitations = "held_needs_invitations",
        /// Not before the dialogue's day.
        DialogueDayNotReached = "dialogue_day_not_reached",
        /// Attendance names the dialogue's representatives and guests only.
        AttendanceOfParticipants = "attendance_of_participants",
        /// Results are documented once the dialogue was held, once.
        DocumentationNeedsHeld = "documentation_needs_held",
        /// Participants rate a documented dialogue.
        EvaluationNeedsDocumentation = "evaluation_needs_documentation",
        /// Only participants who were present rate, once each.
        RatingsByPresentParticipants = "ratings_by_present_participants",
        /// An evaluation is completed with at least one rating.
        EvaluationNeedsRatings = "evaluation_needs_ratings",
        /// A measure done or dropped stays so.
        MeasureClosed = "measure_closed",
        /// Only agreed measures have a state to track.
        NotAMeasure = "not_a_measure",
    }
}

/// Whether a dialogue in `state` may be marked held on `today` (its day is `day`).
pub fn mark_held(
    state: DialogueState,
    day: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<(), ApiError> {
    if state != DialogueState::Invited {
        return Err(ResultRule::HeldNeedsInvitations.conflict(format!(
            "a dialogue is held after invitations went out; it is {}",
            state.code()
        )));
    }
    match day {
        Some(day) if day <= today => Ok(()),
        Some(day) => Err(ResultRule::DialogueDayNotReached
            .conflict(format!("the dialogue takes place on {day}"))),
        None => Err(ApiError::internal("an invited dialogue without a day")),
    }
}

pub fn document(state: DialogueState) -> Result<(), ApiError> {
    match state {
        DialogueState::Held => Ok(()),
        other => Err(ResultRule::DocumentationNeedsHeld.conflict(format!(
            "results are documented once after the dialogue was held; it is {}",
            other.code()
        ))),
    }
}

pub fn rate(state: DialogueState) -> Result<(), ApiError> {
    match state {
        DialogueState::Documented => Ok(()),
        other => Err(ResultRule::EvaluationNeedsDocumentation.conflict(format!(
            "participants rate a documented dialogue; it is {}",
            other.code()
        ))),
    }
}

/// Who was there: the representatives and guests present (everyone else listed was not).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"present": ["01936f40-0000-7000-8000-000000000001", "01936f40-0000-7000-8000-000000000011"]}))]
pub struct HeldInput {
    pub present: Vec<Uuid>,
}

impl HeldInput {
    pub fn validate(self) -> Result<BTreeSet<Uuid>, Vec<FieldError>> {
        let present: BTreeSet<Uuid> = self.present.iter().copied().collect();
        if present.len() != self.present.len() {
            return Err(vec![FieldError::new("/present", "names a person twice")]);
        }
        Ok(present)
    }
}

/// What a finding leads to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// An expert day (Fachtag) for staff of the region.
    ExpertDay,
    /// A topic for the Forum: it goes to the steering group's inbox.
    ForumTopic,
    /// A publication.
    Publication,
    /// A measure an organisation agreed to carry out by a due date.
    AgreedMeasure,
}

impl FindingKind {
    pub fn code(self) -> &'static str {
        match self {
            FindingKind::ExpertDay => "expert_day",
            FindingKind::ForumTopic => "forum_topic",
            FindingKind::Publication => "publication",
            FindingKind::AgreedMeasure => "agreed_measure",
        }
    }
}

/// A finding of a dialogue. Free text must not contain personal data of children or families.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "agreed_measure", "title": "Gemeinsame Checkliste Hilfeplangespräch",
    "summary": "Die Einrichtung erarbeitet mit dem Jugendamt eine Checkliste für die Vorbereitung.",
    "owner_organization_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "due_on": "2027-12-31"}))]
pub struct FindingInput {
    pub kind: FindingKind,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// 1 to 20,000 characters.
    #[schema(min_length = 1, max_length = 20000)]
    pub summary: String,
    /// With `agreed_measure` only: the organisation carrying it out.
    pub owner_organization_id: Option<Uuid>,
    /// With `agreed_measure` only.
    pub due_on: Option<NaiveDate>,
}

/// The documentation of a held dialogue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentationInput {
    /// The minutes (1 to 50,000 characters).
    #[schema(min_length = 1, max_length = 50000)]
    pub minutes: String,
    /// Up to 50 findings.
    #[serde(default)]
    #[schema(max_items = 50)]
    pub findings: Vec<FindingInput>,
}

/// A checked finding.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingDraft {
    pub kind: FindingKind,
    pub title: String,
    pub summary: String,
    pub owner_organization_id: Option<Uuid>,
    pub due_on: Option<NaiveDate>,
}

impl DocumentationInput {
    pub fn validate(self) -> Result<(String, Vec<FindingDraft>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let minutes = self.minutes.trim().to_string();
        if !(1..=50_000).contains(&minutes.chars().count()) {
            errors.push(FieldError::new(
                "/minutes",
                "must have 1 to 50000 characters",
            ));
        }
        if self.findings.len() > 50 {
            errors.push(FieldError::new("/findings", "at most 50 findings"));
        }
        let mut drafts = Vec::new();
        for (i, f) in self.findings.into_iter().enumerate() {
            let at = format!("/findings/{i}");
            let title = f.title.trim().to_string();
            let summary = f.summary.trim().to_string();
            if !(1..=300).contains(&title.chars().count()) {
                errors.push(FieldError::new(
                    format!("{at}/title"),
                    "must have 1 to 300 characters",
                ));
            }
            if !(1..=20_000).contains(&summary.chars().count()) {
                errors.push(FieldError::new(
                    format!("{at}/summary"),
                    "must have 1 to 20000 characters",
                ));
            }
            let measure = f.kind == FindingKind::AgreedMeasure;
            if measure && f.owner_organization_id.is_none() {
                errors.push(FieldError::new(
                    format!("{at}/owner_organization_id"),
                    "an agreed measure names the organisation carrying it out",
                ));
            }
            if measure && f.due_on.is_none() {
                errors.push(FieldError::new(
                    format!("{at}/due_on"),
                    "an agreed measure has a due date",
                ));
            }
            if !measure && (f.owner_organization_id.is_some() || f.due_on.is_some()) {
                errors.push(FieldError::new(
                    at.clone(),
                    "only an agreed measure has an owner and a due date",
                ));
            }
            drafts.push(FindingDraft {
                kind: f.kind,
                title,
                summary,
                owner_organization_id: f.owner_organization_id,
                due_on: f.due_on,
            });
        }
        if errors.is_empty() {
            Ok((minutes, drafts))
        } else {
            Err(errors)
        }
    }
}

/// A participant's ratings, each from 1 (not at all) to 5 (fully).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"preparation": 4, "exchange": 5, "results": 4, "organisation": 5}))]
pub struct Ratings {
    /// The quality report and the invitation prepared the dialogue well.
    #[schema(minimum = 1, maximum = 5)]
    pub preparation: i16,
    /// The exchange between youth offices and institutions was open and professional.
    #[schema(minimum = 1, maximum = 5)]
    pub exchange: i16,
    /// The dialogue reached clear results and agreements.
    #[schema(minimum = 1, maximum = 5)]
    pub results: i16,
    /// Time, place and moderation suited the dialogue.
    #[schema(minimum = 1, maximum = 5)]
    pub organisation: i16,
}

/// A participant's evaluation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvaluationInput {
    pub ratings: Ratings,
    /// Up to 2,000 characters; no personal data of children or families.
    #[schema(max_length = 2000)]
    pub comment: Option<String>,
}

impl EvaluationInput {
    pub fn validate(self) -> Result<(Ratings, Option<String>), Vec<FieldError>> {
        let mut errors = Vec::new();
        let r = self.ratings;
        for (name, value) in [
            ("preparation", r.preparation),
            ("exchange", r.exchange),
            ("results", r.results),
            ("organisation", r.organisation),
        ] {
            if !(1..=5).contains(&value) {
                errors.push(FieldError::new(
                    format!("/ratings/{name}"),
                    "must be from 1 to 5",
                ));
            }
        }
        let comment = self
            .comment
            .map(|c| c.trim().to_string())
            .filter(|c| !c.is_empty());
        if comment.as_ref().is_some_and(|c| c.chars().count() > 2000) {
            errors.push(FieldError::new("/comment", "at most 2000 characters"));
        }
        if errors.is_empty() {
            Ok((r, comment))
        } else {
            Err(errors)
        }
    }
}

/// Averages of the ratings in hundredths (425 = 4.25), so that no rounding of floating point
/// numbers enters the record.
pub fn averages(all: &[Ratings]) -> Option<[i32; 4]> {
    if all.is_empty() {
        return None;
    }
    let n = all.len() as i32;
    let avg = |f: fn(&Ratings) -> i16| {
        let sum: i32 = all.iter().map(|r| i32::from(f(r))).sum();
        (sum * 100 + n / 2) / n
    };
    Some([
        avg(|r| r.preparation),
        avg(|r| r.exchange),
        avg(|r| r.results),
        avg(|r| r.organisation),
    ])
}

/// Where an agreed measure stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureState {
    Open,
    Done,
    Dropped,
}

/// Closing a measure: done, or dropped with a reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"state": "dropped", "reason": "Durch die neue Landesrichtlinie überholt"}))]
pub struct MeasureInput {
    /// `done` or `dropped`.
    pub state: MeasureState,
    /// Required when dropped (1 to 500 characters).
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

impl MeasureInput {
    pub fn validate(self) -> Result<(MeasureState, Option<String>), Vec<FieldError>> {
        let reason = self
            .reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        match self.state {
            MeasureState::Open => Err(vec![FieldError::new("/state", "must be done or dropped")]),
            MeasureState::Dropped if reason.is_none() => Err(vec![FieldError::new(
                "/reason",
                "a dropped measure says why",
            )]),
            _ if reason.as_ref().is_some_and(|r| r.chars().count() > 500) => {
                Err(vec![FieldError::new("/reason", "at most 500 characters")])
            }
            state => Ok((state, reason)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn held_on_or_after_the_day_after_invitations() {
        let d = day(2027, 5, 12);
        assert!(mark_held(DialogueState::Invited, Some(d), d).is_ok());
        assert!(mark_held(DialogueState::Invited, Some(d), day(2027, 5, 11)).is_err());
        assert!(mark_held(DialogueState::Scheduled, Some(d), d).is_err());
        assert!(document(DialogueState::Held).is_ok());
        assert!(document(DialogueState::Documented).is_err());
        assert!(rate(DialogueState::Documented).is_ok());
        assert!(rate(DialogueState::Held).is_err());
        qmf_platform::rules::assert_distinct_names(ResultRule::ALL);
    }

    #[test]
    fn only_agreed_measures_have_an_owner_and_a_due_date() {
        let finding = |kind, owner: Option<Uuid>, due: Option<NaiveDate>| FindingInput {
            kind,
            title: "Titel".into(),
            summary: "Text".into(),
            owner_organization_id: owner,
            due_on: due,
        };
        let input = DocumentationInput {
            minutes: "Protokoll".into(),
            findings: vec![
                finding(FindingKind::AgreedMeasure, None, None),
                finding(FindingKind::ForumTopic, Some(Uuid::now_v7()), None),
                finding(
                    FindingKind::AgreedMeasure,
                    Some(Uuid::now_v7()),
                    Some(day(2027, 12, 31)),
                ),
            ],
        };
        let pointers: Vec<String> = input
            .validate()
            .unwrap_err()
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        assert_eq!(
            pointers,
            [
                "/findings/0/owner_organization_id",
                "/findings/0/due_on",
                "/findings/1"
            ]
        );
    }

    #[test]
    fn ratings_lie_between_one_and_five_and_average_in_hundredths() {
        let r = |p, e, re, o| Ratings {
            preparation: p,
            exchange: e,
            results: re,
            organisation: o,
        };
        let bad = EvaluationInput {
            ratings: r(0, 6, 3, 3),
            comment: None,
        };
        assert_eq!(bad.validate().unwrap_err().len(), 2);
        assert_eq!(
            averages(&[r(4, 5, 3, 5), r(5, 4, 4, 4)]),
            Some([450, 450, 350, 450])
        );
        assert_eq!(
            averages(&[r(4, 4, 4, 4), r(4, 4, 4, 5), r(5, 4, 4, 4)]),
            Some([433, 400, 400, 433])
        );
        assert_eq!(averages(&[]), None);
    }

    #[test]
    fn a_dropped_measure_says_why() {
        let input = |state, reason: Option<&str>| MeasureInput {
            state,
            reason: reason.map(str::to_string),
        };
        assert!(input(MeasureState::Dropped, None).validate().is_err());
        assert!(input(MeasureState::Open, None).validate().is_err());
        assert_eq!(
            input(MeasureState::Done, None).validate().unwrap(),
            (MeasureState::Done, None)
        );
    }
}
