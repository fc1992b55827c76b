//! `cargo xtask seed`: the regional demo data, written through the services' APIs: the
//! directory's organisations and people here, the other services' parts in `seed_*` modules
//! ([`everything`]), and a token for one persona of each role.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder, Response};
use reqwest::header::{ETAG, HeaderMap};
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::Result;
use crate::ctx::{self, Ctx, SERVICES, Service};
use crate::seed_data::{self, OrgKind};
use crate::token::{self, Role};
use crate::{seed_case, seed_committee, seed_dialogue, seed_engagement, seed_training};

/// What a seed run did.
pub enum Outcome {
    Skipped { url: String, republished: u64 },
    Seeded { url: String, counts: Counts },
}

#[derive(Default)]
pub struct Counts {
    youth_offices: usize,
    state_youth_offices: usize,
    education_providers: usize,
    institutions: usize,
    people: usize,
    agreements: usize,
    terminated: usize,
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Skipped { url, republished } => write!(
                f,
                "demo data: the directory at {url} already holds organisations; nothing seeded, \
                 {republished} organisations republished so every read copy is current"
            ),
            Outcome::Seeded { url, counts: c } => write!(
                f,
                "demo data seeded into {url}: {} organisations ({} youth offices, {} state youth \
                 office, {} education provider, {} institutions), {} people, {} agreements \
                 ({} terminated)",
                c.youth_offices + c.state_youth_offices + c.education_providers + c.institutions,
                c.youth_offices,
                c.state_youth_offices,
                c.education_providers,
                c.institutions,
                c.people,
                c.agreements,
                c.terminated
            ),
        }
    }
}

/// Seed unless the directory already holds organisations.
pub fn run(url: &str, token: &str) -> Result<Outcome> {
    let api = Api::new(url, token)?;
    let url = api.base.clone();
    let existing = api.get("/v1/organizations?limit=1")?;
    let items = existing["items"].as_array().ok_or_else(|| {
        format!("GET {url}/v1/organizations?limit=1 answered without an `items` list: {existing}")
    })?;
    if !items.is_empty() {
        // Services whose read copies started after the data was written (a new service, a
        // rebuilt database) catch up from the directory's snapshots.
        let (republished, _) = api.post("/v1/admin/republish", &serde_json::json!({}), None)?;
        return Ok(Outcome::Skipped {
            url,
            republished: republished["organizations"].as_u64().unwrap_or_default(),
        });
    }

    println!("xtask: seeding demo data into {url}");
    let mut counts = Counts::default();
    for org in seed_data::plan() {
        let (created, _) = api.post("/v1/organizations", &org.body, None)?;
        let id = id_of(&created, "organisation")?;
        match org.kind {
            OrgKind::YouthOffice => counts.youth_offices += 1,
            OrgKind::StateYouthOffice => counts.state_youth_offices += 1,
            OrgKind::EducationProvider => counts.education_providers += 1,
            OrgKind::Institution => counts.institutions += 1,
        }
        for person in org.people {
            api.post("/v1/people", &with_org(person, &id), None)?;
            counts.people += 1;
        }
        for agreement in org.agreements {
            let (created, headers) =
                api.post("/v1/agreements", &with_org(agreement.body, &id), None)?;
            counts.agreements += 1;
            if let Some(termination) = agreement.termination {
                let agreement_id = id_of(&created, "agreement")?;
                let etag = headers
                    .get(ETAG)
                    .and_then(|v| v.to_str().ok())
                    .ok_or("POST /v1/agreements answered without an ETag header")?
                    .to_string();
                api.post(
                    &format!("/v1/agreements/{agreement_id}/terminate"),
                    &termination,
                    Some(&etag),
                )?;
                counts.terminated += 1;
            }
        }
    }
    Ok(Outcome::Seeded { url, counts })
}

fn with_org(mut body: Map<String, Value>, id: &str) -> Value {
    body.insert("organization_id".into(), Value::String(id.to_string()));
    Value::Object(body)
}

fn id_of(created: &Value, what: &str) -> Result<String> {
    created["id"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| format!("the created {what} has no `id`: {created}").into())
}

