//! What the databases and the broker say after the faults: every event of every outbox
//! published and applied once by every service whose queue is bound to its type, copies equal
//! to their source, acknowledged writes present, jobs never run twice at once, order kept.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs;
use std::thread;
use std::time::{Duration, Instant};

use super::cluster::FaultCluster;
use crate::Result;
use crate::ctx::{SERVICES, Service};
use crate::process;

/// One outbox row as the book knows it.
struct Event {
    source: Service,
    event_type: String,
    published: bool,
    /// The phase during which the book first saw it.
    phase: usize,
}

/// Every event seen so far, and who must apply it.
pub struct Book {
    /// Routing keys bound to each consuming service's queue.
    bindings: Vec<(Service, Vec<String>)>,
    events: HashMap<String, Event>,
    /// Event ids each consuming service has applied (its inbox).
    applied: HashMap<&'static str, HashSet<String>>,
    pub phase: usize,
}

/// Per phase: events committed, deliveries owed and made.
#[derive(Default, Clone, Copy)]
pub struct EventCounts {
    pub committed: usize,
    pub owed: usize,
    pub delivered: usize,
    pub unpublished: usize,
}

impl Book {
    /// Reads each service's queue bindings from the broker's management API.
    pub fn new(cluster: &FaultCluster) -> Result<Book> {
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()?;
        let mut bindings = Vec::new();
        for service in SERVICES {
            let url = format!(
                "http://127.0.0.1:{}/api/queues/%2F/{}.events/bindings",
                cluster.ctx.management_port(),
                service.name
            );
            let response = client.get(&url).basic_auth("guest", Some("guest")).send()?;
            if response.status() == reqwest::StatusCode::NOT_FOUND {
                continue;
            }
            let list: serde_json::Value = response.error_for_status()?.json()?;
            let keys: Vec<String> = list
                .as_array()
                .into_iter()
                .flatten()
                .filter(|b| b["source"] == "qmf.events")
                .filter_map(|b| b["routing_key"].as_str().map(str::to_string))
                .collect();
            if !keys.is_empty() {
                bindings.push((service, keys));
            }
        }
        Ok(Book {
            bindings,
            events: HashMap::new(),
            applied: HashMap::new(),
            phase: 0,
        })
    }

    pub fn consumers(&self) -> Vec<Service> {
        self.bindings.iter().map(|(s, _)| *s).collect()
    }

    /// Reads every outbox and inbox again; events not seen before belong to the current phase.
    pub fn refresh(&mut self, cluster: &FaultCluster) -> Result<()> {
        for service in SERVICES {
            let rows = cluster.query(
                &service.database(),
                "SELECT event_id, event_type, published_at IS NOT NULL FROM outbox",
            )?;
            for row in rows {
                let [id, event_type, published] = &row[..] else {
                    continue;
                };
                let published = published == "t";
                self.events
                    .entry(id.clone())
                    .and_modify(|e| e.published = published)
                    .or_insert(Event {
                        source: service,
                        event_type: event_type.clone(),
                        published,
                        phase: self.phase,
                    });
            }
        }
        for (service, _) in &self.bindings {
            let rows = cluster.query(&service.database(), "SELECT event_id FROM inbox")?;
            self.applied.insert(
                service.name,
                rows.into_iter()
                    .filter_map(|r| r.into_iter().next())
                    .collect(),
            );
        }
        Ok(())
    }

    /// Whether `service`'s queue is bound to routing key `key`.
    pub fn binds(&self, service: Service, key: &str) -> bool {
        self.bindings
            .iter()
            .any(|(s, keys)| *s == service && keys.iter().any(|k| topic_matches(k, key)))
    }

