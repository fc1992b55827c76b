//! The training service's registration and availability read: registrations per second on
//! sessions with a quota (seats kept for youth offices and institutions, a limit per
//! organisation) and a waiting list, and `GET /v1/sessions/{id}` with the free seats; beside
//! pretix on the same kind of machine (about 6–8 registrations and 26–29 quota reads per
//! second), where the target is at least 100 times that.
//!
//! The directory read copy (5 youth offices, 45 institutions and a pool of people, one fresh
//! person for every registration the run can make) is written in SQL, as the directory's
//! events would; a course and its sessions go through the API. Every session takes at most
//! [`PER_SESSION`] registrations (20 seats, the rest waiting) and then the scenario moves on
//! to a fresh session, so the sessions stay the size real ones have however long a run takes.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use chrono::{Days, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::ceiling::Compare;
use super::{
    Api, CountRow, Launched, Level, Outcome, Rng, Run, TextRow, per_second, run_scenarios, secs,
    seed_pool, wait_for_outbox, write_ceilings, write_header, write_problems, write_runs,
    write_table,
};
use crate::Result;
use crate::ctx::Ctx;
use crate::token::{self, Role};

const DATABASE: &str = "qmf_bench_training";
const EXCHANGE: &str = "qmf.events.bench-training";
const QUEUE_PREFIX: &str = "bench-training.";
const DEFAULT_PORT: u16 = 18186;
const DEFAULT_PEOPLE: usize = 200_000;
const DEFAULT_SESSIONS: usize = 2_000;
const MIN_PEOPLE: usize = 1_000;
const MAX_PEOPLE: usize = 5_000_000;
/// Half of the sessions for each registration scenario; the rotating one needs [`SPREAD`].
const MIN_SESSIONS: usize = 2 * SPREAD;
const MAX_SESSIONS: usize = 50_000;
const YOUTH_OFFICES: usize = 5;
const INSTITUTIONS: usize = 45;
/// People of youth offices among all, in percent: a youth office is large, so its staff
/// meet the organisation's limit now and then.
const YOUTH_OFFICE_PERCENT: usize = 30;
const DISTRICTS: [&str; 5] = [
    "Heilbronn",
    "Hohenlohekreis",
    "Schwäbisch Hall",
    "Main-Tauber-Kreis",
    "Stadt Heilbronn",
];
/// Seats of every session, the seats kept for each kind until the reservation ends, and the
/// limit per organisation.
const CAPACITY: usize = 20;
const MIN_YOUTH_OFFICE: usize = 5;
const MIN_INSTITUTION: usize = 5;
const MAX_PER_ORGANIZATION: usize = 4;
/// Registrations a session takes before a scenario moves on: its seats and a waiting list
/// twice as long.
const PER_SESSION: usize = 3 * CAPACITY;
/// Sessions the rotating scenario spreads its registrations over at a time.
const SPREAD: usize = 50;
/// rows per INSERT of the people
const PEOPLE_BATCH: usize = 5_000;
/// pretix on a 2-core machine: registrations and quota reads per second (the middle of
/// 6–8 and 26–29), and the factor the target asks for.
const PRETIX_REGISTRATIONS: f64 = 7.0;
const PRETIX_READS: f64 = 27.5;
const TARGET_FACTOR: f64 = 100.0;

/// Options of the training benchmark.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Training benchmark")]
pub struct TrainingOptions {
    /// People in the directory read copy, spread over 5 youth offices and 45 institutions;
    /// every registration takes a fresh one, so this bounds the registrations of a run
    /// [default: 200000].
    #[arg(long, value_name = "N")]
    pub people: Option<usize>,
    /// Open sessions seeded (capacity 20, 5 + 5 seats reserved, at most 4 per organisation),
    /// half for each registration scenario; each takes 60 registrations (its seats and a
    /// waiting list) before the scenario moves on to the next [default: 2000].
    #[arg(long, value_name = "N")]
    pub sessions: Option<usize>,
    /// Port of the benchmarked training service [default: 18186].
    #[arg(long, value_name = "PORT")]
    pub training_port: Option<u16>,
}

impl TrainingOptions {
    fn people(&self) -> usize {
        self.people.unwrap_or(DEFAULT_PEOPLE)
    }

    fn sessions(&self) -> usize {
        self.sessions.unwrap_or(DEFAULT_SESSIONS)
    }

