//! The committee service under the shared harness (`qmf_testkit`), and the committee's
//! fixtures: the directory read copy it starts with (three youth offices and an institution),
//! people of those organisations, and shortcuts to the region's bodies, seats and meetings.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use uuid::Uuid;

pub use qmf_testkit::{
    Caller, EventProbe, Persona, Reply, ServiceUnderTest, StatusCode, TestApp, Versioned,
};

/// The committee service as the harness starts it.
pub fn committee() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_committee::commands, |config, env| {
        qmf_committee::start(config, qmf_committee::TermSettings::from_lookup(env)?)
    })
}

/// The committee service with the test configuration and the directory read copy of
/// [`seed_directory`].
pub async fn spawn() -> TestApp {
    let app = TestApp::start(committee()).await;
    seed_directory(&app).await;
    app
}

/// Three youth offices, named Jugendamt A, B and C (in this order of ids), and an institution.
pub const OFFICES: [Uuid; 3] = [
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000201),
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000202),
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000203),
];
pub const INSTITUTION: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000204);

/// The directory read copy, as the directory's events would fill it.
async fn seed_directory(app: &TestApp) {
    let organizations = [
        (OFFICES[0], "Jugendamt A", "youth_office"),
        (OFFICES[1], "Jugendamt B", "youth_office"),
        (OFFICES[2], "Jugendamt C", "youth_office"),
        (INSTITUTION, "Einrichtung", "institution"),
    ];
    for (id, name, kind) in organizations {
        app.execute(&format!(
            "INSERT INTO directory_organizations (id, name, kind, active, version) \
             VALUES ('{id}', '{name}', '{kind}', true, 1)"
        ))
        .await;
    }
}

/// The management's office, which runs meetings, agendas and minutes.
pub fn secretary(app: &TestApp) -> Caller {
    app.as_(Persona::committee_secretary())
}

