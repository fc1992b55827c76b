//! The OParl 1.1 interface: everything it emits conforms to the official schemas, only public
//! content appears, withdrawn and removed objects stay as tombstones, lists page stably with
//! their filters, and any web page may read it (CORS).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::PathBuf;

use common::*;
use qmf_testkit::{Method, Request};
use serde_json::{Value, json};
use uuid::Uuid;

const OPARL: &str = "https://schema.oparl.org/1.1/";

/// The external lists of a body: property and object type.
const BODY_LISTS: [(&str, &str); 9] = [
    ("organization", "Organization"),
    ("person", "Person"),
    ("membership", "Membership"),
    ("meeting", "Meeting"),
    ("agendaItem", "AgendaItem"),
    ("locationList", "Location"),
    ("paper", "Paper"),
    ("consultation", "Consultation"),
    ("legislativeTermList", "LegislativeTerm"),
];

/// Attributes a tombstone keeps (OParl 1.1, "Gelöschte Objekte").
const TOMBSTONE_KEYS: [&str; 5] = ["id", "type", "created", "modified", "deleted"];

fn is_http_url(value: &str) -> bool {
    reqwest::Url::parse(value)
        .is_ok_and(|url| matches!(url.scheme(), "http" | "https") && url.host().is_some())
}

/// The official OParl 1.1 object schemas (copied unchanged into `tests/oparl-schema`).
///
/// The schemas name embedded objects with a non-standard `schema` keyword instead of `$ref`
/// (`"location": {"type": "object", "schema": "Location.json"}`), so embedded objects are
/// validated here by following those hints. `format: url` is checked as an absolute http(s) URL.
struct Schemas {
    raw: HashMap<String, Value>,
    full: HashMap<String, jsonschema::Validator>,
    /// The same schemas for tombstones: the specification lets a deleted object drop every
    /// attribute but `id`, `type`, `created`, `modified` and `deleted`, which the schemas'
    /// `required` lists (e.g. `order` of AgendaItem) do not take into account.
    tombstone: HashMap<String, jsonschema::Validator>,
}

impl Schemas {
    fn load() -> Schemas {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oparl-schema");
        let build = |schema: &Value| {
            jsonschema::options()
                .should_validate_formats(true)
                .should_ignore_unknown_formats(false)
                .with_format("url", is_http_url)
                .build(schema)
                .unwrap()
        };
        let mut schemas = Schemas {
            raw: HashMap::new(),
            full: HashMap::new(),
            tombstone: HashMap::new(),
        };
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let name = path.file_stem().unwrap().to_str().unwrap().to_string();
            let schema: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let mut relaxed = schema.clone();
            relaxed["required"] = json!(["id", "type"]);
            schemas.full.insert(name.clone(), build(&schema));
            schemas.tombstone.insert(name.clone(), build(&relaxed));
            schemas.raw.insert(name, schema);
        }
        assert!(schemas.raw.len() >= 12, "schemas missing in {dir:?}");
        schemas
    }

    /// Validates an object of `kind` and, recursively, the objects embedded in it; records
    /// every object by id and every reference to another object in `seen`.
    fn check(&self, kind: &str, object: &Value, seen: &mut Seen) {
        let problems = self.problems(kind, object, seen);
        assert!(problems.is_empty(), "{problems:#?}\n{object:#}");
    }

    /// What is wrong with an object of `kind` and the objects embedded in it.
    fn problems(&self, kind: &str, object: &Value, seen: &mut Seen) -> Vec<String> {
        let id = object["id"].as_str().unwrap_or("<no id>").to_string();
        let mut problems = Vec::new();
        if object["type"] != format!("{OPARL}{kind}") {
            problems.push(format!(
                "{id}: type {} where {kind} belongs",
                object["type"]
            ));
        }
        for stamp in ["created", "modified"] {
            if !object[stamp].is_string() {
                problems.push(format!("{kind} {id} lacks `{stamp}`"));
            }
        }
        let validator = match object.get("deleted") {
            None => &self.full[kind],
            Some(Value::Bool(true)) => {
                let extra: Vec<&String> = object
                    .as_object()
                    .unwrap()
                    .keys()
                    .filter(|k| !TOMBSTONE_KEYS.contains(&k.as_str()))
                    .collect();
                if !extra.is_empty() {
                    problems.push(format!("tombstone {id} keeps {extra:?}"));
                }
                &self.tombstone[kind]
            }
            Some(other) => {
                problems.push(format!(
                    "{id}: deleted is {other}, only tombstones carry it"
                ));
                &self.full[kind]
            }
        };
        problems.extend(
            validator
                .iter_errors(object)
                .map(|e| format!("{kind} {id}: {e} at {}", e.instance_path())),
        );
        seen.objects
            .entry(id.clone())
            .or_default()
            .push((kind.to_string(), object.clone()));
        for (property, spec) in self.raw[kind]["properties"].as_object().unwrap() {
            let Some(value) = object.get(property) else {
                continue;
            };
            let embedded = spec["schema"]
                .as_str()
                .or_else(|| spec["items"]["schema"].as_str())
                .map(|s| s.trim_end_matches(".json"));
            let referenced = spec["references"]
                .as_str()
                .or_else(|| spec["items"]["references"].as_str())
                .filter(|r| *r != "externalList");
            let values: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for value in values {
                match (value, embedded, referenced) {
                    (Value::Object(_), Some(inner), _) => {
                        problems.extend(self.problems(inner, value, seen))
                    }
                    (Value::String(url), _, Some(target)) => seen.references.push((
                        format!("{kind}.{property} of {id}"),
                        target.to_string(),
                        url.clone(),
                    )),
                    _ => {}
                }
            }
        }
        problems
    }
}

