//! Topics on their route from a working group through the steering group to the Forum, with
//! the actor and version checks, the history, and decisions taken on them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use std::time::Duration;

use qmf_testkit::{Request, eventually};
use serde_json::{Value, json};
use uuid::Uuid;

/// The people of a topic's route: a working group's speaker and member, a steering-group
/// member and someone without a seat.
struct Cast {
    group: String,
    steering: String,
    forum: String,
    speaker: Caller,
    member: Caller,
    steering_member: Caller,
    outsider: Caller,
}

async fn cast(app: &TestApp) -> Cast {
    let group = app.body("AK QMF").await;
    let steering = app.body("Steuerungsgruppe").await;
    let forum = app.forum().await;
    let (speaker, member, steering_member) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    app.seat(&group, speaker, INSTITUTION, "speaker").await;
    app.seat(&group, member, OFFICES[0], "member").await;
    app.seat(&steering, steering_member, OFFICES[1], "member")
        .await;
    Cast {
        group,
        steering,
        forum,
        speaker: app.as_(Persona::person(speaker, INSTITUTION)),
        member: app.as_(Persona::person(member, OFFICES[0])),
        steering_member: app.as_(Persona::person(steering_member, OFFICES[1])),
        outsider: app.as_(Persona::person(Uuid::now_v7(), OFFICES[2])),
    }
}

/// A step on the topic as `caller`.
fn step(caller: &Caller, topic: &str, body: Value) -> Request {
    caller
        .post(&format!("/v1/topics/{topic}/transitions"))
        .json(&body)
}

/// A new draft of the topic as `caller`.
fn redraft(caller: &Caller, topic: &str, title: &str, text: &str) -> Request {
    caller
        .post(&format!("/v1/topics/{topic}/drafts"))
        .json(&json!({"title": title, "text": text}))
}

/// Raises a topic in a body as `caller`.
fn raise(caller: &Caller, body: &str, title: &str, text: &str) -> Request {
    caller
        .post(&format!("/v1/bodies/{body}/topics"))
        .json(&json!({"title": title, "text": text}))
}

/// GETs `path` as `caller` and returns the body of the 200.
async fn read(caller: &Caller, path: &str) -> Value {
    caller.get(path).send().await.expect(StatusCode::OK).clone()
}

