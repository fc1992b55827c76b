//! The committee service under the shared harness (`qmf_testkit`), and the committee's
//! fixtures: the directory read copy it starts with (three youth offices and an institution),
//! people of those organisations, and shortcuts to the region's bodies, seats and meetings.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use uuid::Uuid;

use qmf_testkit::eventually;
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

/// A draft of a meeting on `day` from 09:00 to 13:00 UTC.
pub fn meeting_on(title: &str, day: &str, public: bool) -> Value {
    json!({"title": title, "starts_at": format!("{day}T09:00:00Z"),
        "ends_at": format!("{day}T13:00:00Z"), "place": "Landratsamt Heilbronn", "public": public})
}

/// A meeting a test changes step by step: its id, and its ETag moving on with every write.
pub struct Meeting {
    pub id: String,
    pub version: Versioned,
}

impl Meeting {
    /// The meeting the answer `created` (a 201) planned.
    #[track_caller]
    pub fn of(created: &Reply) -> Meeting {
        Meeting {
            id: id_of(created.expect(StatusCode::CREATED)),
            version: Versioned::of(created),
        }
    }

    /// The meeting's path, or that of something below it (`/minutes`).
    pub fn path(&self, below: &str) -> String {
        format!("/v1/meetings/{}{below}", self.id)
    }

    /// POSTs `body` below the meeting (`/agenda-items`, `/invitations`) as `caller`, with the
    /// current ETag.
    pub async fn post(&mut self, caller: &Caller, below: &str, body: Value) -> Reply {
        let request = caller.post(&self.path(below)).json(&body);
        self.version.send(request).await
    }

    /// PUTs `body` below the meeting (`/minutes`, `/attendance`) as `caller`, with the current
    /// ETag.
    pub async fn put(&mut self, caller: &Caller, below: &str, body: Value) -> Reply {
        let request = caller.put(&self.path(below)).json(&body);
        self.version.send(request).await
    }

    /// DELETEs something below the meeting (`/agenda-items/<id>`) as `caller`, with the current
    /// ETag.
    pub async fn delete(&mut self, caller: &Caller, below: &str) -> Reply {
        let request = caller.delete(&self.path(below));
        self.version.send(request).await
    }

    /// Takes the meeting through `transition` (`mark_held`, `cancel`, `approve_minutes`) as
    /// `caller`.
    pub async fn transition(&mut self, caller: &Caller, transition: &str) -> Reply {
        let body = json!({"transition": transition});
        self.post(caller, "/transitions", body).await
    }
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
    /// Plans a meeting of a body on `day` (09:00–13:00 UTC).
    async fn plan_meeting(&self, body: &str, day: &str, public: bool) -> Meeting;
    /// Plans a meeting of a body from `starts_at` for an hour.
    async fn plan_meeting_at(
        &self,
        body: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        public: bool,
    ) -> Meeting;
    /// Plans a meeting of a body from `draft`.
    async fn plan(&self, body: &str, draft: &Value) -> Meeting;
    /// A meeting at its current version.
    async fn meeting(&self, id: &str) -> Meeting;
    /// Marks a meeting held.
    async fn hold(&self, meeting: &str);
    /// The instant of `time` (HH:MM) on the regional calendar day (Europe/Berlin) that lies
    /// `days` after today's, as PostgreSQL's time-zone rules have it.
    async fn regional_time(&self, days: i32, time: &str) -> chrono::DateTime<chrono::Utc>;
    /// The number `query` counts (a `SELECT count(*) AS n …`).
    async fn count(&self, query: &str) -> i64;
    /// Waits until every transaction that had begun on the service's database when called has
    /// ended. OParl lists hold back what was modified since the oldest transaction still
    /// running began (the service's own relay and consumer run some): call this after a write
    /// and before a list that must show it.
    async fn settle_transactions(&self);
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

    async fn plan_meeting(&self, body: &str, day: &str, public: bool) -> Meeting {
        let draft = meeting_on(&format!("Sitzung {day}"), day, public);
        self.plan(body, &draft).await
    }

    async fn plan_meeting_at(
        &self,
        body: &str,
        starts_at: chrono::DateTime<chrono::Utc>,
        public: bool,
    ) -> Meeting {
        let ends_at = starts_at + chrono::Duration::hours(1);
        let draft = json!({"title": "Sitzung", "starts_at": starts_at, "ends_at": ends_at,
            "place": "Landratsamt Heilbronn", "public": public});
        self.plan(body, &draft).await
    }

    async fn plan(&self, body: &str, draft: &Value) -> Meeting {
        let created = secretary(self)
            .post(&format!("/v1/bodies/{body}/meetings"))
            .json(draft)
            .send()
            .await;
        Meeting::of(&created)
    }

    async fn meeting(&self, id: &str) -> Meeting {
        let reply = secretary(self)
            .get(&format!("/v1/meetings/{id}"))
            .send()
            .await;
        reply.expect(StatusCode::OK);
        Meeting {
            id: id.to_string(),
            version: Versioned::of(&reply),
        }
    }

    async fn hold(&self, meeting: &str) {
        let mut meeting = self.meeting(meeting).await;
        meeting
            .transition(&secretary(self), "mark_held")
            .await
            .expect(StatusCode::OK);
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

    async fn settle_transactions(&self) {
        let now = self.sql("SELECT now() AS at").await;
        let begun_before = now[0]["at"].as_str().unwrap().to_string();
        let begun_before = &begun_before;
        eventually("the transactions begun before have ended", || async move {
            let running = self
                .count(&format!(
                    "SELECT count(*) AS n FROM pg_stat_activity \
                     WHERE datname = current_database() AND pid <> pg_backend_pid() \
                       AND xact_start < '{begun_before}'"
                ))
                .await;
            (running == 0).then_some(())
        })
        .await;
    }
}
