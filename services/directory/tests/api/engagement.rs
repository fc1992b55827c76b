#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The engagement view's facts from the other services' events: each bound event is kept and
//! applied once; guests hold no seat; an organisation present with one person is present; a
//! repeated delivery changes nothing; a payload that does not fit its type is dead-lettered
//! without stopping the queue.

use crate::common;

use common::*;
use qmf_testkit::{eventually, publish};
use serde_json::{Value, json};
use uuid::Uuid;

fn envelope(event_type: &str, subject: Uuid, data: Value) -> (Uuid, Vec<u8>) {
    let id = Uuid::now_v7();
    let source = format!("/qmf/{}", event_type.split('.').next().unwrap());
    let body = json!({"specversion": "1.0", "id": id, "source": source, "type": event_type,
        "time": "2026-11-30T10:00:00Z", "subject": subject, "datacontenttype": "application/json",
        "data": data});
    (id, serde_json::to_vec(&body).unwrap())
}

async fn send(app: &TestApp, event_type: &str, subject: Uuid, data: Value) -> Uuid {
    let (id, bytes) = envelope(event_type, subject, data);
    assert!(publish(&app.exchange, event_type, &bytes).await);
    id
}

async fn rows(app: &TestApp, query: &str) -> Vec<Value> {
    app.sql(query).await
}

