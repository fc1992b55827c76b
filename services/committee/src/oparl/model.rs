//! The OParl 1.1 objects this interface serves, as JSON: the list page and every object type.
//! Tombstones of deleted or depublished objects keep `id`, `type`, `created` and `modified`
//! and carry `deleted: true`; every other member is left out.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_with::skip_serializing_none;
use utoipa::ToSchema;

/// Paging facts of a list page.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OparlPagination {
    /// Objects per page; every page but the last is full.
    pub elements_per_page: i64,
}

/// Links of a list page.
#[derive(Debug, Serialize, ToSchema)]
pub struct OparlLinks {
    /// The first page, with the same filters.
    pub first: String,
    /// This page.
    #[serde(rename = "self")]
    pub this: String,
    /// The next page; absent on the last page.
    pub next: Option<String>,
}

/// One page of an OParl object list.
#[derive(Debug, Serialize, ToSchema)]
pub struct OparlList<T> {
    pub data: Vec<T>,
    pub pagination: OparlPagination,
    pub links: OparlLinks,
}

/// The OParl system: entry point of the interface.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/system", "type": "https://schema.oparl.org/1.1/System",
    "oparlVersion": "https://schema.oparl.org/1.1/", "body": "https://qmf.example/oparl/v1/body",
    "name": "QMF Heilbronn-Franken: Gremien der Kooperation Jugendhilfe",
    "created": "2026-11-24T08:00:00Z", "modified": "2026-11-24T08:00:00Z"}))]
pub struct OparlSystem {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub oparl_version: &'static str,
    /// The list of bodies.
    pub body: String,
    pub name: &'static str,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// A management term (Geschäftsführung) as an OParl legislative term.
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/legislative-term/01937b00-0000-7000-8000-000000000001",
    "type": "https://schema.oparl.org/1.1/LegislativeTerm", "body": "https://qmf.example/oparl/v1/body/region",
    "name": "Geschäftsführung 2027–2028 (Stadt Heilbronn)", "startDate": "2027-01-01", "endDate": "2028-12-31",
    "created": "2026-11-24T08:00:00Z", "modified": "2026-11-24T08:00:00Z"}))]
pub struct OparlLegislativeTerm {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub body: Option<String>,
    pub name: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    /// Present (true) only on tombstones.
    pub deleted: Option<bool>,
}

/// The body (Körperschaft): the region's cooperation, with links to its object lists.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/body/region", "type": "https://schema.oparl.org/1.1/Body",
    "system": "https://qmf.example/oparl/v1/system", "name": "Kooperation Jugendhilfe Heilbronn-Franken",
    "shortName": "QMF Heilbronn-Franken",
    "classification": "Kooperationsverbund öffentlicher und freier Träger der Jugendhilfe",
    "organization": "https://qmf.example/oparl/v1/body/region/organization",
    "person": "https://qmf.example/oparl/v1/body/region/person",
    "meeting": "https://qmf.example/oparl/v1/body/region/meeting",
    "paper": "https://qmf.example/oparl/v1/body/region/paper",
    "agendaItem": "https://qmf.example/oparl/v1/body/region/agenda-item",
    "consultation": "https://qmf.example/oparl/v1/body/region/consultation",
    "membership": "https://qmf.example/oparl/v1/body/region/membership",
    "locationList": "https://qmf.example/oparl/v1/body/region/location",
    "legislativeTerm": [], "legislativeTermList": "https://qmf.example/oparl/v1/body/region/legislative-term",
    "created": "2026-11-24T08:00:00Z", "modified": "2026-11-24T08:00:00Z"}))]
pub struct OparlBody {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub system: String,
    pub name: &'static str,
    pub short_name: &'static str,
    pub classification: &'static str,
    pub organization: String,
    pub person: String,
    pub meeting: String,
    pub paper: String,
    pub agenda_item: String,
    pub consultation: String,
    pub membership: String,
    pub location_list: String,
    pub legislative_term_list: String,
    /// Every management term, embedded.
    pub legislative_term: Vec<OparlLegislativeTerm>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
}

/// A committee (Gremium): Forum, management, steering group, overall coordination, a working
/// group or sub-group. Dissolved groups keep their page with `endDate`.
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/organization/7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "type": "https://schema.oparl.org/1.1/Organization", "body": "https://qmf.example/oparl/v1/body/region",
    "name": "AK Personal", "shortName": "AK Personal", "organizationType": "Gremium", "classification": "Arbeitskreis",
    "startDate": "2025-03-01", "endDate": "2027-06-30",
    "membership": ["https://qmf.example/oparl/v1/membership/01937a00-0000-7000-8000-000000000002"],
    "meeting": "https://qmf.example/oparl/v1/organization/7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11/meeting",
    "created": "2025-03-01T10:00:00Z", "modified": "2027-06-30T10:00:00Z"}))]
