//! The steady write load across services, and what it saw. Writers act through the API the way
//! a careful integrating system does: a POST carries an `Idempotency-Key` and is retried with it
//! while the answer is 503, a timeout or no connection; a request whose replica refuses the
//! connection goes to the other replica (what a load balancer does). Every answer is counted
//! per fault phase; every write the API acknowledged is remembered for the final check.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Result;

/// A request the load sends waits at most this long for its answer: longer counts as a hang.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a write is retried before the writer gives it up.
const RETRY_FOR: Duration = Duration::from_secs(120);

/// The base URLs of one service's replicas.
#[derive(Clone)]
pub struct Replicas(pub Vec<String>);

#[derive(Clone)]
pub struct Targets {
    pub directory: Replicas,
    pub case: Replicas,
    pub committee: Replicas,
    pub dialogue: Replicas,
    pub training: Replicas,
}

#[derive(Clone)]
pub struct Tokens {
    pub admin: String,
    pub trainer: String,
    pub coordinator: String,
    /// Where the development secret is, to mint the token of the caseworker of the youth
    /// office the set-up registers.
    pub ctx: crate::ctx::Ctx,
}

/// Answers per phase: status code (or `refused`, `timeout`, `error`) → count.
#[derive(Default, Clone)]
pub struct PhaseCounts {
    pub requests: u64,
    pub by_outcome: BTreeMap<String, u64>,
    /// 5xx answers that were not `application/problem+json`.
    pub not_problem_json: u64,
}

/// Answers other than 2xx and 503, and requests that got no answer, by status and request
/// (ids replaced by `{id}`): how many, and the first one's problem detail or error.
pub type Unusual = BTreeMap<String, (u64, String)>;

/// Writes the API acknowledged.
#[derive(Default, Clone)]
pub struct Acknowledged {
    /// Organisation id and the name its last acknowledged update gave it.
    pub organizations: Vec<(Uuid, String)>,
    pub people: Vec<Uuid>,
    pub closed_cases: Vec<Uuid>,
    pub sessions: Vec<Uuid>,
    /// Findings documented as Forum topics: the committee must make each a topic once.
    pub forum_findings: Vec<Uuid>,
    /// Dialogue flows left unfinished, with the step and answer that stopped them.
    pub dialogues_abandoned: Vec<String>,
    /// Writes given up after [`RETRY_FOR`], with why.
    pub given_up: Vec<String>,
}

#[derive(Default)]
struct Seen {
    phases: Vec<PhaseCounts>,
    acknowledged: Acknowledged,
    unusual: Unusual,
}

#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    phase: Arc<AtomicUsize>,
    seen: Arc<Mutex<Seen>>,
    next: Arc<AtomicUsize>,
}

/// The answer to one request.
struct Answer {
    status: StatusCode,
    etag: Option<String>,
    body: Value,
}

enum Outcome {
    Answer(Answer),
    Refused,
    Timeout,
    Error(String),
}

pub struct Load {
    phase: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: JoinHandle<std::result::Result<(), String>>,
    seen: Arc<Mutex<Seen>>,
}

/// What the setup registered for the load.
struct Fixture {
    caseworker_token: String,
    /// The youth office of the set-up; its people are the dialogues' guests.
    office: Uuid,
    caseworker_id: Uuid,
    course: Uuid,
    /// A cycle that began last year: its past weekdays take the dialogues of the load.
    cycle: Uuid,
    cycle_start: NaiveDate,
}

