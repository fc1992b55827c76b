//! Bodies, management terms and the memberships derived from them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

/// Records a management term of `office` from `start_on` as `caller`.
async fn record_term(caller: &Caller, office: Uuid, start_on: &str) -> Reply {
    caller
        .post("/v1/management-terms")
        .json(&json!({"office_id": office, "start_on": start_on}))
        .send()
        .await
}

/// The office the service proposes for the next term, and its first day.
async fn proposal(secretary: &Caller) -> Value {
    let reply = secretary.get("/v1/management-terms/proposal").send().await;
    reply.expect(StatusCode::OK).clone()
}

/// The types of the events `probe` receives until it is quiet.
async fn event_types(probe: &mut EventProbe) -> Vec<String> {
    probe
        .drain(Duration::from_millis(1500))
        .await
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn the_region_s_bodies_are_there() {
    let app = spawn().await;
    let reader = app.as_(Persona::institution_staff().of(INSTITUTION));
    let page = reader.get("/v1/bodies?limit=200").send().await;
    let names: Vec<&str> = page.expect(StatusCode::OK)["items"]
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
    let groups = reader.get("/v1/bodies?kind=working_group").send().await;
    let groups = groups.expect(StatusCode::OK)["items"].as_array().unwrap();
    let named = |name: &str| groups.iter().find(|b| b["name"] == name).unwrap();
    let psych = named("AK Jugendhilfe–Psychiatrie");
    let sub = named("UAK Kooperationsvereinbarung");
    assert_eq!(sub["parent_id"], psych["id"]);
    assert_eq!(psych["permanent"], false);
    reader
        .get("/v1/bodies?status=gone")
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    reader
        .get(&format!("/v1/bodies/{}", Uuid::now_v7()))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    app.anonymous()
        .get("/v1/bodies")
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);
    app.stop().await;
}

#[tokio::test]
async fn terms_rotate_among_youth_offices_without_gap_or_overlap() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let s = secretary(&app);
    let [a, b, c] = OFFICES;

    assert_eq!(
        proposal(&s).await["office_id"],
        a.to_string(),
        "no history: by name"
    );
    let first = record_term(&s, a, "2025-01-01").await;
    assert_eq!(first.expect(StatusCode::CREATED)["end_on"], "2026-12-31");

    for (office, start_on, rule) in [
        (b, "2026-06-01", "terms_do_not_overlap"),
        (b, "2027-03-01", "terms_without_gap"),
        (INSTITUTION, "2027-01-01", "term_requires_youth_office"),
        (Uuid::now_v7(), "2027-01-01", "term_requires_youth_office"),
    ] {
        record_term(&s, office, start_on)
            .await
            .expect_conflict(rule);
    }

    let next = proposal(&s).await;
    assert_eq!(next["office_id"], b.to_string());
    assert_eq!(next["start_on"], "2027-01-01");
    record_term(&s, b, "2027-01-01")
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        proposal(&s).await["office_id"],
        c.to_string(),
        "C never held it"
    );
    record_term(&s, c, "2029-01-01")
        .await
        .expect(StatusCode::CREATED);
    assert_eq!(
        proposal(&s).await["office_id"],
        a.to_string(),
        "A's term lies furthest back"
    );
    let all = s.get("/v1/management-terms").send().await;
    assert_eq!(all.expect(StatusCode::OK).as_array().unwrap().len(), 3);

    let events = probe.drain(Duration::from_millis(1500)).await;
    let started: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "committee.management_term.started.v1")
        .collect();
    assert_eq!(started.len(), 3);
    assert_eq!(started[0]["data"]["office_id"], a.to_string());
    assert_eq!(started[0]["data"]["end_on"], "2026-12-31");
    app.stop().await;
}

