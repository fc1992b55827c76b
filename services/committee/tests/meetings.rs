//! Meetings, their agenda and the Forum report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use qmf_testkit::auth;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

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
            Some(meeting("2027-03-17")),
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
    let (approved, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/transitions"),
            Some(&etag),
            Some(json!({"transition": "approve_minutes"})),
            StatusCode::OK,
        )
        .await;
    assert_eq!(approved["state"], "minutes_approved");

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
    let (groups, _) = app
        .send(
            Method::GET,
            "/v1/bodies?kind=working_group",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    let group = groups["items"][0]["id"].as_str().unwrap().to_string();
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
