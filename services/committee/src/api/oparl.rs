//! The read-only OParl 1.1 interface (https://oparl.org) over the committee's public data:
//! anonymous, no bearer token, `Access-Control-Allow-Origin: *` on every response (the platform
//! answers CORS for `/oparl/` itself, preflights included).
//!
//! One system with one body, the region's cooperation; its committees are OParl
//! organizations, the management terms legislative terms, adopted guidelines and
//! recommendations papers. Only public content appears: public meetings and their public
//! agenda items, people who consented to publication and their memberships. Objects that stop
//! being public stay in their lists as tombstones (`deleted: true` with `id`, `type`,
//! `created`, `modified`), and their URLs keep answering with the tombstone.
//!
//! Every `id` and link is an absolute URL under the configured public base URL
//! (`QMF_PUBLIC_BASE_URL`); without one, under the request's own host, and only behind a
//! configured trusted proxy (`QMF_TRUSTED_PROXIES`) under what `Forwarded` or
//! `X-Forwarded-Proto`/`X-Forwarded-Host` say. A client's forwarding headers are ignored.
//!
//! Lists are sorted by id (stable), paged with an opaque `cursor` in `links.next`, and filtered
//! by `created_since`, `created_until`, `modified_since`, `modified_until` (inclusive bounds);
//! every page link repeats the filters, the page size and `omit_internal`.

use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, get, web};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use diesel_async::pg::TransactionBuilder;
use qmf_platform::pagination::{decode_cursor, encode_cursor};
use qmf_platform::{ApiError, ApiResult, DbPool};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::bodies::{BodyKind, MembershipRole};
use crate::domain::meetings::MeetingState;
use crate::domain::oparl::{self as rules, ListParams, ObjectType, PaperKind, RawListParams, Urls};
use crate::store::oparl::{
    self as store, AgendaItemRow, ConsultationRow, LiveRow, LocationRow, MeetingRow, MembershipRow,
    OrganizationRow, PaperRow, PersonRow, Stamp, TermRow, Window,
};
use crate::store::parse_code;

/// Query parameters of every OParl object list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OparlListQuery {
    /// Only objects created at or after this time (RFC 3339 with time zone; encode `+` as `%2B`).
    #[param(example = "2027-01-01T00:00:00+01:00")]
    pub created_since: Option<String>,
    /// Only objects created at or before this time.
    pub created_until: Option<String>,
    /// Only objects modified (or deleted) at or after this time: the way to sync changes.
    #[param(example = "2027-03-01T00:00:00Z")]
    pub modified_since: Option<String>,
    /// Only objects modified (or deleted) at or before this time.
    pub modified_until: Option<String>,
    /// Objects per page, at least 1 (default 100); more than 200 are served as 200.
    #[param(minimum = 1, example = 100)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub limit: Option<i64>,
    /// The same as `limit` (the name OParl uses); `limit` wins when both are given.
    #[serde(
        rename = "elementsPerPage",
        default,
        deserialize_with = "qmf_platform::input::query_int"
    )]
    #[param(rename = "elementsPerPage", minimum = 1)]
    pub elements_per_page: Option<i64>,
    /// Leave out the lists of embedded objects (`agendaItem` of meetings, `consultation` of
    /// papers, `membership` of people), e.g. when they are read from their own lists anyway.
    pub omit_internal: Option<bool>,
    /// Opaque position of a page; take it from `links.next`, do not build it.
    pub cursor: Option<String>,
}