pub struct OparlOrganization {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub body: Option<String>,
    pub name: Option<String>,
    pub short_name: Option<String>,
    pub organization_type: Option<&'static str>,
    pub classification: Option<&'static str>,
    /// The working group a sub-group belongs to.
    pub sub_organization_of: Option<String>,
    pub start_date: Option<NaiveDate>,
    /// The day a temporary working group was dissolved.
    pub end_date: Option<NaiveDate>,
    /// The published memberships (people who consented), earliest start first.
    pub membership: Option<Vec<String>>,
    /// The list of the committee's public meetings.
    pub meeting: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}

/// A person who consented to being published.
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/person/01936f40-0000-7000-8000-000000000001",
    "type": "https://schema.oparl.org/1.1/Person", "body": "https://qmf.example/oparl/v1/body/region",
    "name": "Lena Hofmann", "givenName": "Lena", "familyName": "Hofmann",
    "membership": [{"id": "https://qmf.example/oparl/v1/membership/01937a00-0000-7000-8000-000000000002",
        "type": "https://schema.oparl.org/1.1/Membership",
        "person": "https://qmf.example/oparl/v1/person/01936f40-0000-7000-8000-000000000001",
        "organization": "https://qmf.example/oparl/v1/organization/7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
        "role": "Sprecher/in", "votingRight": true, "startDate": "2026-01-01",
        "created": "2026-01-05T09:00:00Z", "modified": "2026-01-05T09:00:00Z"}],
    "created": "2026-11-24T08:00:00Z", "modified": "2026-11-24T08:00:00Z"}))]
pub struct OparlPerson {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub body: Option<String>,
    pub name: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    /// The person's published memberships, embedded, earliest start first (left out with
    /// `omit_internal`).
    pub membership: Option<Vec<OparlMembership>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}

/// A person's seat in a committee.
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/membership/01937a00-0000-7000-8000-000000000002",
    "type": "https://schema.oparl.org/1.1/Membership",
    "person": "https://qmf.example/oparl/v1/person/01936f40-0000-7000-8000-000000000001",
    "organization": "https://qmf.example/oparl/v1/organization/7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "role": "Sprecher/in", "votingRight": true, "startDate": "2026-01-01",
    "created": "2026-01-05T09:00:00Z", "modified": "2026-01-05T09:00:00Z"}))]
pub struct OparlMembership {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub person: Option<String>,
    pub organization: Option<String>,
    /// Vorsitz, Stellvertretender Vorsitz, Sprecher/in, Mitglied, Gast or Sachverständige/r.
    pub role: Option<&'static str>,
    /// Guests and experts have no vote.
    pub voting_right: Option<bool>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}

/// Where a public meeting takes place (one location per meeting, same id).
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/location/01937c00-0000-7000-8000-000000000003",
    "type": "https://schema.oparl.org/1.1/Location", "description": "Landratsamt Künzelsau, Sitzungssaal",
    "meetings": ["https://qmf.example/oparl/v1/meeting/01937c00-0000-7000-8000-000000000003"],
    "created": "2027-01-10T08:00:00Z", "modified": "2027-01-10T08:00:00Z"}))]
pub struct OparlLocation {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub description: Option<String>,
    pub meetings: Option<Vec<String>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}

/// A public agenda item (Tagesordnungspunkt).
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/agenda-item/01937c01-0000-7000-8000-000000000004",
    "type": "https://schema.oparl.org/1.1/AgendaItem",
    "meeting": "https://qmf.example/oparl/v1/meeting/01937c00-0000-7000-8000-000000000003",
    "number": "3", "order": 3, "name": "Richtlinie Hilfeplanung", "public": true,
    "consultation": "https://qmf.example/oparl/v1/consultation/01937c01-0000-7000-8000-000000000004",
    "created": "2027-01-10T08:00:00Z", "modified": "2027-03-17T14:00:00Z"}))]
pub struct OparlAgendaItem {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub meeting: Option<String>,
    /// The item's number on the agenda.
    pub number: Option<String>,
    /// Position on the agenda, from 1.
    pub order: Option<i32>,
    pub name: Option<String>,
    pub public: Option<bool>,
    /// The deliberation of a published paper under this item.
    pub consultation: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}

