//! The committee service's read paths: a meeting with its whole agenda, and pages of the topic
//! lists (a working group's topics, the steering group's inbox).
//!
//! The directory read copy (the organisations and people the seats represent) is written in
//! SQL; seats, meetings with their agenda, attendance and minutes, and topics on their route
//! are created through the API. The central bodies and the working groups come with the migrations.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Api, CountRow, Launched, Outcome, Rng, TextRow, per_second, run_scenarios, secs, seed_pool,
    wait_for_outbox, write_ceilings, write_header, write_problems, write_runs, write_table,
};
use super::{Run, ceiling::Compare};
use crate::Result;
use crate::ctx::Ctx;
use crate::token::{self, Role};

const DATABASE: &str = "qmf_bench_committee";
const EXCHANGE: &str = "qmf.events.bench-committee";
const QUEUE_PREFIX: &str = "bench-committee.";
const DEFAULT_PORT: u16 = 18183;
const DEFAULT_MEETINGS: usize = 2_000;
const DEFAULT_TOPICS: usize = 20_000;
const MAX_MEETINGS: usize = 100_000;
const MAX_TOPICS: usize = 1_000_000;
/// Agenda items per meeting, both ends included.
const AGENDA_ITEMS: (usize, usize) = (10, 20);
/// Meetings are spread from this many days before today …
const PAST_DAYS: u64 = 4 * 365;
/// … to this many days after it.
const FUTURE_DAYS: u64 = 365;
/// Held meetings older than this have approved minutes.
const APPROVED_AFTER_DAYS: u64 = 60;
const OFFICES: usize = 5;
const INSTITUTIONS: usize = 10;
/// Seats of each working group besides its speaker.
const MEMBERS_PER_GROUP: usize = 8;
const STEERING_MEMBERS: usize = 5;
/// Topic states, repeating every 20 topics of a working group.
const STATE_CYCLE: usize = 20;
const LIST_LIMIT: usize = 50;

/// Options of the committee benchmark.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Committee benchmark")]
pub struct CommitteeOptions {
    /// Meetings to seed over the working groups and the Forum, each with 10 to 20 agenda items
    /// [default: 2000].
    #[arg(long, value_name = "N")]
    pub meetings: Option<usize>,
    /// Topics to seed over the working groups: 40 % drafts, 30 % submitted, 15 % forwarded,
    /// 15 % referred back [default: 20000].
    #[arg(long, value_name = "N")]
    pub topics: Option<usize>,
    /// Port of the benchmarked committee service [default: 18183].
    #[arg(long, value_name = "PORT")]
    pub committee_port: Option<u16>,
}

impl CommitteeOptions {
    fn meetings(&self) -> usize {
        self.meetings.unwrap_or(DEFAULT_MEETINGS)
    }

    fn topics(&self) -> usize {
        self.topics.unwrap_or(DEFAULT_TOPICS)
    }

    pub(super) fn port(&self) -> u16 {
        self.committee_port.unwrap_or(DEFAULT_PORT)
    }