    pub(super) fn port(&self) -> u16 {
        self.training_port.unwrap_or(DEFAULT_PORT)
    }

    /// The options given on the command line.
    pub(super) fn given(&self) -> Vec<&'static str> {
        [
            ("--people", self.people.is_some()),
            ("--sessions", self.sessions.is_some()),
            ("--training-port", self.training_port.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    pub(super) fn validate(&self) -> Result<()> {
        if !(MIN_PEOPLE..=MAX_PEOPLE).contains(&self.people()) {
            return Err(format!("--people must be {MIN_PEOPLE} to {MAX_PEOPLE}").into());
        }
        if !(MIN_SESSIONS..=MAX_SESSIONS).contains(&self.sessions()) {
            return Err(format!(
                "--sessions must be {MIN_SESSIONS} to {MAX_SESSIONS} (half of them for each \
                 registration scenario, which spreads over {SPREAD} at a time)"
            )
            .into());
        }
        if self.port() == 0 {
            return Err("--training-port must be 1 to 65535".into());
        }
        Ok(())
    }
}

fn reproduce(options: &super::Options) -> String {
    format!(
        "cargo xtask bench --service training {} --people {} --sessions {} --seed-concurrency {}",
        options.reproduce_common(),
        options.training.people(),
        options.training.sessions(),
        options.seed_concurrency
    )
}

pub(super) fn target(options: &TrainingOptions) -> super::Target {
    super::Target {
        service: "training",
        database: DATABASE,
        exchange: EXCHANGE,
        queue_prefix: QUEUE_PREFIX,
        port: options.port(),
        port_option: "--training-port",
    }
}

/// Seeds the started service, runs the scenarios, checks that no session is overbooked and
/// prints the report.
pub(super) async fn measure(
    ctx: &Ctx,
    all: &super::Options,
    launched: &mut Launched,
    run: &Run,
) -> Result<()> {
    let (people, sessions) = (all.training.people(), all.training.sessions());
    launched.wait_ready().await?;
    let api = launched.api.clone();
    let database_url = launched.database_url.clone();
    let trainer = token::mint(ctx, &[Role::Trainer], None, Some("bench-trainer"))?;

    let directory_started = Instant::now();
    let directory = seed_directory(&database_url, people).await?;
    let directory_time = directory_started.elapsed();
    let seeded = seed_sessions(&api, all, &trainer, sessions).await?;
    let outbox_started = Instant::now();
    let outbox = wait_for_outbox(&database_url).await?;
    let outbox_time = outbox_started.elapsed();
    launched.check_alive()?;

    let fixture = Arc::new(fixture(ctx, &api, &trainer, directory, &seeded.sessions).await?);
    let results = run_scenarios(
        launched,
        &fixture,
        &[
            Scenario::OneSession,
            Scenario::Spread,
            Scenario::AvailabilityRead,
        ],
        all,
    )
    .await?;
    let checks = check_seats(&database_url).await?;
    let totals = final_counts(&database_url).await.ok();

    let mut report = String::new();
    write_header(&mut report, "QMF training service benchmark", launched, "");
    let _ = writeln!(
        report,
        "  data         {YOUTH_OFFICES} youth offices and {INSTITUTIONS} institutions in {} \
         districts with {people} people ({YOUTH_OFFICE_PERCENT} % of them youth-office staff; each \
         registration takes a fresh one), one course and \
         {sessions} open sessions of {CAPACITY} seats ({MIN_YOUTH_OFFICE} kept for youth \
         offices and {MIN_INSTITUTION} for institutions until {}, at most \
         {MAX_PER_ORGANIZATION} per organisation); a session takes {PER_SESSION} registrations \
         (its seats, then the waiting list) before the scenario moves on to the next",
        DISTRICTS.len(),
        seeded.reserved_until
    );
    let _ = writeln!(
        report,
        "  seeding      directory copy (SQL) {}; course and sessions through the API in {} ({} \
         requests, {:.0}/s, {} in flight); outbox ({outbox} events) published {} later",
        secs(directory_time),
        secs(seeded.time),
        sessions + 1,
        per_second(sessions + 1, seeded.time),
        all.seed_concurrency,
        secs(outbox_time)
    );
    write_runs(&mut report, all);
    write_ceilings(&mut report, run);
    write_table(&mut report, &results, run);
    let _ = writeln!(
        report,
        "{:<24}POST /v1/sessions/{{id}}/registrations of a fresh person as their \
         organisation's software (`service` token of the organisation); all clients on the \
         same session (the session lock's worst case) until it has {PER_SESSION} \
         registrations, then the next",
        "registration, 1 sess:"
    );
    let _ = writeln!(
        report,
        "{:<24}the same spread round-robin over {SPREAD} sessions, the next {SPREAD} once \
         those have {PER_SESSION} each",
        "registration, 50 sess:"
    );
    let _ = writeln!(
        report,
        "{:<24}GET /v1/sessions/{{id}} (free seats, confirmed, offered, waitlisted, state) of a \
         random session that has registrations (a staff member's token)",
        "availability read:"
    );
    write_problems(
        &mut report,
        &results,
        "ran out of people or sessions before the time was up; give more --people or --sessions",
    );
    write_pretix(&mut report, &results, all);
    if let Some(totals) = &totals {
        let _ = writeln!(
            report,
            "registrations: {} confirmed, {} waitlisted ({} every seat taken, {} seats kept for \
             the other kind, {} organisation's limit) in {} sessions",
            totals.confirmed,
            totals.waitlisted,
            totals.full,
            totals.reserved,
            totals.limit,
            totals.sessions_used
        );
    }
    let _ = writeln!(
        report,
        "overbooked sessions: {} (confirmed + offered above capacity); organisation limits \
         exceeded: {}; reserved seats taken by the other kind: {}",
        checks.overbooked, checks.over_limit, checks.reservation_broken
    );
    if let Some(totals) = &totals {
        let _ = writeln!(
            report,
            "afterwards: database {DATABASE} {} with {} registrations, {} outbox events (kept \
             until the next run)",
            totals.size, totals.registrations, totals.outbox
        );
    }
    let _ = writeln!(report, "reproduce: {}", reproduce(all));
    print!("{report}");
    if checks.overbooked > 0 || checks.over_limit > 0 || checks.reservation_broken > 0 {
        return Err(format!(
            "the seat rules were broken: {} sessions overbooked, {} over an organisation's \
             limit, {} with reserved seats taken by the other kind",
            checks.overbooked, checks.over_limit, checks.reservation_broken
        )
        .into());
    }
    Ok(())
}

/// The rates at 32 in flight (else the deepest level) against pretix's.
fn write_pretix(report: &mut String, results: &[Level], all: &super::Options) {
    let level = if all.concurrency.contains(&32) {
        32
    } else {
        all.concurrency.iter().copied().max().unwrap_or(1)
    };
    let _ = writeln!(
        report,
        "against pretix (same 2-core class of machine: 6–8 registrations/s, 26–29 quota \
         reads/s; midpoints {PRETIX_REGISTRATIONS} and {PRETIX_READS}; target \
         {TARGET_FACTOR:.0}×){}:",
        if level == 32 {
            String::new()
        } else {
            format!(" — at {level} in flight, 32 was not measured")
        }
    );
    for (scenario, pretix) in [
        (Scenario::OneSession, PRETIX_REGISTRATIONS),
        (Scenario::Spread, PRETIX_REGISTRATIONS),
        (Scenario::AvailabilityRead, PRETIX_READS),
    ] {
        let name = super::Scenario::name(scenario);
        let Some(measured) = results
            .iter()
            .find(|l| l.scenario == name && l.concurrency == level)
        else {
            continue;
        };
        let rate = measured.per_second();
        let factor = rate / pretix;
        let _ = writeln!(
            report,
            "  {name:<24} {rate:>9.1}/s at {level} = {factor:>6.0} × pretix: target \
             {TARGET_FACTOR:.0}× ({:.0}/s) {}",
            pretix * TARGET_FACTOR,
            if factor >= TARGET_FACTOR {
                "met"
            } else {
                "NOT met"
            }
        );
    }
}

// ---------------------------------------------------------------------------------------------
// seeding: the directory copy

struct Directory {
    /// Organisation ids; the first [`YOUTH_OFFICES`] are youth offices.
    organizations: Vec<Uuid>,
    /// Every person with the index of their organisation, in a shuffled order.
    people: Vec<(Uuid, usize)>,
}

/// Writes the organisations and their people into the read copy, as the directory's events
/// would (the service has migrated its database once it is ready). Each person works for an
/// organisation drawn at random ([`YOUTH_OFFICE_PERCENT`] for a youth office), so consecutive
/// registrations come from mixed organisations.
async fn seed_directory(database_url: &str, people: usize) -> Result<Directory> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    let organizations: Vec<Uuid> = (0..YOUTH_OFFICES + INSTITUTIONS)
        .map(|_| Uuid::now_v7())
        .collect();
    let rows: Vec<String> = organizations
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let (kind, name) = if i < YOUTH_OFFICES {
                ("youth_office", format!("Bench-Jugendamt {}", i + 1))
            } else {
                (
                    "institution",
                    format!("Bench-Einrichtung {}", i - YOUTH_OFFICES + 1),
                )
            };
            format!(
                "('{id}', '{name}', '{kind}', '{}', true, 1)",
                DISTRICTS[i % DISTRICTS.len()]
            )
        })
        .collect();
    diesel::sql_query(format!(
        "INSERT INTO directory_organizations (id, name, kind, district, active, version) \
         VALUES {}",
        rows.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    let mut rng = Rng(0x7EA1_2026);
    let everyone: Vec<(Uuid, usize)> = (0..people)
        .map(|_| {
            let org = if rng.below(100) < YOUTH_OFFICE_PERCENT {
                rng.below(YOUTH_OFFICES)
            } else {
                YOUTH_OFFICES + rng.below(INSTITUTIONS)
            };
            (Uuid::now_v7(), org)
        })
        .collect();
    let started = Instant::now();
    let mut reported = Instant::now();
    for (n, chunk) in everyone.chunks(PEOPLE_BATCH).enumerate() {
        super::process::check_interrupted()?;
        let values: Vec<String> = chunk
            .iter()
            .map(|(id, org)| {
                format!(
                    "('{id}', '{}', 'Bench', 'Fachkraft', true, 1)",
                    organizations[*org]
                )
            })
            .collect();
        diesel::sql_query(format!(
            "INSERT INTO directory_people (id, organization_id, given_name, family_name, active, \
             version) VALUES {}",
            values.join(", ")
        ))
        .execute(&mut conn)
        .await?;
        if reported.elapsed() >= super::PROGRESS_EVERY {
            println!(
                "xtask:   people {}/{people} ({:.0}/s)",
                (n + 1) * PEOPLE_BATCH,
                per_second((n + 1) * PEOPLE_BATCH, started.elapsed())
            );
            reported = Instant::now();
        }
    }
    // Registrations take the people in an order unrelated to their creation.
    let mut shuffled = everyone;
    for i in (1..shuffled.len()).rev() {
        let j = rng.below(i + 1);
        shuffled.swap(i, j);
    }
    println!(
        "xtask: seeded the directory read copy ({YOUTH_OFFICES} youth offices, {INSTITUTIONS} \
         institutions, {people} people) in {}",
        secs(started.elapsed())
    );
    Ok(Directory {
        organizations,
        people: shuffled,
    })
}

// ---------------------------------------------------------------------------------------------
// seeding: the course and its sessions

struct Seeded {
    sessions: Vec<Uuid>,
    reserved_until: chrono::NaiveDate,
    time: std::time::Duration,
}

/// One course and `count` sessions, all with registration open today.
async fn seed_sessions(
    api: &Api,
    all: &super::Options,
    trainer: &str,
    count: usize,
) -> Result<Seeded> {
    let started = Instant::now();
    let course = api
        .write(
            Method::POST,
            trainer,
            "/v1/courses",
            None,
            to_vec(
                &json!({"title": "Grundlagen der Kooperation", "topic": "guidelines",
                "description": "Leitlinien und Philosophie der Kooperation in Heilbronn-Franken.",
                "duration_hours": 12, "completion_rule": "all_parts_attended",
                "required_for": ["caseworker", "leader"]}),
            )?,
            StatusCode::CREATED,
        )
        .await?;
    let course: Value = serde_json::from_str(&course.body)?;
    let course = course["id"]
        .as_str()
        .ok_or("the created course has no id")?
        .to_string();
    let today = Utc::now().date_naive();
    let opens_on = today - Days::new(14);
    let reserved_until = today + Days::new(30);
    let (api2, token) = (api.clone(), trainer.to_string());
    let (sessions, _) = seed_pool(
        "sessions",
        "seeding the sessions failed",
        count,
        all.seed_concurrency,
        move |n| {
            let (api, token, course) = (api2.clone(), token.clone(), course.clone());
            async move {
                // Two days, 60 to 424 days ahead; registration closes a week before.
                let first = today + Days::new(60 + (n % 365) as u64);
                let body = json!({"course_id": course, "days": [first, first + Days::new(1)],
                    "place": format!("Diakonische Jugendhilfe Heilbronn, Seminarraum {}", n % 4 + 1),
                    "capacity": CAPACITY, "registration_opens_on": opens_on,
                    "registration_closes_on": first - Days::new(7),
                    "cancellation_deadline": first - Days::new(7),
                    "min_youth_office_seats": MIN_YOUTH_OFFICE,
                    "min_institution_seats": MIN_INSTITUTION,
                    "reserved_until": reserved_until,
                    "max_per_organization": MAX_PER_ORGANIZATION, "offer_hours": 48});
                let reply = api
                    .write(
                        Method::POST,
                        &token,
                        "/v1/sessions",
                        None,
                        to_vec(&body)?,
                        StatusCode::CREATED,
                    )
                    .await?;
                let session: Value =
                    serde_json::from_str(&reply.body).map_err(|e| e.to_string())?;
                session["id"]
                    .as_str()
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .ok_or_else(|| format!("the created session has no id: {}", reply.body))
            }
        },
    )
    .await?;
    let time = started.elapsed();
    println!(
        "xtask: created a course and {count} sessions in {}",
        secs(time)
    );
    Ok(Seeded {
        sessions,
        reserved_until,
        time,
    })
}

fn to_vec(value: &Value) -> std::result::Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

// ---------------------------------------------------------------------------------------------
// the checks afterwards

struct Checks {
    overbooked: i64,
    over_limit: i64,
    reservation_broken: i64,
}

/// What the seat rules promise, read from the database: no session holds more confirmed and
/// offered seats than it has, no organisation more than its limit, and while seats are kept
/// (all run long) neither kind holds seats kept for the other.
async fn check_seats(database_url: &str) -> Result<Checks> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    let mut count = async |sql: &str| -> Result<i64> {
        let row: CountRow = diesel::sql_query(sql).get_result(&mut conn).await?;
        Ok(row.value)
    };
    let overbooked = count(
        "SELECT count(*) AS value FROM sessions s WHERE s.capacity < (SELECT count(*) FROM \
         registrations r WHERE r.session_id = s.id AND r.state IN ('confirmed', 'offered'))",
    )
    .await?;
    let over_limit = count(
        "SELECT count(*) AS value FROM (SELECT r.session_id, r.organization_id, count(*) AS n \
         FROM registrations r WHERE r.state IN ('confirmed', 'offered') \
         GROUP BY r.session_id, r.organization_id) t JOIN sessions s ON s.id = t.session_id \
         WHERE s.max_per_organization IS NOT NULL AND t.n > s.max_per_organization",
    )
    .await?;
    let reservation_broken = count(
        "SELECT count(*) AS value FROM sessions s WHERE s.reserved_until >= current_date AND ( \
         (SELECT count(*) FROM registrations r WHERE r.session_id = s.id \
            AND r.state IN ('confirmed', 'offered') AND r.organization_kind = 'youth_office') \
           > s.capacity - s.min_institution_seats \
         OR (SELECT count(*) FROM registrations r WHERE r.session_id = s.id \
            AND r.state IN ('confirmed', 'offered') AND r.organization_kind = 'institution') \
           > s.capacity - s.min_youth_office_seats)",
    )
    .await?;
    Ok(Checks {
        overbooked,
        over_limit,
        reservation_broken,
    })
}