#[tokio::test]
async fn the_holder_chairs_the_forum_and_the_steering_group_for_the_term() {
    let app = spawn().await;
    let s = secretary(&app);
    let office = OFFICES[1];
    let term = record_term(&s, office, "2025-01-01").await;
    let term = term.expect(StatusCode::CREATED);
    for name in ["Forum Jugendhilfe", "Steuerungsgruppe"] {
        let id = app.body(name).await;
        let seats = |day: &str| {
            s.get(&format!("/v1/bodies/{id}/memberships?active_on={day}"))
                .send()
        };
        let during = seats("2026-06-01").await;
        let chair = &during.expect(StatusCode::OK)["items"][0];
        assert_eq!(chair["role"], "chair");
        assert_eq!(chair["organization_id"], office.to_string());
        assert_eq!(chair["term_id"], term["id"]);
        assert_eq!(chair["start_on"], "2025-01-01");
        assert_eq!(chair["end_on"], "2026-12-31");
        let after = seats("2027-01-01").await;
        assert_eq!(after.expect(StatusCode::OK)["items"], json!([]));
    }
    app.stop().await;
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
        record_term(
            &app.as_(Persona::role(role).of(OFFICES[0])),
            OFFICES[0],
            "2025-01-01",
        )
        .await
        .expect(StatusCode::FORBIDDEN);
    }
    record_term(&app.as_(Persona::admin()), OFFICES[0], "2025-01-01")
        .await
        .expect(StatusCode::CREATED);
    // The database itself refuses overlapping terms, whatever writes them.
    let overlap = app
        .try_execute(&format!(
            "INSERT INTO management_terms (id, office_id, start_on, end_on, created_by) VALUES ('{}', '{}', '2026-01-01', '2027-12-31', 'x')",
            Uuid::now_v7(),
            OFFICES[1]
        ))
        .await;
    assert!(overlap.is_err());
    app.stop().await;
}

