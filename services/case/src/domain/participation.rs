//! Participation (Beteiligung): who took part in a step, whether the young person was heard and
//! whether agreement (Einvernehmen) was reached, or why not.

use qmf_platform::FieldError;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Role of a participant in a step.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ParticipantRole {
    YoungPerson,
    Parent,
    CustodyHolder,
    FosterParent,
    Caseworker,
    Provider,
    Guardian,
    Other,
}

/// The participation record every step carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({
    "participants": ["young_person", "parent", "caseworker"],
    "young_person_heard": true, "not_heard_reason": null,
    "agreement_reached": true, "no_agreement_reason": null
}))]
pub struct Participation {
    /// Roles of the people who took part (no names).
    #[schema(min_items = 1)]
    pub participants: Vec<ParticipantRole>,
    /// Whether the child or young person was heard.
    pub young_person_heard: bool,
    /// Required when the young person was not heard.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub not_heard_reason: Option<String>,
    /// Whether agreement (Einvernehmen) was reached.
    pub agreement_reached: bool,
    /// Required when no agreement was reached.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub no_agreement_reason: Option<String>,
}

fn blank(text: &Option<String>) -> bool {
    text.as_deref().is_none_or(|t| t.trim().is_empty())
}

impl Participation {
    /// Checks the record; `base` is the pointer of the participation object in the request.
    pub fn validate(&self, base: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.participants.is_empty() {
            errors.push(FieldError::new(
                format!("{base}/participants"),
                "name at least one participant role",
            ));
        }
        if !self.young_person_heard && blank(&self.not_heard_reason) {
            errors.push(FieldError::new(
                format!("{base}/not_heard_reason"),
                "is required when the young person was not heard",
            ));
        }
        if self.young_person_heard && !self.participants.contains(&ParticipantRole::YoungPerson) {
            errors.push(FieldError::new(
                format!("{base}/participants"),
                "must include young_person when the young person was heard",
            ));
        }
        if !self.agreement_reached && blank(&self.no_agreement_reason) {
            errors.push(FieldError::new(
                format!("{base}/no_agreement_reason"),
                "is required when no agreement was reached",
            ));
        }
        for (field, text) in [
            ("not_heard_reason", &self.not_heard_reason),
            ("no_agreement_reason", &self.no_agreement_reason),
        ] {
            if text.as_deref().is_some_and(|t| t.chars().count() > 2000) {
                errors.push(FieldError::new(
                    format!("{base}/{field}"),
                    "must have at most 2000 characters",
                ));
            }
        }
        errors
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Participation {
        Participation {
            participants: vec![ParticipantRole::YoungPerson, ParticipantRole::Parent],
            young_person_heard: true,
            not_heard_reason: None,
            agreement_reached: true,
            no_agreement_reason: None,
        }
    }

    #[test]
    fn a_complete_record_is_valid() {
        assert!(record().validate("/participation").is_empty());
    }

    #[test]
    fn not_hearing_the_young_person_needs_a_reason() {
        let mut p = record();
        p.young_person_heard = false;
        assert_eq!(p.validate("/p")[0].pointer, "/p/not_heard_reason");
        p.not_heard_reason = Some("Säugling, altersbedingt nicht möglich".into());
        assert!(p.validate("/p").is_empty());
    }

    #[test]
    fn missing_agreement_needs_a_reason_and_participants_are_required() {
        let mut p = record();
        p.agreement_reached = false;
        p.participants.clear();
        let pointers: Vec<String> = p.validate("/p").into_iter().map(|e| e.pointer).collect();
        assert!(pointers.contains(&"/p/no_agreement_reason".to_string()));
        assert!(pointers.contains(&"/p/participants".to_string()));
    }

    #[test]
    fn a_heard_young_person_is_among_the_participants() {
        let mut p = record();
        p.participants = vec![ParticipantRole::Parent];
        assert_eq!(p.validate("/p")[0].pointer, "/p/participants");
    }
}