    /// The services that must apply `event`.
    fn owed_to(&self, event: &Event) -> impl Iterator<Item = Service> + '_ {
        let event_type = event.event_type.clone();
        let source = event.source;
        self.bindings
            .iter()
            .filter(move |(service, keys)| {
                *service != source && keys.iter().any(|k| topic_matches(k, &event_type))
            })
            .map(|(s, _)| *s)
    }

    /// Events among `ids` not yet published or not yet applied everywhere they are owed.
    fn outstanding(&self, ids: &HashSet<String>) -> usize {
        ids.iter()
            .filter(|id| {
                let Some(event) = self.events.get(*id) else {
                    return false;
                };
                !event.published
                    || self.owed_to(event).any(|s| {
                        !self
                            .applied
                            .get(s.name)
                            .is_some_and(|applied| applied.contains(*id))
                    })
            })
            .count()
    }

    /// The ids of every event seen so far.
    pub fn snapshot(&self) -> HashSet<String> {
        self.events.keys().cloned().collect()
    }

    /// Waits until every replica is ready and every event of `snapshot` is published and
    /// applied; the time that took, or `None` after `timeout`.
    pub fn wait_recovered(
        &mut self,
        cluster: &mut FaultCluster,
        snapshot: &HashSet<String>,
        timeout: Duration,
    ) -> Result<Option<Duration>> {
        let start = Instant::now();
        let mut last_report = Instant::now();
        loop {
            process::check_interrupted()?;
            let waiting = cluster.not_ready();
            // The database may still be starting: then there is nothing to read yet.
            let outstanding = match self.refresh(cluster) {
                Ok(()) => Some(self.outstanding(snapshot)),
                Err(_) => None,
            };
            if waiting.is_empty() && outstanding == Some(0) {
                return Ok(Some(start.elapsed()));
            }
            if start.elapsed() >= timeout {
                println!(
                    "xtask:   not recovered after {} s: not ready {:?}, events outstanding {:?}",
                    timeout.as_secs(),
                    waiting,
                    outstanding
                );
                return Ok(None);
            }
            if last_report.elapsed() >= Duration::from_secs(10) {
                println!(
                    "xtask:   recovering: not ready {waiting:?}, events outstanding {outstanding:?}"
                );
                last_report = Instant::now();
            }
            thread::sleep(Duration::from_millis(500));
        }
    }

    /// Committed, owed, delivered and unpublished events per phase.
    pub fn counts(&self, phases: usize) -> Vec<EventCounts> {
        let mut counts = vec![EventCounts::default(); phases];
        for (id, event) in &self.events {
            let Some(c) = counts.get_mut(event.phase) else {
                continue;
            };
            c.committed += 1;
            c.unpublished += usize::from(!event.published);
            for service in self.owed_to(event) {
                c.owed += 1;
                if self
                    .applied
                    .get(service.name)
                    .is_some_and(|applied| applied.contains(id))
                {
                    c.delivered += 1;
                }
            }
        }
        counts
    }

    /// Per consuming service: subjects whose events were applied in another order than their
    /// outbox order.
    pub fn order_violations(&self, cluster: &FaultCluster) -> Result<BTreeMap<String, usize>> {
        let mut order: HashMap<String, (String, i64)> = HashMap::new();
        for service in SERVICES {
            for row in cluster.query(
                &service.database(),
                "SELECT event_id, subject, id FROM outbox",
            )? {
                if let [id, subject, seq] = &row[..] {
                    order.insert(
                        id.clone(),
                        (format!("{}:{subject}", service.name), seq.parse()?),
                    );
                }
            }
        }
        let mut violations = BTreeMap::new();
        for (service, _) in &self.bindings {
            // The inbox row is written in the transaction that applied the event.
            let rows = cluster.query(
                &service.database(),
                "SELECT event_id FROM inbox ORDER BY received_at, event_id",
            )?;
            let mut last: HashMap<&str, i64> = HashMap::new();
            let mut count = 0;
            for row in &rows {
                let Some((subject, seq)) = row.first().and_then(|id| order.get(id)) else {
                    continue;
                };
                let previous = last.entry(subject.as_str()).or_insert(*seq);
                if *seq < *previous {
                    count += 1;
                }
                *previous = (*previous).max(*seq);
            }
            violations.insert(service.name.to_string(), count);
        }
        Ok(violations)
    }
}

