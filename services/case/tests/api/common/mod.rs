//! The case service under the shared harness (`qmf_testkit`), and the case's fixtures: the
//! directory read copy it starts with, the personas of the two offices and the provider, valid
//! drafts of every step of the help process, and a case followed through its commands.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use uuid::Uuid;

pub use qmf_testkit::{Caller, Persona, Reply, ServiceUnderTest, StatusCode, TestApp, Versioned};

/// The case service as the harness starts it.
pub fn case() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_case::commands, |config, env| {
        qmf_case::start(config, qmf_case::settings::CaseSettings::from_lookup(env)?)
    })
}

/// The case service with the test configuration and the directory read copy of
/// [`seed_directory`].
pub async fn spawn() -> TestApp {
    let app = TestApp::start(case()).await;
    seed_directory(&app).await;
    app
}

/// The responsible youth office of [`case_draft`] and a second youth office.
pub const OFFICE: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000101);
pub const OTHER_OFFICE: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000102);
/// An institution with a valid quality development agreement, and one without.
pub const PROVIDER: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000103);
pub const PROVIDER_WITHOUT_AGREEMENT: Uuid =
    Uuid::from_u128(0x01936f40_0000_7000_8000_000000000104);
/// The caseworker [`case_draft`] names, a person of [`OFFICE`], and a caseworker of
/// [`OTHER_OFFICE`].
pub const CASEWORKER: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000001);
pub const OTHER_CASEWORKER: Uuid = Uuid::from_u128(0x01936f40_0000_7000_8000_000000000002);

/// The directory read copy as the directory's events would fill it: both offices, both
/// institutions (one with an agreement) and both caseworkers.
async fn seed_directory(app: &TestApp) {
    for (id, name, kind) in [
        (OFFICE, "Jugendamt A", "youth_office"),
        (OTHER_OFFICE, "Jugendamt B", "youth_office"),
        (PROVIDER, "Einrichtung mit Vereinbarung", "institution"),
        (
            PROVIDER_WITHOUT_AGREEMENT,
            "Einrichtung ohne Vereinbarung",
            "institution",
        ),
    ] {
        app.execute(&format!(
            "INSERT INTO directory_organizations (id, name, kind, active, version) \
             VALUES ('{id}', '{name}', '{kind}', true, 1)"
        ))
        .await;
    }
    app.execute(&format!(
        "INSERT INTO directory_agreements (id, organization_id, kind, signed_on) \
         VALUES ('{}', '{PROVIDER}', 'quality_development_agreement', '2021-06-30')",
        Uuid::now_v7()
    ))
    .await;
    for (id, organization) in [(CASEWORKER, OFFICE), (OTHER_CASEWORKER, OTHER_OFFICE)] {
        app.execute(&format!(
            "INSERT INTO directory_people (id, organization_id, active, version) \
             VALUES ('{id}', '{organization}', true, 1)"
        ))
        .await;
    }
}

/// A caseworker of the responsible office.
pub fn caseworker() -> Persona {
    Persona::caseworker().of(OFFICE).subject("caseworker-1")
}

/// A caseworker of the other office.
pub fn other_office_staff() -> Persona {
    Persona::caseworker()
        .of(OTHER_OFFICE)
        .subject("caseworker-2")
}

/// Staff of the provider with an agreement.
pub fn provider_staff() -> Persona {
    Persona::institution_staff()
        .of(PROVIDER)
        .subject("provider-staff")
}

/// Opens a case as the office's caseworker and returns its body.
pub async fn open_case(app: &TestApp) -> Value {
    app.as_(caseworker())
        .post("/v1/cases")
        .json(&case_draft())
        .send()
        .await
        .expect(StatusCode::CREATED)
        .clone()
}

/// The id of a representation.
pub fn id(body: &Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

/// The `step`s of a timeline, in order.
pub fn steps(timeline: &Value) -> Vec<String> {
    timeline
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["step"].as_str().unwrap().to_string())
        .collect()
}

