//! The directory under the shared harness (`qmf_testkit`), and the directory's fixtures:
//! valid drafts of organisations, people and agreements, and shortcuts that create them.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use uuid::Uuid;

pub use qmf_testkit::{
    Caller, EVENT_WAIT, Persona, ROLES as ALL_ROLES, Reply, ServiceUnderTest, StatusCode, TestApp,
};

/// The directory as the harness starts it.
pub fn directory() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_directory::commands, |config, env| {
        qmf_directory::start(
            config,
            qmf_directory::settings::DirectorySettings::from_lookup(env)?,
        )
    })
}

/// The directory with the test configuration.
pub async fn spawn() -> TestApp {
    TestApp::start(directory()).await
}

/// Every role of the platform that may not write to the directory.
pub const NON_WRITER_ROLES: &[&str] = &[
    "youth_office_staff",
    "institution_staff",
    "caseworker",
    "auditor",
    "committee_secretary",
    "trainer",
    "service",
];

/// Creating the directory's records as admin; each returns the created representation.
pub trait Records {
    async fn create_organization(&self, body: Value) -> Value;
    async fn create_person(&self, body: Value) -> Value;
    async fn create_agreement(&self, body: Value) -> Value;
    /// An active institution in `hohenlohekreis`; returns its id.
    async fn institution_id(&self) -> String;
}

impl Records for TestApp {
    async fn create_organization(&self, body: Value) -> Value {
        create(self, "/v1/organizations", &body).await
    }

    async fn create_person(&self, body: Value) -> Value {
        create(self, "/v1/people", &body).await
    }

    async fn create_agreement(&self, body: Value) -> Value {
        create(self, "/v1/agreements", &body).await
    }

    async fn institution_id(&self) -> String {
        id(&self
            .create_organization(institution("hohenlohekreis"))
            .await)
    }
}

async fn create(app: &TestApp, path: &str, body: &Value) -> Value {
    app.as_(Persona::admin())
        .post(path)
        .json(body)
        .send()
        .await
        .expect(StatusCode::CREATED)
        .clone()
}

/// The `id` of a representation.
pub fn id(body: &Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

/// `body` with `pointer` (e.g. `/address/city`) set to `value`.
pub fn with(mut body: Value, pointer: &str, value: Value) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    target[key] = value;
    body
}

/// `body` without the field at `pointer`.
pub fn without(mut body: Value, pointer: &str) -> Value {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let target = if parent.is_empty() {
        &mut body
    } else {
        body.pointer_mut(parent).unwrap()
    };
    target.as_object_mut().unwrap().remove(key);
    body
}

/// A valid institution draft with a unique name.
pub fn institution(district: &str) -> Value {
    json!({
        "name": format!("Einrichtung {}", Uuid::now_v7()),
        "kind": "institution",
        "district": district,
        "umbrella_carrier": "Caritas",
        "address": {"street": "Hauptstraße 1", "postal_code": "74523", "city": "Schwäbisch Hall"},
        "email": "info@einrichtung.example",
        "phone": "+49 791 1234-0",
        "external_ids": {"okjug": "X-1"}
    })
}

/// A valid youth office draft for `district` with a unique name.
pub fn youth_office(district: &str) -> Value {
    json!({
        "name": format!("Jugendamt {district} {}", Uuid::now_v7()),
        "kind": "youth_office",
        "district": district,
        "address": {"street": "Lerchenstraße 40", "postal_code": "74072", "city": "Heilbronn"}
    })
}

/// A valid draft of an organisation of `kind` without a district (KVJS, education provider).
pub fn regional(kind: &str) -> Value {
    json!({
        "name": format!("{kind} {}", Uuid::now_v7()),
        "kind": kind,
        "address": {"street": "Lindenspürstraße 39", "postal_code": "70176", "city": "Stuttgart"}
    })
}

pub fn person(organization_id: &str) -> Value {
    json!({
        "organization_id": organization_id,
        "given_name": "Lena",
        "family_name": "Beispiel",
        "email": "l.beispiel@example.org",
        "phone": "+49 7131 1234",
        "functions": ["caseworker"],
        "active_from": "2024-01-01",
        "active_until": null
    })
}

pub fn agreement(organization_id: &str, kind: &str, signed_on: &str) -> Value {
    json!({
        "organization_id": organization_id,
        "kind": kind,
        "signed_on": signed_on,
        "signed_by": "Dr. Maria Muster, Einrichtungsleitung"
    })
}

pub fn quality_agreement(organization_id: &str) -> Value {
    agreement(
        organization_id,
        "quality_development_agreement",
        "2021-06-30",
    )
}

/// Today in the region (Europe/Berlin), the day the service evaluates its rules on.
pub fn today() -> chrono::NaiveDate {
    qmf_platform::region::today()
}

pub fn days_from_today(days: i64) -> String {
    (today() + chrono::Duration::days(days)).to_string()
}
