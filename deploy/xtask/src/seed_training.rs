//! The demo's QMF training catalogue, written through the training API: five courses across
//! the topics (those on the instruments say which ones they teach), for each a session already
//! held (its registration window in the past) and one coming with registration open, taught by
//! a trainer of the education provider, and a few staff of the demo's youth offices and
//! institutions registered for the coming ones — the first so many that it is full and has a
//! waiting list.

use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::Result;
use crate::seed::Api;

/// How long a registration waits for its person to reach the training service (people arrive
/// there by the directory's events).
const PERSON_TIMEOUT: Duration = Duration::from_secs(30);

/// Title, topic, description, hours, completion rule, staff functions it is required for.
type Course = (
    &'static str,
    &'static str,
    &'static str,
    i32,
    &'static str,
    &'static [&'static str],
);

/// The instruments each course of [`COURSES`] teaches.
const INSTRUMENTS: [&[&str]; 5] = [
    &[],
    &[],
    &["assessment", "help_plan", "review"],
    &[],
    &["help_plan"],
];

const COURSES: [Course; 5] = [
    (
        "Grundlagen der Kooperation",
        "guidelines",
        "Leitlinien und Philosophie der Kooperation von Jugendämtern und Einrichtungen in \
         Heilbronn-Franken.",
        12,
        "all_parts_attended",
        &["caseworker", "leader"],
    ),
    (
        "Prozessschritte der Hilfe",
        "process_steps",
        "Von der Anfrage über Hilfeplan und Hilfebeginn bis zur Beendigung: die gemeinsamen \
         Prozessschritte einer Hilfe.",
        8,
        "attended_or_excused_with_make_up",
        &["caseworker"],
    ),
    (
        "Arbeiten mit den QMF-Instrumenten",
        "instruments",
        "Einschätzungsbogen, Hilfeplanvorlage und Verlaufsdokumentation in der Praxis.",
        6,
        "all_parts_attended",
        &["caseworker"],
    ),
    (
        "Qualitätsdialoge vorbereiten und gestalten",
        "quality_dialogue",
        "Gastgeber und Gäste im Qualitätsdialog: Qualitätsbericht, Ablauf, Vereinbarungen und \
         Dokumentation.",
        4,
        "all_parts_attended",
        &["leader"],
    ),
    (
        "Auffrischung: neue Version des Hilfeplans",
        "refresher",
        "Was sich mit der neuen Hilfeplanvorlage ändert; für alle, die die Grundlagen besucht \
         haben.",
        3,
        "all_parts_attended",
        &[],
    ),
];

