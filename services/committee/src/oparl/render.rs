//! Published objects from their stored rows: each OParl type's rendering, with the objects it
//! embeds, and its tombstone.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult};
use serde::Serialize;
use uuid::Uuid;

use super::domain::{self as rules, ObjectType, PaperKind, Urls};
use super::model::{
    OparlAgendaItem, OparlBody, OparlConsultation, OparlLegislativeTerm, OparlLocation,
    OparlMeeting, OparlMembership, OparlOrganization, OparlPaper, OparlPerson,
};
use super::rows::{
    AgendaItemRow, ConsultationRow, LiveRow, LocationRow, MeetingRow, MembershipRow,
    OrganizationRow, PaperRow, PersonRow, TermRow,
};
use super::store;
use crate::domain::bodies::{BodyKind, MembershipRole};
use crate::domain::meetings::MeetingState;
use crate::store::parse_code;

/// An OParl type served from stored rows.
pub trait Published: Serialize + Sized + Send {
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

/// The body with its embedded legislative terms.
pub async fn body(conn: &mut AsyncPgConnection, urls: &Urls) -> ApiResult<OparlBody> {
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
