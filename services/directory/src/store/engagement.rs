//! The engagement view's facts from the other services' events: each event is kept (for a
//! rebuild) and applied to the fact tables. Applying is idempotent per event and per fact, so a
//! repeated delivery or a replay gives the same tables.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::Uuid as SqlUuid;
use diesel::sql_types::{Array, BigInt, Bool, Date, Int4, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use qmf_contracts::committee::{
    self as committee, MeetingAttendanceRecordedV1, MeetingCancelledV1, MeetingHeldV1,
    MemberAttendance, MembershipEndedV1, MembershipStartedV1,
};
use qmf_contracts::dialogue::{
    self as dialogue, CycleOpenedV1, DialogueCancelledV1, DialogueHeldV1, DialogueScheduledV1,
    FindingRecordedV1, HostJoinedV1, HostWithdrawnV1, MeasureCompletedV1,
};
use qmf_contracts::training::{self as training, CompletionV1, CourseAddedV1};
use qmf_events::Envelope;
use qmf_platform::ApiError;
use qmf_platform::region::berlin_date;
use serde::de::DeserializeOwned;
use uuid::Uuid;

/// The event types the view is fed by.
pub const FED_BY: &[&str] = &[
    committee::MEMBERSHIP_STARTED,
    committee::MEMBERSHIP_ENDED,
    committee::MEETING_HELD,
    committee::MEETING_CANCELLED,
    committee::MEETING_ATTENDANCE_RECORDED,
    dialogue::CYCLE_OPENED,
    dialogue::HOST_JOINED,
    dialogue::HOST_WITHDRAWN,
    dialogue::DIALOGUE_SCHEDULED,
    dialogue::DIALOGUE_CANCELLED,
    dialogue::DIALOGUE_HELD,
    dialogue::FINDING_RECORDED,
    dialogue::MEASURE_COMPLETED,
    training::COURSE_ADDED,
    training::COMPLETION_ACHIEVED,
    training::COMPLETION_WITHDRAWN,
];

/// Why an event could not be applied.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// The payload does not fit its type: applying it again will not help.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Database(#[from] diesel::result::Error),
}

fn data<T: DeserializeOwned>(event: &Envelope) -> Result<T, ApplyError> {
    event
        .data_as()
        .map_err(|e| ApplyError::Invalid(format!("{}: {e}", event.event_type)))
}

/// Keeps `event` for rebuilds (once per event id) and applies it.
pub async fn record(conn: &mut AsyncPgConnection, event: &Envelope) -> Result<(), ApplyError> {
    diesel::sql_query(
        "INSERT INTO engagement_events (event_id, event_type, occurred_at, data) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
    )
    .bind::<SqlUuid, _>(event.id)
    .bind::<Text, _>(&event.event_type)
    .bind::<Timestamptz, _>(event.time)
    .bind::<Jsonb, _>(&event.data)
    .execute(conn)
    .await?;
    apply(conn, event).await
}

