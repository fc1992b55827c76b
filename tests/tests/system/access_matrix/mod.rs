//! The access matrix: every operation of every service's OpenAPI document, tried against
//! organisation A's data by personas of organisation B, of roles that have no business there,
//! with a role-less token and without a token.
//!
//! The operations come from the documents the services generate, so a new operation is tried
//! without a test of its own. Path parameters are filled with the ids of A's data (a new kind of
//! path parameter fails the test until [`PARAMETERS`] names it); request bodies are the
//! documents' examples; every list's `…_id` filter is tried with A's ids as well.
//!
//! Judged are:
//! - without a token, every operation that requires one answers 401;
//! - an operation on A's private data (its id in the path) answers an outsider 401, 403, 404
//!   or an input error (422) — never a rule (409) or a precondition (412), which would show
//!   that the resource exists;
//! - any other 2xx an outsider gets must be listed in [`ALLOWED`] with its reason (regional data
//!   every member of the cooperation may read, the roles' own work);
//! - no answer an outsider gets, allowed or not, contains an id or code of A's private data
//!   (cases, their documents and external ids, registrations, certificates, absences, feeds).
//!
//! The matrix (operation × persona → status) is printed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod world;

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{Cluster, Persona, StatusCode, TestApp};
use qmf_testkit::Method;

/// Which of A's ids fills a path parameter: (the path segment before it, its name) → the
/// name in [`world::World::ids`]; `None` for ids of nothing A has (a random UUID).
const PARAMETERS: &[(&str, &str, Option<&str>)] = &[
    // directory
    ("organizations", "id", Some("organization")),
    ("people", "id", Some("person")),
    ("agreements", "id", Some("agreement")),
    (
        "leadership-confirmations",
        "id",
        Some("leadership_confirmation"),
    ),
    // case
    ("cases", "id", Some("case")),
    ("by-external-id", "system", Some("case_external_system")),
    ("by-external-id", "external_id", Some("case_external_id")),
    ("documents", "document_id", Some("document")),
    ("plans", "version", Some("plan_version")),
    ("instruments", "key", Some("instrument_key")),
    ("versions", "version", Some("instrument_version")),
    // committee and its OParl view
    ("bodies", "id", Some("body")),
    ("meetings", "id", Some("meeting")),
    ("agenda-items", "item_id", Some("agenda_item")),
    ("memberships", "id", Some("membership")),
    ("decisions", "id", Some("decision")),
    ("topics", "id", Some("topic")),
    ("agenda-item", "id", Some("agenda_item")),
    ("consultation", "id", Some("agenda_item")),
    ("legislative-term", "id", None),
    ("location", "id", None),
    ("meeting", "id", Some("meeting")),
    ("membership", "id", Some("membership")),
    ("organization", "id", Some("body")),
    ("paper", "id", Some("topic")),
    ("person", "id", Some("person")),
    // dialogue
    ("absences", "id", Some("absence")),
    ("cycles", "id", Some("cycle")),
    ("dialogues", "id", Some("dialogue")),
    ("feeds", "address", Some("feed_address")),
    ("feeds", "id", Some("feed")),
    ("findings", "id", Some("finding")),
    ("hosts", "id", Some("host")),
    ("measures", "id", Some("measure")),
    ("planning-runs", "id", Some("planning_run")),
    ("planning-runs", "document", Some("planning_document")),
    ("school-holidays", "school_year", Some("school_year")),
    // training
    (
        "certificate-verifications",
        "code",
        Some("certificate_code"),
    ),
    ("certificates", "id", Some("certificate")),
    ("courses", "id", Some("course")),
    ("registrations", "id", Some("registration")),
    ("make-ups", "day", Some("make_up_day")),
    ("sessions", "id", Some("session")),
    ("attendance", "day", Some("session_day")),
    ("training-feeds", "address", Some("training_feed_address")),
    ("training-feeds", "id", Some("training_feed")),
];

