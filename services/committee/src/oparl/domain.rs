//! The OParl 1.1 view of the committee's public data: object types and their URLs, and German
//! labels for stored codes. Plain Rust, no I/O; the rules of object lists are in
//! [`super::params`].

use chrono::{Datelike, NaiveDate};
use uuid::Uuid;

use crate::domain::bodies::{BodyKind, MembershipRole};
use crate::domain::meetings::MeetingState;

/// The OParl version this interface implements (`System.oparlVersion`).
pub const OPARL_VERSION: &str = "https://schema.oparl.org/1.1/";

/// Path of the OParl interface below the service's base URL.
pub const ROOT: &str = "/oparl/v1";

/// The one body (Körperschaft) of this system: the region's cooperation.
pub const BODY_KEY: &str = "region";
pub const BODY_NAME: &str = "Kooperation Jugendhilfe Heilbronn-Franken";
pub const BODY_SHORT_NAME: &str = "QMF Heilbronn-Franken";
pub const BODY_CLASSIFICATION: &str =
    "Kooperationsverbund öffentlicher und freier Träger der Jugendhilfe";
pub const SYSTEM_NAME: &str = "QMF Heilbronn-Franken: Gremien der Kooperation Jugendhilfe";

/// Object types of OParl 1.1 this interface serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectType {
    System,
    Body,
    Organization,
    Person,
    Membership,
    Meeting,
    AgendaItem,
    Paper,
    Consultation,
    LegislativeTerm,
    Location,
}

impl ObjectType {
    /// The value of the object's `type` property.
    pub const fn type_url(self) -> &'static str {
        match self {
            ObjectType::System => "https://schema.oparl.org/1.1/System",
            ObjectType::Body => "https://schema.oparl.org/1.1/Body",
            ObjectType::Organization => "https://schema.oparl.org/1.1/Organization",
            ObjectType::Person => "https://schema.oparl.org/1.1/Person",
            ObjectType::Membership => "https://schema.oparl.org/1.1/Membership",
            ObjectType::Meeting => "https://schema.oparl.org/1.1/Meeting",
            ObjectType::AgendaItem => "https://schema.oparl.org/1.1/AgendaItem",
            ObjectType::Paper => "https://schema.oparl.org/1.1/Paper",
            ObjectType::Consultation => "https://schema.oparl.org/1.1/Consultation",
            ObjectType::LegislativeTerm => "https://schema.oparl.org/1.1/LegislativeTerm",
            ObjectType::Location => "https://schema.oparl.org/1.1/Location",
        }
    }

    /// Path segment of the type's objects and of its list below the body.
    pub const fn segment(self) -> &'static str {
        match self {
            ObjectType::System => "system",
            ObjectType::Body => "body",
            ObjectType::Organization => "organization",
            ObjectType::Person => "person",
            ObjectType::Membership => "membership",
            ObjectType::Meeting => "meeting",
            ObjectType::AgendaItem => "agenda-item",
            ObjectType::Paper => "paper",
            ObjectType::Consultation => "consultation",
            ObjectType::LegislativeTerm => "legislative-term",
            ObjectType::Location => "location",
        }
    }

    /// The `kind` under which tombstones of this type are kept in `oparl_tombstones`: the
    /// OParl type name.
    pub const fn tombstone_kind(self) -> &'static str {
        match self {
            ObjectType::System => "System",
            ObjectType::Body => "Body",
            ObjectType::Organization => "Organization",
            ObjectType::Person => "Person",
            ObjectType::Membership => "Membership",
            ObjectType::Meeting => "Meeting",
            ObjectType::AgendaItem => "AgendaItem",
            ObjectType::Paper => "Paper",
            ObjectType::Consultation => "Consultation",
            ObjectType::LegislativeTerm => "LegislativeTerm",
            ObjectType::Location => "Location",
        }
    }
}

/// Absolute URLs of the interface, built from the base URL the client used (scheme and host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    base: String,
}