/// How many items a list has.
async fn count(caller: &Caller, path: &str) -> usize {
    read(caller, path).await["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_topic_travels_from_the_working_group_to_an_adopted_forum_decision() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let c = cast(&app).await;
    let secretary = secretary(&app);
    let title = "Empfehlung Übergänge §41";

    // Only members of the working group draft its topics.
    raise(&c.outsider, &c.group, title, "Erster Entwurf.")
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    raise(&secretary, &c.forum, title, "Erster Entwurf.")
        .send()
        .await
        .expect_conflict("topics_come_from_working_groups_or_the_steering_group");
    raise(&c.member, &c.group, " ", "x")
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let drafted = raise(&c.member, &c.group, title, "Erster Entwurf.")
        .send()
        .await;
    let topic = drafted.expect(StatusCode::CREATED);
    assert_eq!(topic["state"], "draft");
    assert_eq!(topic["draft_number"], 1);
    let id = drafted.id();
    let mut version = Versioned::of(&drafted);

    // Only the speaker submits; the steering group deliberates.
    version
        .send(step(&c.member, &id, json!({"action": "submit"})))
        .await
        .expect(StatusCode::FORBIDDEN);
    let before = version.clone();
    let submitted = version
        .send(step(&c.speaker, &id, json!({"action": "submit"})))
        .await;
    assert_eq!(submitted.expect(StatusCode::OK)["state"], "submitted");
    // The old ETag is stale now.
    let stale = step(&c.steering_member, &id, json!({"action": "forward"}))
        .if_match(before.etag())
        .send()
        .await;
    assert_eq!(stale.expect(StatusCode::PRECONDITION_FAILED)["status"], 412);
    for caller in [&c.speaker, &secretary] {
        version
            .send(step(caller, &id, json!({"action": "forward"})))
            .await
            .expect(StatusCode::FORBIDDEN);
    }
    version
        .send(step(
            &c.steering_member,
            &id,
            json!({"action": "refer_back"}),
        ))
        .await
        .expect_validation(&["/reason"]);
    let referred = version
        .send(step(
            &c.steering_member,
            &id,
            json!({"action": "refer_back", "reason": "Bitte die Rolle der Kliniken klären."}),
        ))
        .await;
    assert_eq!(referred.expect(StatusCode::OK)["state"], "referred_back");

    // A new draft is needed before resubmitting.
    version
        .send(step(&c.speaker, &id, json!({"action": "submit"})))
        .await
        .expect_conflict("new_draft_required");
    version
        .send(redraft(&c.steering_member, &id, title, "x"))
        .await
        .expect(StatusCode::FORBIDDEN);
    let revised = version
        .send(redraft(
            &c.member,
            &id,
            "Empfehlung Übergänge junger Volljähriger (§41)",
            "Zweiter Entwurf mit Kliniken.",
        ))
        .await;
    assert_eq!(revised.expect(StatusCode::CREATED)["draft_number"], 2);
    version
        .send(step(&c.speaker, &id, json!({"action": "submit"})))
        .await
        .expect(StatusCode::OK);
    // Drafts are locked while the steering group holds the topic.
    version
        .send(redraft(&c.member, &id, "t", "x"))
        .await
        .expect_conflict("draft_locked");
    let forwarded = version
        .send(step(&c.steering_member, &id, json!({"action": "forward"})))
        .await;
    assert_eq!(forwarded.expect(StatusCode::OK)["state"], "forwarded");

    // The management schedules it on a Forum meeting, not on another body's.
    let group_meeting = app.plan_meeting(&c.group, "2026-02-10", false).await.id;
    version
        .send(step(
            &secretary,
            &id,
            json!({"action": "schedule", "meeting_id": group_meeting}),
        ))
        .await
        .expect_conflict("meeting_not_of_forum");
    let meeting = app.plan_meeting(&c.forum, "2026-03-17", true).await.id;
    let schedule = json!({"action": "schedule", "meeting_id": meeting});
    version
        .send(step(&c.steering_member, &id, schedule.clone()))
        .await
        .expect(StatusCode::FORBIDDEN);
    version
        .send(step(&secretary, &id, json!({"action": "schedule"})))
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let scheduled = version.send(step(&secretary, &id, schedule)).await;
    let scheduled = scheduled.expect(StatusCode::OK);
    assert_eq!(scheduled["state"], "scheduled");
    assert_eq!(scheduled["meeting_id"], meeting.as_str());
    let agenda = read(&secretary, &format!("/v1/meetings/{meeting}")).await;
    assert_eq!(agenda["agenda"][0]["topic_id"], id.as_str());
    assert_eq!(
        agenda["agenda"][0]["title"],
        "Empfehlung Übergänge junger Volljähriger (§41)"
    );

    // The Forum decides only in the held meeting, and adopting needs the decision's content.
    let establish = json!({"action": "decide", "outcome": "adopted", "decision": {"kind": "establish_working_group",
        "title": "Einrichtung AK Übergänge", "text": "Das Forum richtet den befristeten AK Übergänge ein und beschließt die Empfehlung.",
        "working_group": {"name": "AK Übergänge", "permanent": false, "mandate": "Übergänge junger Volljähriger begleiten."}}});
    version
        .send(step(&secretary, &id, establish.clone()))
        .await
        .expect_conflict("forum_meeting_not_held");
    app.hold(&meeting).await;
    version
        .send(step(
            &secretary,
            &id,
            json!({"action": "decide", "outcome": "adopted"}),
        ))
        .await
        .expect_validation(&["/decision"]);
    let wrong = version
        .send(step(&secretary, &id, json!({"action": "decide", "outcome": "adopted", "decision": {"kind": "establish_working_group", "title": "t", "text": "x"}})))
        .await;
    assert_eq!(
        wrong.expect(StatusCode::UNPROCESSABLE_ENTITY)["errors"][0]["pointer"],
        "/decision/working_group"
    );
    version
        .send(step(&c.steering_member, &id, establish.clone()))
        .await
        .expect(StatusCode::FORBIDDEN);
    let adopted = version.send(step(&secretary, &id, establish)).await;
    let adopted = adopted.expect(StatusCode::OK);
    assert_eq!(adopted["state"], "adopted");
    assert_eq!(adopted["decisions"][0]["kind"], "establish_working_group");
    assert_eq!(adopted["decisions"][0]["decided_on"], "2026-03-17");
    let new_group = adopted["decisions"][0]["body_id"]
        .as_str()
        .unwrap()
        .to_string();
    let group = read(&secretary, &format!("/v1/bodies/{new_group}")).await;
    assert_eq!(group["name"], "AK Übergänge");
    assert_eq!(group["status"], "active");
    assert_eq!(group["established_on"], "2026-03-17");

    // Final: no step and no new draft.
    for body in [
        json!({"action": "submit"}),
        json!({"action": "decide", "outcome": "postponed"}),
    ] {
        version
            .send(step(&secretary, &id, body))
            .await
            .expect_conflict("topic_is_final");
    }
    version
        .send(redraft(&c.member, &id, "t", "x"))
        .await
        .expect_conflict("topic_is_final");

    // The history keeps every step, with the reason of the referral.
    let history = read(&secretary, &format!("/v1/topics/{id}/history")).await;
    let steps: Vec<(&str, &str)> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["action"].as_str().unwrap(),
                h["to_state"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            ("draft", "draft"),
            ("submit", "submitted"),
            ("refer_back", "referred_back"),
            ("new_draft", "referred_back"),
            ("submit", "submitted"),
            ("forward", "forwarded"),
            ("schedule", "scheduled"),
            ("decide", "adopted")
        ]
    );
    assert_eq!(history[2]["reason"], "Bitte die Rolle der Kliniken klären.");
    assert_eq!(history[7]["meeting_id"], meeting.as_str());
    let drafts = read(&secretary, &format!("/v1/topics/{id}/drafts")).await;
    assert_eq!(drafts.as_array().unwrap().len(), 2);
    assert_eq!(drafts[0]["text"], "Erster Entwurf.");

    // The register finds the decision by a word of its text (German stemming).
    let found = read(&secretary, "/v1/decisions?q=Empfehlungen").await;
    assert_eq!(found["items"][0]["topic_id"], id.as_str());
    assert_eq!(count(&secretary, "/v1/decisions?q=Psychiatrie").await, 0);

    let events = probe.drain(Duration::from_secs(2)).await;
    let of = |t: &str| events.iter().filter(|e| e["type"] == t).collect::<Vec<_>>();
    let transitions = of("committee.topic.transitioned.v1");
    assert_eq!(transitions.len(), 8);
    assert_eq!(transitions[2]["data"]["action"], "refer_back");
    assert_eq!(transitions[7]["data"]["to_state"], "adopted");
    assert_eq!(
        of("committee.decision.recorded.v1")[0]["data"]["body_id"],
        new_group.as_str()
    );
    assert_eq!(
        of("committee.body.established.v1")[0]["data"]["name"],
        "AK Übergänge"
    );
    app.stop().await;
}

