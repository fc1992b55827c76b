//! Rows of the OParl queries: the stamp of every listed object, and the rows each object type
//! is rendered from.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::sql_types::{Bool, Date, Int4, Nullable, Text, Timestamptz};
use uuid::Uuid;

use super::domain::ObjectType;

type SqlUuid = diesel::sql_types::Uuid;

/// Identity and time stamps of a listed object; `deleted` for tombstones.
#[derive(Debug, Clone, QueryableByName)]
pub struct Stamp {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Bool)]
    pub deleted: bool,
}

/// Rows of live public objects of one type.
pub trait LiveRow: QueryableByName<Pg> + Send + 'static {
    const KIND: ObjectType;
    fn id(&self) -> Uuid;
}

#[derive(Debug, Clone, QueryableByName)]
pub struct OrganizationRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub short_name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub parent_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Date>)]
    pub established_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub dissolved_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct PersonRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub given_name: String,
    #[diesel(sql_type = Text)]
    pub family_name: String,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MembershipRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub person_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub body_id: Uuid,
    #[diesel(sql_type = Text)]
    pub role: String,
    #[diesel(sql_type = Date)]
    pub start_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    pub end_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct MeetingRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub body_id: Uuid,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub ends_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub place: String,
    #[diesel(sql_type = Text)]
    pub state: String,
    /// `modified` of the meeting's place (Location).
    #[diesel(sql_type = Timestamptz)]
    pub location_modified: DateTime<Utc>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct LocationRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub place: String,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct AgendaItemRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub meeting_id: Uuid,
    #[diesel(sql_type = Int4)]
    pub position: i32,
    #[diesel(sql_type = Text)]
    pub title: String,
    /// The published paper the item deliberates; its consultation has the item's id.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub paper_id: Option<Uuid>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct PaperRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub decision_kind: String,
    #[diesel(sql_type = Date)]
    pub decided_on: NaiveDate,
    #[diesel(sql_type = SqlUuid)]
    pub origin_body_id: Uuid,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct ConsultationRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = SqlUuid)]
    pub paper_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub meeting_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub body_id: Uuid,
    /// The consultation in the meeting that took the decision.
    #[diesel(sql_type = Bool)]
    pub authoritative: bool,
    #[diesel(sql_type = Timestamptz)]
    pub starts_at: DateTime<Utc>,
}

#[derive(Debug, Clone, QueryableByName)]
pub struct TermRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = Timestamptz)]
    pub created: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub modified: DateTime<Utc>,
    #[diesel(sql_type = Date)]
    pub start_on: NaiveDate,
    #[diesel(sql_type = Date)]
    pub end_on: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    pub office_name: Option<String>,
}

macro_rules! live_row {
    ($row:ty, $kind:expr) => {
        impl LiveRow for $row {
            const KIND: ObjectType = $kind;
            fn id(&self) -> Uuid {
                self.id
            }
        }
    };
}

live_row!(OrganizationRow, ObjectType::Organization);
live_row!(PersonRow, ObjectType::Person);
live_row!(MembershipRow, ObjectType::Membership);
live_row!(MeetingRow, ObjectType::Meeting);
live_row!(LocationRow, ObjectType::Location);
live_row!(AgendaItemRow, ObjectType::AgendaItem);
live_row!(PaperRow, ObjectType::Paper);
live_row!(ConsultationRow, ObjectType::Consultation);
live_row!(TermRow, ObjectType::LegislativeTerm);

/// A published person who took part in a meeting (present, or as a guest).
#[derive(Debug, Clone, QueryableByName)]
pub struct ParticipantRow {
    #[diesel(sql_type = SqlUuid)]
    pub meeting_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub person_id: Uuid,
}