/// The ids of the current plan's goals in a case overview.
pub fn goal_ids(overview: &Value) -> Vec<String> {
    overview["current_plan"]["goals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_str().unwrap().to_string())
        .collect()
}

/// One column of SQL rows as text, e.g. the `action`s of audit rows.
pub fn column(rows: &[Value], name: &str) -> Vec<String> {
    rows.iter()
        .map(|row| row[name].as_str().unwrap().to_string())
        .collect()
}

/// A valid case of [`OFFICE`], led by [`CASEWORKER`].
pub fn case_draft() -> Value {
    json!({
        "caseworker_id": CASEWORKER,
        "help_kind": "family_help",
        "young_person": {"given_name": "Mia", "family_name": "Beispiel", "date_of_birth": "2014-03-02"},
        "custody_holders": [{"given_name": "Sandra", "family_name": "Beispiel", "relation": "mother",
            "address": "Musterweg 3, 74072 Heilbronn", "phone": "+49 7131 555-0101", "email": null}],
        "external_ids": {}
    })
}

// The help process, step by step.

pub fn participation() -> Value {
    json!({"participants": ["young_person", "parent", "caseworker"], "young_person_heard": true,
        "not_heard_reason": null, "agreement_reached": true, "no_agreement_reason": null})
}

pub fn assessment() -> Value {
    json!({
        "document": {"content": {
            "occasion": "Schulabsentismus, Überforderung der Mutter",
            "needs_areas": [{"area": "school_and_work", "need_level": 3}, {"area": "upbringing_and_care", "need_level": 2}],
            "resources": [{"holder": "family", "description": "Großmutter unterstützt"}],
            "risks": [{"risk": "Schulabbruch", "severity": "high"}],
            "child_protection_concern": false,
            "recommendation": {"help_needed": true, "help_kind": "family_help"}
        }},
        "participation": participation()
    })
}

pub fn plan(provider: Uuid) -> Value {
    json!({
        "provider_id": provider, "start_on": "2026-01-15", "hours_per_week": 6.0,
        "goals": ["Mia besucht regelmäßig die Schule.", "Die Mutter setzt verlässliche Tagesstrukturen um."],
        "measures": ["Zwei Hausbesuche pro Woche"],
        "participation": participation(),
        "document": {"content": {"wishes_of_family": "Träger in Wohnortnähe", "tasks": [{"by": "provider", "task": "Hausbesuche"}]}}
    })
}

/// The end of a help rating both goals of the plan.
pub fn help_end(
    goals: &[String],
    ratings: [i32; 2],
    end_kind: &str,
    end_reason: &str,
    report: Value,
) -> Value {
    json!({
        "ended_on": today(), "end_kind": end_kind, "end_reason": end_reason,
        "final_ratings": [{"goal_id": goals[0], "rating": ratings[0]}, {"goal_id": goals[1], "rating": ratings[1]}],
        "participation": participation(),
        "document": {"content": report}
    })
}

/// Today in the region (Europe/Berlin), the day the service dates its steps on.
pub fn today() -> chrono::NaiveDate {
    qmf_platform::region::today()
}

/// A case followed through its commands: its id, and its ETag moving on with every write.
pub struct Flow {
    pub id: String,
    pub version: Versioned,
}

impl Flow {
    /// Opens a case as the office's caseworker.
    pub async fn open(app: &TestApp) -> Flow {
        Flow::of(&open_case(app).await)
    }

    /// Follows a case just created (version 1).
    pub fn of(case: &Value) -> Flow {
        Flow {
            id: id(case),
            version: Versioned::new("\"1\""),
        }
    }

    /// The path of the case, or of something below it (`/timeline`).
    pub fn path(&self, below: &str) -> String {
        format!("/v1/cases/{}{below}", self.id)
    }

    /// The current ETag.
    pub fn etag(&self) -> &str {
        self.version.etag()
    }

    /// POSTs a command below the case as `caller` with the current ETag, expects `status` and
    /// returns the body.
    pub async fn command(
        &mut self,
        caller: &Caller,
        path: &str,
        body: Option<Value>,
        status: StatusCode,
    ) -> Value {
        let mut request = caller.post(&self.path(path));
        if let Some(body) = body {
            request = request.json(&body);
        }
        self.version.send(request).await.expect(status).clone()
    }

    /// The case's overview as `caller` sees it.
    pub async fn overview(&self, caller: &Caller) -> Value {
        caller
            .get(&self.path("/overview"))
            .send()
            .await
            .expect(StatusCode::OK)
            .clone()
    }

    /// The ids of the current plan's goals.
    pub async fn goals(&self, caller: &Caller) -> Vec<String> {
        goal_ids(&self.overview(caller).await)
    }

    /// Assesses the case and agrees a plan with [`PROVIDER`].
    pub async fn assess_and_plan(&mut self, caseworker: &Caller, plan: Value) {
        self.command(
            caseworker,
            "/assessment",
            Some(assessment()),
            StatusCode::OK,
        )
        .await;
        self.command(caseworker, "/plans", Some(plan), StatusCode::OK)
            .await;
    }

    /// Assesses the case, agrees a plan with [`PROVIDER`] and has the provider accept it.
    pub async fn agree_plan(&mut self, app: &TestApp) {
        self.assess_and_plan(&app.as_(caseworker()), plan(PROVIDER))
            .await;
        self.command(
            &app.as_(provider_staff()),
            "/plans/1/accept",
            Some(json!({})),
            StatusCode::OK,
        )
        .await;
    }

    /// Starts the agreed help today, ends it with these final ratings and `end_kind`, and
    /// closes the case.
    pub async fn start_end_and_close(
        &mut self,
        caseworker: &Caller,
        ratings: [i32; 2],
        end_kind: &str,
        end_reason: &str,
        report: Value,
    ) {
        self.command(
            caseworker,
            "/help-start",
            Some(json!({"started_on": today()})),
            StatusCode::OK,
        )
        .await;
        let goals = self.goals(caseworker).await;
        let end = help_end(&goals, ratings, end_kind, end_reason, report);
        self.command(caseworker, "/help-end", Some(end), StatusCode::OK)
            .await;
        self.command(caseworker, "/close", None, StatusCode::OK)
            .await;
    }

    /// Runs a whole help from intake to close with the given final ratings and end kind.
    pub async fn full_help(app: &TestApp, final_ratings: [i32; 2], end_kind: &str) -> Flow {
        let mut flow = Flow::open(app).await;
        flow.agree_plan(app).await;
        flow.start_end_and_close(
            &app.as_(caseworker()),
            final_ratings,
            end_kind,
            "goals_reached",
            json!({"summary": "Ende", "satisfaction_young_person": 4, "satisfaction_parents": 4, "follow_up": "none"}),
        )
        .await;
        flow
    }
}
