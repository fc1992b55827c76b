//! Registrations: seats, reservations, the organisation's limit, the waiting list and its
//! offers, under concurrency; who may register, cancel and accept.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn staff_register_themselves_once_and_their_organisations_software_registers_them_too() {
    let app = spawn().await;
    let session = session(&app, json!({})).await;
    let (anna, ben) = (
        person(&app, INSTITUTIONS[0]).await,
        person(&app, INSTITUTIONS[0]).await,
    );
    let own = register(&app, &session, anna, INSTITUTIONS[0]).await;
    assert_eq!(own.expect(StatusCode::CREATED)["state"], "confirmed");
    register(&app, &session, anna, INSTITUTIONS[0])
        .await
        .expect_conflict("already_registered");
    // Anna may not register Ben; their organisation's software may.
    let path = format!("/v1/sessions/{}/registrations", id(&session));
    as_person(&app, anna, INSTITUTIONS[0])
        .post(&path)
        .json(&json!({"person_id": ben}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.as_(Persona::role("service").of(INSTITUTIONS[1]))
        .post(&path)
        .json(&json!({"person_id": ben}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let by_software = app
        .as_(Persona::role("service").of(INSTITUTIONS[0]))
        .post(&path)
        .json(&json!({"person_id": ben}))
        .send()
        .await;
    assert_eq!(
        by_software.expect(StatusCode::CREATED)["state"],
        "confirmed"
    );
    // Someone the directory does not know, or of the education provider.
    let stranger = Uuid::now_v7();
    organiser(&app)
        .post(&path)
        .json(&json!({"person_id": stranger}))
        .send()
        .await
        .expect_conflict("person_unknown");
    let trainer = person(&app, PROVIDER).await;
    organiser(&app)
        .post(&path)
        .json(&json!({"person_id": trainer}))
        .send()
        .await
        .expect_conflict("person_unknown");
    // Staff read their own registrations only.
    let mine = as_person(&app, anna, INSTITUTIONS[0])
        .list_all("/v1/registrations")
        .await;
    assert_eq!(mine.len(), 1);
    assert_eq!(organiser(&app).list_all("/v1/registrations").await.len(), 2);
    as_person(&app, anna, INSTITUTIONS[0])
        .get(&format!(
            "/v1/registrations/{}",
            id(by_software.expect(StatusCode::CREATED))
        ))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.stop().await;
}

#[tokio::test]
async fn registration_is_open_only_inside_its_window() {
    let app = spawn().await;
    let later = session(&app, json!({"registration_opens_on": days_from_today(2)})).await;
    let anna = person(&app, OFFICES[0]).await;
    register(&app, &later, anna, OFFICES[0])
        .await
        .expect_conflict("registration_closed");
    assert_eq!(later["state"], "planned");
    app.stop().await;
}

#[tokio::test]
async fn reserved_seats_wait_for_the_other_kind_and_an_organisation_gets_its_limit() {
    let app = spawn().await;
    let session = session(
        &app,
        json!({"capacity": 4, "min_youth_office_seats": 3, "min_institution_seats": 1,
            "reserved_until": days_from_today(5), "max_per_organization": 1}),
    )
    .await;
    let mut people = Vec::new();
    for org in [
        INSTITUTIONS[0],
        INSTITUTIONS[1],
        INSTITUTIONS[0],
        OFFICES[0],
        OFFICES[1],
    ] {
        people.push((person(&app, org).await, org));
    }
    let state = |reply: &Reply| reply.expect(StatusCode::CREATED)["state"].clone();
    // Institution 1: a seat. Institution 2: none (the three left are kept for youth offices).
    let first = register(&app, &session, people[0].0, people[0].1).await;
    assert_eq!(state(&first), "confirmed");
    let second = register(&app, &session, people[1].0, people[1].1).await;
    assert_eq!(state(&second), "waitlisted");
    assert!(
        second.expect(StatusCode::CREATED)["reason"]
            .as_str()
            .unwrap()
            .contains("kept for staff of the other kind")
    );
    // Institution 1 again: its limit of one.
    let third = register(&app, &session, people[2].0, people[2].1).await;
    assert_eq!(state(&third), "waitlisted");
    assert!(
        third.expect(StatusCode::CREATED)["reason"]
            .as_str()
            .unwrap()
            .contains("organisation")
    );
    for (person, org) in &people[3..] {
        let office = register(&app, &session, *person, *org).await;
        assert_eq!(state(&office), "confirmed");
    }
    let read = organiser(&app)
        .get(&format!("/v1/sessions/{}", id(&session)))
        .send()
        .await;
    let read = read.expect(StatusCode::OK);
    assert_eq!(
        (read["confirmed"].as_i64(), read["waitlisted"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(read["free_seats"], 1);
    // Per kind: two offices and one institution hold seats; the free one is still kept for
    // youth offices (three at least), none for institutions (one reached).
    assert_eq!(read["youth_office_taken"], 2);
    assert_eq!(read["institution_taken"], 1);
    assert_eq!(read["youth_office_seats_kept"], 1);
    assert_eq!(read["institution_seats_kept"], 0);
    app.stop().await;
}

#[tokio::test]
async fn many_registering_at_once_never_overbook_a_session() {
    let app = spawn().await;
    let session = session(&app, json!({"capacity": 5})).await;
    let mut people = Vec::new();
    for n in 0..30 {
        let org = if n % 2 == 0 {
            OFFICES[n % 4 / 2]
        } else {
            INSTITUTIONS[n % 4 / 2]
        };
        people.push((person(&app, org).await, org));
    }
    let app_ref = &app;
    let session_ref = &session;
    let replies =
        futures_util::future::join_all(people.iter().map(|(person, org)| async move {
            register(app_ref, session_ref, *person, *org).await
        }))
        .await;
    let states: Vec<String> = replies
        .iter()
        .map(|r| {
            r.expect(StatusCode::CREATED)["state"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(states.iter().filter(|s| *s == "confirmed").count(), 5);
    assert_eq!(states.iter().filter(|s| *s == "waitlisted").count(), 25);
    let confirmed = app
        .sql(&format!(
            "SELECT count(*) AS n FROM registrations WHERE session_id = '{}' AND state = 'confirmed'",
            id(&session)
        ))
        .await;
    assert_eq!(confirmed[0]["n"], 5);
    let positions = app
        .sql(&format!(
            "SELECT count(DISTINCT waitlist_position) AS n FROM registrations \
             WHERE session_id = '{}' AND state = 'waitlisted'",
            id(&session)
        ))
        .await;
    assert_eq!(positions[0]["n"], 25);
    app.stop().await;
}

#[tokio::test]
async fn a_freed_seat_is_offered_to_the_next_in_line_who_accepts_it_or_lets_it_expire() {
    let app = spawn().await;
    let session = session(&app, json!({"capacity": 1, "offer_hours": 24})).await;
    let mut people = Vec::new();
    for org in [INSTITUTIONS[0], INSTITUTIONS[1], OFFICES[0]] {
        people.push((person(&app, org).await, org));
    }
    let mut registrations = Vec::new();
    for (person, org) in &people {
        let reply = register(&app, &session, *person, *org).await;
        registrations.push(reply.expect(StatusCode::CREATED).clone());
    }
    assert_eq!(registrations[1]["state"], "waitlisted");
    assert!(
        registrations[1]["waitlist_position"].as_i64()
            < registrations[2]["waitlist_position"].as_i64()
    );

    // The first cancels with a stale ETag, then properly: the second is offered the seat.
    let (first, first_org) = people[0];
    let path = format!("/v1/registrations/{}", id(&registrations[0]));
    let me = as_person(&app, first, first_org);
    me.post(&format!("{path}/cancellation"))
        .if_match("\"9\"")
        .json(&json!({}))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let etag = me.get(&path).send().await.etag();
    let cancelled = me
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "Terminüberschneidung"}))
        .send()
        .await;
    assert_eq!(cancelled.expect(StatusCode::OK)["state"], "cancelled");
    let second_path = format!("/v1/registrations/{}", id(&registrations[1]));
    let (second, second_org) = people[1];
    let offered = as_person(&app, second, second_org)
        .get(&second_path)
        .send()
        .await;
    let offered_etag = offered.etag();
    let offered = offered.expect(StatusCode::OK).clone();
    assert_eq!(offered["state"], "offered");
    assert!(offered["offered_until"].is_string());
    // A cancelled registration changes no more.
    let etag = me.get(&path).send().await.etag();
    me.post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({}))
        .send()
        .await
        .expect_conflict("registration_ended");
    // The third may not accept an offer that is not theirs, nor one they were not made.
    let (third, third_org) = people[2];
    let third_path = format!("/v1/registrations/{}", id(&registrations[2]));
    let third_caller = as_person(&app, third, third_org);
    third_caller
        .post(&format!("{second_path}/acceptance"))
        .if_match(&offered_etag)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let third_etag = third_caller.get(&third_path).send().await.etag();
    third_caller
        .post(&format!("{third_path}/acceptance"))
        .if_match(&third_etag)
        .send()
        .await
        .expect_conflict("registration_not_offered");

    // The offer runs out: it expires and the seat goes to the third.
    app.execute(&format!(
        "UPDATE registrations SET offered_until = now() - interval '1 minute' WHERE id = '{}'",
        id(&registrations[1])
    ))
    .await;
    as_person(&app, second, second_org)
        .post(&format!("{second_path}/acceptance"))
        .if_match(&offered_etag)
        .send()
        .await
        .expect_conflict("offer_expired");
    let expired = qmf_training::app::registrations::expire_offers(app.pool())
        .await
        .unwrap();
    assert_eq!(expired, 1);
    let gone = as_person(&app, second, second_org)
        .get(&second_path)
        .send()
        .await;
    assert_eq!(gone.expect(StatusCode::OK)["state"], "expired");
    let now_offered = third_caller.get(&third_path).send().await;
    let etag = now_offered.etag();
    assert_eq!(now_offered.expect(StatusCode::OK)["state"], "offered");
    let accepted = third_caller
        .post(&format!("{third_path}/acceptance"))
        .if_match(&etag)
        .send()
        .await;
    let accepted = accepted.expect(StatusCode::OK);
    assert_eq!(accepted["state"], "confirmed");
    assert!(accepted["waitlist_position"].is_null());
    app.expect_outbox(&[
        "training.course.added.v1",
        "training.session.scheduled.v1",
        "training.registration.confirmed.v1",
        "training.registration.waitlisted.v1",
        "training.registration.waitlisted.v1",
        "training.registration.cancelled.v1",
        "training.registration.offered.v1",
        "training.registration.offer_expired.v1",
        "training.registration.offered.v1",
        "training.registration.confirmed.v1",
    ])
    .await;
    app.stop().await;
}

#[tokio::test]
async fn after_the_cancellation_deadline_only_the_organisers_cancel() {
    let app = spawn().await;
    let session = session(
        &app,
        json!({"registration_opens_on": today() - chrono::Days::new(10),
            "cancellation_deadline": today() - chrono::Days::new(1)}),
    )
    .await;
    let anna = person(&app, OFFICES[0]).await;
    let registration = register(&app, &session, anna, OFFICES[0]).await;
    let path = format!(
        "/v1/registrations/{}",
        id(registration.expect(StatusCode::CREATED))
    );
    let me = as_person(&app, anna, OFFICES[0]);
    let etag = me.get(&path).send().await.etag();
    me.post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({}))
        .send()
        .await
        .expect_conflict("cancellation_deadline_passed");
    let cancelled = organiser(&app)
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "krank gemeldet"}))
        .send()
        .await;
    let cancelled = cancelled.expect(StatusCode::OK);
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(
        cancelled["late_cancellation"], true,
        "after the deadline: late"
    );
    let published = app
        .sql(
            "SELECT envelope->'data'->'late_cancellation' AS late FROM outbox \
             WHERE event_type = 'training.registration.cancelled.v1'",
        )
        .await;
    assert_eq!(published[0]["late"], true);
    app.stop().await;
}

#[tokio::test]
async fn a_repeated_idempotency_key_registers_once_and_a_stale_etag_cancels_nothing() {
    let app = spawn().await;
    let session = session(&app, json!({})).await;
    let anna = person(&app, INSTITUTIONS[0]).await;
    let path = format!("/v1/sessions/{}/registrations", id(&session));
    let key = Uuid::now_v7().to_string();
    let caller = as_person(&app, anna, INSTITUTIONS[0]);
    let send = |body: Value| caller.post(&path).idempotency_key(&key).json(&body).send();
    let first = send(json!({"person_id": anna})).await;
    let registered = first.expect(StatusCode::CREATED).clone();
    let again = send(json!({"person_id": anna})).await;
    assert_eq!(again.expect(StatusCode::CREATED), &registered);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    // The stored answer comes first, even once the person has left their organisation.
    app.execute(&format!(
        "UPDATE directory_people SET active = false WHERE id = '{anna}'"
    ))
    .await;
    let after_leaving = send(json!({"person_id": anna})).await;
    assert_eq!(after_leaving.expect(StatusCode::CREATED), &registered);
    let confirmed = app
        .sql("SELECT count(*) AS n FROM outbox WHERE event_type = 'training.registration.confirmed.v1'")
        .await;
    assert_eq!(confirmed[0]["n"], 1);
    send(json!({"person_id": Uuid::now_v7()}))
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency-key-reused");

    // A session changed since it was read is not cancelled.
    let session_path = format!("/v1/sessions/{}", id(&session));
    organiser(&app)
        .post(&format!("{session_path}/cancellation"))
        .if_match("\"99\"")
        .json(&json!({"reason": "Referentin erkrankt"}))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let read = organiser(&app).get(&session_path).send().await;
    assert_eq!(read.expect(StatusCode::OK)["state"], "open");
    // Bounded lists.
    let many: Vec<Uuid> = (0..21).map(|_| Uuid::now_v7()).collect();
    organiser(&app)
        .post("/v1/courses")
        .json(
            &json!({"title": "X", "topic": "refresher", "description": "Y", "duration_hours": 2,
            "completion_rule": "all_parts_attended", "prerequisites": many}),
        )
        .send()
        .await
        .expect_validation(&["/prerequisites"]);
    app.stop().await;
}

#[tokio::test]
async fn organisers_offer_a_free_seat_out_of_order_and_reorder_the_waiting_list() {
    let app = spawn().await;
    let session = session(&app, json!({"capacity": 2, "max_per_organization": 1})).await;
    let mut registrations = Vec::new();
    for org in [OFFICES[0], OFFICES[0]] {
        let person = person(&app, org).await;
        let reply = register(&app, &session, person, org).await;
        registrations.push((person, org, reply.expect(StatusCode::CREATED).clone()));
    }
    let (anna, ben) = (&registrations[0], &registrations[1]);
    assert_eq!(anna.2["state"], "confirmed");
    assert_eq!(ben.2["state"], "waitlisted");
    let ben_path = format!("/v1/registrations/{}", id(&ben.2));

    // Ben waits for his organisation's limit although a seat is free: the organisers may
    // offer it to him anyway, with the current ETag.
    as_person(&app, ben.0, ben.1)
        .post(&format!("{ben_path}/offer"))
        .if_match("\"1\"")
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .post(&format!("{ben_path}/offer"))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    organiser(&app)
        .post(&format!("{ben_path}/offer"))
        .if_match("\"9\"")
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let etag = organiser(&app).get(&ben_path).send().await.etag();
    let offered = organiser(&app)
        .post(&format!("{ben_path}/offer"))
        .if_match(&etag)
        .send()
        .await;
    assert_eq!(offered.expect(StatusCode::OK)["state"], "offered");

    // Now full: Carl and Dora wait, and no seat is left to offer.
    let mut waiting = Vec::new();
    for org in [INSTITUTIONS[0], INSTITUTIONS[1]] {
        let person = person(&app, org).await;
        let reply = register(&app, &session, person, org).await;
        let body = reply.expect(StatusCode::CREATED).clone();
        assert_eq!(body["state"], "waitlisted");
        waiting.push(id(&body));
    }
    let (carl, dora) = (&waiting[0], &waiting[1]);
    let etag_of = |path: String| {
        let caller = organiser(&app);
        async move { caller.get(&path).send().await.etag() }
    };
    let carl_path = format!("/v1/registrations/{carl}");
    organiser(&app)
        .post(&format!("{carl_path}/offer"))
        .if_match(etag_of(carl_path.clone()).await)
        .send()
        .await
        .expect_conflict("no_free_seat");

    // Dora moves before Carl; moving before a confirmed one, or a confirmed one, is refused.
    let order = || async {
        app.sql(&format!(
            "SELECT id FROM registrations WHERE session_id = '{}' AND state = 'waitlisted' \
             ORDER BY waitlist_position",
            id(&session)
        ))
        .await
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
    };
    assert_eq!(order().await, [carl.clone(), dora.clone()]);
    let dora_path = format!("/v1/registrations/{dora}");
    let moved = organiser(&app)
        .post(&format!("{dora_path}/waitlist-position"))
        .if_match(etag_of(dora_path.clone()).await)
        .json(&json!({"before": carl}))
        .send()
        .await;
    assert_eq!(moved.expect(StatusCode::OK)["state"], "waitlisted");
    assert_eq!(order().await, [dora.clone(), carl.clone()]);
    organiser(&app)
        .post(&format!("{dora_path}/waitlist-position"))
        .if_match(etag_of(dora_path.clone()).await)
        .json(&json!({"before": id(&anna.2)}))
        .send()
        .await
        .expect_conflict("registration_not_waitlisted");
    let anna_path = format!("/v1/registrations/{}", id(&anna.2));
    organiser(&app)
        .post(&format!("{anna_path}/waitlist-position"))
        .if_match(etag_of(anna_path.clone()).await)
        .json(&json!({"before": null}))
        .send()
        .await
        .expect_conflict("registration_not_waitlisted");
    as_person(&app, anna.0, anna.1)
        .post(&format!("{dora_path}/waitlist-position"))
        .if_match(etag_of(dora_path.clone()).await)
        .json(&json!({"before": null}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");

    // The order counts: Ben gives his offer back and Dora, now first, is offered the seat.
    organiser(&app)
        .post(&format!("{ben_path}/cancellation"))
        .if_match(etag_of(ben_path.clone()).await)
        .json(&json!({"reason": "verhindert"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let dora_now = organiser(&app).get(&dora_path).send().await;
    assert_eq!(dora_now.expect(StatusCode::OK)["state"], "offered");
    let carl_now = organiser(&app).get(&carl_path).send().await;
    assert_eq!(carl_now.expect(StatusCode::OK)["state"], "waitlisted");
    app.stop().await;
}

#[tokio::test]
async fn staff_registering_themselves_wait_for_their_leaders_approval_when_the_session_asks() {
    let app = spawn().await;
    let session = session(&app, json!({"requires_approval": true})).await;
    assert_eq!(session["requires_approval"], true);
    let leader = person(&app, INSTITUTIONS[0]).await;
    let other_leader = person(&app, INSTITUTIONS[1]).await;
    app.execute(&format!(
        "UPDATE directory_people SET functions = '{{leader}}' WHERE id IN ('{leader}', '{other_leader}')"
    ))
    .await;
    let (anna, ben, carl) = (
        person(&app, INSTITUTIONS[0]).await,
        person(&app, INSTITUTIONS[0]).await,
        person(&app, INSTITUTIONS[0]).await,
    );
    let pending = register(&app, &session, anna, INSTITUTIONS[0]).await;
    let pending = pending.expect(StatusCode::CREATED).clone();
    assert_eq!(pending["state"], "pending_approval");
    register(&app, &session, anna, INSTITUTIONS[0])
        .await
        .expect_conflict("already_registered");
    let published = app
        .sql(
            "SELECT count(*) AS n FROM outbox \
             WHERE event_type = 'training.registration.pending_approval.v1'",
        )
        .await;
    assert_eq!(published[0]["n"], 1);
    // Registered by the organisation's software: no approval needed.
    let by_software = app
        .as_(Persona::role("service").of(INSTITUTIONS[0]))
        .post(&format!("/v1/sessions/{}/registrations", id(&session)))
        .json(&json!({"person_id": carl}))
        .send()
        .await;
    assert_eq!(
        by_software.expect(StatusCode::CREATED)["state"],
        "confirmed"
    );

    let path = format!("/v1/registrations/{}", id(&pending));
    let approval = format!("{path}/approval");
    // Not herself, not a colleague without the leader function, not another organisation's leader.
    for (caller, org) in [
        (anna, INSTITUTIONS[0]),
        (ben, INSTITUTIONS[0]),
        (other_leader, INSTITUTIONS[1]),
    ] {
        as_person(&app, caller, org)
            .post(&approval)
            .if_match("\"1\"")
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let boss = as_person(&app, leader, INSTITUTIONS[0]);
    boss.post(&approval)
        .if_match("\"2\"")
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let approved = boss.post(&approval).if_match("\"1\"").send().await;
    let approved = approved.expect(StatusCode::OK).clone();
    assert_eq!(approved["state"], "confirmed");
    boss.post(&approval)
        .if_match(format!("\"{}\"", approved["version"]))
        .send()
        .await
        .expect_conflict("registration_not_pending_approval");

    // Ben's request is rejected with a reason.
    let ben_request = register(&app, &session, ben, INSTITUTIONS[0]).await;
    let ben_path = format!(
        "/v1/registrations/{}",
        id(ben_request.expect(StatusCode::CREATED))
    );
    boss.post(&format!("{ben_path}/rejection"))
        .if_match("\"1\"")
        .json(&json!({"reason": ""}))
        .send()
        .await
        .expect_validation(&["/reason"]);
    let rejected = boss
        .post(&format!("{ben_path}/rejection"))
        .if_match("\"1\"")
        .json(&json!({"reason": "Teilnahme im nächsten Halbjahr"}))
        .send()
        .await;
    let rejected = rejected.expect(StatusCode::OK);
    assert_eq!(rejected["state"], "cancelled");
    assert_eq!(rejected["reason"], "Teilnahme im nächsten Halbjahr");
    app.stop().await;
}

#[tokio::test]
async fn an_organisations_leader_or_qmf_coordinator_registers_colleagues_and_sees_their_registrations()
 {
    let app = spawn().await;
    let session = session(&app, json!({})).await;
    let (leader, coordinator, anna, ben) = (
        person(&app, OFFICES[0]).await,
        person(&app, OFFICES[0]).await,
        person(&app, OFFICES[0]).await,
        person(&app, OFFICES[0]).await,
    );
    let stranger = person(&app, OFFICES[1]).await;
    app.execute(&format!(
        "UPDATE directory_people SET functions = '{{leader}}' WHERE id IN ('{leader}', '{stranger}')"
    ))
    .await;
    app.execute(&format!(
        "UPDATE directory_people SET functions = '{{qmf_coordinator}}' WHERE id = '{coordinator}'"
    ))
    .await;
    let path = format!("/v1/sessions/{}/registrations", id(&session));
    let by = |caller: Uuid, org: Uuid, person: Uuid| {
        let request = as_person(&app, caller, org)
            .post(&path)
            .json(&json!({"person_id": person}));
        async move { request.send().await }
    };
    // A plain colleague may not; another organisation's leader may not.
    by(ben, OFFICES[0], anna)
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    by(stranger, OFFICES[1], anna)
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    by(leader, OFFICES[0], anna)
        .await
        .expect(StatusCode::CREATED);
    by(coordinator, OFFICES[0], ben)
        .await
        .expect(StatusCode::CREATED);
    // The leader sees the organisation's registrations; Ben only his own.
    let listed = as_person(&app, leader, OFFICES[0])
        .get("/v1/registrations")
        .send()
        .await;
    assert_eq!(
        listed.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let own = as_person(&app, ben, OFFICES[0])
        .get("/v1/registrations")
        .send()
        .await;
    let own = own.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["person_id"], json!(ben));
    let strangers = as_person(&app, stranger, OFFICES[1])
        .get("/v1/registrations")
        .send()
        .await;
    assert_eq!(strangers.expect(StatusCode::OK)["items"], json!([]));
    app.stop().await;
}
