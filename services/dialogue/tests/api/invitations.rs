//! Invitations, answers and replacements, and calendar feeds behind secret URLs.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use crate::common::*;
use crate::dialogues::{Setup, wednesdays};

#[tokio::test]
async fn invitations_go_out_once_with_everyone_and_a_calendar_entry() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let guests = s.guests_for(host);
    let (path, _) = s.dialogue_of(host).await;
    // Not before the dialogue has a date.
    let etag = coordinator(&s.app).get(&path).send().await.etag();
    coordinator(&s.app)
        .post(&format!("{path}/invitations"))
        .if_match(&etag)
        .send()
        .await
        .expect_conflict("invitations_need_a_schedule");
    let scheduled = s.schedule(host, wednesdays(s.year)[0], &guests).await;
    s.app.new_events().await;
    staff_of(&s.app, INSTITUTIONS[1])
        .post(&format!("{path}/invitations"))
        .if_match(scheduled.etag())
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let invited = staff_of(&s.app, host)
        .post(&format!("{path}/invitations"))
        .if_match(scheduled.etag())
        .send()
        .await;
    let dialogue = invited.expect(StatusCode::OK);
    assert_eq!(dialogue["state"], "invited");
    assert!(
        dialogue["guests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["response"] == "invited")
    );
    let rows = s.app.expect_outbox(&["dialogue.dialogue.invited.v1"]).await;
    let sent = s
        .app
        .sql(&format!(
            "SELECT envelope FROM outbox WHERE event_id = '{}'",
            rows[0].event_id
        ))
        .await;
    let data = &sent[0]["envelope"]["data"];
    let participants = data["participants"].as_array().unwrap();
    assert_eq!(participants.len(), 1 + guests.len());
    assert!(
        participants
            .iter()
            .any(|p| p["person_id"] == json!(s.rep(host)) && p["role"] == "representative")
    );
    assert!(
        participants
            .iter()
            .all(|p| p["email"] == "v.nachname@example.org")
    );
    let ics = data["ics"].as_str().unwrap();
    assert!(ics.contains("METHOD:REQUEST"), "{ics}");
    assert!(
        ics.contains(&format!("UID:{}@", dialogue["id"].as_str().unwrap())),
        "{ics}"
    );
    coordinator(&s.app)
        .post(&format!("{path}/invitations"))
        .if_match(invited.etag())
        .send()
        .await
        .expect_conflict("invitations_need_a_schedule");

    // A new date takes it back to scheduled: invitations go out again.
    let moved = coordinator(&s.app)
        .post(&format!("{path}/schedule"))
        .if_match(invited.etag())
        .json(&s.body(wednesdays(s.year)[1], &guests))
        .send()
        .await;
    let moved = moved.expect(StatusCode::OK);
    assert_eq!(moved["state"], "scheduled");
    assert!(
        moved["guests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["response"] == "listed")
    );
    s.app.stop().await;
}

#[tokio::test]
async fn guests_answer_and_a_declining_guest_is_replaced_by_a_colleague() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let guests = s.guests_for(host);
    let (path, _) = s.dialogue_of(host).await;
    let scheduled = s.schedule(host, wednesdays(s.year)[0], &guests).await;
    let answer = |person, body: serde_json::Value| {
        s.app
            .as_(Persona::person(person, OFFICES[0]))
            .post(&format!("{path}/responses"))
            .json(&body)
    };
    // Not before invitations went out.
    answer(
        guests[0],
        json!({"person_id": guests[0], "response": "accepted"}),
    )
    .send()
    .await
    .expect_conflict("responses_need_invitations");
    coordinator(&s.app)
        .post(&format!("{path}/invitations"))
        .if_match(scheduled.etag())
        .send()
        .await
        .expect(StatusCode::OK);
    s.app.new_events().await;

    let accepted = answer(
        guests[0],
        json!({"person_id": guests[0], "response": "accepted"}),
    )
    .send()
    .await;
    let guest = accepted.expect(StatusCode::OK)["guests"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["person_id"] == json!(guests[0]))
        .unwrap()
        .clone();
    assert_eq!(guest["response"], "accepted");
    s.app
        .expect_outbox(&["dialogue.participant.responded.v1"])
        .await;
    // Someone else answers for a guest; an answer for a non-guest.
    answer(
        guests[1],
        json!({"person_id": guests[0], "response": "declined"}),
    )
    .send()
    .await
    .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    coordinator(&s.app)
        .post(&format!("{path}/responses"))
        .json(&json!({"person_id": s.rep(host), "response": "accepted"}))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");

    // guests[0] is of OFFICES[0] (the first organisation of the setup).
    let colleague = person(&s.app, OFFICES[0]).await;
    let outsider = person(&s.app, PROVIDER).await;
    answer(
        guests[0],
        json!({"person_id": guests[0], "response": "declined", "replacement_id": outsider}),
    )
    .send()
    .await
    .expect_conflict("replacement_from_the_same_organization");
    answer(
        guests[0],
        json!({"person_id": guests[0], "response": "accepted", "replacement_id": colleague}),
    )
    .send()
    .await
    .expect_validation(&["/replacement_id"]);
    s.app.expect_outbox(&[]).await;
    let replaced = answer(
        guests[0],
        json!({"person_id": guests[0], "response": "declined", "replacement_id": colleague}),
    )
    .send()
    .await;
    let list = replaced.expect(StatusCode::OK)["guests"]
        .as_array()
        .unwrap()
        .clone();
    let response_of = |p: uuid::Uuid| {
        list.iter()
            .find(|g| g["person_id"] == json!(p))
            .map(|g| g["response"].as_str().unwrap().to_string())
    };
    assert_eq!(response_of(guests[0]).as_deref(), Some("declined"));
    assert_eq!(response_of(colleague).as_deref(), Some("invited"));
    s.app
        .expect_outbox(&[
            "dialogue.participant.responded.v1",
            "dialogue.participant.replaced.v1",
        ])
        .await;
    s.app.stop().await;
}