impl OparlListQuery {
    fn params(&self) -> ApiResult<(ListParams, Option<Uuid>)> {
        let params = ListParams::parse(&RawListParams {
            created_since: self.created_since.as_deref(),
            created_until: self.created_until.as_deref(),
            modified_since: self.modified_since.as_deref(),
            modified_until: self.modified_until.as_deref(),
            limit: self.limit,
            elements_per_page: self.elements_per_page,
            omit_internal: self.omit_internal,
            cursor: self.cursor.as_deref(),
        })?;
        let after = params.cursor.as_deref().map(decode_cursor).transpose()?;
        Ok((params, after))
    }
}

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
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    /// Present (true) only on tombstones.
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub short_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub classification: Option<&'static str>,
    /// The working group a sub-group belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sub_organization_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    /// The day a temporary working group was dissolved.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// The published memberships (people who consented), earliest start first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership: Option<Vec<String>>,
    /// The list of the committee's public meetings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// A person who consented to being published.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The person's published memberships, embedded, earliest start first (left out with
    /// `omit_internal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub membership: Option<Vec<OparlMembership>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// A person's seat in a committee.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// Vorsitz, Stellvertretender Vorsitz, Sprecher/in, Mitglied, Gast or Sachverständige/r.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    /// Guests and experts have no vote.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voting_right: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// Where a public meeting takes place (one location per meeting, same id).
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meetings: Option<Vec<String>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// A public agenda item (Tagesordnungspunkt).
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
    /// The item's number on the agenda.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Position on the agenda, from 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public: Option<bool>,
    /// The deliberation of a published paper under this item.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation: Option<String>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// A public meeting with its public agenda.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// geplant, eingeladen, durchgeführt, Protokoll genehmigt or abgesagt.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting_state: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<OparlLocation>,
    /// The committee that meets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Vec<String>>,
    /// The people who took part (present or as guests) and consented to publication, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub participant: Option<Vec<String>>,
    /// The public agenda items, in order (left out with `omit_internal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda_item: Option<Vec<OparlAgendaItem>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// The deliberation of a paper under an agenda item of a public meeting (same id as the item).
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agenda_item: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meeting: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organization: Option<Vec<String>>,
    /// The meeting in which the decision was taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authoritative: Option<bool>,
    /// Beschlussfassung (the deciding meeting) or Vorberatung.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<&'static str>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

/// An adopted guideline (Richtlinie) or recommendation (Empfehlung) of the Forum.
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Kind, year of the decision and a short id, e.g. `RL 2027/3f9a0c12`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Day of the decision.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<NaiveDate>,
    /// Richtlinie or Empfehlung.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper_type: Option<&'static str>,
    /// The working group (or steering group) that drafted the topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub originator_organization: Option<Vec<String>>,
    /// Its deliberations in public meetings (left out with `omit_internal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub consultation: Option<Vec<OparlConsultation>>,
    pub created: DateTime<Utc>,
    pub modified: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
}

fn request_urls(req: &HttpRequest) -> Urls {
    Urls::new(&qmf_platform::net::public_base_url(req))
}

/// An OParl type served from stored rows.
trait Published: Serialize + Sized + Send {
    type Row: LiveRow;
    const KIND: ObjectType;

    /// The objects of the live rows, in the rows' order; `embed` adds embedded object lists.
    fn render(
        conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<Self::Row>,
        embed: bool,
    ) -> impl Future<Output = ApiResult<Vec<Self>>> + Send;

    /// What remains of a deleted object.
    fn tombstone(id: String, created: DateTime<Utc>, modified: DateTime<Utc>) -> Self;
}

/// The objects of `stamps` in their order: tombstones, and the live objects still there.
async fn objects<P: Published>(
    conn: &mut AsyncPgConnection,
    urls: &Urls,
    stamps: &[Stamp],
    embed: bool,
) -> ApiResult<Vec<P>> {
    let live: Vec<Uuid> = stamps.iter().filter(|s| !s.deleted).map(|s| s.id).collect();
    let rows = store::live::<P::Row>(conn, &live).await?;
    let ids: Vec<Uuid> = rows.iter().map(LiveRow::id).collect();
    let mut rendered: HashMap<Uuid, P> = ids
        .into_iter()
        .zip(P::render(conn, urls, rows, embed).await?)
        .collect();
    Ok(stamps
        .iter()
        .filter_map(|stamp| {
            if stamp.deleted {
                let id = urls.object(P::KIND, stamp.id);
                Some(P::tombstone(id, stamp.created, stamp.modified))
            } else {
                rendered.remove(&stamp.id)
            }
        })
        .collect())
}