struct Totals {
    registrations: i64,
    confirmed: i64,
    waitlisted: i64,
    full: i64,
    reserved: i64,
    limit: i64,
    sessions_used: i64,
    outbox: i64,
    size: String,
}

async fn final_counts(database_url: &str) -> Result<Totals> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    let mut count = async |sql: &str| -> Result<i64> {
        let row: CountRow = diesel::sql_query(sql).get_result(&mut conn).await?;
        Ok(row.value)
    };
    let registrations = count("SELECT count(*) AS value FROM registrations").await?;
    let confirmed =
        count("SELECT count(*) AS value FROM registrations WHERE state = 'confirmed'").await?;
    let waitlisted =
        count("SELECT count(*) AS value FROM registrations WHERE state = 'waitlisted'").await?;
    let full = count(
        "SELECT count(*) AS value FROM registrations WHERE state = 'waitlisted' \
         AND reason LIKE 'every seat%'",
    )
    .await?;
    let reserved = count(
        "SELECT count(*) AS value FROM registrations WHERE state = 'waitlisted' \
         AND reason LIKE '%reservation%'",
    )
    .await?;
    let limit = count(
        "SELECT count(*) AS value FROM registrations WHERE state = 'waitlisted' \
         AND reason LIKE 'the organisation%'",
    )
    .await?;
    let sessions_used =
        count("SELECT count(DISTINCT session_id) AS value FROM registrations").await?;
    let outbox = count("SELECT count(*) AS value FROM outbox").await?;
    let size: TextRow =
        diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS value")
            .get_result(&mut conn)
            .await?;
    Ok(Totals {
        registrations,
        confirmed,
        waitlisted,
        full,
        reserved,
        limit,
        sessions_used,
        outbox,
        size: size.value,
    })
}