/// Everything a walk over the interface met.
#[derive(Default)]
struct Seen {
    /// Every object by id, as often as it was met (in lists, embedded, alone).
    objects: BTreeMap<String, Vec<(String, Value)>>,
    /// (where, referenced type, URL) of every link to another object.
    references: Vec<(String, String, String)>,
    /// Ids of each body list, in list order.
    lists: HashMap<String, Vec<String>>,
}

impl Seen {
    fn ids_of(&self, kind: &str) -> Vec<&str> {
        self.lists[kind].iter().map(String::as_str).collect()
    }

    fn object(&self, url: &str) -> &Value {
        &self.objects[url][0].1
    }
}

/// The path of an absolute URL of the interface (as its objects link each other).
fn path_of<'a>(app: &TestApp, url: &'a str) -> &'a str {
    url.strip_prefix(&app.base)
        .unwrap_or_else(|| panic!("{url} does not lead to {}", app.base))
}

/// GETs an absolute URL of the interface without a token; checks the CORS header, the JSON
/// body and its content type (a problem for any refusal).
async fn get(app: &TestApp, url: &str) -> Reply {
    let reply = app.anonymous().get(path_of(app, url)).send().await;
    assert_eq!(
        reply.header("access-control-allow-origin"),
        Some("*"),
        "CORS header on {url}"
    );
    assert!(reply.body.is_object(), "{url}: {}", reply.body);
    let content_type = reply.header("content-type").unwrap();
    if reply.status.is_success() {
        assert!(content_type.starts_with("application/json"), "{url}");
    } else {
        assert!(
            content_type.starts_with("application/problem+json"),
            "{url}: {content_type}"
        );
        assert_eq!(reply.body["status"], reply.status.as_u16());
    }
    reply
}

async fn get_ok(app: &TestApp, url: &str) -> Value {
    get(app, url).await.expect(StatusCode::OK).clone()
}

/// Reads every page of a list from `url` on; checks the page shape.
async fn read_list(app: &TestApp, url: &str) -> Vec<Value> {
    let mut objects = Vec::new();
    let mut next = Some(url.to_string());
    let mut pages = 0;
    while let Some(url) = next {
        pages += 1;
        assert!(pages < 500, "endless list at {url}");
        let page = get_ok(app, &url).await;
        let data = page["data"].as_array().expect("data").clone();
        let size = page["pagination"]["elementsPerPage"].as_i64().unwrap();
        assert!(page["links"].is_object());
        assert!(is_http_url(page["links"]["self"].as_str().unwrap()));
        assert!(is_http_url(page["links"]["first"].as_str().unwrap()));
        next = page["links"]["next"].as_str().map(str::to_string);
        if next.is_some() {
            assert_eq!(data.len() as i64, size, "every page but the last is full");
        } else {
            assert!(data.len() as i64 <= size);
        }
        objects.extend(data);
    }
    objects
}

fn with_query(url: &str, query: &str) -> String {
    if url.contains('?') {
        format!("{url}&{query}")
    } else {
        format!("{url}?{query}")
    }
}

/// Walks the whole interface from the system object: every list through all its pages (two
/// objects per page), every object validated against its schema.
async fn walk(app: &TestApp, schemas: &Schemas) -> Seen {
    let mut seen = Seen::default();
    let system = get_ok(app, &format!("{}/oparl/v1/system", app.base)).await;
    schemas.check("System", &system, &mut seen);
    assert_eq!(system["oparlVersion"], OPARL);
    let bodies = read_list(app, system["body"].as_str().unwrap()).await;
    assert_eq!(bodies.len(), 1);
    for body in &bodies {
        schemas.check("Body", body, &mut seen);
        assert_eq!(body["name"], "Kooperation Jugendhilfe Heilbronn-Franken");
        assert_eq!(body["system"], system["id"]);
        for (property, kind) in BODY_LISTS {
            let url = body[property].as_str().unwrap();
            let objects = read_list(app, &with_query(url, "limit=2")).await;
            let mut ids = Vec::new();
            for object in &objects {
                schemas.check(kind, object, &mut seen);
                ids.push(object["id"].as_str().unwrap().to_string());
            }
            let unique: HashSet<&String> = ids.iter().collect();
            assert_eq!(unique.len(), ids.len(), "duplicates in the {kind} list");
            // The same list in one page: same objects in the same order.
            let whole = read_list(app, &with_query(url, "limit=200")).await;
            let whole_ids: Vec<&str> = whole.iter().map(|o| o["id"].as_str().unwrap()).collect();
            assert_eq!(
                whole_ids,
                ids.iter().map(String::as_str).collect::<Vec<_>>()
            );
            let mut sorted = ids.clone();
            sorted.sort_by_key(|id| Uuid::parse_str(id.rsplit('/').next().unwrap()).unwrap());
            assert_eq!(sorted, ids, "the {kind} list is sorted by id");
            seen.lists.insert(kind.to_string(), ids);
        }
    }
    seen
}

