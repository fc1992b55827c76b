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
    caseworker_id: Uuid,
    course: Uuid,
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
    /// with the same key still runs, timeouts, no connection); the first other answer, or
    /// `None` when it is given up.
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
                    if answer.status != StatusCode::SERVICE_UNAVAILABLE
                        && answer.status != StatusCode::CONFLICT =>
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
    let never = AtomicBool::new(false);
    let fixture = Fixture {
        caseworker_token: crate::token::mint(
            &tokens.ctx,
            &[crate::token::Role::Caseworker],
            Some(office),
            Some("cw-faults"),
        )?,
        caseworker_id,
        course,
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