impl Urls {
    /// `base` is scheme and authority, e.g. `https://qmf.example`; a trailing slash is dropped.
    pub fn new(base: &str) -> Self {
        Urls {
            base: base.trim_end_matches('/').to_string(),
        }
    }

    pub fn system(&self) -> String {
        format!("{}{ROOT}/system", self.base)
    }

    pub fn body_list(&self) -> String {
        format!("{}{ROOT}/body", self.base)
    }

    pub fn body(&self) -> String {
        format!("{}{ROOT}/body/{BODY_KEY}", self.base)
    }

    /// The body's external list of objects of `kind`.
    pub fn list(&self, kind: ObjectType) -> String {
        format!("{}/{}", self.body(), kind.segment())
    }

    /// The external list of the meetings of one committee (`meeting` of an Organization).
    pub fn meetings_of(&self, organization: Uuid) -> String {
        format!(
            "{}/meeting",
            self.object(ObjectType::Organization, organization)
        )
    }

    /// The URL (and `id`) of one object.
    pub fn object(&self, kind: ObjectType, id: Uuid) -> String {
        format!("{}{ROOT}/{}/{id}", self.base, kind.segment())
    }

    /// The URL of a list page: `list` with `query` (already encoded) if not empty.
    pub fn page(list: &str, query: &str) -> String {
        if query.is_empty() {
            list.to_string()
        } else {
            format!("{list}?{query}")
        }
    }
}

/// The OParl `role` of a membership and whether it carries a vote (`votingRight`).
pub fn membership_role(role: MembershipRole) -> (&'static str, bool) {
    match role {
        MembershipRole::Chair => ("Vorsitz", true),
        MembershipRole::Deputy => ("Stellvertretender Vorsitz", true),
        MembershipRole::Speaker => ("Sprecher/in", true),
        MembershipRole::Member => ("Mitglied", true),
        MembershipRole::Guest => ("Gast", false),
        MembershipRole::Expert => ("Sachverständige/r", false),
    }
}

/// The OParl `meetingState` of a meeting and whether it is `cancelled`.
pub fn meeting_state(state: MeetingState) -> (&'static str, bool) {
    match state {
        MeetingState::Planned => ("geplant", false),
        MeetingState::Invited => ("eingeladen", false),
        MeetingState::Held => ("durchgeführt", false),
        MeetingState::MinutesApproved => ("Protokoll genehmigt", false),
        MeetingState::Cancelled => ("abgesagt", true),
    }
}

/// Every body of the cooperation is a committee (Gremium).
pub const ORGANIZATION_TYPE: &str = "Gremium";

/// The OParl `classification` of a body.
pub fn organization_classification(kind: BodyKind, is_sub_group: bool) -> &'static str {
    match kind {
        BodyKind::Forum => "Forum Jugendhilfe (Beschlussgremium)",
        BodyKind::Management => "Geschäftsführung",
        BodyKind::SteeringGroup => "Steuerungsgruppe",
        BodyKind::Coordination => "Gesamtkoordination",
        BodyKind::WorkingGroup if is_sub_group => "Unterarbeitskreis",
        BodyKind::WorkingGroup => "Arbeitskreis",
    }
}

/// Decisions that publish their topic as an OParl paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaperKind {
    /// Richtlinie.
    Guideline,
    /// Empfehlung.
    Recommendation,
}

impl PaperKind {
    /// The kind of a stored decision code; other decisions publish no paper.
    pub fn from_decision(code: &str) -> Option<PaperKind> {
        match code {
            "guideline" => Some(PaperKind::Guideline),
            "recommendation" => Some(PaperKind::Recommendation),
            _ => None,
        }
    }