/// Every object met anywhere can be read at its id and is the same everywhere; every link
/// points at an object of the right type that the lists contain.
async fn check_integrity(app: &TestApp, schemas: &Schemas, seen: &Seen) {
    let listed: HashSet<String> = seen.lists.values().flatten().cloned().collect();
    let urls: Vec<(String, String, Value)> = seen
        .objects
        .iter()
        .map(|(id, found)| (id.clone(), found[0].0.clone(), found[0].1.clone()))
        .collect();
    for (id, kind, first) in urls {
        for (other_kind, other) in &seen.objects[&id] {
            assert_eq!(other_kind, &kind);
            assert_eq!(other, &first, "{id} differs between its appearances");
        }
        let alone = get_ok(app, &id).await;
        assert_eq!(alone, first, "{id} read alone differs from the list");
        if !matches!(kind.as_str(), "System" | "Body") {
            assert!(listed.contains(&id), "{kind} {id} is in no list");
        }
        let mut scratch = Seen::default();
        schemas.check(&kind, &alone, &mut scratch);
    }
    for (place, kind, url) in &seen.references {
        let target = seen
            .objects
            .get(url)
            .unwrap_or_else(|| panic!("{place} links to {url}, which no list contains"));
        assert_eq!(&target[0].0, kind, "{place} links to a {}", target[0].0);
    }
}

/// Plans a meeting of a body with the given agenda (title, public); returns the meeting and
/// its agenda item ids.
async fn meeting(
    app: &TestApp,
    body: &str,
    title: &str,
    day: &str,
    public: bool,
    agenda: &[(&str, bool)],
) -> (Meeting, Vec<String>) {
    let secretary = secretary(app);
    let mut meeting = app
        .plan(
            body,
            &json!({"title": title, "starts_at": format!("{day}T09:00:00Z"),
                "ends_at": format!("{day}T13:00:00Z"), "place": "Landratsamt Künzelsau, Sitzungssaal",
                "public": public}),
        )
        .await;
    let mut items = Vec::new();
    for (item, public) in agenda {
        let read = meeting
            .post(
                &secretary,
                "/agenda-items",
                json!({"title": item, "public": public}),
            )
            .await;
        let agenda = read.expect(StatusCode::OK)["agenda"].as_array().unwrap();
        items.push(id_of(agenda.last().unwrap()));
    }
    (meeting, items)
}

/// The ids of what the seed creates.
struct Seeded {
    forum: String,
    working_group: String,
    lena: Uuid,
    jonas: Uuid,
    hidden_person: Uuid,
    withdrawn: Uuid,
    steering: String,
    lena_seat: String,
    lena_guest_seat: String,
    hidden_seat: String,
    withdrawn_seat: String,
    spring: String,
    spring_items: Vec<String>,
    /// With its version: a test changes it.
    preparation: Meeting,
    closed: String,
    closed_items: Vec<String>,
    cancelled: String,
    removed_item: String,
    guideline: Uuid,
    recommendation: Uuid,
    event_topic: Uuid,
    scheduled_topic: Uuid,
    term: String,
}

