//! Topics on their route from a working group through the steering group to the Forum, with
//! the actor and version checks, the history, and decisions taken on them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

/// The people of a topic's route: a working group's speaker and member, a steering-group
/// member and someone without a seat.
struct Cast {
    group: String,
    steering: String,
    forum: String,
    speaker: String,
    member: String,
    steering_member: String,
    outsider: String,
}

async fn cast(app: &App) -> Cast {
    let group = app.body("AK QMF").await;
    let steering = app.body("Steuerungsgruppe").await;
    let forum = app.forum().await;
    let (speaker, member, steering_member) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
    app.seat(&group, speaker, app.institution, "speaker").await;
    app.seat(&group, member, app.offices[0], "member").await;
    app.seat(&steering, steering_member, app.offices[1], "member")
        .await;
    Cast {
        group,
        steering,
        forum,
        speaker: person_token(speaker, app.institution),
        member: person_token(member, app.offices[0]),
        steering_member: person_token(steering_member, app.offices[1]),
        outsider: person_token(Uuid::now_v7(), app.offices[2]),
    }
}

impl App {
    /// A step on the topic as `token`; returns the body and the new ETag.
    async fn step(
        &self,
        token: &str,
        topic: &str,
        etag: &str,
        body: Value,
        status: StatusCode,
    ) -> (Value, String) {
        self.send_as(
            token,
            Method::POST,
            &format!("/v1/topics/{topic}/transitions"),
            Some(etag),
            Some(body),
            status,
        )
        .await
    }

    async fn hold(&self, meeting: &str) {
        let etag = self.etag(&format!("/v1/meetings/{meeting}")).await;
        self.send(
            Method::POST,
            &format!("/v1/meetings/{meeting}/transitions"),
            Some(&etag),
            Some(json!({"transition": "mark_held"})),
            StatusCode::OK,
        )
        .await;
    }
}

const SECRETARY: fn() -> String = || qmf_testkit::auth::token(&["committee_secretary"], None);