// ---------------------------------------------------------------------------------------------
// what the scenarios use

struct Fixture {
    /// The `service` token of each organisation, in the order of `Directory::organizations`.
    software: Vec<String>,
    /// A staff member's token for the availability read.
    reader: String,
    people: Vec<(Uuid, usize)>,
    /// The next person to register (shared by both registration scenarios: never reused).
    next_person: AtomicUsize,
    /// The sessions of the one-session scenario, then those of the rotating one.
    single: Vec<Uuid>,
    spread: Vec<Uuid>,
    /// Registrations each registration scenario has started.
    single_done: AtomicUsize,
    spread_done: AtomicUsize,
}

/// Tokens of every organisation's software and of a reader; makes sure the service knows a
/// person of the copy and reads a session as seeded.
async fn fixture(
    ctx: &Ctx,
    api: &Api,
    trainer: &str,
    directory: Directory,
    sessions: &[Uuid],
) -> Result<Fixture> {
    let software = directory
        .organizations
        .iter()
        .map(|org| token::mint(ctx, &[Role::Service], Some(*org), Some("bench-software")))
        .collect::<Result<Vec<String>>>()?;
    let (reader_id, reader_org) = directory.people.last().copied().ok_or("no people")?;
    let role = if reader_org < YOUTH_OFFICES {
        Role::YouthOfficeStaff
    } else {
        Role::InstitutionStaff
    };
    let reader = token::mint(
        ctx,
        &[role],
        Some(directory.organizations[reader_org]),
        Some(&reader_id.to_string()),
    )?;
    let first = sessions.first().ok_or("no sessions")?;
    let session: Value = serde_json::from_str(
        &api.get(trainer, &format!("/v1/sessions/{first}"))
            .await?
            .body,
    )?;
    if session["state"] != "open" || session["free_seats"] != json!(CAPACITY) {
        return Err(format!(
            "GET /v1/sessions/{first}: not open with {CAPACITY} free seats: {session}"
        )
        .into());
    }
    let half = sessions.len() / 2;
    Ok(Fixture {
        software,
        reader,
        people: directory.people,
        next_person: AtomicUsize::new(0),
        single: sessions[..half].to_vec(),
        spread: sessions[half..].to_vec(),
        single_done: AtomicUsize::new(0),
        spread_done: AtomicUsize::new(0),
    })
}