async fn list<P: Published>(
    req: &HttpRequest,
    pool: &DbPool,
    query: &OparlListQuery,
) -> ApiResult<HttpResponse> {
    let urls = request_urls(req);
    let list_url = urls.list(P::KIND);
    list_at::<P>(&urls, list_url, pool, query, None).await
}

/// One page of the list at `list_url`, narrowed to one committee's meetings with `meetings_of`.
async fn list_at<P: Published>(
    urls: &Urls,
    list_url: String,
    pool: &DbPool,
    query: &OparlListQuery,
    meetings_of: Option<Uuid>,
) -> ApiResult<HttpResponse> {
    let (params, after) = query.params()?;
    let window = Window {
        filter: params.filter,
        after,
        limit: params.limit.saturating_add(1),
        meetings_of,
    };
    let (limit, embed) = (params.limit, !params.omit_internal);
    let mut conn = pool.get().await?;
    let (data, next) = snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| {
            let mut stamps = store::stamps(conn, P::KIND, &window, None).await?;
            let limit = usize::try_from(limit).unwrap_or(0);
            let more = stamps.len() > limit;
            stamps.truncate(limit);
            let data = objects::<P>(conn, urls, &stamps, embed).await?;
            let next = stamps.last().filter(|_| more).map(|last| last.id);
            Ok((data, next))
        })
        .await?;
    let next = next.map(|id| encode_cursor(&id));
    Ok(HttpResponse::Ok().json(page(&list_url, &params, data, next)))
}

/// A read-only transaction on one snapshot, so that a page's stamps, rows and embedded objects
/// agree with each other.
fn snapshot(conn: &mut AsyncPgConnection) -> TransactionBuilder<'_, AsyncPgConnection> {
    conn.build_transaction().read_only().repeatable_read()
}

fn page<T>(url: &str, params: &ListParams, data: Vec<T>, next: Option<String>) -> OparlList<T> {
    OparlList {
        data,
        pagination: OparlPagination {
            elements_per_page: params.limit,
        },
        links: OparlLinks {
            first: Urls::page(url, &params.query(None)),
            this: Urls::page(url, &params.query(params.cursor.as_deref())),
            next: next.map(|cursor| Urls::page(url, &params.query(Some(&cursor)))),
        },
    }
}

async fn single<P: Published>(
    req: &HttpRequest,
    pool: &DbPool,
    id: Uuid,
) -> ApiResult<HttpResponse> {
    let urls = request_urls(req);
    let window = Window {
        filter: Default::default(),
        after: None,
        limit: 1,
        meetings_of: None,
    };
    let mut conn = pool.get().await?;
    let found = snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| {
            let stamps = store::stamps(conn, P::KIND, &window, Some(id)).await?;
            objects::<P>(conn, &urls, &stamps, true).await
        })
        .await?;
    found
        .into_iter()
        .next()
        .map(|object| HttpResponse::Ok().json(object))
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "no public {} with this id",
                P::KIND.tombstone_kind()
            ))
        })
}

fn term(urls: &Urls, row: TermRow) -> OparlLegislativeTerm {
    OparlLegislativeTerm {
        id: urls.object(ObjectType::LegislativeTerm, row.id),
        object_type: ObjectType::LegislativeTerm.type_url(),
        body: Some(urls.body()),
        name: Some(rules::term_name(
            row.start_on,
            row.end_on,
            row.office_name.as_deref(),
        )),
        start_date: Some(row.start_on),
        end_date: Some(row.end_on),
        created: row.created,
        modified: row.modified,
        deleted: None,
    }
}

fn membership(urls: &Urls, row: MembershipRow) -> ApiResult<OparlMembership> {
    let (role, voting_right) = rules::membership_role(parse_code::<MembershipRole>(&row.role)?);
    Ok(OparlMembership {
        id: urls.object(ObjectType::Membership, row.id),
        object_type: ObjectType::Membership.type_url(),
        person: Some(urls.object(ObjectType::Person, row.person_id)),
        organization: Some(urls.object(ObjectType::Organization, row.body_id)),
        role: Some(role),
        voting_right: Some(voting_right),
        start_date: Some(row.start_on),
        end_date: row.end_on,
        created: row.created,
        modified: row.modified,
        deleted: None,
    })
}