/// A small committee year: a dissolved working group, a management term, people with and
/// without publication consent (one withdrawn), public and closed meetings with public and
/// closed items (one removed), an adopted guideline deliberated twice, a recommendation, and
/// topics that are not published.
async fn seed(app: &TestApp) -> Seeded {
    let secretary = secretary(app);
    let forum = app.forum().await;
    let groups = secretary.get("/v1/bodies?kind=steering_group").send().await;
    let steering = id_of(&groups.expect(StatusCode::OK)["items"][0]);
    let group = secretary
        .post("/v1/bodies")
        .json(
            &json!({"name": "AK Übergänge", "short_name": "AK Ü", "permanent": false,
            "established_on": "2026-01-01"}),
        )
        .send()
        .await;
    let working_group = id_of(group.expect(StatusCode::CREATED));
    let term = secretary
        .post("/v1/management-terms")
        .json(&json!({"office_id": OFFICES[0], "start_on": "2027-01-01"}))
        .send()
        .await;
    let term = id_of(term.expect(StatusCode::CREATED));

    let (lena, jonas, hidden_person, withdrawn) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    for (id, given, family, consent) in [
        (lena, "Lena", "Hofmann", true),
        (jonas, "Jonas", "Keller", true),
        (hidden_person, "Nina", "Verborgen", false),
        (withdrawn, "Willi", "Widerruf", true),
    ] {
        app.execute(&format!(
            "INSERT INTO directory_people (id, organization_id, given_name, family_name, active, version) \
             VALUES ('{id}', '{INSTITUTION}', '{given}', '{family}', true, 1)")).await;
        app.execute(&format!(
            "INSERT INTO publication_consents (person_id, public_consent) VALUES ('{id}', {consent})")).await;
    }
    let seat = async |body: &str, person: Uuid, role: &str| {
        let created = secretary
            .post(&format!("/v1/bodies/{body}/memberships"))
            .json(&json!({"person_id": person, "organization_id": INSTITUTION,
                "role": role, "start_on": "2026-02-01"}))
            .send()
            .await;
        id_of(created.expect(StatusCode::CREATED))
    };
    let lena_seat = seat(&forum, lena, "member").await;
    seat(&working_group, jonas, "speaker").await;
    let lena_guest_seat = seat(&working_group, lena, "guest").await;
    let hidden_seat = seat(&forum, hidden_person, "member").await;
    let withdrawn_seat = seat(&steering, withdrawn, "member").await;
    secretary
        .post(&format!("/v1/bodies/{working_group}/dissolve"))
        .if_match("\"1\"")
        .json(&json!({"dissolved_on": "2026-12-31"}))
        .send()
        .await
        .expect(StatusCode::OK);

    let (mut spring, spring_items) = meeting(
        app,
        &forum,
        "Forum Jugendhilfe, Frühjahrssitzung",
        "2027-03-17",
        true,
        &[
            ("Begrüßung", true),
            ("Personalangelegenheiten", false),
            ("Richtlinie Hilfeplanung", true),
            ("Bericht AK Personal", true),
            ("Verschiedenes", true),
        ],
    )
    .await;
    let (preparation, preparation_items) = meeting(
        app,
        &steering,
        "Steuerungsgruppe, Vorberatung",
        "2027-02-10",
        true,
        &[("Vorberatung Richtlinie Hilfeplanung", true)],
    )
    .await;
    let (closed, closed_items) = meeting(
        app,
        &forum,
        "Forum Jugendhilfe, Klausur",
        "2027-05-05",
        false,
        &[
            ("Interna", true),
            ("Richtlinie Hilfeplanung, Nachlese", true),
        ],
    )
    .await;
    let (mut cancelled, _) = meeting(
        app,
        &forum,
        "Forum Jugendhilfe, Herbstsitzung",
        "2027-09-01",
        true,
        &[("Begrüßung", true)],
    )
    .await;
    cancelled
        .transition(&secretary, "cancel")
        .await
        .expect(StatusCode::OK);
    // The last item is removed; the committee service keeps its tombstone.
    let removed_item = spring_items[4].clone();
    spring
        .delete(&secretary, &format!("/agenda-items/{removed_item}"))
        .await
        .expect(StatusCode::OK);
    // Who came: Lena, Jonas as a guest, Nina (no consent), Willi (withdraws below), and an
    // office that sent apologies.
    spring
        .put(
            &secretary,
            "/attendance",
            json!({"entries": [
                {"person_id": lena, "status": "present"},
                {"person_id": jonas, "status": "guest"},
                {"person_id": hidden_person, "status": "present"},
                {"person_id": withdrawn, "status": "present"},
                {"organization_id": OFFICES[0], "status": "excused"}]}),
        )
        .await
        .expect(StatusCode::OK);
    let (spring, closed, cancelled) = (spring.id, closed.id, cancelled.id);

    let (guideline, recommendation, event_topic, scheduled_topic) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    for (id, state, title) in [
        (guideline, "adopted", "Richtlinie Hilfeplanung"),
        (
            recommendation,
            "adopted_with_changes",
            "Empfehlung Fallkonferenzen",
        ),
        (event_topic, "adopted", "Fachtag Übergänge"),
        (scheduled_topic, "scheduled", "Bericht AK Personal"),
    ] {
        app.execute(&format!(
            "INSERT INTO topics (id, origin_body_id, state, title, created_by) VALUES ('{id}', '{working_group}', '{state}', '{title}', 'test')")).await;
    }
    for (topic, kind) in [
        (guideline, "guideline"),
        (recommendation, "recommendation"),
        (event_topic, "event"),
    ] {
        app.execute(&format!(
            "INSERT INTO decisions (id, meeting_id, topic_id, kind, title, text, decided_on, created_by) \
             VALUES ('{}', '{spring}', '{topic}', '{kind}', 'Beschluss', 'Der Forum beschließt.', '2027-03-17', 'test')",
            Uuid::now_v7())).await;
    }
    for (item, topic) in [
        (&spring_items[2], guideline),
        (&preparation_items[0], guideline),
        (&closed_items[1], guideline),
        (&spring_items[3], scheduled_topic),
        (&spring_items[1], recommendation),
    ] {
        app.execute(&format!(
            "UPDATE agenda_items SET topic_id = '{topic}' WHERE id = '{item}'"
        ))
        .await;
    }
    // Willi withdraws his consent; the committee service keeps his tombstone.
    secretary
        .put(&format!("/v1/people/{withdrawn}/publication-consent"))
        .json(&json!({"consent": false}))
        .send()
        .await
        .expect(StatusCode::OK);
    // OParl lists hold back what changed since the oldest transaction still running began.
    app.settle_transactions().await;

    Seeded {
        forum,
        working_group,
        lena,
        jonas,
        hidden_person,
        withdrawn,
        steering,
        lena_seat,
        lena_guest_seat,
        hidden_seat,
        withdrawn_seat,
        spring,
        spring_items,
        preparation,
        closed,
        closed_items,
        cancelled,
        removed_item,
        guideline,
        recommendation,
        event_topic,
        scheduled_topic,
        term,
    }
}

fn url(app: &TestApp, segment: &str, id: impl std::fmt::Display) -> String {
    format!("{}/oparl/v1/{segment}/{id}", app.base)
}