#[tokio::test]
async fn committee_dialogue_and_training_events_become_the_facts_of_the_view() {
    let app = spawn().await;
    let (org, other, body, meeting) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let (cycle, dialogue, course, registration) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let (person, guest, absent_guest) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    let member = Uuid::now_v7();
    let started = json!({"membership_id": member, "body_id": body, "person_id": person,
        "organization_id": org, "role": "member", "start_on": "2025-01-01", "end_on": null});
    send(
        &app,
        "committee.membership.started.v1",
        body,
        started.clone(),
    )
    .await;
    send(
        &app,
        "committee.membership.started.v1",
        body,
        json!({"membership_id": Uuid::now_v7(),
        "body_id": body, "person_id": null, "organization_id": other, "role": "guest",
        "start_on": "2025-01-01", "end_on": null}),
    )
    .await;
    send(
        &app,
        "committee.membership.ended.v1",
        body,
        json!({"membership_id": member, "body_id": body, "end_on": "2026-12-31"}),
    )
    .await;
    send(&app, "committee.meeting.held.v1", meeting, json!({"meeting_id": meeting,
        "body_id": body, "starts_at": "2026-03-17T09:00:00Z", "present": 2, "excused": 1, "guests": 0})).await;
    send(
        &app,
        "committee.meeting.attendance_recorded.v1",
        meeting,
        json!({"meeting_id": meeting,
        "body_id": body, "starts_at": "2026-03-17T09:00:00Z", "entries": [
            {"organization_id": org, "person_id": null, "status": "excused"},
            {"organization_id": org, "person_id": person, "status": "present"},
            {"organization_id": other, "person_id": null, "status": "excused"}]}),
    )
    .await;
    send(
        &app,
        "dialogue.cycle.opened.v1",
        cycle,
        json!({"cycle_id": cycle, "start_year": 2026,
        "years": 3, "start_on": "2026-01-01", "end_on": "2028-12-31", "hosts": 2}),
    )
    .await;
    send(
        &app,
        "dialogue.host.joined.v1",
        org,
        json!({"cycle_id": cycle, "host_id": Uuid::now_v7(),
        "organization_id": other, "dialogue_id": dialogue}),
    )
    .await;
    send(&app, "dialogue.dialogue.held.v1", dialogue, json!({"dialogue_id": dialogue,
        "cycle_id": cycle, "host_organization_id": other, "date": "2026-05-12", "attendance": [
            {"person_id": guest, "organization_id": org, "role": "guest", "present": true},
            {"person_id": absent_guest, "organization_id": org, "role": "guest", "present": false},
            {"person_id": Uuid::now_v7(), "organization_id": other, "role": "representative", "present": true}]})).await;
    let finding = Uuid::now_v7();
    send(
        &app,
        "dialogue.finding.recorded.v1",
        finding,
        json!({"finding_id": finding,
        "dialogue_id": dialogue, "host_organization_id": other, "kind": "agreed_measure",
        "title": "Konzept Elternarbeit", "summary": "…", "owner_organization_id": org,
        "due_on": "2026-10-31", "held_on": "2026-05-12"}),
    )
    .await;
    send(
        &app,
        "dialogue.finding.recorded.v1",
        Uuid::now_v7(),
        json!({"finding_id": Uuid::now_v7(),
        "dialogue_id": dialogue, "host_organization_id": other, "kind": "expert_day",
        "title": "Fachtag", "summary": "…", "owner_organization_id": null, "due_on": null,
        "held_on": "2026-05-12"}),
    )
    .await;
    send(
        &app,
        "dialogue.measure.completed.v1",
        finding,
        json!({"finding_id": finding,
        "dialogue_id": dialogue, "owner_organization_id": org, "state": "done", "reason": null,
        "due_on": "2026-10-31", "completed_on": "2026-11-02", "overdue": true}),
    )
    .await;
    send(
        &app,
        "training.course.added.v1",
        course,
        json!({"course_id": course,
        "title": "Grundlagen der Kooperation", "topic": "guidelines",
        "required_for": ["caseworker", "leader"], "valid_for_years": 3}),
    )
    .await;
    let completion = json!({"registration_id": registration, "session_id": Uuid::now_v7(),
        "course_id": course, "person_id": person, "organization_id": org, "completed_on": "2026-03-11"});
    send(
        &app,
        "training.completion.achieved.v1",
        course,
        completion.clone(),
    )
    .await;
    let kept = Uuid::now_v7();
    let mut second = completion.clone();
    second["registration_id"] = json!(kept);
    send(&app, "training.completion.achieved.v1", course, second).await;
    send(&app, "training.completion.withdrawn.v1", course, completion).await;

    let owned = app;
    let app = &owned;
    eventually("every event was applied", || async move {
        (rows(app, "SELECT count(*) AS n FROM engagement_events").await[0]["n"] == 15).then_some(())
    })
    .await;
    assert_eq!(
        rows(
            app,
            "SELECT organization_id, start_on::text, end_on::text FROM engagement_seats"
        )
        .await,
        [json!({"organization_id": org, "start_on": "2025-01-01", "end_on": "2026-12-31"})]
    );
    assert_eq!(
        rows(
            app,
            "SELECT day::text, held, cancelled FROM engagement_meetings"
        )
        .await,
        [json!({"day": "2026-03-17", "held": true, "cancelled": false})]
    );
    let mut attendance = rows(
        app,
        "SELECT organization_id, presence FROM engagement_attendance",
    )
    .await;
    attendance.sort_by_key(|r| r["presence"].as_str().unwrap().to_string());
    assert_eq!(
        attendance,
        [
            json!({"organization_id": other, "presence": "excused"}),
            json!({"organization_id": org, "presence": "present"}),
        ]
    );
    assert_eq!(
        rows(
            app,
            "SELECT host_organization_id, held_on::text, withdrawn FROM engagement_dialogues"
        )
        .await,
        [json!({"host_organization_id": other, "held_on": "2026-05-12", "withdrawn": false})]
    );
    assert_eq!(
        rows(
            app,
            "SELECT person_id, organization_id FROM engagement_guests"
        )
        .await,
        [json!({"person_id": guest, "organization_id": org})]
    );
    assert_eq!(
        rows(app, "SELECT owner_organization_id, title, due_on::text, completed_on::text FROM engagement_measures").await,
        [json!({"owner_organization_id": org, "title": "Konzept Elternarbeit", "due_on": "2026-10-31", "completed_on": "2026-11-02"})]
    );
    assert_eq!(
        rows(
            app,
            "SELECT required_for, valid_for_years FROM engagement_courses"
        )
        .await,
        [json!({"required_for": ["caseworker", "leader"], "valid_for_years": 3})]
    );
    assert_eq!(
        rows(app, "SELECT registration_id FROM engagement_completions").await,
        [json!({"registration_id": kept})]
    );
    owned.stop().await;
}