/// AMQP topic matching: `*` is one word, `#` zero or more.
pub fn topic_matches(pattern: &str, key: &str) -> bool {
    fn go(p: &[&str], k: &[&str]) -> bool {
        match (p.first(), k.first()) {
            (None, None) => true,
            (Some(&"#"), _) => go(&p[1..], k) || (!k.is_empty() && go(p, &k[1..])),
            (Some(&"*"), Some(_)) => go(&p[1..], &k[1..]),
            (Some(a), Some(b)) if a == b => go(&p[1..], &k[1..]),
            _ => false,
        }
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let k: Vec<&str> = key.split('.').collect();
    go(&p, &k)
}

/// Duplicate deliveries the consumers recognised and acknowledged without a second effect,
/// counted in every replica's log.
pub fn duplicate_notices(cluster: &FaultCluster) -> usize {
    cluster
        .replicas
        .iter()
        .filter_map(|r| fs::read_to_string(&r.log).ok())
        .map(|log| log.matches("event already applied").count())
        .sum()
}

/// The directory's organisations against every copy of them: rows missing, extra or
/// different (name, active, version).
pub fn copy_mismatches(cluster: &FaultCluster, consumers: &[Service]) -> Result<Vec<String>> {
    let sql = "SELECT id, name, active, version FROM %T ORDER BY id";
    let source: BTreeMap<String, Vec<String>> = cluster
        .query("qmf_directory", &sql.replace("%T", "organizations"))?
        .into_iter()
        .map(|r| (r[0].clone(), r))
        .collect();
    let mut problems = Vec::new();
    for service in consumers {
        let has = cluster.query(
            &service.database(),
            "SELECT to_regclass('directory_organizations') IS NOT NULL",
        )?;
        if has.first().and_then(|r| r.first()).map(String::as_str) != Some("t") {
            continue;
        }
        let copy: BTreeMap<String, Vec<String>> = cluster
            .query(
                &service.database(),
                &sql.replace("%T", "directory_organizations"),
            )?
            .into_iter()
            .map(|r| (r[0].clone(), r))
            .collect();
        let differing = source
            .iter()
            .filter(|(id, row)| copy.get(*id) != Some(row))
            .count();
        let extra = copy.keys().filter(|id| !source.contains_key(*id)).count();
        if differing + extra > 0 {
            problems.push(format!(
                "{}: {differing} organisations missing or different, {extra} unknown to the directory",
                service.name
            ));
        }
    }
    Ok(problems)
}

/// Runs of one job that overlapped in time, per service, and how many runs each replica made.
pub fn job_overlaps(cluster: &FaultCluster) -> Result<(usize, BTreeMap<String, usize>)> {
    let mut overlaps = 0;
    let mut runs = BTreeMap::new();
    for service in SERVICES {
        let rows = cluster.query(
            &service.database(),
            "SELECT job_name, extract(epoch FROM started_at), extract(epoch FROM finished_at), \
             replica FROM job_runs WHERE finished_at IS NOT NULL ORDER BY job_name, started_at",
        )?;
        let mut last: HashMap<String, f64> = HashMap::new();
        for row in &rows {
            let [job, started, finished, _] = &row[..] else {
                continue;
            };
            let (started, finished): (f64, f64) = (started.parse()?, finished.parse()?);
            if last.get(job).is_some_and(|end| started < *end) {
                overlaps += 1;
            }
            last.insert(job.clone(), finished);
        }
        *runs.entry(service.name.to_string()).or_default() += rows.len();
    }
    Ok((overlaps, runs))
}

/// SQL text of a list of UUIDs.
pub fn id_list<T: ToString>(ids: &[T]) -> String {
    ids.iter()
        .map(|id| format!("'{}'", id.to_string()))
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::topic_matches;

    #[test]
    fn topic_patterns_match_like_the_broker() {
        assert!(topic_matches(
            "directory.#",
            "directory.organization.updated.v1"
        ));
        assert!(topic_matches("#", "a.b"));
        assert!(topic_matches("a.*.c", "a.b.c"));
        assert!(!topic_matches("a.*.c", "a.b.b.c"));
        assert!(topic_matches("a.#.c", "a.c"));
        assert!(!topic_matches("case.closed.v1", "case.closed.v2"));
    }
}