fn location(
    urls: &Urls,
    meeting: Uuid,
    place: String,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
) -> OparlLocation {
    OparlLocation {
        id: urls.object(ObjectType::Location, meeting),
        object_type: ObjectType::Location.type_url(),
        description: Some(place),
        meetings: Some(vec![urls.object(ObjectType::Meeting, meeting)]),
        created,
        modified,
        deleted: None,
    }
}

fn agenda_item(urls: &Urls, row: AgendaItemRow) -> OparlAgendaItem {
    OparlAgendaItem {
        id: urls.object(ObjectType::AgendaItem, row.id),
        object_type: ObjectType::AgendaItem.type_url(),
        meeting: Some(urls.object(ObjectType::Meeting, row.meeting_id)),
        number: Some(row.position.to_string()),
        order: Some(row.position),
        name: Some(row.title),
        public: Some(true),
        consultation: row
            .paper_id
            .map(|_| urls.object(ObjectType::Consultation, row.id)),
        created: row.created,
        modified: row.modified,
        deleted: None,
    }
}

fn consultation(urls: &Urls, row: ConsultationRow) -> OparlConsultation {
    OparlConsultation {
        id: urls.object(ObjectType::Consultation, row.id),
        object_type: ObjectType::Consultation.type_url(),
        paper: Some(urls.object(ObjectType::Paper, row.paper_id)),
        agenda_item: Some(urls.object(ObjectType::AgendaItem, row.id)),
        meeting: Some(urls.object(ObjectType::Meeting, row.meeting_id)),
        organization: Some(vec![urls.object(ObjectType::Organization, row.body_id)]),
        authoritative: Some(row.authoritative),
        role: Some(rules::consultation_role(row.authoritative)),
        created: row.created,
        modified: row.modified,
        deleted: None,
    }
}

/// Groups rows by a key, keeping their order.
fn grouped<R, T>(
    rows: Vec<R>,
    key: impl Fn(&R) -> Uuid,
    map: impl Fn(R) -> T,
) -> HashMap<Uuid, Vec<T>> {
    let mut groups: HashMap<Uuid, Vec<T>> = HashMap::new();
    for row in rows {
        groups.entry(key(&row)).or_default().push(map(row));
    }
    groups
}

macro_rules! tombstone {
    ($kind:expr) => {
        fn tombstone(id: String, created: DateTime<Utc>, modified: DateTime<Utc>) -> Self {
            Self {
                id,
                object_type: $kind.type_url(),
                created,
                modified,
                deleted: Some(true),
                ..Default::default()
            }
        }
    };
}

impl Published for OparlOrganization {
    type Row = OrganizationRow;
    const KIND: ObjectType = ObjectType::Organization;

    async fn render(
        conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<OrganizationRow>,
        _embed: bool,
    ) -> ApiResult<Vec<Self>> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let seats = store::memberships_of_bodies(conn, &ids).await?;
        let mut seats = grouped(
            seats,
            |m| m.body_id,
            |m| urls.object(ObjectType::Membership, m.id),
        );
        rows.into_iter()
            .map(|row| {
                let kind: BodyKind = parse_code(&row.kind)?;
                Ok(OparlOrganization {
                    id: urls.object(Self::KIND, row.id),
                    object_type: Self::KIND.type_url(),
                    body: Some(urls.body()),
                    name: Some(row.name),
                    short_name: row.short_name,
                    organization_type: Some(rules::ORGANIZATION_TYPE),
                    classification: Some(rules::organization_classification(
                        kind,
                        row.parent_id.is_some(),
                    )),
                    sub_organization_of: row
                        .parent_id
                        .map(|parent| urls.object(Self::KIND, parent)),
                    start_date: row.established_on,
                    end_date: row.dissolved_on,
                    membership: Some(seats.remove(&row.id).unwrap_or_default()),
                    meeting: Some(urls.meetings_of(row.id)),
                    created: row.created,
                    modified: row.modified,
                    deleted: None,
                })
            })
            .collect()
    }

    tombstone!(Self::KIND);
}

impl Published for OparlPerson {
    type Row = PersonRow;
    const KIND: ObjectType = ObjectType::Person;