#[tokio::test]
async fn a_repeated_event_is_kept_once_and_a_broken_one_does_not_stop_the_queue() {
    let app = spawn().await;
    let (course, body) = (Uuid::now_v7(), Uuid::now_v7());
    let added = json!({"course_id": course, "title": "Instrumente", "topic": "instruments",
        "required_for": ["caseworker"], "valid_for_years": null});
    let (id, bytes) = envelope("training.course.added.v1", course, added);
    for _ in 0..3 {
        assert!(publish(&app.exchange, "training.course.added.v1", &bytes).await);
    }
    // Not a membership: no `organization_id`.
    send(
        &app,
        "committee.membership.started.v1",
        body,
        json!({"membership_id": Uuid::now_v7(),
        "body_id": body}),
    )
    .await;
    let later = Uuid::now_v7();
    send(
        &app,
        "committee.membership.ended.v1",
        body,
        json!({"membership_id": later, "body_id": body, "end_on": "2026-12-31"}),
    )
    .await;

    let owned = app;
    let app = &owned;
    eventually("the event after the broken one was kept", || async move {
        (rows(app, "SELECT count(*) AS n FROM engagement_events WHERE event_type = 'committee.membership.ended.v1'")
            .await[0]["n"] == 1)
            .then_some(())
    })
    .await;
    assert_eq!(
        rows(
            app,
            &format!("SELECT count(*) AS n FROM engagement_events WHERE event_id = '{id}'")
        )
        .await[0]["n"],
        1
    );
    assert_eq!(
        rows(app, "SELECT count(*) AS n FROM engagement_courses").await[0]["n"],
        1
    );
    assert_eq!(
        rows(app, "SELECT count(*) AS n FROM engagement_events WHERE event_type = 'committee.membership.started.v1'")
            .await[0]["n"],
        0
    );
    owned.stop().await;
}

async fn engagement_of(caller: &qmf_testkit::Caller, path: &str) -> Value {
    caller.get(path).send().await.expect(StatusCode::OK).clone()
}

/// A leader of `org` (active since 2020), as created by the admin; their id.
async fn leader_of(app: &TestApp, org: &str, functions: Value) -> String {
    let body = with(
        with(person(org), "/functions", functions),
        "/active_from",
        json!("2020-01-01"),
    );
    id(&app.create_person(body).await)
}

#[tokio::test]
async fn the_leader_and_the_coordination_read_the_engagement_nobody_else() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let other = app.institution_id().await;
    let org_id: Uuid = org.parse().unwrap();
    let other_id: Uuid = other.parse().unwrap();
    let head = leader_of(&app, &org, json!(["leader"])).await;
    let coordinator = leader_of(&app, &org, json!(["qmf_coordinator"])).await;
    let specialist = id(&app.create_person(person(&org)).await);
    let foreign = leader_of(&app, &other, json!(["leader"])).await;
    let path = format!("/v1/organizations/{org}/engagement");

    for persona in [
        Persona::coordinator(),
        Persona::admin(),
        Persona::role("institution_staff").of(org_id).subject(&head),
        Persona::role("institution_staff")
            .of(org_id)
            .subject(&coordinator),
    ] {
        let read = app.as_(persona).get(&path).send().await;
        assert_eq!(read.expect(StatusCode::OK)["organization_id"], org.as_str());
    }
    for persona in [
        Persona::role("institution_staff")
            .of(org_id)
            .subject(&specialist),
        Persona::role("institution_staff")
            .of(other_id)
            .subject(&foreign),
        // Another organisation's leader with a token naming this organisation.
        Persona::role("institution_staff")
            .of(org_id)
            .subject(&foreign),
        Persona::auditor(),
        Persona::role("committee_secretary"),
    ] {
        app.as_(persona)
            .get(&path)
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    app.as_(Persona::coordinator())
        .get(&format!("/v1/organizations/{}/engagement", Uuid::now_v7()))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    app.stop().await;
}