/// Applies one event to the fact tables.
pub async fn apply(conn: &mut AsyncPgConnection, event: &Envelope) -> Result<(), ApplyError> {
    match event.event_type.as_str() {
        committee::MEMBERSHIP_STARTED => {
            let m: MembershipStartedV1 = data(event)?;
            // Guests and invited experts hold no seat.
            if !matches!(m.role.as_str(), "chair" | "deputy" | "speaker" | "member") {
                return Ok(());
            }
            run(
                diesel::sql_query(
                    "INSERT INTO engagement_seats (membership_id, body_id, organization_id, start_on, end_on) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (membership_id) DO UPDATE \
                     SET body_id = $2, organization_id = $3, start_on = $4, end_on = $5",
                )
                .bind::<SqlUuid, _>(m.membership_id)
                .bind::<SqlUuid, _>(m.body_id)
                .bind::<SqlUuid, _>(m.organization_id)
                .bind::<Date, _>(m.start_on)
                .bind::<Nullable<Date>, _>(m.end_on),
                conn,
            )
            .await
        }
        committee::MEMBERSHIP_ENDED => {
            let m: MembershipEndedV1 = data(event)?;
            run(
                diesel::sql_query(
                    "UPDATE engagement_seats SET end_on = $2 WHERE membership_id = $1",
                )
                .bind::<SqlUuid, _>(m.membership_id)
                .bind::<Date, _>(m.end_on),
                conn,
            )
            .await
        }
        committee::MEETING_HELD => {
            let m: MeetingHeldV1 = data(event)?;
            meeting(
                conn,
                m.meeting_id,
                m.body_id,
                berlin_date(m.starts_at),
                Some(true),
                None,
            )
            .await
        }
        committee::MEETING_CANCELLED => {
            let m: MeetingCancelledV1 = data(event)?;
            meeting(
                conn,
                m.meeting_id,
                m.body_id,
                berlin_date(m.starts_at),
                None,
                Some(true),
            )
            .await
        }
        committee::MEETING_ATTENDANCE_RECORDED => {
            let m: MeetingAttendanceRecordedV1 = data(event)?;
            meeting(
                conn,
                m.meeting_id,
                m.body_id,
                berlin_date(m.starts_at),
                None,
                None,
            )
            .await?;
            run(
                diesel::sql_query("DELETE FROM engagement_attendance WHERE meeting_id = $1")
                    .bind::<SqlUuid, _>(m.meeting_id),
                conn,
            )
            .await?;
            // An organisation is present when any of its people was.
            let mut by_organization: std::collections::BTreeMap<Uuid, &str> = Default::default();
            for entry in &m.entries {
                let presence = match entry.status {
                    MemberAttendance::Present => "present",
                    MemberAttendance::Excused => "excused",
                };
                let slot = by_organization
                    .entry(entry.organization_id)
                    .or_insert(presence);
                if presence == "present" {
                    *slot = presence;
                }
            }
            for (organization, presence) in by_organization {
                run(
                    diesel::sql_query(
                        "INSERT INTO engagement_attendance (meeting_id, organization_id, presence) \
                         VALUES ($1, $2, $3)",
                    )
                    .bind::<SqlUuid, _>(m.meeting_id)
                    .bind::<SqlUuid, _>(organization)
                    .bind::<Text, _>(presence),
                    conn,
                )
                .await?;
            }
            Ok(())
        }
        dialogue::CYCLE_OPENED => {
            let c: CycleOpenedV1 = data(event)?;
            run(
                diesel::sql_query(
                    "INSERT INTO engagement_cycles (cycle_id, start_on, end_on) VALUES ($1, $2, $3) \
                     ON CONFLICT (cycle_id) DO UPDATE SET start_on = $2, end_on = $3",
                )
                .bind::<SqlUuid, _>(c.cycle_id)
                .bind::<Date, _>(c.start_on)
                .bind::<Date, _>(c.end_on),
                conn,
            )
            .await
        }
        dialogue::HOST_JOINED => {
            let h: HostJoinedV1 = data(event)?;
            dialogue_of(conn, h.dialogue_id, h.cycle_id, h.organization_id).await
        }
        dialogue::HOST_WITHDRAWN => {
            let h: HostWithdrawnV1 = data(event)?;
            if !h.dialogue_withdrawn {
                return Ok(());
            }
            withdraw(conn, h.dialogue_id).await
        }
        dialogue::DIALOGUE_SCHEDULED => {
            let d: DialogueScheduledV1 = data(event)?;
            dialogue_of(conn, d.dialogue_id, d.cycle_id, d.host_organization_id).await
        }
        dialogue::DIALOGUE_CANCELLED => {
            let d: DialogueCancelledV1 = data(event)?;
            withdraw(conn, d.dialogue_id).await
        }
        dialogue::DIALOGUE_HELD => {
            let d: DialogueHeldV1 = data(event)?;
            dialogue_of(conn, d.dialogue_id, d.cycle_id, d.host_organization_id).await?;
            run(
                diesel::sql_query(
                    "UPDATE engagement_dialogues SET held_on = $2 WHERE dialogue_id = $1",
                )
                .bind::<SqlUuid, _>(d.dialogue_id)
                .bind::<Date, _>(d.date),
                conn,
            )
            .await?;
            for guest in d
                .attendance
                .iter()
                .filter(|a| a.role == "guest" && a.present)
            {
                run(
                    diesel::sql_query(
                        "INSERT INTO engagement_guests (dialogue_id, person_id, organization_id) \
                         VALUES ($1, $2, $3) ON CONFLICT (dialogue_id, person_id) \
                         DO UPDATE SET organization_id = $3",
                    )
                    .bind::<SqlUuid, _>(d.dialogue_id)
                    .bind::<SqlUuid, _>(guest.person_id)
                    .bind::<SqlUuid, _>(guest.organization_id),
                    conn,
                )
                .await?;
            }
            Ok(())
        }
        dialogue::FINDING_RECORDED => {
            let f: FindingRecordedV1 = data(event)?;
            let (true, Some(owner)) = (f.kind == "agreed_measure", f.owner_organization_id) else {
                return Ok(());
            };
            run(
                diesel::sql_query(
                    "INSERT INTO engagement_measures (finding_id, owner_organization_id, title, agreed_on, due_on) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (finding_id) DO UPDATE \
                     SET owner_organization_id = $2, title = $3, agreed_on = $4, due_on = $5",
                )
                .bind::<SqlUuid, _>(f.finding_id)
                .bind::<SqlUuid, _>(owner)
                .bind::<Text, _>(&f.title)
                .bind::<Date, _>(f.held_on)
                .bind::<Nullable<Date>, _>(f.due_on),
                conn,
            )
            .await
        }
        dialogue::MEASURE_COMPLETED => {
            let m: MeasureCompletedV1 = data(event)?;
            let column = if m.state == "dropped" {
                "dropped_on"
            } else {
                "completed_on"
            };
            run(
                diesel::sql_query(format!(
                    "UPDATE engagement_measures SET {column} = $2 WHERE finding_id = $1"
                ))
                .bind::<SqlUuid, _>(m.finding_id)
                .bind::<Date, _>(m.completed_on),
                conn,
            )
            .await
        }
        training::COURSE_ADDED => {
            let c: CourseAddedV1 = data(event)?;
            let required_for: Vec<String> = c
                .required_for
                .iter()
                .map(qmf_platform::codes::code)
                .collect();
            run(
                diesel::sql_query(
                    "INSERT INTO engagement_courses (course_id, title, required_for, valid_for_years) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (course_id) DO UPDATE \
                     SET title = $2, required_for = $3, valid_for_years = $4",
                )
                .bind::<SqlUuid, _>(c.course_id)
                .bind::<Text, _>(&c.title)
                .bind::<Array<Text>, _>(&required_for)
                .bind::<Nullable<Int4>, _>(c.valid_for_years),
                conn,
            )
            .await
        }
        training::COMPLETION_ACHIEVED => {
            let c: CompletionV1 = data(event)?;
            run(
                diesel::sql_query(
                    "INSERT INTO engagement_completions (registration_id, person_id, organization_id, course_id, completed_on) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (registration_id) DO UPDATE \
                     SET person_id = $2, organization_id = $3, course_id = $4, completed_on = $5",
                )
                .bind::<SqlUuid, _>(c.registration_id)
                .bind::<SqlUuid, _>(c.person_id)
                .bind::<SqlUuid, _>(c.organization_id)
                .bind::<SqlUuid, _>(c.course_id)
                .bind::<Date, _>(c.completed_on),
                conn,
            )
            .await
        }
        training::COMPLETION_WITHDRAWN => {
            let c: CompletionV1 = data(event)?;
            run(
                diesel::sql_query("DELETE FROM engagement_completions WHERE registration_id = $1")
                    .bind::<SqlUuid, _>(c.registration_id),
                conn,
            )
            .await
        }
        _ => Ok(()),
    }
}

