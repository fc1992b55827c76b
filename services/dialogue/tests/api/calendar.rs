//! School holidays imported by the coordination, and the blackout days of a range.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::NaiveDate;
use serde_json::json;
use uuid::Uuid;

use crate::common::*;

const CSV: &str = "Bezeichnung;Beginn;Ende\nHerbstferien;26.10.2026;30.10.2026\nWeihnachtsferien;23.12.2026;09.01.2027\n";

const ICS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Beispiel//Ferien//DE\r\n\
BEGIN:VEVENT\r\nUID:1@example.org\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Osterferien\r\n\
DTSTART;VALUE=DATE:20270329\r\nDTEND;VALUE=DATE:20270404\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[tokio::test]
async fn the_coordination_imports_a_school_years_holidays_as_csv_or_icalendar() {
    let app = spawn().await;
    let put = |content_type: &'static str, body: &'static str, year: &str| {
        coordinator(&app)
            .put(&format!("/v1/school-holidays/{year}"))
            .header("Content-Type", content_type)
            .body(body)
    };
    let reply = put("text/csv; charset=utf-8", CSV, "2026-27").send().await;
    let imported = reply.expect(StatusCode::OK);
    assert_eq!(imported["holidays"].as_array().unwrap().len(), 2);
    assert_eq!(imported["holidays"][1]["end_on"], "2027-01-09");
    // iCalendar: DTEND is exclusive.
    let reply = put("text/calendar", ICS, "2026-27").send().await;
    assert_eq!(
        reply.expect(StatusCode::OK)["holidays"],
        json!([{"school_year": "2026-27", "name": "Osterferien", "start_on": "2027-03-29", "end_on": "2027-04-03",
            "imported_at": reply.expect(StatusCode::OK)["holidays"][0]["imported_at"]}])
    );
    // A new import replaced the school year's holidays.
    let listed = coordinator(&app).get("/v1/school-holidays").send().await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Problems, each with its line; holidays outside the school year; the wrong year format.
    put(
        "text/csv",
        "name,start,end\nHerbstferien,2026-10-26,2026-10-30\nFehler,2026-13-01,2026-10-30\n",
        "2026-27",
    )
    .send()
    .await
    .expect_validation(&["/body/line/3"]);
    put(
        "text/csv",
        "name,start,end\nHerbstferien,2028-10-26,2028-10-30\n",
        "2026-27",
    )
    .send()
    .await
    .expect_validation(&["/body"]);
    put("text/csv", CSV, "2026")
        .send()
        .await
        .expect_validation(&["/path/school_year"]);
    put("application/json", CSV, "2026-27")
        .send()
        .await
        .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    staff_of(&app, INSTITUTIONS[0])
        .put("/v1/school-holidays/2026-27")
        .header("Content-Type", "text/csv")
        .body(CSV)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.stop().await;
}

