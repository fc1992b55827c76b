//! The OParl 1.1 view of the committee's public data: object types and their URLs, German
//! labels for stored codes, and the rules of OParl object lists (filters, page size, the
//! query string every page link carries). Plain Rust, no I/O.

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use qmf_platform::{ApiError, FieldError};
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

/// Page size of object lists when the client asks for none.
pub const DEFAULT_PAGE_SIZE: i64 = 100;
/// Largest page size; larger requests are served with this size (OParl clients must not
/// expect the server to honour their page size).
pub const MAX_PAGE_SIZE: i64 = 200;

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

/// The `created_*`/`modified_*` filters of an OParl list; bounds are inclusive.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListFilter {
    pub created_since: Option<DateTime<Utc>>,
    pub created_until: Option<DateTime<Utc>>,
    pub modified_since: Option<DateTime<Utc>>,
    pub modified_until: Option<DateTime<Utc>>,
}

impl ListFilter {
    /// Whether an object with these timestamps passes the filter.
    pub fn matches(&self, created: DateTime<Utc>, modified: DateTime<Utc>) -> bool {
        self.created_since.is_none_or(|t| created >= t)
            && self.created_until.is_none_or(|t| created <= t)
            && self.modified_since.is_none_or(|t| modified >= t)
            && self.modified_until.is_none_or(|t| modified <= t)
    }
}

/// The list parameters as the client sent them.
#[derive(Debug, Clone, Default)]
pub struct RawListParams<'a> {
    pub created_since: Option<&'a str>,
    pub created_until: Option<&'a str>,
    pub modified_since: Option<&'a str>,
    pub modified_until: Option<&'a str>,
    pub limit: Option<i64>,
    pub elements_per_page: Option<i64>,
    pub omit_internal: Option<bool>,
    pub cursor: Option<&'a str>,
}

/// Checked list parameters; every page link carries them again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListParams {
    pub filter: ListFilter,
    /// Effective page size.
    pub limit: i64,
    /// Leave out the lists of embedded objects (`Meeting.agendaItem`, `Paper.consultation`).
    pub omit_internal: bool,
    /// The cursor of the requested page (none: the first page).
    pub cursor: Option<String>,
}

/// Parses an RFC 3339 date-time with offset. A `+` that arrived unencoded in the query string
/// was decoded as a space; it is read as `+` again.
fn parse_time(pointer: &str, raw: &str) -> Result<DateTime<Utc>, FieldError> {
    let text = raw.trim().replace(' ', "+");
    DateTime::parse_from_rfc3339(&text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            FieldError::new(
                pointer,
                "must be a date-time with time zone (RFC 3339), e.g. 2027-01-01T00:00:00+01:00",
            )
        })
}

