//! The demo's committee work, written through the committee API by the people who do it: a
//! management term for the first youth office, seats in the Forum, the steering group and the
//! AK QMF, and topics of the AK QMF at every step of their route — a draft, one submitted to
//! the steering group, one referred back, one forwarded and on the agenda of the next Forum
//! meeting, and two the Forum adopted as decisions. Two Forum meetings were held (agenda,
//! attendance, minutes; the earlier with approved minutes and an expert day decided without a
//! topic), and the steering group and the AK QMF met too.

use std::time::{Duration, Instant};

use chrono::{Datelike, Days, NaiveDate};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::Result;
use crate::ctx::Ctx;
use crate::seed::Api;
use crate::token::{self, Role};

/// How long a write waits for the organisations and people it names to reach the committee
/// service (they arrive by the directory's events).
const DIRECTORY_TIMEOUT: Duration = Duration::from_secs(30);

const MONTHS: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];

/// A person with a seat, and their organisation.
#[derive(Clone, Copy)]
struct Seat {
    person: Uuid,
    organization: Uuid,
}

/// Seeds the committee demo unless the committee service has topics; returns a line for the
/// banner.
pub fn run(
    ctx: &Ctx,
    directory_url: &str,
    committee_url: &str,
    admin_token: &str,
) -> Result<String> {
    let directory = Api::new(directory_url, admin_token)?;
    let secretary = Api::new(
        committee_url,
        &token::mint(
            ctx,
            &[Role::CommitteeSecretary],
            None,
            Some("demo-secretary"),
        )?,
    )?;
    let topics = secretary.get("/v1/topics?limit=1")?;
    if topics["items"]
        .as_array()
        .is_some_and(|items| !items.is_empty())
    {
        return Ok("committee demo: topics exist; nothing seeded".into());
    }
    let today = chrono::Utc::now().date_naive();
    let bodies = secretary.get("/v1/bodies?limit=200")?;
    let body = |name: &str| -> Result<String> {
        bodies["items"]
            .as_array()
            .and_then(|items| items.iter().find(|b| b["name"] == name))
            .and_then(|b| b["id"].as_str())
            .map(str::to_string)
            .ok_or_else(|| format!("the committee service has no body {name:?}").into())
    };
    let (forum, steering, ak_qmf) = (
        body("Forum Jugendhilfe")?,
        body("Steuerungsgruppe")?,
        body("AK QMF")?,
    );

    // Who sits where: the leaders of the youth offices and of four institutions in the Forum,
    // two of each in the steering group; in the AK QMF an institution's coordinator speaks.
    let offices = organizations(&directory, "youth_office", 100)?;
    let institutions = organizations(&directory, "institution&has_valid_agreement=true", 4)?;
    if offices.len() < 3 || institutions.len() < 2 {
        return Err(
            "the directory needs three youth offices and two institutions with an agreement".into(),
        );
    }
    let leaders: Vec<Seat> = offices
        .iter()
        .chain(&institutions)
        .map(|org| seat_of(&directory, *org, "leader"))
        .collect::<Result<Vec<Option<Seat>>>>()?
        .into_iter()
        .flatten()
        .collect();
    let managing_office = offices[0];
    let since = NaiveDate::from_ymd_opt(today.year() - 1, 1, 1).ok_or("no date")?;
    let mut counts = Counts::default();

    // The management term of the first youth office; it chairs the Forum and the steering group.
    let terms = secretary.get("/v1/management-terms")?;
    if terms["items"].as_array().is_none_or(Vec::is_empty) {
        waiting(
            &secretary,
            Method::POST,
            "/v1/management-terms",
            &json!({"office_id": managing_office, "start_on": since}),
            None,
            StatusCode::CREATED,
        )?;
    }
    for seat in &leaders {
        membership(&secretary, &forum, *seat, "member", since)?;
        counts.memberships += 1;
    }
    for seat in leaders
        .iter()
        .skip(1)
        .take(2)
        .chain(leaders.iter().skip(offices.len()).take(2))
    {
        membership(&secretary, &steering, *seat, "member", since)?;
        counts.memberships += 1;
    }
    let speaker = seat_of(&directory, institutions[0], "qmf_coordinator")?
        .or(seat_of(&directory, institutions[0], "leader")?)
        .ok_or("the first institution has no staff")?;
    let member = seat_of(&directory, managing_office, "qmf_coordinator")?
        .or(seat_of(&directory, managing_office, "leader")?)
        .ok_or("the managing youth office has no staff")?;
    membership(&secretary, &ak_qmf, speaker, "speaker", since)?;
    membership(&secretary, &ak_qmf, member, "member", since)?;
    counts.memberships += 2;

    let as_member = Api::new(
        committee_url,
        &token::mint(
            ctx,
            &[Role::YouthOfficeStaff],
            Some(member.organization),
            Some(&member.person.to_string()),
        )?,
    )?;
    let as_speaker = Api::new(
        committee_url,
        &token::mint(
            ctx,
            &[Role::InstitutionStaff],
            Some(speaker.organization),
            Some(&speaker.person.to_string()),
        )?,
    )?;
    // The managing youth office chairs the steering group; its staff deliberate for it.
    let as_chair = Api::new(
        committee_url,
        &token::mint(
            ctx,
            &[Role::YouthOfficeStaff],
            Some(managing_office),
            Some("demo-steering-chair"),
        )?,
    )?;
    let route = Route {
        secretary: &secretary,
        member: &as_member,
        speaker: &as_speaker,
        chair: &as_chair,
        ak_qmf: &ak_qmf,
    };

    // Meetings of the steering group and the AK QMF: one held, one coming.
    for (body_id, name, place) in [
        (
            &steering,
            "Steuerungsgruppe",
            "Landratsamt Heilbronn, Raum 2.14",
        ),
        (
            &ak_qmf,
            "AK QMF",
            "Jugendamt Schwäbisch Hall, Besprechungsraum",
        ),
    ] {
        let held = meeting(
            &secretary,
            body_id,
            name,
            today - Days::new(60),
            place,
            false,
        )?;
        agenda_item(&secretary, &held, "Bericht aus den Arbeitskreisen", true)?;
        agenda_item(&secretary, &held, "Themen für das Forum", true)?;
        hold(&secretary, &held, &leaders, false)?;
        let coming = meeting(
            &secretary,
            body_id,
            name,
            today + Days::new(30),
            place,
            false,
        )?;
        agenda_item(&secretary, &coming, "Planung des nächsten Forums", true)?;
        counts.meetings += 2;
    }

    // The earlier Forum meeting adopted a recommendation of the AK QMF and an expert day.
    let first = meeting(
        &secretary,
        &forum,
        "Forum Jugendhilfe",
        today - Days::new(250),
        "Landratsamt Künzelsau, Sitzungssaal",
        true,
    )?;
    let mut adopted = route.forwarded(
        "Empfehlung: Übergänge von der Schule in die Jugendhilfe",
        "Das Forum empfiehlt den Jugendämtern und Einrichtungen, Übergänge mit einer gemeinsamen \
         Fallkonferenz von Schule, Jugendamt und Einrichtung vorzubereiten.",
    )?;
    route.schedule(&mut adopted, &first)?;
    agenda_item(&secretary, &first, "Bericht der Gesamtkoordination", true)?;
    hold(&secretary, &first, &leaders, true)?;
    route.decide(&mut adopted, "recommendation", "Empfehlung Übergänge Schule–Jugendhilfe",
        "Das Forum beschließt die Empfehlung des AK QMF zu Übergängen von der Schule in die Jugendhilfe.")?;
    call(
        &secretary,
        Method::POST,
        &format!("/v1/meetings/{first}/decisions"),
        &json!({"kind": "event", "title": "Fachtag Inklusion",
            "text": "Das Forum richtet im kommenden Jahr einen Fachtag zur inklusiven Jugendhilfe aus."}),
        Some(&etag_of(&secretary, &format!("/v1/meetings/{first}"))?),
        StatusCode::CREATED,
    )?;
    minutes(&secretary, &first, true)?;
    counts.decisions += 2;

    // The later one adopted a guideline; its minutes wait for approval.
    let second = meeting(
        &secretary,
        &forum,
        "Forum Jugendhilfe",
        today - Days::new(45),
        "Landratsamt Heilbronn, Sitzungssaal",
        true,
    )?;
    let mut guideline = route.forwarded(
        "Richtlinie: Beteiligung junger Menschen am Hilfeplan",
        "Junge Menschen werden vor jedem Hilfeplangespräch in ihrer Sprache informiert und \
         können eine Vertrauensperson mitbringen.",
    )?;
    route.schedule(&mut guideline, &second)?;
    hold(&secretary, &second, &leaders, true)?;
    route.decide(
        &mut guideline,
        "guideline",
        "Richtlinie Beteiligung im Hilfeplan",
        "Das Forum beschließt die Richtlinie zur Beteiligung junger Menschen am Hilfeplan.",
    )?;
    minutes(&secretary, &second, false)?;
    counts.decisions += 1;

    // The next one is invited, with a forwarded topic on its agenda.
    let next = meeting(
        &secretary,
        &forum,
        "Forum Jugendhilfe",
        today + Days::new(100),
        "Rathaus Tauberbischofsheim, Großer Saal",
        true,
    )?;
    let mut on_agenda = route.forwarded(
        "Empfehlung: Kooperation mit der Kinder- und Jugendpsychiatrie",
        "Das Forum empfiehlt gemeinsame Fallkonferenzen von Jugendämtern, Einrichtungen und \
         Kliniken vor jeder Entlassung in eine Hilfe.",
    )?;
    route.schedule(&mut on_agenda, &next)?;
    agenda_item(&secretary, &next, "Bericht der Geschäftsführung", true)?;
    call(
        &secretary,
        Method::POST,
        &format!("/v1/meetings/{next}/invitations"),
        &json!({"message": "Die Unterlagen zu den Tagesordnungspunkten folgen."}),
        Some(&etag_of(&secretary, &format!("/v1/meetings/{next}"))?),
        StatusCode::OK,
    )?;
    counts.meetings += 3;

    // Topics still on their way.
    let mut referred = route.draft(
        "Empfehlung: Personalgewinnung in der Jugendhilfe",
        "Gemeinsame Stellenbörse und Praxissemester-Plätze in der Region.",
    )?;
    route.step(route.speaker, &mut referred, json!({"action": "submit"}))?;
    route.step(
        route.chair,
        &mut referred,
        json!({"action": "refer_back",
        "reason": "Bitte die Rolle der Hochschulen ergänzen."}),
    )?;
    let mut submitted = route.draft(
        "Empfehlung: Qualitätsberichte vereinheitlichen",
        "Eine gemeinsame Gliederung für die Qualitätsberichte der Einrichtungen.",
    )?;
    route.step(route.speaker, &mut submitted, json!({"action": "submit"}))?;
    route.draft(
        "Empfehlung: Hilfeplanung in leichter Sprache",
        "Vorlagen und Einladungen zum Hilfeplangespräch in leichter Sprache.",
    )?;
    counts.topics = 6;

    Ok(format!(
        "committee demo: a management term, {} memberships, {} meetings (3 of the Forum), {} \
         topics along the route (draft, submitted, referred back, scheduled, 2 adopted), {} \
         decisions",
        counts.memberships, counts.meetings, counts.topics, counts.decisions
    ))
}

