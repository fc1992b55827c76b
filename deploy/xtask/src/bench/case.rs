//! The case service: throughput and latency with a realistic amount of data, the audit log on.
//!
//! The directory read copy is written in SQL; the cases are opened through the API.

use std::fmt::Write as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
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

const DATABASE: &str = "qmf_bench_case";
const EXCHANGE: &str = "qmf.events.bench";
const QUEUE_PREFIX: &str = "bench.";
const DEFAULT_PORT: u16 = 18182;
const DEFAULT_CASES: usize = 100_000;
const DEFAULT_PLAN_CASES: usize = 1_000;
const OFFICES: usize = 5;
const CASEWORKERS_PER_OFFICE: usize = 100;
const INSTITUTIONS: usize = 20;
const LIST_LIMIT: usize = 50;

/// Options of the case benchmark.
#[derive(clap::Args, Debug, Clone)]
#[command(next_help_heading = "Case benchmark")]
pub struct CaseOptions {
    /// Cases to seed, spread over 5 youth offices with 100 caseworkers each [default: 100000].
    #[arg(long, value_name = "N")]
    pub cases: Option<usize>,
    /// Of these, cases of the first office brought through assessment, plan, acceptance and
    /// help start (the first scenario reads them) [default: 1000].
    #[arg(long, value_name = "N")]
    pub plan_cases: Option<usize>,
    /// Port of the benchmarked case service [default: 18182].
    #[arg(long, alias = "port", value_name = "PORT")]
    pub case_port: Option<u16>,
}

impl CaseOptions {
    fn cases(&self) -> usize {
        self.cases.unwrap_or(DEFAULT_CASES)
    }

    fn plan_cases(&self) -> usize {
        self.plan_cases.unwrap_or(DEFAULT_PLAN_CASES)
    }

    pub(super) fn port(&self) -> u16 {
        self.case_port.unwrap_or(DEFAULT_PORT)
    }

    /// The options given on the command line.
    pub(super) fn given(&self) -> Vec<&'static str> {
        [
            ("--cases", self.cases.is_some()),
            ("--plan-cases", self.plan_cases.is_some()),
            ("--case-port", self.case_port.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, given)| given.then_some(name))
        .collect()
    }

    pub(super) fn validate(&self) -> Result<()> {
        let (cases, plan_cases) = (self.cases(), self.plan_cases());
        let minimum = OFFICES * CASEWORKERS_PER_OFFICE;
        if cases < minimum {
            return Err(format!("--cases must be at least {minimum} (one per caseworker)").into());
        }
        if plan_cases == 0 || plan_cases > cases / OFFICES / 2 {
            return Err(format!(
                "--plan-cases must be 1 to {} (half of the first office's cases)",
                cases / OFFICES / 2
            )
            .into());
        }
        if self.port() == 0 {
            return Err("--case-port must be 1 to 65535".into());
        }
        Ok(())
    }
}

fn reproduce(options: &super::Options) -> String {
    format!(
        "cargo xtask bench --service case {} --cases {} --plan-cases {} --seed-concurrency {}",
        options.reproduce_common(),
        options.case.cases(),
        options.case.plan_cases(),
        options.seed_concurrency
    )
}

pub(super) fn target(options: &CaseOptions) -> super::Target {
    super::Target {
        service: "case",
        database: DATABASE,
        exchange: EXCHANGE,
        queue_prefix: QUEUE_PREFIX,
        port: options.port(),
        port_option: "--case-port",
    }
}

