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
