//! Graceful shutdown of the real binary: SIGTERM in the middle of a stream of writes lets the
//! running requests finish, exits cleanly, and loses neither an acknowledged write nor the
//! event of any stored write (what the relay had not sent yet goes out after the restart).
//! While the broker cannot be reached, readiness answers 503 with its report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use diesel::QueryableByName;
use diesel::sql_types::Text;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use qmf_testkit::EventProbe;
use reqwest::StatusCode;

use crate::common::{Persona, institution};

/// The service binary as a child process; killed if the test ends before it stopped.
struct Process {
    child: Child,
    log: std::path::PathBuf,
}

impl Process {
    fn start(env: &HashMap<String, String>, log: std::path::PathBuf) -> Process {
        let file = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_qmf-directory"))
            .arg("serve")
            .env_clear()
            .envs(env)
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        Process { child, log }
    }

    fn terminate(&self) {
        kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM).unwrap();
    }

    /// Waits for the exit, at most `limit`.
    async fn exit_within(&mut self, limit: Duration) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < limit,
                "still running {limit:?} after SIGTERM; log:\n{}",
                self.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_ready(base: &str, process: &Process) {
    let http = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(response) = http.get(format!("{base}/health/ready")).send().await
            && response.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the service never became ready; log:\n{}",
        process.log_text()
    );
}

#[derive(QueryableByName)]
struct Stored {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: uuid::Uuid,
    #[diesel(sql_type = Text)]
    name: String,
}

async fn stored_organizations(db: &qmf_testkit::TestDatabase) -> Vec<Stored> {
    use diesel_async::RunQueryDsl;
    let pool = db.pool(1);
    let mut conn = pool.get().await.unwrap();
    diesel::sql_query("SELECT id, name FROM organizations")
        .load(&mut conn)
        .await
        .unwrap()
}

/// What one writer saw: names acknowledged with 201, and any other status.
#[derive(Default)]
struct Seen {
    acknowledged: Vec<String>,
    other_statuses: Vec<StatusCode>,
}

/// Registers organisations one after another, each on a new connection (so that no request
/// meets a keep-alive connection the server is closing), until a request fails to get an
/// answer: the server has stopped taking requests.
async fn writer(base: String, stop: Arc<AtomicBool>) -> Seen {
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let token = Persona::admin().token();
    let mut seen = Seen::default();
    while !stop.load(Ordering::Relaxed) {
        let body = institution("hohenlohekreis");
        let name = body["name"].as_str().unwrap().to_string();
        let sent = http
            .post(format!("{base}/v1/organizations"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status() == StatusCode::CREATED => {
                // The whole answer arrives: the server does not cut running requests off.
                let created: serde_json::Value = response.json().await.unwrap();
                assert_eq!(created["name"], name);
                seen.acknowledged.push(name);
            }
            Ok(response) => seen.other_statuses.push(response.status()),
            Err(_) => break,
        }
    }
    seen
}

#[tokio::test]
async fn sigterm_during_writes_finishes_them_and_loses_no_event() {
    let db = qmf_testkit::create_database().await;
    let (exchange, queue_prefix) = qmf_testkit::unique_names();
    let mut probe = EventProbe::bind(&exchange, "directory.organization.registered.v1").await;
    let mut env = qmf_testkit::service_env(&db.url, &exchange, &queue_prefix);
    let base = format!("http://127.0.0.1:{}", free_port());
    env.insert(
        "QMF_HTTP_ADDR".into(),
        base.trim_start_matches("http://").into(),
    );
    env.insert("QMF_HTTP_WORKERS".into(), "2".into());
    env.insert("QMF_SHUTDOWN_TIMEOUT_SECS".into(), "10".into());
    let logs = std::env::temp_dir().join(format!("qmf-shutdown-{queue_prefix}"));
    std::fs::create_dir_all(&logs).unwrap();

    let mut first = Process::start(&env, logs.join("first.log"));
    wait_ready(&base, &first).await;
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..4)
        .map(|_| tokio::spawn(writer(base.clone(), stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    first.terminate();
    let status = first.exit_within(Duration::from_secs(20)).await;
    stop.store(true, Ordering::Relaxed);
    let mut acknowledged = HashSet::new();
    for writer in writers {
        let seen = writer.await.unwrap();
        assert!(
            seen.other_statuses.is_empty(),
            "{:?}; log:\n{}",
            seen.other_statuses,
            first.log_text()
        );
        acknowledged.extend(seen.acknowledged);
    }
    assert!(
        status.success(),
        "exit {status:?}; log:\n{}",
        first.log_text()
    );
    assert!(first.log_text().contains("stopped"), "{}", first.log_text());
    assert!(acknowledged.len() >= 4, "too few writes to mean anything");

    // Every acknowledged write is stored.
    let stored = stored_organizations(&db).await;
    let names: HashSet<&str> = stored.iter().map(|s| s.name.as_str()).collect();
    for name in &acknowledged {
        assert!(
            names.contains(name.as_str()),
            "{name} was acknowledged but is lost"
        );
    }

    // Started again, the service sends what was left in the outbox: every stored organisation
    // has its event.
    let mut second = Process::start(&env, logs.join("second.log"));
    wait_ready(&base, &second).await;
    let expected: HashSet<String> = stored.iter().map(|s| s.id.to_string()).collect();
    let mut announced = HashSet::new();
    let deadline = Instant::now() + Duration::from_secs(30);
    while announced != expected && Instant::now() < deadline {
        if let Some(event) = probe.next(Duration::from_secs(1)).await {
            announced.insert(event["data"]["id"].as_str().unwrap().to_string());
        }
    }
    let missing: Vec<&String> = expected.difference(&announced).collect();
    assert!(missing.is_empty(), "no event for {missing:?}");
    assert!(
        announced.is_subset(&expected),
        "events of unknown organisations"
    );
    second.terminate();
    assert!(second.exit_within(Duration::from_secs(20)).await.success());
    let _ = std::fs::remove_dir_all(&logs);
}

#[tokio::test]
async fn readiness_answers_503_with_its_report_while_the_broker_is_unreachable() {
    let db = qmf_testkit::create_database().await;
    let (exchange, queue_prefix) = qmf_testkit::unique_names();
    let mut env = qmf_testkit::service_env(&db.url, &exchange, &queue_prefix);
    let base = format!("http://127.0.0.1:{}", free_port());
    env.insert(
        "QMF_HTTP_ADDR".into(),
        base.trim_start_matches("http://").into(),
    );
    // Nothing listens there.
    env.insert(
        "QMF_AMQP_URL".into(),
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", free_port()),
    );
    let logs = std::env::temp_dir().join(format!("qmf-readiness-{queue_prefix}"));
    std::fs::create_dir_all(&logs).unwrap();
    let process = Process::start(&env, logs.join("service.log"));
    let http = reqwest::Client::new();
    let mut answer = None;
    for _ in 0..300 {
        if let Ok(response) = http.get(format!("{base}/health/ready")).send().await {
            answer = Some(response);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let answer = answer.unwrap_or_else(|| panic!("no answer; log:\n{}", process.log_text()));
    assert_eq!(answer.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        answer.headers()["content-type"].to_str().unwrap(),
        "application/json"
    );
    let report: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(
        report,
        serde_json::json!({"status": "not_ready", "database": "up", "broker": "down"})
    );
    // Liveness does not depend on the broker.
    let live = http
        .get(format!("{base}/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), StatusCode::OK);
}