impl Fixture {
    /// The session the `n`th registration of a scenario goes to, if any is left.
    fn session_for(&self, scenario: Scenario, n: usize) -> Option<Uuid> {
        match scenario {
            Scenario::OneSession => self.single.get(n / PER_SESSION).copied(),
            Scenario::Spread => {
                let group = n / (SPREAD * PER_SESSION);
                self.spread.get(group * SPREAD + n % SPREAD).copied()
            }
            Scenario::AvailabilityRead => None,
        }
    }

    /// A random session that has registrations (any session before the first registration).
    fn some_session(&self, rng: &mut Rng) -> Uuid {
        let single = (self.single_done.load(Ordering::Relaxed))
            .div_ceil(PER_SESSION)
            .min(self.single.len());
        let spread = self
            .spread_done
            .load(Ordering::Relaxed)
            .div_ceil(SPREAD * PER_SESSION)
            .saturating_mul(SPREAD)
            .min(self.spread.len());
        if single + spread == 0 {
            let all = self.single.len() + self.spread.len();
            let k = rng.below(all);
            return self
                .single
                .get(k)
                .or_else(|| self.spread.get(k - self.single.len()))
                .copied()
                .unwrap_or_default();
        }
        let k = rng.below(single + spread);
        if k < single {
            self.single[k]
        } else {
            self.spread[k - single]
        }
    }
}