#[tokio::test]
async fn steering_group_topics_postponed_referred_back_and_taken_off_cancelled_meetings() {
    let app = spawn().await;
    let c = cast(&app).await;
    let secretary = secretary(&app);
    raise(&c.speaker, &c.steering, "Fachtag Inklusion", "Vorschlag.")
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    let raised = raise(
        &c.steering_member,
        &c.steering,
        "Fachtag Inklusion",
        "Vorschlag.",
    )
    .send()
    .await;
    assert_eq!(raised.expect(StatusCode::CREATED)["state"], "submitted");
    let id = raised.id();
    let mut version = Versioned::of(&raised);
    version
        .send(step(&c.steering_member, &id, json!({"action": "forward"})))
        .await
        .expect(StatusCode::OK);
    let schedule = |meeting: &str| {
        step(
            &secretary,
            &id,
            json!({"action": "schedule", "meeting_id": meeting}),
        )
    };
    let topic = format!("/v1/topics/{id}");

    // A cancelled meeting hands the topic back to the management.
    let first = app.plan_meeting(&c.forum, "2026-03-17", true).await.id;
    version.send(schedule(&first)).await.expect(StatusCode::OK);
    app.meeting(&first)
        .await
        .transition(&secretary, "cancel")
        .await
        .expect(StatusCode::OK);
    let back = secretary.get(&topic).send().await;
    let body = back.expect(StatusCode::OK);
    assert_eq!(body["state"], "forwarded");
    assert_eq!(body["meeting_id"], Value::Null);
    version = Versioned::of(&back);

    // Removing its agenda item does the same.
    let second = app.plan_meeting(&c.forum, "2026-04-21", true).await.id;
    let scheduled = version.send(schedule(&second)).await;
    let item = scheduled.expect(StatusCode::OK)["agenda_item_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.meeting(&second)
        .await
        .delete(&secretary, &format!("/agenda-items/{item}"))
        .await
        .expect(StatusCode::OK);
    let back = secretary.get(&topic).send().await;
    assert_eq!(back.expect(StatusCode::OK)["state"], "forwarded");
    version = Versioned::of(&back);

    // Postponed, then scheduled again and referred back by the Forum.
    version.send(schedule(&second)).await.expect(StatusCode::OK);
    app.hold(&second).await;
    let postponed = version
        .send(step(
            &secretary,
            &id,
            json!({"action": "decide", "outcome": "postponed"}),
        ))
        .await;
    assert_eq!(postponed.expect(StatusCode::OK)["state"], "postponed");
    version
        .send(schedule(&second))
        .await
        .expect_conflict("agenda_fixed_after_meeting");
    let third = app.plan_meeting(&c.forum, "2026-10-06", true).await.id;
    version.send(schedule(&third)).await.expect(StatusCode::OK);
    app.hold(&third).await;
    version
        .send(step(&secretary, &id, json!({"action": "decide", "outcome": "rejected", "decision": {"kind": "other", "title": "t", "text": "x"}})))
        .await
        .expect_validation(&["/decision"]);
    let referred = version
        .send(step(
            &secretary,
            &id,
            json!({"action": "decide", "outcome": "referred_back", "reason": "Kosten klären."}),
        ))
        .await;
    assert_eq!(referred.expect(StatusCode::OK)["state"], "referred_back");
    // The steering group revises its own topic and submits it again.
    version
        .send(redraft(
            &c.steering_member,
            &id,
            "Fachtag Inklusion 2028",
            "Mit Kostenplan.",
        ))
        .await
        .expect(StatusCode::CREATED);
    let resubmitted = version
        .send(step(&c.steering_member, &id, json!({"action": "submit"})))
        .await;
    assert_eq!(resubmitted.expect(StatusCode::OK)["state"], "submitted");

    let history = read(&secretary, &format!("{topic}/history")).await;
    let actions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "raise",
            "forward",
            "schedule",
            "unschedule",
            "schedule",
            "unschedule",
            "schedule",
            "decide",
            "schedule",
            "decide",
            "new_draft",
            "submit"
        ]
    );
    assert_eq!(history[3]["reason"], "the meeting was cancelled");
    assert_eq!(history[9]["reason"], "Kosten klären.");

    // The steering group's inbox and the list filters.
    assert_eq!(count(&secretary, "/v1/topics?state=submitted").await, 1);
    assert_eq!(
        count(
            &secretary,
            &format!("/v1/topics?origin_body_id={}", c.group)
        )
        .await,
        0
    );
    app.stop().await;
}