impl ListParams {
    pub fn parse(raw: &RawListParams<'_>) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        let mut time = |name: &str, value: Option<&str>| {
            value.and_then(|v| {
                parse_time(&format!("/query/{name}"), v)
                    .map_err(|e| errors.push(e))
                    .ok()
            })
        };
        let filter = ListFilter {
            created_since: time("created_since", raw.created_since),
            created_until: time("created_until", raw.created_until),
            modified_since: time("modified_since", raw.modified_since),
            modified_until: time("modified_until", raw.modified_until),
        };
        let requested = [
            ("limit", raw.limit),
            ("elementsPerPage", raw.elements_per_page),
        ];
        let mut limit = DEFAULT_PAGE_SIZE;
        for (name, value) in requested.iter().rev() {
            if let Some(n) = *value {
                if n < 1 {
                    errors.push(FieldError::new(
                        format!("/query/{name}"),
                        "must be at least 1",
                    ));
                } else {
                    limit = n.min(MAX_PAGE_SIZE);
                }
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::Validation(errors));
        }
        Ok(ListParams {
            filter,
            limit,
            omit_internal: raw.omit_internal.unwrap_or(false),
            cursor: raw.cursor.filter(|c| !c.is_empty()).map(str::to_string),
        })
    }

    /// The query string of a page of this list: the filters, the page size, `omit_internal`
    /// and the page's cursor, percent-encoded. Filter times are written in UTC.
    pub fn query(&self, cursor: Option<&str>) -> String {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, true);
        let mut pairs: Vec<(&str, String)> = Vec::new();
        let f = &self.filter;
        for (name, value) in [
            ("created_since", f.created_since),
            ("created_until", f.created_until),
            ("modified_since", f.modified_since),
            ("modified_until", f.modified_until),
        ] {
            if let Some(value) = value {
                pairs.push((name, time(value)));
            }
        }
        if self.limit != DEFAULT_PAGE_SIZE {
            pairs.push(("limit", self.limit.to_string()));
        }
        if self.omit_internal {
            pairs.push(("omit_internal", "true".to_string()));
        }
        if let Some(cursor) = cursor {
            pairs.push(("cursor", cursor.to_string()));
        }
        pairs
            .iter()
            .map(|(name, value)| format!("{name}={}", percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value: everything but RFC 3986 unreserved characters.
pub fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn raw<'a>() -> RawListParams<'a> {
        RawListParams::default()
    }

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
    fn filters_are_parsed_checked_and_written_back() {
        let params = ListParams::parse(&RawListParams {
            created_since: Some("2027-01-01T00:00:00+01:00"),
            // An unencoded `+` arrives as a space.
            modified_until: Some("2027-02-01T10:00:00.5 01:00"),
            limit: Some(5),
            omit_internal: Some(true),
            ..raw()
        })
        .unwrap();
        assert_eq!(
            params.filter.created_since.unwrap().to_rfc3339(),
            "2026-12-31T23:00:00+00:00"
        );
        assert_eq!(params.limit, 5);
        assert_eq!(
            params.query(Some("abc")),
            "created_since=2026-12-31T23%3A00%3A00Z&modified_until=2027-02-01T09%3A00%3A00.500Z\
             &limit=5&omit_internal=true&cursor=abc"
        );
        assert_eq!(ListParams::parse(&raw()).unwrap().query(None), "");

        let bad = ListParams::parse(&RawListParams {
            created_since: Some("2027-01-01"),
            modified_since: Some("yesterday"),
            limit: Some(0),
            ..raw()
        });
        let Err(ApiError::Validation(errors)) = bad else {
            panic!("expected a validation error");
        };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(
            pointers,
            vec![
                "/query/created_since",
                "/query/modified_since",
                "/query/limit"
            ]
        );
    }

    #[test]
    fn page_size_has_a_default_and_a_cap() {
        assert_eq!(ListParams::parse(&raw()).unwrap().limit, DEFAULT_PAGE_SIZE);
        let big = RawListParams {
            limit: Some(10_000),
            ..raw()
        };
        assert_eq!(ListParams::parse(&big).unwrap().limit, MAX_PAGE_SIZE);
        let alias = RawListParams {
            elements_per_page: Some(7),
            ..raw()
        };
        assert_eq!(ListParams::parse(&alias).unwrap().limit, 7);
        let both = RawListParams {
            limit: Some(3),
            elements_per_page: Some(7),
            ..raw()
        };
        assert_eq!(ListParams::parse(&both).unwrap().limit, 3);
    }

    #[test]
    fn filter_bounds_are_inclusive() {
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let filter = ListFilter {
            modified_since: Some(t("2027-01-01T00:00:00Z")),
            created_until: Some(t("2027-01-01T00:00:00Z")),
            ..ListFilter::default()
        };
        assert!(filter.matches(t("2027-01-01T00:00:00Z"), t("2027-01-01T00:00:00Z")));
        assert!(!filter.matches(t("2027-01-01T00:00:01Z"), t("2027-01-02T00:00:00Z")));
        assert!(!filter.matches(t("2026-01-01T00:00:00Z"), t("2026-12-31T23:59:59Z")));
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
        assert_eq!(percent_encode("a+b:c/ä"), "a%2Bb%3Ac%2F%C3%A4");
    }
}