impl Load {
    /// Registers what the flows need (a youth office with a caseworker, a course), waits until
    /// the case service knows the caseworker, then starts `writers` writers per flow, each
    /// waiting `pause` after each round, and one reader. Runs on a thread of its own.
    pub fn start(
        targets: Targets,
        tokens: Tokens,
        writers: usize,
        pause: Duration,
    ) -> Result<Load> {
        let phase = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let client = Client {
            http: reqwest::Client::builder()
                .timeout(REQUEST_TIMEOUT)
                .pool_max_idle_per_host(8)
                .build()?,
            phase: phase.clone(),
            seen: seen.clone(),
            next: Arc::new(AtomicUsize::new(0)),
        };
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::result::Result<(), String>>();
        let stopping = stop.clone();
        let thread = thread::spawn(move || -> std::result::Result<(), String> {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                let fixture = match setup(&client, &targets, &tokens).await {
                    Ok(fixture) => {
                        let _ = ready_tx.send(Ok(()));
                        Arc::new(fixture)
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e.to_string()));
                        return Ok(());
                    }
                };
                let mut tasks = Vec::new();
                for w in 0..writers {
                    let (c, t, k, s) = (
                        client.clone(),
                        targets.clone(),
                        tokens.clone(),
                        stopping.clone(),
                    );
                    tasks.push(tokio::spawn(async move {
                        directory_writer(&c, &t, &k, w, pause, &s).await
                    }));
                    let (c, t, f, s) = (
                        client.clone(),
                        targets.clone(),
                        fixture.clone(),
                        stopping.clone(),
                    );
                    tasks.push(tokio::spawn(async move {
                        case_writer(&c, &t, &f, pause, &s).await
                    }));
                    let (c, t, k, f, s) = (
                        client.clone(),
                        targets.clone(),
                        tokens.clone(),
                        fixture.clone(),
                        stopping.clone(),
                    );
                    tasks.push(tokio::spawn(async move {
                        training_writer(&c, &t, &k, &f, w, pause, &s).await
                    }));
                }
                let (c, t, k, f, s) = (
                    client.clone(),
                    targets.clone(),
                    tokens.clone(),
                    fixture.clone(),
                    stopping.clone(),
                );
                tasks.push(tokio::spawn(async move {
                    dialogue_writer(&c, &t, &k, &f, pause, &s).await
                }));
                let (c, t, k, f, s) = (
                    client.clone(),
                    targets.clone(),
                    tokens.clone(),
                    fixture.clone(),
                    stopping.clone(),
                );
                tasks.push(tokio::spawn(
                    async move { reader(&c, &t, &k, &f, &s).await },
                ));
                for task in tasks {
                    let _ = task.await;
                }
                Ok(())
            })
        });
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(Load {
                phase,
                stop,
                thread,
                seen,
            }),
            Ok(Err(e)) => Err(format!("setting up the load: {e}").into()),
            Err(_) => Err(format!(
                "the load thread ended during its setup: {:?}",
                thread.join().map_err(|_| "it panicked")
            )
            .into()),
        }
    }

    /// Counts what follows under phase `phase`.
    pub fn set_phase(&self, phase: usize) {
        self.phase.store(phase, Ordering::SeqCst);
    }

    /// Stops the writers (each finishes the write in hand) and returns what was seen.
    pub fn stop(self) -> Result<(Vec<PhaseCounts>, Acknowledged, Unusual)> {
        self.stop.store(true, Ordering::SeqCst);
        self.thread
            .join()
            .map_err(|_| "the load thread panicked")??;
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        Ok((
            seen.phases.clone(),
            seen.acknowledged.clone(),
            seen.unusual.clone(),
        ))
    }
}

impl Client {
    fn count(&self, outcome: &str, not_problem_json: bool) {
        let phase = self.phase.load(Ordering::SeqCst);
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if seen.phases.len() <= phase {
            seen.phases.resize(phase + 1, PhaseCounts::default());
        }
        let counts = &mut seen.phases[phase];
        counts.requests += 1;
        *counts.by_outcome.entry(outcome.to_string()).or_default() += 1;
        counts.not_problem_json += u64::from(not_problem_json);
    }

