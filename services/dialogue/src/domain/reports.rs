//! Quality reports (Qualitätsberichte): the template, who reads them when, and the outcome
//! figures that pre-fill them.

use chrono::NaiveDate;
use qmf_platform::{ApiError, FieldError, RuleName};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use utoipa::ToSchema;

qmf_platform::rules! {
    /// Rules of quality reports.
    pub enum ReportRule {
        /// A submitted report does not change.
        ReportSubmitted = "report_submitted",
        /// A report is submitted at least `report_lead_days` before its dialogue, which must
        /// have a date.
        ReportTooLate = "report_too_late",
        /// A report belongs to a dialogue that takes place (not cancelled or withdrawn).
        DialogueNotPlanned = "dialogue_not_planned",
    }
}

/// The template version new reports are written with.
pub const TEMPLATE_VERSION: i32 = 1;

/// Groups of fewer closed cases are reported without figures, so that no family can be
/// recognised (as in the case service's statistics).
pub const MIN_GROUP_SIZE: i64 = 5;

/// The JSON Schema of template `version`, or `None` for an unknown version.
pub fn template(version: i32) -> Option<Value> {
    (version == 1).then(|| {
        let text = |description: &str| {
            json!({"type": "string", "minLength": 1, "maxLength": 20000, "description": description})
        };
        json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Qualitätsbericht, Vorlage 1",
            "type": "object",
            "additionalProperties": false,
            "required": ["profile", "offers", "developments", "topics"],
            "properties": {
                "profile": text("Die Organisation: Auftrag, Zielgruppen, Größe, Einzugsgebiet."),
                "offers": text("Angebote und Hilfearten, Besonderheiten des Konzepts."),
                "developments": text("Qualitätsentwicklung seit dem letzten Dialog: Maßnahmen, Ergebnisse, offene Punkte."),
                "outcomes": {
                    "type": "array",
                    "description": "Ergebniszahlen der beendeten Hilfen (aus der Vorbelegung); Gruppen unter fünf Hilfen ohne Zahlen.",
                    "maxItems": 50,
                    "items": {
                        "type": "object",
                        "additionalProperties": false,
                        "required": ["help_kind", "suppressed"],
                        "properties": {
                            "help_kind": {"type": "string", "maxLength": 100},
                            "suppressed": {"type": "boolean"},
                            "cases": {"type": ["integer", "null"], "minimum": 0},
                            "mean_duration_days": {"type": ["number", "null"], "minimum": 0},
                            "planned_end_share": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                            "goal_attainment": {"type": ["number", "null"], "minimum": 1, "maximum": 5}
                        }
                    }
                },
                "comment_on_outcomes": {"type": "string", "maxLength": 20000, "description": "Einordnung der Ergebniszahlen."},
                "topics": {
                    "type": "array", "minItems": 1, "maxItems": 10,
                    "description": "Themen, die die Organisation im Dialog besprechen möchte.",
                    "items": {"type": "string", "minLength": 1, "maxLength": 500}
                }
            }
        })
    })
}

/// Checks report content against template `version`; every error with its pointer.
pub fn check(version: i32, content: &Value) -> Result<(), Vec<FieldError>> {
    let schema = template(version).ok_or_else(|| {
        vec![FieldError::new(
            "/template_version",
            format!("no template version {version}"),
        )]
    })?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| {
        vec![FieldError::new(
            "/content",
            format!("the template is unusable: {}", e.masked()),
        )]
    })?;
    let errors: Vec<FieldError> = validator
        .iter_errors(content)
        .map(|e| {
            FieldError::new(
                format!("/content{}", e.instance_path()),
                e.masked().to_string(),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// Whether a report may be submitted on `today` for a dialogue on `day` with `lead_days`.
pub fn submission(
    day: Option<NaiveDate>,
    today: NaiveDate,
    lead_days: i32,
) -> Result<(), ApiError> {
    let Some(day) = day else {
        return Err(ReportRule::ReportTooLate.conflict("the dialogue has no date yet"));
    };
    let latest = day - chrono::Days::new(u64::try_from(lead_days).unwrap_or(0));
    if today > latest {
        return Err(ReportRule::ReportTooLate.conflict(format!(
            "the report was due by {latest}, {lead_days} days before the dialogue on {day}"
        )));
    }
    Ok(())
}

/// Writing a report (a draft until submitted).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"content": {"profile": "Stationäre und ambulante Hilfen im Hohenlohekreis.", "offers": "Wohngruppen, SPFH.",
    "developments": "Neues Beteiligungskonzept seit 2026.", "topics": ["Übergänge in die Volljährigkeit"]}}))]