    async fn render(
        conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<PersonRow>,
        embed: bool,
    ) -> ApiResult<Vec<Self>> {
        let mut seats: HashMap<Uuid, Vec<OparlMembership>> = HashMap::new();
        if embed {
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            for row in store::memberships_of_people(conn, &ids).await? {
                seats
                    .entry(row.person_id)
                    .or_default()
                    .push(membership(urls, row)?);
            }
        }
        Ok(rows
            .into_iter()
            .map(|row| OparlPerson {
                id: urls.object(Self::KIND, row.id),
                object_type: Self::KIND.type_url(),
                body: Some(urls.body()),
                name: Some(rules::person_name(&row.given_name, &row.family_name)),
                family_name: Some(row.family_name),
                given_name: Some(row.given_name),
                membership: embed.then(|| seats.remove(&row.id).unwrap_or_default()),
                created: row.created,
                modified: row.modified,
                deleted: None,
            })
            .collect())
    }

    tombstone!(Self::KIND);
}

impl Published for OparlMembership {
    type Row = MembershipRow;
    const KIND: ObjectType = ObjectType::Membership;

    async fn render(
        _conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<MembershipRow>,
        _embed: bool,
    ) -> ApiResult<Vec<Self>> {
        rows.into_iter().map(|row| membership(urls, row)).collect()
    }

    tombstone!(Self::KIND);
}

impl Published for OparlLocation {
    type Row = LocationRow;
    const KIND: ObjectType = ObjectType::Location;

    async fn render(
        _conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<LocationRow>,
        _embed: bool,
    ) -> ApiResult<Vec<Self>> {
        Ok(rows
            .into_iter()
            .map(|row| location(urls, row.id, row.place, row.created, row.modified))
            .collect())
    }

    tombstone!(Self::KIND);
}

impl Published for OparlMeeting {
    type Row = MeetingRow;
    const KIND: ObjectType = ObjectType::Meeting;

    async fn render(
        conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<MeetingRow>,
        embed: bool,
    ) -> ApiResult<Vec<Self>> {
        let mut agendas = if embed {
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            let items = store::agenda_of(conn, &ids).await?;
            grouped(items, |i| i.meeting_id, |i| agenda_item(urls, i))
        } else {
            HashMap::new()
        };
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut participants = grouped(
            store::participants_of(conn, &ids).await?,
            |p| p.meeting_id,
            |p| urls.object(ObjectType::Person, p.person_id),
        );
        rows.into_iter()
            .map(|row| {
                let (state, cancelled) =
                    rules::meeting_state(parse_code::<MeetingState>(&row.state)?);
                Ok(OparlMeeting {
                    id: urls.object(Self::KIND, row.id),
                    object_type: Self::KIND.type_url(),
                    name: Some(row.title),
                    meeting_state: Some(state),
                    cancelled: Some(cancelled),
                    start: Some(row.starts_at),
                    end: Some(row.ends_at),
                    location: Some(location(
                        urls,
                        row.id,
                        row.place,
                        row.created,
                        row.location_modified,
                    )),
                    organization: Some(vec![urls.object(ObjectType::Organization, row.body_id)]),
                    participant: Some(participants.remove(&row.id).unwrap_or_default()),
                    agenda_item: embed.then(|| agendas.remove(&row.id).unwrap_or_default()),
                    created: row.created,
                    modified: row.modified,
                    deleted: None,
                })
            })
            .collect()
    }

    tombstone!(Self::KIND);
}

impl Published for OparlAgendaItem {
    type Row = AgendaItemRow;
    const KIND: ObjectType = ObjectType::AgendaItem;

    async fn render(
        _conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<AgendaItemRow>,
        _embed: bool,
    ) -> ApiResult<Vec<Self>> {
        Ok(rows.into_iter().map(|row| agenda_item(urls, row)).collect())
    }

    tombstone!(Self::KIND);
}

impl Published for OparlConsultation {
    type Row = ConsultationRow;
    const KIND: ObjectType = ObjectType::Consultation;