#[tokio::test]
async fn everything_the_interface_emits_conforms_to_oparl_1_1() {
    let app = spawn().await;
    let s = seed(&app).await;
    let schemas = Schemas::load();
    let seen = walk(&app, &schemas).await;
    check_integrity(&app, &schemas, &seen).await;

    // Committees: all of them, the dissolved working group with its end.
    let organizations = seen.ids_of("Organization");
    assert_eq!(organizations.len(), 11);
    let group = seen.object(&url(&app, "organization", &s.working_group));
    assert_eq!(group["endDate"], "2026-12-31");
    assert_eq!(group["organizationType"], "Gremium");
    assert_eq!(group["classification"], "Arbeitskreis");
    let forum = seen.object(&url(&app, "organization", &s.forum));
    assert_eq!(forum["name"], "Forum Jugendhilfe");
    // A committee lists the seats of consenting people only.
    assert_eq!(
        forum["membership"],
        json!([url(&app, "membership", &s.lena_seat)])
    );
    let steering = seen.object(&url(&app, "organization", &s.steering));
    assert_eq!(steering["membership"], json!([]));

    // Each committee links the list of its public meetings: together they are the body's
    // meeting list, each meeting as listed there, in id order, paged with its filters.
    let mut by_committee = Vec::new();
    for id in seen.ids_of("Organization") {
        let committee = seen.object(id);
        let list = committee["meeting"].as_str().unwrap();
        assert_eq!(list, format!("{id}/meeting"));
        let meetings = read_list(&app, &with_query(list, "limit=1")).await;
        let ids: Vec<&str> = meetings.iter().map(|m| m["id"].as_str().unwrap()).collect();
        let mut sorted = ids.clone();
        sorted.sort_by_key(|id| Uuid::parse_str(id.rsplit('/').next().unwrap()).unwrap());
        assert_eq!(ids, sorted);
        for meeting in &meetings {
            assert_eq!(meeting, seen.object(meeting["id"].as_str().unwrap()));
            assert_eq!(meeting["organization"], json!([id]));
            by_committee.push(meeting["id"].as_str().unwrap().to_string());
        }
    }
    by_committee.sort();
    let mut all: Vec<String> = seen
        .ids_of("Meeting")
        .into_iter()
        .map(String::from)
        .collect();
    all.sort();
    assert_eq!(by_committee, all);
    let forum_meetings = read_list(&app, forum["meeting"].as_str().unwrap()).await;
    let mut forum_ids: Vec<&str> = forum_meetings
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    forum_ids.sort();
    let mut expected = vec![
        url(&app, "meeting", &s.spring),
        url(&app, "meeting", &s.cancelled),
    ];
    expected.sort();
    assert_eq!(forum_ids, expected, "the closed meeting stays hidden");
    get(
        &app,
        &format!("{}/meeting", url(&app, "organization", Uuid::now_v7())),
    )
    .await
    .expect(StatusCode::NOT_FOUND);

    // People: the consented ones, the withdrawn one as a tombstone.
    let lena = seen.object(&url(&app, "person", s.lena));
    assert_eq!(lena["name"], "Lena Hofmann");
    // Her seats are embedded, earliest start first (the same day: in order of creation).
    let seats: Vec<(&str, &str)> = lena["membership"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["id"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    let (forum_seat, guest_seat) = (
        url(&app, "membership", &s.lena_seat),
        url(&app, "membership", &s.lena_guest_seat),
    );
    assert_eq!(
        seats,
        vec![
            (forum_seat.as_str(), "Mitglied"),
            (guest_seat.as_str(), "Gast")
        ]
    );
    assert_eq!(seen.ids_of("Person").len(), 3);
    let withdrawn = seen.object(&url(&app, "person", s.withdrawn));
    assert_eq!(withdrawn["deleted"], true);

    // Memberships of consented people; the withdrawn person's seat went with him.
    assert_eq!(seen.ids_of("Membership").len(), 4);
    let seat = seen.object(&url(&app, "membership", &s.lena_seat));
    assert_eq!(seat["role"], "Mitglied");
    assert_eq!(seat["votingRight"], true);
    assert_eq!(seat["organization"], url(&app, "organization", &s.forum));
    let gone = seen.object(&url(&app, "membership", &s.withdrawn_seat));
    assert_eq!(gone["deleted"], true);
    assert_eq!(gone["modified"], withdrawn["modified"]);

    // Public meetings with their public agenda; the cancelled one says so.
    assert_eq!(seen.ids_of("Meeting").len(), 3);
    let spring = seen.object(&url(&app, "meeting", &s.spring));
    assert_eq!(spring["name"], "Forum Jugendhilfe, Frühjahrssitzung");
    assert_eq!(spring["cancelled"], false);
    assert_eq!(
        spring["location"]["description"],
        "Landratsamt Künzelsau, Sitzungssaal"
    );
    let agenda: Vec<(&str, i64)> = spring["agendaItem"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["name"].as_str().unwrap(), i["order"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        agenda,
        vec![
            ("Begrüßung", 1),
            ("Richtlinie Hilfeplanung", 3),
            ("Bericht AK Personal", 4)
        ]
    );
    // Participants: present or guests, with consent, by family name; not the excused office,
    // not Nina (no consent), not Willi (withdrawn).
    assert_eq!(
        spring["participant"],
        json!([url(&app, "person", s.lena), url(&app, "person", s.jonas)])
    );
    let cancelled = seen.object(&url(&app, "meeting", &s.cancelled));
    assert_eq!(cancelled["cancelled"], true);
    assert_eq!(cancelled["meetingState"], "abgesagt");

    // The removed agenda item stays as a tombstone.
    let removed = seen.object(&url(&app, "agenda-item", &s.removed_item));
    assert_eq!(removed["deleted"], true);
    assert!(
        seen.ids_of("AgendaItem")
            .contains(&url(&app, "agenda-item", &s.removed_item).as_str())
    );

    // Papers: the guideline and the recommendation, nothing else.
    let papers: HashSet<&str> = seen.ids_of("Paper").into_iter().collect();
    let expected = [
        url(&app, "paper", s.guideline),
        url(&app, "paper", s.recommendation),
    ];
    assert_eq!(papers, expected.iter().map(String::as_str).collect());
    let guideline = seen.object(&expected[0]);
    assert_eq!(guideline["paperType"], "Richtlinie");
    assert_eq!(guideline["date"], "2027-03-17");
    assert!(
        guideline["reference"]
            .as_str()
            .unwrap()
            .starts_with("RL 2027/")
    );
    assert_eq!(seen.object(&expected[1])["paperType"], "Empfehlung");
    // Deliberated in the steering group first, decided by the Forum; not in the closed meeting.
    let consultations: Vec<(&str, bool, &str)> = guideline["consultation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["meeting"].as_str().unwrap(),
                c["authoritative"].as_bool().unwrap(),
                c["role"].as_str().unwrap(),
            )
        })
        .collect();
    let (preparation, spring_url) = (
        url(&app, "meeting", &s.preparation.id),
        url(&app, "meeting", &s.spring),
    );
    assert_eq!(
        consultations,
        vec![
            (preparation.as_str(), false, "Vorberatung"),
            (spring_url.as_str(), true, "Beschlussfassung")
        ]
    );
    let item = seen.object(&url(&app, "agenda-item", &s.spring_items[2]));
    assert_eq!(
        item["consultation"],
        url(&app, "consultation", &s.spring_items[2])
    );
    // An item on an unpublished topic links no consultation.
    let unpublished = seen.object(&url(&app, "agenda-item", &s.spring_items[3]));
    assert!(unpublished.get("consultation").is_none());

    // The management term as legislative term, embedded in the body too.
    let term = seen.object(&url(&app, "legislative-term", &s.term));
    assert_eq!(term["name"], "Geschäftsführung 2027–2028 (Jugendamt A)");
    assert_eq!(term["startDate"], "2027-01-01");
    assert_eq!(term["endDate"], "2028-12-31");
    let body = seen.object(&format!("{}/oparl/v1/body/region", app.base));
    assert_eq!(body["legislativeTerm"][0], *term);
    app.stop().await;
}

#[tokio::test]
async fn closed_content_and_people_without_consent_never_appear() {
    let app = spawn().await;
    let s = seed(&app).await;
    let schemas = Schemas::load();
    let seen = walk(&app, &schemas).await;
    let everything: String = seen
        .objects
        .values()
        .flatten()
        .map(|(_, object)| object.to_string())
        .collect();
    let hidden = [
        url(&app, "person", s.hidden_person),
        url(&app, "membership", &s.hidden_seat),
        url(&app, "meeting", &s.closed),
        url(&app, "location", &s.closed),
        url(&app, "agenda-item", &s.closed_items[0]),
        url(&app, "agenda-item", &s.closed_items[1]),
        url(&app, "consultation", &s.closed_items[1]),
        url(&app, "agenda-item", &s.spring_items[1]),
        url(&app, "consultation", &s.spring_items[1]),
        url(&app, "paper", s.event_topic),
        url(&app, "paper", s.scheduled_topic),
        url(&app, "consultation", &s.spring_items[3]),
        url(&app, "person", Uuid::now_v7()),
        url(&app, "meeting", "not-a-uuid"),
    ];
    for url in &hidden {
        get(&app, url).await.expect(StatusCode::NOT_FOUND);
        assert!(!everything.contains(url), "{url} appears somewhere");
    }
    for text in [
        "Verborgen",
        "Personalangelegenheiten",
        "Interna",
        "Klausur",
        "Fachtag",
    ] {
        assert!(!everything.contains(text), "{text} appears somewhere");
    }
    // The withdrawn person left nothing but tombstones.
    assert!(!everything.contains("Widerruf"));
    let withdrawn = get_ok(&app, &url(&app, "person", s.withdrawn)).await;
    assert_eq!(withdrawn["deleted"], true);
    assert_eq!(
        withdrawn.as_object().unwrap().len(),
        TOMBSTONE_KEYS.len(),
        "{withdrawn}"
    );
    // Seats without a person (the management's chairs) are not published either.
    for id in seen.ids_of("Membership") {
        let seat = seen.object(id);
        assert!(
            seat.get("person").is_some() || seat["deleted"] == true,
            "{seat}"
        );
    }
    // Consent given again: the person is back, the tombstone gone.
    secretary(&app)
        .put(&format!("/v1/people/{}/publication-consent", s.withdrawn))
        .json(&json!({"consent": true}))
        .send()
        .await
        .expect(StatusCode::OK);
    let back = get_ok(&app, &url(&app, "person", s.withdrawn)).await;
    assert_eq!(back["name"], "Willi Widerruf");
    assert!(back.get("deleted").is_none());
    let seat = get_ok(&app, &url(&app, "membership", &s.withdrawn_seat)).await;
    assert_eq!(seat["role"], "Mitglied");
    assert_eq!(back["membership"], json!([seat]));
    // His committee lists his seat again, the meeting names him, and both count as changed.
    let steering = get_ok(&app, &url(&app, "organization", &s.steering)).await;
    assert_eq!(steering["membership"], json!([seat["id"]]));
    let spring = get_ok(&app, &url(&app, "meeting", &s.spring)).await;
    assert!(
        spring["participant"]
            .as_array()
            .unwrap()
            .contains(&json!(url(&app, "person", s.withdrawn)))
    );
    for object in [&steering, &spring] {
        assert_eq!(object["modified"], back["modified"], "{object}");
    }
    app.stop().await;
}

#[tokio::test]
async fn lists_keep_their_filters_across_pages_and_report_changes() {
    let app = spawn().await;
    let mut s = seed(&app).await;
    let list =
        |kind: &str, query: &str| format!("{}/oparl/v1/body/region/{kind}?{query}", app.base);
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let since = chrono::Utc::now();
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    // Only the preparation meeting changes: a new agenda item.
    s.preparation
        .post(
            &secretary(&app),
            "/agenda-items",
            json!({"title": "Termine 2028"}),
        )
        .await
        .expect(StatusCode::OK);
    app.settle_transactions().await;
    let since_text = since.to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let encoded = since_text.replace(':', "%3A");

    let changed = read_list(&app, &list("meeting", &format!("modified_since={encoded}"))).await;
    let ids: Vec<&str> = changed.iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, vec![url(&app, "meeting", &s.preparation.id)]);
    let items = read_list(
        &app,
        &list("agenda-item", &format!("modified_since={encoded}")),
    )
    .await;
    let names: HashSet<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert!(names.contains("Termine 2028"), "{names:?}");
    for item in &items {
        assert_eq!(item["meeting"], url(&app, "meeting", &s.preparation.id));
    }
    let before = read_list(&app, &list("meeting", &format!("modified_until={encoded}"))).await;
    assert_eq!(before.len(), 2);

    // Filters, page size and omit_internal travel in every next link.
    let query = "created_since=2020-01-01T00%3A00%3A00%2B01%3A00\
        &modified_until=2099-01-01T00%3A00%3A00Z&limit=1&omit_internal=true";
    let mut next = Some(list("meeting", query));
    let mut seen = Vec::new();
    while let Some(url) = next {
        let page = get_ok(&app, &url).await;
        assert_eq!(page["pagination"]["elementsPerPage"], 1);
        for object in page["data"].as_array().unwrap() {
            assert!(
                object.get("agendaItem").is_none(),
                "omit_internal: {object}"
            );
            seen.push(object["id"].as_str().unwrap().to_string());
        }
        next = page["links"]["next"].as_str().map(str::to_string);
        if let Some(next) = &next {
            for part in [
                "created_since=2019-12-31T23%3A00%3A00Z",
                "modified_until=2099-01-01T00%3A00%3A00Z",
                "limit=1",
                "omit_internal=true",
                "cursor=",
            ] {
                assert!(next.contains(part), "{part} missing in {next}");
            }
        }
    }
    assert_eq!(seen.len(), 3);
    let none = read_list(
        &app,
        &list("meeting", "created_since=2099-01-01T00%3A00%3A00Z"),
    )
    .await;
    assert!(none.is_empty());
    // An unencoded `+` arrives as a space and is still understood.
    let plus = read_list(
        &app,
        &list("organization", "created_since=2020-01-01T00:00:00+01:00"),
    )
    .await;
    assert_eq!(plus.len(), 11);
    // Papers and their embedded consultations; with omit_internal without them.
    let papers = read_list(&app, &list("paper", "omit_internal=true")).await;
    assert!(papers.iter().all(|p| p.get("consultation").is_none()));
    let people = read_list(&app, &list("person", "omit_internal=true")).await;
    assert!(!people.is_empty());
    assert!(people.iter().all(|p| p.get("membership").is_none()));
    let bodies = read_list(
        &app,
        &format!(
            "{}/oparl/v1/body?modified_since=2099-01-01T00%3A00%3A00Z",
            app.base
        ),
    )
    .await;
    assert!(bodies.is_empty());

    // Bad parameters are problems.
    for (query, status, pointer) in [
        (
            "created_since=yesterday",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/query/created_since"),
        ),
        (
            "modified_until=2027-01-01",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/query/modified_until"),
        ),
        (
            "limit=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/query/limit"),
        ),
        (
            "cursor=garbage",
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("/query/cursor"),
        ),
        ("limit=many", StatusCode::BAD_REQUEST, None),
        ("page=2", StatusCode::BAD_REQUEST, None),
    ] {
        let problem = get(&app, &list("meeting", query)).await;
        problem.expect(status);
        if let Some(pointer) = pointer {
            assert_eq!(problem.body["errors"][0]["pointer"], pointer, "{query}");
        }
    }
    let capped = get_ok(&app, &list("meeting", "limit=100000")).await;
    assert_eq!(capped["pagination"]["elementsPerPage"], 200);
    app.stop().await;
}