#[tokio::test]
async fn memberships_follow_the_rules_of_each_body() {
    let app = spawn().await;
    let mut probe = EventProbe::bind(&app.exchange, "committee.membership.#").await;
    let s = secretary(&app);
    let ak = format!("/v1/bodies/{}/memberships", app.body("AK QMF").await);
    let forum = format!("/v1/bodies/{}/memberships", app.forum().await);
    let person = app.person(INSTITUTION).await;
    let seat = |role: &str, org: Uuid| json!({"person_id": person, "organization_id": org, "role": role, "start_on": "2026-01-01"});
    let post = async |caller: &Caller, seats: &str, body: Value| {
        caller.post(seats).json(&body).send().await
    };

    let speaker = post(&s, &ak, seat("speaker", INSTITUTION)).await;
    assert_eq!(speaker.expect(StatusCode::CREATED)["role"], "speaker");
    post(&s, &forum, seat("speaker", INSTITUTION))
        .await
        .expect_conflict("speaker_only_in_working_groups");
    post(&s, &forum, seat("chair", OFFICES[0]))
        .await
        .expect_conflict("chair_comes_with_the_management_term");
    let unknown_org = post(&s, &forum, seat("guest", Uuid::now_v7())).await;
    assert_eq!(
        unknown_org.expect(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/organization_id"
    );
    // The person must be known from the directory, work for the organisation and be active.
    let stranger = json!({"person_id": Uuid::now_v7(), "organization_id": INSTITUTION, "role": "member", "start_on": "2026-01-01"});
    let unknown_person = post(&s, &ak, stranger).await;
    assert_eq!(
        unknown_person.expect(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/person_id"
    );
    let other_org = post(&s, &ak, seat("member", OFFICES[0])).await;
    assert_eq!(
        other_org.expect(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/organization_id"
    );
    let former = app.person(INSTITUTION).await;
    app.execute(&format!(
        "UPDATE directory_people SET active = false WHERE id = '{former}'"
    ))
    .await;
    post(&s, &ak, json!({"person_id": former, "organization_id": INSTITUTION, "role": "member", "start_on": "2026-01-01"}))
        .await
        .expect_conflict("person_inactive");
    let mut backwards = seat("member", INSTITUTION);
    backwards["end_on"] = json!("2025-01-01");
    post(&s, &ak, backwards)
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let staff = app.as_(Persona::institution_staff().of(INSTITUTION));
    post(&staff, &ak, seat("member", INSTITUTION))
        .await
        .expect(StatusCode::FORBIDDEN);

    let end = format!("/v1/memberships/{}/end", speaker.id());
    let end = |etag: &'static str| {
        s.post(&end)
            .if_match(etag)
            .json(&json!({"end_on": "2026-12-31"}))
            .send()
    };
    end("\"7\"").await.expect(StatusCode::PRECONDITION_FAILED);
    let ended = end("\"1\"").await;
    ended.expect(StatusCode::OK);
    assert_eq!(ended.etag(), "\"2\"");
    assert_eq!(end("\"2\"").await.body["rule"], "membership_already_ended");

    assert_eq!(
        event_types(&mut probe).await,
        [
            "committee.membership.started.v1",
            "committee.membership.ended.v1"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn seats_that_come_with_a_term_end_with_it() {
    let app = spawn().await;
    let s = secretary(&app);
    record_term(&s, OFFICES[0], "2025-01-01")
        .await
        .expect(StatusCode::CREATED);
    let forum = app.forum().await;
    let seats = s
        .get(&format!("/v1/bodies/{forum}/memberships"))
        .send()
        .await;
    let id = seats.expect(StatusCode::OK)["items"][0]["id"]
        .as_str()
        .unwrap();
    s.post(&format!("/v1/memberships/{id}/end"))
        .if_match("\"1\"")
        .json(&json!({"end_on": "2025-06-30"}))
        .send()
        .await
        .expect_conflict("membership_comes_with_a_term");
    app.stop().await;
}

#[tokio::test]
async fn temporary_working_groups_are_set_up_and_dissolved_with_their_memberships() {
    let app = spawn().await;
    let mut probe = EventProbe::bind(&app.exchange, "committee.body.#").await;
    let s = secretary(&app);
    let establish = |body: Value| s.post("/v1/bodies").json(&body).send();
    let inklusion =
        json!({"name": "AK Inklusion", "permanent": false, "established_on": "2026-01-01"});
    let group = establish(inklusion.clone()).await;
    assert_eq!(group.expect(StatusCode::CREATED)["kind"], "working_group");
    let id = group.id();
    establish(inklusion)
        .await
        .expect_conflict("body_name_unique");
    let forum = app.forum().await;
    establish(json!({"name": "UAK X", "permanent": false, "parent_id": forum, "established_on": "2026-01-01"}))
        .await
        .expect_conflict("parent_must_be_an_active_working_group");
    let sub = establish(json!({"name": "UAK Schule", "permanent": false, "parent_id": id, "established_on": "2026-02-01"})).await;
    sub.expect(StatusCode::CREATED);
    s.post(&format!("/v1/bodies/{id}/memberships"))
        .json(&json!({"person_id": app.person(INSTITUTION).await, "organization_id": INSTITUTION, "role": "member", "start_on": "2026-01-01"}))
        .send()
        .await
        .expect(StatusCode::CREATED);

    let dissolve = |target: String| {
        s.post(&format!("/v1/bodies/{target}/dissolve"))
            .if_match("\"1\"")
            .json(&json!({"dissolved_on": "2026-12-31"}))
            .send()
    };
    dissolve(id.clone())
        .await
        .expect_conflict("dissolve_sub_groups_first");
    dissolve(sub.id()).await.expect(StatusCode::OK);
    let done = dissolve(id.clone()).await;
    assert_eq!(done.expect(StatusCode::OK)["status"], "dissolved");
    let open = s
        .get(&format!("/v1/bodies/{id}/memberships?active_on=2027-01-01"))
        .send()
        .await;
    assert_eq!(
        open.expect(StatusCode::OK)["items"],
        json!([]),
        "memberships ended with the body"
    );
    let permanent = dissolve(app.body("AK QMF").await).await;
    assert_eq!(
        permanent.body["rule"],
        "only_temporary_working_groups_dissolve"
    );
    app.as_(Persona::institution_staff().of(INSTITUTION))
        .post("/v1/bodies")
        .json(&json!({"name": "AK Y", "permanent": false, "established_on": "2026-01-01"}))
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);

    let events = probe.drain(Duration::from_millis(1500)).await;
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
    app.stop().await;
}

#[tokio::test]
async fn a_person_holds_one_seat_at_a_time_in_a_body() {
    let app = spawn().await;
    let mut probe = EventProbe::bind(&app.exchange, "committee.membership.#").await;
    let s = secretary(&app);
    let admin = app.as_(Persona::admin());
    let ak = app.body("AK QMF").await;
    let forum = app.forum().await;
    let person = app.person(INSTITUTION).await;
    let seat = |role: &str, start: &str, end: Option<&str>| {
        json!({"person_id": person, "organization_id": INSTITUTION, "role": role,
            "start_on": start, "end_on": end})
    };
    let post = async |caller: &Caller, body: &str, seat: Value| {
        caller
            .post(&format!("/v1/bodies/{body}/memberships"))
            .json(&seat)
            .send()
            .await
    };

    let member = post(&s, &ak, seat("member", "2026-01-01", None)).await;
    member.expect(StatusCode::CREATED);
    // A second seat sharing any day with the open one is refused, whatever the role and
    // whoever asks; also one that ends on its first day.
    for (caller, overlapping) in [
        (&s, seat("speaker", "2026-06-01", None)),
        (&admin, seat("member", "2026-01-01", None)),
        (&s, seat("guest", "2027-03-01", Some("2027-03-01"))),
        (&s, seat("expert", "2025-01-01", Some("2026-01-01"))),
        (&admin, seat("deputy", "2020-01-01", None)),
    ] {
        post(caller, &ak, overlapping)
            .await
            .expect_conflict("memberships_do_not_overlap");
    }
    // Ending before it starts, in another body, or another person: allowed.
    post(&s, &ak, seat("guest", "2025-01-01", Some("2025-12-31")))
        .await
        .expect(StatusCode::CREATED);
    post(&s, &forum, seat("member", "2026-01-01", None))
        .await
        .expect(StatusCode::CREATED);
    let colleague = app.person(INSTITUTION).await;
    post(
        &s,
        &ak,
        json!({"person_id": colleague, "organization_id": INSTITUTION, "role": "member",
            "start_on": "2026-01-01"}),
    )
    .await
    .expect(StatusCode::CREATED);

    // To change the role, the seat ends and the new one starts the day after.
    let end = format!("/v1/memberships/{}/end", member.id());
    let end_body = json!({"end_on": "2026-06-30"});
    s.post(&end)
        .json(&end_body)
        .send()
        .await
        .expect(StatusCode::PRECONDITION_REQUIRED);
    s.post(&end)
        .if_match("\"1\"")
        .json(&end_body)
        .send()
        .await
        .expect(StatusCode::OK);
    post(&s, &ak, seat("speaker", "2026-06-30", None))
        .await
        .expect_conflict("memberships_do_not_overlap");
    post(&s, &ak, seat("speaker", "2026-07-01", None))
        .await
        .expect(StatusCode::CREATED);
    post(&s, &ak, seat("member", "2027-01-01", None))
        .await
        .expect_conflict("memberships_do_not_overlap");

    // Concurrent requests for the same seat: exactly one is recorded.
    let newcomer = app.person(INSTITUTION).await;
    let newcomer_seat = json!({"person_id": newcomer, "organization_id": INSTITUTION,
        "role": "member", "start_on": "2026-09-01"});
    let requests = (0..8).map(|_| post(&s, &ak, newcomer_seat.clone()));
    let mut created = 0;
    for reply in futures_util::future::join_all(requests).await {
        match reply.status {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                reply.expect_conflict("memberships_do_not_overlap");
            }
            other => panic!("{other}: {}", reply.body),
        }
    }
    assert_eq!(created, 1);
    let seats = s
        .list_all(&format!("/v1/bodies/{ak}/memberships?limit=200"))
        .await;
    let of_newcomer = seats
        .iter()
        .filter(|m| m["person_id"] == newcomer.to_string())
        .count();
    assert_eq!(of_newcomer, 1);

    // The database itself refuses an overlapping seat written past the service.
    let refused = app
        .try_execute(&format!(
            "INSERT INTO memberships (id, body_id, person_id, organization_id, role, start_on) \
             VALUES ('{}', '{ak}', '{newcomer}', '{INSTITUTION}', 'member', '2027-01-01')",
            Uuid::now_v7()
        ))
        .await
        .unwrap_err();
    assert!(refused.contains("memberships_do_not_overlap"), "{refused}");

    // Only the recorded seats were announced.
    let started = event_types(&mut probe)
        .await
        .iter()
        .filter(|t| *t == "committee.membership.started.v1")
        .count();
    assert_eq!(started, 6);
    app.stop().await;
}
