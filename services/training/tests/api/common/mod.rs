//! The training service under the shared harness (`qmf_testkit`), and its fixtures: a
//! directory read copy of youth offices and institutions with staff, a course and sessions
//! whose registration is open.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use chrono::{Days, NaiveDate};
use serde_json::{Value, json};
use uuid::Uuid;

pub use qmf_testkit::{Caller, Persona, Reply, ServiceUnderTest, StatusCode, TestApp};

pub fn training() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_training::commands, |config, _env| {
        qmf_training::start(config)
    })
}

pub const OFFICES: [Uuid; 2] = [
    Uuid::from_u128(0x01936f50_0000_7000_8000_000000000401),
    Uuid::from_u128(0x01936f50_0000_7000_8000_000000000402),
];
pub const INSTITUTIONS: [Uuid; 2] = [
    Uuid::from_u128(0x01936f50_0000_7000_8000_000000000411),
    Uuid::from_u128(0x01936f50_0000_7000_8000_000000000412),
];
pub const PROVIDER: Uuid = Uuid::from_u128(0x01936f50_0000_7000_8000_000000000421);

/// The training service with the organisations of this module in its directory copy.
pub async fn spawn() -> TestApp {
    let app = TestApp::start(training()).await;
    for (id, name, kind) in [
        (OFFICES[0], "Jugendamt Heilbronn", "youth_office"),
        (OFFICES[1], "Jugendamt Hohenlohekreis", "youth_office"),
        (INSTITUTIONS[0], "Einrichtung Öhringen", "institution"),
        (
            INSTITUTIONS[1],
            "Einrichtung Schwäbisch Hall",
            "institution",
        ),
        (PROVIDER, "JuCon", "education_provider"),
    ] {
        app.execute(&format!(
            "INSERT INTO directory_organizations (id, name, kind, district, active, version) \
             VALUES ('{id}', '{name}', '{kind}', 'heilbronn_county', true, 1)"
        ))
        .await;
    }
    app
}

/// A new active person of `organization` in the directory copy.
pub async fn person(app: &TestApp, organization: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    app.execute(&format!(
        "INSERT INTO directory_people (id, organization_id, given_name, family_name, email, active, version) \
         VALUES ('{id}', '{organization}', 'Vorname', 'Nachname', 'v.nachname@example.org', true, 1)"
    ))
    .await;
    id
}

/// A trainer of the education provider.
pub fn organiser(app: &TestApp) -> Caller {
    app.as_(Persona::role("trainer").of(PROVIDER))
}

/// The person themselves, as staff of their organisation.
pub fn as_person(app: &TestApp, person: Uuid, organization: Uuid) -> Caller {
    let role = if OFFICES.contains(&organization) {
        "youth_office_staff"
    } else {
        "institution_staff"
    };
    app.as_(Persona::role(role).of(organization).subject(person))
}

/// Today in the region (Europe/Berlin), the day the service judges its rules on.
pub fn today() -> NaiveDate {
    qmf_platform::region::today()
}

pub fn days_from_today(n: u64) -> NaiveDate {
    today() + Days::new(n)
}

/// Adds a course; returns its id.
pub async fn course(app: &TestApp) -> String {
    let reply = organiser(app)
        .post("/v1/courses")
        .json(
            &json!({"title": "Grundlagen der Kooperation", "topic": "guidelines",
            "description": "Leitlinien und Philosophie der Kooperation.", "duration_hours": 12,
            "completion_rule": "all_parts_attended", "required_for": ["caseworker"]}),
        )
        .send()
        .await;
    reply.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A session of `course` in three weeks whose registration is open, with `extra` fields.
pub fn session_body(course: &str, extra: Value) -> Value {
    let mut body = json!({"course_id": course,
        "days": [days_from_today(21), days_from_today(22)],
        "place": "Diakonische Jugendhilfe Heilbronn, Seminarraum 1", "capacity": 10,
        "registration_opens_on": today() - Days::new(1),
        "registration_closes_on": days_from_today(14),
        "cancellation_deadline": days_from_today(14)});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    body
}

/// Schedules a session; returns it.
pub async fn session(app: &TestApp, extra: Value) -> Value {
    let course = course(app).await;
    let reply = organiser(app)
        .post("/v1/sessions")
        .json(&session_body(&course, extra))
        .send()
        .await;
    reply.expect(StatusCode::CREATED).clone()
}

/// Registers `person` of `organization` themselves; returns the reply.
pub async fn register(app: &TestApp, session: &Value, person: Uuid, organization: Uuid) -> Reply {
    as_person(app, person, organization)
        .post(&format!(
            "/v1/sessions/{}/registrations",
            session["id"].as_str().unwrap()
        ))
        .json(&json!({"person_id": person}))
        .send()
        .await
}
