//! The Forum's decisions (Beschlüsse) in the register, and their content as recorded.

use chrono::{NaiveDate, Utc};
use qmf_platform::{ApiResult, FieldError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::bodies::{NewWorkingGroup, validate_working_group};
use crate::domain::decisions::DecisionKind;
use crate::store::decisions::DecisionRow;
use crate::store::parse_code;

/// A decision in the register.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937e00-0000-7000-8000-000000000006", "meeting_id": "01937c00-0000-7000-8000-000000000003",
    "topic_id": "01937d00-0000-7000-8000-000000000005", "kind": "establish_working_group", "title": "Einrichtung AK Inklusion",
    "text": "Das Forum richtet den befristeten AK Inklusion ein; Auftrag: Empfehlungen zur inklusiven Jugendhilfe bis Ende 2028.",
    "decided_on": "2027-03-17", "body_id": "01937e01-0000-7000-8000-000000000007", "created_at": "2027-03-17T14:02:11Z"}))]
pub struct Decision {
    pub id: Uuid,
    /// The held Forum meeting in which the decision was taken.
    pub meeting_id: Uuid,
    /// The topic (Vorlage) decided on, if any.
    pub topic_id: Option<Uuid>,
    pub kind: DecisionKind,
    pub title: String,
    pub text: String,
    /// Day of the meeting (Europe/Berlin).
    pub decided_on: NaiveDate,
    /// The working group set up or dissolved by the decision.
    pub body_id: Option<Uuid>,
    pub created_at: chrono::DateTime<Utc>,
}

pub fn decision(row: DecisionRow) -> ApiResult<Decision> {
    Ok(Decision {
        id: row.id,
        meeting_id: row.meeting_id,
        topic_id: row.topic_id,
        kind: parse_code(&row.kind)?,
        title: row.title,
        text: row.text,
        decided_on: row.decided_on,
        body_id: row.body_id,
        created_at: row.created_at,
    })
}

/// The working group a decision sets up; it starts on the day of the decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "AK Inklusion", "short_name": "AK Inkl", "permanent": false,
    "mandate": "Empfehlungen zur inklusiven Jugendhilfe bis Ende 2028.", "parent_id": null}))]
pub struct WorkingGroupSpec {
    /// Unique among all bodies.
    #[schema(min_length = 2, max_length = 200)]
    pub name: String,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 50)]
    pub short_name: Option<String>,
    pub permanent: bool,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub mandate: Option<String>,
    /// The working group it is a sub-group of.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
}

/// The content of a decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "establish_working_group", "title": "Einrichtung AK Inklusion",
    "text": "Das Forum richtet den befristeten AK Inklusion ein.",
    "working_group": {"name": "AK Inklusion", "permanent": false, "mandate": "Empfehlungen zur inklusiven Jugendhilfe."}}))]
pub struct DecisionInput {
    pub kind: DecisionKind,
    /// 1 to 300 characters.
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    /// The wording decided, 1 to 50,000 characters.
    #[schema(min_length = 1, max_length = 50000)]
    pub text: String,
    /// Required for `establish_working_group`, not allowed otherwise.
    #[serde(default)]
    pub working_group: Option<WorkingGroupSpec>,
    /// The working group to dissolve: required for `dissolve_working_group`, not allowed otherwise.
    #[serde(default)]
    pub body_id: Option<Uuid>,
}

impl DecisionInput {
    /// Field errors, with pointers below `prefix` (`""` or `/decision`).
    pub fn validate(&self, prefix: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let title = self.title.trim().chars().count();
        if !(1..=300).contains(&title) {
            errors.push(FieldError::new(
                format!("{prefix}/title"),
                "must have 1 to 300 characters",
            ));
        }
        let text = self.text.trim().chars().count();
        if !(1..=50_000).contains(&text) {
            errors.push(FieldError::new(
                format!("{prefix}/text"),
                "must have 1 to 50000 characters",
            ));
        }
        let establish = self.kind == DecisionKind::EstablishWorkingGroup;
        match (&self.working_group, establish) {
            (None, true) => errors.push(FieldError::new(
                format!("{prefix}/working_group"),
                "is required to set up a working group",
            )),
            (Some(_), false) => errors.push(FieldError::new(
                format!("{prefix}/working_group"),
                "is only given for establish_working_group",
            )),
            (Some(spec), true) => errors.extend(validate_working_group(
                &spec.as_new(NaiveDate::MIN),
                &format!("{prefix}/working_group"),
            )),
            (None, false) => {}
        }
        let dissolve = self.kind == DecisionKind::DissolveWorkingGroup;
        match (self.body_id, dissolve) {
            (None, true) => errors.push(FieldError::new(
                format!("{prefix}/body_id"),
                "is required to dissolve a working group",
            )),
            (Some(_), false) => errors.push(FieldError::new(
                format!("{prefix}/body_id"),
                "is only given for dissolve_working_group",
            )),
            _ => {}
        }
        errors
    }
}

impl WorkingGroupSpec {
    pub fn as_new(&self, established_on: NaiveDate) -> NewWorkingGroup {
        NewWorkingGroup {
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            permanent: self.permanent,
            mandate: self.mandate.clone(),
            parent_id: self.parent_id,
            established_on,
        }
    }
}