/// A's data that no outsider may see in any answer.
const PRIVATE: &[&str] = &[
    "case",
    "document",
    "case_external_id",
    "registration",
    "certificate",
    "certificate_code",
    "absence",
    "feed",
    "feed_address",
    "training_feed",
    "training_feed_address",
];

/// Which `…_id` query filter takes which of A's ids; other `…_id` filters take A's youth office.
const FILTERS: &[(&str, &str)] = &[
    ("person_id", "person"),
    ("case_id", "case"),
    ("cycle_id", "cycle"),
    ("body_id", "body"),
    ("session_id", "session"),
    ("course_id", "course"),
    ("dialogue_id", "dialogue"),
    ("topic_id", "topic"),
    ("meeting_id", "meeting"),
];

/// An outsider's 2xx that is right: who (`*`: every persona with a token), which operations
/// (`service METHOD template`, a trailing `*` matches any rest), which of A's private data the
/// answer may name, and why.
struct Allowed {
    who: &'static str,
    operations: &'static str,
    may_name: &'static [&'static str],
    why: &'static str,
}

const ALLOWED: &[Allowed] = &[
    Allowed {
        who: "*",
        operations: "directory GET *",
        may_name: &[],
        why: "the regional directory (organisations, their people, agreements and leadership \
              confirmations) is shared by every member of the cooperation",
    },
    Allowed {
        who: "*",
        operations: "case GET /v1/instruments*",
        may_name: &[],
        why: "the instruments are the region's shared forms",
    },
    Allowed {
        who: "*",
        operations: "case GET /v1/cases",
        may_name: &[],
        why: "each caller's own cases; none of A's (the answer is searched for them)",
    },
    Allowed {
        who: "*",
        operations: "case GET /v1/reviews/due",
        may_name: &[],
        why: "each caller's own due reviews",
    },
    Allowed {
        who: "auditor",
        operations: "case GET /v1/audit-log",
        may_name: &["case"],
        why: "the auditor's work: who read or changed which case when, without case data",
    },
    Allowed {
        who: "*",
        operations: "committee GET *",
        may_name: &[],
        why: "the committees' work is shared by every member of the cooperation; `public` \
              decides only about the anonymous OParl publication",
    },
    Allowed {
        who: "committee secretary",
        operations: "committee *",
        may_name: &[],
        why: "the management's office runs bodies, memberships, meetings and consent records",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/absences",
        may_name: &[],
        why: "each caller's own absences (the answer is searched for A's)",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/feeds",
        may_name: &[],
        why: "each caller's own feeds (the answer is searched for A's)",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/cycles*",
        may_name: &[],
        why: "the cycle, its calendar, hosts and dialogues are the cooperation's shared plan \
              (coverage and planning stay with the coordination)",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/dialogues/{id}",
        may_name: &[],
        why: "a dialogue's date, host and guests are part of the shared plan; its report, \
              documentation and history stay with host, guests and coordination",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/findings/{id}",
        may_name: &[],
        why: "findings are the basis of the further cooperation (domain: quality dialogues)",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/measures",
        may_name: &[],
        why: "agreed measures are followed up in the open by the cooperation",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/hosts/{id}",
        may_name: &[],
        why: "who hosts in the cycle is part of the shared plan",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/blackout-days",
        may_name: &[],
        why: "committee and training days every planner must avoid",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/report-template",
        may_name: &[],
        why: "the region's template of the quality report",
    },
    Allowed {
        who: "*",
        operations: "dialogue GET /v1/school-holidays",
        may_name: &[],
        why: "public holidays of Baden-Württemberg",
    },
    Allowed {
        who: "*",
        operations: "training GET /v1/courses*",
        may_name: &[],
        why: "the training catalogue",
    },
    Allowed {
        who: "*",
        operations: "training GET /v1/sessions",
        may_name: &[],
        why: "the training catalogue",
    },
    Allowed {
        who: "*",
        operations: "training GET /v1/sessions/{id}",
        may_name: &[],
        why: "the training catalogue",
    },
    Allowed {
        who: "*",
        operations: "training GET /v1/training-feeds",
        may_name: &[],
        why: "each caller's own feeds (the answer is searched for A's)",
    },
    Allowed {
        who: "trainer",
        operations: "training *",
        may_name: &[
            "registration",
            "certificate",
            "certificate_code",
            "training_feed",
        ],
        why: "the organisers run registrations, attendance, certificates and feeds of every \
              participant",
    },
];

