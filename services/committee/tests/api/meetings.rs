//! Meetings, their agenda and the Forum report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use serde_json::{Value, json};
use uuid::Uuid;

fn forum_meeting(starts: &str) -> Value {
    json!({"title": "Forum Jugendhilfe", "starts_at": format!("{starts}T09:00:00Z"), "ends_at": format!("{starts}T13:00:00Z"),
        "place": "Landratsamt Künzelsau", "public": true})
}

/// Plans a meeting of `body` from [`forum_meeting`] on `day`; returns the answer.
async fn plan(caller: &Caller, body: &str, day: &str) -> Reply {
    caller
        .post(&format!("/v1/bodies/{body}/meetings"))
        .json(&forum_meeting(day))
        .send()
        .await
}

#[tokio::test]
async fn the_agenda_changes_until_the_meeting_is_held() {
    let app = spawn().await;
    let forum = app.forum().await;
    let secretary = secretary(&app);
    let created = plan(&secretary, &forum, "2026-03-17").await;
    assert_eq!(created.expect(StatusCode::CREATED)["state"], "planned");
    let mut meeting = Meeting::of(&created);
    for title in ["Begrüßung", "Bericht der Geschäftsführung", "Verschiedenes"] {
        meeting
            .post(&secretary, "/agenda-items", json!({"title": title}))
            .await
            .expect(StatusCode::OK);
    }
    let stale = secretary
        .post(&meeting.path("/agenda-items"))
        .if_match("\"1\"")
        .json(&json!({"title": "x"}))
        .send()
        .await;
    assert_eq!(stale.expect(StatusCode::PRECONDITION_FAILED)["status"], 412);

    let read = secretary.get(&meeting.path("")).send().await;
    let ids: Vec<String> = read.expect(StatusCode::OK)["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    let bad = meeting
        .put(&secretary, "/agenda-order", json!({"item_ids": [ids[0]]}))
        .await;
    assert_eq!(
        bad.expect(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/item_ids"
    );
    let reordered = meeting
        .put(
            &secretary,
            "/agenda-order",
            json!({"item_ids": [ids[1], ids[0], ids[2]]}),
        )
        .await;
    assert_eq!(
        reordered.expect(StatusCode::OK)["agenda"][0]["title"],
        "Bericht der Geschäftsführung"
    );
    let removed = meeting
        .delete(&secretary, &format!("/agenda-items/{}", ids[0]))
        .await;
    let titles: Vec<(&str, i64)> = removed.expect(StatusCode::OK)["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["title"].as_str().unwrap(),
                i["position"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        titles,
        vec![("Bericht der Geschäftsführung", 1), ("Verschiedenes", 2)]
    );

    let held = meeting.transition(&secretary, "mark_held").await;
    assert_eq!(held.expect(StatusCode::OK)["state"], "held");
    meeting
        .post(&secretary, "/agenda-items", json!({"title": "zu spät"}))
        .await
        .expect_conflict("agenda_fixed_after_meeting");
    meeting
        .transition(&secretary, "cancel")
        .await
        .expect_conflict("meeting_already_held");
    meeting
        .transition(&secretary, "approve_minutes")
        .await
        .expect_conflict("minutes_missing");
    meeting
        .put(&secretary, "/minutes", json!({"text": "TOP 1–3 beraten."}))
        .await
        .expect(StatusCode::OK);
    let approved = meeting.transition(&secretary, "approve_minutes").await;
    assert_eq!(approved.expect(StatusCode::OK)["state"], "minutes_approved");
    meeting
        .put(&secretary, "/minutes", json!({"text": "geändert"}))
        .await
        .expect_conflict("meeting_is_final");

    plan(
        &app.as_(Persona::youth_office_staff()),
        &forum,
        "2027-09-01",
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    let mut backwards = forum_meeting("2027-09-01");
    backwards["ends_at"] = json!("2027-09-01T08:00:00Z");
    secretary
        .post(&format!("/v1/bodies/{forum}/meetings"))
        .json(&backwards)
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

#[tokio::test]
async fn the_forum_report_flags_years_with_fewer_than_two_meetings() {
    let app = spawn().await;
    let forum = app.forum().await;
    let secretary = secretary(&app);
    for day in ["2027-03-17", "2027-10-06", "2028-04-12"] {
        plan(&secretary, &forum, day)
            .await
            .expect(StatusCode::CREATED);
    }
    // Meetings of other bodies are not Forum meetings.
    let group = app.body("AK Personal").await;
    plan(&secretary, &group, "2028-05-02")
        .await
        .expect(StatusCode::CREATED);
    // A cancelled meeting does not count.
    Meeting::of(&plan(&secretary, &forum, "2028-11-08").await)
        .transition(&secretary, "cancel")
        .await
        .expect(StatusCode::OK);
    let report = secretary
        .get("/v1/reports/forum-meetings?from_year=2027&to_year=2029")
        .send()
        .await;
    assert_eq!(
        report.expect(StatusCode::OK),
        &json!([
            {"year": 2027, "planned": 2, "held": 0, "below_minimum": false},
            {"year": 2028, "planned": 1, "held": 0, "below_minimum": true},
            {"year": 2029, "planned": 0, "held": 0, "below_minimum": true},
        ])
    );
    secretary
        .get("/v1/reports/forum-meetings?from_year=2030&to_year=2029")
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}

#[tokio::test]
async fn invitations_carry_agenda_recipients_and_a_calendar_entry() {
    let app = spawn().await;
    let mut probe = EventProbe::bind(&app.exchange, "committee.meeting.#").await;
    let secretary = secretary(&app);
    let forum = app.forum().await;
    let member = Uuid::now_v7();
    app.seat(&forum, member, OFFICES[0], "member").await;
    let mut meeting = app.plan_meeting(&forum, "2026-03-17", true).await;
    let id = meeting.id.clone();
    meeting
        .post(&secretary, "/invitations", json!({}))
        .await
        .expect_conflict("agenda_empty");
    meeting
        .post(
            &secretary,
            "/agenda-items",
            json!({"title": "Bericht; Ausblick, Termine"}),
        )
        .await
        .expect(StatusCode::OK);
    let staff = app.as_(Persona::youth_office_staff().of(OFFICES[0]));
    meeting
        .post(&staff, "/invitations", json!({}))
        .await
        .expect(StatusCode::FORBIDDEN);
    let invited = meeting
        .post(
            &secretary,
            "/invitations",
            json!({"message": "Bitte Unterlagen lesen."}),
        )
        .await;
    let invited = invited.expect(StatusCode::OK);
    assert_eq!(invited["state"], "invited");
    assert!(invited["invitations_sent_at"].is_string());
    meeting
        .post(&secretary, "/invitations", json!({}))
        .await
        .expect_conflict("invitations_already_sent");

    // Apologies before the meeting, attendance after it; minutes only once held.
    meeting
        .put(&secretary, "/attendance", json!({"entries": [{"status": "present"}, {"person_id": member, "status": "present"}, {"person_id": member, "status": "excused"}]}))
        .await
        .expect_validation(&["/entries/0", "/entries/2/person_id"]);
    meeting
        .put(
            &secretary,
            "/attendance",
            json!({"entries": [
            {"person_id": member, "status": "present"},
            {"organization_id": OFFICES[1], "status": "excused"},
            {"name": "Vertretung KVJS", "status": "guest"}]}),
        )
        .await
        .expect(StatusCode::OK);
    meeting
        .put(&secretary, "/minutes", json!({"text": "x"}))
        .await
        .expect_conflict("minutes_require_held_meeting");
    let held = meeting.transition(&secretary, "mark_held").await;
    assert_eq!(
        held.expect(StatusCode::OK)["attendance"]
            .as_array()
            .unwrap()
            .len(),
        3
    );

    // A second meeting is cancelled after its invitations: the calendar entry is withdrawn.
    let mut other = app.plan_meeting(&forum, "2027-10-06", true).await;
    other
        .post(&secretary, "/agenda-items", json!({"title": "Begrüßung"}))
        .await
        .expect(StatusCode::OK);
    other
        .post(&secretary, "/invitations", json!({}))
        .await
        .expect(StatusCode::OK);
    other
        .transition(&secretary, "cancel")
        .await
        .expect(StatusCode::OK);
    let other = other.id;

    let events = probe.drain(std::time::Duration::from_secs(2)).await;
    let of = |t: &str| {
        events
            .iter()
            .filter(|e| e["type"] == t)
            .map(|e| e["data"].clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(of("committee.meeting.scheduled.v1").len(), 2);
    let sent = of("committee.meeting.invitations_sent.v1");
    assert_eq!(sent.len(), 2);
    let first = &sent[0];
    assert_eq!(first["body_name"], "Forum Jugendhilfe");
    assert_eq!(first["message"], "Bitte Unterlagen lesen.");
    assert_eq!(first["agenda"][0]["title"], "Bericht; Ausblick, Termine");
    assert_eq!(first["recipients"][0]["person_id"], member.to_string());
    assert_eq!(first["recipients"][0]["name"], "Vorname Nachname");
    assert_eq!(first["recipients"][0]["email"], "v.nachname@example.org");
    // Unfold the 75-octet lines (RFC 5545 3.1) before looking for values.
    let ics = first["ics"].as_str().unwrap().replace("\r\n ", "");
    assert!(
        ics.contains(&format!("UID:{id}@committee.qmf\r\n")),
        "{ics}"
    );
    assert!(ics.contains("DTSTART:20260317T090000Z\r\n"));
    assert!(
        ics.contains("TOP 1: Bericht\\; Ausblick\\, Termine"),
        "{ics}"
    );
    let held = of("committee.meeting.held.v1");
    assert_eq!(
        (
            held[0]["present"].as_i64(),
            held[0]["excused"].as_i64(),
            held[0]["guests"].as_i64()
        ),
        (Some(1), Some(1), Some(1))
    );
    // The attendance list as organisations (the member's is the one they work for): the guest
    // is no member; a refused list publishes nothing.
    let recorded = of("committee.meeting.attendance_recorded.v1");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0]["meeting_id"], id.to_string());
    assert_eq!(
        recorded[0]["entries"],
        json!([
            {"organization_id": OFFICES[0], "person_id": member, "status": "present"},
            {"organization_id": OFFICES[1], "person_id": null, "status": "excused"}])
    );
    let cancelled = of("committee.meeting.cancelled.v1");
    assert_eq!(cancelled[0]["invitations_were_sent"], true);
    let cancel_ics = cancelled[0]["ics"].as_str().unwrap();
    assert!(cancel_ics.contains("STATUS:CANCELLED"));
    assert!(cancel_ics.contains(&format!("UID:{other}@committee.qmf")));
    app.stop().await;
}

#[tokio::test]
async fn a_bodys_meetings_page_in_time_order() {
    let app = spawn().await;
    let secretary = secretary(&app);
    let group = app.body("AK Personal").await;
    // Planned out of order; two start at the same time, so the id decides between them.
    let mut planned = Vec::new();
    for starts in ["2027-09-01", "2027-03-17", "2027-06-02", "2027-03-17"] {
        let created = plan(&secretary, &group, starts).await;
        created.expect(StatusCode::CREATED);
        planned.push((starts, created.id()));
    }
    planned.sort();
    let expected: Vec<&str> = planned.iter().map(|(_, id)| id.as_str()).collect();

    let list = format!("/v1/bodies/{group}/meetings");
    let meetings = secretary.list_all(&format!("{list}?limit=3")).await;
    for meeting in &meetings {
        assert!(meeting["agenda"].is_array());
    }
    let seen: Vec<String> = meetings.iter().map(id_of).collect();
    assert_eq!(seen, expected);

    // From a point in time on: the coming ones.
    let coming = secretary
        .get(&format!("{list}?from=2027-06-02T09:00:00Z"))
        .send()
        .await;
    let coming = coming.expect(StatusCode::OK);
    let ids: Vec<String> = coming["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(id_of)
        .collect();
    assert_eq!(ids, expected[2..]);
    assert!(coming["next_cursor"].is_null());

    // Bad paging and filters are refused; an unknown body is not found.
    for (query, status) in [
        ("limit=0", StatusCode::UNPROCESSABLE_ENTITY),
        ("limit=201", StatusCode::UNPROCESSABLE_ENTITY),
        ("cursor=not-a-cursor", StatusCode::UNPROCESSABLE_ENTITY),
        ("from=tomorrow", StatusCode::BAD_REQUEST),
        ("page=2", StatusCode::BAD_REQUEST),
    ] {
        secretary
            .get(&format!("{list}?{query}"))
            .send()
            .await
            .expect(status);
    }
    secretary
        .get(&format!("/v1/bodies/{}/meetings", Uuid::now_v7()))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test]
async fn a_meeting_is_held_on_its_day_not_before() {
    let app = spawn().await;
    let forum = app.forum().await;
    let secretary = secretary(&app);
    let admin = app.as_(Persona::admin());

    // Next year's meeting cannot be marked held today, by the secretary or an admin.
    let next_year = app.regional_time(365, "09:00").await;
    let mut future = app.plan_meeting_at(&forum, next_year, true).await;
    for caller in [&secretary, &admin] {
        future
            .transition(caller, "mark_held")
            .await
            .expect_conflict("meeting_day_not_reached");
    }
    // Neither can one starting at 00:30 tomorrow in the region, which may still be today in UTC.
    app.plan_meeting_at(&forum, app.regional_time(1, "00:30").await, true)
        .await
        .transition(&secretary, "mark_held")
        .await
        .expect_conflict("meeting_day_not_reached");
    let unchanged = secretary.get(&future.path("")).send().await;
    let unchanged = unchanged.expect(StatusCode::OK);
    assert_eq!(unchanged["state"], "planned");
    assert_eq!(unchanged["version"], 1);

    // On its day it may be marked held, also before it starts; minutes and decisions follow,
    // dated today.
    let mut today = app
        .plan_meeting_at(&forum, app.regional_time(0, "23:58").await, true)
        .await;
    let held = today.transition(&secretary, "mark_held").await;
    assert_eq!(held.expect(StatusCode::OK)["state"], "held");
    today
        .put(&secretary, "/minutes", json!({"text": "TOP 1 beraten."}))
        .await
        .expect(StatusCode::OK);
    let decision = secretary
        .post(&today.path("/decisions"))
        .json(&json!({"kind": "other", "title": "Termin", "text": "Nächste Sitzung im Herbst."}))
        .send()
        .await;
    // Noon in the region falls on the same day in UTC.
    let noon = app.regional_time(0, "12:00").await;
    assert_eq!(
        decision.expect(StatusCode::CREATED)["decided_on"],
        noon.format("%Y-%m-%d").to_string()
    );

    // A future meeting marked held before this rule existed takes no minutes, no approval
    // and no decisions, neither directly nor through a topic.
    let future = future.id;
    app.execute(&format!(
        "UPDATE meetings SET state = 'held' WHERE id = '{future}'"
    ))
    .await;
    app.meeting(&future)
        .await
        .put(
            &secretary,
            "/minutes",
            json!({"text": "Vorab geschrieben."}),
        )
        .await
        .expect_conflict("meeting_day_not_reached");
    app.execute(&format!(
        "UPDATE meetings SET minutes = 'Vorab geschrieben.' WHERE id = '{future}'"
    ))
    .await;
    app.meeting(&future)
        .await
        .transition(&secretary, "approve_minutes")
        .await
        .expect_conflict("meeting_day_not_reached");
    admin
        .post(&format!("/v1/meetings/{future}/decisions"))
        .json(&json!({"kind": "other", "title": "Termin", "text": "Vorab."}))
        .send()
        .await
        .expect_conflict("meeting_day_not_reached");
    let group = app.body("AK QMF").await;
    let topic = Uuid::now_v7();
    app.execute(&format!(
        "INSERT INTO topics (id, origin_body_id, state, title, meeting_id, created_by) \
         VALUES ('{topic}', '{group}', 'scheduled', 'Empfehlung', '{future}', 'test')"
    ))
    .await;
    secretary
        .post(&format!("/v1/topics/{topic}/transitions"))
        .if_match("\"1\"")
        .json(&json!({"action": "decide", "outcome": "postponed"}))
        .send()
        .await
        .expect_conflict("meeting_day_not_reached");
    let register = secretary
        .get(&format!("/v1/decisions?meeting_id={future}"))
        .send()
        .await;
    assert_eq!(register.expect(StatusCode::OK)["items"], json!([]));
    app.stop().await;
}
