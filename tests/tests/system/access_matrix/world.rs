//! The world the access matrix attacks: organisation A (a youth office and an institution) with
//! data in every service, and organisation B (a youth office and an institution) with staff but
//! nothing else. Every id of A's data is named in [`World::ids`].
//!
//! Everything is written through the services' HTTP APIs by the legitimate owners: the
//! directory's admin, A's caseworker and staff, the committee's secretary, the coordination
//! and the training organisers. All names are invented.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use chrono::{Datelike, Days, NaiveDate, Weekday};
use qmf_testkit::Versioned;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{self, Caller, Cluster, Persona, StatusCode, TestApp, eventually, uuid_of};

/// The five services and A's data in them.
pub struct World {
    /// The running services by name: directory, case, committee, dialogue, training.
    pub apps: BTreeMap<&'static str, TestApp>,
    pub office_a: Uuid,
    pub institution_a: Uuid,
    pub office_b: Uuid,
    pub institution_b: Uuid,
    /// A's data: name → id (or key, code, day …), see `build`.
    pub ids: BTreeMap<&'static str, String>,
}

/// Names of A's data and their ids, as they go into URL paths.
type Ids = BTreeMap<&'static str, String>;

/// The organisations of the world and A's people in the directory.
struct Organizations {
    office_a: Uuid,
    institution_a: Uuid,
    office_b: Uuid,
    institution_b: Uuid,
    /// A staff member of A's youth office: the person all of A's personal data is about.
    person: Uuid,
    /// The caseworker of A's youth office, who leads A's case.
    caseworker: Uuid,
    /// A staff member of A's institution.
    institution_person: Uuid,
}

impl Organizations {
    /// A's youth-office staff member acting as themselves.
    fn person_a(&self) -> Persona {
        Persona::youth_office_staff()
            .of(self.office_a)
            .subject(self.person)
    }

    /// A's caseworker.
    fn caseworker_a(&self) -> Persona {
        Persona::caseworker()
            .of(self.office_a)
            .subject(self.caseworker)
    }

    /// A's institution's staff member acting as themselves.
    fn institution_staff_a(&self) -> Persona {
        Persona::person(self.institution_person, self.institution_a)
    }
}

/// Starts the five services on `cluster` and writes A's data through their APIs.
pub async fn build(cluster: &Cluster) -> World {
    // The consumers first, so that their queues are bound before the directory publishes.
    let case = cluster.start(common::case()).await;
    let committee = cluster.start(common::committee()).await;
    let dialogue = cluster.start(common::dialogue()).await;
    let training = cluster.start(common::training()).await;
    let directory = cluster.start(common::directory()).await;

    let (orgs, mut ids) = directory_world(&directory).await;
    ids.extend(case_world(&case, &orgs).await);
    ids.extend(committee_world(&committee, &orgs).await);
    ids.extend(dialogue_world(&dialogue, &orgs).await);
    ids.extend(training_world(&training, &orgs).await);

    let apps = BTreeMap::from([
        ("directory", directory),
        ("case", case),
        ("committee", committee),
        ("dialogue", dialogue),
        ("training", training),
    ]);
    self_check(&apps, &orgs, &ids).await;
    World {
        apps,
        office_a: orgs.office_a,
        institution_a: orgs.institution_a,
        office_b: orgs.office_b,
        institution_b: orgs.institution_b,
        ids,
    }
}

fn today() -> NaiveDate {
    qmf_platform::region::today()
}

/// The `n` weekdays (Monday to Friday) before `day`, latest first.
fn weekdays_before(day: NaiveDate, n: usize) -> Vec<NaiveDate> {
    std::iter::successors(day.pred_opt(), |d| d.pred_opt())
        .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
        .take(n)
        .collect()
}

/// The `id` of a JSON body as text.
fn id_of(body: &Value) -> String {
    body["id"].as_str().unwrap().to_string()
}

/// The `{address}` of a calendar feed's URL (`/v1/<feeds>/{address}/calendar.ics`).
fn feed_address(url: &str) -> String {
    let path = url.strip_suffix("/calendar.ics").unwrap();
    path.rsplit('/').next().unwrap().to_string()
}