#[derive(Default)]
struct Counts {
    memberships: usize,
    meetings: usize,
    topics: usize,
    decisions: usize,
}

/// The actors of a topic's route and the working group the topics come from.
struct Route<'a> {
    secretary: &'a Api,
    member: &'a Api,
    speaker: &'a Api,
    chair: &'a Api,
    ak_qmf: &'a str,
}

/// A topic and its current ETag.
struct Topic {
    id: String,
    etag: String,
}

impl Route<'_> {
    fn draft(&self, title: &str, text: &str) -> Result<Topic> {
        let (etag, created) = call(
            self.member,
            Method::POST,
            &format!("/v1/bodies/{}/topics", self.ak_qmf),
            &json!({"title": title, "text": text}),
            None,
            StatusCode::CREATED,
        )?;
        Ok(Topic {
            id: created["id"].as_str().unwrap_or_default().to_string(),
            etag: etag.unwrap_or_default(),
        })
    }

    fn step(&self, api: &Api, topic: &mut Topic, body: Value) -> Result<()> {
        let (etag, _) = call(
            api,
            Method::POST,
            &format!("/v1/topics/{}/transitions", topic.id),
            &body,
            Some(&topic.etag),
            StatusCode::OK,
        )?;
        topic.etag = etag.unwrap_or_default();
        Ok(())
    }

    /// Drafted, submitted by the speaker and forwarded by the steering group.
    fn forwarded(&self, title: &str, text: &str) -> Result<Topic> {
        let mut topic = self.draft(title, text)?;
        self.step(self.speaker, &mut topic, json!({"action": "submit"}))?;
        self.step(self.chair, &mut topic, json!({"action": "forward"}))?;
        Ok(topic)
    }

    fn schedule(&self, topic: &mut Topic, meeting: &str) -> Result<()> {
        self.step(
            self.secretary,
            topic,
            json!({"action": "schedule", "meeting_id": meeting}),
        )
    }

    fn decide(&self, topic: &mut Topic, kind: &str, title: &str, text: &str) -> Result<()> {
        self.step(
            self.secretary,
            topic,
            json!({"action": "decide", "outcome": "adopted",
            "decision": {"kind": kind, "title": title, "text": text}}),
        )
    }
}

