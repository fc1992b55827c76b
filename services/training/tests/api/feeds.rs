//! Calendar feeds of a person's, an organisation's and a trainer's sessions: who may make
//! them, what they show, and that a revoked address stops answering.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use crate::common::*;

async fn read(app: &TestApp, url: &str) -> Reply {
    app.anonymous().get(url).send().await
}

/// The text with folded lines joined again (RFC 5545 3.1).
fn unfold(reply: &Reply) -> String {
    reply.body.as_str().unwrap().replace("\r\n ", "")
}

fn events(text: &str) -> Vec<&str> {
    text.split("BEGIN:VEVENT").skip(1).collect()
}

#[tokio::test]
async fn feeds_show_a_persons_an_organisations_and_a_trainers_sessions() {
    let app = spawn().await;
    let trainer = person(&app, PROVIDER).await;
    let course = course(&app).await;
    let taught = organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(&course, json!({"trainers": [trainer]})))
        .send()
        .await;
    let taught = taught.expect(StatusCode::CREATED).clone();
    let full = session(&app, json!({"capacity": 1})).await;
    let anna = person(&app, INSTITUTIONS[0]).await;
    let ben = person(&app, OFFICES[0]).await;
    register(&app, &taught, anna, INSTITUTIONS[0])
        .await
        .expect(StatusCode::CREATED);
    register(&app, &full, ben, OFFICES[0])
        .await
        .expect(StatusCode::CREATED);
    let waiting = register(&app, &full, anna, INSTITUTIONS[0]).await;
    assert_eq!(waiting.expect(StatusCode::CREATED)["state"], "waitlisted");

    // A trainer must be a person of an education provider.
    organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(&course, json!({"trainers": [anna]})))
        .send()
        .await
        .expect_conflict("trainer_unknown");

    // Who may make which feed.
    let feeds = "/v1/training-feeds";
    as_person(&app, ben, OFFICES[0])
        .post(feeds)
        .json(&json!({"person_id": anna}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    as_person(&app, ben, OFFICES[0])
        .post(feeds)
        .json(&json!({"organization_id": INSTITUTIONS[0]}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .post(feeds)
        .json(&json!({"trainer_id": trainer}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    as_person(&app, anna, INSTITUTIONS[0])
        .post(feeds)
        .json(&json!({"person_id": anna, "organization_id": INSTITUTIONS[0]}))
        .send()
        .await
        .expect_validation(&[""]);
    as_person(&app, anna, INSTITUTIONS[0])
        .post(feeds)
        .json(&json!({}))
        .send()
        .await
        .expect_validation(&[""]);

    // Anna's own feed: the taught session confirmed (two days), the full one tentative.
    let created = as_person(&app, anna, INSTITUTIONS[0])
        .post(feeds)
        .json(&json!({"person_id": anna}))
        .send()
        .await;
    let created = created.expect(StatusCode::CREATED).clone();
    let url = created["url"].as_str().unwrap().to_string();
    let own = read(&app, &url).await;
    own.expect(StatusCode::OK);
    assert_eq!(
        own.header("content-type"),
        Some("text/calendar; charset=utf-8")
    );
    let text = unfold(&own);
    let entries = events(&text);
    assert_eq!(entries.len(), 4, "{text}");
    let confirmed = entries
        .iter()
        .filter(|e| e.contains("STATUS:CONFIRMED"))
        .count();
    let tentative: Vec<&&str> = entries
        .iter()
        .filter(|e| e.contains("STATUS:TENTATIVE"))
        .collect();
    assert_eq!(confirmed, 2);
    assert_eq!(tentative.len(), 2);
    assert!(tentative[0].contains("(Warteliste)"));
    assert!(text.contains("DTSTART;VALUE=DATE:"));

    // Her organisation's feed, made by its software: one participant in the taught session,
    // none yet confirmed in the full one.
    let office = app
        .as_(Persona::role("service").of(INSTITUTIONS[0]))
        .post(feeds)
        .json(&json!({"organization_id": INSTITUTIONS[0]}))
        .send()
        .await;
    let office_url = office.expect(StatusCode::CREATED)["url"]
        .as_str()
        .unwrap()
        .to_string();
    let text = unfold(&read(&app, &office_url).await);
    assert_eq!(events(&text).len(), 4);
    assert!(text.contains("(1 Teilnehmende)"), "{text}");

    // The trainer's feed: only what they teach.
    let teaching = app
        .as_(Persona::role("trainer").of(PROVIDER).subject(trainer))
        .post(feeds)
        .json(&json!({"trainer_id": trainer}))
        .send()
        .await;
    let teaching_url = teaching.expect(StatusCode::CREATED)["url"]
        .as_str()
        .unwrap()
        .to_string();
    let text = unfold(&read(&app, &teaching_url).await);
    assert_eq!(events(&text).len(), 2);
    assert!(text.contains(&format!("{}-", taught["id"].as_str().unwrap())));

    // A cancelled session stays in the feeds, cancelled.
    let session_path = format!("/v1/sessions/{}", taught["id"].as_str().unwrap());
    let etag = organiser(&app).get(&session_path).send().await.etag();
    organiser(&app)
        .post(&format!("{session_path}/cancellation"))
        .if_match(&etag)
        .json(&json!({"reason": "Referentin erkrankt"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let text = unfold(&read(&app, &url).await);
    assert_eq!(text.matches("STATUS:CANCELLED").count(), 2, "{text}");

    // Listing shows no secrets; revoking closes the address.
    let listed = as_person(&app, anna, INSTITUTIONS[0])
        .get(feeds)
        .send()
        .await;
    let listed = listed.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert!(listed.iter().any(|f| f["id"] == created["id"]));
    assert!(listed.iter().all(|f| f.get("url").is_none()));
    let record = format!("{feeds}/{}", created["id"].as_str().unwrap());
    as_person(&app, ben, OFFICES[0])
        .delete(&record)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    as_person(&app, anna, INSTITUTIONS[0])
        .delete(&record)
        .send()
        .await
        .expect(StatusCode::NO_CONTENT);
    read(&app, &url)
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    as_person(&app, anna, INSTITUTIONS[0])
        .delete(&record)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    for bad in ["x".repeat(64), "0".repeat(64), "abc".to_string()] {
        read(&app, &format!("{feeds}/{bad}/calendar.ics"))
            .await
            .expect_problem(StatusCode::NOT_FOUND, "not-found");
    }
    app.stop().await;
}