/// Directory: A's youth office and institution, B's youth office and institution, each with
/// an agreement and two specialists; A's youth office also has its caseworker.
async fn directory_world(directory: &TestApp) -> (Organizations, Ids) {
    let admin = directory.as_(Persona::admin());
    // Four organisations with a quality development agreement and two people each; A and B in
    // different districts.
    let registered = common::organizations_with_agreements(
        &admin,
        &[
            ("Jugendamt Ahornstadt", "youth_office", "stadt_heilbronn"),
            ("Träger Ahornhof gGmbH", "institution", "stadt_heilbronn"),
            ("Jugendamt Birkenau", "youth_office", "main_tauber_kreis"),
            ("Träger Birkenweg e.V.", "institution", "schwaebisch_hall"),
        ],
    )
    .await;
    let (office_a, office_people) = registered[0].clone();
    let (institution_a, institution_people) = registered[1].clone();
    // A's youth office's caseworker.
    let caseworker = admin
        .post("/v1/people")
        .json(&json!({"organization_id": office_a, "given_name": "Clara", "family_name": "Fallführung",
            "email": "c.fallfuehrung@jugendamt-ahornstadt.example", "phone": null,
            "functions": ["caseworker"], "active_from": "2020-01-01", "active_until": null}))
        .send()
        .await;
    let caseworker = uuid_of(caseworker.expect(StatusCode::CREATED));
    // The youth office's agreement, as the directory lists it.
    let agreements = admin
        .get(&format!("/v1/agreements?organization_id={office_a}"))
        .send()
        .await;
    let agreement = id_of(&agreements.expect(StatusCode::OK)["items"][0]);
    // Its leader's confirmation of the cooperation.
    let leader = admin
        .post("/v1/people")
        .json(
            &json!({"organization_id": office_a, "given_name": "Lotte", "family_name": "Leitung",
            "functions": ["leader"], "active_from": "2020-01-01", "active_until": null}),
        )
        .send()
        .await;
    let leader = uuid_of(leader.expect(StatusCode::CREATED));
    let confirmation = admin
        .post("/v1/leadership-confirmations")
        .json(&json!({"organization_id": office_a, "leader_id": leader, "confirmed_on": "2025-01-15"}))
        .send()
        .await;
    let confirmation = id_of(confirmation.expect(StatusCode::CREATED));

    let orgs = Organizations {
        office_a,
        institution_a,
        office_b: registered[2].0,
        institution_b: registered[3].0,
        person: office_people[0],
        caseworker,
        institution_person: institution_people[0],
    };
    let ids = Ids::from([
        ("organization", office_a.to_string()),
        ("person", orgs.person.to_string()),
        ("agreement", agreement),
        ("leadership_confirmation", confirmation),
    ]);
    (orgs, ids)
}