pub(crate) struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    pub(crate) fn new(url: &str, token: &str) -> Result<Api> {
        Ok(Api {
            client: Client::builder().timeout(Duration::from_secs(30)).build()?,
            base: url.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    /// Sends a request; a 429 (the services' rate limits are on in `cargo xtask up`) is
    /// retried after the `Retry-After` seconds the service names, a few times.
    fn send(&self, method: &str, path: &str, request: RequestBuilder) -> Result<Response> {
        const ATTEMPTS: u32 = 10;
        let request = request.bearer_auth(&self.token);
        for _ in 1..ATTEMPTS {
            let Some(attempt) = request.try_clone() else {
                break;
            };
            let response = attempt
                .send()
                .map_err(|e| self.unreachable(method, path, e))?;
            if response.status() != StatusCode::TOO_MANY_REQUESTS {
                return Ok(response);
            }
            let wait = response
                .headers()
                .get("Retry-After")
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.parse::<u64>().ok())
                .unwrap_or(1)
                .clamp(1, 30);
            std::thread::sleep(Duration::from_secs(wait));
        }
        request
            .send()
            .map_err(|e| self.unreachable(method, path, e))
    }

    fn unreachable(
        &self,
        method: &str,
        path: &str,
        e: reqwest::Error,
    ) -> Box<dyn std::error::Error> {
        format!(
            "{method} {}{path}: {e} (is the directory service running? \
             `cargo xtask up` starts it)",
            self.base
        )
        .into()
    }

    pub(crate) fn get(&self, path: &str) -> Result<Value> {
        let url = format!("{}{path}", self.base);
        let response = self.send("GET", path, self.client.get(&url))?;
        let (status, _, body) = read(response)?;
        if !status.is_success() {
            return Err(format!("GET {url} failed with {status}: {body}").into());
        }
        serde_json::from_str(&body)
            .map_err(|e| format!("GET {url}: response is not JSON ({e}): {body}").into())
    }

    pub(crate) fn post(
        &self,
        path: &str,
        body: &Value,
        if_match: Option<&str>,
    ) -> Result<(Value, HeaderMap)> {
        let url = format!("{}{path}", self.base);
        let mut request = self
            .client
            .post(&url)
            .header("Idempotency-Key", Uuid::new_v4().to_string())
            .json(body);
        if let Some(etag) = if_match {
            request = request.header("If-Match", etag);
        }
        let (status, headers, text) = read(self.send("POST", path, request)?)?;
        if !status.is_success() {
            return Err(
                format!("POST {url} failed with {status}: {text}\nrequest body: {body}").into(),
            );
        }
        let value = serde_json::from_str(&text)
            .map_err(|e| format!("POST {url}: response is not JSON ({e}): {text}"))?;
        Ok((value, headers))
    }
}

impl Api {
    /// Sends any request with an optional JSON body and If-Match; the status, the ETag and the
    /// JSON body (or `Null`), whatever the status: the caller decides what is an error.
    pub(crate) fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<(StatusCode, Option<String>, Value)> {
        let url = format!("{}{path}", self.base);
        let mut request = self.client.request(method.clone(), &url);
        if method != reqwest::Method::GET {
            request = request.header("Idempotency-Key", Uuid::new_v4().to_string());
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        if let Some(etag) = if_match {
            request = request.header("If-Match", etag);
        }
        let (status, headers, text) = read(self.send(method.as_str(), path, request)?)?;
        let etag = headers
            .get(ETAG)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let value = serde_json::from_str(&text).unwrap_or(Value::Null);
        Ok((status, etag, value))
    }
}

fn read(response: Response) -> Result<(StatusCode, HeaderMap, String)> {
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text()?;
    Ok((status, headers, text))
}

/// The base URL of each service: every service's own port, or one gateway for all.
pub enum Urls {
    Services,
    Gateway(String),
}

impl Urls {
    pub fn of(&self, service: Service) -> String {
        match self {
            Urls::Services => service.base_url(),
            Urls::Gateway(url) => url.trim_end_matches('/').to_string(),
        }
    }
}

/// Seeds every service through its API (each part only where its service holds none of it
/// yet) and mints a token for one persona of each role; lines for the banner, then the
/// personas. The directory's data is the base of everything else, so its failure is an
/// error; a failure of another part is reported in its line.
pub fn everything(ctx: &Ctx, urls: &Urls) -> Result<(Vec<String>, Vec<Persona>)> {
    let token = token::admin_token(ctx)?;
    let directory = urls.of(ctx::DIRECTORY);
    let url = |name: &str| -> Result<String> {
        SERVICES
            .iter()
            .find(|s| s.name == name)
            .map(|s| urls.of(*s))
            .ok_or_else(|| format!("no service {name}").into())
    };
    let mut lines = vec![run(&directory, &token)?.to_string()];
    let report = |part: &str, outcome: Result<String>| {
        outcome.unwrap_or_else(|e| format!("{part} demo: not seeded ({e})"))
    };
    lines.push(report(
        "committee",
        seed_committee::run(ctx, &directory, &url("committee")?, &token),
    ));
    lines.push(report(
        "case",
        seed_case::run(ctx, &directory, &url("case")?, &token),
    ));
    lines.push(report(
        "dialogue",
        seed_dialogue::run(&directory, &url("dialogue")?, &token),
    ));
    lines.push(report(
        "training",
        seed_training::run(&directory, &url("training")?, &token),
    ));
    lines.push(report(
        "engagement",
        seed_engagement::run(&directory, &token),
    ));
    let personas = personas(ctx, &directory, &token)?;
    write_personas(ctx, &personas)?;
    Ok((lines, personas))
}

/// A demo user: a token of one role, for an organisation of the demo data where the role
/// acts for one, with the person it stands for.
#[derive(serde::Serialize)]
pub struct Persona {
    pub role: &'static str,
    pub who: String,
    pub organization_id: Option<Uuid>,
    pub subject: String,
    pub token: String,
}

/// One persona of each role: the platform's admin, the overall coordination, the committee
/// secretariat, an auditor; the leader and a caseworker of the first youth office, a
/// coordinator of the first institution and a trainer of the education provider (as the
/// directory's people, so their seats and registrations apply).
fn personas(ctx: &Ctx, directory_url: &str, admin_token: &str) -> Result<Vec<Persona>> {
    let directory = Api::new(directory_url, admin_token)?;
    let first = |kind: &str| -> Result<Option<(Uuid, String)>> {
        let page = directory.get(&format!(
            "/v1/organizations?kind={kind}&active=true&limit=1"
        ))?;
        Ok(page["items"]
            .as_array()
            .and_then(|items| items.first())
            .and_then(|org| {
                let id = org["id"].as_str()?.parse().ok()?;
                Some((id, org["name"].as_str()?.to_string()))
            }))
    };
    let person = |org: Uuid, function: &str| -> Result<Option<(String, String)>> {
        let page = directory.get(&format!(
            "/v1/people?organization_id={org}&function={function}&active=true&limit=1"
        ))?;
        Ok(page["items"]
            .as_array()
            .and_then(|items| items.first())
            .and_then(|p| {
                let name = format!(
                    "{} {}",
                    p["given_name"].as_str()?,
                    p["family_name"].as_str()?
                );
                Some((p["id"].as_str()?.to_string(), name))
            }))
    };
    let mut personas = Vec::new();
    for (role, who, subject) in [
        (Role::Admin, "platform administration", "demo-admin"),
        (Role::Coordinator, "Gesamtkoordination", "demo-coordinator"),
        (
            Role::CommitteeSecretary,
            "Geschäftsstelle der Gremien",
            "demo-secretary",
        ),
        (Role::Auditor, "audit", "demo-auditor"),
    ] {
        personas.push(Persona {
            role: role.as_str(),
            who: who.to_string(),
            organization_id: None,
            subject: subject.to_string(),
            token: token::mint(ctx, &[role], None, Some(subject))?,
        });
    }
    for (role, kind, function) in [
        (Role::YouthOfficeStaff, "youth_office", "leader"),
        (Role::Caseworker, "youth_office", "caseworker"),
        (Role::InstitutionStaff, "institution", "qmf_coordinator"),
        (Role::Trainer, "education_provider", "trainer"),
    ] {
        let Some((org, org_name)) = first(kind)? else {
            continue;
        };
        let Some((subject, name)) = person(org, function)? else {
            continue;
        };
        personas.push(Persona {
            role: role.as_str(),
            who: format!("{name} ({function}, {org_name})"),
            organization_id: Some(org),
            token: token::mint(ctx, &[role], Some(org), Some(&subject))?,
            subject,
        });
    }
    Ok(personas)
}

/// The personas' tokens as JSON for the frontend team: `.qmf/demo-personas.json`.
fn write_personas(ctx: &Ctx, personas: &[Persona]) -> Result<()> {
    std::fs::create_dir_all(&ctx.state)?;
    std::fs::write(
        personas_file(ctx),
        serde_json::to_string_pretty(personas)? + "\n",
    )?;
    Ok(())
}

pub fn personas_file(ctx: &Ctx) -> std::path::PathBuf {
    ctx.state.join("demo-personas.json")
}

/// The seeded parts and the personas, for a terminal.
pub fn print_report(ctx: &Ctx, lines: &[String], personas: &[Persona]) {
    for line in lines {
        println!("  {line}");
    }
    println!();
    println!(
        "Tokens of one persona per role (valid 12 h; also in {}):",
        ctx.display_path(&personas_file(ctx))
    );
    for persona in personas {
        println!("  {:<20} {}", persona.role, persona.who);
        println!("    {}", persona.token);
    }
}