pub struct ReportInput {
    /// Content following the current template (`GET /v1/report-template`).
    pub content: Value,
}

/// Outcome figures of one help kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"help_kind": "family_help", "suppressed": false, "cases": 12, "mean_duration_days": 398.5,
    "planned_end_share": 0.75, "goal_attainment": 3.9}))]
pub struct OutcomeFigures {
    pub help_kind: String,
    /// Fewer than five closed helps: no figures.
    pub suppressed: bool,
    pub cases: Option<i64>,
    pub mean_duration_days: Option<f64>,
    pub planned_end_share: Option<f64>,
    pub goal_attainment: Option<f64>,
}

/// Suppresses the figures of small groups.
pub fn figures(
    help_kind: String,
    cases: i64,
    mean_duration_days: Option<f64>,
    planned_end_share: Option<f64>,
    goal_attainment: Option<f64>,
) -> OutcomeFigures {
    let suppressed = cases < MIN_GROUP_SIZE;
    let round = |v: Option<f64>, places: i32| {
        v.filter(|_| !suppressed).map(|v| {
            let f = 10f64.powi(places);
            (v * f).round() / f
        })
    };
    OutcomeFigures {
        help_kind,
        suppressed,
        cases: (!suppressed).then_some(cases),
        mean_duration_days: round(mean_duration_days, 1),
        planned_end_share: round(planned_end_share, 2),
        goal_attainment: round(goal_attainment, 1),
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
    fn reports_follow_the_template() {
        let good = json!({"profile": "p", "offers": "o", "developments": "d", "topics": ["t"]});
        assert!(check(1, &good).is_ok());
        let bad = json!({"profile": "", "offers": "o", "topics": [], "extra": 1});
        let pointers: Vec<String> = check(1, &bad)
            .unwrap_err()
            .into_iter()
            .map(|e| e.pointer)
            .collect();
        assert!(
            pointers.contains(&"/content/profile".to_string()),
            "{pointers:?}"
        );
        assert!(
            pointers.contains(&"/content/topics".to_string()),
            "{pointers:?}"
        );
        assert!(pointers.contains(&"/content".to_string()), "{pointers:?}");
        assert_eq!(check(2, &good).unwrap_err()[0].pointer, "/template_version");
    }

    #[test]
    fn a_report_is_due_the_lead_days_before_its_dialogue() {
        let d = day(2027, 5, 12);
        assert!(submission(Some(d), day(2027, 4, 14), 28).is_ok());
        assert!(submission(Some(d), day(2027, 4, 15), 28).is_err());
        assert!(submission(None, day(2027, 4, 1), 28).is_err());
        qmf_platform::rules::assert_distinct_names(ReportRule::ALL);
    }

    #[test]
    fn small_groups_have_no_figures() {
        let small = figures("family_help".into(), 4, Some(300.0), Some(0.5), Some(3.0));
        assert!(small.suppressed && small.cases.is_none() && small.goal_attainment.is_none());
        let large = figures(
            "family_help".into(),
            5,
            Some(398.456),
            Some(0.7512),
            Some(3.94),
        );
        assert_eq!(
            (
                large.cases,
                large.mean_duration_days,
                large.planned_end_share,
                large.goal_attainment
            ),
            (Some(5), Some(398.5), Some(0.75), Some(3.9))
        );
    }
}