/// Plans a meeting of `body` on `day`, 9 to 13 o'clock (UTC); its id.
fn meeting(
    api: &Api,
    body: &str,
    name: &str,
    day: NaiveDate,
    place: &str,
    public: bool,
) -> Result<String> {
    let month = MONTHS[day.month0() as usize];
    let (_, created) = call(
        api,
        Method::POST,
        &format!("/v1/bodies/{body}/meetings"),
        &json!({"title": format!("{name}, {month} {}", day.year()),
            "starts_at": format!("{day}T08:00:00Z"), "ends_at": format!("{day}T12:00:00Z"),
            "place": place, "public": public}),
        None,
        StatusCode::CREATED,
    )?;
    Ok(created["id"].as_str().unwrap_or_default().to_string())
}

fn agenda_item(api: &Api, meeting: &str, title: &str, public: bool) -> Result<()> {
    let etag = etag_of(api, &format!("/v1/meetings/{meeting}"))?;
    call(
        api,
        Method::POST,
        &format!("/v1/meetings/{meeting}/agenda-items"),
        &json!({"title": title, "public": public}),
        Some(&etag),
        StatusCode::OK,
    )?;
    Ok(())
}

/// Invites (where still planned), marks the meeting held and records who came: the seats of
/// the meeting's body that the demo knows, the last of them excused.
fn hold(api: &Api, meeting: &str, seats: &[Seat], invite: bool) -> Result<()> {
    let path = format!("/v1/meetings/{meeting}");
    if invite {
        call(
            api,
            Method::POST,
            &format!("{path}/invitations"),
            &json!({}),
            Some(&etag_of(api, &path)?),
            StatusCode::OK,
        )?;
    }
    call(
        api,
        Method::POST,
        &format!("{path}/transitions"),
        &json!({"transition": "mark_held"}),
        Some(&etag_of(api, &path)?),
        StatusCode::OK,
    )?;
    let mut entries: Vec<Value> = seats
        .iter()
        .map(|s| json!({"organization_id": s.organization, "person_id": s.person, "status": "present"}))
        .collect();
    if let Some(last) = entries.last_mut() {
        *last = json!({"organization_id": last["organization_id"], "status": "excused"});
    }
    entries.push(json!({"name": "Gast der Kinder- und Jugendpsychiatrie", "status": "guest"}));
    call(
        api,
        Method::PUT,
        &format!("{path}/attendance"),
        &json!({"entries": entries}),
        Some(&etag_of(api, &path)?),
        StatusCode::OK,
    )?;
    Ok(())
}