impl Allowed {
    fn covers(&self, probe: &Probe, outsider: &Outsider) -> bool {
        let operation = format!("{} {}", probe.service, probe.operation());
        let matches = match self.operations.strip_suffix('*') {
            Some(prefix) => operation.starts_with(prefix),
            None => operation == self.operations,
        };
        matches && (self.who == "*" || self.who == outsider.name)
    }
}

/// Who tries. Regional roles get a world of their own: their legitimate work (a secretary
/// dissolving a body, a trainer cancelling a registration) must not change what B meets.
struct Outsider {
    name: &'static str,
    persona: Option<Persona>,
    regional: bool,
}

fn outsiders(world: &world::World) -> Vec<Outsider> {
    let b = |role: &str, org| Persona::role(role).of(org).subject(format!("{role}-b"));
    vec![
        Outsider {
            name: "no token",
            persona: None,
            regional: false,
        },
        Outsider {
            name: "no role",
            persona: Some(Persona::roles(&[]).subject("nobody")),
            regional: false,
        },
        Outsider {
            name: "caseworker B",
            persona: Some(b("caseworker", world.office_b)),
            regional: false,
        },
        Outsider {
            name: "youth office staff B",
            persona: Some(b("youth_office_staff", world.office_b)),
            regional: false,
        },
        Outsider {
            name: "institution staff B",
            persona: Some(b("institution_staff", world.institution_b)),
            regional: false,
        },
        Outsider {
            name: "auditor",
            persona: Some(Persona::auditor().subject("auditor-b")),
            regional: true,
        },
        Outsider {
            name: "trainer",
            persona: Some(Persona::role("trainer").subject("trainer-b")),
            regional: true,
        },
        Outsider {
            name: "committee secretary",
            persona: Some(Persona::committee_secretary().subject("secretary-b")),
            regional: true,
        },
    ]
}

/// One request of the matrix.
struct Probe {
    service: &'static str,
    method: Method,
    /// The operation's path template, as in the document.
    template: String,
    /// What is sent: the path with A's ids and maybe a filter.
    path: String,
    /// The `…_id` filter set to an id of A's, if any.
    filter: Option<String>,
    /// Which of A's private data the path names, if any.
    on_private: Option<&'static str>,
    needs_token: bool,
    body: Option<Value>,
    content_type: Option<String>,
}

impl Probe {
    fn operation(&self) -> String {
        format!("{} {}", self.method, self.template)
    }

    /// The row of the matrix: the same in every world.
    fn label(&self) -> String {
        match &self.filter {
            Some(filter) => format!(
                "{} {} {}?{filter}=A",
                self.service, self.method, self.template
            ),
            None => format!("{} {} {}", self.service, self.method, self.template),
        }
    }

    /// Reads first, removals last: what a probe changes should meet as few later probes as
    /// possible.
    fn rank(&self) -> u8 {
        match self.method {
            Method::GET => 0,
            Method::DELETE => 2,
            _ => 1,
        }
    }
}