    fn unusual(&self, what: String, detail: impl FnOnce() -> String) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let entry = seen.unusual.entry(what).or_insert_with(|| (0, detail()));
        entry.0 += 1;
    }

    fn acknowledge(&self, record: impl FnOnce(&mut Acknowledged)) {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        record(&mut seen.acknowledged);
    }

    /// One request; a replica that refuses the connection hands it to the next one.
    async fn send(
        &self,
        replicas: &Replicas,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, String)],
        body: Option<&Value>,
    ) -> Outcome {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = replicas.0.len();
        for k in 0..n {
            let base = &replicas.0[(start + k) % n];
            let mut request = self
                .http
                .request(method.clone(), format!("{base}{path}"))
                .bearer_auth(token);
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            if let Some(body) = body {
                request = request.json(body);
            }
            let outcome = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    let problem = response
                        .headers()
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("application/problem+json"));
                    let etag = response
                        .headers()
                        .get("etag")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    match response.bytes().await {
                        Ok(bytes) => {
                            self.count(status.as_str(), status.is_server_error() && !problem);
                            Outcome::Answer(Answer {
                                status,
                                etag,
                                body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
                            })
                        }
                        Err(e) if e.is_timeout() => Outcome::Timeout,
                        Err(e) => Outcome::Error(e.to_string()),
                    }
                }
                Err(e) if e.is_connect() => Outcome::Refused,
                Err(e) if e.is_timeout() => Outcome::Timeout,
                Err(e) => Outcome::Error(e.to_string()),
            };
            let request = format!("{method} {}", template(path));
            match &outcome {
                Outcome::Answer(a)
                    if !a.status.is_success() && a.status != StatusCode::SERVICE_UNAVAILABLE =>
                {
                    self.unusual(format!("{} {request}", a.status.as_str()), || {
                        let field = |name: &str| a.body[name].as_str().unwrap_or_default();
                        format!("{} {}", field("type"), field("detail"))
                    });
                }
                Outcome::Error(e) => self.unusual(format!("no answer {request}"), || e.clone()),
                _ => {}
            }
            match outcome {
                Outcome::Refused if k + 1 < n => continue,
                Outcome::Refused => self.count("refused", false),
                Outcome::Timeout => self.count("timeout", false),
                Outcome::Error(_) => self.count("reset", false),
                Outcome::Answer(_) => {}
            }
            return outcome;
        }
        Outcome::Refused
    }

    /// A write retried while the platform cannot take it (503, 409 while an earlier attempt
    /// with the same key still holds it, timeouts, no connection); the first other answer, or
    /// `None` when it is given up (after [`RETRY_FOR`], or half that once the load stops).
    #[allow(clippy::too_many_arguments)]
    async fn write(
        &self,
        replicas: &Replicas,
        method: Method,
        path: &str,
        token: &str,
        headers: &[(&str, String)],
        body: &Value,
        stop: &AtomicBool,
    ) -> Option<Answer> {
        let deadline = Instant::now() + RETRY_FOR;
        let mut last = String::new();
        while Instant::now() < deadline {
            match self
                .send(replicas, method.clone(), path, token, headers, Some(body))
                .await
            {
                Outcome::Answer(answer)
                    if answer.status != StatusCode::SERVICE_UNAVAILABLE && !in_flight(&answer) =>
                {
                    return Some(answer);
                }
                Outcome::Answer(answer) => last = answer.status.to_string(),
                Outcome::Refused => last = "refused".into(),
                Outcome::Timeout => last = "timeout".into(),
                Outcome::Error(e) => last = e,
            }
            // A stopping load still finishes the write in hand, but does not wait out a long
            // outage for it.
            if stop.load(Ordering::SeqCst) && Instant::now() + RETRY_FOR / 2 > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        self.acknowledge(|a| a.given_up.push(format!("{method} {path}: {last}")));
        None
    }
}

