//! Bodies, management terms and the memberships derived from them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use diesel_async::RunQueryDsl;
use qmf_testkit::auth;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

fn secretary() -> String {
    auth::token(&["committee_secretary"], None)
}

#[tokio::test]
async fn the_region_s_bodies_are_there() {
    let app = spawn().await;
    let reader = auth::token(&["institution_staff"], Some(app.institution));
    let page = app
        .call(
            reqwest::Method::GET,
            "/v1/bodies?limit=200",
            &reader,
            None,
            StatusCode::OK,
        )
        .await;
    let names: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["name"].as_str().unwrap())
        .collect();
    for name in [
        "Forum Jugendhilfe",
        "Geschäftsführung",
        "Steuerungsgruppe",
        "Gesamtkoordination",
        "AK QMF",
        "AK QMF-Koordination",
        "AK Jugendhilfe–Psychiatrie",
        "AK Personal",
        "UAK Kooperationsvereinbarung",
    ] {
        assert!(names.contains(&name), "{name} missing in {names:?}");
    }
    let groups = app
        .call(
            reqwest::Method::GET,
            "/v1/bodies?kind=working_group",
            &reader,
            None,
            StatusCode::OK,
        )
        .await;
    let psych = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "AK Jugendhilfe–Psychiatrie")
        .unwrap()
        .clone();
    let sub = groups["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "UAK Kooperationsvereinbarung")
        .unwrap()
        .clone();
    assert_eq!(sub["parent_id"], psych["id"]);
    assert_eq!(psych["permanent"], false);
    app.call(
        reqwest::Method::GET,
        "/v1/bodies?status=gone",
        &reader,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    app.call(
        reqwest::Method::GET,
        &format!("/v1/bodies/{}", Uuid::now_v7()),
        &reader,
        None,
        StatusCode::NOT_FOUND,
    )
    .await;
    let anonymous = app
        .http
        .get(format!("{}/v1/bodies", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn terms_rotate_among_youth_offices_without_gap_or_overlap() {
    let app = spawn().await;
    let mut probe = qmf_testkit::EventProbe::bind(&app.exchange, "committee.#").await;
    let s = secretary();
    let [a, b, c] = [app.offices[0], app.offices[1], app.offices[2]];

    let proposal = app
        .call(
            reqwest::Method::GET,
            "/v1/management-terms/proposal",
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(proposal["office_id"], a.to_string(), "no history: by name");
    let first = app
        .call(
            reqwest::Method::POST,
            "/v1/management-terms",
            &s,
            Some(json!({"office_id": a, "start_on": "2025-01-01"})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(first["end_on"], "2026-12-31");

    let overlap = app
        .call(
            reqwest::Method::POST,
            "/v1/management-terms",
            &s,
            Some(json!({"office_id": b, "start_on": "2026-06-01"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(overlap["rule"], "terms_do_not_overlap");
    let gap = app
        .call(
            reqwest::Method::POST,
            "/v1/management-terms",
            &s,
            Some(json!({"office_id": b, "start_on": "2027-03-01"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(gap["rule"], "terms_without_gap");
    let not_office = app
        .call(
            reqwest::Method::POST,
            "/v1/management-terms",
            &s,
            Some(json!({"office_id": app.institution, "start_on": "2027-01-01"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(not_office["rule"], "term_requires_youth_office");
    let unknown = app
        .call(
            reqwest::Method::POST,
            "/v1/management-terms",
            &s,
            Some(json!({"office_id": Uuid::now_v7(), "start_on": "2027-01-01"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(unknown["rule"], "term_requires_youth_office");

    let proposal = app
        .call(
            reqwest::Method::GET,
            "/v1/management-terms/proposal",
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(proposal["office_id"], b.to_string());
    assert_eq!(proposal["start_on"], "2027-01-01");
    app.call(
        reqwest::Method::POST,
        "/v1/management-terms",
        &s,
        Some(json!({"office_id": b, "start_on": "2027-01-01"})),
        StatusCode::CREATED,
    )
    .await;
    let proposal = app
        .call(
            reqwest::Method::GET,
            "/v1/management-terms/proposal",
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(proposal["office_id"], c.to_string(), "C never held it");
    app.call(
        reqwest::Method::POST,
        "/v1/management-terms",
        &s,
        Some(json!({"office_id": c, "start_on": "2029-01-01"})),
        StatusCode::CREATED,
    )
    .await;
    let proposal = app
        .call(
            reqwest::Method::GET,
            "/v1/management-terms/proposal",
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(
        proposal["office_id"],
        a.to_string(),
        "A's term lies furthest back"
    );
    let all = app
        .call(
            reqwest::Method::GET,
            "/v1/management-terms",
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(all.as_array().unwrap().len(), 3);

    let events = probe.drain(std::time::Duration::from_millis(1500)).await;
    let started: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "committee.management_term.started.v1")
        .collect();
    assert_eq!(started.len(), 3);
    assert_eq!(started[0]["data"]["office_id"], a.to_string());
    assert_eq!(started[0]["data"]["end_on"], "2026-12-31");
}

#[tokio::test]
async fn the_holder_chairs_the_forum_and_the_steering_group_for_the_term() {
    let app = spawn().await;
    let s = secretary();
    let office = app.offices[1];
    let term = app
        .call(
            reqwest::Method::POST,
            "/v1/management-terms",
            &s,
            Some(json!({"office_id": office, "start_on": "2025-01-01"})),
            StatusCode::CREATED,
        )
        .await;
    let bodies = app
        .call(
            reqwest::Method::GET,
            "/v1/bodies?limit=200",
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    for name in ["Forum Jugendhilfe", "Steuerungsgruppe"] {
        let body = bodies["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap();
        let id = body["id"].as_str().unwrap();
        let during = app
            .call(
                reqwest::Method::GET,
                &format!("/v1/bodies/{id}/memberships?active_on=2026-06-01"),
                &s,
                None,
                StatusCode::OK,
            )
            .await;
        let chair = &during["items"][0];
        assert_eq!(chair["role"], "chair");
        assert_eq!(chair["organization_id"], office.to_string());
        assert_eq!(chair["term_id"], term["id"]);
        assert_eq!(chair["start_on"], "2025-01-01");
        assert_eq!(chair["end_on"], "2026-12-31");
        let after = app
            .call(
                reqwest::Method::GET,
                &format!("/v1/bodies/{id}/memberships?active_on=2027-01-01"),
                &s,
                None,
                StatusCode::OK,
            )
            .await;
        assert_eq!(after["items"], json!([]));
    }
}

#[tokio::test]
async fn only_admins_and_the_secretary_record_terms() {
    let app = spawn().await;
    for role in [
        "coordinator",
        "youth_office_staff",
        "institution_staff",
        "caseworker",
        "auditor",
        "trainer",
        "service",
    ] {
        let token = auth::token(&[role], Some(app.offices[0]));
        app.call(
            reqwest::Method::POST,
            "/v1/management-terms",
            &token,
            Some(json!({"office_id": app.offices[0], "start_on": "2025-01-01"})),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    let admin = auth::token(&["admin"], None);
    app.call(
        reqwest::Method::POST,
        "/v1/management-terms",
        &admin,
        Some(json!({"office_id": app.offices[0], "start_on": "2025-01-01"})),
        StatusCode::CREATED,
    )
    .await;
    let pool = app.db.pool(1);
    let mut conn = pool.get().await.unwrap();
    // The database itself refuses overlapping terms, whatever writes them.
    let overlap = diesel::sql_query(format!(
        "INSERT INTO management_terms (id, office_id, start_on, end_on, created_by) VALUES ('{}', '{}', '2026-01-01', '2027-12-31', 'x')",
        Uuid::now_v7(), app.offices[1]
    ))
    .execute(&mut conn)
    .await;
    assert!(overlap.is_err());
}

async fn body_id(app: &App, name: &str) -> String {
    let bodies = app
        .call(
            reqwest::Method::GET,
            "/v1/bodies?limit=200",
            &secretary(),
            None,
            StatusCode::OK,
        )
        .await;
    bodies["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn memberships_follow_the_rules_of_each_body() {
    let app = spawn().await;
    let mut probe = qmf_testkit::EventProbe::bind(&app.exchange, "committee.membership.#").await;
    let s = secretary();
    let ak = body_id(&app, "AK QMF").await;
    let forum = body_id(&app, "Forum Jugendhilfe").await;
    let person = app.person(app.institution).await;
    let seat = |role: &str, org: Uuid| json!({"person_id": person, "organization_id": org, "role": role, "start_on": "2026-01-01"});

    let speaker = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/bodies/{ak}/memberships"),
            &s,
            Some(seat("speaker", app.institution)),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(speaker["role"], "speaker");
    let refused = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/bodies/{forum}/memberships"),
            &s,
            Some(seat("speaker", app.institution)),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(refused["rule"], "speaker_only_in_working_groups");
    let chair = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/bodies/{forum}/memberships"),
            &s,
            Some(seat("chair", app.offices[0])),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(chair["rule"], "chair_comes_with_the_management_term");
    let unknown_org = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/bodies/{forum}/memberships"),
            &s,
            Some(seat("guest", Uuid::now_v7())),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(unknown_org["errors"][0]["pointer"], "/organization_id");
    // The person must be known from the directory, work for the organisation and be active.
    let stranger = json!({"person_id": Uuid::now_v7(), "organization_id": app.institution, "role": "member", "start_on": "2026-01-01"});
    let unknown_person = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/bodies/{ak}/memberships"),
            &s,
            Some(stranger),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(unknown_person["errors"][0]["pointer"], "/person_id");
    let other_org = app
        .call(
            reqwest::Method::POST,
            &format!("/v1/bodies/{ak}/memberships"),
            &s,
            Some(seat("member", app.offices[0])),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(other_org["errors"][0]["pointer"], "/organization_id");
    let former = app.person(app.institution).await;
    {
        let pool = app.db.pool(1);
        let mut conn = pool.get().await.unwrap();
        diesel::sql_query(format!(
            "UPDATE directory_people SET active = false WHERE id = '{former}'"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let left = app
        .call(reqwest::Method::POST, &format!("/v1/bodies/{ak}/memberships"), &s,
            Some(json!({"person_id": former, "organization_id": app.institution, "role": "member", "start_on": "2026-01-01"})), StatusCode::CONFLICT)
        .await;
    assert_eq!(left["rule"], "person_inactive");
    let mut backwards = seat("member", app.institution);
    backwards["end_on"] = json!("2025-01-01");
    app.call(
        reqwest::Method::POST,
        &format!("/v1/bodies/{ak}/memberships"),
        &s,
        Some(backwards),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let staff = auth::token(&["institution_staff"], Some(app.institution));
    app.call(
        reqwest::Method::POST,
        &format!("/v1/bodies/{ak}/memberships"),
        &staff,
        Some(seat("member", app.institution)),
        StatusCode::FORBIDDEN,
    )
    .await;

    let id = speaker["id"].as_str().unwrap();
    let end = |etag: &'static str| {
        app.http
            .post(format!("{}/v1/memberships/{id}/end", app.base))
            .bearer_auth(secretary())
            .header("If-Match", etag)
            .json(&json!({"end_on": "2026-12-31"}))
            .send()
    };
    assert_eq!(
        end("\"7\"").await.unwrap().status(),
        StatusCode::PRECONDITION_FAILED
    );
    let ended = end("\"1\"").await.unwrap();
    assert_eq!(ended.status(), StatusCode::OK);
    assert_eq!(ended.headers()["etag"], "\"2\"");
    let again = end("\"2\"").await.unwrap().json::<Value>().await.unwrap();
    assert_eq!(again["rule"], "membership_already_ended");

    let events = probe.drain(std::time::Duration::from_millis(1500)).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "committee.membership.started.v1",
            "committee.membership.ended.v1"
        ]
    );
}

#[tokio::test]
async fn seats_that_come_with_a_term_end_with_it() {
    let app = spawn().await;
    app.call(
        reqwest::Method::POST,
        "/v1/management-terms",
        &secretary(),
        Some(json!({"office_id": app.offices[0], "start_on": "2025-01-01"})),
        StatusCode::CREATED,
    )
    .await;
    let forum = body_id(&app, "Forum Jugendhilfe").await;
    let seats = app
        .call(
            reqwest::Method::GET,
            &format!("/v1/bodies/{forum}/memberships"),
            &secretary(),
            None,
            StatusCode::OK,
        )
        .await;
    let id = seats["items"][0]["id"].as_str().unwrap();
    let response = app
        .http
        .post(format!("{}/v1/memberships/{id}/end", app.base))
        .bearer_auth(secretary())
        .header("If-Match", "\"1\"")
        .json(&json!({"end_on": "2025-06-30"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CONFLICT);
    assert_eq!(
        response.json::<Value>().await.unwrap()["rule"],
        "membership_comes_with_a_term"
    );
}

#[tokio::test]
async fn temporary_working_groups_are_set_up_and_dissolved_with_their_memberships() {
    let app = spawn().await;
    let mut probe = qmf_testkit::EventProbe::bind(&app.exchange, "committee.body.#").await;
    let s = secretary();
    let group = app
        .call(
            reqwest::Method::POST,
            "/v1/bodies",
            &s,
            Some(
                json!({"name": "AK Inklusion", "permanent": false, "established_on": "2026-01-01"}),
            ),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(group["kind"], "working_group");
    let id = group["id"].as_str().unwrap().to_string();
    let taken = app
        .call(
            reqwest::Method::POST,
            "/v1/bodies",
            &s,
            Some(
                json!({"name": "AK Inklusion", "permanent": false, "established_on": "2026-01-01"}),
            ),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(taken["rule"], "body_name_unique");
    let forum = body_id(&app, "Forum Jugendhilfe").await;
    let bad_parent = app.call(reqwest::Method::POST, "/v1/bodies", &s, Some(json!({"name": "UAK X", "permanent": false, "parent_id": forum, "established_on": "2026-01-01"})), StatusCode::CONFLICT).await;
    assert_eq!(bad_parent["rule"], "parent_must_be_an_active_working_group");
    let sub = app.call(reqwest::Method::POST, "/v1/bodies", &s, Some(json!({"name": "UAK Schule", "permanent": false, "parent_id": id, "established_on": "2026-02-01"})), StatusCode::CREATED).await;
    app.call(reqwest::Method::POST, &format!("/v1/bodies/{id}/memberships"), &s,
        Some(json!({"person_id": app.person(app.institution).await, "organization_id": app.institution, "role": "member", "start_on": "2026-01-01"})), StatusCode::CREATED).await;

    let dissolve = |target: String, etag: &'static str| {
        app.http
            .post(format!("{}/v1/bodies/{target}/dissolve", app.base))
            .bearer_auth(secretary())
            .header("If-Match", etag)
            .json(&json!({"dissolved_on": "2026-12-31"}))
            .send()
    };
    let blocked = dissolve(id.clone(), "\"1\"").await.unwrap();
    assert_eq!(blocked.status(), StatusCode::CONFLICT);
    assert_eq!(
        blocked.json::<Value>().await.unwrap()["rule"],
        "dissolve_sub_groups_first"
    );
    assert_eq!(
        dissolve(sub["id"].as_str().unwrap().to_string(), "\"1\"")
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let done = dissolve(id.clone(), "\"1\"").await.unwrap();
    assert_eq!(done.status(), StatusCode::OK);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["status"], "dissolved");
    let open = app
        .call(
            reqwest::Method::GET,
            &format!("/v1/bodies/{id}/memberships?active_on=2027-01-01"),
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(open["items"], json!([]), "memberships ended with the body");
    let ak_qmf = body_id(&app, "AK QMF").await;
    let permanent = dissolve(ak_qmf, "\"1\"").await.unwrap();
    assert_eq!(
        permanent.json::<Value>().await.unwrap()["rule"],
        "only_temporary_working_groups_dissolve"
    );
    let staff = auth::token(&["institution_staff"], Some(app.institution));
    app.call(
        reqwest::Method::POST,
        "/v1/bodies",
        &staff,
        Some(json!({"name": "AK Y", "permanent": false, "established_on": "2026-01-01"})),
        StatusCode::FORBIDDEN,
    )
    .await;

    let events = probe.drain(std::time::Duration::from_millis(1500)).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "committee.body.established.v1",
            "committee.body.established.v1",
            "committee.body.dissolved.v1",
            "committee.body.dissolved.v1"
        ]
    );
    assert_eq!(events[3]["data"]["memberships_ended"], 1);
}

#[tokio::test]
async fn a_person_holds_one_seat_at_a_time_in_a_body() {
    let app = spawn().await;
    let mut probe = qmf_testkit::EventProbe::bind(&app.exchange, "committee.membership.#").await;
    let s = secretary();
    let admin = auth::token(&["admin"], None);
    let ak = body_id(&app, "AK QMF").await;
    let forum = body_id(&app, "Forum Jugendhilfe").await;
    let person = app.person(app.institution).await;
    let seat = |role: &str, start: &str, end: Option<&str>| {
        json!({"person_id": person, "organization_id": app.institution, "role": role,
            "start_on": start, "end_on": end})
    };
    let post = async |token: &str, body: &str, seat: Value, status: StatusCode| {
        app.call(
            reqwest::Method::POST,
            &format!("/v1/bodies/{body}/memberships"),
            token,
            Some(seat),
            status,
        )
        .await
    };

    let member = post(
        &s,
        &ak,
        seat("member", "2026-01-01", None),
        StatusCode::CREATED,
    )
    .await;
    // A second seat sharing any day with the open one is refused, whatever the role and
    // whoever asks; also one that ends on its first day.
    for (token, overlapping) in [
        (&s, seat("speaker", "2026-06-01", None)),
        (&admin, seat("member", "2026-01-01", None)),
        (&s, seat("guest", "2027-03-01", Some("2027-03-01"))),
        (&s, seat("expert", "2025-01-01", Some("2026-01-01"))),
        (&admin, seat("deputy", "2020-01-01", None)),
    ] {
        let refused = post(token, &ak, overlapping.clone(), StatusCode::CONFLICT).await;
        assert_eq!(
            refused["rule"], "memberships_do_not_overlap",
            "{overlapping}"
        );
        assert_eq!(refused["status"], 409);
    }
    // Ending before it starts, in another body, or another person: allowed.
    post(
        &s,
        &ak,
        seat("guest", "2025-01-01", Some("2025-12-31")),
        StatusCode::CREATED,
    )
    .await;
    post(
        &s,
        &forum,
        seat("member", "2026-01-01", None),
        StatusCode::CREATED,
    )
    .await;
    let colleague = app.person(app.institution).await;
    post(
        &s,
        &ak,
        json!({"person_id": colleague, "organization_id": app.institution, "role": "member",
            "start_on": "2026-01-01"}),
        StatusCode::CREATED,
    )
    .await;

    // To change the role, the seat ends and the new one starts the day after.
    let id = member["id"].as_str().unwrap();
    app.call(
        reqwest::Method::POST,
        &format!("/v1/memberships/{id}/end"),
        &s,
        Some(json!({"end_on": "2026-06-30"})),
        StatusCode::PRECONDITION_REQUIRED,
    )
    .await;
    let ended = app
        .http
        .post(format!("{}/v1/memberships/{id}/end", app.base))
        .bearer_auth(&s)
        .header("If-Match", "\"1\"")
        .json(&json!({"end_on": "2026-06-30"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ended.status(), StatusCode::OK);
    let last_day = post(
        &s,
        &ak,
        seat("speaker", "2026-06-30", None),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(last_day["rule"], "memberships_do_not_overlap");
    post(
        &s,
        &ak,
        seat("speaker", "2026-07-01", None),
        StatusCode::CREATED,
    )
    .await;
    let later = post(
        &s,
        &ak,
        seat("member", "2027-01-01", None),
        StatusCode::CONFLICT,
    )
    .await;
    assert_eq!(later["rule"], "memberships_do_not_overlap");

    // Concurrent requests for the same seat: exactly one is recorded.
    let newcomer = app.person(app.institution).await;
    let requests = (0..8).map(|_| {
        app.http
            .post(format!("{}/v1/bodies/{ak}/memberships", app.base))
            .bearer_auth(&s)
            .json(
                &json!({"person_id": newcomer, "organization_id": app.institution,
                "role": "member", "start_on": "2026-09-01"}),
            )
            .send()
    });
    let mut created = 0;
    for response in futures_util::future::join_all(requests).await {
        let response = response.unwrap();
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => assert_eq!(
                response.json::<Value>().await.unwrap()["rule"],
                "memberships_do_not_overlap"
            ),
            other => panic!("{other}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!(created, 1);
    let seats = app
        .call(
            reqwest::Method::GET,
            &format!("/v1/bodies/{ak}/memberships?limit=200"),
            &s,
            None,
            StatusCode::OK,
        )
        .await;
    let of_newcomer = seats["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["person_id"] == newcomer.to_string())
        .count();
    assert_eq!(of_newcomer, 1);

    // The database itself refuses an overlapping seat written past the service.
    let refused = app
        .try_sql(&format!(
            "INSERT INTO memberships (id, body_id, person_id, organization_id, role, start_on) \
             VALUES ('{}', '{ak}', '{newcomer}', '{}', 'member', '2027-01-01')",
            Uuid::now_v7(),
            app.institution
        ))
        .await
        .unwrap_err();
    assert!(refused.contains("memberships_do_not_overlap"), "{refused}");

    // Only the recorded seats were announced.
    let events = probe.drain(std::time::Duration::from_millis(1500)).await;
    let started = events
        .iter()
        .filter(|e| e["type"] == "committee.membership.started.v1")
        .count();
    assert_eq!(started, 6);
}
