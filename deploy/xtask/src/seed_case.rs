//! The demo's help cases, written through the case API as the youth offices' caseworkers would:
//! for every youth office one case in each phase of the regional process (intake, assessed, plan
//! agreed, help running, ending, closed) and one closed without help. The children and
//! families are generated from name lists (no real persons); the providers are institutions of
//! the same district with a signed agreement, which accept the plans as their staff.

use std::time::{Duration, Instant};

use chrono::{Days, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Result;
use crate::ctx::Ctx;
use crate::seed::Api;
use crate::seed_data::{FAMILY_NAMES, GIVEN_NAMES, Rng};
use crate::token::{self, Role};

/// How long a case waits for its office, caseworker and provider to reach the case service
/// (they arrive by the directory's events).
const DIRECTORY_TIMEOUT: Duration = Duration::from_secs(30);

/// The phases seeded per office, in the order of the process; each case goes as far as its
/// phase.
const PHASES: [&str; 7] = [
    "intake",
    "assessed",
    "plan_agreed",
    "help_running",
    "ending",
    "closed",
    "closed_without_help",
];

const HELP_KINDS: [&str; 7] = [
    "family_help",
    "educational_assistant",
    "social_group_work",
    "day_group",
    "residential_care",
    "intensive_individual_care",
    "counselling",
];

const GOALS: [&str; 4] = [
    "Regelmäßiger Schulbesuch",
    "Konflikte werden ohne Gewalt gelöst",
    "Verlässliche Tagesstruktur in der Familie",
    "Anschluss an eine Freizeitgruppe",
];

/// Seeds the demo cases of every youth office that has none yet; returns a line for the
/// banner.
pub fn run(ctx: &Ctx, directory_url: &str, case_url: &str, admin_token: &str) -> Result<String> {
    let directory = Api::new(directory_url, admin_token)?;
    let today = chrono::Utc::now().date_naive();
    let mut rng = Rng::new(0x0CA5E);
    let offices = directory.get("/v1/organizations?kind=youth_office&active=true&limit=100")?;
    let offices = offices["items"].as_array().cloned().unwrap_or_default();
    let mut by_phase = [0usize; PHASES.len()];
    let mut skipped = 0;
    for office in &offices {
        let office_id = uuid(office)?;
        let district = office["district"].as_str().unwrap_or_default();
        let Some(caseworker) = caseworker_of(&directory, office_id)? else {
            eprintln!(
                "xtask: case demo: {} has no active staff; skipped",
                office["name"]
            );
            continue;
        };
        let providers = providers_in(&directory, district)?;
        let as_caseworker = Api::new(
            case_url,
            &token::mint(
                ctx,
                &[Role::Caseworker],
                Some(office_id),
                Some(&format!("demo-caseworker-{office_id}")),
            )?,
        )?;
        // Only the office itself sees its cases: an office with cases was seeded before.
        let existing = as_caseworker.get("/v1/cases?limit=1")?;
        if existing["items"]
            .as_array()
            .is_some_and(|items| !items.is_empty())
        {
            skipped += 1;
            continue;
        }
        for (n, phase) in PHASES.iter().enumerate() {
            let mut case = Case::open(&as_caseworker, &mut rng, caseworker, n, today)?;
            run_to(ctx, &mut case, phase, &providers, case_url, today)?;
            by_phase[n] += 1;
        }
    }
    let counts: Vec<String> = PHASES
        .iter()
        .zip(by_phase)
        .map(|(phase, n)| format!("{n} {}", phase.replace('_', " ")))
        .collect();
    if skipped == offices.len() {
        return Ok("case demo: every youth office has cases; nothing seeded".into());
    }
    let mut line = format!(
        "case demo: {} cases of {} youth offices ({})",
        by_phase.iter().sum::<usize>(),
        offices.len() - skipped,
        counts.join(", ")
    );
    if skipped > 0 {
        line += &format!("; {skipped} offices already had cases");
    }
    Ok(line)
}

/// One case and its current ETag, written as its caseworker.
struct Case<'a> {
    api: &'a Api,
    path: String,
    etag: String,
    phase: String,
}