#[tokio::test]
async fn a_topic_travels_from_the_working_group_to_an_adopted_forum_decision() {
    let app = spawn().await;
    let mut probe = qmf_testkit::EventProbe::bind(&app.exchange, "committee.#").await;
    let c = cast(&app).await;
    let secretary = SECRETARY();
    let draft = json!({"title": "Empfehlung Übergänge §41", "text": "Erster Entwurf."});

    // Only members of the working group draft its topics.
    app.send_as(
        &c.outsider,
        Method::POST,
        &format!("/v1/bodies/{}/topics", c.group),
        None,
        Some(draft.clone()),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (forum_topic, _) = app
        .send_as(
            &secretary,
            Method::POST,
            &format!("/v1/bodies/{}/topics", c.forum),
            None,
            Some(draft.clone()),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(
        forum_topic["rule"],
        "topics_come_from_working_groups_or_the_steering_group"
    );
    app.send_as(
        &c.member,
        Method::POST,
        &format!("/v1/bodies/{}/topics", c.group),
        None,
        Some(json!({"title": " ", "text": "x"})),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let (topic, mut etag) = app
        .send_as(
            &c.member,
            Method::POST,
            &format!("/v1/bodies/{}/topics", c.group),
            None,
            Some(draft),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(topic["state"], "draft");
    assert_eq!(topic["draft_number"], 1);
    let id = topic["id"].as_str().unwrap().to_string();

    // Only the speaker submits; the steering group deliberates.
    app.step(
        &c.member,
        &id,
        &etag,
        json!({"action": "submit"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (submitted, next) = app
        .step(
            &c.speaker,
            &id,
            &etag,
            json!({"action": "submit"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(submitted["state"], "submitted");
    // The old ETag is stale now.
    let (stale, _) = app
        .step(
            &c.steering_member,
            &id,
            &etag,
            json!({"action": "forward"}),
            StatusCode::PRECONDITION_FAILED,
        )
        .await;
    assert_eq!(stale["status"], 412);
    etag = next;
    app.step(
        &c.speaker,
        &id,
        &etag,
        json!({"action": "forward"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.step(
        &secretary,
        &id,
        &etag,
        json!({"action": "forward"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (no_reason, _) = app
        .step(
            &c.steering_member,
            &id,
            &etag,
            json!({"action": "refer_back"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(no_reason["errors"][0]["pointer"], "/reason");
    let (referred, next) = app
        .step(
            &c.steering_member,
            &id,
            &etag,
            json!({"action": "refer_back", "reason": "Bitte die Rolle der Kliniken klären."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(referred["state"], "referred_back");
    etag = next;

    // A new draft is needed before resubmitting.
    let (again, _) = app
        .step(
            &c.speaker,
            &id,
            &etag,
            json!({"action": "submit"}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(again["rule"], "new_draft_required");
    app.send_as(
        &c.steering_member,
        Method::POST,
        &format!("/v1/topics/{id}/drafts"),
        Some(&etag),
        Some(json!({"title": "Empfehlung Übergänge §41", "text": "x"})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (revised, next) = app
        .send_as(&c.member, Method::POST, &format!("/v1/topics/{id}/drafts"), Some(&etag),
            Some(json!({"title": "Empfehlung Übergänge junger Volljähriger (§41)", "text": "Zweiter Entwurf mit Kliniken."})), StatusCode::CREATED)
        .await;
    assert_eq!(revised["draft_number"], 2);
    etag = next;
    let (_, next) = app
        .step(
            &c.speaker,
            &id,
            &etag,
            json!({"action": "submit"}),
            StatusCode::OK,
        )
        .await;
    etag = next;
    // Drafts are locked while the steering group holds the topic.
    let (locked, _) = app
        .send_as(
            &c.member,
            Method::POST,
            &format!("/v1/topics/{id}/drafts"),
            Some(&etag),
            Some(json!({"title": "t", "text": "x"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(locked["rule"], "draft_locked");
    let (forwarded, next) = app
        .step(
            &c.steering_member,
            &id,
            &etag,
            json!({"action": "forward"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(forwarded["state"], "forwarded");
    etag = next;

    // The management schedules it on a Forum meeting, not on another body's.
    let (group_meeting, _) = app.plan_meeting(&c.group, "2026-02-10", false).await;
    let (not_forum, _) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "schedule", "meeting_id": group_meeting}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(not_forum["rule"], "meeting_not_of_forum");
    let (meeting, _) = app.plan_meeting(&c.forum, "2026-03-17", true).await;
    app.step(
        &c.steering_member,
        &id,
        &etag,
        json!({"action": "schedule", "meeting_id": meeting}),
        StatusCode::FORBIDDEN,
    )
    .await;
    app.step(
        &secretary,
        &id,
        &etag,
        json!({"action": "schedule"}),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let (scheduled, next) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "schedule", "meeting_id": meeting}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(scheduled["state"], "scheduled");
    assert_eq!(scheduled["meeting_id"], meeting.as_str());
    etag = next;
    let (agenda, _) = app
        .send(
            Method::GET,
            &format!("/v1/meetings/{meeting}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(agenda["agenda"][0]["topic_id"], id.as_str());
    assert_eq!(
        agenda["agenda"][0]["title"],
        "Empfehlung Übergänge junger Volljähriger (§41)"
    );

    // The Forum decides only in the held meeting, and adopting needs the decision's content.
    let establish = json!({"action": "decide", "outcome": "adopted", "decision": {"kind": "establish_working_group",
        "title": "Einrichtung AK Übergänge", "text": "Das Forum richtet den befristeten AK Übergänge ein und beschließt die Empfehlung.",
        "working_group": {"name": "AK Übergänge", "permanent": false, "mandate": "Übergänge junger Volljähriger begleiten."}}});
    let (not_held, _) = app
        .step(
            &secretary,
            &id,
            &etag,
            establish.clone(),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(not_held["rule"], "forum_meeting_not_held");
    app.hold(&meeting).await;
    let (missing, _) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "decide", "outcome": "adopted"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    assert_eq!(missing["errors"][0]["pointer"], "/decision");
    let (wrong, _) = app
        .step(&secretary, &id, &etag, json!({"action": "decide", "outcome": "adopted", "decision": {"kind": "establish_working_group", "title": "t", "text": "x"}}), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(wrong["errors"][0]["pointer"], "/decision/working_group");
    app.step(
        &c.steering_member,
        &id,
        &etag,
        establish.clone(),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (adopted, next) = app
        .step(&secretary, &id, &etag, establish, StatusCode::OK)
        .await;
    assert_eq!(adopted["state"], "adopted");
    assert_eq!(adopted["decisions"][0]["kind"], "establish_working_group");
    assert_eq!(adopted["decisions"][0]["decided_on"], "2026-03-17");
    etag = next;
    let new_group = adopted["decisions"][0]["body_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (group, _) = app
        .send(
            Method::GET,
            &format!("/v1/bodies/{new_group}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(group["name"], "AK Übergänge");
    assert_eq!(group["status"], "active");
    assert_eq!(group["established_on"], "2026-03-17");

    // Final: no step and no new draft.
    for body in [
        json!({"action": "submit"}),
        json!({"action": "decide", "outcome": "postponed"}),
    ] {
        let (final_state, _) = app
            .step(&secretary, &id, &etag, body, StatusCode::CONFLICT)
            .await;
        assert_eq!(final_state["rule"], "topic_is_final");
    }
    let (final_draft, _) = app
        .send_as(
            &c.member,
            Method::POST,
            &format!("/v1/topics/{id}/drafts"),
            Some(&etag),
            Some(json!({"title": "t", "text": "x"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(final_draft["rule"], "topic_is_final");

    // The history keeps every step, with the reason of the referral.
    let (history, _) = app
        .send(
            Method::GET,
            &format!("/v1/topics/{id}/history"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
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
    let (drafts, _) = app
        .send(
            Method::GET,
            &format!("/v1/topics/{id}/drafts"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(drafts.as_array().unwrap().len(), 2);
    assert_eq!(drafts[0]["text"], "Erster Entwurf.");

    // The register finds the decision by a word of its text (German stemming).
    let (found, _) = app
        .send(
            Method::GET,
            "/v1/decisions?q=Empfehlungen",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(found["items"][0]["topic_id"], id.as_str());
    let (none, _) = app
        .send(
            Method::GET,
            "/v1/decisions?q=Psychiatrie",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

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
}

#[tokio::test]
async fn steering_group_topics_postponed_referred_back_and_taken_off_cancelled_meetings() {
    let app = spawn().await;
    let c = cast(&app).await;
    let secretary = SECRETARY();
    app.send_as(
        &c.speaker,
        Method::POST,
        &format!("/v1/bodies/{}/topics", c.steering),
        None,
        Some(json!({"title": "Fachtag Inklusion", "text": "Vorschlag."})),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (topic, mut etag) = app
        .send_as(
            &c.steering_member,
            Method::POST,
            &format!("/v1/bodies/{}/topics", c.steering),
            None,
            Some(json!({"title": "Fachtag Inklusion", "text": "Vorschlag."})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(topic["state"], "submitted");
    let id = topic["id"].as_str().unwrap().to_string();
    (_, etag) = app
        .step(
            &c.steering_member,
            &id,
            &etag,
            json!({"action": "forward"}),
            StatusCode::OK,
        )
        .await;

    // A cancelled meeting hands the topic back to the management.
    let (first, _) = app.plan_meeting(&c.forum, "2026-03-17", true).await;
    app.step(
        &secretary,
        &id,
        &etag,
        json!({"action": "schedule", "meeting_id": first}),
        StatusCode::OK,
    )
    .await;
    let meeting_etag = app.etag(&format!("/v1/meetings/{first}")).await;
    app.send(
        Method::POST,
        &format!("/v1/meetings/{first}/transitions"),
        Some(&meeting_etag),
        Some(json!({"transition": "cancel"})),
        StatusCode::OK,
    )
    .await;
    let (back, next) = app
        .send(
            Method::GET,
            &format!("/v1/topics/{id}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(back["state"], "forwarded");
    assert_eq!(back["meeting_id"], Value::Null);
    etag = next;

    // Removing its agenda item does the same.
    let (second, _) = app.plan_meeting(&c.forum, "2026-04-21", true).await;
    let (scheduled, _) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "schedule", "meeting_id": second}),
            StatusCode::OK,
        )
        .await;
    let item = scheduled["agenda_item_id"].as_str().unwrap().to_string();
    let meeting_etag = app.etag(&format!("/v1/meetings/{second}")).await;
    app.send(
        Method::DELETE,
        &format!("/v1/meetings/{second}/agenda-items/{item}"),
        Some(&meeting_etag),
        None,
        StatusCode::OK,
    )
    .await;
    let (back, next) = app
        .send(
            Method::GET,
            &format!("/v1/topics/{id}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(back["state"], "forwarded");
    etag = next;

    // Postponed, then scheduled again and referred back by the Forum.
    (_, etag) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "schedule", "meeting_id": second}),
            StatusCode::OK,
        )
        .await;
    app.hold(&second).await;
    let (postponed, next) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "decide", "outcome": "postponed"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(postponed["state"], "postponed");
    etag = next;
    let (held_agenda, _) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "schedule", "meeting_id": second}),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(held_agenda["rule"], "agenda_fixed_after_meeting");
    let (third, _) = app.plan_meeting(&c.forum, "2026-10-06", true).await;
    (_, etag) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "schedule", "meeting_id": third}),
            StatusCode::OK,
        )
        .await;
    app.hold(&third).await;
    let (with_decision, _) = app
        .step(&secretary, &id, &etag, json!({"action": "decide", "outcome": "rejected", "decision": {"kind": "other", "title": "t", "text": "x"}}), StatusCode::UNPROCESSABLE_ENTITY)
        .await;
    assert_eq!(with_decision["errors"][0]["pointer"], "/decision");
    let (referred, next) = app
        .step(
            &secretary,
            &id,
            &etag,
            json!({"action": "decide", "outcome": "referred_back", "reason": "Kosten klären."}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(referred["state"], "referred_back");
    etag = next;
    // The steering group revises its own topic and submits it again.
    (_, etag) = app
        .send_as(
            &c.steering_member,
            Method::POST,
            &format!("/v1/topics/{id}/drafts"),
            Some(&etag),
            Some(json!({"title": "Fachtag Inklusion 2028", "text": "Mit Kostenplan."})),
            StatusCode::CREATED,
        )
        .await;
    let (resubmitted, _) = app
        .step(
            &c.steering_member,
            &id,
            &etag,
            json!({"action": "submit"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(resubmitted["state"], "submitted");

    let (history, _) = app
        .send(
            Method::GET,
            &format!("/v1/topics/{id}/history"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
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
    let (inbox, _) = app
        .send(
            Method::GET,
            "/v1/topics?state=submitted",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1);
    let (none, _) = app
        .send(
            Method::GET,
            &format!("/v1/topics?origin_body_id={}", c.group),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(none["items"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn the_management_terms_youth_office_acts_for_its_chair_in_the_steering_group() {
    let app = spawn().await;
    let c = cast(&app).await;
    let office = app.offices[2];
    app.send(
        Method::POST,
        "/v1/management-terms",
        None,
        Some(json!({"office_id": office, "start_on": "2026-01-01"})),
        StatusCode::CREATED,
    )
    .await;
    let (topic, etag) = app
        .send_as(
            &c.speaker,
            Method::POST,
            &format!("/v1/bodies/{}/topics", c.group),
            None,
            Some(json!({"title": "Qualitätsbericht", "text": "Neue Gliederung."})),
            StatusCode::CREATED,
        )
        .await;
    let id = topic["id"].as_str().unwrap().to_string();
    let (_, etag) = app
        .step(
            &c.speaker,
            &id,
            &etag,
            json!({"action": "submit"}),
            StatusCode::OK,
        )
        .await;
    // Staff of another youth office hold no seat; staff of the managing office act for its chair.
    let other =
        qmf_testkit::auth::token_for("someone", &["youth_office_staff"], Some(app.offices[0]));
    app.step(
        &other,
        &id,
        &etag,
        json!({"action": "forward"}),
        StatusCode::FORBIDDEN,
    )
    .await;
    let chair = qmf_testkit::auth::token_for("someone", &["youth_office_staff"], Some(office));
    let (forwarded, _) = app
        .step(
            &chair,
            &id,
            &etag,
            json!({"action": "forward"}),
            StatusCode::OK,
        )
        .await;
    assert_eq!(forwarded["state"], "forwarded");
}

#[tokio::test]
async fn decisions_without_a_topic_and_the_register() {
    let app = spawn().await;
    let mut probe = qmf_testkit::EventProbe::bind(&app.exchange, "committee.#").await;
    let forum = app.forum().await;
    let group = app.body("AK Personal").await;
    let member = Uuid::now_v7();
    app.seat(&group, member, app.offices[0], "member").await;
    let (meeting, _) = app.plan_meeting(&forum, "2026-03-17", true).await;
    let dissolve = json!({"kind": "dissolve_working_group", "title": "Auflösung AK Personal",
        "text": "Der Auftrag ist erfüllt; der AK Personal wird aufgelöst.", "body_id": group});
    let path = format!("/v1/meetings/{meeting}/decisions");
    let (early, _) = app
        .send(
            Method::POST,
            &path,
            None,
            Some(dissolve.clone()),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(early["rule"], "forum_meeting_not_held");
    app.hold(&meeting).await;
    let staff = qmf_testkit::auth::token(&["youth_office_staff"], Some(app.offices[0]));
    app.send_as(
        &staff,
        Method::POST,
        &path,
        None,
        Some(dissolve.clone()),
        StatusCode::FORBIDDEN,
    )
    .await;
    let (invalid, _) = app
        .send(
            Method::POST,
            &path,
            None,
            Some(json!({"kind": "guideline", "title": "", "text": "x", "body_id": group})),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    let pointers: Vec<&str> = invalid["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/title", "/body_id"]);
    let (permanent, _) = app
        .send(Method::POST, &path, None, Some(json!({"kind": "dissolve_working_group", "title": "t", "text": "x", "body_id": app.body("AK QMF").await})), StatusCode::CONFLICT)
        .await;
    assert_eq!(permanent["rule"], "only_temporary_working_groups_dissolve");
    let (dissolved, _) = app
        .send(
            Method::POST,
            &path,
            None,
            Some(dissolve),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(dissolved["body_id"], group.as_str());
    let (body, _) = app
        .send(
            Method::GET,
            &format!("/v1/bodies/{group}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(body["status"], "dissolved");
    assert_eq!(body["dissolved_on"], "2026-03-17");
    let (seats, _) = app
        .send(
            Method::GET,
            &format!("/v1/bodies/{group}/memberships"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(
        seats["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["end_on"] == "2026-03-17"),
        "{seats}"
    );

    // A steering-group meeting takes no decisions.
    let (steering_meeting, _) = app
        .plan_meeting(&app.body("Steuerungsgruppe").await, "2026-02-01", false)
        .await;
    app.hold(&steering_meeting).await;
    let (not_forum, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{steering_meeting}/decisions"),
            None,
            Some(json!({"kind": "other", "title": "t", "text": "x"})),
            StatusCode::CONFLICT,
        )
        .await;
    assert_eq!(not_forum["rule"], "decisions_belong_to_the_forum");

    for (title, kind) in [
        ("Fachtag Kinderschutz 2028", "event"),
        ("Richtlinie Hilfeplanung", "guideline"),
        ("Empfehlung Elternarbeit", "recommendation"),
    ] {
        app.send(
            Method::POST,
            &path,
            None,
            Some(json!({"kind": kind, "title": title, "text": format!("{title}: beschlossen.")})),
            StatusCode::CREATED,
        )
        .await;
    }
    let (guidelines, _) = app
        .send(
            Method::GET,
            "/v1/decisions?kind=guideline",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(guidelines["items"].as_array().unwrap().len(), 1);
    let (page, _) = app
        .send(
            Method::GET,
            "/v1/decisions?limit=3",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (rest, _) = app
        .send(
            Method::GET,
            &format!("/v1/decisions?limit=3&cursor={cursor}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    let (later, _) = app
        .send(
            Method::GET,
            "/v1/decisions?from=2026-03-18",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(later["items"].as_array().unwrap().len(), 0);
    app.send(
        Method::GET,
        "/v1/decisions?from=2026-03-18&to=2026-01-01",
        None,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await;
    let (hit, _) = app
        .send(
            Method::GET,
            "/v1/decisions?q=Kinderschutz",
            None,
            None,
            StatusCode::OK,
        )
        .await;
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
}

#[tokio::test]
async fn an_escalated_finding_becomes_one_topic_in_the_steering_groups_inbox() {
    let app = spawn().await;
    let finding = Uuid::now_v7();
    let data = json!({"finding_id": finding, "dialogue_id": Uuid::now_v7(), "host_organization_id": app.institution,
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
    let topics = wait_for_topics(&app, 1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (inbox, _) = app
        .send(
            Method::GET,
            "/v1/topics?state=submitted",
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(inbox["items"].as_array().unwrap().len(), 1, "{topics}");
    let topic = &inbox["items"][0];
    assert_eq!(topic["finding_id"], finding.to_string());
    assert_eq!(
        topic["origin_body_id"],
        app.body("Steuerungsgruppe").await.as_str()
    );
    let id = topic["id"].as_str().unwrap();
    let (full, _) = app
        .send(
            Method::GET,
            &format!("/v1/topics/{id}"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert!(
        full["text"]
            .as_str()
            .unwrap()
            .starts_with("Hilfen enden zu früh.")
    );
    let (history, _) = app
        .send(
            Method::GET,
            &format!("/v1/topics/{id}/history"),
            None,
            None,
            StatusCode::OK,
        )
        .await;
    assert_eq!(history[0]["action"], "escalate");
    assert_eq!(history[0]["actor"], "/qmf/dialogue");
}

async fn wait_for_topics(app: &App, count: usize) -> Value {
    for _ in 0..50 {
        let (page, _) = app
            .send(Method::GET, "/v1/topics", None, None, StatusCode::OK)
            .await;
        if page["items"].as_array().unwrap().len() >= count {
            return page;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("topics did not arrive");
}

#[tokio::test]
async fn a_decision_carries_the_regional_day_of_its_meeting() {
    let app = spawn().await;
    let forum = app.forum().await;
    // 23:30 UTC on 16 March is 00:30 on 17 March in Heilbronn (CET); the day has passed.
    let (meeting, _) = app
        .send(
            Method::POST,
            &format!("/v1/bodies/{forum}/meetings"),
            None,
            Some(
                json!({"title": "Nachtsitzung", "starts_at": "2026-03-16T23:30:00Z",
                "ends_at": "2026-03-17T01:00:00Z", "place": "Heilbronn"}),
            ),
            StatusCode::CREATED,
        )
        .await;
    let id = meeting["id"].as_str().unwrap().to_string();
    app.hold(&id).await;
    let (decision, _) = app
        .send(
            Method::POST,
            &format!("/v1/meetings/{id}/decisions"),
            None,
            Some(json!({"kind": "other", "title": "Termin", "text": "Nächste Sitzung im Herbst."})),
            StatusCode::CREATED,
        )
        .await;
    assert_eq!(decision["decided_on"], "2026-03-17");
}

#[tokio::test]
async fn a_repeated_idempotency_key_creates_one_topic() {
    let app = spawn().await;
    let c = cast(&app).await;
    let create = |body: Value| {
        app.http
            .post(format!("{}/v1/bodies/{}/topics", app.base, c.group))
            .bearer_auth(&c.member)
            .header("Idempotency-Key", "topic-2027-001")
            .json(&body)
            .send()
    };
    let draft = json!({"title": "Qualitätsbericht", "text": "Gliederung."});
    let first = create(draft.clone()).await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    // The retry gets the stored answer, not a second topic.
    let again = create(draft).await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.json::<Value>().await.unwrap()["id"], first["id"]);
    // The same key with another body is refused.
    let other = create(json!({"title": "Anderes Thema", "text": "x"}))
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (page, _) = app
        .send(Method::GET, "/v1/topics", None, None, StatusCode::OK)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
}