async fn run<Q>(query: Q, conn: &mut AsyncPgConnection) -> Result<(), ApplyError>
where
    Q: diesel_async::methods::ExecuteDsl<AsyncPgConnection> + Send,
{
    query.execute(conn).await?;
    Ok(())
}

/// Creates the meeting or updates it; `held`/`cancelled` only ever become true.
async fn meeting(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    body: Uuid,
    day: NaiveDate,
    held: Option<bool>,
    cancelled: Option<bool>,
) -> Result<(), ApplyError> {
    run(
        diesel::sql_query(
            "INSERT INTO engagement_meetings (meeting_id, body_id, day, held, cancelled) \
             VALUES ($1, $2, $3, COALESCE($4, false), COALESCE($5, false)) \
             ON CONFLICT (meeting_id) DO UPDATE SET body_id = $2, day = $3, \
             held = engagement_meetings.held OR COALESCE($4, false), \
             cancelled = engagement_meetings.cancelled OR COALESCE($5, false)",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(body)
        .bind::<Date, _>(day)
        .bind::<Nullable<Bool>, _>(held)
        .bind::<Nullable<Bool>, _>(cancelled),
        conn,
    )
    .await
}

async fn dialogue_of(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    cycle: Uuid,
    host: Uuid,
) -> Result<(), ApplyError> {
    run(
        diesel::sql_query(
            "INSERT INTO engagement_dialogues (dialogue_id, cycle_id, host_organization_id) \
             VALUES ($1, $2, $3) ON CONFLICT (dialogue_id) DO UPDATE \
             SET cycle_id = $2, host_organization_id = $3",
        )
        .bind::<SqlUuid, _>(id)
        .bind::<SqlUuid, _>(cycle)
        .bind::<SqlUuid, _>(host),
        conn,
    )
    .await
}

async fn withdraw(conn: &mut AsyncPgConnection, id: Uuid) -> Result<(), ApplyError> {
    run(
        diesel::sql_query(
            "UPDATE engagement_dialogues SET withdrawn = true WHERE dialogue_id = $1 AND held_on IS NULL",
        )
        .bind::<SqlUuid, _>(id),
        conn,
    )
    .await
}

// ---------------------------------------------------------------------------------------------
// Reading the facts

use std::collections::HashMap;

use crate::domain::engagement::{
    AgreementFact, AgreementKind, CompletionFact, CourseFact, CycleFact, Facts, GuestFact,
    HostedFact, MeasureFact, MeetingFact, Presence, SeatFact, StaffFact,
};

#[derive(diesel::QueryableByName)]
struct AgreementRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Date)]
    signed_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    terminated_on: Option<NaiveDate>,
}