impl<'a> Case<'a> {
    /// Opens a case for a generated child and custody holder; waits while the office or the
    /// caseworker is still on the way from the directory.
    fn open(
        api: &'a Api,
        rng: &mut Rng,
        caseworker: Uuid,
        n: usize,
        today: NaiveDate,
    ) -> Result<Case<'a>> {
        let family = *rng.pick(FAMILY_NAMES);
        let age_days = 365 * (4 + rng.below(13) as u64) + rng.below(365) as u64;
        let born = today - Days::new(age_days);
        let mut holder = json!({"given_name": rng.pick(GIVEN_NAMES), "family_name": family,
            "relation": if rng.chance(70) { "mother" } else { "father" }});
        if rng.chance(60) {
            holder["phone"] = json!(format!("+49 7131 555-{:04}", rng.below(10_000)));
        }
        let body = json!({
            "caseworker_id": caseworker,
            "help_kind": HELP_KINDS[n % HELP_KINDS.len()],
            "young_person": {"given_name": rng.pick(GIVEN_NAMES), "family_name": family,
                "date_of_birth": born},
            "custody_holders": [holder],
            "external_ids": {"demo": format!("DEMO-{}", Uuid::now_v7().simple())},
        });
        let started = Instant::now();
        loop {
            let (status, etag, created) = api.call(Method::POST, "/v1/cases", Some(&body), None)?;
            if status == StatusCode::CREATED {
                return Ok(Case {
                    api,
                    path: format!("/v1/cases/{}", created["id"].as_str().unwrap_or_default()),
                    etag: etag.ok_or("POST /v1/cases answered without an ETag")?,
                    phase: "intake".into(),
                });
            }
            if status != StatusCode::UNPROCESSABLE_ENTITY || started.elapsed() > DIRECTORY_TIMEOUT {
                return Err(format!("POST /v1/cases answered {status}: {created}").into());
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// A command on the case at its current version, as `api`'s caller.
    fn command_as(&mut self, api: &Api, step: &str, body: &Value) -> Result<(StatusCode, Value)> {
        let path = format!("{}{step}", self.path);
        let (status, etag, answer) = api.call(Method::POST, &path, Some(body), Some(&self.etag))?;
        if status.is_success() {
            self.etag = etag.ok_or_else(|| format!("POST {path} answered without an ETag"))?;
            if let Some(phase) = answer["phase"].as_str() {
                self.phase = phase.to_string();
            }
        }
        Ok((status, answer))
    }

    fn command(&mut self, step: &str, body: &Value) -> Result<Value> {
        let api = self.api;
        let (status, answer) = self.command_as(api, step, body)?;
        if !status.is_success() {
            return Err(format!("POST {}{step} answered {status}: {answer}", self.path).into());
        }
        Ok(answer)
    }
}

fn participation(with_provider: bool) -> Value {
    let mut participants = vec!["young_person", "parent", "caseworker"];
    if with_provider {
        participants.push("provider");
    }
    json!({"participants": participants, "young_person_heard": true, "agreement_reached": true})
}

/// Takes a freshly opened case through the process up to `phase`.
fn run_to(
    ctx: &Ctx,
    case: &mut Case,
    phase: &str,
    providers: &[Uuid],
    case_url: &str,
    today: NaiveDate,
) -> Result<()> {
    if phase == "intake" {
        return Ok(());
    }
    let help_needed = phase != "closed_without_help";
    case.command(
        "/assessment",
        &json!({"participation": participation(false), "document": {"content": {
            "occasion": "Konflikte in Schule und Familie",
            "needs_areas": [{"area": "social_relations", "need_level": 2}],
            "resources": [], "risks": [], "child_protection_concern": false,
            "recommendation": {"help_needed": help_needed}}}}),
    )?;
    if phase == "assessed" {
        return Ok(());
    }
    if !help_needed {
        case.command(
            "/close-without-help",
            &json!({"end_reason": "no_need", "participation": participation(false)}),
        )?;
        return Ok(());
    }
    // A case opened today has every later step today: the service refuses dates before the
    // case was opened.
    let start = today;
    let provider = agree_plan(case, providers, start)?;
    if phase == "plan_agreed" {
        return Ok(());
    }
    let staff = Api::new(
        case_url,
        &token::mint(
            ctx,
            &[Role::InstitutionStaff],
            Some(provider),
            Some(&format!("demo-staff-{provider}")),
        )?,
    )?;
    let (status, answer) = case.command_as(&staff, "/plans/1/accept", &json!({}))?;
    if !status.is_success() {
        return Err(format!("the provider's acceptance answered {status}: {answer}").into());
    }
    case.command("/help-start", &json!({"started_on": start}))?;
    let overview = case.api.get(&format!("{}/overview", case.path))?;
    let goals: Vec<Value> = overview["current_plan"]["goals"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|goal| goal["id"].clone())
        .collect();
    let ratings = |rating: u8| -> Value {
        goals
            .iter()
            .map(|goal| json!({"goal_id": goal, "rating": rating}))
            .collect()
    };
    case.command(
        "/reviews",
        &json!({"held_on": today, "goal_ratings": ratings(3),
            "participation": participation(true),
            "document": {"content": {"development": "Fortschritte", "continue_help": true}}}),
    )?;
    if phase == "help_running" {
        return Ok(());
    }
    case.command(
        "/help-end",
        &json!({"ended_on": today, "end_kind": "planned", "end_reason": "goals_reached",
            "final_ratings": ratings(4), "participation": participation(true),
            "document": {"content": {"summary": "Ziel weitgehend erreicht", "satisfaction_young_person": 4,
                "satisfaction_parents": 4, "follow_up": "none"}}}),
    )?;
    if phase == "ending" {
        return Ok(());
    }
    case.command("/close", &json!({}))?;
    Ok(())
}

/// Agrees a help plan with the first provider the case service accepts (an institution known
/// to it with a signed agreement); waits while the providers are still on the way.
fn agree_plan(case: &mut Case, providers: &[Uuid], start: NaiveDate) -> Result<Uuid> {
    let started = Instant::now();
    let first = case.path.len() % GOALS.len();
    loop {
        for provider in providers {
            let body = json!({"provider_id": provider, "start_on": start,
                "goals": [GOALS[first], GOALS[(first + 1) % GOALS.len()]],
                "measures": ["Wöchentliche Termine mit der Fachkraft"], "hours_per_week": 4.0,
                "review_interval_months": 6, "participation": participation(true),
                "document": {"content": {"wishes_of_family": "wohnortnah",
                    "tasks": [{"by": "provider", "task": "Einzelgespräche"}]}}});
            let api = case.api;
            let (status, answer) = case.command_as(api, "/plans", &body)?;
            if status.is_success() {
                return Ok(*provider);
            }
            if status != StatusCode::CONFLICT {
                return Err(format!("POST {}/plans answered {status}: {answer}", case.path).into());
            }
        }
        if started.elapsed() > DIRECTORY_TIMEOUT {
            return Err(format!(
                "no provider of the district became eligible for {} within {} s",
                case.path,
                DIRECTORY_TIMEOUT.as_secs()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// An active person of the office, a caseworker where there is one.
fn caseworker_of(directory: &Api, office: Uuid) -> Result<Option<Uuid>> {
    for filter in ["&function=caseworker", ""] {
        let staff = directory.get(&format!(
            "/v1/people?organization_id={office}&active=true&limit=1{filter}"
        ))?;
        if let Some(person) = staff["items"].as_array().and_then(|items| items.first()) {
            return uuid(person).map(Some);
        }
    }
    Ok(None)
}

/// The institutions with a valid agreement in `district` (in the whole region when the
/// district has none).
fn providers_in(directory: &Api, district: &str) -> Result<Vec<Uuid>> {
    let eligible = "/v1/organizations?kind=institution&active=true&has_valid_agreement=true";
    for path in [
        format!("{eligible}&district={district}&limit=5"),
        format!("{eligible}&limit=5"),
    ] {
        let page = directory.get(&path)?;
        let providers = page["items"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .map(uuid)
            .collect::<Result<Vec<Uuid>>>()?;
        if !providers.is_empty() {
            return Ok(providers);
        }
    }
    Err("the directory has no institution with a valid agreement".into())
}

fn uuid(value: &Value) -> Result<Uuid> {
    value["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .ok_or_else(|| format!("no `id` in {value}").into())
}