fn minutes(api: &Api, meeting: &str, approve: bool) -> Result<()> {
    let path = format!("/v1/meetings/{meeting}");
    call(
        api,
        Method::PUT,
        &format!("{path}/minutes"),
        &json!({"text": "TOP 1: Begrüßung und Feststellung der Beschlussfähigkeit. TOP 2: Beratung \
            und Beschluss der Vorlagen des AK QMF. TOP 3: Berichte und Verschiedenes."}),
        Some(&etag_of(api, &path)?),
        StatusCode::OK,
    )?;
    if approve {
        call(
            api,
            Method::POST,
            &format!("{path}/transitions"),
            &json!({"transition": "approve_minutes"}),
            Some(&etag_of(api, &path)?),
            StatusCode::OK,
        )?;
    }
    Ok(())
}

/// Records a seat, waiting while the person is still on the way from the directory.
fn membership(api: &Api, body: &str, seat: Seat, role: &str, since: NaiveDate) -> Result<()> {
    waiting(
        api,
        Method::POST,
        &format!("/v1/bodies/{body}/memberships"),
        &json!({"person_id": seat.person, "organization_id": seat.organization, "role": role,
            "start_on": since}),
        None,
        StatusCode::CREATED,
    )?;
    Ok(())
}

/// The active organisations of a kind (with extra filters after `&`), at most `limit`.
fn organizations(directory: &Api, kind: &str, limit: usize) -> Result<Vec<Uuid>> {
    let page = directory.get(&format!(
        "/v1/organizations?kind={kind}&active=true&limit={limit}"
    ))?;
    page["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|org| {
            org["id"]
                .as_str()
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| format!("no id in {org}").into())
        })
        .collect()
}