#[derive(diesel::QueryableByName)]
struct DayRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
}

#[derive(diesel::QueryableByName)]
struct SeatRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    body_id: Uuid,
    #[diesel(sql_type = Date)]
    start_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    end_on: Option<NaiveDate>,
}

#[derive(diesel::QueryableByName)]
struct MeetingRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    body_id: Uuid,
    #[diesel(sql_type = Date)]
    day: NaiveDate,
    #[diesel(sql_type = Nullable<Text>)]
    presence: Option<String>,
}

#[derive(diesel::QueryableByName)]
struct HostedRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    cycle_id: Uuid,
    #[diesel(sql_type = Nullable<Date>)]
    held_on: Option<NaiveDate>,
}

#[derive(diesel::QueryableByName)]
struct GuestRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    cycle_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    dialogue_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    person_id: Uuid,
    #[diesel(sql_type = Date)]
    held_on: NaiveDate,
}

#[derive(diesel::QueryableByName)]
struct MeasureRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Date)]
    agreed_on: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    due_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    completed_on: Option<NaiveDate>,
}

#[derive(diesel::QueryableByName)]
struct StaffRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Array<Text>)]
    functions: Vec<String>,
    #[diesel(sql_type = Date)]
    active_from: NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    active_until: Option<NaiveDate>,
}

#[derive(diesel::QueryableByName)]
struct CompletionRow {
    #[diesel(sql_type = SqlUuid)]
    organization_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    person_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    course_id: Uuid,
    #[diesel(sql_type = Date)]
    completed_on: NaiveDate,
}

#[derive(diesel::QueryableByName)]
struct CourseRow {
    #[diesel(sql_type = SqlUuid)]
    course_id: Uuid,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Array<Text>)]
    required_for: Vec<String>,
    #[diesel(sql_type = Nullable<Int4>)]
    valid_for_years: Option<i32>,
}

#[derive(diesel::QueryableByName)]
struct CycleRow {
    #[diesel(sql_type = SqlUuid)]
    cycle_id: Uuid,
    #[diesel(sql_type = Date)]
    start_on: NaiveDate,
    #[diesel(sql_type = Date)]
    end_on: NaiveDate,
}

/// Everything the view knows, for `organizations`: the facts of each, the catalogue's courses
/// and the cycles of dialogues.
pub struct Known {
    pub facts: HashMap<Uuid, Facts>,
    pub courses: Vec<CourseFact>,
    pub cycles: Vec<CycleFact>,
}