    /// The options given on the command line.
    pub(super) fn given(&self) -> Vec<&'static str> {
        [
            ("--meetings", self.meetings.is_some()),
            ("--topics", self.topics.is_some()),
            ("--committee-port", self.committee_port.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    pub(super) fn validate(&self) -> Result<()> {
        if !(1..=MAX_MEETINGS).contains(&self.meetings()) {
            return Err(format!("--meetings must be 1 to {MAX_MEETINGS}").into());
        }
        if !(STATE_CYCLE..=MAX_TOPICS).contains(&self.topics()) {
            return Err(format!(
                "--topics must be {STATE_CYCLE} to {MAX_TOPICS} (at least {STATE_CYCLE}, so that \
                 every topic state occurs)"
            )
            .into());
        }
        if self.port() == 0 {
            return Err("--committee-port must be 1 to 65535".into());
        }
        Ok(())
    }
}

fn reproduce(options: &super::Options) -> String {
    format!(
        "cargo xtask bench --service committee {} --meetings {} --topics {} --seed-concurrency {}",
        options.reproduce_common(),
        options.committee.meetings(),
        options.committee.topics(),
        options.seed_concurrency
    )
}

pub(super) fn target(options: &CommitteeOptions) -> super::Target {
    super::Target {
        service: "committee",
        database: DATABASE,
        exchange: EXCHANGE,
        queue_prefix: QUEUE_PREFIX,
        port: options.port(),
        port_option: "--committee-port",
    }
}

/// Seeds the started service, runs the scenarios and prints the report.
pub(super) async fn measure(
    ctx: &Ctx,
    all: &super::Options,
    launched: &mut Launched,
    run: &Run,
) -> Result<()> {
    let (meetings, topics) = (all.committee.meetings(), all.committee.topics());
    launched.wait_ready().await?;
    let api = launched.api.clone();
    let database_url = launched.database_url.clone();

    let setup_started = Instant::now();
    let directory = seed_directory(&database_url).await?;
    let committee = Arc::new(seat_members(ctx, &api, &database_url, &directory).await?);
    let setup_time = setup_started.elapsed();
    let seeded_meetings = seed_meetings(&api, all, &committee, &directory).await?;
    let seeded_topics = seed_topics(&api, all, &committee).await?;
    let outbox_started = Instant::now();
    let outbox = wait_for_outbox(&database_url).await?;
    let outbox_time = outbox_started.elapsed();
    launched.check_alive()?;

    let fixture = Arc::new(fixture(&api, &committee, &seeded_meetings, &seeded_topics).await?);
    let results = run_scenarios(
        launched,
        &fixture,
        &[
            Scenario::MeetingAgenda,
            Scenario::GroupTopics,
            Scenario::SteeringInbox,
        ],
        all,
    )
    .await?;
    let totals = final_counts(&database_url).await.ok();

    let groups = committee.groups.len();
    let states = &seeded_topics.per_state;
    let mut report = String::new();
    write_header(&mut report, "QMF committee service benchmark", launched, "");
    let _ = writeln!(
        report,
        "  data         {meetings} meetings of the {groups} working groups and the Forum from {} to \
         {}: {} agenda items ({}-{} each); {} held with attendance and minutes ({} of them \
         approved), {} planned",
        seeded_meetings.first_day,
        seeded_meetings.last_day,
        seeded_meetings.agenda_items,
        AGENDA_ITEMS.0,
        AGENDA_ITEMS.1,
        seeded_meetings.held + seeded_meetings.approved,
        seeded_meetings.approved,
        seeded_meetings.planned
    );
    let _ = writeln!(
        report,
        "               {topics} topics of the {groups} working groups (a speaker and \
         {MEMBERS_PER_GROUP} members each; {STEERING_MEMBERS} steering-group members): {} draft, \
         {} submitted, {} forwarded, {} referred back",
        states[TopicState::Draft as usize],
        states[TopicState::Submitted as usize],
        states[TopicState::Forwarded as usize],
        states[TopicState::ReferredBack as usize]
    );
    let _ = writeln!(
        report,
        "  seeding      directory copy (SQL, {OFFICES} youth offices, {INSTITUTIONS} institutions) \
         and {} seats (API) {}; {meetings} meetings through the API in {} ({} requests, {:.0}/s, \
         {} in flight); {topics} topics in {} ({} requests, {:.0}/s); outbox ({outbox} events) \
         published {} later",
        committee.seats(),
        secs(setup_time),
        secs(seeded_meetings.time),
        seeded_meetings.requests,
        per_second(seeded_meetings.requests, seeded_meetings.time),
        all.seed_concurrency,
        secs(seeded_topics.time),
        seeded_topics.requests,
        per_second(seeded_topics.requests, seeded_topics.time),
        secs(outbox_time)
    );
    write_runs(&mut report, all);
    write_ceilings(&mut report, run);
    write_table(&mut report, &results, run);
    let group_pages: usize = fixture.groups.iter().map(|g| g.cursors.len()).sum();
    let _ = writeln!(
        report,
        "{:<22}GET /v1/meetings/{{id}}, random meeting of the {meetings} (whole agenda; \
         attendance and minutes of the held ones; the committee secretary's token)",
        "meeting agenda:"
    );
    let _ = writeln!(
        report,
        "{:<22}GET /v1/topics?origin_body_id=..&limit={LIST_LIMIT}&cursor=.., random page of a \
         random working group's topics ({group_pages} pages in all; a member's token)",
        "working group topics:"
    );
    let _ = writeln!(
        report,
        "{:<22}GET /v1/topics?state=submitted&limit={LIST_LIMIT}&cursor=.., random page of the \
         {} ({} topics; a steering-group member's token)",
        "steering group inbox:",
        fixture.inbox.cursors.len(),
        states[TopicState::Submitted as usize]
    );
    write_problems(
        &mut report,
        &results,
        "ran out of data before the time was up",
    );
    if let Some(totals) = totals {
        let _ = writeln!(
            report,
            "afterwards: database {DATABASE} {} with {} meetings, {} agenda items, {} topics, \
             {} outbox events (kept until the next run)",
            totals.size, totals.meetings, totals.agenda_items, totals.topics, totals.outbox
        );
    }
    let _ = writeln!(report, "reproduce: {}", reproduce(all));
    print!("{report}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// seeding: organisations and seats

/// The organisations of the directory read copy.
struct Directory {
    offices: Vec<Uuid>,
    institutions: Vec<Uuid>,
}

/// Writes the organisations into the read copy, as the directory's events would (the service
/// has migrated the database once it is ready).
async fn seed_directory(database_url: &str) -> Result<Directory> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let offices: Vec<Uuid> = (0..OFFICES).map(|_| Uuid::now_v7()).collect();
    let institutions: Vec<Uuid> = (0..INSTITUTIONS).map(|_| Uuid::now_v7()).collect();
    let mut rows = Vec::new();
    for (i, id) in offices.iter().enumerate() {
        rows.push(format!(
            "('{id}', 'Bench-Jugendamt {}', 'youth_office', 'Bench-Kreis {}', true, 1)",
            i + 1,
            i + 1
        ));
    }
    for (i, id) in institutions.iter().enumerate() {
        rows.push(format!(
            "('{id}', 'Bench-Einrichtung {}', 'institution', 'Bench-Kreis {}', true, 1)",
            i + 1,
            i % OFFICES + 1
        ));
    }
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    diesel::sql_query(format!(
        "INSERT INTO directory_organizations (id, name, kind, district, active, version) VALUES {}",
        rows.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    println!(
        "xtask: seeded the directory read copy: {OFFICES} youth offices, {INSTITUTIONS} institutions"
    );
    Ok(Directory {
        offices,
        institutions,
    })
}

/// Someone holding a seat, with a token naming them (subject = person id).
struct Seat {
    person: Uuid,
    organization: Uuid,
    token: String,
}

struct Group {
    id: Uuid,
    short_name: String,
    speaker: Seat,
    members: Vec<Seat>,
}

/// The bodies and the people acting in them.
struct Committee {
    secretary: String,
    forum: Uuid,
    groups: Vec<Group>,
    steering: Vec<Seat>,
}

impl Committee {
    fn seats(&self) -> usize {
        self.groups.len() * (1 + MEMBERS_PER_GROUP) + self.steering.len()
    }
}

/// Reads the bodies the migrations created and gives every working group a speaker and
/// members, and the steering group members, through the API. The people are written into the
/// committee's copy of the directory's people first (in SQL), as the directory's events would.
async fn seat_members(
    ctx: &Ctx,
    api: &Api,
    database_url: &str,
    directory: &Directory,
) -> Result<Committee> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    let secretary = token::mint(
        ctx,
        &[Role::CommitteeSecretary],
        None,
        Some("bench-committee-secretary"),
    )?;
    let reply = api.get(&secretary, "/v1/bodies?limit=200").await?;
    let page: Value = serde_json::from_str(&reply.body)?;
    let bodies = page["items"]
        .as_array()
        .ok_or("GET /v1/bodies: no items in the response")?;
    let id_of = |body: &Value| -> Result<Uuid> {
        Ok(Uuid::parse_str(
            body["id"]
                .as_str()
                .ok_or("GET /v1/bodies: a body without id")?,
        )?)
    };
    let central = |kind: &str| -> Result<Uuid> {
        let body = bodies
            .iter()
            .find(|b| b["kind"] == kind)
            .ok_or_else(|| format!("GET /v1/bodies: no {kind}; did the migrations run?"))?;
        id_of(body)
    };
    let forum = central("forum")?;
    let steering_group = central("steering_group")?;

    // The seat's start lies in the past, so it is active today.
    let start_on = Utc::now().date_naive() - Days::new(400);
    let mut people = 0usize;
    let mut seat = async |body: Uuid, role: &str| -> Result<Seat> {
        people += 1;
        let (organization, staff) = if people.is_multiple_of(2) {
            (
                directory.offices[people / 2 % OFFICES],
                Role::YouthOfficeStaff,
            )
        } else {
            (
                directory.institutions[people / 2 % INSTITUTIONS],
                Role::InstitutionStaff,
            )
        };
        let person = Uuid::now_v7();
        diesel::sql_query(format!(
            "INSERT INTO directory_people (id, organization_id, given_name, family_name, email, active, version) \
             VALUES ('{person}', '{organization}', 'Bench', 'Person {people}', 'person{people}@bench.example', true, 1)"
        ))
        .execute(&mut conn)
        .await?;
        let body_json = serde_json::to_vec(&json!({"person_id": person,
            "organization_id": organization, "role": role, "start_on": start_on}))?;
        api.write(
            Method::POST,
            &secretary,
            &format!("/v1/bodies/{body}/memberships"),
            None,
            body_json,
            StatusCode::CREATED,
        )
        .await?;
        let token = token::mint(ctx, &[staff], Some(organization), Some(&person.to_string()))?;
        Ok(Seat {
            person,
            organization,
            token,
        })
    };

    let mut groups = Vec::new();
    for body in bodies
        .iter()
        .filter(|b| b["kind"] == "working_group" && b["status"] == "active")
    {
        let id = id_of(body)?;
        let speaker = seat(id, "speaker").await?;
        let mut members = Vec::new();
        for _ in 0..MEMBERS_PER_GROUP {
            members.push(seat(id, "member").await?);
        }
        groups.push(Group {
            id,
            short_name: body["short_name"]
                .as_str()
                .or(body["name"].as_str())
                .unwrap_or("AK")
                .to_string(),
            speaker,
            members,
        });
    }
    if groups.is_empty() {
        return Err("GET /v1/bodies: no active working group; did the migrations run?".into());
    }
    let mut steering = Vec::new();
    for _ in 0..STEERING_MEMBERS {
        steering.push(seat(steering_group, "member").await?);
    }
    println!(
        "xtask: seated a speaker and {MEMBERS_PER_GROUP} members in each of {} working groups, \
         {STEERING_MEMBERS} members in the steering group",
        groups.len()
    );
    Ok(Committee {
        secretary,
        forum,
        groups,
        steering,
    })
}

// ---------------------------------------------------------------------------------------------
// seeding: meetings

const PLACES: [&str; 5] = [
    "Landratsamt Heilbronn, Sitzungssaal 1",
    "Landratsamt Künzelsau, Sitzungssaal",
    "Rathaus Schwäbisch Hall, Raum 2.14",
    "Jugendhilfezentrum Öhringen, Seminarraum",
    "Videokonferenz",
];

const AGENDA_TITLES: [&str; 16] = [
    "Bericht der Geschäftsführung",
    "Qualitätsdialoge: Stand und Auswertung",
    "Fortschreibung des Qualitätsrahmens",
    "Kennzahlen der Hilfen zur Erziehung im Vergleich",
    "Kooperation Jugendhilfe und Kinder- und Jugendpsychiatrie",
    "Übergänge nach § 41 SGB VIII",
    "Fachkräftegewinnung und -bindung",
    "Fortbildungsprogramm des kommenden Jahres",
    "Beteiligung junger Menschen in der Hilfeplanung",
    "Schutzkonzepte in Einrichtungen",
    "Entgeltvereinbarungen: Verfahren und Fristen",
    "Inklusive Lösung: Vorbereitung der Umsetzung",
    "Berichte aus den Unterarbeitskreisen",
    "Auswertung der Elternbefragung",
    "Vorlagen an das Forum Jugendhilfe",
    "Termine und Planung der nächsten Sitzungen",
];

/// What meeting n became.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MeetingOutcome {
    Planned,
    Held,
    Approved,
}

struct SeededMeeting {
    id: Uuid,
    agenda_items: usize,
    outcome: MeetingOutcome,
    requests: usize,
}

struct SeededMeetings {
    ids: Vec<Uuid>,
    /// Agenda length by meeting, in the order of `ids`.
    lengths: Vec<usize>,
    agenda_items: usize,
    planned: usize,
    held: usize,
    approved: usize,
    requests: usize,
    first_day: NaiveDate,
    last_day: NaiveDate,
    time: Duration,
}

/// What every meeting task needs.
struct MeetingPlan {
    api: Api,
    committee: Arc<Committee>,
    /// The working groups and (last) the Forum; meeting n belongs to host n mod len.
    hosts: Vec<Uuid>,
    /// Forum attendance: the organisations.
    organizations: Vec<Uuid>,
    total: usize,
    first_day: NaiveDate,
    today: NaiveDate,
}

impl MeetingPlan {
    fn day(&self, n: usize) -> NaiveDate {
        let span = PAST_DAYS + FUTURE_DAYS;
        self.first_day + Days::new(n as u64 * span / self.total as u64)
    }
}

/// Plans the meetings spread over the last four years and the next one, each with 10 to 20
/// agenda items; the past ones get attendance and minutes and are marked held, those more than
/// 60 days ago with their minutes approved.
async fn seed_meetings(
    api: &Api,
    all: &super::Options,
    committee: &Arc<Committee>,
    directory: &Directory,
) -> Result<SeededMeetings> {
    let total = all.committee.meetings();
    let today = Utc::now().date_naive();
    let mut hosts: Vec<Uuid> = committee.groups.iter().map(|g| g.id).collect();
    hosts.push(committee.forum);
    let plan = Arc::new(MeetingPlan {
        api: api.clone(),
        committee: committee.clone(),
        hosts,
        organizations: directory
            .offices
            .iter()
            .chain(&directory.institutions)
            .copied()
            .collect(),
        total,
        first_day: today - Days::new(PAST_DAYS),
        today,
    });
    println!(
        "xtask: planning {total} meetings with agenda, attendance and minutes through the API \
         ({} in flight)",
        all.seed_concurrency
    );
    let (meetings, time) = {
        let plan = plan.clone();
        seed_pool(
            "meetings",
            "seeding meetings failed",
            total,
            all.seed_concurrency,
            move |n| {
                let plan = plan.clone();
                async move { seed_meeting(&plan, n).await }
            },
        )
        .await?
    };
    let count = |outcome| meetings.iter().filter(|m| m.outcome == outcome).count();
    let seeded = SeededMeetings {
        ids: meetings.iter().map(|m| m.id).collect(),
        lengths: meetings.iter().map(|m| m.agenda_items).collect(),
        agenda_items: meetings.iter().map(|m| m.agenda_items).sum(),
        planned: count(MeetingOutcome::Planned),
        held: count(MeetingOutcome::Held),
        approved: count(MeetingOutcome::Approved),
        requests: meetings.iter().map(|m| m.requests).sum(),
        first_day: plan.day(0),
        last_day: plan.day(total - 1),
        time,
    };
    println!(
        "xtask: {total} meetings with {} agenda items in {} ({} requests, {:.0}/s)",
        seeded.agenda_items,
        secs(time),
        seeded.requests,
        per_second(seeded.requests, time)
    );
    Ok(seeded)
}

fn to_body(value: &Value) -> std::result::Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

/// Meeting n: its host, day, agenda and, if it lies in the past, attendance, held, minutes.
async fn seed_meeting(plan: &MeetingPlan, n: usize) -> std::result::Result<SeededMeeting, String> {
    let api = &plan.api;
    let secretary = &plan.committee.secretary;
    let mut rng = Rng(n as u64 ^ 0x5EED_C0DE);
    let host = n % plan.hosts.len();
    let forum = host == plan.hosts.len() - 1;
    let day = plan.day(n);
    let (title, ends) = if forum {
        (format!("Forum Jugendhilfe, Sitzung am {day}"), "13:00")
    } else {
        let group = &plan.committee.groups[host];
        (format!("{}, Sitzung am {day}", group.short_name), "12:00")
    };
    let reply = api
        .write(
            Method::POST,
            secretary,
            &format!("/v1/bodies/{}/meetings", plan.hosts[host]),
            None,
            to_body(
                &json!({"title": title, "starts_at": format!("{day}T09:00:00Z"),
                "ends_at": format!("{day}T{ends}:00Z"), "place": PLACES[n % PLACES.len()],
                "public": forum}),
            )?,
            StatusCode::CREATED,
        )
        .await?;
    let created: Value = serde_json::from_str(&reply.body).map_err(|e| e.to_string())?;
    let id = created["id"]
        .as_str()
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or("POST /v1/bodies/{id}/meetings: no meeting id in the response")?;
    let mut etag = reply.etag()?;
    let mut requests = 1;
    let path = format!("/v1/meetings/{id}");

    let items = AGENDA_ITEMS.0 + rng.below(AGENDA_ITEMS.1 - AGENDA_ITEMS.0 + 1);
    let mut titles = Vec::with_capacity(items);
    for position in 1..=items {
        let title = match position {
            1 => "Begrüßung und Feststellung der Tagesordnung".to_string(),
            2 => "Genehmigung des Protokolls der letzten Sitzung".to_string(),
            p if p == items => "Verschiedenes".to_string(),
            _ => AGENDA_TITLES[rng.below(AGENDA_TITLES.len())].to_string(),
        };
        // Every sixth item is not public (e.g. staff or contract matters).
        let public = !position.is_multiple_of(6);
        etag = api
            .write(
                Method::POST,
                secretary,
                &format!("{path}/agenda-items"),
                Some(&etag),
                to_body(&json!({"title": title, "public": public}))?,
                StatusCode::OK,
            )
            .await?
            .etag()?;
        titles.push(title);
        requests += 1;
    }

    if day >= plan.today {
        return Ok(SeededMeeting {
            id,
            agenda_items: items,
            outcome: MeetingOutcome::Planned,
            requests,
        });
    }
    let mut entries = Vec::new();
    if forum {
        for organization in &plan.organizations {
            let status = if rng.below(5) == 0 {
                "excused"
            } else {
                "present"
            };
            entries.push(json!({"organization_id": organization, "status": status}));
        }
    } else {
        let group = &plan.committee.groups[host];
        for seat in std::iter::once(&group.speaker).chain(&group.members) {
            let status = if rng.below(5) == 0 {
                "excused"
            } else {
                "present"
            };
            entries.push(json!({"person_id": seat.person,
                "organization_id": seat.organization, "status": status}));
        }
    }
    if n.is_multiple_of(3) {
        entries.push(json!({"name": "Dr. Beispiel (Fachberatung)", "status": "guest"}));
    }
    etag = api
        .write(
            Method::PUT,
            secretary,
            &format!("{path}/attendance"),
            Some(&etag),
            to_body(&json!({"entries": entries}))?,
            StatusCode::OK,
        )
        .await?
        .etag()?;
    etag = api
        .command(
            secretary,
            &format!("{path}/transitions"),
            &etag,
            to_body(&json!({"transition": "mark_held"}))?,
        )
        .await?;
    let mut minutes = String::new();
    for (i, title) in titles.iter().enumerate() {
        let _ = writeln!(
            minutes,
            "TOP {}: {title}. Die Mitglieder beraten den Punkt; die Geschäftsführung nimmt die \
             Anregungen auf und berichtet in der nächsten Sitzung.",
            i + 1
        );
    }
    etag = api
        .write(
            Method::PUT,
            secretary,
            &format!("{path}/minutes"),
            Some(&etag),
            to_body(&json!({"text": minutes}))?,
            StatusCode::OK,
        )
        .await?
        .etag()?;
    requests += 3;
    let mut outcome = MeetingOutcome::Held;
    if day + Days::new(APPROVED_AFTER_DAYS) < plan.today {
        api.command(
            secretary,
            &format!("{path}/transitions"),
            &etag,
            to_body(&json!({"transition": "approve_minutes"}))?,
        )
        .await?;
        requests += 1;
        outcome = MeetingOutcome::Approved;
    }
    Ok(SeededMeeting {
        id,
        agenda_items: items,
        outcome,
        requests,
    })
}

// ---------------------------------------------------------------------------------------------
// seeding: topics

/// The states the seeded topics end in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TopicState {
    Draft = 0,
    Submitted = 1,
    Forwarded = 2,
    ReferredBack = 3,
}

impl TopicState {
    /// The state of a working group's k-th topic: of every 20, 8 stay drafts, 6 are submitted
    /// (the steering group's inbox), 3 forwarded and 3 referred back.
    fn of(k: usize) -> TopicState {
        match k % STATE_CYCLE {
            0..8 => TopicState::Draft,
            8..14 => TopicState::Submitted,
            14..17 => TopicState::Forwarded,
            _ => TopicState::ReferredBack,
        }
    }
}

const TOPIC_SUBJECTS: [&str; 10] = [
    "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie",
    "Leitlinie Übergänge nach § 41 SGB VIII",
    "Mindeststandards für Schutzkonzepte",
    "Empfehlung zur Beteiligung in der Hilfeplanung",
    "Rahmenkonzept Fachkräftegewinnung",
    "Qualitätskriterien für Erziehungsbeistandschaften",
    "Arbeitshilfe Elternarbeit in stationären Hilfen",
    "Fortbildungsreihe Traumapädagogik",
    "Auswertungsbogen für Qualitätsdialoge",
    "Handreichung Datenschutz in der Fallarbeit",
];

struct SeededTopics {
    /// Topics per working group, in the order of `Committee::groups`.
    per_group: Vec<usize>,
    /// Topics per `TopicState`.
    per_state: [usize; 4],
    requests: usize,
    time: Duration,
}

/// Drafts the topics (topic n: working group n mod groups, by one of its members in turn), and
/// moves them on: the group's speaker submits, a steering-group member forwards or refers back.
async fn seed_topics(
    api: &Api,
    all: &super::Options,
    committee: &Arc<Committee>,
) -> Result<SeededTopics> {
    let total = all.committee.topics();
    println!(
        "xtask: drafting {total} topics and moving them along their route through the API ({} in \
         flight)",
        all.seed_concurrency
    );
    let (topics, time) = {
        let api = api.clone();
        let committee = committee.clone();
        seed_pool(
            "topics",
            "seeding topics failed",
            total,
            all.seed_concurrency,
            move |n| {
                let api = api.clone();
                let committee = committee.clone();
                async move { seed_topic(&api, &committee, n).await }
            },
        )
        .await?
    };
    let mut per_group = vec![0; committee.groups.len()];
    let mut per_state = [0; 4];
    let mut requests = 0;
    for (group, state, sent) in topics {
        per_group[group] += 1;
        per_state[state as usize] += 1;
        requests += sent;
    }
    println!(
        "xtask: {total} topics in {} ({requests} requests, {:.0}/s)",
        secs(time),
        per_second(requests, time)
    );
    Ok(SeededTopics {
        per_group,
        per_state,
        requests,
        time,
    })
}

/// Topic n; returns its working group, state and the requests it took.
async fn seed_topic(
    api: &Api,
    committee: &Committee,
    n: usize,
) -> std::result::Result<(usize, TopicState, usize), String> {
    let groups = committee.groups.len();
    let (index, k) = (n % groups, n / groups);
    let group = &committee.groups[index];
    let author = &group.members[k % group.members.len()];
    let subject = TOPIC_SUBJECTS[n % TOPIC_SUBJECTS.len()];
    let title = format!("{subject} ({}, Vorlage {})", group.short_name, k + 1);
    let text = format!(
        "{subject}. Der {} legt dem Forum Jugendhilfe folgenden Entwurf vor: Die Jugendämter und \
         die freien Träger der Region vereinbaren gemeinsame Standards, benennen \
         Ansprechpersonen und werten die Umsetzung jährlich in den Qualitätsdialogen aus. Die \
         Geschäftsführung berichtet dem Forum über den Stand. Begründung: Die Rückmeldungen aus \
         den Qualitätsdialogen zeigen unterschiedliche Verfahren in den Kreisen; eine \
         gemeinsame Grundlage erleichtert die Zusammenarbeit und macht die Qualität der Hilfen \
         vergleichbar.",
        group.short_name
    );
    let reply = api
        .write(
            Method::POST,
            &author.token,
            &format!("/v1/bodies/{}/topics", group.id),
            None,
            to_body(&json!({"title": title, "text": text}))?,
            StatusCode::CREATED,
        )
        .await?;
    let id = reply
        .location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or("POST /v1/bodies/{id}/topics: no topic id in the Location header")?;
    let etag = reply.etag()?;
    let state = TopicState::of(k);
    if state == TopicState::Draft {
        return Ok((index, state, 1));
    }
    let path = format!("/v1/topics/{id}/transitions");
    let etag = api
        .command(
            &group.speaker.token,
            &path,
            &etag,
            to_body(&json!({"action": "submit"}))?,
        )
        .await?;
    let step = match state {
        TopicState::Forwarded => json!({"action": "forward"}),
        TopicState::ReferredBack => json!({"action": "refer_back",
            "reason": "Bitte die Zuständigkeiten der Träger und der Jugendämter konkretisieren."}),
        TopicState::Draft | TopicState::Submitted => return Ok((index, state, 2)),
    };
    let steering = &committee.steering[n % committee.steering.len()];
    api.command(&steering.token, &path, &etag, to_body(&step)?)
        .await?;
    Ok((index, state, 3))
}

struct Totals {
    meetings: i64,
    agenda_items: i64,
    topics: i64,
    outbox: i64,
    size: String,
}

async fn final_counts(database_url: &str) -> Result<Totals> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    let mut count = async |table: &str| -> Result<i64> {
        let row: CountRow = diesel::sql_query(format!("SELECT count(*) AS value FROM {table}"))
            .get_result(&mut conn)
            .await?;
        Ok(row.value)
    };
    let meetings = count("meetings").await?;
    let agenda_items = count("agenda_items").await?;
    let topics = count("topics").await?;
    let outbox = count("outbox").await?;
    let size: TextRow =
        diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS value")
            .get_result(&mut conn)
            .await?;
    Ok(Totals {
        meetings,
        agenda_items,
        topics,
        outbox,
        size: size.value,
    })
}

// ---------------------------------------------------------------------------------------------
// what the scenarios read

/// A filtered topic list: the token that reads it and the cursor of each of its pages (`None`
/// for the first).
struct Pages {
    token: String,
    filter: String,
    cursors: Vec<Option<String>>,
}

impl Pages {
    fn path(&self, page: usize) -> String {
        match self.cursors.get(page).and_then(Option::as_deref) {
            Some(cursor) => format!(
                "/v1/topics?{}&limit={LIST_LIMIT}&cursor={cursor}",
                self.filter
            ),
            None => format!("/v1/topics?{}&limit={LIST_LIMIT}", self.filter),
        }
    }
}

struct Fixture {
    secretary: String,
    meetings: Vec<Uuid>,
    groups: Vec<Pages>,
    inbox: Pages,
}

/// Walks every page of a topic list, checking that each item has `field` = `value`, and
/// returns the pages with the number of topics seen.
async fn walk(
    api: &Api,
    token: &str,
    filter: String,
    field: &str,
    value: &str,
) -> Result<(Pages, usize)> {
    let mut pages = Pages {
        token: token.to_string(),
        filter,
        cursors: vec![None],
    };
    let mut seen = 0;
    loop {
        let path = pages.path(pages.cursors.len() - 1);
        let reply = api.get(token, &path).await?;
        let page: Value = serde_json::from_str(&reply.body)?;
        let items = page["items"]
            .as_array()
            .ok_or_else(|| format!("GET {path}: no items in the response"))?;
        if let Some(other) = items.iter().find(|item| item[field] != value) {
            return Err(format!(
                "GET {path}: a topic with {field} {} in the list",
                other[field]
            )
            .into());
        }
        seen += items.len();
        match page["next_cursor"].as_str() {
            Some(cursor) if !items.is_empty() => pages.cursors.push(Some(cursor.to_string())),
            _ => return Ok((pages, seen)),
        }
    }
}

/// Collects the pages of the lists the scenarios read, and makes sure the service returns what
/// was seeded: every topic of each working group, every submitted topic, whole agendas.
async fn fixture(
    api: &Api,
    committee: &Committee,
    meetings: &SeededMeetings,
    topics: &SeededTopics,
) -> Result<Fixture> {
    let mut groups = Vec::new();
    for (group, &expected) in committee.groups.iter().zip(&topics.per_group) {
        let id = group.id.to_string();
        let (pages, seen) = walk(
            api,
            &group.members[0].token,
            format!("origin_body_id={id}"),
            "origin_body_id",
            &id,
        )
        .await?;
        if seen != expected {
            return Err(format!(
                "the topic list of working group {} has {seen} topics, not the {expected} seeded",
                group.short_name
            )
            .into());
        }
        groups.push(pages);
    }
    let steering = committee
        .steering
        .first()
        .ok_or("no steering-group member")?;
    let (inbox, seen) = walk(
        api,
        &steering.token,
        "state=submitted".to_string(),
        "state",
        "submitted",
    )
    .await?;
    let expected = topics.per_state[TopicState::Submitted as usize];
    if seen != expected {
        return Err(format!(
            "the steering group's inbox has {seen} topics, not the {expected} submitted"
        )
        .into());
    }
    for (id, &length) in meetings.ids.iter().zip(&meetings.lengths).take(3) {
        let reply = api
            .get(&committee.secretary, &format!("/v1/meetings/{id}"))
            .await?;
        let meeting: Value = serde_json::from_str(&reply.body)?;
        let agenda = meeting["agenda"].as_array().map_or(0, Vec::len);
        if agenda != length {
            return Err(
                format!("meeting {id} has {agenda} agenda items, not the {length} seeded").into(),
            );
        }
        if meeting["state"] == "minutes_approved"
            && meeting["attendance"].as_array().is_none_or(Vec::is_empty)
        {
            return Err(format!("the held meeting {id} shows no attendance").into());
        }
    }
    println!(
        "xtask: checked the seeded data: {} pages of working-group topics, {} inbox pages",
        groups.iter().map(|g| g.cursors.len()).sum::<usize>(),
        inbox.cursors.len()
    );
    Ok(Fixture {
        secretary: committee.secretary.clone(),
        meetings: meetings.ids.clone(),
        groups,
        inbox,
    })
}

// ---------------------------------------------------------------------------------------------
// scenarios

#[derive(Debug, Clone, Copy)]
enum Scenario {
    MeetingAgenda,
    GroupTopics,
    SteeringInbox,
}

impl super::Scenario for Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::MeetingAgenda => "meeting agenda",
            Scenario::GroupTopics => "working group topics",
            Scenario::SteeringInbox => "steering group inbox",
        }
    }

    /// Committee reads write nothing: compared with the bare HTTP read.
    fn compare(self) -> Option<Compare> {
        Some(Compare::HttpRead)
    }
}

