//! Exact incremental sync over OParl: a client that resumes with `modified_since` = the largest
//! `modified` it has seen ends on every object's current state, also when a transaction that
//! began earlier commits after later ones (its changes carry the older stamp).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use common::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl as _};
use serde_json::{Value, json};
use uuid::Uuid;

const MEETINGS: &str = "/oparl/v1/body/region/meeting";

/// An OParl client syncing the public meetings the way OParl clients do: each run starts with
/// `modified_since` = the largest `modified` it has seen and follows `links.next` to the end.
#[derive(Default)]
struct Reader {
    since: Option<DateTime<Utc>>,
    /// The latest version seen of every object, by id.
    latest: HashMap<String, Value>,
}

impl Reader {
    /// The first page of a run, `limit` objects per page.
    fn first_page(&self, limit: usize) -> String {
        match self.since {
            None => format!("{MEETINGS}?limit={limit}"),
            Some(since) => {
                let since = since.to_rfc3339_opts(SecondsFormat::AutoSi, true);
                format!(
                    "{MEETINGS}?limit={limit}&modified_since={}",
                    since.replace(':', "%3A")
                )
            }
        }
    }

    /// Reads one page; returns its objects and the path of the next page.
    async fn read(&mut self, app: &TestApp, path: &str) -> (Vec<Value>, Option<String>) {
        let reply = app.anonymous().get(path).send().await;
        let page = reply.expect(StatusCode::OK);
        let objects = page["data"].as_array().unwrap().clone();
        for object in &objects {
            let modified = DateTime::parse_from_rfc3339(object["modified"].as_str().unwrap())
                .unwrap()
                .to_utc();
            self.since = self.since.max(Some(modified));
            self.latest
                .insert(object["id"].as_str().unwrap().to_string(), object.clone());
        }
        let next = page["links"]["next"]
            .as_str()
            .map(|url| url.strip_prefix(&app.base).unwrap().to_string());
        (objects, next)
    }

    /// One run over every page.
    async fn run(&mut self, app: &TestApp, limit: usize) -> Vec<Value> {
        let mut objects = Vec::new();
        let mut next = Some(self.first_page(limit));
        while let Some(path) = next {
            let (page, following) = self.read(app, &path).await;
            objects.extend(page);
            next = following;
        }
        objects
    }

    /// Checks that the reader's latest version of each meeting is the meeting as it is now.
    async fn assert_current(&self, app: &TestApp, meetings: &[&str]) {
        for id in meetings {
            let url = oparl_url(app, id);
            let now = app
                .anonymous()
                .get(&format!("/oparl/v1/meeting/{id}"))
                .send()
                .await;
            let now = now.expect(StatusCode::OK);
            assert_eq!(
                self.latest.get(&url),
                Some(now),
                "the reader's view of {url}"
            );
        }
    }
}

fn oparl_url(app: &TestApp, meeting: &str) -> String {
    format!("{}/oparl/v1/meeting/{meeting}", app.base)
}

fn ids(objects: &[Value]) -> Vec<&str> {
    objects.iter().map(|o| o["id"].as_str().unwrap()).collect()
}

async fn sql(conn: &mut AsyncPgConnection, statement: &str) {
    diesel::sql_query(statement)
        .execute(conn)
        .await
        .unwrap_or_else(|e| panic!("{statement}: {e}"));
}

/// A change of a public meeting made the way the service makes one (stamped with the
/// transaction's start), in a transaction the test holds open.
fn rename(meeting: &str, title: &str) -> String {
    format!(
        "UPDATE meetings SET title = '{title}', version = version + 1, updated_at = now() \
         WHERE id = '{meeting}'"
    )
}

async fn add_item(meeting: &mut Meeting, app: &TestApp, title: &str) {
    meeting
        .post(&secretary(app), "/agenda-items", json!({"title": title}))
        .await
        .expect(StatusCode::OK);
}

#[tokio::test]
async fn a_change_committing_after_a_later_one_is_not_passed_over() {
    let app = spawn().await;
    let forum = app.forum().await;
    let early = app.plan_meeting(&forum, "2027-03-17", true).await;
    app.settle_transactions().await;
    let mut reader = Reader::default();
    let first = reader.run(&app, 100).await;
    assert_eq!(ids(&first), [oparl_url(&app, &early.id)]);

    // The early writer begins before the later one.
    let mut early_writer = app.connection().await;
    sql(&mut early_writer, "BEGIN").await;
    // The later writer commits through the API meanwhile.
    let late = app.plan_meeting(&forum, "2027-05-05", true).await;
    let late_url = oparl_url(&app, &late.id);
    // Handing out the later change now would move the reader past the early one: it waits.
    let meanwhile = reader.run(&app, 100).await;
    assert!(
        !ids(&meanwhile).contains(&late_url.as_str()),
        "a change behind a running transaction was handed out: {meanwhile:?}"
    );

    // The early writer changes a public meeting and commits.
    sql(
        &mut early_writer,
        &rename(&early.id, "Frühjahrssitzung, verlegt"),
    )
    .await;
    sql(&mut early_writer, "COMMIT").await;
    app.settle_transactions().await;
    let after = reader.run(&app, 100).await;
    let by_id: HashMap<&str, &Value> = after
        .iter()
        .map(|o| (o["id"].as_str().unwrap(), o))
        .collect();
    let early_now = by_id[oparl_url(&app, &early.id).as_str()];
    assert_eq!(early_now["name"], "Frühjahrssitzung, verlegt");
    // Its stamp is older than the later change's: a reader already past that would miss it.
    let stamp = |o: &Value| DateTime::parse_from_rfc3339(o["modified"].as_str().unwrap()).unwrap();
    assert!(stamp(early_now) < stamp(by_id[late_url.as_str()]));
    reader.assert_current(&app, &[&early.id, &late.id]).await;
    app.stop().await;
}