/// Reads the facts of `organizations` (their own agreements, confirmations and staff from the
/// directory's tables; the rest from the view's).
pub async fn known(
    conn: &mut AsyncPgConnection,
    organizations: &[Uuid],
) -> Result<Known, diesel::result::Error> {
    let mut facts: HashMap<Uuid, Facts> = organizations
        .iter()
        .map(|id| (*id, Facts::default()))
        .collect();
    macro_rules! load {
        ($row:ty, $sql:expr) => {{
            let rows: Vec<$row> = diesel::sql_query($sql)
                .bind::<Array<SqlUuid>, _>(organizations)
                .load(conn)
                .await?;
            rows
        }};
    }
    for r in load!(
        AgreementRow,
        "SELECT organization_id, kind, signed_on, terminated_on FROM agreements \
         WHERE organization_id = ANY($1)"
    ) {
        let kind = if r.kind == "cooperation_agreement" {
            AgreementKind::Cooperation
        } else {
            AgreementKind::QualityDevelopment
        };
        facts
            .entry(r.organization_id)
            .or_default()
            .agreements
            .push(AgreementFact {
                kind,
                signed_on: r.signed_on,
                terminated_on: r.terminated_on,
            });
    }
    for r in load!(
        DayRow,
        "SELECT organization_id, confirmed_on AS day FROM leadership_confirmations \
         WHERE organization_id = ANY($1)"
    ) {
        facts
            .entry(r.organization_id)
            .or_default()
            .confirmations
            .push(r.day);
    }
    for r in load!(
        SeatRow,
        "SELECT organization_id, body_id, start_on, end_on FROM engagement_seats \
         WHERE organization_id = ANY($1)"
    ) {
        facts
            .entry(r.organization_id)
            .or_default()
            .seats
            .push(SeatFact {
                body_id: r.body_id,
                start_on: r.start_on,
                end_on: r.end_on,
            });
    }
    for r in load!(
        MeetingRow,
        "SELECT s.organization_id, m.body_id, m.day, a.presence \
         FROM engagement_meetings m \
         JOIN (SELECT DISTINCT organization_id, body_id FROM engagement_seats \
               WHERE organization_id = ANY($1)) s ON s.body_id = m.body_id \
         LEFT JOIN engagement_attendance a \
                ON a.meeting_id = m.meeting_id AND a.organization_id = s.organization_id \
         WHERE m.held AND NOT m.cancelled"
    ) {
        let presence = match r.presence.as_deref() {
            Some("present") => Some(Presence::Present),
            Some("excused") => Some(Presence::Excused),
            _ => None,
        };
        facts
            .entry(r.organization_id)
            .or_default()
            .meetings
            .push(MeetingFact {
                body_id: r.body_id,
                day: r.day,
                presence,
            });
    }
    for r in load!(
        HostedRow,
        "SELECT host_organization_id AS organization_id, cycle_id, held_on \
         FROM engagement_dialogues WHERE NOT withdrawn AND host_organization_id = ANY($1)"
    ) {
        facts
            .entry(r.organization_id)
            .or_default()
            .hosted
            .push(HostedFact {
                cycle_id: r.cycle_id,
                held_on: r.held_on,
            });
    }
    for r in load!(
        GuestRow,
        "SELECT g.organization_id, d.cycle_id, g.dialogue_id, g.person_id, d.held_on \
         FROM engagement_guests g JOIN engagement_dialogues d USING (dialogue_id) \
         WHERE g.organization_id = ANY($1) AND d.held_on IS NOT NULL"
    ) {
        facts
            .entry(r.organization_id)
            .or_default()
            .guest_visits
            .push(GuestFact {
                cycle_id: r.cycle_id,
                dialogue_id: r.dialogue_id,
                person_id: r.person_id,
                held_on: r.held_on,
            });
    }
    for r in load!(
        MeasureRow,
        "SELECT owner_organization_id AS organization_id, title, agreed_on, due_on, completed_on \
         FROM engagement_measures WHERE dropped_on IS NULL AND owner_organization_id = ANY($1)"
    ) {
        facts
            .entry(r.organization_id)
            .or_default()
            .measures
            .push(MeasureFact {
                title: r.title,
                agreed_on: r.agreed_on,
                due_on: r.due_on,
                completed_on: r.completed_on,
            });
    }
    for r in load!(
        StaffRow,
        "SELECT organization_id, id, functions, active_from, active_until FROM people \
         WHERE organization_id = ANY($1)"
    ) {
        facts
            .entry(r.organization_id)
            .or_default()
            .staff
            .push(StaffFact {
                person_id: r.id,
                functions: r.functions,
                active_from: r.active_from,
                active_until: r.active_until,
            });
    }
    for r in load!(
        CompletionRow,
        "SELECT organization_id, person_id, course_id, completed_on FROM engagement_completions \
         WHERE organization_id = ANY($1)"
    ) {
        facts
            .entry(r.organization_id)
            .or_default()
            .completions
            .push(CompletionFact {
                person_id: r.person_id,
                course_id: r.course_id,
                completed_on: r.completed_on,
            });
    }
    let courses: Vec<CourseRow> = diesel::sql_query(
        "SELECT course_id, title, required_for, valid_for_years FROM engagement_courses \
         ORDER BY title, course_id",
    )
    .load(conn)
    .await?;
    let cycles: Vec<CycleRow> = diesel::sql_query(
        "SELECT cycle_id, start_on, end_on FROM engagement_cycles ORDER BY start_on",
    )
    .load(conn)
    .await?;
    Ok(Known {
        facts,
        courses: courses
            .into_iter()
            .map(|c| CourseFact {
                id: c.course_id,
                title: c.title,
                required_for: c.required_for,
                valid_for_years: c.valid_for_years.and_then(|y| u32::try_from(y).ok()),
            })
            .collect(),
        cycles: cycles
            .into_iter()
            .map(|c| CycleFact {
                id: c.cycle_id,
                start_on: c.start_on,
                end_on: c.end_on,
            })
            .collect(),
    })
}

