//! The dialogue service under the shared harness (`qmf_testkit`), and its fixtures: a directory
//! read copy of youth offices and institutions with agreements and staff.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use uuid::Uuid;

pub use qmf_testkit::{Caller, Persona, Reply, ServiceUnderTest, StatusCode, TestApp};

pub fn dialogue() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_dialogue::commands, |config, _env| {
        qmf_dialogue::start(config)
    })
}

/// Two youth offices and three institutions with a valid agreement (the hosts of a cycle
/// opened now), and organisations that may not host: one without an agreement, one whose
/// agreement ended, one deactivated, and an education provider.
pub const OFFICES: [Uuid; 2] = [
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000301),
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000302),
];
pub const INSTITUTIONS: [Uuid; 3] = [
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000311),
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000312),
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000313),
];
pub const NO_AGREEMENT: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000321);
pub const AGREEMENT_ENDED: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000322);
pub const DEACTIVATED: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000323);
pub const PROVIDER: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000324);

/// The organisations that host when a cycle opens now.
pub fn eligible() -> Vec<Uuid> {
    let mut all: Vec<Uuid> = OFFICES.iter().chain(INSTITUTIONS.iter()).copied().collect();
    all.sort();
    all
}

/// The dialogue service with the directory copy of this module.
pub async fn spawn() -> TestApp {
    let app = TestApp::start(dialogue()).await;
    let organizations = [
        (OFFICES[0], "Jugendamt Heilbronn", "youth_office", true),
        (OFFICES[1], "Jugendamt Hohenlohekreis", "youth_office", true),
        (INSTITUTIONS[0], "Einrichtung Öhringen", "institution", true),
        (
            INSTITUTIONS[1],
            "Einrichtung Schwäbisch Hall",
            "institution",
            true,
        ),
        (
            INSTITUTIONS[2],
            "Einrichtung Künzelsau",
            "institution",
            true,
        ),
        (
            NO_AGREEMENT,
            "Einrichtung ohne Vereinbarung",
            "institution",
            true,
        ),
        (AGREEMENT_ENDED, "Einrichtung beendet", "institution", true),
        (DEACTIVATED, "Einrichtung aufgelöst", "institution", false),
        (PROVIDER, "JuCon", "education_provider", true),
    ];
    for (id, name, kind, active) in organizations {
        app.execute(&format!(
            "INSERT INTO directory_organizations (id, name, kind, district, active, version) \
             VALUES ('{id}', '{name}', '{kind}', 'heilbronn_county', {active}, 1)"
        ))
        .await;
    }
    for org in OFFICES
        .iter()
        .chain(INSTITUTIONS.iter())
        .chain([PROVIDER, DEACTIVATED].iter())
    {
        agreement(&app, *org, "2021-06-30", None).await;
    }
    agreement(&app, AGREEMENT_ENDED, "2021-06-30", Some("2024-12-31")).await;
    app
}

/// Records an agreement in the directory copy.
pub async fn agreement(app: &TestApp, organization: Uuid, signed_on: &str, ended: Option<&str>) {
    let ended = ended.map_or("NULL".to_string(), |d| format!("'{d}'"));
    app.execute(&format!(
        "INSERT INTO directory_agreements (id, organization_id, kind, signed_on, terminated_on) \
         VALUES ('{}', '{organization}', 'quality_development_agreement', '{signed_on}', {ended})",
        Uuid::now_v7()
    ))
    .await;
}

/// Records a new active person of `organization` in the directory copy.
pub async fn person(app: &TestApp, organization: Uuid) -> Uuid {
    let id = Uuid::now_v7();
    app.execute(&format!(
        "INSERT INTO directory_people (id, organization_id, given_name, family_name, email, active, version) \
         VALUES ('{id}', '{organization}', 'Vorname', 'Nachname', 'v.nachname@example.org', true, 1)"
    ))
    .await;
    id
}

pub fn coordinator(app: &TestApp) -> Caller {
    app.as_(Persona::coordinator())
}

/// Staff of an institution acting for it.
pub fn staff_of(app: &TestApp, organization: Uuid) -> Caller {
    app.as_(Persona::institution_staff().of(organization))
}

/// Opens a cycle from `start_year` as the coordination; returns its representation.
pub async fn open_cycle(app: &TestApp, start_year: i32) -> Value {
    let reply = coordinator(app)
        .post("/v1/cycles")
        .json(&json!({"start_year": start_year}))
        .send()
        .await;
    reply.expect(StatusCode::CREATED).clone()
}

/// The first year a cycle may start in: this year.
pub fn this_year() -> i32 {
    use chrono::Datelike;
    chrono::Utc::now().year()
}

/// The cycle's hosts, all pages.
pub async fn hosts(app: &TestApp, cycle: &Value) -> Vec<Value> {
    coordinator(app)
        .list_all(&format!(
            "/v1/cycles/{}/hosts",
            cycle["id"].as_str().unwrap()
        ))
        .await
}

/// The host of `organization` in the cycle.
pub async fn host_of(app: &TestApp, cycle: &Value, organization: Uuid) -> Value {
    hosts(app, cycle)
        .await
        .into_iter()
        .find(|h| h["organization"]["id"] == organization.to_string())
        .unwrap_or_else(|| panic!("{organization} is no host"))
}