fn documents() -> Vec<(&'static str, Value)> {
    vec![
        (
            "directory",
            serde_json::to_value((qmf_directory::commands().openapi)()).unwrap(),
        ),
        (
            "case",
            serde_json::to_value((qmf_case::commands().openapi)()).unwrap(),
        ),
        (
            "committee",
            serde_json::to_value((qmf_committee::commands().openapi)()).unwrap(),
        ),
        (
            "dialogue",
            serde_json::to_value((qmf_dialogue::commands().openapi)()).unwrap(),
        ),
        (
            "training",
            serde_json::to_value((qmf_training::commands().openapi)()).unwrap(),
        ),
    ]
}

/// Every operation of every document as probes; panics naming path parameters nobody fills.
fn probes(world: &world::World) -> Vec<Probe> {
    let mut probes = Vec::new();
    let mut unresolved = Vec::new();
    for (service, document) in documents() {
        let global_security = document["security"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        for (template, operations) in document["paths"].as_object().unwrap() {
            if template.starts_with("/health") || template == "/metrics" {
                continue;
            }
            let Some((path, on_private)) = fill(template, world, &mut unresolved) else {
                continue;
            };
            for (method, operation) in operations.as_object().unwrap() {
                let method = match method.as_str() {
                    "get" => Method::GET,
                    "post" => Method::POST,
                    "put" => Method::PUT,
                    "delete" => Method::DELETE,
                    "patch" => Method::PATCH,
                    _ => continue,
                };
                let needs_token = match operation["security"].as_array() {
                    // `security: [{}]` declares the operation open.
                    Some(list) => list
                        .iter()
                        .any(|s| s.as_object().is_some_and(|s| !s.is_empty())),
                    None => global_security,
                };
                let (content_type, body) = request_body(&document, operation);
                let probe = |path: String, filter: Option<String>| Probe {
                    service,
                    method: method.clone(),
                    template: template.clone(),
                    path,
                    filter,
                    on_private,
                    needs_token,
                    body: body.clone(),
                    content_type: content_type.clone(),
                };
                let required = required_query(operation);
                let with = |extra: Option<String>| {
                    let query: Vec<String> = required.iter().cloned().chain(extra).collect();
                    if query.is_empty() {
                        path.clone()
                    } else {
                        format!("{path}?{}", query.join("&"))
                    }
                };
                probes.push(probe(with(None), None));
                if method == Method::GET {
                    for (name, filter) in id_filters(operation, world) {
                        probes.push(probe(with(Some(filter)), Some(name)));
                    }
                }
            }
        }
    }
    assert!(
        unresolved.is_empty(),
        "path parameters the access matrix cannot fill; name them in PARAMETERS: {unresolved:?}"
    );
    probes.sort_by_key(Probe::rank);
    probes
}

/// `template` with A's ids in its parameters, and which of them is private data of A's.
fn fill(
    template: &str,
    world: &world::World,
    unresolved: &mut Vec<String>,
) -> Option<(String, Option<&'static str>)> {
    let mut previous = "";
    let mut on_private = None;
    let mut parts = Vec::new();
    for segment in template.split('/') {
        let Some(name) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            previous = segment;
            parts.push(segment.to_string());
            continue;
        };
        let found = PARAMETERS
            .iter()
            .find(|(before, param, _)| *before == previous && *param == name);
        match found {
            None => {
                unresolved.push(format!("{template}: {{{name}}} after {previous:?}"));
                return None;
            }
            Some((_, _, None)) => parts.push(uuid::Uuid::now_v7().to_string()),
            Some((_, _, Some(id))) => {
                let value = world
                    .ids
                    .get(id)
                    .unwrap_or_else(|| panic!("the world has no {id:?} (for {template})"));
                parts.push(value.clone());
                if let Some(name) = PRIVATE.iter().find(|p| *p == id) {
                    on_private = Some(*name);
                }
            }
        }
    }
    Some((parts.join("/"), on_private))
}