    async fn render(
        _conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<ConsultationRow>,
        _embed: bool,
    ) -> ApiResult<Vec<Self>> {
        Ok(rows
            .into_iter()
            .map(|row| consultation(urls, row))
            .collect())
    }

    tombstone!(Self::KIND);
}

impl Published for OparlPaper {
    type Row = PaperRow;
    const KIND: ObjectType = ObjectType::Paper;

    async fn render(
        conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<PaperRow>,
        embed: bool,
    ) -> ApiResult<Vec<Self>> {
        let mut consultations = if embed {
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            let items = store::consultations_of(conn, &ids).await?;
            grouped(items, |c| c.paper_id, |c| consultation(urls, c))
        } else {
            HashMap::new()
        };
        rows.into_iter()
            .map(|row| {
                let kind = PaperKind::from_decision(&row.decision_kind).ok_or_else(|| {
                    ApiError::Internal(format!("decision kind {} is no paper", row.decision_kind))
                })?;
                Ok(OparlPaper {
                    id: urls.object(Self::KIND, row.id),
                    object_type: Self::KIND.type_url(),
                    body: Some(urls.body()),
                    name: Some(row.title),
                    reference: Some(rules::paper_reference(kind, row.decided_on, row.id)),
                    date: Some(row.decided_on),
                    paper_type: Some(kind.paper_type()),
                    originator_organization: Some(vec![
                        urls.object(ObjectType::Organization, row.origin_body_id),
                    ]),
                    consultation: embed.then(|| consultations.remove(&row.id).unwrap_or_default()),
                    created: row.created,
                    modified: row.modified,
                    deleted: None,
                })
            })
            .collect()
    }

    tombstone!(Self::KIND);
}

impl Published for OparlLegislativeTerm {
    type Row = TermRow;
    const KIND: ObjectType = ObjectType::LegislativeTerm;

    async fn render(
        _conn: &mut AsyncPgConnection,
        urls: &Urls,
        rows: Vec<TermRow>,
        _embed: bool,
    ) -> ApiResult<Vec<Self>> {
        Ok(rows.into_iter().map(|row| term(urls, row)).collect())
    }

    tombstone!(Self::KIND);
}

async fn body(conn: &mut AsyncPgConnection, urls: &Urls) -> ApiResult<OparlBody> {
    let (created, modified) = store::body_stamp(conn).await?;
    let terms = store::terms(conn).await?;
    Ok(OparlBody {
        id: urls.body(),
        object_type: ObjectType::Body.type_url(),
        system: urls.system(),
        name: rules::BODY_NAME,
        short_name: rules::BODY_SHORT_NAME,
        classification: rules::BODY_CLASSIFICATION,
        organization: urls.list(ObjectType::Organization),
        person: urls.list(ObjectType::Person),
        meeting: urls.list(ObjectType::Meeting),
        paper: urls.list(ObjectType::Paper),
        agenda_item: urls.list(ObjectType::AgendaItem),
        consultation: urls.list(ObjectType::Consultation),
        membership: urls.list(ObjectType::Membership),
        location_list: urls.list(ObjectType::Location),
        legislative_term_list: urls.list(ObjectType::LegislativeTerm),
        legislative_term: terms.into_iter().map(|row| term(urls, row)).collect(),
        created,
        modified,
    })
}

/// The OParl system: entry point of the read-only OParl 1.1 interface.
///
/// Public, no token. Every id and link is an absolute URL under the service's public base URL
/// (configured, or the request's host; forwarding headers count only from trusted proxies).
/// All `/oparl/v1/` responses carry `Access-Control-Allow-Origin: *`.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_system",
    security(()),
    responses((status = 200, description = "The system.", body = OparlSystem))
)]
#[get("/oparl/v1/system")]
pub async fn system(req: HttpRequest, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let urls = request_urls(&req);
    let mut conn = pool.get().await?;
    let (created, _) = store::body_stamp(&mut conn).await?;
    Ok(HttpResponse::Ok().json(OparlSystem {
        id: urls.system(),
        object_type: ObjectType::System.type_url(),
        oparl_version: rules::OPARL_VERSION,
        body: urls.body_list(),
        name: rules::SYSTEM_NAME,
        created,
        modified: created,
    }))
}