/// Seeds the demo catalogue unless the training service has a course; returns a line for the
/// banner.
pub fn run(directory_url: &str, training_url: &str, token: &str) -> Result<String> {
    let directory = Api::new(directory_url, token)?;
    let training = Api::new(training_url, token)?;
    let courses = training.get("/v1/courses?limit=1")?;
    if courses["items"]
        .as_array()
        .is_some_and(|items| !items.is_empty())
    {
        return Ok("training demo: a catalogue exists; nothing seeded".into());
    }
    let today = chrono::Utc::now().date_naive();
    // A trainer of the education provider teaches every session.
    let providers =
        directory.get("/v1/organizations?kind=education_provider&active=true&limit=1")?;
    let mut trainers = Vec::new();
    if let Some(provider) = providers["items"][0]["id"].as_str() {
        let staff = directory.get(&format!(
            "/v1/people?organization_id={provider}&active=true&limit=1"
        ))?;
        trainers.extend(staff["items"][0]["id"].as_str().map(str::to_string));
    }
    let mut held = 0;
    let mut coming = Vec::new();
    for (n, ((title, topic, description, hours, rule, required_for), instruments)) in
        COURSES.into_iter().zip(INSTRUMENTS).enumerate()
    {
        let course = create(
            &training,
            "/v1/courses",
            &json!({"title": title, "topic": topic, "description": description,
                "duration_hours": hours, "completion_rule": rule, "required_for": required_for,
                "instruments": instruments}),
        )?;
        let course = course["id"].as_str().unwrap_or_default().to_string();
        let days = u64::from(hours.unsigned_abs().div_ceil(6).max(1));
        let n = n as u64;
        // Held: two to five months ago.
        let first = weekday(today - Days::new(60 + 21 * n));
        let mut body = session(&course, first, days, first - Days::new(42), n, false);
        body["trainers"] = json!(trainers);
        create_waiting(&training, "/v1/sessions", &body, "trainer_unknown")?;
        held += 1;
        // Coming: five to eleven weeks ahead, registration open since last week.
        let first = weekday(today + Days::new(35 + 10 * n));
        let mut body = session(&course, first, days, today - Days::new(7), n, n == 0);
        body["trainers"] = json!(trainers);
        let created = create_waiting(&training, "/v1/sessions", &body, "trainer_unknown")?;
        coming.push(created["id"].as_str().unwrap_or_default().to_string());
    }

    // Staff of two youth offices and four institutions, two each.
    let mut people = Vec::new();
    for (kind, organizations) in [("youth_office", 2), ("institution", 4)] {
        let page = directory.get(&format!(
            "/v1/organizations?kind={kind}&active=true&limit={organizations}"
        ))?;
        for org in page["items"].as_array().cloned().unwrap_or_default() {
            let org = org["id"].as_str().unwrap_or_default();
            let staff = directory.get(&format!(
                "/v1/people?organization_id={org}&active=true&limit=2"
            ))?;
            people.extend(
                staff["items"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
                    .iter()
                    .filter_map(|p| p["id"].as_str().map(str::to_string)),
            );
        }
    }
    // Everyone for the first coming session (small, so it fills and people wait), then two or
    // three for each of the others.
    let (mut confirmed, mut waitlisted) = (0, 0);
    let mut plan: Vec<(&str, &str)> = Vec::new();
    if let Some(first) = coming.first() {
        plan.extend(people.iter().map(|p| (first.as_str(), p.as_str())));
    }
    for (k, session) in coming.iter().enumerate().skip(1) {
        for i in 0..(2 + k % 2) {
            if let Some(person) = people.get((3 * k + i) % people.len().max(1)) {
                plan.push((session.as_str(), person.as_str()));
            }
        }
    }
    for (session, person) in plan {
        match register(&training, session, person)? {
            Some(state) if state == "confirmed" => confirmed += 1,
            Some(_) => waitlisted += 1,
            None => {}
        }
    }
    Ok(format!(
        "training demo: {} courses, {} sessions ({held} held, {} coming with registration open); \
         {} registrations ({confirmed} confirmed, {waitlisted} waitlisted)",
        COURSES.len(),
        held + coming.len(),
        coming.len(),
        confirmed + waitlisted
    ))
}

/// A session of `days` days from `first`, registration from `opens_on` until a week before;
/// `small`: 6 seats, 2 kept for each kind until registration closes, 2 per organisation.
fn session(
    course: &str,
    first: NaiveDate,
    days: u64,
    opens_on: NaiveDate,
    n: u64,
    small: bool,
) -> Value {
    let days: Vec<NaiveDate> = (0..days).map(|d| first + Days::new(d * 7)).collect();
    let closes_on = first - Days::new(7);
    let mut body = json!({"course_id": course, "days": days, "capacity": 16,
        "registration_opens_on": opens_on, "registration_closes_on": closes_on,
        "cancellation_deadline": closes_on, "max_per_organization": 4, "offer_hours": 48});
    if n % 2 == 1 {
        body["online_url"] = json!("https://konferenz.jucon-heilbronn.example/qmf-schulung");
    } else {
        body["place"] = json!("Diakonische Jugendhilfe Heilbronn, Seminarraum 1");
    }
    if small {
        body["capacity"] = json!(6);
        body["min_youth_office_seats"] = json!(2);
        body["min_institution_seats"] = json!(2);
        body["reserved_until"] = json!(closes_on);
        body["max_per_organization"] = json!(2);
    }
    body
}

/// `day`, or the Monday after it when it falls on a weekend.
fn weekday(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day + Days::new(2),
        Weekday::Sun => day + Days::new(1),
        _ => day,
    }
}

fn create(api: &Api, path: &str, body: &Value) -> Result<Value> {
    let (status, _, created) = api.call(Method::POST, path, Some(body), None)?;
    if status != StatusCode::CREATED {
        return Err(format!("POST {path} answered {status}: {created}").into());
    }
    Ok(created)
}

/// Creates, waiting while the service answers 409 `rule` because a directory person it needs
/// is still on the way (people arrive there by the directory's events).
fn create_waiting(api: &Api, path: &str, body: &Value, rule: &str) -> Result<Value> {
    let started = Instant::now();
    loop {
        let (status, _, created) = api.call(Method::POST, path, Some(body), None)?;
        if status == StatusCode::CREATED {
            return Ok(created);
        }
        if created["rule"] != rule || started.elapsed() > PERSON_TIMEOUT {
            return Err(format!("POST {path} answered {status}: {created}").into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Registers `person` (as the admin, an organiser); waits while the person is still on the
/// way to the training service (409 `person_unknown`). The registration's state, or `None`
/// when the service refused it for another reason (reported, skipped).
fn register(api: &Api, session: &str, person: &str) -> Result<Option<String>> {
    let path = format!("/v1/sessions/{session}/registrations");
    let started = Instant::now();
    loop {
        let (status, _, answer) = api.call(
            Method::POST,
            &path,
            Some(&json!({"person_id": person})),
            None,
        )?;
        if status == StatusCode::CREATED {
            return Ok(answer["state"].as_str().map(str::to_string));
        }
        if answer["rule"] != "person_unknown" {
            eprintln!("xtask: training demo: {person} not registered ({status}): {answer}");
            return Ok(None);
        }
        if started.elapsed() > PERSON_TIMEOUT {
            return Err(format!(
                "POST {path} still answers {status} after {} s: {answer}",
                PERSON_TIMEOUT.as_secs()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