/// Seeds the started service, runs the scenarios and prints the report.
pub(super) async fn measure(
    ctx: &Ctx,
    all: &super::Options,
    launched: &mut Launched,
    run: &Run,
) -> Result<()> {
    let options = &all.case;
    let (cases, plan_cases) = (options.cases(), options.plan_cases());
    launched.wait_ready().await?;
    let api = launched.api.clone();
    let database_url = launched.database_url.clone();

    let directory_started = Instant::now();
    let directory = seed_directory(&database_url).await?;
    let directory_time = directory_started.elapsed();
    let tokens = Tokens::mint(ctx, &directory)?;
    let bodies = Bodies::new(&directory)?;
    let shared = Arc::new(Shared {
        directory,
        tokens,
        bodies,
    });
    let seeded = seed_cases(&api, all, &shared).await?;
    let outbox_started = Instant::now();
    let outbox = wait_for_outbox(&database_url).await?;
    let outbox_time = outbox_started.elapsed();
    launched.check_alive()?;

    let fixture = Arc::new(Fixture {
        shared,
        running: seeded.running,
        intake: Queue::new(seeded.intake),
    });
    sanity_check(&api, &fixture, cases).await?;

    let results = run_scenarios(
        launched,
        &fixture,
        &[
            Scenario::Overview,
            Scenario::CaseworkerList,
            Scenario::WritePath,
        ],
        all,
    )
    .await?;
    let totals = final_counts(&database_url).await.ok();

    let mut report = String::new();
    write_header(
        &mut report,
        "QMF case service benchmark",
        launched,
        ", audit log on",
    );
    let _ = writeln!(
        report,
        "  data         {cases} cases: {OFFICES} youth offices x {CASEWORKERS_PER_OFFICE} caseworkers \
         ({} cases each), {INSTITUTIONS} institutions with agreements; {plan_cases} cases of office 1 with \
         an accepted plan and running help",
        cases / (OFFICES * CASEWORKERS_PER_OFFICE),
    );
    let _ = writeln!(
        report,
        "  seeding      directory copy (SQL) {}; {cases} cases opened through the API in {} ({:.0}/s, \
         {} in flight); {plan_cases} through the plan path (4 requests each) in {} ({:.0}/s); outbox \
         ({} events) published {} later",
        secs(directory_time),
        secs(seeded.open_time),
        per_second(cases, seeded.open_time),
        all.seed_concurrency,
        secs(seeded.plan_time),
        per_second(plan_cases, seeded.plan_time),
        outbox,
        secs(outbox_time)
    );
    write_runs(&mut report, all);
    write_ceilings(&mut report, run);
    write_table(&mut report, &results, run);
    let _ = writeln!(
        report,
        "read case + plan:     GET /v1/cases/{{id}}/overview, random case of the {plan_cases} with running help \
         (caseworker of office 1)",
    );
    let _ = writeln!(
        report,
        "caseworker's cases:   GET /v1/cases?caseworker_id=..&limit={LIST_LIMIT}, random caseworker \
         of the {} (token of their office)",
        OFFICES * CASEWORKERS_PER_OFFICE
    );
    let _ = writeln!(
        report,
        "help-plan write path: one op = POST assessment, POST plans, POST plans/1/accept \
         (provider), POST help-start on a fresh intake case"
    );
    write_problems(
        &mut report,
        &results,
        "ran out of intake cases before the time was up; seed more with --cases",
    );
    if let Some((audit, size)) = totals {
        let _ = writeln!(
            report,
            "afterwards: {audit} audit log rows, database {DATABASE} {size} (kept until the next run)"
        );
    }
    let _ = writeln!(report, "reproduce: {}", reproduce(all));
    print!("{report}");
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// seeding

/// The organisations of the directory read copy and the caseworkers of the offices.
struct Directory {
    offices: Vec<Uuid>,
    institutions: Vec<Uuid>,
    /// Office index and id of every caseworker.
    caseworkers: Vec<(usize, Uuid)>,
}

/// Writes the organisations and agreements into the read copy, as the directory's events
/// would (the service has migrated the database once it is ready).
async fn seed_directory(database_url: &str) -> Result<Directory> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let offices: Vec<Uuid> = (0..OFFICES).map(|_| Uuid::now_v7()).collect();
    let institutions: Vec<Uuid> = (0..INSTITUTIONS).map(|_| Uuid::now_v7()).collect();
    let mut organizations = Vec::new();
    for (i, id) in offices.iter().enumerate() {
        organizations.push(format!(
            "('{id}', 'Bench-Jugendamt {}', 'youth_office', 'Bench-Kreis {}', true, 1)",
            i + 1,
            i + 1
        ));
    }
    for (i, id) in institutions.iter().enumerate() {
        organizations.push(format!(
            "('{id}', 'Bench-Einrichtung {}', 'institution', 'Bench-Kreis {}', true, 1)",
            i + 1,
            i % OFFICES + 1
        ));
    }
    let agreements: Vec<String> = institutions
        .iter()
        .map(|id| {
            format!(
                "('{}', '{id}', 'quality_development_agreement', '2021-06-30')",
                Uuid::now_v7()
            )
        })
        .collect();
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| format!("cannot connect to {database_url}: {e}"))?;
    diesel::sql_query(format!(
        "INSERT INTO directory_organizations (id, name, kind, district, active, version) VALUES {}",
        organizations.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    diesel::sql_query(format!(
        "INSERT INTO directory_agreements (id, organization_id, kind, signed_on) VALUES {}",
        agreements.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    let caseworkers: Vec<(usize, Uuid)> = (0..OFFICES)
        .flat_map(|office| (0..CASEWORKERS_PER_OFFICE).map(move |_| (office, Uuid::now_v7())))
        .collect();
    // A case is led by a caseworker of its office, as the directory's people copy knows them.
    let people: Vec<String> = caseworkers
        .iter()
        .map(|(office, id)| format!("('{id}', '{}', true, 1)", offices[*office]))
        .collect();
    diesel::sql_query(format!(
        "INSERT INTO directory_people (id, organization_id, active, version) VALUES {}",
        people.join(", ")
    ))
    .execute(&mut conn)
    .await?;
    println!(
        "xtask: seeded the directory read copy: {OFFICES} youth offices with their caseworkers, \
         {INSTITUTIONS} institutions with agreements"
    );
    Ok(Directory {
        offices,
        institutions,
        caseworkers,
    })
}

/// Development tokens: a caseworker per office, staff per institution.
struct Tokens {
    offices: Vec<String>,
    institutions: Vec<String>,
}

impl Tokens {
    fn mint(ctx: &Ctx, directory: &Directory) -> Result<Tokens> {
        let offices = directory
            .offices
            .iter()
            .enumerate()
            .map(|(i, id)| {
                token::mint(
                    ctx,
                    &[Role::Caseworker],
                    Some(*id),
                    Some(&format!("bench-caseworker-{}", i + 1)),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        let institutions = directory
            .institutions
            .iter()
            .enumerate()
            .map(|(i, id)| {
                token::mint(
                    ctx,
                    &[Role::InstitutionStaff],
                    Some(*id),
                    Some(&format!("bench-institution-staff-{}", i + 1)),
                )
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Tokens {
            offices,
            institutions,
        })
    }
}

/// A case opened through the API.
#[derive(Clone)]
struct OpenCase {
    id: Uuid,
    office: usize,
    etag: String,
}

struct Seeded {
    /// Cases of office 1 with an accepted plan and a running help.
    running: Vec<Uuid>,
    /// Cases in phase intake, for the write path.
    intake: Vec<OpenCase>,
    open_time: Duration,
    plan_time: Duration,
}

const GIVEN_NAMES: [&str; 8] = [
    "Mia", "Leon", "Emma", "Noah", "Lina", "Elias", "Lea", "Finn",
];
const FAMILY_NAMES: [&str; 6] = ["Beispiel", "Muster", "Schmidt", "Weber", "Keller", "Wagner"];
const HELP_KINDS: [&str; 9] = [
    "counselling",
    "social_group_work",
    "educational_assistant",
    "family_help",
    "day_group",
    "foster_care",
    "residential_care",
    "intensive_individual_care",
    "integration_help",
];

fn case_draft(n: usize, caseworker: Uuid) -> Value {
    let family = FAMILY_NAMES[n % FAMILY_NAMES.len()];
    json!({
        "caseworker_id": caseworker,
        "help_kind": HELP_KINDS[n % HELP_KINDS.len()],
        "young_person": {
            "given_name": GIVEN_NAMES[n % GIVEN_NAMES.len()],
            "family_name": family,
            "date_of_birth": format!("{}-{:02}-{:02}", 2008 + n % 13, n % 12 + 1, n % 28 + 1)
        },
        "custody_holders": [{
            "given_name": "Sandra", "family_name": family, "relation": "mother",
            "address": format!("Musterweg {}, 74072 Heilbronn", n % 200 + 1),
            "phone": "+49 7131 555-0101", "email": null
        }],
        "external_ids": {}
    })
}

/// Opens the cases (case n: office n mod 5, spread over the office's caseworkers), then brings
/// `--plan-cases` of the first office through the plan path.
async fn seed_cases(api: &Api, all: &super::Options, shared: &Arc<Shared>) -> Result<Seeded> {
    let (cases, plan_cases) = (all.case.cases(), all.case.plan_cases());
    println!(
        "xtask: opening {cases} cases through the API ({} in flight)",
        all.seed_concurrency
    );
    let (opened, open_time) = {
        let api = api.clone();
        let shared = shared.clone();
        seed_pool(
            "opened",
            "opening cases failed",
            cases,
            all.seed_concurrency,
            move |n| {
                let api = api.clone();
                let shared = shared.clone();
                async move { open_case(&api, &shared, n).await }
            },
        )
        .await?
    };
    println!(
        "xtask: opened {} cases in {} ({:.0}/s)",
        opened.len(),
        secs(open_time),
        per_second(opened.len(), open_time)
    );

    // In the order they were requested, so office and caseworker spread stay even.
    let mut for_plans = Vec::new();
    let mut intake = Vec::new();
    for case in opened {
        if case.office == 0 && for_plans.len() < plan_cases {
            for_plans.push(case);
        } else {
            intake.push(case);
        }
    }

    println!(
        "xtask: bringing {} cases of office 1 through assessment, plan, acceptance and help start",
        for_plans.len()
    );
    let running: Vec<Uuid> = for_plans.iter().map(|c| c.id).collect();
    let (_, plan_time) = {
        let api = api.clone();
        let shared = shared.clone();
        let for_plans = Arc::new(for_plans);
        seed_pool(
            "through the plan path",
            "the plan path failed",
            for_plans.len(),
            all.seed_concurrency,
            move |n| {
                let api = api.clone();
                let shared = shared.clone();
                let for_plans = for_plans.clone();
                async move { help_plan_path(&api, &shared, &for_plans[n]).await }
            },
        )
        .await?
    };
    println!(
        "xtask: {} cases with running help in {} ({:.0}/s)",
        running.len(),
        secs(plan_time),
        per_second(running.len(), plan_time)
    );
    Ok(Seeded {
        running,
        intake,
        open_time,
        plan_time,
    })
}

/// Opens case n: office n mod 5, then round-robin over that office's caseworkers.
async fn open_case(api: &Api, shared: &Shared, n: usize) -> std::result::Result<OpenCase, String> {
    let office = n % OFFICES;
    let caseworker = shared.directory.caseworkers
        [office * CASEWORKERS_PER_OFFICE + (n / OFFICES) % CASEWORKERS_PER_OFFICE]
        .1;
    let body = serde_json::to_vec(&case_draft(n, caseworker)).map_err(|e| e.to_string())?;
    let reply = api
        .send(
            api.client
                .post(format!("{}/v1/cases", api.base))
                .bearer_auth(&shared.tokens.offices[office])
                .header(CONTENT_TYPE, "application/json")
                .body(body),
        )
        .await?;
    reply.expect(StatusCode::CREATED, "POST /v1/cases")?;
    let id = reply
        .location
        .as_deref()
        .and_then(|l| l.rsplit('/').next())
        .and_then(|id| Uuid::parse_str(id).ok())
        .ok_or("POST /v1/cases: no case id in the Location header")?;
    Ok(OpenCase {
        id,
        office,
        etag: reply.etag.unwrap_or_else(|| "\"1\"".to_string()),
    })
}

async fn final_counts(database_url: &str) -> Result<(i64, String)> {
    // Scoped: its `first` would shadow the slice method elsewhere.
    use diesel_async::RunQueryDsl;
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    let audit: CountRow = diesel::sql_query("SELECT count(*) AS value FROM audit_log")
        .get_result(&mut conn)
        .await?;
    let size: TextRow =
        diesel::sql_query("SELECT pg_size_pretty(pg_database_size(current_database())) AS value")
            .get_result(&mut conn)
            .await?;
    Ok((audit.value, size.value))
}

// ---------------------------------------------------------------------------------------------

/// Request bodies of the plan path, serialised once.
struct Bodies {
    assessment: Vec<u8>,
    /// One plan per institution.
    plans: Vec<Vec<u8>>,
    accept: Vec<u8>,
    help_start: Vec<u8>,
}

fn participation() -> Value {
    json!({"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null})
}

impl Bodies {
    /// The plan starts and the help starts today (UTC), the day the cases were opened.
    fn new(directory: &Directory) -> Result<Bodies> {
        let today = Utc::now().date_naive();
        let assessment = json!({
            "document": {"content": {
                "occasion": "Schulabsentismus, Überforderung der Mutter",
                "needs_areas": [{"area": "school_and_work", "need_level": 3},
                    {"area": "upbringing_and_care", "need_level": 2}],
                "resources": [{"holder": "family", "description": "Großmutter unterstützt"}],
                "risks": [{"risk": "Schulabbruch", "severity": "high"}],
                "child_protection_concern": false,
                "recommendation": {"help_needed": true, "help_kind": "family_help"}
            }},
            "participation": participation()
        });
        Ok(Bodies {
            assessment: serde_json::to_vec(&assessment)?,
            plans: directory
                .institutions
                .iter()
                .map(|provider| serde_json::to_vec(&plan(*provider, today)))
                .collect::<serde_json::Result<_>>()?,
            accept: b"{}".to_vec(),
            help_start: serde_json::to_vec(&json!({"started_on": today}))?,
        })
    }
}

fn plan(provider: Uuid, start_on: NaiveDate) -> Value {
    json!({
        "provider_id": provider, "start_on": start_on, "hours_per_week": 6.0,
        "goals": ["Der junge Mensch besucht regelmäßig die Schule.",
            "Die Eltern setzen verlässliche Tagesstrukturen um."],
        "measures": ["Zwei Hausbesuche pro Woche"],
        "participation": participation(),
        "document": {"content": {"wishes_of_family": "Träger in Wohnortnähe",
            "tasks": [{"by": "provider", "task": "Hausbesuche"}]}}
    })
}

/// Organisations, tokens and request bodies, shared by all tasks.
struct Shared {
    directory: Directory,
    tokens: Tokens,
    bodies: Bodies,
}

/// Cases handed out one by one to concurrent tasks.
struct Queue {
    cases: Vec<OpenCase>,
    next: AtomicUsize,
}

impl Queue {
    fn new(cases: Vec<OpenCase>) -> Queue {
        Queue {
            cases,
            next: AtomicUsize::new(0),
        }
    }

    fn take(&self) -> Option<&OpenCase> {
        self.cases.get(self.next.fetch_add(1, Ordering::Relaxed))
    }
}

/// Everything the scenarios pick from.
struct Fixture {
    shared: Arc<Shared>,
    /// Cases of office 1 with a running help.
    running: Vec<Uuid>,
    /// Fresh cases in phase intake, used up by the write path.
    intake: Queue,
}

/// Assessment, plan (provider by case), acceptance by the provider, help start: four requests.
async fn help_plan_path(
    api: &Api,
    shared: &Shared,
    case: &OpenCase,
) -> std::result::Result<(), String> {
    let office_token = &shared.tokens.offices[case.office];
    let provider = (case.id.as_u128() % shared.tokens.institutions.len() as u128) as usize;
    let provider_token = &shared.tokens.institutions[provider];
    let bodies = &shared.bodies;
    let plan = bodies.plans[provider].clone();
    let id = case.id;
    let etag = api
        .command(
            office_token,
            &format!("/v1/cases/{id}/assessment"),
            &case.etag,
            bodies.assessment.clone(),
        )
        .await?;
    let etag = api
        .command(office_token, &format!("/v1/cases/{id}/plans"), &etag, plan)
        .await?;
    let etag = api
        .command(
            provider_token,
            &format!("/v1/cases/{id}/plans/1/accept"),
            &etag,
            bodies.accept.clone(),
        )
        .await?;
    api.command(
        office_token,
        &format!("/v1/cases/{id}/help-start"),
        &etag,
        bodies.help_start.clone(),
    )
    .await?;
    Ok(())
}

/// Makes sure the scenarios read what they claim to: a plan in the overview, a full page.
async fn sanity_check(api: &Api, fixture: &Fixture, cases: usize) -> Result<()> {
    let shared = &fixture.shared;
    let case = fixture
        .running
        .first()
        .ok_or("no case with a running help")?;
    let reply = api
        .get(
            &shared.tokens.offices[0],
            &format!("/v1/cases/{case}/overview"),
        )
        .await?;
    let overview: Value = serde_json::from_str(&reply.body)?;
    if overview["current_plan"]["version"] != 1 || overview["case"]["phase"] != "help_running" {
        return Err(format!("the overview of {case} shows no running help with a plan").into());
    }
    let (office, caseworker) = shared.directory.caseworkers[0];
    let reply = api
        .get(
            &shared.tokens.offices[office],
            &format!("/v1/cases?caseworker_id={caseworker}&limit={LIST_LIMIT}"),
        )
        .await?;
    let page: Value = serde_json::from_str(&reply.body)?;
    let items = page["items"].as_array().map_or(0, Vec::len);
    // Case n goes to caseworker n / 5 mod 100 of office n mod 5: the first has the most.
    let expected = LIST_LIMIT.min(cases.div_ceil(OFFICES * CASEWORKERS_PER_OFFICE));
    if items != expected {
        return Err(format!("a caseworker's list returned {items} cases, not {expected}").into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// scenarios

#[derive(Debug, Clone, Copy)]
enum Scenario {
    Overview,
    CaseworkerList,
    WritePath,
}

impl super::Scenario for Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Overview => "read case + plan",
            Scenario::CaseworkerList => "caseworker's cases",
            Scenario::WritePath => "help-plan write path",
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Scenario::WritePath => "op",
            _ => "req",
        }
    }

    /// Every case request commits a write: a command its change, a read its audit rows.
    fn compare(self) -> Option<Compare> {
        Some(Compare::WriteTx {
            per_unit: match self {
                Scenario::WritePath => 4,
                Scenario::Overview | Scenario::CaseworkerList => 1,
            },
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
        let shared = &self.shared;
        match scenario {
            Scenario::Overview => {
                let case = self.running[rng.below(self.running.len())];
                api.get(
                    &shared.tokens.offices[0],
                    &format!("/v1/cases/{case}/overview"),
                )
                .await
                .map(|_| Outcome::Done)
            }
            Scenario::CaseworkerList => {
                let (office, caseworker) =
                    shared.directory.caseworkers[rng.below(shared.directory.caseworkers.len())];
                api.get(
                    &shared.tokens.offices[office],
                    &format!("/v1/cases?caseworker_id={caseworker}&limit={LIST_LIMIT}"),
                )
                .await
                .map(|_| Outcome::Done)
            }
            Scenario::WritePath => match self.intake.take() {
                Some(case) => help_plan_path(api, shared, case)
                    .await
                    .map(|()| Outcome::Done),
                None => Ok(Outcome::Exhausted),
            },
        }
    }
}