/// The view's fact tables, emptied and refilled by a rebuild.
pub const FACT_TABLES: [&str; 9] = [
    "engagement_seats",
    "engagement_meetings",
    "engagement_attendance",
    "engagement_cycles",
    "engagement_dialogues",
    "engagement_guests",
    "engagement_measures",
    "engagement_courses",
    "engagement_completions",
];

/// How many kept events a replay reads at a time.
const REPLAY_BATCH: i64 = 1000;

#[derive(diesel::QueryableByName)]
struct KeptRow {
    #[diesel(sql_type = BigInt)]
    seq: i64,
    #[diesel(sql_type = SqlUuid)]
    event_id: Uuid,
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = Timestamptz)]
    occurred_at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    data: serde_json::Value,
}

/// Empties the fact tables and applies every kept event again in arrival order; returns how
/// many were applied. Call inside a transaction: the events table is locked against new
/// events (the consumer waits) until it commits. A kept event that no longer fits its type
/// fails the replay rather than silently leaving its fact out.
pub async fn replay(conn: &mut AsyncPgConnection) -> Result<u64, ApiError> {
    diesel::sql_query("LOCK TABLE engagement_events IN EXCLUSIVE MODE")
        .execute(conn)
        .await?;
    diesel::sql_query(format!("TRUNCATE {}", FACT_TABLES.join(", ")))
        .execute(conn)
        .await?;
    let mut after = 0_i64;
    let mut applied = 0_u64;
    loop {
        let batch: Vec<KeptRow> = diesel::sql_query(
            "SELECT seq, event_id, event_type, occurred_at, data FROM engagement_events \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
        )
        .bind::<BigInt, _>(after)
        .bind::<BigInt, _>(REPLAY_BATCH)
        .load(conn)
        .await?;
        let Some(last) = batch.last() else {
            return Ok(applied);
        };
        after = last.seq;
        for kept in batch {
            // Applying reads the type and the data only.
            let event = Envelope {
                specversion: qmf_events::SPEC_VERSION.into(),
                id: kept.event_id,
                source: String::new(),
                event_type: kept.event_type,
                time: kept.occurred_at,
                subject: String::new(),
                datacontenttype: qmf_events::DATA_CONTENT_TYPE.into(),
                data: kept.data,
                traceparent: None,
            };
            apply(conn, &event).await.map_err(|e| match e {
                ApplyError::Database(e) => ApiError::from(e),
                ApplyError::Invalid(reason) => ApiError::internal(format!(
                    "kept event {} can no longer be applied: {reason}",
                    kept.event_id
                )),
            })?;
            applied += 1;
        }
    }
}

#[derive(diesel::QueryableByName)]
struct CountRow {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The number of rows of each fact table.
pub async fn fact_counts(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<(&'static str, i64)>, ApiError> {
    let mut counts = Vec::with_capacity(FACT_TABLES.len());
    for table in FACT_TABLES {
        let row: CountRow = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
            .get_result(conn)
            .await?;
        counts.push((table, row.n));
    }
    Ok(counts)
}

/// The cycle running on `day`, if any.
pub fn cycle_on(cycles: &[CycleFact], day: NaiveDate) -> Option<&CycleFact> {
    cycles
        .iter()
        .filter(|c| c.start_on <= day && day <= c.end_on)
        .max_by_key(|c| c.start_on)
}