/// Case: a case of A's youth office with an assessment and a help plan that A's institution
/// accepted, the help running; found by its id in A's case software.
async fn case_world(case: &TestApp, orgs: &Organizations) -> Ids {
    let caseworker = case.as_(orgs.caseworker_a());
    let provider = case.as_(orgs.institution_staff_a());
    let (system, external_id) = ("okjug", "AH-2026-0042");
    let participation = json!({"participants": ["young_person", "parent", "caseworker"],
        "young_person_heard": true, "agreement_reached": true});

    // The case opens once the case service has learnt A's office and caseworker.
    let draft = json!({"caseworker_id": orgs.caseworker, "help_kind": "educational_assistant",
        "young_person": {"given_name": "Lio", "family_name": "Ahornberg", "date_of_birth": "2012-04-17"},
        "custody_holders": [{"given_name": "Tamara", "family_name": "Ahornberg", "relation": "mother"}],
        "external_ids": {system: external_id}});
    let (cw, draft) = (&caseworker, &draft);
    let opened = eventually(
        "the case service knows A's youth office and caseworker",
        || async move {
            let reply = cw.post("/v1/cases").json(draft).send().await;
            (reply.status == StatusCode::CREATED).then_some(reply)
        },
    )
    .await;
    let id = opened.id();
    let path = format!("/v1/cases/{id}");
    let mut version = Versioned::of(&opened);

    // The needs assessment.
    version
        .send(caseworker.post(&format!("{path}/assessment")).json(&json!({
            "participation": participation, "document": {"content": {
                "occasion": "Schulverweigerung und Konflikte in der Familie",
                "needs_areas": [{"area": "social_relations", "need_level": 2}], "resources": [],
                "risks": [], "child_protection_concern": false,
                "recommendation": {"help_needed": true}}}})))
        .await
        .expect(StatusCode::OK);

    // The help plan with A's institution, once the case service knows it as a provider.
    let plan = json!({"provider_id": orgs.institution_a, "start_on": today(),
        "goals": ["Lio besucht regelmäßig die Schule."], "participation": participation,
        "document": {"content": {"wishes_of_family": "wohnortnah",
            "tasks": [{"by": "provider", "task": "Wöchentliche Einzelgespräche"}]}}});
    let (plans, plan, etag) = (&format!("{path}/plans"), &plan, version.etag());
    let agreed = eventually("the case service knows A's institution", || async move {
        let reply = cw.post(plans).if_match(etag).json(plan).send().await;
        if reply.status == StatusCode::OK {
            return Some(reply);
        }
        // Only the provider check may refuse it.
        reply.expect(StatusCode::CONFLICT);
        None
    })
    .await;
    let mut version = Versioned::of(&agreed);
    let overview = caseworker.get(&format!("{path}/overview")).send().await;
    let plan_version = overview.expect(StatusCode::OK)["proposed_plan"]["version"].clone();

    // A's institution accepts the plan; the help starts.
    version
        .send(
            provider
                .post(&format!("{path}/plans/{plan_version}/accept"))
                .json(&json!({})),
        )
        .await
        .expect(StatusCode::OK);
    version
        .send(
            caseworker
                .post(&format!("{path}/help-start"))
                .json(&json!({"started_on": today()})),
        )
        .await
        .expect(StatusCode::OK);

    // The plan's document and the instrument version it was filled with.
    let overview = caseworker.get(&format!("{path}/overview")).send().await;
    let document = overview.expect(StatusCode::OK)["current_plan"]["document_id"]
        .as_str()
        .unwrap()
        .to_string();
    let read = caseworker
        .get(&format!("{path}/documents/{document}"))
        .send()
        .await;
    let read = read.expect(StatusCode::OK);

    Ids::from([
        ("case", id),
        ("plan_version", plan_version.to_string()),
        ("document", document),
        ("case_external_system", system.to_string()),
        ("case_external_id", external_id.to_string()),
        (
            "instrument_key",
            read["instrument"].as_str().unwrap().to_string(),
        ),
        ("instrument_version", read["instrument_version"].to_string()),
    ])
}

