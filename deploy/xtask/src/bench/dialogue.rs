//! The dialogue service's read paths on a whole cycle: the cycle calendar a screen shows (a
//! month, a year) and the coverage report (JSON and CSV).
//!
//! The directory read copy (organisations with their agreements, staff) and a few Forum meetings
//! are written in SQL, as the directory's and the committee's events would; the cycle, the
//! school holidays, every host's planning, the schedules, invitations, held dialogues and their
//! documentation go through the API.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, Utc, Weekday};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use super::ceiling::Compare;
use super::{
    Api, CountRow, Launched, Outcome, Rng, Run, TextRow, per_second, run_scenarios, secs,
    seed_pool, wait_for_outbox, write_ceilings, write_header, write_problems, write_runs,
    write_table,
};
use crate::Result;
use crate::ctx::Ctx;
use crate::token::{self, Role};

const DATABASE: &str = "qmf_bench_dialogue";
const EXCHANGE: &str = "qmf.events.bench-dialogue";
const QUEUE_PREFIX: &str = "bench-dialogue.";
const DEFAULT_PORT: u16 = 18185;
const DEFAULT_HOSTS: usize = 300;
const DEFAULT_STAFF: usize = 1_000;
const MIN_HOSTS: usize = 20;
const MAX_HOSTS: usize = 2_000;
const MAX_STAFF: usize = 100_000;
/// One organisation in ten is a youth office.
const OFFICE_EVERY: usize = 10;
const DISTRICTS: [&str; 5] = [
    "Heilbronn",
    "Hohenlohekreis",
    "Schwäbisch Hall",
    "Main-Tauber-Kreis",
    "Stadt Heilbronn",
];
/// Institution guests of each dialogue (with the host and a youth office: five organisations).
const INSTITUTION_GUESTS: usize = 3;
/// Days of the week a dialogue may take (the rules allow three an ISO week in this cycle).
const DIALOGUE_DAYS: [Weekday; 3] = [Weekday::Tue, Weekday::Wed, Weekday::Thu];
const PER_WEEK: i32 = 3;
/// Hosts left without a date, one in this many (the calendar's "still open").
const OPEN_EVERY: usize = 10;
/// Forum meetings of the cycle, as the committee's events would bring them.
const FORUM_MEETINGS_PER_YEAR: u32 = 4;
const YEARS: i32 = 3;

/// Options of the dialogue benchmark.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Dialogue benchmark")]
pub struct DialogueOptions {
    /// Hosts of the benchmarked cycle (organisations with an agreement; one in ten a youth
    /// office); nine in ten get a dialogue, those before today held and documented
    /// [default: 300].
    #[arg(long, value_name = "N")]
    pub hosts: Option<usize>,
    /// Staff of those organisations, spread evenly [default: 1000].
    #[arg(long, value_name = "N")]
    pub staff: Option<usize>,
    /// Port of the benchmarked dialogue service [default: 18185].
    #[arg(long, value_name = "PORT")]
    pub dialogue_port: Option<u16>,
}

impl DialogueOptions {
    fn hosts(&self) -> usize {
        self.hosts.unwrap_or(DEFAULT_HOSTS)
    }

    fn staff(&self) -> usize {
        self.staff.unwrap_or(DEFAULT_STAFF)
    }

    pub(super) fn port(&self) -> u16 {
        self.dialogue_port.unwrap_or(DEFAULT_PORT)
    }

