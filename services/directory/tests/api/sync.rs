#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Exact incremental sync: a client that resumes with `sync_cursor` sees every change once, also
//! when writers commit in another order than they started.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::*;
use diesel_async::{AsyncConnection, RunQueryDsl as _};
use reqwest::StatusCode;
use serde_json::Value;

/// One sync run over the organisations (see `Caller::sync`).
async fn sync(app: &TestApp, since: &str, cursor: &mut Option<String>) -> Vec<Value> {
    app.as_(Persona::admin())
        .sync("/v1/organizations", since, 7, cursor)
        .await
}

/// Syncs until `done` holds for everything seen so far (other tests' transactions on the same
/// cluster may briefly hold changes back), at most 20 s.
async fn sync_until(
    app: &TestApp,
    since: &str,
    cursor: &mut Option<String>,
    mut done: impl FnMut(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    loop {
        seen.extend(sync(app, since, cursor).await);
        if done(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "sync did not catch up: {seen:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A change made the way the service makes it (a new version, change sequence and writer), in
/// a transaction the test holds open.
const SLOW_UPDATE: &str = "UPDATE organizations SET name = name || ' *', version = version + 1, \
     change_seq = nextval('change_seq'), change_xid = pg_current_xact_id()::text::bigint, \
     updated_at = now() WHERE id = $1::uuid";

fn since_now() -> String {
    (chrono::Utc::now() - chrono::Duration::seconds(1))
        .to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

async fn rename(app: &TestApp, organization: &str, version: i64) {
    app.as_(Persona::admin())
        .put(&format!("/v1/organizations/{organization}"))
        .if_match(format!("\"{version}\""))
        .json(&institution("hohenlohekreis"))
        .send()
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_change_committing_after_a_later_one_is_not_passed_over() {
    let app = spawn().await;
    let since = since_now();
    let early = id(&app.create_organization(institution("hohenlohekreis")).await);
    let late = id(&app.create_organization(institution("hohenlohekreis")).await);
    let mut cursor = None;
    sync_until(&app, &since, &mut cursor, |seen| seen.len() == 2).await;

    // The early writer takes its change sequence and transaction first and commits last.
    let mut early_writer = app.connection().await;
    diesel::sql_query("BEGIN")
        .execute(&mut early_writer)
        .await
        .unwrap();
    diesel::sql_query(SLOW_UPDATE)
        .bind::<diesel::sql_types::Text, _>(&early)
        .execute(&mut early_writer)
        .await
        .unwrap();
    // A later writer commits through the API meanwhile.
    rename(&app, &late, 1).await;
    // Handing out the later change now would move the cursor past the early one: it waits.
    let meanwhile = sync(&app, &since, &mut cursor).await;
    assert!(
        meanwhile.is_empty(),
        "a change behind a running writer was handed out: {meanwhile:?}"
    );

    // The early writer commits.
    diesel::sql_query("COMMIT")
        .execute(&mut early_writer)
        .await
        .unwrap();
    let seen = sync_until(&app, &since, &mut cursor, |seen| seen.len() >= 2).await;
    let versions: HashMap<String, i64> = seen
        .iter()
        .map(|o| (id(o), o["version"].as_i64().unwrap()))
        .collect();
    assert_eq!(seen.len(), 2, "each change once: {seen:?}");
    assert_eq!(versions[&early], 2);
    assert_eq!(versions[&late], 2);
    assert!(sync(&app, &since, &mut cursor).await.is_empty());
}

#[tokio::test]
async fn concurrent_writers_and_a_syncing_reader_see_every_change_once() {
    // Three writers through the API (owned[0..3]) and one slow writer (owned[3]).
    const WRITERS: usize = 3;
    const ORGS_PER_WRITER: usize = 3;
    const CHANGES: usize = 12;
    let app = spawn().await;
    let since = since_now();
    let mut owned = Vec::new();
    for _ in 0..WRITERS + 1 {
        let mut orgs = Vec::new();
        for _ in 0..ORGS_PER_WRITER {
            orgs.push(id(&app
                .create_organization(institution("hohenlohekreis"))
                .await));
        }
        owned.push(orgs);
    }
    let mut cursor = None;
    let mut seen: Vec<Value> = Vec::new();
    let writing = AtomicBool::new(true);
    let writers = async {
        let api_writer = |orgs: &[String]| {
            let (app, orgs) = (&app, orgs.to_vec());
            async move {
                let mut versions = vec![1_i64; orgs.len()];
                for n in 0..CHANGES {
                    let i = n % orgs.len();
                    rename(app, &orgs[i], versions[i]).await;
                    versions[i] += 1;
                }
            }
        };
        // One writer whose transactions stay open while the others commit.
        let slow_writer = async {
            for n in 0..CHANGES {
                let organization = owned[WRITERS][n % ORGS_PER_WRITER].clone();
                let mut conn = app.connection().await;
                conn.transaction::<_, diesel::result::Error, _>(async |conn| {
                    diesel::sql_query(SLOW_UPDATE)
                        .bind::<diesel::sql_types::Text, _>(&organization)
                        .execute(conn)
                        .await?;
                    tokio::time::sleep(Duration::from_millis(30 + 20 * (n as u64 % 4))).await;
                    Ok(())
                })
                .await
                .unwrap();
            }
        };
        tokio::join!(
            api_writer(&owned[0]),
            api_writer(&owned[1]),
            api_writer(&owned[2]),
            slow_writer
        );
        writing.store(false, Ordering::SeqCst);
    };
    let reader = async {
        while AtomicBool::load(&writing, Ordering::SeqCst) {
            seen.extend(sync(&app, &since, &mut cursor).await);
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    };
    tokio::join!(writers, reader);
    let all: HashSet<String> = owned.iter().flatten().cloned().collect();
    let expected_version = 1 + (CHANGES / ORGS_PER_WRITER) as i64;
    let more = sync_until(&app, &since, &mut cursor, |more| {
        let mut latest: HashMap<String, i64> = HashMap::new();
        for o in seen.iter().chain(more) {
            latest.insert(id(o), o["version"].as_i64().unwrap());
        }
        all.iter().all(|o| latest.get(o) == Some(&expected_version))
    })
    .await;
    seen.extend(more);
    // No change handed out twice, and versions of a row only ever go up.
    let mut handed_out = HashSet::new();
    let mut last: HashMap<String, i64> = HashMap::new();
    for o in &seen {
        let (row, version) = (id(o), o["version"].as_i64().unwrap());
        assert!(
            handed_out.insert((row.clone(), version)),
            "{row} v{version} handed out twice"
        );
        let before = last.insert(row.clone(), version).unwrap_or(0);
        assert!(version > before, "{row}: v{version} after v{before}");
    }
    // And the sync ends on every row's final state.
    for row in &all {
        assert_eq!(last.get(row), Some(&expected_version), "{row}");
    }
}