/// The first active person of `organization` with `function`.
fn seat_of(directory: &Api, organization: Uuid, function: &str) -> Result<Option<Seat>> {
    let page = directory.get(&format!(
        "/v1/people?organization_id={organization}&function={function}&active=true&limit=1"
    ))?;
    Ok(page["items"]
        .as_array()
        .and_then(|items| items.first())
        .and_then(|p| p["id"].as_str())
        .and_then(|id| id.parse().ok())
        .map(|person| Seat {
            person,
            organization,
        }))
}

fn etag_of(api: &Api, path: &str) -> Result<String> {
    let (status, etag, body) = api.call(Method::GET, path, None, None)?;
    match etag {
        Some(etag) if status == StatusCode::OK => Ok(etag),
        _ => Err(format!("GET {path} answered {status} without an ETag: {body}").into()),
    }
}

/// One request that must answer `expected`; the ETag and body.
fn call(
    api: &Api,
    method: Method,
    path: &str,
    body: &Value,
    if_match: Option<&str>,
    expected: StatusCode,
) -> Result<(Option<String>, Value)> {
    let (status, etag, answer) = api.call(method.clone(), path, Some(body), if_match)?;
    if status != expected {
        return Err(format!("{method} {path} answered {status}: {answer}").into());
    }
    Ok((etag, answer))
}

/// Like [`call`], retried while the service answers 409 or 422 because an organisation or
/// person is still on the way from the directory.
fn waiting(
    api: &Api,
    method: Method,
    path: &str,
    body: &Value,
    if_match: Option<&str>,
    expected: StatusCode,
) -> Result<(Option<String>, Value)> {
    let started = Instant::now();
    loop {
        let (status, etag, answer) = api.call(method.clone(), path, Some(body), if_match)?;
        if status == expected {
            return Ok((etag, answer));
        }
        let on_the_way =
            status == StatusCode::CONFLICT || status == StatusCode::UNPROCESSABLE_ENTITY;
        if !on_the_way || started.elapsed() > DIRECTORY_TIMEOUT {
            return Err(format!("{method} {path} answered {status}: {answer}").into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
