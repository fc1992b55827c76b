//! Meetings, their agenda and the Forum report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use qmf_testkit::auth;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

fn meeting(starts: &str) -> Value {
    json!({"title": "Forum Jugendhilfe", "starts_at": format!("{starts}T09:00:00Z"), "ends_at": format!("{starts}T13:00:00Z"),
        "place": "Landratsamt Künzelsau", "public": true})
}

#[tokio::test]
async fn the_agenda_changes_until_the_meeting_is_held() {
    let app = spawn().await;
    let forum = app.forum().await;
    let (created, mut etag) = app
        .send(
            Method::POST,
            &format!("/v1/bodies/{forum}/meetings"),
            None,
            Some(meeting("2026-03-17")),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(created["state"], "planned");
    let id = created["id"].as_str().unwrap().to_string();
    for title in ["Begrüßung", "Bericht der Geschäftsführung", "Verschiedenes"] {
        let (_, next) = app
            .send(
                Method::POST,
                &format!("/v1/meetings/{id}/agenda-items"),
                Some(&etag),
                Some(json!({"title": title})),
                StatusCode::OK,
            )
            .await;
        etag = next;
    }
    let (stale, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/agenda-items"),
            Some("\"1\""),
            Some(json!({"title": "x"})),
            StatusCode::PRECONDITION_FAILED,
        )
        .await;
    assert_eq!(stale["status"], 412);

    let (read, _) = app
        .send(
            Method::GET,
            &format!("/v1/meetings/{id}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    let ids: Vec<String> = read["agenda"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    let (bad, _) = app
        .send(
            Method::PUT,
            &format!("/v1/meetings/{id}/agenda-order"),
            Some(&etag),
            Some(json!({"item_ids": [ids[0]]})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(bad["errors"][0]["pointer"], "/item_ids");
    let (reordered, next) = app
        .send(
            Method::PUT,
            &format!("/v1/meetings/{id}/agenda-order"),
            Some(&etag),
            Some(json!({"item_ids": [ids[1], ids[0], ids[2]]})),
            StatusCode::OK,
        )
        .await;
    etag = next;
    assert_eq!(
        reordered["agenda"][0]["title"],
        "Bericht der Geschäftsführung"
    );
    let (removed, next) = app
        .send(
            Method::DELETE,
            &format!("/v1/meetings/{id}/agenda-items/{}", ids[0]),
            Some(&etag),
            None,
            StatusCode::OK,
        )
        .await;
    etag = next;
    let titles: Vec<(&str, i64)> = removed["agenda"]
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

    let (held, next) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/transitions"),
            Some(&etag),
            Some(json!({"transition": "mark_held"})),
            StatusCode::OK,
        )
        .await;
    etag = next;
    assert_eq!(held["state"], "held");
    let (fixed, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/agenda-items"),
            Some(&etag),
            Some(json!({"title": "zu spät"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(fixed["rule"], "agenda_fixed_after_meeting");
    let (cancel, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/transitions"),
            Some(&etag),
            Some(json!({"transition": "cancel"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(cancel["rule"], "meeting_already_held");
    let (unwritten, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/transitions"),
            Some(&etag),
            Some(json!({"transition": "approve_minutes"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(unwritten["rule"], "minutes_missing");
    let (_, next) = app
        .send(
            Method::PUT,
            &format!("/v1/meetings/{id}/minutes"),
            Some(&etag),
            Some(json!({"text": "TOP 1–3 beraten."})),
            StatusCode::OK,
        )
        .await;
    etag = next;
    let (approved, next) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/transitions"),
            Some(&etag),
            Some(json!({"transition": "approve_minutes"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(approved["state"], "minutes_approved");
    let (approved_fixed, _) = app
        .send(
            Method::PUT,
            &format!("/v1/meetings/{id}/minutes"),
            Some(&next),
            Some(json!({"text": "geändert"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(approved_fixed["rule"], "meeting_is_final");

    let staff = app
        .http
        .post(format!("{}/v1/bodies/{forum}/meetings", app.base))
        .bearer_auth(auth::token(&["youth_office_staff"], None))
        .json(&meeting("2027-09-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(staff.status(), StatusCode::FORBIDDEN);
    let mut backwards = meeting("2027-09-01");
    backwards["ends_at"] = json!("2027-09-01T08:00:00Z");
    app.send(
        Method::POST,
        &format!("/v1/bodies/{forum}/meetings"),
        None,
        Some(backwards),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn the_forum_report_flags_years_with_fewer_than_two_meetings() {
    let app = spawn().await;
    let forum = app.forum().await;
    for day in ["2027-03-17", "2027-10-06", "2028-04-12"] {
        app.send(
            Method::POST,
            &format!("/v1/bodies/{forum}/meetings"),
            None,
            Some(meeting(day)),
            StatusCode::CREATED,
        )
        .await;
    }
    // Meetings of other bodies are not Forum meetings.
    let group = app.body("AK Personal").await;
    app.send(
        Method::POST,
        &format!("/v1/bodies/{group}/meetings"),
        None,
        Some(meeting("2028-05-02")),
        StatusCode::CREATED,
    )
    .await;
    // A cancelled meeting does not count.
    let (cancelled, _) = app
        .send(
            Method::POST,
            &format!("/v1/bodies/{forum}/meetings"),
            None,
            Some(meeting("2028-11-08")),
            StatusCode::CREATED,
        )
        .await;
    app.send(
        Method::POST,
        &format!(
            "/v1/meetings/{}/transitions",
            cancelled["id"].as_str().unwrap()
        ),
        Some("\"1\""),
        Some(json!({"transition": "cancel"})),
        StatusCode::OK,
    )
    .await;
    let (report, _) = app
        .send(
            Method::GET,
            "/v1/reports/forum-meetings?from_year=2027&to_year=2029",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        report,
        json!([
            {"year": 2027, "planned": 2, "held": 0, "below_minimum": false},
            {"year": 2028, "planned": 1, "held": 0, "below_minimum": true},
            {"year": 2029, "planned": 0, "held": 0, "below_minimum": true},
        ])
    );
    app.send(
        Method::GET,
        "/v1/reports/forum-meetings?from_year=2030&to_year=2029",
        None,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
}

#[tokio::test]
async fn invitations_carry_agenda_recipients_and_a_calendar_entry() {
    let app = spawn().await;
    let mut probe = qmf_testkit::EventProbe::bind(&app.exchange, "committee.meeting.#").await;
    let forum = app.forum().await;
    let member = uuid::Uuid::now_v7();
    app.seat(&forum, member, app.offices[0], "member").await;
    let (id, mut etag) = app.plan_meeting(&forum, "2026-03-17", true).await;
    let invite = format!("/v1/meetings/{id}/invitations");
    let (empty, _) = app
        .send(
            Method::POST,
            &invite,
            Some(&etag),
            Some(json!({})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(empty["rule"], "agenda_empty");
    (_, etag) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/agenda-items"),
            Some(&etag),
            Some(json!({"title": "Bericht; Ausblick, Termine"})),
            StatusCode::OK,
        )
        .await;
    let staff = auth::token(&["youth_office_staff"], Some(app.offices[0]));
    app.send_as(
        &staff,
        Method::POST,
        &invite,
        Some(&etag),
        Some(json!({})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (invited, next) = app
        .send(
            Method::POST,
            &invite,
            Some(&etag),
            Some(json!({"message": "Bitte Unterlagen lesen."})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(invited["state"], "invited");
    assert!(invited["invitations_sent_at"].is_string());
    etag = next;
    let (twice, _) = app
        .send(
            Method::POST,
            &invite,
            Some(&etag),
            Some(json!({})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(twice["rule"], "invitations_already_sent");

    // Apologies before the meeting, attendance after it; minutes only once held.
    let attendance = format!("/v1/meetings/{id}/attendance");
    let (bad, _) = app
        .send(
            Method::PUT,
            &attendance,
            Some(&etag),
            Some(json!({"entries": [{"status": "present"}, {"person_id": member, "status": "present"}, {"person_id": member, "status": "excused"}]})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let pointers: Vec<&str> = bad["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/entries/0", "/entries/2/person_id"]);
    (_, etag) = app
        .send(
            Method::PUT,
            &attendance,
            Some(&etag),
            Some(json!({"entries": [
                {"person_id": member, "organization_id": app.offices[0], "status": "present"},
                {"organization_id": app.offices[1], "status": "excused"},
                {"name": "Vertretung KVJS", "status": "guest"}]})),
            StatusCode::OK,
        )
        .await;
    let (early, _) = app
        .send(
            Method::PUT,
            &format!("/v1/meetings/{id}/minutes"),
            Some(&etag),
            Some(json!({"text": "x"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(early["rule"], "minutes_require_held_meeting");
    let (held, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/transitions"),
            Some(&etag),
            Some(json!({"transition": "mark_held"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(held["attendance"].as_array().unwrap().len(), 3);

    // A second meeting is cancelled after its invitations: the calendar entry is withdrawn.
    let (other, mut other_etag) = app.plan_meeting(&forum, "2027-10-06", true).await;
    (_, other_etag) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{other}/agenda-items"),
            Some(&other_etag),
            Some(json!({"title": "Begrüßung"})),
            StatusCode::OK,
        )
        .await;
    (_, other_etag) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{other}/invitations"),
            Some(&other_etag),
            Some(json!({})),
            StatusCode::OK,
        )
        .await;
    app.send(
        Method::POST,
        &format!("/v1/meetings/{other}/transitions"),
        Some(&other_etag),
        Some(json!({"transition": "cancel"})),
        StatusCode::OK,
    )
    .await;

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
    let cancelled = of("committee.meeting.cancelled.v1");
    assert_eq!(cancelled[0]["invitations_were_sent"], true);
    let cancel_ics = cancelled[0]["ics"].as_str().unwrap();
    assert!(cancel_ics.contains("STATUS:CANCELLED"));
    assert!(cancel_ics.contains(&format!("UID:{other}@committee.qmf")));
}

#[tokio::test]
async fn a_bodys_meetings_page_in_time_order() {
    let app = spawn().await;
    let group = app.body("AK Personal").await;
    // Planned out of order; two start at the same time, so the id decides between them.
    let mut planned = Vec::new();
    for starts in ["2027-09-01", "2027-03-17", "2027-06-02", "2027-03-17"] {
        let (created, _) = app
            .send(
                Method::POST,
                &format!("/v1/bodies/{group}/meetings"),
                None,
                Some(meeting(starts)),
                StatusCode::CREATED,
            )
            .await;
        planned.push((starts, created["id"].as_str().unwrap().to_string()));
    }
    planned.sort();
    let expected: Vec<&str> = planned.iter().map(|(_, id)| id.as_str()).collect();

    let list = format!("/v1/bodies/{group}/meetings");
    let mut seen = Vec::new();
    let mut next = Some(format!("{list}?limit=3"));
    while let Some(url) = next {
        let (page, _) = app
            .send(Method::GET, &url, None, None, StatusCode::OK)
            .await;
        for meeting in page["items"].as_array().unwrap() {
            assert!(meeting["agenda"].is_array());
            seen.push(meeting["id"].as_str().unwrap().to_string());
        }
        next = page["next_cursor"]
            .as_str()
            .map(|cursor| format!("{list}?limit=3&cursor={cursor}"));
    }
    assert_eq!(seen, expected);

    // From a point in time on: the coming ones.
    let (coming, _) = app
        .send(
            Method::GET,
            &format!("{list}?from=2027-06-02T09:00:00Z"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    let ids: Vec<&str> = coming["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
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
        app.send(Method::GET, &format!("{list}?{query}"), None, None, status)
            .await;
    }
    app.send(
        Method::GET,
        &format!("/v1/bodies/{}/meetings", Uuid::now_v7()),
        None,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn a_meeting_is_held_on_its_day_not_before() {
    let app = spawn().await;
    let forum = app.forum().await;
    let admin = auth::token(&["admin"], None);
    let hold = json!({"transition": "mark_held"});

    // Next year's meeting cannot be marked held today, by the secretary or an admin.
    let next_year = app.regional_time(365, "09:00").await;
    let (future, etag) = app.plan_meeting_at(&forum, next_year, true).await;
    let transitions = format!("/v1/meetings/{future}/transitions");
    for token in [auth::token(&["committee_secretary"], None), admin.clone()] {
        let (refused, _) = app
            .send_as(
                &token,
                Method::POST,
                &transitions,
                Some(&etag),
                Some(hold.clone()),
                StatusCode::CONFLICT,
            )
            .await;
        assert_eq!(refused["rule"], "meeting_day_not_reached");
    }
    // Neither can one starting at 00:30 tomorrow in the region, which may still be today in UTC.
    let (tomorrow, tomorrow_etag) = app
        .plan_meeting_at(&forum, app.regional_time(1, "00:30").await, true)
        .await;
    let (refused, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{tomorrow}/transitions"),
            Some(&tomorrow_etag),
            Some(hold.clone()),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(refused["rule"], "meeting_day_not_reached");
    let (unchanged, _) = app
        .send(
            Method::GET,
            &format!("/v1/meetings/{future}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(unchanged["state"], "planned");
    assert_eq!(unchanged["version"], 1);

    // On its day it may be marked held, also before it starts; minutes and decisions follow,
    // dated today.
    let (today, etag) = app
        .plan_meeting_at(&forum, app.regional_time(0, "23:58").await, true)
        .await;
    let (held, etag) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{today}/transitions"),
            Some(&etag),
            Some(hold.clone()),
            StatusCode::OK,
        )
        .await;
    assert_eq!(held["state"], "held");
    app.send(
        Method::PUT,
        &format!("/v1/meetings/{today}/minutes"),
        Some(&etag),
        Some(json!({"text": "TOP 1 beraten."})),
        StatusCode::OK,
    )
    .await;
    let (decision, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{today}/decisions"),
            None,
            Some(json!({"kind": "other", "title": "Termin", "text": "Nächste Sitzung im Herbst."})),
            StatusCode::CREATED,
        )
        .await;
    // Noon in the region falls on the same day in UTC.
    let noon = app.regional_time(0, "12:00").await;
    assert_eq!(decision["decided_on"], noon.format("%Y-%m-%d").to_string());

    // A future meeting marked held before this rule existed takes no minutes, no approval
    // and no decisions, neither directly nor through a topic.
    app.sql(&format!(
        "UPDATE meetings SET state = 'held' WHERE id = '{future}'"
    ))
    .await;
    let (minutes, _) = app
        .send(
            Method::PUT,
            &format!("/v1/meetings/{future}/minutes"),
            Some(&etag_of(&app, &future).await),
            Some(json!({"text": "Vorab geschrieben."})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(minutes["rule"], "meeting_day_not_reached");
    app.sql(&format!(
        "UPDATE meetings SET minutes = 'Vorab geschrieben.' WHERE id = '{future}'"
    ))
    .await;
    let (approval, _) = app
        .send(
            Method::POST,
            &transitions,
            Some(&etag_of(&app, &future).await),
            Some(json!({"transition": "approve_minutes"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(approval["rule"], "meeting_day_not_reached");
    let (decision, _) = app
        .send_as(
            &admin,
            Method::POST,
            &format!("/v1/meetings/{future}/decisions"),
            None,
            Some(json!({"kind": "other", "title": "Termin", "text": "Vorab."})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(decision["rule"], "meeting_day_not_reached");
    let group = app.body("AK QMF").await;
    let topic = Uuid::now_v7();
    app.sql(&format!(
        "INSERT INTO topics (id, origin_body_id, state, title, meeting_id, created_by) \
         VALUES ('{topic}', '{group}', 'scheduled', 'Empfehlung', '{future}', 'test')"
    ))
    .await;
    let (decided, _) = app
        .send(
            Method::POST,
            &format!("/v1/topics/{topic}/transitions"),
            Some("\"1\""),
            Some(json!({"action": "decide", "outcome": "postponed"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(decided["rule"], "meeting_day_not_reached");
    let (register, _) = app
        .send(
            Method::GET,
            &format!("/v1/decisions?meeting_id={future}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(register["items"], json!([]));
}

async fn etag_of(app: &App, meeting: &str) -> String {
    app.etag(&format!("/v1/meetings/{meeting}")).await
}