#[tokio::test]
async fn any_web_page_may_read_the_interface() {
    let app = spawn().await;
    let web_page = app.anonymous();
    let from_the_web = |request: Request| request.header("Origin", "https://ratsinfo.example");
    let read = from_the_web(web_page.get("/oparl/v1/system")).send().await;
    read.expect(StatusCode::OK);
    assert_eq!(read.header("access-control-allow-origin"), Some("*"));
    let preflight =
        from_the_web(web_page.request(Method::OPTIONS, "/oparl/v1/body/region/meeting"))
            .header("Access-Control-Request-Method", "GET")
            .header("Access-Control-Request-Headers", "accept")
            .send()
            .await;
    assert!(preflight.status.is_success(), "{}", preflight.status);
    assert_eq!(preflight.header("access-control-allow-origin"), Some("*"));
    assert!(
        preflight
            .header("access-control-allow-methods")
            .unwrap()
            .contains("GET")
    );
    let missing = from_the_web(web_page.get(&format!("/oparl/v1/meeting/{}", Uuid::now_v7())))
        .send()
        .await;
    missing.expect(StatusCode::NOT_FOUND);
    assert_eq!(missing.header("access-control-allow-origin"), Some("*"));
    // The rest of the API keeps its configured origins.
    let other = from_the_web(web_page.request(Method::OPTIONS, "/v1/bodies"))
        .header("Access-Control-Request-Method", "GET")
        .send()
        .await;
    assert!(other.header("access-control-allow-origin").is_none());
    // Writing is not part of it.
    web_page
        .post("/oparl/v1/system")
        .json(&json!({}))
        .send()
        .await
        .expect(StatusCode::METHOD_NOT_ALLOWED);
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_the_interface() {
    let app = spawn().await;
    let api = secretary(&app).get("/openapi.json").send().await;
    let api = api.expect(StatusCode::OK);
    let paths = api["paths"].as_object().unwrap();
    let oparl: Vec<&String> = paths
        .keys()
        .filter(|p| p.starts_with("/oparl/v1/"))
        .collect();
    assert_eq!(oparl.len(), 22, "{oparl:?}");
    for path in oparl {
        let operation = &paths[path]["get"];
        assert_eq!(operation["tags"][0], "oparl", "{path}");
        assert_eq!(operation["security"], json!([{}]), "{path}");
        assert!(operation["responses"].get("401").is_none(), "{path}");
        assert!(operation["description"].is_string() || operation["summary"].is_string());
    }
    let schema = &api["components"]["schemas"]["OparlMeeting"];
    assert!(schema["example"].is_object(), "{schema}");
    // Served from the copy built at start: the same document the generator writes, every time.
    assert_eq!(
        *api,
        serde_json::to_value(qmf_committee::openapi()).unwrap()
    );
    let again = secretary(&app).get("/openapi.json").send().await;
    assert_eq!(again.expect(StatusCode::OK), api);
    app.stop().await;
}

#[test]
fn the_schema_check_catches_what_oparl_forbids() {
    let schemas = Schemas::load();
    let stamps =
        json!({"created": "2027-01-01T10:00:00+01:00", "modified": "2027-01-02T10:00:00Z"});
    let object = |fields: Value| {
        let mut object = stamps.clone();
        object
            .as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        object
    };
    let item = object(json!({"id": "https://qmf.example/oparl/v1/agenda-item/1",
        "type": "https://schema.oparl.org/1.1/AgendaItem", "order": 1}));
    let meeting = object(json!({"id": "https://qmf.example/oparl/v1/meeting/1",
        "type": "https://schema.oparl.org/1.1/Meeting", "start": "2027-03-17T09:00:00Z",
        "agendaItem": [item.clone()]}));
    let problems =
        |kind: &str, object: &Value| schemas.problems(kind, object, &mut Seen::default());
    assert_eq!(problems("Meeting", &meeting), Vec::<String>::new());

    let mut bad = Vec::new();
    let mut change = |path: &[&str], value: Value| {
        let mut changed = meeting.clone();
        let mut target = &mut changed;
        for (i, key) in path.iter().enumerate() {
            if i + 1 == path.len() {
                if value.is_null() {
                    target.as_object_mut().unwrap().remove(*key);
                } else {
                    target[*key] = value.clone();
                }
            } else {
                target = if let Ok(index) = key.parse::<usize>() {
                    &mut target[index]
                } else {
                    &mut target[*key]
                };
            }
        }
        bad.push(changed);
    };
    change(&["start"], json!("2027-03-17"));
    change(&["id"], json!("meeting/1"));
    change(&["type"], json!("https://schema.oparl.org/1.0/Meeting"));
    change(&["modified"], Value::Null);
    change(
        &["organization"],
        json!("https://qmf.example/oparl/v1/organization/1"),
    );
    change(&["agendaItem", "0", "order"], json!("1"));
    change(&["agendaItem", "0", "created"], Value::Null);
    change(&["agendaItem", "0", "meeting"], json!("not a url"));
    change(&["deleted"], json!(false));
    change(&["deleted"], json!(true));
    for object in &bad {
        assert!(
            !problems("Meeting", object).is_empty(),
            "not caught: {object:#}"
        );
    }
    // A tombstone keeps only its identity and stamps.
    let tombstone = object(json!({"id": "https://qmf.example/oparl/v1/agenda-item/2",
        "type": "https://schema.oparl.org/1.1/AgendaItem", "deleted": true}));
    assert_eq!(problems("AgendaItem", &tombstone), Vec::<String>::new());
}