#[tokio::test]
async fn the_pages_of_a_list_keep_the_horizon_of_its_first_page() {
    let app = spawn().await;
    let forum = app.forum().await;
    let mut meetings = Vec::new();
    for day in ["2027-03-17", "2027-05-05", "2027-07-07", "2027-09-01"] {
        meetings.push(app.plan_meeting(&forum, day, true).await);
    }
    meetings.sort_by_key(|m| Uuid::parse_str(&m.id).unwrap());
    let [mut a, mut b, mut c, mut d]: [Meeting; 4] = meetings.try_into().ok().unwrap();
    app.settle_transactions().await;
    let mut reader = Reader::default();
    assert_eq!(reader.run(&app, 1).await.len(), 4);

    // The second and the last meeting change, then a transaction begins (it need not write:
    // it may), then the first and the third meeting change.
    add_item(&mut b, &app, "Begrüßung").await;
    add_item(&mut d, &app, "Begrüßung").await;
    app.settle_transactions().await;
    let mut open = app.connection().await;
    sql(&mut open, "BEGIN").await;
    add_item(&mut a, &app, "Begrüßung").await;
    add_item(&mut c, &app, "Begrüßung").await;

    // One meeting per page: the first page holds back what changed after the transaction
    // began.
    let first = reader.first_page(1);
    let (page, next) = reader.read(&app, &first).await;
    assert_eq!(ids(&page), [oparl_url(&app, &b.id)]);
    // The transaction ends before the next page; that page still holds back the same changes,
    // else it would hand out the third meeting's change and move the reader past the first's.
    sql(&mut open, "ROLLBACK").await;
    app.settle_transactions().await;
    let (page, next) = reader.read(&app, &next.unwrap()).await;
    assert_eq!(ids(&page), [oparl_url(&app, &d.id)]);
    assert!(next.is_none());

    // The next run brings the changes held back.
    let later = reader.run(&app, 1).await;
    for meeting in [&a, &c] {
        let url = oparl_url(&app, &meeting.id);
        assert!(
            ids(&later).contains(&url.as_str()),
            "{url} held back for good"
        );
    }
    reader
        .assert_current(&app, &[&a.id, &b.id, &c.id, &d.id])
        .await;
    app.stop().await;
}

#[tokio::test]
async fn concurrent_writers_and_a_syncing_reader_end_on_the_current_state() {
    // Three writers through the API and one whose transactions stay open while the others
    // commit, each with meetings of its own.
    const WRITERS: usize = 3;
    const MEETINGS_PER_WRITER: usize = 2;
    const CHANGES: usize = 8;
    let app = spawn().await;
    let forum = app.forum().await;
    let mut owned: Vec<Vec<Meeting>> = Vec::new();
    for writer in 0..=WRITERS {
        let mut meetings = Vec::new();
        for n in 0..MEETINGS_PER_WRITER {
            let day = format!("2027-{:02}-{:02}", writer + 2, n + 10);
            meetings.push(app.plan_meeting(&forum, &day, true).await);
        }
        owned.push(meetings);
    }
    let all: Vec<String> = owned.iter().flatten().map(|m| m.id.clone()).collect();
    let slow: Vec<String> = owned.pop().unwrap().into_iter().map(|m| m.id).collect();
    let mut reader = Reader::default();
    let writing = AtomicBool::new(true);
    let writers = async {
        let api_writer = |mut meetings: Vec<Meeting>| {
            let app = &app;
            async move {
                for n in 0..CHANGES {
                    let meeting = &mut meetings[n % MEETINGS_PER_WRITER];
                    add_item(meeting, app, &format!("Punkt {n}")).await;
                }
            }
        };
        let slow_writer = async {
            for n in 0..CHANGES {
                let meeting = &slow[n % MEETINGS_PER_WRITER];
                let mut conn = app.connection().await;
                conn.transaction::<_, diesel::result::Error, _>(async |conn| {
                    tokio::time::sleep(Duration::from_millis(20 + 20 * (n as u64 % 3))).await;
                    diesel::sql_query(rename(meeting, &format!("Sitzung {n}")))
                        .execute(conn)
                        .await?;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    Ok(())
                })
                .await
                .unwrap();
            }
        };
        let mut api_writers = owned.into_iter().map(api_writer);
        let (first, second, third) = (
            api_writers.next().unwrap(),
            api_writers.next().unwrap(),
            api_writers.next().unwrap(),
        );
        tokio::join!(first, second, third, slow_writer);
        writing.store(false, Ordering::SeqCst);
    };
    let reading = async {
        while AtomicBool::load(&writing, Ordering::SeqCst) {
            reader.run(&app, 3).await;
            tokio::time::sleep(Duration::from_millis(15)).await;
        }
    };
    tokio::join!(writers, reading);
    app.settle_transactions().await;
    reader.run(&app, 3).await;
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    reader.assert_current(&app, &all).await;
    app.stop().await;
}