    /// The options given on the command line.
    pub(super) fn given(&self) -> Vec<&'static str> {
        [
            ("--hosts", self.hosts.is_some()),
            ("--staff", self.staff.is_some()),
            ("--dialogue-port", self.dialogue_port.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    pub(super) fn validate(&self) -> Result<()> {
        if !(MIN_HOSTS..=MAX_HOSTS).contains(&self.hosts()) {
            return Err(format!(
                "--hosts must be {MIN_HOSTS} to {MAX_HOSTS} (at least {MIN_HOSTS}, so that \
                 every dialogue finds a youth office and three institutions as guests)"
            )
            .into());
        }
        if !(self.hosts()..=MAX_STAFF).contains(&self.staff()) {
            return Err(format!(
                "--staff must be {} (one per host) to {MAX_STAFF}",
                self.hosts()
            )
            .into());
        }
        if self.port() == 0 {
            return Err("--dialogue-port must be 1 to 65535".into());
        }
        Ok(())
    }
}

fn reproduce(options: &super::Options) -> String {
    format!(
        "cargo xtask bench --service dialogue {} --hosts {} --staff {} --seed-concurrency {}",
        options.reproduce_common(),
        options.dialogue.hosts(),
        options.dialogue.staff(),
        options.seed_concurrency
    )
}

pub(super) fn target(options: &DialogueOptions) -> super::Target {
    super::Target {
        service: "dialogue",
        database: DATABASE,
        exchange: EXCHANGE,
        queue_prefix: QUEUE_PREFIX,
        port: options.port(),
        port_option: "--dialogue-port",
    }
}

/// Seeds the started service, runs the scenarios and prints the report.
pub(super) async fn measure(
    ctx: &Ctx,
    all: &super::Options,
    launched: &mut Launched,
    run: &Run,
) -> Result<()> {
    let (hosts, staff) = (all.dialogue.hosts(), all.dialogue.staff());
    launched.wait_ready().await?;
    let api = launched.api.clone();
    let database_url = launched.database_url.clone();
    let coordinator = token::mint(ctx, &[Role::Coordinator], None, Some("bench-coordination"))?;

    let setup_started = Instant::now();
    let start_year = Utc::now().date_naive().year() - 1;
    let directory = seed_directory(&database_url, hosts, staff, start_year).await?;
    let cycle = open_cycle(&api, &coordinator, &directory, start_year).await?;
    let setup_time = setup_started.elapsed();
    let planned = Arc::new(plan(&api, &coordinator, &cycle, &directory).await?);
    let seeded = seed_dialogues(&api, all, &coordinator, &planned).await?;
    let outbox_started = Instant::now();
    let outbox = wait_for_outbox(&database_url).await?;
    let outbox_time = outbox_started.elapsed();
    launched.check_alive()?;

    let reader = token::mint(
        ctx,
        &[Role::InstitutionStaff],
        Some(directory.organizations[1].id),
        Some(&directory.organizations[1].staff[0].to_string()),
    )?;
    let fixture = Arc::new(fixture(&api, &coordinator, reader, &cycle, &planned, &seeded).await?);
    let results = run_scenarios(
        launched,
        &fixture,
        &[
            Scenario::CalendarMonth,
            Scenario::CalendarYear,
            Scenario::Coverage,
            Scenario::CoverageCsv,
        ],
        all,
    )
    .await?;
    let totals = final_counts(&database_url).await.ok();

    let mut report = String::new();
    write_header(&mut report, "QMF dialogue service benchmark", launched, "");
    let offices = directory
        .organizations
        .iter()
        .filter(|o| o.youth_office)
        .count();
    let _ = writeln!(
        report,
        "  data         a cycle {start_year}–{} with {hosts} hosts ({offices} youth offices, {} \
         institutions in {} districts) and {staff} staff: {} dialogues scheduled ({} of them \
         before today, held and documented with {} findings), {} hosts still open; {} guest \
         places; {} Forum meetings and {} school holidays as blackout days",
        start_year + YEARS - 1,
        hosts - offices,
        DISTRICTS.len(),
        seeded.scheduled,
        seeded.held,
        seeded.findings,
        hosts - seeded.scheduled,
        seeded.guest_places,
        directory.forum_meetings,
        cycle.school_holidays
    );
    let _ = writeln!(
        report,
        "  seeding      directory copy and Forum meetings (SQL), cycle and school holidays (API) \
         {}; host planning and dialogues through the API in {} ({} requests, {:.0}/s, {} in \
         flight); outbox ({outbox} events) published {} later",
        secs(setup_time),
        secs(planned.time + seeded.time),
        planned.requests + seeded.requests,
        per_second(
            planned.requests + seeded.requests,
            planned.time + seeded.time
        ),
        all.seed_concurrency,
        secs(outbox_time)
    );
    write_runs(&mut report, all);
    write_ceilings(&mut report, run);
    write_table(&mut report, &results, run);
    let _ = writeln!(
        report,
        "{:<22}GET /v1/cycles/{{id}}/calendar?from=..&to=.., a random month of the cycle (its \
         dialogues, blackout days and school holidays; about {:.0} dialogues; a staff member's \
         token)",
        "calendar month:",
        seeded.scheduled as f64 / (f64::from(YEARS) * 12.0)
    );
    let _ = writeln!(
        report,
        "{:<22}the same for a random calendar year of the cycle (about {:.0} dialogues)",
        "calendar year:",
        seeded.scheduled as f64 / f64::from(YEARS)
    );
    let _ = writeln!(
        report,
        "{:<22}GET /v1/cycles/{{id}}/coverage ({hosts} organisations, {staff} people, {} \
         districts, findings; {} KiB of JSON; the coordination's token)",
        "coverage:",
        DISTRICTS.len(),
        fixture.coverage_bytes / 1024
    );
    let _ = writeln!(
        report,
        "{:<22}GET /v1/cycles/{{id}}/coverage?format=csv (one row per organisation; {} KiB)",
        "coverage CSV:",
        fixture.csv_bytes / 1024
    );
    write_problems(
        &mut report,
        &results,
        "ran out of data before the time was up",
    );
    if let Some(totals) = totals {
        let _ = writeln!(
            report,
            "afterwards: database {DATABASE} {} with {} dialogues, {} guests, {} findings, {} \
             outbox events (kept until the next run)",
            totals.size, totals.dialogues, totals.guests, totals.findings, totals.outbox
        );
    }
    let _ = writeln!(report, "reproduce: {}", reproduce(all));
    print!("{report}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// seeding: the directory copy

struct Organization {
    id: Uuid,
    name: String,
    youth_office: bool,
    staff: Vec<Uuid>,
}

struct Directory {
    organizations: Vec<Organization>,
    forum_meetings: usize,
    forum_days: BTreeSet<NaiveDate>,
}

/// Writes organisations with a valid agreement and their staff into the read copy, and Forum
/// meetings into the committee's copy, as the events would (the service has migrated its
/// database once it is ready).
async fn seed_directory(
    database_url: &str,
    hosts: usize,
    staff: usize,
    start_year: i32,
) -> Result<Directory> {
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    let mut organizations: Vec<Organization> = (0..hosts)
        .map(|i| {
            let youth_office = i % OFFICE_EVERY == 0;
            let name = if youth_office {
                format!("Bench-Jugendamt {}", i / OFFICE_EVERY + 1)
            } else {
                format!("Bench-Einrichtung {}", i - i / OFFICE_EVERY)
            };
            Organization {
                id: Uuid::now_v7(),
                name,
                youth_office,
                staff: Vec::new(),
            }
        })
        .collect();
    for n in 0..staff {
        organizations[n % hosts].staff.push(Uuid::now_v7());
    }
    let signed_on = NaiveDate::from_ymd_opt(start_year - 2, 1, 1).ok_or("no such year")?;
    for chunk in organizations.chunks(500) {
        let mut orgs = Vec::new();
        let mut agreements = Vec::new();
        let mut people = Vec::new();
        for (i, org) in chunk.iter().enumerate() {
            let kind = if org.youth_office {
                "youth_office"
            } else {
                "institution"
            };
            orgs.push(format!(
                "('{}', '{}', '{kind}', '{}', true, 1)",
                org.id,
                org.name,
                DISTRICTS[i % DISTRICTS.len()]
            ));
            agreements.push(format!(
                "('{}', '{}', 'quality_development', '{signed_on}')",
                Uuid::now_v7(),
                org.id
            ));
            for (k, person) in org.staff.iter().enumerate() {
                people.push(format!(
                    "('{person}', '{}', 'Bench', 'Fachkraft {k} {}', 'p{person}@bench.example', true, 1)",
                    org.id, org.name
                ));
            }
        }
        diesel::sql_query(format!(
            "INSERT INTO directory_organizations (id, name, kind, district, active, version) \
             VALUES {}",
            orgs.join(", ")
        ))
        .execute(&mut conn)
        .await?;
        diesel::sql_query(format!(
            "INSERT INTO directory_agreements (id, organization_id, kind, signed_on) VALUES {}",
            agreements.join(", ")
        ))
        .execute(&mut conn)
        .await?;
        for people in people.chunks(1_000) {
            diesel::sql_query(format!(
                "INSERT INTO directory_people (id, organization_id, given_name, family_name, \
                 email, active, version) VALUES {}",
                people.join(", ")
            ))
            .execute(&mut conn)
            .await?;
        }
    }
    // The Forum meets on a Wednesday in March, June, September and December.
    let mut forum_days = BTreeSet::new();
    let mut meetings = Vec::new();
    for year in start_year..start_year + YEARS {
        for quarter in 0..FORUM_MEETINGS_PER_YEAR {
            let month = 3 + quarter * 3;
            let day = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Wed, 2)
                .ok_or("no second Wednesday")?;
            forum_days.insert(day);
            meetings.push(format!(
                "('{}', '{day}', 'Forum Jugendhilfe {quarter}/{year}')",
                Uuid::now_v7()
            ));
        }
    }
    diesel::sql_query(format!(
        "INSERT INTO forum_meetings (meeting_id, day, title) VALUES {}",
        meetings.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    println!(
        "xtask: seeded the directory read copy ({hosts} organisations with agreements, {staff} \
         staff) and {} Forum meetings",
        meetings.len()
    );
    Ok(Directory {
        organizations,
        forum_meetings: meetings.len(),
        forum_days,
    })
}

// ---------------------------------------------------------------------------------------------
// seeding: the cycle

struct Cycle {
    id: Uuid,
    start_year: i32,
    /// Host id and dialogue id by organisation, in the order of `Directory::organizations`.
    hosts: Vec<(Uuid, Uuid)>,
    school_holidays: usize,
    blocked: BTreeSet<NaiveDate>,
}

/// The region's rules with three dialogues an ISO week (the default two leave no room for
/// 300 hosts in three years once holidays are out).
fn rules() -> Value {
    json!({
        "max_dialogues_per_day": 1, "max_dialogues_per_iso_week": PER_WEEK,
        "report_lead_days": 28, "min_orgs_per_dialogue": 4, "max_orgs_per_dialogue": 7,
        "min_youth_offices_per_dialogue": 1, "min_institutions_per_dialogue": 2,
        "max_guest_dialogues_per_staff_per_year": 4, "target_guest_dialogues_per_staff": 2,
        "travel_road_factor_percent": 130, "travel_speed_kmh": 60,
        "weights": {"attendance_shortfall": 100, "year_balance": 50, "travel_minute": 1,
            "monday_friday": 20, "school_holiday": 200, "district_youth_office_absent": 300,
            "preferred_month": 50}
    })
}

/// School holidays of one school year in the shape of Baden-Württemberg's (autumn, Christmas,
/// Easter, Whitsun, summer); the dates are the benchmark's own, not the ministry's.
fn school_holidays_csv(first_year: i32) -> String {
    let next = first_year + 1;
    let easter = easter(next);
    let whitsun = easter + Days::new(50);
    format!(
        "name,start,end\nHerbstferien,{first_year}-10-27,{first_year}-10-31\n\
         Weihnachtsferien,{first_year}-12-23,{next}-01-05\nOsterferien,{},{}\n\
         Pfingstferien,{},{}\nSommerferien,{next}-07-30,{next}-09-12\n",
        easter - Days::new(3),
        easter + Days::new(8),
        whitsun + Days::new(1),
        whitsun + Days::new(12)
    )
}

/// Easter Sunday (the anonymous Gregorian algorithm).
fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// Imports the school holidays, opens the cycle (its hosts join from the directory copy) and
/// reads the blocked days back.
async fn open_cycle(
    api: &Api,
    coordinator: &str,
    directory: &Directory,
    start_year: i32,
) -> Result<Cycle> {
    let mut school_holidays = 0;
    for year in start_year - 1..start_year + YEARS {
        let csv = school_holidays_csv(year);
        school_holidays += csv.lines().count() - 1;
        let school_year = format!("{year}-{:02}", (year + 1) % 100);
        let request = api
            .client
            .put(format!("{}/v1/school-holidays/{school_year}", api.base))
            .bearer_auth(coordinator)
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(csv);
        api.send(request)
            .await?
            .expect(StatusCode::OK, "PUT /v1/school-holidays")?;
    }
    let body = serde_json::to_vec(&json!({"start_year": start_year, "rules": rules()}))?;
    let reply = api
        .write(
            Method::POST,
            coordinator,
            "/v1/cycles",
            None,
            body,
            StatusCode::CREATED,
        )
        .await?;
    let cycle: Value = serde_json::from_str(&reply.body)?;
    let id = Uuid::parse_str(cycle["id"].as_str().ok_or("POST /v1/cycles: no id")?)?;

    let mut by_organization = std::collections::HashMap::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(c) => format!("/v1/cycles/{id}/hosts?limit=200&cursor={c}"),
            None => format!("/v1/cycles/{id}/hosts?limit=200"),
        };
        let page: Value = serde_json::from_str(&api.get(coordinator, &path).await?.body)?;
        let items = page["items"]
            .as_array()
            .ok_or_else(|| format!("GET {path}: no items"))?;
        for host in items {
            let uuid = |v: &Value| Uuid::parse_str(v.as_str().unwrap_or_default());
            by_organization.insert(
                uuid(&host["organization"]["id"])?,
                (uuid(&host["id"])?, uuid(&host["dialogue_id"])?),
            );
        }
        match page["next_cursor"].as_str() {
            Some(c) if !items.is_empty() => cursor = Some(c.to_string()),
            _ => break,
        }
    }
    let hosts = directory
        .organizations
        .iter()
        .map(|o| {
            by_organization.get(&o.id).copied().ok_or_else(|| {
                format!("{} did not become a host of the opened cycle", o.name).into()
            })
        })
        .collect::<Result<Vec<_>>>()?;

    let mut blocked = BTreeSet::new();
    for year in start_year..start_year + YEARS {
        let path = format!("/v1/blackout-days?from={year}-01-01&to={year}-12-31");
        let list: Value = serde_json::from_str(&api.get(coordinator, &path).await?.body)?;
        for day in list["items"].as_array().into_iter().flatten() {
            if day["blocked"] == true
                && let Some(date) = day["date"].as_str().and_then(|d| d.parse().ok())
            {
                blocked.insert(date);
            }
        }
    }
    if let Some(missing) = directory.forum_days.iter().find(|d| !blocked.contains(*d)) {
        return Err(format!("the Forum meeting on {missing} is no blackout day").into());
    }
    println!(
        "xtask: opened the cycle {start_year}–{} with {} hosts; {} blocked days",
        start_year + YEARS - 1,
        hosts.len(),
        blocked.len()
    );
    Ok(Cycle {
        id,
        start_year,
        hosts,
        school_holidays,
        blocked,
    })
}

// ---------------------------------------------------------------------------------------------
// seeding: host planning and dialogues

/// A host's dialogue as the benchmark plans it.
struct Planned {
    organization: usize,
    dialogue: Uuid,
    date: NaiveDate,
    representative: Uuid,
    guests: Vec<Uuid>,
    owner: Uuid,
    place: String,
}

struct Plan {
    dialogues: Vec<Planned>,
    requests: usize,
    time: Duration,
}

/// The dialogue days of the cycle, in order: Tuesday to Thursday of every week from February,
/// no blocked day.
fn dialogue_days(cycle: &Cycle) -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(cycle.start_year, 2, 1).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(cycle.start_year + YEARS - 1, 12, 15).unwrap_or_default();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| DIALOGUE_DAYS.contains(&d.weekday()) && !cycle.blocked.contains(d))
        .collect()
}

/// Gives nine hosts in ten a date (days spread over the whole cycle) and guests: one person of
/// a youth office and of three institutions, taken in turns so that nobody comes near the
/// yearly limit; records every host's planning (representative, room, report date, proposed
/// date) through the API.
async fn plan(api: &Api, coordinator: &str, cycle: &Cycle, directory: &Directory) -> Result<Plan> {
    let orgs = &directory.organizations;
    let days = dialogue_days(cycle);
    let dated: Vec<usize> = (0..orgs.len()).filter(|i| i % OPEN_EVERY != 5).collect();
    if days.len() < dated.len() {
        return Err(format!(
            "the cycle has {} dialogue days for {} dialogues; use fewer --hosts",
            days.len(),
            dated.len()
        )
        .into());
    }
    let offices: Vec<usize> = (0..orgs.len()).filter(|i| orgs[*i].youth_office).collect();
    let institutions: Vec<usize> = (0..orgs.len()).filter(|i| !orgs[*i].youth_office).collect();
    // Next staff member of each organisation to go as a guest.
    let mut turn = vec![0usize; orgs.len()];
    let take = |org: usize, turn: &mut Vec<usize>| {
        let staff = &orgs[org].staff;
        turn[org] += 1;
        staff[turn[org] % staff.len()]
    };
    let mut dialogues = Vec::new();
    for (n, &org) in dated.iter().enumerate() {
        let date = days[n * days.len() / dated.len()];
        let mut guests = Vec::new();
        let office = (0..offices.len())
            .map(|k| offices[(n + k) % offices.len()])
            .find(|o| *o != org)
            .ok_or("no youth office to invite")?;
        guests.push(take(office, &mut turn));
        let mut chosen = 0;
        for k in 0..institutions.len() {
            let candidate = institutions[(n * INSTITUTION_GUESTS + k) % institutions.len()];
            if candidate != org {
                guests.push(take(candidate, &mut turn));
                chosen += 1;
            }
            if chosen == INSTITUTION_GUESTS {
                break;
            }
        }
        let (_, dialogue) = cycle.hosts[org];
        dialogues.push(Planned {
            organization: org,
            dialogue,
            date,
            representative: orgs[org].staff[0],
            guests,
            owner: orgs[office].id,
            place: format!("{}, Besprechungsraum", orgs[org].name),
        });
    }

    let report_ready_on = format!("{}-01-02", cycle.start_year);
    let planning: Arc<Vec<(Uuid, Value)>> = Arc::new(
        (0..orgs.len())
            .map(|i| {
                let proposed: Vec<NaiveDate> = dialogues
                    .iter()
                    .filter(|d| d.organization == i)
                    .map(|d| d.date)
                    .collect();
                let body = json!({"representatives": [orgs[i].staff[0]], "room_capacity": 12,
                    "preferred_months": [3, 5, 10], "report_ready_on": report_ready_on,
                    "proposed_dates": proposed});
                (cycle.hosts[i].0, body)
            })
            .collect(),
    );
    let (api2, token) = (api.clone(), coordinator.to_string());
    let (_, time) = seed_pool(
        "host planning",
        "seeding the host planning failed",
        planning.len(),
        32,
        move |n| {
            let (api, token, planning) = (api2.clone(), token.clone(), planning.clone());
            async move {
                let (host, body) = &planning[n];
                let path = format!("/v1/hosts/{host}");
                let etag = api.get(&token, &path).await?.etag()?;
                let body = serde_json::to_vec(body).map_err(|e| e.to_string())?;
                api.write(
                    Method::PUT,
                    &token,
                    &path,
                    Some(&etag),
                    body,
                    StatusCode::OK,
                )
                .await?;
                Ok(())
            }
        },
    )
    .await?;
    Ok(Plan {
        requests: 2 * orgs.len(),
        dialogues,
        time,
    })
}

struct Seeded {
    scheduled: usize,
    held: usize,
    findings: usize,
    guest_places: usize,
    requests: usize,
    time: Duration,
}

/// Schedules every planned dialogue; those before today are invited, held and documented
/// (an agreed measure each, every fifth also a Forum topic, every seventh an expert day).
async fn seed_dialogues(
    api: &Api,
    all: &super::Options,
    coordinator: &str,
    plan: &Arc<Plan>,
) -> Result<Seeded> {
    let today = Utc::now().date_naive();
    let requests = Arc::new(AtomicUsize::new(0));
    let (api2, token, plan2, counter) = (
        api.clone(),
        coordinator.to_string(),
        plan.clone(),
        requests.clone(),
    );
    let (findings, time) = seed_pool(
        "dialogues",
        "seeding the dialogues failed",
        plan.dialogues.len(),
        all.seed_concurrency,
        move |n| {
            let (api, token, plan, counter) =
                (api2.clone(), token.clone(), plan2.clone(), counter.clone());
            async move {
                let d = &plan.dialogues[n];
                let path = format!("/v1/dialogues/{}", d.dialogue);
                let etag = api.get(&token, &path).await?.etag()?;
                let body = json!({"starts_at": format!("{}T08:00:00Z", d.date),
                    "ends_at": format!("{}T12:00:00Z", d.date), "place": d.place,
                    "guests": d.guests});
                let etag = api
                    .command(&token, &format!("{path}/schedule"), &etag, to_vec(&body)?)
                    .await?;
                counter.fetch_add(2, Ordering::Relaxed);
                if d.date >= today {
                    return Ok(0);
                }
                let etag = api
                    .command(&token, &format!("{path}/invitations"), &etag, Vec::new())
                    .await?;
                let mut present = vec![d.representative];
                present.extend(d.guests.iter().skip(1));
                let etag = api
                    .command(
                        &token,
                        &format!("{path}/held"),
                        &etag,
                        to_vec(&json!({"present": present}))?,
                    )
                    .await?;
                let mut findings = vec![json!({"kind": "agreed_measure",
                    "title": "Gemeinsame Checkliste für Hilfeplangespräche",
                    "summary": "Jugendamt und Einrichtung erarbeiten eine Checkliste zur Vorbereitung der Hilfeplangespräche.",
                    "owner_organization_id": d.owner,
                    "due_on": d.date + Days::new(if n % 3 == 0 { 60 } else { 400 })})];
                if n % 5 == 0 {
                    findings.push(json!({"kind": "forum_topic",
                        "title": "Übergänge aus stationären Hilfen in die Volljährigkeit",
                        "summary": "Hilfen nach § 41 SGB VIII enden zu früh; Vorschlag: eine gemeinsame Empfehlung."}));
                }
                if n % 7 == 0 {
                    findings.push(json!({"kind": "expert_day",
                        "title": "Fachtag Beteiligung junger Menschen",
                        "summary": "Ein gemeinsamer Fachtag zu Beteiligungsverfahren."}));
                }
                let count = findings.len();
                let body = json!({"minutes": "Protokoll: Vorstellung des Qualitätsberichts, Austausch, Vereinbarungen.",
                    "findings": findings});
                api.write(
                    Method::PUT,
                    &token,
                    &format!("{path}/documentation"),
                    Some(&etag),
                    to_vec(&body)?,
                    StatusCode::OK,
                )
                .await?;
                counter.fetch_add(3, Ordering::Relaxed);
                Ok(count)
            }
        },
    )
    .await?;
    let held = plan.dialogues.iter().filter(|d| d.date < today).count();
    println!(
        "xtask: scheduled {} dialogues, {held} of them held and documented",
        plan.dialogues.len()
    );
    Ok(Seeded {
        scheduled: plan.dialogues.len(),
        held,
        findings: findings.iter().sum(),
        guest_places: plan.dialogues.iter().map(|d| d.guests.len()).sum(),
        requests: requests.load(Ordering::Relaxed),
        time,
    })
}

fn to_vec(value: &Value) -> std::result::Result<Vec<u8>, String> {
    serde_json::to_vec(value).map_err(|e| e.to_string())
}

struct Totals {
    dialogues: i64,
    guests: i64,
    findings: i64,
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
    let dialogues = count("SELECT count(*) AS value FROM dialogues").await?;
    let guests = count("SELECT count(*) AS value FROM dialogue_guests").await?;
    let findings = count("SELECT count(*) AS value FROM findings").await?;
    let outbox = count("SELECT count(*) AS value FROM outbox").await?;
    let size: TextRow =
        diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS value")
            .get_result(&mut conn)
            .await?;
    Ok(Totals {
        dialogues,
        guests,
        findings,
        outbox,
        size: size.value,
    })
}

// ---------------------------------------------------------------------------------------------
// what the scenarios read

struct Fixture {
    coordinator: String,
    reader: String,
    cycle: Uuid,
    /// First and last day of every month of the cycle.
    months: Vec<(NaiveDate, NaiveDate)>,
    years: Vec<i32>,
    coverage_bytes: usize,
    csv_bytes: usize,
}

/// Makes sure the service returns what was seeded: every scheduled dialogue in the calendar
/// years, every host and every person in the coverage report, one CSV row per organisation.
async fn fixture(
    api: &Api,
    coordinator: &str,
    reader: String,
    cycle: &Cycle,
    plan: &Plan,
    seeded: &Seeded,
) -> Result<Fixture> {
    let years: Vec<i32> = (cycle.start_year..cycle.start_year + YEARS).collect();
    let mut in_calendar = 0;
    for year in &years {
        let path = format!(
            "/v1/cycles/{}/calendar?from={year}-01-01&to={year}-12-31",
            cycle.id
        );
        let calendar: Value = serde_json::from_str(&api.get(&reader, &path).await?.body)?;
        in_calendar += calendar["dialogues"].as_array().map_or(0, Vec::len);
        let open = calendar["unscheduled"].as_u64().unwrap_or_default() as usize;
        if open != cycle.hosts.len() - plan.dialogues.len() {
            return Err(format!(
                "GET {path}: {open} hosts unscheduled, not the {} left open",
                cycle.hosts.len() - plan.dialogues.len()
            )
            .into());
        }
    }
    if in_calendar != seeded.scheduled {
        return Err(format!(
            "the calendar years show {in_calendar} dialogues, not the {} scheduled",
            seeded.scheduled
        )
        .into());
    }
    let path = format!("/v1/cycles/{}/coverage", cycle.id);
    let body = api.get(coordinator, &path).await?.body;
    let coverage: Value = serde_json::from_str(&body)?;
    let organizations = coverage["organizations"].as_array().map_or(0, Vec::len);
    let hosted = coverage["hosts"]["hosted"].as_u64().unwrap_or_default() as usize;
    if organizations != cycle.hosts.len() || hosted != seeded.held {
        return Err(format!(
            "GET {path}: {organizations} organisations and {hosted} hosted, not {} and {}",
            cycle.hosts.len(),
            seeded.held
        )
        .into());
    }
    let csv = api
        .get(coordinator, &format!("{path}?format=csv"))
        .await?
        .body;
    if csv.lines().count() != cycle.hosts.len() + 1 {
        return Err(format!(
            "GET {path}?format=csv: {} lines, not a header and {} organisations",
            csv.lines().count(),
            cycle.hosts.len()
        )
        .into());
    }
    let months = years
        .iter()
        .flat_map(|&year| {
            (1..=12).filter_map(move |month| {
                let first = NaiveDate::from_ymd_opt(year, month, 1)?;
                let last = first.checked_add_months(chrono::Months::new(1))? - Days::new(1);
                Some((first, last))
            })
        })
        .collect();
    println!(
        "xtask: checked the seeded data: {in_calendar} dialogues in the calendar, {organizations} \
         organisations in the coverage report"
    );
    Ok(Fixture {
        coordinator: coordinator.to_string(),
        reader,
        cycle: cycle.id,
        months,
        years,
        coverage_bytes: body.len(),
        csv_bytes: csv.len(),
    })
}

// ---------------------------------------------------------------------------------------------
// scenarios

#[derive(Debug, Clone, Copy)]
enum Scenario {
    CalendarMonth,
    CalendarYear,
    Coverage,
    CoverageCsv,
}

impl super::Scenario for Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::CalendarMonth => "calendar month",
            Scenario::CalendarYear => "calendar year",
            Scenario::Coverage => "coverage",
            Scenario::CoverageCsv => "coverage CSV",
        }
    }

    /// Dialogue reads write nothing: compared with the bare HTTP read.
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
        let cycle = self.cycle;
        let (token, path) = match scenario {
            Scenario::CalendarMonth => {
                let (from, to) = self.months[rng.below(self.months.len())];
                (
                    &self.reader,
                    format!("/v1/cycles/{cycle}/calendar?from={from}&to={to}"),
                )
            }
            Scenario::CalendarYear => {
                let year = self.years[rng.below(self.years.len())];
                (
                    &self.reader,
                    format!("/v1/cycles/{cycle}/calendar?from={year}-01-01&to={year}-12-31"),
                )
            }
            Scenario::Coverage => (&self.coordinator, format!("/v1/cycles/{cycle}/coverage")),
            Scenario::CoverageCsv => (
                &self.coordinator,
                format!("/v1/cycles/{cycle}/coverage?format=csv"),
            ),
        };
        api.get(token, &path).await.map(|_| Outcome::Done)
    }
}

#[cfg(test)]
mod tests {
    use super::easter;
    use chrono::NaiveDate;

    #[test]
    fn easter_sundays() {
        for (year, month, day) in [(2025, 4, 20), (2026, 4, 5), (2027, 3, 28), (2028, 4, 16)] {
            assert_eq!(
                Some(easter(year)),
                NaiveDate::from_ymd_opt(year, month, day)
            );
        }
    }
}