// ---------------------------------------------------------------------------------------------
// scenarios

#[derive(Debug, Clone, Copy)]
enum Scenario {
    OneSession,
    Spread,
    AvailabilityRead,
}

impl super::Scenario for Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::OneSession => "registration, 1 sess",
            Scenario::Spread => "registration, 50 sess",
            Scenario::AvailabilityRead => "availability read",
        }
    }

    /// A registration commits one write transaction; the read writes nothing.
    fn compare(self) -> Option<Compare> {
        Some(match self {
            Scenario::OneSession | Scenario::Spread => Compare::WriteTx { per_unit: 1 },
            Scenario::AvailabilityRead => Compare::HttpRead,
        })
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
        if let Scenario::AvailabilityRead = scenario {
            let session = self.some_session(rng);
            return api
                .get(&self.reader, &format!("/v1/sessions/{session}"))
                .await
                .map(|_| Outcome::Done);
        }
        let done = match scenario {
            Scenario::OneSession => &self.single_done,
            _ => &self.spread_done,
        };
        let n = done.fetch_add(1, Ordering::Relaxed);
        let Some(session) = self.session_for(scenario, n) else {
            return Ok(Outcome::Exhausted);
        };
        let Some(&(person, org)) = self
            .people
            .get(self.next_person.fetch_add(1, Ordering::Relaxed))
        else {
            return Ok(Outcome::Exhausted);
        };
        let body = format!("{{\"person_id\":\"{person}\"}}").into_bytes();
        api.write(
            Method::POST,
            &self.software[org],
            &format!("/v1/sessions/{session}/registrations"),
            None,
            body,
            StatusCode::CREATED,
        )
        .await
        .map(|_| Outcome::Done)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixture(sessions: usize) -> Fixture {
        let ids: Vec<Uuid> = (0..sessions).map(|_| Uuid::now_v7()).collect();
        Fixture {
            software: Vec::new(),
            reader: String::new(),
            people: Vec::new(),
            next_person: AtomicUsize::new(0),
            single: ids[..sessions / 2].to_vec(),
            spread: ids[sessions / 2..].to_vec(),
            single_done: AtomicUsize::new(0),
            spread_done: AtomicUsize::new(0),
        }
    }

    #[test]
    fn every_session_takes_its_share_and_then_the_next_ones_follow() {
        let f = fixture(200);
        let one = |n| f.session_for(Scenario::OneSession, n).unwrap();
        assert_eq!(one(0), f.single[0]);
        assert_eq!(one(PER_SESSION - 1), f.single[0]);
        assert_eq!(one(PER_SESSION), f.single[1]);
        assert!(
            f.session_for(Scenario::OneSession, 100 * PER_SESSION)
                .is_none()
        );
        let spread = |n| f.session_for(Scenario::Spread, n).unwrap();
        assert_eq!(spread(0), f.spread[0]);
        assert_eq!(spread(SPREAD - 1), f.spread[SPREAD - 1]);
        assert_eq!(spread(SPREAD), f.spread[0]);
        assert_eq!(spread(SPREAD * PER_SESSION), f.spread[SPREAD]);
        assert!(
            f.session_for(Scenario::Spread, 2 * SPREAD * PER_SESSION)
                .is_none()
        );
    }

    #[test]
    fn the_read_picks_sessions_with_registrations() {
        let f = fixture(200);
        let mut rng = Rng(3);
        let any = f.some_session(&mut rng);
        assert!(f.single.contains(&any) || f.spread.contains(&any));
        f.single_done.store(1, Ordering::Relaxed);
        assert!((0..50).all(|_| f.some_session(&mut rng) == f.single[0]));
        f.spread_done.store(1, Ordering::Relaxed);
        assert!((0..200).all(|_| {
            let s = f.some_session(&mut rng);
            s == f.single[0] || f.spread[..SPREAD].contains(&s)
        }));
    }
}