/// `path` without its query, with every UUID replaced by `{id}`.
fn template(path: &str) -> String {
    let path = path.split('?').next().unwrap_or(path);
    path.split('/')
        .map(|part| {
            if part.parse::<Uuid>().is_ok() {
                "{id}"
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// A 409 saying that an earlier attempt with the same key still holds it (its lease runs
/// until it ends or lapses); other 409s are answers.
fn in_flight(answer: &Answer) -> bool {
    answer.status == StatusCode::CONFLICT
        && answer.body["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("/idempotency-key-in-flight"))
}

fn key() -> (&'static str, String) {
    ("Idempotency-Key", Uuid::new_v4().to_string())
}

fn uuid_of(answer: &Answer) -> Option<Uuid> {
    answer.body["id"].as_str().and_then(|s| s.parse().ok())
}

/// A POST of the set-up that must create something: the new resource's id.
async fn create(
    client: &Client,
    replicas: &Replicas,
    path: &str,
    token: &str,
    body: Value,
) -> Result<Uuid> {
    let never = AtomicBool::new(false);
    let answer = client
        .write(replicas, Method::POST, path, token, &[key()], &body, &never)
        .await;
    match answer {
        Some(answer) if answer.status == StatusCode::CREATED => {
            uuid_of(&answer).ok_or_else(|| format!("POST {path}: the answer has no id").into())
        }
        Some(answer) => Err(format!("POST {path}: {} {}", answer.status, answer.body).into()),
        None => Err(format!("POST {path}: no answer").into()),
    }
}

async fn setup(client: &Client, targets: &Targets, tokens: &Tokens) -> Result<Fixture> {
    let office = create(
        client,
        &targets.directory,
        "/v1/organizations",
        &tokens.admin,
        json!({"name": "Jugendamt Störfall", "kind": "youth_office", "district": "stadt_heilbronn",
            "address": {"street": "Cäcilienstraße 1", "postal_code": "74072", "city": "Heilbronn"}}),
    )
    .await?;
    let caseworker_id = create(
        client,
        &targets.directory,
        "/v1/people",
        &tokens.admin,
        json!({"organization_id": office, "given_name": "Clara", "family_name": "Fall",
            "functions": ["caseworker"], "active_from": "2020-01-01"}),
    )
    .await?;
    let course = create(
        client,
        &targets.training,
        "/v1/courses",
        &tokens.trainer,
        json!({"title": "Hilfeplanung unter Last", "topic": "instruments",
            "description": "Die Instrumente des gemeinsamen Prozesses.", "duration_hours": 6,
            "completion_rule": "all_parts_attended", "required_for": ["specialist"],
            "instruments": ["help_plan"]}),
    )
    .await?;
    let (cycle, cycle_start) = open_cycle(client, targets, tokens).await?;
    let never = AtomicBool::new(false);
    let fixture = Fixture {
        caseworker_token: crate::token::mint(
            &tokens.ctx,
            &[crate::token::Role::Caseworker],
            Some(office),
            Some("cw-faults"),
        )?,
        office,
        caseworker_id,
        course,
        cycle,
        cycle_start,
    };
    // The case service learns the caseworker from the directory's events.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if open_and_close_case(client, targets, &fixture, &never).await {
            return Ok(fixture);
        }
        if Instant::now() >= deadline {
            return Err("the case service did not learn the caseworker within 60 s".into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Registers an organisation, renames it and registers a person in it, again and again.
async fn directory_writer(
    client: &Client,
    targets: &Targets,
    tokens: &Tokens,
    writer: usize,
    pause: Duration,
    stop: &AtomicBool,
) {
    const DISTRICTS: [&str; 5] = [
        "stadt_heilbronn",
        "landkreis_heilbronn",
        "hohenlohekreis",
        "schwaebisch_hall",
        "main_tauber_kreis",
    ];
    let address = json!({"street": "Allee 40", "postal_code": "74072", "city": "Heilbronn"});
    let mut i = 0usize;
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(pause).await;
        i += 1;
        let draft = |name: &str| {
            json!({"name": name, "kind": "institution", "district": DISTRICTS[i % 5],
                "address": address})
        };
        let name = format!("Träger {writer}-{i}");
        let Some(created) = client
            .write(
                &targets.directory,
                Method::POST,
                "/v1/organizations",
                &tokens.admin,
                &[key()],
                &draft(&name),
                stop,
            )
            .await
        else {
            continue;
        };
        let (Some(id), Some(etag)) = (uuid_of(&created), created.etag.clone()) else {
            client.acknowledge(|a| {
                a.given_up
                    .push(format!("POST /v1/organizations: {}", created.status))
            });
            continue;
        };
        client.acknowledge(|a| a.organizations.push((id, name.clone())));
        let renamed = format!("{name} (umbenannt)");
        let path = format!("/v1/organizations/{id}");
        let updated = client
            .write(
                &targets.directory,
                Method::PUT,
                &path,
                &tokens.admin,
                &[("If-Match", etag)],
                &draft(&renamed),
                stop,
            )
            .await;
        // A retry whose first attempt committed meets its own change: 412.
        let renamed_ok = match updated.map(|a| a.status) {
            Some(StatusCode::OK) => true,
            Some(StatusCode::PRECONDITION_FAILED) => {
                matches!(client.send(&targets.directory, Method::GET, &path, &tokens.admin, &[], None).await,
                    Outcome::Answer(a) if a.body["name"] == renamed.as_str())
            }
            _ => false,
        };
        if renamed_ok {
            client.acknowledge(|a| {
                if let Some(entry) = a.organizations.iter_mut().find(|(o, _)| *o == id) {
                    entry.1 = renamed.clone();
                }
            });
        }
        let person = client
            .write(
                &targets.directory,
                Method::POST,
                "/v1/people",
                &tokens.admin,
                &[key()],
                &json!({"organization_id": id, "given_name": "Lena", "family_name": format!("Last{i}"),
                    "functions": ["specialist"], "active_from": "2020-01-01"}),
                stop,
            )
            .await;
        if let Some(person) = person.filter(|p| p.status == StatusCode::CREATED)
            && let Some(person) = uuid_of(&person)
        {
            client.acknowledge(|a| a.people.push(person));
        }
    }
}

/// Opens a case and closes it without help: `case.closed.v1` reaches the dialogue service.
async fn case_writer(
    client: &Client,
    targets: &Targets,
    fixture: &Fixture,
    pause: Duration,
    stop: &AtomicBool,
) {
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(pause).await;
        open_and_close_case(client, targets, fixture, stop).await;
    }
}

async fn open_and_close_case(
    client: &Client,
    targets: &Targets,
    fixture: &Fixture,
    stop: &AtomicBool,
) -> bool {
    let draft = json!({"caseworker_id": fixture.caseworker_id, "help_kind": "educational_assistant",
        "young_person": {"given_name": "Kim", "family_name": "Beispiel", "date_of_birth": "2012-03-04"},
        "custody_holders": [{"given_name": "Eva", "family_name": "Beispiel", "relation": "mother"}]});
    let token = &fixture.caseworker_token;
    let Some(opened) = client
        .write(
            &targets.case,
            Method::POST,
            "/v1/cases",
            token,
            &[key()],
            &draft,
            stop,
        )
        .await
        .filter(|a| a.status == StatusCode::CREATED)
    else {
        return false;
    };
    let (Some(id), Some(etag)) = (uuid_of(&opened), opened.etag.clone()) else {
        return false;
    };
    let close = json!({"end_reason": "no_need", "participation": {
        "participants": ["young_person", "parent", "caseworker"],
        "young_person_heard": true, "agreement_reached": true}});
    let closed = client
        .write(
            &targets.case,
            Method::POST,
            &format!("/v1/cases/{id}/close-without-help"),
            token,
            &[key(), ("If-Match", etag)],
            &close,
            stop,
        )
        .await;
    if closed.is_some_and(|a| a.status == StatusCode::OK) {
        client.acknowledge(|a| a.closed_cases.push(id));
    }
    true
}

/// Schedules training sessions: `training.session.scheduled.v1` reaches the dialogue calendar.
async fn training_writer(
    client: &Client,
    targets: &Targets,
    tokens: &Tokens,
    fixture: &Fixture,
    writer: usize,
    pause: Duration,
    stop: &AtomicBool,
) {
    let today = Utc::now().date_naive();
    let mut i = 0u64;
    while !stop.load(Ordering::SeqCst) {
        tokio::time::sleep(pause).await;
        i += 1;
        let day = weekday(today + Days::new(60 + (i * 3 + writer as u64) % 300));
        let body = json!({"course_id": fixture.course, "days": [day], "place": "Öhringen",
            "capacity": 12, "registration_opens_on": today,
            "registration_closes_on": today + Days::new(30), "cancellation_deadline": today + Days::new(30)});
        let created = client
            .write(
                &targets.training,
                Method::POST,
                "/v1/sessions",
                &tokens.trainer,
                &[key()],
                &body,
                stop,
            )
            .await;
        if let Some(session) = created.filter(|a| a.status == StatusCode::CREATED)
            && let Some(id) = uuid_of(&session)
        {
            client.acknowledge(|a| a.sessions.push(id));
        }
    }
}

/// Opens a cycle that began last year, with rules that let one youth office meet one
/// institution; its start.
async fn open_cycle(
    client: &Client,
    targets: &Targets,
    tokens: &Tokens,
) -> Result<(Uuid, NaiveDate)> {
    let year = Utc::now().date_naive().year() - 1;
    let cycle = create(
        client,
        &targets.dialogue,
        "/v1/cycles",
        &tokens.coordinator,
        json!({"start_year": year}),
    )
    .await?;
    let path = format!("/v1/cycles/{cycle}");
    let Outcome::Answer(read) = client
        .send(
            &targets.dialogue,
            Method::GET,
            &path,
            &tokens.coordinator,
            &[],
            None,
        )
        .await
    else {
        return Err("reading the cycle: no answer".into());
    };
    let mut rules = read.body["rules"].clone();
    rules["min_orgs_per_dialogue"] = json!(2);
    rules["min_institutions_per_dialogue"] = json!(1);
    let etag = read.etag.ok_or("the cycle has no ETag")?;
    let never = AtomicBool::new(false);
    let updated = client
        .write(
            &targets.dialogue,
            Method::PUT,
            &format!("{path}/rules"),
            &tokens.coordinator,
            &[("If-Match", etag)],
            &json!({"rules": rules}),
            &never,
        )
        .await;
    match updated {
        Some(answer) if answer.status == StatusCode::OK => {}
        other => {
            return Err(format!(
                "setting the cycle's rules: {:?}",
                other.map(|a| (a.status, a.body))
            )
            .into());
        }
    }
    let start = NaiveDate::from_ymd_opt(year, 1, 1).ok_or("no such year")?;
    Ok((cycle, start))
}

/// A quality dialogue from the directory to the committee, again and again: an institution
/// signs the agreement (the dialogue service makes it a host of the cycle), its person plans,
/// schedules on a past weekday with the youth office's caseworker as guest, invites, holds and
/// documents it with a Forum-topic finding, which the committee turns into a topic.
async fn dialogue_writer(
    client: &Client,
    targets: &Targets,
    tokens: &Tokens,
    fixture: &Fixture,
    pause: Duration,
    stop: &AtomicBool,
) {
    let mut day = Utc::now().date_naive() - Days::new(1);
    let mut i = 0u32;
    while !stop.load(Ordering::SeqCst) && day > fixture.cycle_start {
        // Slower than the other flows: the cycle's past weekdays are few.
        tokio::time::sleep(pause * 8).await;
        i += 1;
        if let Err(why) = one_dialogue(client, targets, tokens, fixture, i, &mut day, stop).await {
            client.acknowledge(|a| a.dialogues_abandoned.push(why));
        }
    }
}

async fn one_dialogue(
    client: &Client,
    targets: &Targets,
    tokens: &Tokens,
    fixture: &Fixture,
    i: u32,
    day: &mut NaiveDate,
    stop: &AtomicBool,
) -> std::result::Result<(), String> {
    let step = |what: &str, answer: Option<Answer>, want: StatusCode| match answer {
        Some(answer) if answer.status == want => Ok(answer),
        Some(answer) => Err(format!(
            "{what}: {} {}",
            answer.status, answer.body["detail"]
        )),
        None => Err(format!("{what}: no answer")),
    };
    let id = |answer: &Answer| uuid_of(answer).ok_or_else(|| "no id".to_string());
    let post = |replicas, path: String, token, body: Value| {
        let client = client.clone();
        async move {
            client
                .write(replicas, Method::POST, &path, token, &[key()], &body, stop)
                .await
        }
    };
    // A guest of the youth office for each dialogue (a person may be a guest four times a
    // year); registered first, so the dialogue service knows the guest before the host.
    let guest = post(
        &targets.directory,
        "/v1/people".into(),
        &tokens.admin,
        json!({"organization_id": fixture.office, "given_name": "Gero", "family_name": format!("Gast{i}"),
            "functions": ["specialist"], "active_from": "2020-01-01"}),
    )
    .await;
    let guest = id(&step("guest", guest, StatusCode::CREATED)?)?;
    let org = post(
        &targets.directory,
        "/v1/organizations".into(),
        &tokens.admin,
        json!({"name": format!("Dialogträger {i}"), "kind": "institution",
            "district": "hohenlohekreis",
            "address": {"street": "Marktplatz 1", "postal_code": "74613", "city": "Öhringen"}}),
    )
    .await;
    let org = id(&step("organisation", org, StatusCode::CREATED)?)?;
    let person = post(
        &targets.directory,
        "/v1/people".into(),
        &tokens.admin,
        json!({"organization_id": org, "given_name": "Rita", "family_name": format!("Dialog{i}"),
            "functions": ["specialist"], "active_from": "2020-01-01"}),
    )
    .await;
    let person = id(&step("person", person, StatusCode::CREATED)?)?;
    let agreement = post(
        &targets.directory,
        "/v1/agreements".into(),
        &tokens.admin,
        json!({"organization_id": org, "kind": "quality_development_agreement",
            "signed_on": "2021-06-30", "signed_by": "Leitung"}),
    )
    .await;
    step("agreement", agreement, StatusCode::CREATED)?;

    // The dialogue service makes the institution a host once it learnt the agreement.
    let hosts = format!("/v1/cycles/{}/hosts?organization_id={org}", fixture.cycle);
    let deadline = Instant::now() + RETRY_FOR;
    let (host, dialogue) = loop {
        if let Outcome::Answer(a) = client
            .send(
                &targets.dialogue,
                Method::GET,
                &hosts,
                &tokens.coordinator,
                &[],
                None,
            )
            .await
            && let (Some(host), Some(dialogue)) = (
                a.body["items"][0]["id"].as_str(),
                a.body["items"][0]["dialogue_id"].as_str(),
            )
        {
            break (host.to_string(), dialogue.to_string());
        }
        if Instant::now() >= deadline {
            return Err("the institution did not become a host".into());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let staff = crate::token::mint(
        &tokens.ctx,
        &[crate::token::Role::InstitutionStaff],
        Some(org),
        Some(&person.to_string()),
    )
    .map_err(|e| e.to_string())?;

    // Its person plans it, once the dialogue service knows the person. The report was ready
    // before the cycle began, so that no dialogue of the cycle waits for it.
    let host_path = format!("/v1/hosts/{host}");
    let mut window = Vec::new();
    let mut candidate = *day;
    while window.len() < 20 && candidate > fixture.cycle_start {
        if candidate.weekday().number_from_monday() <= 5 {
            window.push(candidate);
        }
        candidate = candidate - Days::new(1);
    }
    let last = *window.last().ok_or("no weekday of the cycle is left")?;
    let planned = json!({"representatives": [person], "room_capacity": 12,
        "report_ready_on": fixture.cycle_start - Days::new(60), "proposed_dates": window});
    loop {
        if Instant::now() >= deadline {
            return Err("planning the host: no answer".into());
        }
        let Outcome::Answer(read) = client
            .send(
                &targets.dialogue,
                Method::GET,
                &host_path,
                &staff,
                &[],
                None,
            )
            .await
        else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        };
        let etag = read.etag.unwrap_or_default();
        let put = client
            .write(
                &targets.dialogue,
                Method::PUT,
                &host_path,
                &staff,
                &[("If-Match", etag)],
                &planned,
                stop,
            )
            .await;
        match put.map(|a| a.status) {
            Some(StatusCode::OK) => break,
            _ if Instant::now() >= deadline => return Err("planning the host".into()),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }

    // Scheduled on the latest free past weekday (one a day, two a week; holidays refused).
    let path = format!("/v1/dialogues/{dialogue}");
    let scheduled = loop {
        while day.weekday().number_from_monday() > 5 {
            *day = *day - Days::new(1);
        }
        if *day < last {
            return Err("none of the host's proposed dates was free".into());
        }
        if Instant::now() >= deadline {
            return Err("scheduling: no answer".into());
        }
        let Outcome::Answer(read) = client
            .send(&targets.dialogue, Method::GET, &path, &staff, &[], None)
            .await
        else {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        };
        let answer = client
            .write(
                &targets.dialogue,
                Method::POST,
                &format!("{path}/schedule"),
                &staff,
                &[key(), ("If-Match", read.etag.unwrap_or_default())],
                &json!({"starts_at": format!("{day}T08:00:00Z"), "ends_at": format!("{day}T12:00:00Z"),
                    "place": "Öhringen, Marktplatz 1", "guests": [guest]}),
                stop,
            )
            .await;
        match answer {
            Some(a) if a.status == StatusCode::OK => {
                *day = *day - Days::new(1);
                break a;
            }
            Some(a) if a.status == StatusCode::CONFLICT => *day = *day - Days::new(1),
            other => {
                return Err(step("schedule", other, StatusCode::OK)
                    .err()
                    .unwrap_or_default());
            }
        }
    };
    // Invited, held with the guest present, documented with a Forum-topic finding.
    let next = |suffix: &'static str, method: Method, etag: String, body: Value| {
        let (client, path, staff) = (client.clone(), path.clone(), staff.clone());
        async move {
            client
                .write(
                    &targets.dialogue,
                    method,
                    &format!("{path}{suffix}"),
                    &staff,
                    &[key(), ("If-Match", etag)],
                    &body,
                    stop,
                )
                .await
        }
    };
    let etag = scheduled.etag.unwrap_or_default();
    let invited = next("/invitations", Method::POST, etag, json!({})).await;
    let etag = step("invitations", invited, StatusCode::OK)?
        .etag
        .unwrap_or_default();
    let present = json!({"present": [person, guest]});
    let held = next("/held", Method::POST, etag, present).await;
    let etag = step("held", held, StatusCode::OK)?.etag.unwrap_or_default();
    let documentation = json!({"minutes": format!("Qualitätsdialog Dialogträger {i}."),
        "findings": [{"kind": "forum_topic", "title": format!("Übergänge gestalten {i}"),
            "summary": "Der Übergang in die Volljährigkeit braucht eine gemeinsame Linie."}]});
    let documented = next("/documentation", Method::PUT, etag, documentation).await;
    let documented = step("documentation", documented, StatusCode::OK)?;
    let findings: Vec<Uuid> = documented.body["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["kind"] == "forum_topic")
        .filter_map(|f| f["id"].as_str().and_then(|s| s.parse().ok()))
        .collect();
    client.acknowledge(|a| a.forum_findings.extend(findings));
    Ok(())
}

fn weekday(mut day: NaiveDate) -> NaiveDate {
    while day.weekday().number_from_monday() > 5 {
        day = day + Days::new(1);
    }
    day
}

/// Reads a list of every service in turn, once every 100 ms.
async fn reader(
    client: &Client,
    targets: &Targets,
    tokens: &Tokens,
    fixture: &Fixture,
    stop: &AtomicBool,
) {
    let reads = [
        (
            &targets.directory,
            "/v1/organizations?limit=5",
            &tokens.admin,
        ),
        (
            &targets.case,
            "/v1/cases?limit=5",
            &fixture.caseworker_token,
        ),
        (&targets.committee, "/v1/bodies", &tokens.admin),
        (&targets.dialogue, "/v1/cycles", &tokens.coordinator),
        (&targets.training, "/v1/sessions?limit=5", &tokens.trainer),
    ];
    let mut i = 0usize;
    while !stop.load(Ordering::SeqCst) {
        let (replicas, path, token) = reads[i % reads.len()];
        client
            .send(replicas, Method::GET, path, token, &[], None)
            .await;
        i += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
