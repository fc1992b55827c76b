//! The five services under the shared harness (`qmf_testkit`): each starts in-process with its
//! own database; the services of one test share a `Cluster` (one exchange).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub use qmf_testkit::{
    Caller, Cluster, Persona, Reply, ServiceUnderTest, StatusCode, TestApp, eventually,
};

pub fn directory() -> ServiceUnderTest {
    ServiceUnderTest::new(qmf_directory::commands, |config, _| {
        qmf_directory::start(config)
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
