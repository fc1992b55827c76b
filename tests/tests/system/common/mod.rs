//! The five services under the shared harness (`qmf_testkit`): each starts in-process with its
//! own database; the services of one test share a `Cluster` (one exchange).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub use qmf_testkit::{
    Caller, Cluster, Persona, Reply, ServiceUnderTest, StatusCode, TestApp, eventually,
};

pub fn directory() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_directory::commands, |config, env| {
        qmf_directory::start(
            config,
            qmf_directory::settings::DirectorySettings::from_lookup(env)?,
        )
    })
}

pub fn case() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_case::commands, |config, env| {
        qmf_case::start(config, qmf_case::settings::CaseSettings::from_lookup(env)?)
    })
}

pub fn committee() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_committee::commands, |config, env| {
        qmf_committee::start(config, qmf_committee::TermSettings::from_lookup(env)?)
    })
}

pub fn dialogue() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_dialogue::commands, |config, _| {
        qmf_dialogue::start(config)
    })
}

pub fn training() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_training::commands, |config, _| {
        qmf_training::start(config)
    })
}

/// The `id` of a representation as a UUID.
pub fn uuid_of(body: &serde_json::Value) -> uuid::Uuid {
    body["id"].as_str().unwrap().parse().unwrap()
}

/// Registers `organizations` (name, kind, district) in the directory as `admin`, each with a
/// quality development agreement signed in 2021 and two specialists, Anna and Ben; returns each
/// organisation's id with its two people, in the order given.
pub async fn organizations_with_agreements(
    admin: &Caller,
    organizations: &[(&str, &str, &str)],
) -> Vec<(uuid::Uuid, Vec<uuid::Uuid>)> {
    use serde_json::json;
    let address = json!({"street": "Allee 40", "postal_code": "74072", "city": "Heilbronn"});
    let mut registered = Vec::new();
    for (name, kind, district) in organizations {
        let created = admin
            .post("/v1/organizations")
            .json(&json!({"name": name, "kind": kind, "district": district, "address": address}))
            .send()
            .await;
        let org = uuid_of(created.expect(StatusCode::CREATED));
        admin
            .post("/v1/agreements")
            .json(
                &json!({"organization_id": org, "kind": "quality_development_agreement",
                "signed_on": "2021-06-30", "signed_by": "Leitung"}),
            )
            .send()
            .await
            .expect(StatusCode::CREATED);
        let mut people = Vec::new();
        for given in ["Anna", "Ben"] {
            let person = admin
                .post("/v1/people")
                .json(&json!({"organization_id": org, "given_name": given,
                    "family_name": name.split(' ').next().unwrap(),
                    "functions": ["specialist"], "active_from": "2020-01-01"}))
                .send()
                .await;
            people.push(uuid_of(person.expect(StatusCode::CREATED)));
        }
        registered.push((org, people));
    }
    registered
}

/// The id of the Forum among the committee's bodies.
pub async fn forum_of(secretary: &Caller) -> String {
    let bodies = secretary.get("/v1/bodies?limit=200").send().await;
    bodies.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["kind"] == "forum")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}