#[tokio::test]
async fn the_management_terms_youth_office_acts_for_its_chair_in_the_steering_group() {
    let app = spawn().await;
    let c = cast(&app).await;
    let office = OFFICES[2];
    secretary(&app)
        .post("/v1/management-terms")
        .json(&json!({"office_id": office, "start_on": "2026-01-01"}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let raised = raise(&c.speaker, &c.group, "Qualitätsbericht", "Neue Gliederung.")
        .send()
        .await;
    raised.expect(StatusCode::CREATED);
    let id = raised.id();
    let mut version = Versioned::of(&raised);
    version
        .send(step(&c.speaker, &id, json!({"action": "submit"})))
        .await
        .expect(StatusCode::OK);
    // Staff of another youth office hold no seat; staff of the managing office act for its chair.
    let staff = |office| app.as_(Persona::youth_office_staff().of(office).subject("someone"));
    version
        .send(step(&staff(OFFICES[0]), &id, json!({"action": "forward"})))
        .await
        .expect(StatusCode::FORBIDDEN);
    let forwarded = version
        .send(step(&staff(office), &id, json!({"action": "forward"})))
        .await;
    assert_eq!(forwarded.expect(StatusCode::OK)["state"], "forwarded");
    app.stop().await;
}

#[tokio::test]
async fn decisions_without_a_topic_and_the_register() {
    let app = spawn().await;
    let mut probe = app.probe().await;
    let secretary = secretary(&app);
    let forum = app.forum().await;
    let group = app.body("AK Personal").await;
    let member = Uuid::now_v7();
    app.seat(&group, member, OFFICES[0], "member").await;
    let meeting = app.plan_meeting(&forum, "2026-03-17", true).await.id;
    let dissolve = json!({"kind": "dissolve_working_group", "title": "Auflösung AK Personal",
        "text": "Der Auftrag ist erfüllt; der AK Personal wird aufgelöst.", "body_id": group});
    let path = format!("/v1/meetings/{meeting}/decisions");
    let decide = |caller: &Caller, decision: Value| caller.post(&path).json(&decision).send();
    decide(&secretary, dissolve.clone())
        .await
        .expect_conflict("forum_meeting_not_held");
    app.hold(&meeting).await;
    decide(
        &app.as_(Persona::youth_office_staff().of(OFFICES[0])),
        dissolve.clone(),
    )
    .await
    .expect(StatusCode::FORBIDDEN);
    decide(
        &secretary,
        json!({"kind": "guideline", "title": "", "text": "x", "body_id": group}),
    )
    .await
    .expect_validation(&["/title", "/body_id"]);
    decide(&secretary, json!({"kind": "dissolve_working_group", "title": "t", "text": "x", "body_id": app.body("AK QMF").await}))
        .await
        .expect_conflict("only_temporary_working_groups_dissolve");
    let dissolved = decide(&secretary, dissolve).await;
    assert_eq!(
        dissolved.expect(StatusCode::CREATED)["body_id"],
        group.as_str()
    );
    let body = read(&secretary, &format!("/v1/bodies/{group}")).await;
    assert_eq!(body["status"], "dissolved");
    assert_eq!(body["dissolved_on"], "2026-03-17");
    let seats = read(&secretary, &format!("/v1/bodies/{group}/memberships")).await;
    assert!(
        seats["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["end_on"] == "2026-03-17"),
        "{seats}"
    );

    // A steering-group meeting takes no decisions.
    let steering_meeting = app
        .plan_meeting(&app.body("Steuerungsgruppe").await, "2026-02-01", false)
        .await
        .id;
    app.hold(&steering_meeting).await;
    secretary
        .post(&format!("/v1/meetings/{steering_meeting}/decisions"))
        .json(&json!({"kind": "other", "title": "t", "text": "x"}))
        .send()
        .await
        .expect_conflict("decisions_belong_to_the_forum");

    for (title, kind) in [
        ("Fachtag Kinderschutz 2028", "event"),
        ("Richtlinie Hilfeplanung", "guideline"),
        ("Empfehlung Elternarbeit", "recommendation"),
    ] {
        decide(
            &secretary,
            json!({"kind": kind, "title": title, "text": format!("{title}: beschlossen.")}),
        )
        .await
        .expect(StatusCode::CREATED);
    }
    assert_eq!(count(&secretary, "/v1/decisions?kind=guideline").await, 1);
    let page = read(&secretary, "/v1/decisions?limit=3").await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().unwrap();
    assert_eq!(
        count(
            &secretary,
            &format!("/v1/decisions?limit=3&cursor={cursor}")
        )
        .await,
        1
    );
    assert_eq!(count(&secretary, "/v1/decisions?from=2026-03-18").await, 0);
    secretary
        .get("/v1/decisions?from=2026-03-18&to=2026-01-01")
        .send()
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    let hit = read(&secretary, "/v1/decisions?q=Kinderschutz").await;
    assert_eq!(hit["items"][0]["kind"], "event");

    let events = probe.drain(Duration::from_secs(2)).await;
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types
            .iter()
            .filter(|t| **t == "committee.decision.recorded.v1")
            .count(),
        4
    );
    assert!(types.contains(&"committee.body.dissolved.v1"));
    app.stop().await;
}

#[tokio::test]
async fn an_escalated_finding_becomes_one_topic_in_the_steering_groups_inbox() {
    let app = spawn().await;
    let secretary = secretary(&app);
    let finding = Uuid::now_v7();
    let data = json!({"finding_id": finding, "dialogue_id": Uuid::now_v7(), "host_organization_id": INSTITUTION,
        "title": "Übergänge in die Volljährigkeit", "summary": "Hilfen enden zu früh.", "held_on": "2027-05-12"});
    // Sent twice with different event ids, as a re-publishing producer would.
    for _ in 0..2 {
        app.publish_event(
            "/qmf/dialogue",
            "dialogue.finding.escalated.v1",
            data.clone(),
        )
        .await;
    }
    // A malformed finding is rejected, not turned into a topic.
    app.publish_event(
        "/qmf/dialogue",
        "dialogue.finding.escalated.v1",
        json!({"finding_id": Uuid::now_v7(), "title": ""}),
    )
    .await;
    let topics = {
        let secretary = &secretary;
        eventually("the finding became a topic", || async move {
            let page = read(secretary, "/v1/topics").await;
            (!page["items"].as_array().unwrap().is_empty()).then_some(page)
        })
        .await
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let inbox = read(&secretary, "/v1/topics?state=submitted").await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "{topics}");
    let topic = &inbox["items"][0];
    assert_eq!(topic["finding_id"], finding.to_string());
    assert_eq!(
        topic["origin_body_id"],
        app.body("Steuerungsgruppe").await.as_str()
    );
    let id = topic["id"].as_str().unwrap();
    let full = read(&secretary, &format!("/v1/topics/{id}")).await;
    assert!(
        full["text"]
            .as_str()
            .unwrap()
            .starts_with("Hilfen enden zu früh.")
    );
    let history = read(&secretary, &format!("/v1/topics/{id}/history")).await;
    assert_eq!(history[0]["action"], "escalate");
    assert_eq!(history[0]["actor"], "/qmf/dialogue");
    app.stop().await;
}

#[tokio::test]
async fn a_decision_carries_the_regional_day_of_its_meeting() {
    let app = spawn().await;
    let secretary = secretary(&app);
    let forum = app.forum().await;
    // 23:30 UTC on 16 March is 00:30 on 17 March in Heilbronn (CET); the day has passed.
    let meeting = secretary
        .post(&format!("/v1/bodies/{forum}/meetings"))
        .json(
            &json!({"title": "Nachtsitzung", "starts_at": "2026-03-16T23:30:00Z",
            "ends_at": "2026-03-17T01:00:00Z", "place": "Heilbronn"}),
        )
        .send()
        .await;
    meeting.expect(StatusCode::CREATED);
    let id = meeting.id();
    app.hold(&id).await;
    let decision = secretary
        .post(&format!("/v1/meetings/{id}/decisions"))
        .json(&json!({"kind": "other", "title": "Termin", "text": "Nächste Sitzung im Herbst."}))
        .send()
        .await;
    assert_eq!(
        decision.expect(StatusCode::CREATED)["decided_on"],
        "2026-03-17"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_repeated_idempotency_key_creates_one_topic() {
    let app = spawn().await;
    let c = cast(&app).await;
    let create = |title: &str, text: &str| {
        raise(&c.member, &c.group, title, text)
            .idempotency_key("topic-2027-001")
            .send()
    };
    let first = create("Qualitätsbericht", "Gliederung.").await;
    let first = first.expect(StatusCode::CREATED);
    // The retry gets the stored answer, not a second topic.
    let again = create("Qualitätsbericht", "Gliederung.").await;
    assert_eq!(again.expect(StatusCode::CREATED)["id"], first["id"]);
    // The same key with another body is refused.
    create("Anderes Thema", "x")
        .await
        .expect(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&secretary(&app), "/v1/topics").await, 1);
    app.stop().await;
}

/// Follows `next_cursor` from page to page (one item a page) and returns every id seen.
async fn ids_page_by_page(caller: &Caller, path: &str) -> Vec<String> {
    let separator = if path.contains('?') { '&' } else { '?' };
    let mut ids = Vec::new();
    let mut next = format!("{path}{separator}limit=1");
    loop {
        let page = read(caller, &next).await;
        for item in page["items"].as_array().unwrap() {
            ids.push(item["id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(cursor) => next = format!("{path}{separator}limit=1&cursor={cursor}"),
            None => return ids,
        }
    }
}

#[tokio::test]
async fn lists_in_id_order_page_through_with_their_own_cursors() {
    let app = spawn().await;
    let c = cast(&app).await;
    let secretary = secretary(&app);
    for n in 1..=3 {
        raise(&c.speaker, &c.group, &format!("Thema {n}"), "Text.")
            .send()
            .await
            .expect(StatusCode::CREATED);
    }
    for path in ["/v1/topics", "/v1/bodies"] {
        let whole: Vec<String> = read(&secretary, path).await["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item["id"].as_str().unwrap().to_string())
            .collect();
        assert!(whole.len() >= 3, "{path} has too few items to page");
        assert_eq!(ids_page_by_page(&secretary, path).await, whole, "{path}");
    }
    app.stop().await;
}