    /// The OParl `paperType`.
    pub const fn paper_type(self) -> &'static str {
        match self {
            PaperKind::Guideline => "Richtlinie",
            PaperKind::Recommendation => "Empfehlung",
        }
    }

    const fn abbreviation(self) -> &'static str {
        match self {
            PaperKind::Guideline => "RL",
            PaperKind::Recommendation => "EMP",
        }
    }
}

/// The paper's `reference` (Aktenzeichen): kind, year of the decision and the last eight hex
/// digits of the topic id (the random part of a UUIDv7), e.g. `RL 2027/3f9a0c12`.
pub fn paper_reference(kind: PaperKind, decided_on: NaiveDate, topic: Uuid) -> String {
    let hex = topic.simple().to_string();
    let tail = &hex[hex.len().saturating_sub(8)..];
    format!("{} {}/{tail}", kind.abbreviation(), decided_on.year())
}

/// What a consultation of a paper was: the decision itself or a deliberation before it.
pub fn consultation_role(authoritative: bool) -> &'static str {
    if authoritative {
        "Beschlussfassung"
    } else {
        "Vorberatung"
    }
}

/// The name of a management term as an OParl legislative term, e.g.
/// `Geschäftsführung 2027–2028 (Stadt Heilbronn)`.
pub fn term_name(start_on: NaiveDate, end_on: NaiveDate, office: Option<&str>) -> String {
    let years = if start_on.year() == end_on.year() {
        start_on.year().to_string()
    } else {
        format!("{}–{}", start_on.year(), end_on.year())
    };
    match office.map(str::trim).filter(|o| !o.is_empty()) {
        Some(office) => format!("Geschäftsführung {years} ({office})"),
        None => format!("Geschäftsführung {years}"),
    }
}

/// A person's display name.
pub fn person_name(given: &str, family: &str) -> String {
    format!("{} {}", given.trim(), family.trim())
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn urls_are_absolute_and_typed() {
        let urls = Urls::new("https://qmf.example/");
        assert_eq!(urls.system(), "https://qmf.example/oparl/v1/system");
        assert_eq!(urls.body(), "https://qmf.example/oparl/v1/body/region");
        assert_eq!(
            urls.list(ObjectType::AgendaItem),
            "https://qmf.example/oparl/v1/body/region/agenda-item"
        );
        let id = Uuid::nil();
        assert_eq!(
            urls.object(ObjectType::LegislativeTerm, id),
            format!("https://qmf.example/oparl/v1/legislative-term/{id}")
        );
        assert_eq!(Urls::page("https://x/l", ""), "https://x/l");
        assert_eq!(Urls::page("https://x/l", "a=1"), "https://x/l?a=1");
        assert!(ObjectType::Paper.type_url().starts_with(OPARL_VERSION));
    }

    #[test]
    fn labels_and_names() {
        assert_eq!(membership_role(MembershipRole::Guest), ("Gast", false));
        assert!(membership_role(MembershipRole::Speaker).1);
        assert_eq!(meeting_state(MeetingState::Cancelled), ("abgesagt", true));
        assert_eq!(
            organization_classification(BodyKind::WorkingGroup, true),
            "Unterarbeitskreis"
        );
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(
            term_name(d(2027, 1, 1), d(2028, 12, 31), Some("Jugendamt A")),
            "Geschäftsführung 2027–2028 (Jugendamt A)"
        );
        assert_eq!(
            term_name(d(2027, 1, 1), d(2027, 12, 31), None),
            "Geschäftsführung 2027"
        );
        let topic = Uuid::parse_str("01937c00-0000-7000-8000-00003f9a0c12").unwrap();
        assert_eq!(
            paper_reference(PaperKind::Guideline, d(2027, 3, 17), topic),
            "RL 2027/3f9a0c12"
        );
        assert_eq!(
            PaperKind::from_decision("recommendation").map(PaperKind::paper_type),
            Some("Empfehlung")
        );
        assert_eq!(PaperKind::from_decision("event"), None);
        assert_eq!(person_name(" Lena ", "Hofmann"), "Lena Hofmann");
    }
}