/// The required query parameters with their example, or for dates today and a month on.
fn required_query(operation: &Value) -> Vec<String> {
    let today = qmf_platform::region::today();
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && p["required"] == true)
        .map(|p| {
            let name = p["name"].as_str().unwrap_or_default();
            let example = p["example"].clone();
            let value = match (example, p["schema"]["format"].as_str()) {
                (Value::String(text), _) => text,
                (Value::Null, Some("date")) if name == "to" || name.ends_with("until") => {
                    (today + chrono::Days::new(30)).to_string()
                }
                (Value::Null, Some("date")) => today.to_string(),
                (Value::Null, _) => String::new(),
                (other, _) => other.to_string(),
            };
            format!("{name}={value}")
        })
        .collect()
}

/// Each optional `…_id` query parameter of a list with the matching id of A's: its name and
/// the query text.
fn id_filters(operation: &Value, world: &world::World) -> Vec<(String, String)> {
    operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "query" && p["required"] != true)
        .filter_map(|p| p["name"].as_str())
        .filter(|name| name.ends_with("_id"))
        .map(|name| {
            let id = FILTERS
                .iter()
                .find(|(filter, _)| *filter == name)
                .map_or("organization", |(_, id)| id);
            (name.to_string(), format!("{name}={}", world.ids[id]))
        })
        .collect()
}

/// The request body the document shows as example, with its content type.
fn request_body(document: &Value, operation: &Value) -> (Option<String>, Option<Value>) {
    let Some(content) = operation["requestBody"]["content"].as_object() else {
        return (None, None);
    };
    let Some((content_type, media)) = content.iter().next() else {
        return (None, None);
    };
    let example = if !media["example"].is_null() {
        media["example"].clone()
    } else {
        let schema = match media["schema"]["$ref"].as_str() {
            Some(reference) => {
                let name = reference.rsplit('/').next().unwrap_or_default();
                document["components"]["schemas"][name].clone()
            }
            None => media["schema"].clone(),
        };
        if schema["example"].is_null() {
            serde_json::json!({})
        } else {
            schema["example"].clone()
        }
    };
    (Some(content_type.clone()), Some(example))
}

/// Whether the answer is one an outsider may get for `probe`.
fn judge(probe: &Probe, outsider: &Outsider, status: StatusCode) -> Result<(), String> {
    let s = status.as_u16();
    if outsider.persona.is_none() {
        return if probe.needs_token && s != 401 {
            Err(format!("{s} without a token"))
        } else {
            Ok(())
        };
    }
    if !probe.needs_token || ALLOWED.iter().any(|a| a.covers(probe, outsider)) {
        return Ok(());
    }
    // A's private data must not even show that it exists: refused, not found, or an input
    // error found before anything was read (422). A rule (409) or a version (412) would tell.
    if let Some(what) = probe.on_private
        && ![401, 403, 404, 422].contains(&s)
    {
        return Err(format!("{s} on A's {what}"));
    }
    if status.is_success() {
        return Err(format!("{s} for an outsider"));
    }
    Ok(())
}

/// What the passes saw: per row of the matrix, per persona, the status.
#[derive(Default)]
struct Seen {
    rows: BTreeMap<String, BTreeMap<&'static str, u16>>,
    order: Vec<String>,
    failures: Vec<String>,
    requests: usize,
}