#[tokio::test]
async fn calendar_feeds_open_with_their_secret_until_revoked() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let guests = s.guests_for(host);
    let scheduled = s.schedule(host, wednesdays(s.year)[0], &guests).await;
    let dialogue_id = scheduled.expect(StatusCode::OK)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let guest = s.app.as_(Persona::person(guests[0], OFFICES[0]));
    // Someone else's feed.
    guest
        .post("/v1/feeds")
        .json(&json!({"person_id": guests[1]}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    guest
        .post("/v1/feeds")
        .json(&json!({"person_id": guests[0], "organization_id": OFFICES[0]}))
        .send()
        .await
        .expect_validation(&[""]);
    let created = guest
        .post("/v1/feeds")
        .json(&json!({"person_id": guests[0]}))
        .send()
        .await;
    let feed = created.expect(StatusCode::CREATED).clone();
    let url = feed["url"].as_str().unwrap().to_string();
    let calendar = s.app.anonymous().get(&url).send().await;
    calendar.expect(StatusCode::OK);
    assert!(
        calendar
            .header("content-type")
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = calendar.body.as_str().unwrap().to_string();
    assert!(text.contains(&format!("UID:{dialogue_id}@")), "{text}");
    assert!(text.contains("METHOD:PUBLISH"), "{text}");
    // An organisation's feed shows its hosted dialogue; another organisation's feed does not.
    let hosted = staff_of(&s.app, host)
        .post("/v1/feeds")
        .json(&json!({"organization_id": host}))
        .send()
        .await;
    let hosted_url = hosted.expect(StatusCode::CREATED)["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        s.app
            .anonymous()
            .get(&hosted_url)
            .send()
            .await
            .body
            .as_str()
            .unwrap()
            .contains(&dialogue_id)
    );
    let provider = coordinator(&s.app)
        .post("/v1/feeds")
        .json(&json!({"organization_id": PROVIDER}))
        .send()
        .await;
    let provider_url = provider.expect(StatusCode::CREATED)["url"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !s.app
            .anonymous()
            .get(&provider_url)
            .send()
            .await
            .body
            .as_str()
            .unwrap()
            .contains(&dialogue_id)
    );

    // Listed without secrets; revoked, the URL answers 404.
    let listed = guest.get("/v1/feeds").send().await;
    let items = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items.len(), 1);
    assert!(items[0].get("url").is_none());
    let record = format!("/v1/feeds/{}", feed["id"].as_str().unwrap());
    staff_of(&s.app, INSTITUTIONS[1])
        .delete(&record)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    guest
        .delete(&record)
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    s.app
        .anonymous()
        .get(&url)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    s.app
        .anonymous()
        .get("/v1/feeds/not-a-secret/calendar.ics")
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    s.app.stop().await;
}