/// The list of bodies: the one body of the region's cooperation.
///
/// Takes the filters and paging parameters of every OParl list.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_list_bodies",
    security(()),
    params(OparlListQuery),
    responses(
        (status = 200, description = "The bodies that pass the filters.", body = OparlList<OparlBody>),
        (status = 422, description = "A filter is not an RFC 3339 date-time, `limit` is below 1, or `cursor` does not come from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/oparl/v1/body")]
pub async fn list_bodies(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    query: web::Query<OparlListQuery>,
) -> ApiResult<HttpResponse> {
    let (params, after) = query.params()?;
    let urls = request_urls(&req);
    let mut conn = pool.get().await?;
    let body = snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| body(conn, &urls).await)
        .await?;
    // The only body sorts first: a page after any position is empty.
    let data = if after.is_none() && params.filter.matches(body.created, body.modified) {
        vec![body]
    } else {
        Vec::new()
    };
    Ok(HttpResponse::Ok().json(page(&urls.body_list(), &params, data, None)))
}

/// The body: the region's cooperation (Kooperation Jugendhilfe Heilbronn-Franken).
///
/// Links to the lists of its committees, people, memberships, meetings, agenda items,
/// locations, papers, consultations and legislative terms; the terms are also embedded.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_body",
    security(()),
    responses((status = 200, description = "The body.", body = OparlBody))
)]
#[get("/oparl/v1/body/region")]
pub async fn get_body(req: HttpRequest, pool: web::Data<DbPool>) -> ApiResult<HttpResponse> {
    let urls = request_urls(&req);
    let mut conn = pool.get().await?;
    let body = snapshot(&mut conn)
        .run::<_, ApiError, _>(async |conn| body(conn, &urls).await)
        .await?;
    Ok(HttpResponse::Ok().json(body))
}

macro_rules! oparl_endpoints {
    ($object:ident,
     $list_fn:ident, $list_id:literal, $list_path:literal, $list_doc:literal,
     $get_fn:ident, $get_id:literal, $get_path:literal, $get_doc:literal) => {
        #[doc = $list_doc]
        #[doc = ""]
        #[doc = "Sorted by id; deleted or depublished objects stay as tombstones (`deleted: true`)."]
        #[utoipa::path(
            tag = "oparl",
            operation_id = $list_id,
            security(()),
            params(OparlListQuery),
            responses(
                (status = 200, description = "One page of the list: live objects and tombstones.", body = OparlList<$object>),
                (status = 422, description = "A filter is not an RFC 3339 date-time, `limit` is below 1, or `cursor` does not come from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($list_path)]
        pub async fn $list_fn(
            req: HttpRequest,
            pool: web::Data<DbPool>,
            query: web::Query<OparlListQuery>,
        ) -> ApiResult<HttpResponse> {
            list::<$object>(&req, &pool, &query).await
        }

        #[doc = $get_doc]
        #[doc = ""]
        #[doc = "A deleted or depublished object answers 200 with its tombstone (`deleted: true`)."]
        #[utoipa::path(
            tag = "oparl",
            operation_id = $get_id,
            security(()),
            params(("id" = Uuid, Path, description = "Object id (the last segment of its URL)")),
            responses(
                (status = 200, description = "The object or its tombstone.", body = $object),
                (status = 404, description = "No such object, or it was never public.", body = qmf_platform::Problem, content_type = "application/problem+json"),
            )
        )]
        #[get($get_path)]
        pub async fn $get_fn(
            req: HttpRequest,
            pool: web::Data<DbPool>,
            id: web::Path<Uuid>,
        ) -> ApiResult<HttpResponse> {
            single::<$object>(&req, &pool, *id).await
        }
    };
}

