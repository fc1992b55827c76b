//! Minutes of closed (non-public) meetings are for the members of the meeting's body, the
//! management, the coordination and admins, on every path that shows minutes; minutes of
//! public meetings stay readable by every caller.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use qmf_testkit::auth;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

const CLOSED_MINUTES: &str = "Vertrauliches Protokoll: Personalfragen der Einrichtung.";
const PUBLIC_MINUTES: &str = "Öffentliches Protokoll: Bericht des AK.";

/// Plans, holds and minutes a past meeting of `body`; returns its id.
async fn minuted_meeting(app: &App, body: &str, day: &str, public: bool, minutes: &str) -> String {
    let (id, etag) = app.plan_meeting(body, day, public).await;
    let (_, etag) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/transitions"),
            Some(&etag),
            Some(json!({"transition": "mark_held"})),
            StatusCode::OK,
        )
        .await;
    app.send(
        Method::PUT,
        &format!("/v1/meetings/{id}/minutes"),
        Some(&etag),
        Some(json!({"text": minutes})),
        StatusCode::OK,
    )
    .await;
    id
}

/// GET as `token`; returns the status and the body (`Null` for none).
async fn read(app: &App, token: &str, path: &str) -> (StatusCode, Value) {
    let response = app
        .http
        .get(format!("{}{path}", app.base))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Seats a person in a body with `role` from `start` to `end`.
async fn seat_between(
    app: &App,
    body: &str,
    person: Uuid,
    organization: Uuid,
    role: &str,
    start: &str,
    end: Option<&str>,
) {
    app.known_person(person, organization).await;
    app.send(
        Method::POST,
        &format!("/v1/bodies/{body}/memberships"),
        None,
        Some(
            json!({"person_id": person, "organization_id": organization, "role": role,
            "start_on": start, "end_on": end}),
        ),
        StatusCode::CREATED,
    )
    .await;
}

#[tokio::test]
async fn minutes_of_closed_meetings_are_for_members_management_coordination_and_admins() {
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let forum = app.forum().await;
    let management = app.body("Geschäftsführung").await;
    // The first youth office holds the management this year.
    app.send(
        Method::POST,
        "/v1/management-terms",
        None,
        Some(json!({"office_id": app.offices[0], "start_on": "2026-01-01"})),
        StatusCode::CREATED,
    )
    .await;

    let member = Uuid::now_v7();
    seat_between(
        &app,
        &group,
        member,
        app.institution,
        "member",
        "2026-01-01",
        None,
    )
    .await;
    let guest = Uuid::now_v7();
    seat_between(
        &app,
        &group,
        guest,
        app.offices[2],
        "guest",
        "2026-01-01",
        None,
    )
    .await;
    let former = Uuid::now_v7();
    seat_between(
        &app,
        &group,
        former,
        app.institution,
        "member",
        "2025-01-01",
        Some("2025-12-31"),
    )
    .await;
    let future = Uuid::now_v7();
    seat_between(
        &app,
        &group,
        future,
        app.institution,
        "member",
        "2030-01-01",
        None,
    )
    .await;
    let forum_member = Uuid::now_v7();
    seat_between(
        &app,
        &forum,
        forum_member,
        app.institution,
        "member",
        "2026-01-01",
        None,
    )
    .await;
    let manager = Uuid::now_v7();
    seat_between(
        &app,
        &management,
        manager,
        app.offices[1],
        "member",
        "2026-01-01",
        None,
    )
    .await;
    let management_guest = Uuid::now_v7();
    seat_between(
        &app,
        &management,
        management_guest,
        app.offices[1],
        "guest",
        "2026-01-01",
        None,
    )
    .await;

    let closed = minuted_meeting(&app, &group, "2026-03-10", false, CLOSED_MINUTES).await;
    let public = minuted_meeting(&app, &group, "2026-04-14", true, PUBLIC_MINUTES).await;
    let (unwritten, _) = app.plan_meeting(&group, "2026-05-12", false).await;

    let allowed = [
        ("admin", auth::token(&["admin"], None)),
        ("coordinator", auth::token(&["coordinator"], None)),
        (
            "committee secretary",
            auth::token(&["committee_secretary"], None),
        ),
        ("member of the body", person_token(member, app.institution)),
        ("guest of the body", person_token(guest, app.offices[2])),
        (
            "member of the management",
            person_token(manager, app.offices[1]),
        ),
        (
            "staff of the managing youth office",
            auth::token_for("gf-office", &["youth_office_staff"], Some(app.offices[0])),
        ),
    ];
    let refused = [
        ("auditor", auth::token(&["auditor"], None)),
        (
            "caseworker",
            auth::token(&["caseworker"], Some(app.offices[1])),
        ),
        (
            "staff of another youth office",
            auth::token(&["youth_office_staff"], Some(app.offices[1])),
        ),
        (
            "staff of the member's organisation",
            auth::token(&["institution_staff"], Some(app.institution)),
        ),
        ("former member", person_token(former, app.institution)),
        ("member from 2030", person_token(future, app.institution)),
        (
            "member of another body",
            person_token(forum_member, app.institution),
        ),
        (
            "guest of the management",
            person_token(management_guest, app.offices[1]),
        ),
        (
            "service client",
            auth::token(&["service"], Some(app.institution)),
        ),
    ];

    for (who, token) in &allowed {
        let (status, meeting) = read(&app, token, &format!("/v1/meetings/{closed}")).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert_eq!(meeting["minutes"], CLOSED_MINUTES, "{who}");
        assert_eq!(meeting["minutes_withheld"], false, "{who}");
        let (status, minutes) = read(&app, token, &format!("/v1/meetings/{closed}/minutes")).await;
        assert_eq!(status, StatusCode::OK, "{who}: {minutes}");
        assert_eq!(minutes["text"], CLOSED_MINUTES, "{who}");
        assert_eq!(minutes["approved"], false);
        assert_eq!(minutes["meeting_id"], closed.as_str());
        let (_, list) = read(&app, token, &format!("/v1/bodies/{group}/meetings")).await;
        assert!(list.to_string().contains(CLOSED_MINUTES), "{who}");
        // Not written yet: there is nothing to read.
        let (status, _) = read(&app, token, &format!("/v1/meetings/{unwritten}/minutes")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who}");
    }

    for (who, token) in &refused {
        // The meeting itself stays readable, without its minutes.
        let (status, meeting) = read(&app, token, &format!("/v1/meetings/{closed}")).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert_eq!(meeting["minutes"], Value::Null, "{who}");
        assert_eq!(meeting["minutes_withheld"], true, "{who}");
        assert_eq!(meeting["state"], "held");
        let (status, problem) = read(&app, token, &format!("/v1/meetings/{closed}/minutes")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}: {problem}");
        assert_eq!(problem["status"], 403);
        assert!(!problem.to_string().contains(CLOSED_MINUTES));
        // Whether minutes exist is not told either.
        let (status, _) = read(&app, token, &format!("/v1/meetings/{unwritten}/minutes")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
        // Lists: the closed meeting's minutes withheld, the public one's shown.
        let (status, list) = read(&app, token, &format!("/v1/bodies/{group}/meetings")).await;
        assert_eq!(status, StatusCode::OK);
        assert!(!list.to_string().contains(CLOSED_MINUTES), "{who}: {list}");
        let items = list["items"].as_array().unwrap();
        let of = |id: &str| items.iter().find(|m| m["id"] == id).unwrap().clone();
        assert_eq!(of(&closed)["minutes_withheld"], true);
        assert_eq!(of(&public)["minutes"], PUBLIC_MINUTES, "{who}");
        assert_eq!(of(&public)["minutes_withheld"], false);
        // Public meetings' minutes are for everyone.
        let (status, minutes) = read(&app, token, &format!("/v1/meetings/{public}/minutes")).await;
        assert_eq!(status, StatusCode::OK, "{who}");
        assert_eq!(minutes["text"], PUBLIC_MINUTES);
        let (_, meeting) = read(&app, token, &format!("/v1/meetings/{public}")).await;
        assert_eq!(meeting["minutes"], PUBLIC_MINUTES, "{who}");
        // Nor can they write or approve them.
        let write = app
            .http
            .put(format!("{}/v1/meetings/{closed}/minutes", app.base))
            .bearer_auth(token)
            .header("If-Match", "\"3\"")
            .json(&json!({"text": "überschrieben"}))
            .send()
            .await
            .unwrap();
        assert_eq!(write.status(), StatusCode::FORBIDDEN, "{who}");
    }
    // HEAD answers like GET.
    let head = app
        .http
        .head(format!("{}/v1/meetings/{closed}/minutes", app.base))
        .bearer_auth(&refused[0].1)
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::FORBIDDEN);
    // No such meeting: 404 for everyone.
    let (status, _) = read(
        &app,
        &refused[0].1,
        &format!("/v1/meetings/{}/minutes", Uuid::now_v7()),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Without a token: 401.
    let anonymous = app
        .http
        .get(format!("{}/v1/meetings/{closed}/minutes", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // Approved minutes say so; members still read them, others still do not.
    let etag = app.etag(&format!("/v1/meetings/{closed}")).await;
    app.send(
        Method::POST,
        &format!("/v1/meetings/{closed}/transitions"),
        Some(&etag),
        Some(json!({"transition": "approve_minutes"})),
        StatusCode::OK,
    )
    .await;
    let (_, minutes) = read(
        &app,
        &allowed[3].1,
        &format!("/v1/meetings/{closed}/minutes"),
    )
    .await;
    assert_eq!(minutes["approved"], true);
    let (status, _) = read(
        &app,
        &refused[0].1,
        &format!("/v1/meetings/{closed}/minutes"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The public OParl interface knows neither the closed meeting nor any minutes.
    let hidden = app
        .http
        .get(format!("{}/oparl/v1/meeting/{closed}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(hidden.status(), StatusCode::NOT_FOUND);
    let mut published = String::new();
    for list in [
        "/oparl/v1/body/region/meeting".to_string(),
        "/oparl/v1/body/region/agenda-item".to_string(),
        "/oparl/v1/body/region/organization".to_string(),
        format!("/oparl/v1/organization/{group}/meeting"),
        format!("/oparl/v1/meeting/{public}"),
    ] {
        let response = app
            .http
            .get(format!("{}{list}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{list}");
        published.push_str(&response.text().await.unwrap());
    }
    assert!(
        published.contains(&public),
        "the public meeting is published"
    );
    assert!(!published.contains(&closed), "{published}");
    assert!(!published.contains(CLOSED_MINUTES));
}