impl super::Workload for Fixture {
    type Scenario = Scenario;

    async fn once(
        &self,
        api: &Api,
        scenario: Scenario,
        rng: &mut Rng,
    ) -> std::result::Result<Outcome, String> {
        let (token, path) = match scenario {
            Scenario::MeetingAgenda => {
                let id = self.meetings[rng.below(self.meetings.len())];
                (&self.secretary, format!("/v1/meetings/{id}"))
            }
            Scenario::GroupTopics => {
                let pages = &self.groups[rng.below(self.groups.len())];
                (&pages.token, pages.path(rng.below(pages.cursors.len())))
            }
            Scenario::SteeringInbox => {
                let pages = &self.inbox;
                (&pages.token, pages.path(rng.below(pages.cursors.len())))
            }
        };
        api.get(token, &path).await.map(|_| Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::{STATE_CYCLE, TopicState};

    #[test]
    fn every_topic_state_occurs_in_a_cycle() {
        let states: Vec<TopicState> = (0..STATE_CYCLE).map(TopicState::of).collect();
        let count = |s| states.iter().filter(|&&t| t == s).count();
        assert_eq!(count(TopicState::Draft), 8);
        assert_eq!(count(TopicState::Submitted), 6);
        assert_eq!(count(TopicState::Forwarded), 3);
        assert_eq!(count(TopicState::ReferredBack), 3);
    }
}