oparl_endpoints!(
    OparlOrganization,
    list_organizations,
    "oparl_list_organizations",
    "/oparl/v1/body/region/organization",
    "The committees (Gremien) as OParl organizations, dissolved working groups included.",
    get_organization,
    "oparl_organization",
    "/oparl/v1/organization/{id}",
    "One committee as an OParl organization."
);
oparl_endpoints!(
    OparlPerson,
    list_people,
    "oparl_list_people",
    "/oparl/v1/body/region/person",
    "The people who consented to publication; withdrawn consent leaves a tombstone.",
    get_person,
    "oparl_person",
    "/oparl/v1/person/{id}",
    "One person who consented to publication."
);
oparl_endpoints!(
    OparlMembership,
    list_memberships,
    "oparl_list_memberships",
    "/oparl/v1/body/region/membership",
    "The committee memberships of people who consented to publication.",
    get_membership,
    "oparl_membership",
    "/oparl/v1/membership/{id}",
    "One membership of a person who consented to publication."
);
oparl_endpoints!(
    OparlMeeting,
    list_meetings,
    "oparl_list_meetings",
    "/oparl/v1/body/region/meeting",
    "The public meetings with their place and public agenda.",
    get_meeting,
    "oparl_meeting",
    "/oparl/v1/meeting/{id}",
    "One public meeting with its place and public agenda."
);
oparl_endpoints!(
    OparlAgendaItem,
    list_agenda_items,
    "oparl_list_agenda_items",
    "/oparl/v1/body/region/agenda-item",
    "The public agenda items of public meetings; removed items stay as tombstones.",
    get_agenda_item,
    "oparl_agenda_item",
    "/oparl/v1/agenda-item/{id}",
    "One public agenda item of a public meeting."
);
oparl_endpoints!(
    OparlLocation,
    list_locations,
    "oparl_list_locations",
    "/oparl/v1/body/region/location",
    "The places of the public meetings (one per meeting, with the meeting's id).",
    get_location,
    "oparl_location",
    "/oparl/v1/location/{id}",
    "The place of one public meeting."
);
oparl_endpoints!(
    OparlPaper,
    list_papers,
    "oparl_list_papers",
    "/oparl/v1/body/region/paper",
    "The adopted guidelines (Richtlinien) and recommendations (Empfehlungen) as OParl papers, with their consultations.",
    get_paper,
    "oparl_paper",
    "/oparl/v1/paper/{id}",
    "One adopted guideline or recommendation with its consultations."
);
oparl_endpoints!(
    OparlConsultation,
    list_consultations,
    "oparl_list_consultations",
    "/oparl/v1/body/region/consultation",
    "The deliberations of published papers in public meetings; the deciding one is authoritative.",
    get_consultation,
    "oparl_consultation",
    "/oparl/v1/consultation/{id}",
    "One deliberation of a published paper (same id as its agenda item)."
);
oparl_endpoints!(
    OparlLegislativeTerm,
    list_legislative_terms,
    "oparl_list_legislative_terms",
    "/oparl/v1/body/region/legislative-term",
    "The management terms (Geschäftsführung) as OParl legislative terms.",
    get_legislative_term,
    "oparl_legislative_term",
    "/oparl/v1/legislative-term/{id}",
    "One management term as an OParl legislative term."
);

/// The public meetings of one committee (`meeting` of its Organization).
///
/// The same objects, order, filters and paging as the body's meeting list, narrowed to the
/// committee; a committee without public meetings has an empty list.
#[utoipa::path(
    tag = "oparl",
    operation_id = "oparl_list_organization_meetings",
    security(()),
    params(
        ("id" = Uuid, Path, description = "Organization id (the last segment of its URL)"),
        OparlListQuery,
    ),
    responses(
        (status = 200, description = "One page of the committee's meetings: live objects and tombstones.", body = OparlList<OparlMeeting>),
        (status = 404, description = "No such committee.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A filter is not an RFC 3339 date-time, `limit` is below 1, or `cursor` does not come from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/oparl/v1/organization/{id}/meeting")]
pub async fn list_organization_meetings(
    req: HttpRequest,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    query: web::Query<OparlListQuery>,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let exists = {
        let mut conn = pool.get().await?;
        store::organization_exists(&mut conn, id).await?
    };
    if !exists {
        return Err(ApiError::NotFound("no committee with this id".into()));
    }
    let urls = request_urls(&req);
    let list_url = urls.meetings_of(id);
    list_at::<OparlMeeting>(&urls, list_url, &pool, &query, Some(id)).await
}