/// A public meeting with its public agenda.
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/meeting/01937c00-0000-7000-8000-000000000003",
    "type": "https://schema.oparl.org/1.1/Meeting", "name": "Forum Jugendhilfe, Frühjahrssitzung",
    "meetingState": "eingeladen", "cancelled": false,
    "start": "2027-03-17T09:00:00Z", "end": "2027-03-17T13:00:00Z",
    "location": {"id": "https://qmf.example/oparl/v1/location/01937c00-0000-7000-8000-000000000003",
        "type": "https://schema.oparl.org/1.1/Location", "description": "Landratsamt Künzelsau, Sitzungssaal",
        "meetings": ["https://qmf.example/oparl/v1/meeting/01937c00-0000-7000-8000-000000000003"],
        "created": "2027-01-10T08:00:00Z", "modified": "2027-01-10T08:00:00Z"},
    "organization": ["https://qmf.example/oparl/v1/organization/7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11"],
    "participant": [], "agendaItem": [],
    "created": "2027-01-10T08:00:00Z", "modified": "2027-01-10T08:00:00Z"}))]
pub struct OparlMeeting {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub name: Option<String>,
    /// geplant, eingeladen, durchgeführt, Protokoll genehmigt or abgesagt.
    pub meeting_state: Option<&'static str>,
    pub cancelled: Option<bool>,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub location: Option<OparlLocation>,
    /// The committee that meets.
    pub organization: Option<Vec<String>>,
    /// The people who took part (present or as guests) and consented to publication, by name.
    pub participant: Option<Vec<String>>,
    /// The public agenda items, in order (left out with `omit_internal`).
    pub agenda_item: Option<Vec<OparlAgendaItem>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}

/// The deliberation of a paper under an agenda item of a public meeting (same id as the item).
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/consultation/01937c01-0000-7000-8000-000000000004",
    "type": "https://schema.oparl.org/1.1/Consultation",
    "paper": "https://qmf.example/oparl/v1/paper/01937d00-0000-7000-8000-000000000005",
    "agendaItem": "https://qmf.example/oparl/v1/agenda-item/01937c01-0000-7000-8000-000000000004",
    "meeting": "https://qmf.example/oparl/v1/meeting/01937c00-0000-7000-8000-000000000003",
    "organization": ["https://qmf.example/oparl/v1/organization/7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11"],
    "authoritative": true, "role": "Beschlussfassung",
    "created": "2027-01-10T08:00:00Z", "modified": "2027-03-17T14:00:00Z"}))]
pub struct OparlConsultation {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub paper: Option<String>,
    pub agenda_item: Option<String>,
    pub meeting: Option<String>,
    pub organization: Option<Vec<String>>,
    /// The meeting in which the decision was taken.
    pub authoritative: Option<bool>,
    /// Beschlussfassung (the deciding meeting) or Vorberatung.
    pub role: Option<&'static str>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}

/// An adopted guideline (Richtlinie) or recommendation (Empfehlung) of the Forum.
#[skip_serializing_none]
#[derive(Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(example = json!({"id": "https://qmf.example/oparl/v1/paper/01937d00-0000-7000-8000-000000000005",
    "type": "https://schema.oparl.org/1.1/Paper", "body": "https://qmf.example/oparl/v1/body/region",
    "name": "Richtlinie Hilfeplanung", "reference": "RL 2027/00000005", "date": "2027-03-17", "paperType": "Richtlinie",
    "originatorOrganization": ["https://qmf.example/oparl/v1/organization/7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11"],
    "consultation": [],
    "created": "2026-12-01T08:00:00Z", "modified": "2027-03-17T14:00:00Z"}))]
pub struct OparlPaper {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: &'static str,
    pub body: Option<String>,
    pub name: Option<String>,
    /// Kind, year of the decision and a short id, e.g. `RL 2027/3f9a0c12`.
    pub reference: Option<String>,
    /// Day of the decision.
    pub date: Option<NaiveDate>,
    /// Richtlinie or Empfehlung.
    pub paper_type: Option<&'static str>,
    /// The working group (or steering group) that drafted the topic.
    pub originator_organization: Option<Vec<String>>,
    /// Its deliberations in public meetings (left out with `omit_internal`).
    pub consultation: Option<Vec<OparlConsultation>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    pub deleted: Option<bool>,
}