#[tokio::test]
async fn each_criterion_follows_its_facts_and_staff_show_only_to_their_own_organisation() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let org_id: Uuid = org.parse().unwrap();
    let head = leader_of(&app, &org, json!(["leader"])).await;
    let as_coordination = app.as_(Persona::coordinator());
    let as_own = app.as_(Persona::role("institution_staff").of(org_id).subject(&head));
    let path = format!("/v1/organizations/{org}/engagement");

    let before = engagement_of(&as_coordination, &path).await;
    assert_eq!(before["criteria"]["agreement"]["status"], "not_met");
    assert_eq!(before["criteria"]["leadership"]["status"], "not_met");
    assert_eq!(before["criteria"]["committees"]["status"], "not_met");
    assert_eq!(before["overall"], "not_met");
    assert_eq!(before["history"].as_array().unwrap().len(), 8);

    // Agreement and leadership from the directory itself.
    app.create_agreement(quality_agreement(&org)).await;
    as_coordination
        .post("/v1/leadership-confirmations")
        .json(&json!({"organization_id": org, "leader_id": head, "confirmed_on": today().to_string()}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    // A seat and a meeting attended; a dialogue of another host attended as guest.
    let (body, meeting, cycle, dialogue) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let guest: Uuid = head.parse().unwrap();
    let held_on = (today() - chrono::Duration::days(10)).to_string();
    send(
        &app,
        "committee.membership.started.v1",
        body,
        json!({"membership_id": Uuid::now_v7(),
        "body_id": body, "person_id": guest, "organization_id": org_id, "role": "member",
        "start_on": "2024-01-01", "end_on": null}),
    )
    .await;
    send(
        &app,
        "committee.meeting.held.v1",
        meeting,
        json!({"meeting_id": meeting, "body_id": body,
        "starts_at": format!("{held_on}T09:00:00Z"), "present": 1, "excused": 0, "guests": 0}),
    )
    .await;
    send(
        &app,
        "committee.meeting.attendance_recorded.v1",
        meeting,
        json!({"meeting_id": meeting,
        "body_id": body, "starts_at": format!("{held_on}T09:00:00Z"),
        "entries": [{"organization_id": org_id, "person_id": guest, "status": "present"}]}),
    )
    .await;
    let year = chrono::Datelike::year(&today());
    send(
        &app,
        "dialogue.cycle.opened.v1",
        cycle,
        json!({"cycle_id": cycle, "start_year": year,
        "years": 3, "start_on": format!("{year}-01-01"), "end_on": format!("{}-12-31", year + 2),
        "hosts": 2}),
    )
    .await;
    send(&app, "dialogue.dialogue.held.v1", dialogue, json!({"dialogue_id": dialogue,
        "cycle_id": cycle, "host_organization_id": Uuid::now_v7(), "date": held_on,
        "attendance": [{"person_id": guest, "organization_id": org_id, "role": "guest", "present": true}]})).await;

    let (own, path_ref) = (&as_own, &path);
    let now = eventually("the events reached the view", || async move {
        let now = own
            .get(path_ref)
            .send()
            .await
            .expect(StatusCode::OK)
            .clone();
        (now["criteria"]["dialogues"]["guest_visits"] == 1
            && now["criteria"]["committees"]["present"] == 1)
            .then_some(now)
    })
    .await;
    assert_eq!(now["criteria"]["agreement"]["status"], "met");
    assert_eq!(
        now["criteria"]["agreement"]["kind"],
        "quality_development_agreement"
    );
    assert_eq!(now["criteria"]["leadership"]["status"], "met");
    assert_eq!(now["criteria"]["committees"]["status"], "met");
    // Attended as guest but hosted nothing yet: at risk.
    assert_eq!(now["criteria"]["dialogues"]["status"], "at_risk");
    assert_eq!(
        now["criteria"]["dialogues"]["guest_visits_by_person"],
        json!([{"person_id": guest, "visits": 1}])
    );
    // The coordination sees the count only.
    let counted = engagement_of(&as_coordination, &path).await;
    assert_eq!(counted["criteria"]["dialogues"]["guest_visits"], 1);
    assert_eq!(
        counted["criteria"]["dialogues"]["guest_visits_by_person"],
        Value::Null
    );
    app.stop().await;
}

/// A confirmation by `leader` of `org` on `day`, recorded by the coordination.
async fn confirm(app: &TestApp, org: &str, leader: &str, day: chrono::NaiveDate) {
    app.as_(Persona::coordinator())
        .post("/v1/leadership-confirmations")
        .json(
            &json!({"organization_id": org, "leader_id": leader, "confirmed_on": day.to_string()}),
        )
        .send()
        .await
        .expect(StatusCode::CREATED);
}

fn names(table: &Value) -> Vec<String> {
    table["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["name"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_region_table_lists_the_parties_filters_sorts_counts_and_exports() {
    let app = spawn().await;
    let named = |body: Value, name: &str| with(body, "/name", json!(name));
    let alpha = id(&app
        .create_organization(named(institution("hohenlohekreis"), "A Einrichtung"))
        .await);
    let beta = id(&app
        .create_organization(named(institution("main_tauber_kreis"), "B Einrichtung"))
        .await);
    let office = id(&app
        .create_organization(named(youth_office("hohenlohekreis"), "C Jugendamt"))
        .await);
    // Not parties of the agreements, or no longer active: not in the table.
    app.create_organization(regional("state_youth_office"))
        .await;
    let gone = id(&app.create_organization(institution("hohenlohekreis")).await);
    app.as_(Persona::admin())
        .post(&format!("/v1/organizations/{gone}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    // A: quality development agreement and a confirmed leader; B: the old cooperation
    // agreement (at risk); C: nothing yet.
    app.create_agreement(quality_agreement(&alpha)).await;
    let head = leader_of(&app, &alpha, json!(["leader"])).await;
    confirm(&app, &alpha, &head, today()).await;
    app.create_agreement(agreement(&beta, "cooperation_agreement", "2019-03-01"))
        .await;

    let coordination = app.as_(Persona::coordinator());
    let table = engagement_of(&coordination, "/v1/engagement").await;
    assert_eq!(table["on"], today().to_string());
    assert_eq!(
        names(&table),
        ["A Einrichtung", "B Einrichtung", "C Jugendamt"]
    );
    assert_eq!(table["counts"]["organizations"], 3);
    assert_eq!(
        table["counts"]["criteria"]["agreement"],
        json!({"met": 1, "at_risk": 1, "not_met": 1})
    );
    assert_eq!(
        table["counts"]["criteria"]["leadership"],
        json!({"met": 1, "at_risk": 0, "not_met": 2})
    );
    // Nobody holds a seat, so every organisation is not met overall.
    assert_eq!(
        table["counts"]["overall"],
        json!({"met": 0, "at_risk": 0, "not_met": 3})
    );
    let a = &table["items"][0];
    assert_eq!(a["organization_id"], alpha.as_str());
    assert_eq!(a["kind"], "institution");
    assert_eq!(a["district"], "hohenlohekreis");
    assert_eq!(
        a["criteria"]["agreement"]["kind"],
        "quality_development_agreement"
    );
    assert_eq!(
        a["criteria"]["leadership"]["confirmed_on"],
        today().to_string()
    );
    assert_eq!(
        a["criteria"]["dialogues"]["guest_visits_by_person"],
        Value::Null
    );

    // Filters: kind and district narrow the counts; statuses narrow the rows only.
    let query = |q: &'static str| {
        let coordination = &coordination;
        async move { engagement_of(coordination, &format!("/v1/engagement?{q}")).await }
    };
    let institutions = query("kind=institution").await;
    assert_eq!(names(&institutions), ["A Einrichtung", "B Einrichtung"]);
    assert_eq!(institutions["counts"]["organizations"], 2);
    let local = query("district=hohenlohekreis").await;
    assert_eq!(names(&local), ["A Einrichtung", "C Jugendamt"]);
    let at_risk = query("agreement=at_risk").await;
    assert_eq!(names(&at_risk), ["B Einrichtung"]);
    assert_eq!(at_risk["counts"]["organizations"], 3);
    assert_eq!(
        names(&query("agreement=met&leadership=met").await),
        ["A Einrichtung"]
    );
    assert!(names(&query("agreement=met&leadership=not_met").await).is_empty());
    assert!(names(&query("status=met").await).is_empty());
    assert_eq!(names(&query("status=not_met").await).len(), 3);
    // Sorting: by a criterion, worst first with `desc`; ties keep the name order.
    assert_eq!(
        names(&query("sort=agreement&order=desc").await),
        ["C Jugendamt", "B Einrichtung", "A Einrichtung"]
    );
    assert_eq!(
        names(&query("sort=agreement").await),
        ["A Einrichtung", "B Einrichtung", "C Jugendamt"]
    );
    assert_eq!(
        names(&query("sort=kind&order=desc").await),
        ["C Jugendamt", "A Einrichtung", "B Einrichtung"]
    );
    assert_eq!(
        names(&query("sort=district").await),
        ["A Einrichtung", "C Jugendamt", "B Einrichtung"]
    );
    // A past day is judged with what is known now: before any agreement was signed.
    let before = query("on=2018-12-31").await;
    assert_eq!(before["on"], "2018-12-31");
    assert_eq!(
        before["counts"]["criteria"]["agreement"],
        json!({"met": 0, "at_risk": 0, "not_met": 3})
    );

    // CSV: one row per organisation after the filters, in the asked order.
    let csv = coordination
        .get("/v1/engagement?format=csv&kind=institution&sort=name&order=desc")
        .send()
        .await;
    csv.expect(StatusCode::OK);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.body.as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert!(
        lines[0].starts_with("organization_id,name,kind,district,overall,agreement,agreement_kind"),
        "{text}"
    );
    assert!(
        lines[1].starts_with(&format!("{beta},B Einrichtung,institution,main_tauber_kreis,not_met,at_risk,cooperation_agreement")),
        "{text}"
    );
    assert!(
        lines[2].starts_with(&format!("{alpha},A Einrichtung,")),
        "{text}"
    );

    // Bad input.
    for bad in [
        "kind=state_youth_office",
        "status=green",
        "sort=size",
        "order=up",
        "format=xlsx",
        "district=stuttgart",
        "page=2",
    ] {
        coordination
            .get(&format!("/v1/engagement?{bad}"))
            .send()
            .await
            .expect(StatusCode::BAD_REQUEST);
    }
    let tomorrow = today() + chrono::Duration::days(1);
    coordination
        .get(&format!("/v1/engagement?on={tomorrow}"))
        .send()
        .await
        .expect_validation(&["/query/on"]);

    // Only the coordination and admins.
    app.as_(Persona::admin())
        .get("/v1/engagement")
        .send()
        .await
        .expect(StatusCode::OK);
    let alpha_id: Uuid = alpha.parse().unwrap();
    let office_id: Uuid = office.parse().unwrap();
    for persona in [
        Persona::role("institution_staff")
            .of(alpha_id)
            .subject(&head),
        Persona::role("youth_office_staff").of(office_id),
        Persona::auditor(),
        Persona::role("committee_secretary"),
        Persona::role("trainer"),
    ] {
        app.as_(persona)
            .get("/v1/engagement")
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    app.stop().await;
}

/// Every fact table's rows, in a stable order; the rebuild's list of fact tables must name
/// every table of the view but the kept events.
async fn fact_tables(app: &TestApp) -> Vec<Vec<Value>> {
    let mut in_schema: Vec<String> = app
        .sql(
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name LIKE 'engagement\\_%' \
             AND table_name <> 'engagement_events'",
        )
        .await
        .iter()
        .map(|row| row["name"].as_str().unwrap().to_string())
        .collect();
    in_schema.sort();
    let mut rebuilt = qmf_directory::store::engagement::FACT_TABLES.to_vec();
    rebuilt.sort();
    assert_eq!(in_schema, rebuilt);
    let mut tables = Vec::new();
    for table in qmf_directory::store::engagement::FACT_TABLES {
        let mut rows = app.sql(&format!("SELECT * FROM {table}")).await;
        rows.sort_by_key(|row| row.to_string());
        tables.push(rows);
    }
    tables
}

#[tokio::test]
async fn a_rebuild_replays_the_kept_events_and_the_view_reads_the_same() {
    let app = spawn().await;
    let org = app.institution_id().await;
    let org_id: Uuid = org.parse().unwrap();
    let head = leader_of(&app, &org, json!(["leader", "caseworker"])).await;
    let person: Uuid = head.parse().unwrap();
    let (body, meeting, cycle, dialogue, course, finding) = (
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
        Uuid::now_v7(),
    );
    let held_on = (today() - chrono::Duration::days(20)).to_string();
    let year = chrono::Datelike::year(&today());
    let events = [
        (
            "committee.membership.started.v1",
            body,
            json!({"membership_id": Uuid::now_v7(),
            "body_id": body, "person_id": person, "organization_id": org_id, "role": "member",
            "start_on": "2024-01-01", "end_on": null}),
        ),
        (
            "committee.meeting.held.v1",
            meeting,
            json!({"meeting_id": meeting, "body_id": body,
            "starts_at": format!("{held_on}T09:00:00Z"), "present": 1, "excused": 0, "guests": 0}),
        ),
        (
            "committee.meeting.attendance_recorded.v1",
            meeting,
            json!({"meeting_id": meeting,
            "body_id": body, "starts_at": format!("{held_on}T09:00:00Z"),
            "entries": [{"organization_id": org_id, "person_id": person, "status": "present"}]}),
        ),
        (
            "dialogue.cycle.opened.v1",
            cycle,
            json!({"cycle_id": cycle, "start_year": year,
            "years": 3, "start_on": format!("{year}-01-01"),
            "end_on": format!("{}-12-31", year + 2), "hosts": 2}),
        ),
        (
            "dialogue.dialogue.held.v1",
            dialogue,
            json!({"dialogue_id": dialogue,
            "cycle_id": cycle, "host_organization_id": Uuid::now_v7(), "date": held_on,
            "attendance": [{"person_id": person, "organization_id": org_id, "role": "guest",
                "present": true}]}),
        ),
        (
            "dialogue.finding.recorded.v1",
            finding,
            json!({"finding_id": finding,
            "dialogue_id": dialogue, "host_organization_id": Uuid::now_v7(),
            "kind": "agreed_measure", "title": "Konzept Elternarbeit", "summary": "…",
            "owner_organization_id": org_id, "due_on": "2020-01-31", "held_on": held_on}),
        ),
        (
            "training.course.added.v1",
            course,
            json!({"course_id": course,
            "title": "Grundlagen der Kooperation", "topic": "guidelines",
            "required_for": ["caseworker"], "valid_for_years": null}),
        ),
        (
            "training.completion.achieved.v1",
            course,
            json!({"registration_id": Uuid::now_v7(),
            "session_id": Uuid::now_v7(), "course_id": course, "person_id": person,
            "organization_id": org_id, "completed_on": held_on}),
        ),
    ];
    for (event_type, subject, data) in events {
        send(&app, event_type, subject, data).await;
    }
    let owned = app;
    let app = &owned;
    eventually("every event was kept", || async move {
        (rows(app, "SELECT count(*) AS n FROM engagement_events").await[0]["n"] == 8).then_some(())
    })
    .await;
    let path = format!("/v1/organizations/{org}/engagement");
    let coordination = app.as_(Persona::coordinator());
    let view = engagement_of(&coordination, &path).await;
    let table = engagement_of(&coordination, "/v1/engagement").await;
    let facts = fact_tables(app).await;
    assert_eq!(view["criteria"]["committees"]["present"], 1);
    assert_eq!(view["criteria"]["dialogues"]["guest_visits"], 1);
    assert_eq!(
        view["criteria"]["results"]["overdue"],
        json!(["Konzept Elternarbeit"])
    );
    assert_eq!(view["criteria"]["trainings"]["done"], 1);

    // The view's facts damaged by hand: the view reads differently.
    for table in [
        "engagement_attendance",
        "engagement_guests",
        "engagement_completions",
    ] {
        let deleted = app
            .sql(&format!("DELETE FROM {table} RETURNING 1 AS n"))
            .await;
        assert_eq!(deleted.len(), 1, "{table}");
    }
    let damaged = engagement_of(&coordination, &path).await.clone();
    assert_ne!(damaged["criteria"], view["criteria"]);

    // Only admins rebuild.
    for persona in [Persona::coordinator(), Persona::auditor()] {
        app.as_(persona)
            .post("/v1/admin/engagement/rebuild")
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let key = Uuid::now_v7().to_string();
    let rebuilt = app
        .as_(Persona::admin())
        .post("/v1/admin/engagement/rebuild")
        .idempotency_key(&key)
        .send()
        .await;
    let rebuilt = rebuilt.expect(StatusCode::OK).clone();
    assert_eq!(rebuilt["events"], 8);
    assert_eq!(rebuilt["facts"]["engagement_attendance"], 1);
    assert_eq!(rebuilt["facts"]["engagement_completions"], 1);
    assert_eq!(rebuilt["facts"]["engagement_measures"], 1);
    assert_eq!(fact_tables(app).await, facts);
    assert_eq!(engagement_of(&coordination, &path).await, view);
    assert_eq!(engagement_of(&coordination, "/v1/engagement").await, table);

    // The same key again answers the stored reply; a second rebuild changes nothing.
    let again = app
        .as_(Persona::admin())
        .post("/v1/admin/engagement/rebuild")
        .idempotency_key(&key)
        .send()
        .await;
    assert_eq!(again.expect(StatusCode::OK), &rebuilt);
    app.as_(Persona::admin())
        .post("/v1/admin/engagement/rebuild")
        .send()
        .await
        .expect(StatusCode::OK);
    assert_eq!(fact_tables(app).await, facts);

    // An event arriving after the rebuild is applied on the rebuilt facts.
    send(
        app,
        "committee.meeting.held.v1",
        Uuid::now_v7(),
        json!({"meeting_id": Uuid::now_v7(),
        "body_id": body, "starts_at": format!("{held_on}T15:00:00Z"), "present": 0, "excused": 0,
        "guests": 0}),
    )
    .await;
    let (c, p) = (&coordination, &path);
    eventually("the later meeting counts", || async move {
        (engagement_of(c, p).await["criteria"]["committees"]["meetings"] == 2).then_some(())
    })
    .await;
    owned.stop().await;
}

/// The leadership of an institution confirmed 23 months ago, as `app` judges it.
async fn leadership_confirmed_23_months_ago(app: &TestApp) -> Value {
    let org = app.institution_id().await;
    let head = leader_of(app, &org, json!(["leader"])).await;
    let day = today().checked_sub_months(chrono::Months::new(23)).unwrap();
    confirm(app, &org, &head, day).await;
    let path = format!("/v1/organizations/{org}/engagement");
    engagement_of(&app.as_(Persona::coordinator()), &path).await["criteria"]["leadership"].clone()
}

#[tokio::test]
async fn the_thresholds_come_from_the_configuration() {
    let defaults = spawn().await;
    let judged = leadership_confirmed_23_months_ago(&defaults).await;
    // Valid 24 months, at risk in the last 3.
    assert_eq!(judged["status"], "at_risk");
    defaults.stop().await;

    let configured = TestApp::start(
        directory()
            .env("QMF_ENGAGEMENT_LEADERSHIP_VALID_MONTHS", "36")
            .env("QMF_ENGAGEMENT_LEADERSHIP_WARNING_MONTHS", "6"),
    )
    .await;
    let judged = leadership_confirmed_23_months_ago(&configured).await;
    assert_eq!(judged["status"], "met");
    let valid_until: chrono::NaiveDate = judged["valid_until"].as_str().unwrap().parse().unwrap();
    let confirmed_on: chrono::NaiveDate = judged["confirmed_on"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        confirmed_on.checked_add_months(chrono::Months::new(36)),
        Some(valid_until)
    );
    configured.stop().await;
}

#[tokio::test]
async fn a_meeting_counts_on_its_day_in_the_region() {
    let app = spawn().await;
    let (body, meeting) = (Uuid::now_v7(), Uuid::now_v7());
    // 23:30 UTC on 16 March is 00:30 on 17 March in Heilbronn (CET).
    send(
        &app,
        "committee.meeting.held.v1",
        meeting,
        json!({"meeting_id": meeting, "body_id": body,
        "starts_at": "2026-03-16T23:30:00Z", "present": 0, "excused": 0, "guests": 0}),
    )
    .await;
    let owned = app;
    let app = &owned;
    let day = eventually("the meeting was applied", || async move {
        rows(app, "SELECT day::text FROM engagement_meetings")
            .await
            .first()
            .map(|row| row["day"].clone())
    })
    .await;
    assert_eq!(day, "2026-03-17");
    owned.stop().await;
}