/// The `id` of a representation.
pub fn id_of(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

/// The pointers of a validation problem, in order.
pub fn pointers(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect()
}

/// A draft of a meeting on `day` from 09:00 to 13:00 UTC.
pub fn meeting_on(title: &str, day: &str, public: bool) -> Value {
    json!({"title": title, "starts_at": format!("{day}T09:00:00Z"),
        "ends_at": format!("{day}T13:00:00Z"), "place": "Landratsamt Heilbronn", "public": public})
}

/// The committee's bodies, people, seats and meetings, set up as the secretary.
pub trait Committee {
    /// Id of the Forum Jugendhilfe.
    async fn forum(&self) -> String;
    /// Id of a body by its name.
    async fn body(&self, name: &str) -> String;
    /// Records a new person of `organization` as the directory's events would.
    async fn person(&self, organization: Uuid) -> Uuid;
    /// Makes sure the committee knows `id` as a person of `organization`.
    async fn known_person(&self, id: Uuid, organization: Uuid);
    /// Gives `person` of `organization` a seat with `role` in a body, from 2026-01-01.
    async fn seat(&self, body: &str, person: Uuid, organization: Uuid, role: &str);
    /// Plans a meeting of a body on `day` (09:00–13:00 UTC); returns its id and version.
    async fn plan_meeting(&self, body: &str, day: &str, public: bool) -> (String, Versioned);
    /// Plans a meeting of a body from `starts_at` for an hour; returns its id and version.
    async fn plan_meeting_at(
        &self,
        body: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        public: bool,
    ) -> (String, Versioned);
    /// Marks a meeting held.
    async fn hold(&self, meeting: &str);
    /// The current version of a resource.
    async fn version(&self, path: &str) -> Versioned;
    /// The instant of `time` (HH:MM) on the regional calendar day (Europe/Berlin) that lies
    /// `days` after today's, as PostgreSQL's time-zone rules have it.
    async fn regional_time(&self, days: i32, time: &str) -> chrono::DateTime<chrono::Utc>;
    /// The number `query` counts (a `SELECT count(*) AS n …`).
    async fn count(&self, query: &str) -> i64;
}

impl Committee for TestApp {
    async fn forum(&self) -> String {
        let page = secretary(self).get("/v1/bodies?kind=forum").send().await;
        id_of(&page.expect(StatusCode::OK)["items"][0])
    }

    async fn body(&self, name: &str) -> String {
        let page = secretary(self).get("/v1/bodies?limit=200").send().await;
        let bodies = page.expect(StatusCode::OK)["items"].as_array().unwrap();
        match bodies.iter().find(|b| b["name"] == name) {
            Some(body) => id_of(body),
            None => panic!("no body {name}"),
        }
    }

    async fn person(&self, organization: Uuid) -> Uuid {
        let id = Uuid::now_v7();
        self.known_person(id, organization).await;
        id
    }

    async fn known_person(&self, id: Uuid, organization: Uuid) {
        self.execute(&format!(
            "INSERT INTO directory_people (id, organization_id, given_name, family_name, email, active, version) \
             VALUES ('{id}', '{organization}', 'Vorname', 'Nachname', 'v.nachname@example.org', true, 1) ON CONFLICT (id) DO NOTHING"
        ))
        .await;
    }

    async fn seat(&self, body: &str, person: Uuid, organization: Uuid, role: &str) {
        self.known_person(person, organization).await;
        secretary(self)
            .post(&format!("/v1/bodies/{body}/memberships"))
            .json(
                &json!({"person_id": person, "organization_id": organization, "role": role,
                "start_on": "2026-01-01"}),
            )
            .send()
            .await
            .expect(StatusCode::CREATED);
    }

    async fn plan_meeting(&self, body: &str, day: &str, public: bool) -> (String, Versioned) {
        let draft = meeting_on(&format!("Sitzung {day}"), day, public);
        plan(self, body, &draft).await
    }

    async fn plan_meeting_at(
        &self,
        body: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        public: bool,
    ) -> (String, Versioned) {
        let ends_at = starts_at + chrono::Duration::hours(1);
        let draft = json!({"title": "Sitzung", "starts_at": starts_at, "ends_at": ends_at,
            "place": "Landratsamt Heilbronn", "public": public});
        plan(self, body, &draft).await
    }

    async fn hold(&self, meeting: &str) {
        let path = format!("/v1/meetings/{meeting}");
        let mut version = self.version(&path).await;
        version
            .send(
                secretary(self)
                    .post(&format!("{path}/transitions"))
                    .json(&json!({"transition": "mark_held"})),
            )
            .await
            .expect(StatusCode::OK);
    }

    async fn version(&self, path: &str) -> Versioned {
        let reply = secretary(self).get(path).send().await;
        reply.expect(StatusCode::OK);
        Versioned::of(&reply)
    }

    async fn regional_time(&self, days: i32, time: &str) -> chrono::DateTime<chrono::Utc> {
        let rows = self
            .sql(&format!(
                "SELECT (((now() AT TIME ZONE 'Europe/Berlin')::date + {days}) + time '{time}') \
                 AT TIME ZONE 'Europe/Berlin' AS at"
            ))
            .await;
        let at = rows[0]["at"].as_str().unwrap();
        chrono::DateTime::parse_from_rfc3339(at)
            .unwrap_or_else(|e| panic!("{at}: {e}"))
            .to_utc()
    }

    async fn count(&self, query: &str) -> i64 {
        self.sql(query).await[0]["n"].as_i64().unwrap()
    }
}

/// Plans a meeting of `body` from `draft` as the secretary; returns its id and version.
async fn plan(app: &TestApp, body: &str, draft: &Value) -> (String, Versioned) {
    let created = secretary(app)
        .post(&format!("/v1/bodies/{body}/meetings"))
        .json(draft)
        .send()
        .await;
    (
        id_of(created.expect(StatusCode::CREATED)),
        Versioned::of(&created),
    )
}