/// Committee: a working group with A's person as member, A's draft topic in it, a non-public
/// meeting of it with an agenda item, and a decision of a held Forum meeting.
async fn committee_world(committee: &TestApp, orgs: &Organizations) -> Ids {
    let secretary = committee.as_(Persona::committee_secretary());
    let member = committee.as_(orgs.person_a());

    // A temporary working group.
    let body = secretary
        .post("/v1/bodies")
        .json(
            &json!({"name": "AK Elternarbeit", "short_name": "AK EA", "permanent": false,
            "mandate": "Empfehlungen zur Elternarbeit in ambulanten Hilfen.",
            "established_on": today(), "parent_id": null}),
        )
        .send()
        .await;
    let body = id_of(body.expect(StatusCode::CREATED));

    // A's person joins it, once the committee has learnt the person from the directory.
    let (seats, seat) = (
        &format!("/v1/bodies/{body}/memberships"),
        &json!({"person_id": orgs.person, "organization_id": orgs.office_a, "role": "member",
            "start_on": today()}),
    );
    let at_committee = &secretary;
    let membership = eventually("the committee knows A's person", || async move {
        let reply = at_committee.post(seats).json(seat).send().await;
        if reply.status == StatusCode::CREATED {
            return Some(reply.id());
        }
        reply.expect(StatusCode::UNPROCESSABLE_ENTITY);
        None
    })
    .await;

    // A's person drafts a topic in the working group.
    let topic = member
        .post(&format!("/v1/bodies/{body}/topics"))
        .json(&json!({"title": "Empfehlung Elternabende in Tagesgruppen",
            "text": "Entwurf: Die Tagesgruppen laden zweimal im Jahr zu Elternabenden ein."}))
        .send()
        .await;
    let topic = id_of(topic.expect(StatusCode::CREATED));

    // A non-public meeting of the working group next month, with one agenda item.
    let day = today() + Days::new(30);
    let meeting = secretary
        .post(&format!("/v1/bodies/{body}/meetings"))
        .json(&json!({"title": "AK Elternarbeit, 1. Sitzung",
            "starts_at": format!("{day}T08:00:00Z"), "ends_at": format!("{day}T11:00:00Z"),
            "place": "Jugendamt Ahornstadt, Raum 2.14", "public": false}))
        .send()
        .await;
    meeting.expect(StatusCode::CREATED);
    let meeting_id = meeting.id();
    let with_item = secretary
        .post(&format!("/v1/meetings/{meeting_id}/agenda-items"))
        .if_match(meeting.etag())
        .json(&json!({"title": "Entwurf Elternabende beraten", "public": false}))
        .send()
        .await;
    let agenda_item = id_of(&with_item.expect(StatusCode::OK)["agenda"][0]);

    // The Forum met two weeks ago (not in public) and adopted a recommendation.
    let forum = common::forum_of(&secretary).await;
    let forum_day = weekdays_before(today() - Days::new(13), 1)[0];
    let forum_meeting = secretary
        .post(&format!("/v1/bodies/{forum}/meetings"))
        .json(&json!({"title": "Forum Jugendhilfe, Sondersitzung",
            "starts_at": format!("{forum_day}T08:00:00Z"), "ends_at": format!("{forum_day}T12:00:00Z"),
            "place": "Landratsamt, Sitzungssaal", "public": false}))
        .send()
        .await;
    forum_meeting.expect(StatusCode::CREATED);
    let forum_meeting_id = forum_meeting.id();
    secretary
        .post(&format!("/v1/meetings/{forum_meeting_id}/transitions"))
        .if_match(forum_meeting.etag())
        .json(&json!({"transition": "mark_held"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let decision = secretary
        .post(&format!("/v1/meetings/{forum_meeting_id}/decisions"))
        .json(
            &json!({"kind": "recommendation", "title": "Empfehlung Übergangsmanagement",
            "text": "Das Forum empfiehlt, Übergänge zwischen Hilfen gemeinsam zu planen."}),
        )
        .send()
        .await;
    let decision = id_of(decision.expect(StatusCode::CREATED));

    Ids::from([
        ("body", body),
        ("membership", membership),
        ("meeting", meeting_id),
        ("agenda_item", agenda_item),
        ("topic", topic),
        ("decision", decision),
    ])
}

/// Dialogue: a cycle in which A's youth office hosted a dialogue (held last week with A's
/// institution as guest, documented with a finding and an agreed measure of A), a planning
/// run, an absence and a calendar feed of A's person, and the school holidays of this school
/// year.
async fn dialogue_world(dialogue: &TestApp, orgs: &Organizations) -> Ids {
    let coordinator = dialogue.as_(Persona::coordinator());
    let host_staff = dialogue.as_(orgs.person_a());
    let year = today().year();

    // A cycle that began last year, so that last week lies in it; every organisation with an
    // agreement hosts. Its rules let a youth office meet with one institution.
    let cycle = coordinator
        .post("/v1/cycles")
        .json(&json!({"start_year": year - 1}))
        .send()
        .await;
    let cycle = id_of(cycle.expect(StatusCode::CREATED));
    let read = coordinator.get(&format!("/v1/cycles/{cycle}")).send().await;
    let mut rules = read.expect(StatusCode::OK)["rules"].clone();
    rules["min_orgs_per_dialogue"] = json!(2);
    rules["min_institutions_per_dialogue"] = json!(1);
    coordinator
        .put(&format!("/v1/cycles/{cycle}/rules"))
        .if_match(read.etag())
        .json(&json!({"rules": rules}))
        .send()
        .await
        .expect(StatusCode::OK);

    // A's youth office hosts, once the dialogue service has learnt its agreement.
    let hosts = format!("/v1/cycles/{cycle}/hosts?organization_id={}", orgs.office_a);
    let (reader, hosts) = (&coordinator, &hosts);
    let host = eventually("A's youth office hosts in the cycle", || async move {
        let hosts = reader.get(hosts).send().await;
        let host = hosts.expect(StatusCode::OK)["items"][0].clone();
        host.is_object().then_some(host)
    })
    .await;
    let host_id = id_of(&host);
    let dialogue_id = host["dialogue_id"].as_str().unwrap().to_string();

    // Its planning details: A's person represents it; the last weekdays are its proposed dates.
    let candidates = weekdays_before(today(), 8);
    let host_path = &format!("/v1/hosts/{host_id}");
    let details = &json!({"representatives": [orgs.person], "room_capacity": 12,
        "report_ready_on": today() - Days::new(60), "proposed_dates": candidates});
    let staff = &host_staff;
    eventually("the dialogue service knows A's person", || async move {
        let etag = staff.get(host_path).send().await.etag();
        let reply = staff
            .put(host_path)
            .if_match(etag)
            .json(details)
            .send()
            .await;
        (reply.status == StatusCode::OK).then_some(())
    })
    .await;

    // Scheduled on the latest proposed date the rules allow (not on a public holiday), with
    // A's institution as guest.
    let path = format!("/v1/dialogues/{dialogue_id}");
    let (dialogue_path, candidates) = (&path, &candidates);
    let guest = orgs.institution_person;
    let scheduled = eventually("A's dialogue is scheduled", || async move {
        for day in candidates {
            let etag = staff.get(dialogue_path).send().await.etag();
            let reply = staff
                .post(&format!("{dialogue_path}/schedule"))
                .if_match(etag)
                .json(&json!({"starts_at": format!("{day}T08:00:00Z"),
                    "ends_at": format!("{day}T12:00:00Z"),
                    "place": "Jugendamt Ahornstadt, Sitzungsraum", "guests": [guest]}))
                .send()
                .await;
            if reply.status == StatusCode::OK {
                return Some(reply);
            }
            reply.expect(StatusCode::CONFLICT);
        }
        None
    })
    .await;
    let mut version = Versioned::of(&scheduled);
    // Invited, held, documented with its findings.
    version
        .send(host_staff.post(&format!("{path}/invitations")))
        .await
        .expect(StatusCode::OK);
    version
        .send(
            host_staff
                .post(&format!("{path}/held"))
                .json(&json!({"present": [orgs.person, guest]})),
        )
        .await
        .expect(StatusCode::OK);
    let documented = version
        .send(
            host_staff
                .put(&format!("{path}/documentation"))
                .json(&json!({
            "minutes": "Qualitätsdialog Jugendamt Ahornstadt: Hilfeplanung und Elternarbeit.",
            "findings": [
                {"kind": "publication", "title": "Handreichung Hilfeplangespräch",
                 "summary": "Die Ergebnisse werden als Handreichung veröffentlicht."},
                {"kind": "agreed_measure", "title": "Checkliste Hilfeplangespräch",
                 "summary": "Das Jugendamt erarbeitet mit dem Träger eine Checkliste.",
                 "owner_organization_id": orgs.office_a, "due_on": today() + Days::new(90)}]})),
        )
        .await;
    let findings = documented.expect(StatusCode::OK)["findings"]
        .as_array()
        .unwrap()
        .clone();
    let finding_of = |kind: &str| id_of(findings.iter().find(|f| f["kind"] == kind).unwrap());

    // An absence of A's person next summer, recorded by themselves.
    let absence = host_staff
        .post("/v1/absences")
        .json(
            &json!({"person_id": orgs.person, "start_on": format!("{}-08-03", year + 1),
            "end_on": format!("{}-08-21", year + 1), "note": "Urlaub"}),
        )
        .send()
        .await;
    let absence = id_of(absence.expect(StatusCode::CREATED));
    // A's person's calendar feed.
    let feed = host_staff
        .post("/v1/feeds")
        .json(&json!({"person_id": orgs.person}))
        .send()
        .await;
    let feed = feed.expect(StatusCode::CREATED).clone();

    // The school holidays of this school year.
    let first = if today().month() >= 8 { year } else { year - 1 };
    let school_year = format!("{first}-{:02}", (first + 1) % 100);
    let next = first + 1;
    coordinator
        .put(&format!("/v1/school-holidays/{school_year}"))
        .header("Content-Type", "text/csv")
        .body(format!(
            "name,start,end\nHerbstferien,{first}-10-26,{first}-10-30\n\
             Weihnachtsferien,{first}-12-23,{next}-01-05\nOsterferien,{next}-03-29,{next}-04-09\n"
        ))
        .send()
        .await
        .expect(StatusCode::OK);

    // A planning run of the cycle, until it ended.
    let run = coordinator
        .post(&format!("/v1/cycles/{cycle}/planning-runs"))
        .json(&json!({"seconds": 1, "seed": 1}))
        .send()
        .await;
    let run = id_of(run.expect(StatusCode::ACCEPTED));
    let run_path = &format!("/v1/planning-runs/{run}");
    let finished = eventually("the planning run ended", || async move {
        let read = reader.get(run_path).send().await;
        let run = read.expect(StatusCode::OK).clone();
        (run["state"] != "queued" && run["state"] != "running").then_some(run)
    })
    .await;
    assert_eq!(finished["state"], "finished", "{finished}");

    Ids::from([
        ("cycle", cycle),
        ("dialogue", dialogue_id),
        ("finding", finding_of("publication")),
        ("measure", finding_of("agreed_measure")),
        ("host", host_id),
        ("planning_run", run),
        ("planning_document", "instance".to_string()),
        ("absence", absence),
        ("feed", id_of(&feed)),
        ("feed_address", feed_address(feed["url"].as_str().unwrap())),
        ("school_year", school_year),
    ])
}

/// Training: a two-day course session A's person registered for, attended on the first day
/// and made up the excused second; the certificate that brought; A's person's training feed.
async fn training_world(training: &TestApp, orgs: &Organizations) -> Ids {
    let organiser = training.as_(Persona::role("trainer"));
    let person = training.as_(orgs.person_a());

    // A course completed by attendance or excused days made up.
    let course = organiser
        .post("/v1/courses")
        .json(
            &json!({"title": "Hilfeplanung im gemeinsamen Prozess", "topic": "process_steps",
            "description": "Den Hilfeplan nach dem gemeinsamen Prozess vorbereiten und führen.",
            "duration_hours": 12, "completion_rule": "attended_or_excused_with_make_up",
            "required_for": ["specialist"], "instruments": ["help_plan"], "prerequisites": [],
            "valid_for_years": null}),
        )
        .send()
        .await;
    let course = id_of(course.expect(StatusCode::CREATED));

    // A session in four weeks, open for registration until in two weeks.
    let session = |days: &[NaiveDate], opens: NaiveDate, closes: NaiveDate| {
        json!({"course_id": course, "days": days, "place": "Jugendamt Ahornstadt, Seminarraum",
            "capacity": 12, "registration_opens_on": opens, "registration_closes_on": closes,
            "cancellation_deadline": closes})
    };
    let planned = weekdays_before(today() + Days::new(30), 2);
    let planned = [planned[1], planned[0]];
    let created = organiser
        .post("/v1/sessions")
        .json(&session(&planned, today(), today() + Days::new(14)))
        .send()
        .await;
    created.expect(StatusCode::CREATED);
    let session_id = created.id();

    // A's person registers, once the training service knows them.
    let (me, registrations) = (&person, &format!("/v1/sessions/{session_id}/registrations"));
    let draft = &json!({"person_id": orgs.person});
    let registration = eventually("the training service knows A's person", || async move {
        let reply = me.post(registrations).json(draft).send().await;
        if reply.status == StatusCode::CREATED {
            return Some(reply.body);
        }
        reply.expect_conflict("person_unknown");
        None
    })
    .await;
    assert_eq!(registration["state"], "confirmed", "{registration}");
    let registration = id_of(&registration);

    // The session took place three weeks ago instead: the organisers move its days there.
    let held = weekdays_before(today() - Days::new(20), 2);
    let held = [held[1], held[0]];
    let first = held[0];
    let etag = organiser
        .get(&format!("/v1/sessions/{session_id}"))
        .send()
        .await
        .etag();
    organiser
        .put(&format!("/v1/sessions/{session_id}"))
        .if_match(etag)
        .json(&session(&held, first - Days::new(42), first - Days::new(7)))
        .send()
        .await
        .expect(StatusCode::OK);

    // Present on the first day, excused on the second, which was made up last week.
    for (day, status) in [(held[0], "present"), (held[1], "excused")] {
        organiser
            .put(&format!("/v1/sessions/{session_id}/attendance/{day}"))
            .json(&json!({"entries": [{"registration_id": registration, "status": status}]}))
            .send()
            .await
            .expect(StatusCode::OK);
    }
    organiser
        .put(&format!(
            "/v1/registrations/{registration}/make-ups/{}",
            held[1]
        ))
        .json(&json!({"made_up_on": today() - Days::new(7),
            "note": "Nachgeholt in der Sitzung der Nachbargruppe"}))
        .send()
        .await
        .expect(StatusCode::OK);

    // The completion brought a certificate.
    let (certificates, session_ref) = (
        &format!("/v1/certificates?person_id={}", orgs.person),
        &session_id,
    );
    let certificate = eventually("A's person holds the certificate", || async move {
        let listed = me.get(certificates).send().await;
        let items = listed.expect(StatusCode::OK)["items"].clone();
        items
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["session_id"] == session_ref.as_str())
            .cloned()
    })
    .await;

    // A's person's training calendar feed.
    let feed = person
        .post("/v1/training-feeds")
        .json(&json!({"person_id": orgs.person}))
        .send()
        .await;
    let feed = feed.expect(StatusCode::CREATED).clone();

    Ids::from([
        ("course", course),
        ("session", session_id),
        ("session_day", held[0].to_string()),
        ("registration", registration),
        ("make_up_day", held[1].to_string()),
        ("certificate", id_of(&certificate)),
        (
            "certificate_code",
            certificate["code"].as_str().unwrap().to_string(),
        ),
        ("training_feed", id_of(&feed)),
        (
            "training_feed_address",
            feed_address(feed["url"].as_str().unwrap()),
        ),
    ])
}

/// Reads `path` as `caller` and asserts 200: the id in it is real.
async fn expect_ok(caller: &Caller, path: &str) -> Value {
    caller.get(path).send().await.expect(StatusCode::OK).clone()
}

/// Every id with a plain GET endpoint, read by a legitimate owner.
async fn self_check(apps: &BTreeMap<&'static str, TestApp>, orgs: &Organizations, ids: &Ids) {
    let id = |name: &str| ids[name].as_str();

    let admin = apps["directory"].as_(Persona::admin());
    expect_ok(&admin, &format!("/v1/organizations/{}", id("organization"))).await;
    expect_ok(&admin, &format!("/v1/people/{}", id("person"))).await;
    expect_ok(&admin, &format!("/v1/agreements/{}", id("agreement"))).await;
    expect_ok(
        &admin,
        &format!(
            "/v1/leadership-confirmations/{}",
            id("leadership_confirmation")
        ),
    )
    .await;

    let caseworker = apps["case"].as_(orgs.caseworker_a());
    let case = format!("/v1/cases/{}", id("case"));
    expect_ok(&caseworker, &case).await;
    expect_ok(&caseworker, &format!("{case}/documents/{}", id("document"))).await;
    let found = expect_ok(
        &caseworker,
        &format!(
            "/v1/cases/by-external-id/{}/{}",
            id("case_external_system"),
            id("case_external_id")
        ),
    )
    .await;
    assert_eq!(found["id"], id("case"));
    let plans = expect_ok(&caseworker, &format!("{case}/plans")).await;
    assert!(
        plans
            .to_string()
            .contains(&format!("\"version\":{}", id("plan_version"))),
        "{plans}"
    );
    expect_ok(
        &caseworker,
        &format!(
            "/v1/instruments/{}/versions/{}",
            id("instrument_key"),
            id("instrument_version")
        ),
    )
    .await;

    let secretary = apps["committee"].as_(Persona::committee_secretary());
    let member = apps["committee"].as_(orgs.person_a());
    let body = format!("/v1/bodies/{}", id("body"));
    expect_ok(&member, &body).await;
    let seats = expect_ok(&secretary, &format!("{body}/memberships")).await;
    assert!(seats.to_string().contains(id("membership")), "{seats}");
    let meeting = expect_ok(&secretary, &format!("/v1/meetings/{}", id("meeting"))).await;
    assert_eq!(meeting["public"], false);
    assert_eq!(meeting["agenda"][0]["id"], id("agenda_item"));
    expect_ok(&member, &format!("/v1/topics/{}", id("topic"))).await;
    expect_ok(&member, &format!("/v1/decisions/{}", id("decision"))).await;

    let coordinator = apps["dialogue"].as_(Persona::coordinator());
    let staff = apps["dialogue"].as_(orgs.person_a());
    expect_ok(&staff, &format!("/v1/cycles/{}", id("cycle"))).await;
    expect_ok(&staff, &format!("/v1/dialogues/{}", id("dialogue"))).await;
    expect_ok(&staff, &format!("/v1/findings/{}", id("finding"))).await;
    let measure = expect_ok(&staff, &format!("/v1/findings/{}", id("measure"))).await;
    assert_eq!(measure["measure_state"], "open");
    expect_ok(&staff, &format!("/v1/hosts/{}", id("host"))).await;
    let run = format!("/v1/planning-runs/{}", id("planning_run"));
    expect_ok(&coordinator, &run).await;
    expect_ok(&coordinator, &format!("{run}/{}", id("planning_document"))).await;
    let absences = expect_ok(&staff, "/v1/absences").await;
    assert!(absences.to_string().contains(id("absence")), "{absences}");
    let feeds = expect_ok(&staff, "/v1/feeds").await;
    assert!(feeds.to_string().contains(id("feed")), "{feeds}");
    let anonymous = apps["dialogue"].anonymous();
    expect_ok(
        &anonymous,
        &format!("/v1/feeds/{}/calendar.ics", id("feed_address")),
    )
    .await;

    let person = apps["training"].as_(orgs.person_a());
    expect_ok(&person, &format!("/v1/courses/{}", id("course"))).await;
    let session = expect_ok(&person, &format!("/v1/sessions/{}", id("session"))).await;
    assert!(
        session["days"]
            .as_array()
            .unwrap()
            .contains(&json!(id("session_day")))
    );
    expect_ok(
        &person,
        &format!("/v1/registrations/{}", id("registration")),
    )
    .await;
    let attendance = expect_ok(
        &person,
        &format!("/v1/registrations/{}/attendance", id("registration")),
    )
    .await;
    assert_eq!(attendance["make_ups"][0]["day"], id("make_up_day"));
    expect_ok(&person, &format!("/v1/certificates/{}", id("certificate"))).await;
    let anonymous = apps["training"].anonymous();
    let verified = expect_ok(
        &anonymous,
        &format!("/v1/certificate-verifications/{}", id("certificate_code")),
    )
    .await;
    assert_eq!(verified["state"], "valid");
    expect_ok(
        &anonymous,
        &format!(
            "/v1/training-feeds/{}/calendar.ics",
            id("training_feed_address")
        ),
    )
    .await;
    let training_feeds = expect_ok(&person, "/v1/training-feeds").await;
    assert!(
        training_feeds.to_string().contains(id("training_feed")),
        "{training_feeds}"
    );
}