#[tokio::test]
async fn outsiders_get_nothing_of_another_organisation() {
    let mut seen = Seen::default();
    let mut names = Vec::new();
    for regional in [false, true] {
        let cluster = Cluster::new();
        let world = world::build(&cluster).await;
        let outsiders: Vec<Outsider> = outsiders(&world)
            .into_iter()
            .filter(|o| o.regional == regional)
            .collect();
        names.extend(outsiders.iter().map(|o| o.name));
        println!(
            "access matrix: A = youth office {} and institution {}, B = youth office {} and \
             institution {}",
            world.office_a, world.institution_a, world.office_b, world.institution_b
        );
        try_all(&world, &outsiders, &mut seen).await;
    }

    let mut matrix = format!(
        "{:<82}{}\n",
        "operation",
        names
            .iter()
            .map(|n| format!("{:>6}", short(n)))
            .collect::<String>()
    );
    for label in &seen.order {
        let row = &seen.rows[label];
        matrix.push_str(&format!("{:<82}", truncate(label, 81)));
        for name in &names {
            matrix.push_str(&format!("{:>6}", row.get(name).copied().unwrap_or(0)));
        }
        matrix.push('\n');
    }
    println!(
        "access matrix: {} operations and filters × {} personas = {} requests against \
         organisation A's data; columns: {}\n{matrix}",
        seen.order.len(),
        names.len(),
        seen.requests,
        names
            .iter()
            .map(|n| format!("{} = {n}", short(n)))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("2xx answers to outsiders that are right:");
    for allowed in ALLOWED {
        println!(
            "  {} — {}: {}",
            allowed.who, allowed.operations, allowed.why
        );
    }
    assert!(
        seen.failures.is_empty(),
        "{} of {} answers wrong:\n{}",
        seen.failures.len(),
        seen.requests,
        seen.failures.join("\n")
    );
}

/// Every probe of `world` as every one of `outsiders`, in the probes' order.
async fn try_all(world: &world::World, outsiders: &[Outsider], seen: &mut Seen) {
    let private: Vec<(&str, &String)> = PRIVATE
        .iter()
        .map(|name| {
            let value = world
                .ids
                .get(name)
                .unwrap_or_else(|| panic!("the world has no {name:?}"));
            (*name, value)
        })
        .collect();
    for probe in probes(world) {
        let app: &TestApp = &world.apps[probe.service];
        let label = probe.label();
        if !seen.order.contains(&label) {
            seen.order.push(label.clone());
        }
        for outsider in outsiders {
            let caller = match &outsider.persona {
                Some(persona) => app.as_(persona),
                None => app.anonymous(),
            };
            let mut request = caller.request(probe.method.clone(), &probe.path);
            if probe.method != Method::GET {
                request = request
                    .if_match("\"1\"")
                    .idempotency_key(uuid::Uuid::now_v7().to_string());
            }
            request = match (&probe.content_type, &probe.body) {
                (Some(kind), Some(body)) if kind.contains("json") => request.json(body),
                (Some(kind), Some(body)) => request
                    .header("content-type", kind)
                    .body(body.as_str().unwrap_or_default().to_string()),
                _ => request,
            };
            let reply = request.send().await;
            seen.requests += 1;
            let status = reply.status;
            seen.rows
                .entry(label.clone())
                .or_default()
                .insert(outsider.name, status.as_u16());
            let problem = || {
                let field = |name: &str| reply.body[name].as_str().unwrap_or_default().to_string();
                format!(
                    "{} {}",
                    field("type").rsplit('/').next().unwrap_or_default(),
                    field("detail")
                )
            };
            if let Err(why) = judge(&probe, outsider, status) {
                seen.failures.push(format!(
                    "{label} as {}: {why} ({})",
                    outsider.name,
                    problem()
                ));
            }
            // Open operations (OParl, certificate verification, feeds by their secret address)
            // answer whoever knows what to ask.
            if outsider.persona.is_some() && probe.needs_token && status.is_success() {
                let text = reply.body.to_string();
                let may_name: Vec<&str> = ALLOWED
                    .iter()
                    .filter(|a| a.covers(&probe, outsider))
                    .flat_map(|a| a.may_name.iter().copied())
                    .collect();
                for (name, value) in &private {
                    if !may_name.contains(name) && text.contains(value.as_str()) {
                        seen.failures.push(format!(
                            "{label} as {}: the answer contains A's {name}",
                            outsider.name
                        ));
                    }
                }
            }
        }
    }
}

fn short(name: &str) -> String {
    name.split(' ')
        .map(|w| w.chars().next().unwrap_or(' '))
        .collect::<String>()
        .to_uppercase()
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        text.chars().take(width - 1).collect::<String>() + "…"
    }
}