#[tokio::test]
async fn blackout_days_name_their_reasons() {
    let app = spawn().await;
    coordinator(&app)
        .put("/v1/school-holidays/2026-27")
        .header("Content-Type", "text/csv")
        .body(CSV)
        .send()
        .await
        .expect(StatusCode::OK);
    let meeting = Uuid::now_v7();
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.scheduled.v1",
        json!({"meeting_id": meeting, "body_id": Uuid::now_v7(), "title": "Forum Jugendhilfe",
            "starts_at": "2026-10-27T23:30:00Z", "ends_at": "2026-10-28T03:00:00Z",
            "place": "Heilbronn", "public": true, "body_kind": "forum"}),
    )
    .await;
    let reply = staff_of(&app, INSTITUTIONS[0])
        .get("/v1/blackout-days?from=2026-10-26&to=2026-11-06")
        .send()
        .await;
    let items = reply.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    let days: Vec<&str> = items.iter().map(|d| d["date"].as_str().unwrap()).collect();
    // The holiday week, and Allerheiligen falls on a Sunday in 2026 (left out with weekends).
    assert_eq!(
        days,
        [
            "2026-10-26",
            "2026-10-27",
            "2026-10-28",
            "2026-10-29",
            "2026-10-30"
        ]
    );
    assert_eq!(items[0]["blocked"], false);
    // 23:30 UTC on 27 October is 00:30 on the 28th in Heilbronn.
    assert_eq!(
        items[2]["reasons"],
        json!([{"kind": "forum_meeting", "meeting_id": meeting, "title": "Forum Jugendhilfe"},
            {"kind": "school_holiday", "name": "Herbstferien"}])
    );
    assert_eq!(items[2]["blocked"], true);
    let christmas = coordinator(&app)
        .get("/v1/blackout-days?from=2026-12-24&to=2026-12-28")
        .send()
        .await;
    let items = christmas.expect(StatusCode::OK)["items"].clone();
    assert_eq!(
        items[1]["date"],
        json!(NaiveDate::from_ymd_opt(2026, 12, 25).unwrap())
    );
    assert_eq!(
        items[1]["reasons"][0],
        json!({"kind": "public_holiday", "name": "1. Weihnachtstag"})
    );
    coordinator(&app)
        .get("/v1/blackout-days?from=2026-12-24&to=2026-12-01")
        .send()
        .await
        .expect_validation(&["/query/to"]);
    coordinator(&app)
        .get("/v1/blackout-days?from=2026-01-01&to=2036-01-01")
        .send()
        .await
        .expect_validation(&["/query/to"]);
    app.stop().await;
}

#[tokio::test]
async fn a_training_session_blocks_its_days_until_it_is_cancelled() {
    let app = spawn().await;
    let session = Uuid::now_v7();
    let days = ["2026-11-18", "2026-11-19"];
    let scheduled = json!({"session_id": session, "course_id": Uuid::now_v7(),
        "title": "Grundlagen der Kooperation", "topic": "guidelines", "days": days,
        "place": "Heilbronn", "online": false, "capacity": 20});
    app.apply_event(
        "/qmf/training",
        "training.session.scheduled.v1",
        scheduled.clone(),
    )
    .await;
    let blackout = |app: &TestApp| {
        coordinator(app)
            .get("/v1/blackout-days?from=2026-11-16&to=2026-11-20")
            .send()
    };
    let reply = blackout(&app).await;
    let items = reply.expect(StatusCode::OK)["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 2, "{items}");
    assert_eq!(
        items[0]["reasons"],
        json!([{"kind": "training_session", "session_id": session,
            "title": "Grundlagen der Kooperation"}])
    );
    assert_eq!(items[0]["blocked"], true);
    // Moved to one other day (version 2); a late copy of version 1 does not move it back.
    let mut changed = scheduled.clone();
    changed["days"] = json!(["2026-11-20"]);
    changed["version"] = json!(2);
    app.apply_event("/qmf/training", "training.session.changed.v1", changed)
        .await;
    app.apply_event(
        "/qmf/training",
        "training.session.scheduled.v1",
        scheduled.clone(),
    )
    .await;
    let reply = blackout(&app).await;
    let items = reply.expect(StatusCode::OK)["items"].clone();
    assert_eq!(items.as_array().unwrap().len(), 1, "{items}");
    assert_eq!(items[0]["date"], "2026-11-20", "{items}");
    // Cancelled, and a late copy of the scheduling does not bring it back.
    app.apply_event(
        "/qmf/training",
        "training.session.cancelled.v1",
        json!({"session_id": session, "course_id": scheduled["course_id"], "days": days,
            "reason": "Referentin erkrankt", "registrations_ended": 3}),
    )
    .await;
    app.apply_event("/qmf/training", "training.session.scheduled.v1", scheduled)
        .await;
    let reply = blackout(&app).await;
    assert_eq!(reply.expect(StatusCode::OK)["items"], json!([]));
    app.stop().await;
}
