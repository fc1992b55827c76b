//! A topic from a working group through the steering group (referred back once) to an adopted
//! Forum decision that sets up a new working group, across the directory and the committee
//! service: organisations and people reach the committee only through the directory's events,
//! and a consumer sees the committee's events in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use std::time::Duration;

use qmf_testkit::{EventProbe, auth};
use serde_json::{Value, json};
use uuid::Uuid;

async fn call(request: reqwest::RequestBuilder, status: u16) -> (Value, String) {
    let response = request.send().await.unwrap();
    let etag = response
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let code = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(code, status, "{text}");
    (serde_json::from_str(&text).unwrap_or(Value::Null), etag)
}

fn id_of(value: &Value) -> Uuid {
    value["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_working_group_topic_becomes_a_forum_decision_that_sets_up_a_working_group() {
    let cluster = common::Cluster::new();
    let committee = cluster
        .start(
            qmf_committee::SERVICE,
            qmf_committee::commands(),
            common::committee,
        )
        .await;
    let directory = cluster
        .start(
            qmf_directory::SERVICE,
            qmf_directory::commands(),
            common::directory,
        )
        .await;
    let mut consumer = EventProbe::bind(&cluster.exchange, "committee.#").await;
    let http = reqwest::Client::new();
    let admin = auth::token(&["admin"], None);
    let secretary = auth::token(&["committee_secretary"], None);

    // The directory knows the organisations and the people.
    let address = json!({"street": "Allee 40", "postal_code": "74072", "city": "Heilbronn"});
    let (office, _) = call(http.post(directory.url("/v1/organizations")).bearer_auth(&admin)
        .json(&json!({"name": "Jugendamt Landkreis Heilbronn", "kind": "youth_office", "district": "landkreis_heilbronn", "address": address})), 201).await;
    let (institution, _) = call(http.post(directory.url("/v1/organizations")).bearer_auth(&admin)
        .json(&json!({"name": "Jugendhilfeverbund Unterland", "kind": "institution", "district": "landkreis_heilbronn", "address": address})), 201).await;
    let person = |org: &Value, given: &str, family: &str| json!({"organization_id": org["id"], "given_name": given, "family_name": family, "functions": ["qmf_coordinator"], "active_from": "2024-01-01"});
    let (speaker, _) = call(
        http.post(directory.url("/v1/people"))
            .bearer_auth(&admin)
            .json(&person(&institution, "Mara", "Sprecherin")),
        201,
    )
    .await;
    let (member, _) = call(
        http.post(directory.url("/v1/people"))
            .bearer_auth(&admin)
            .json(&person(&office, "Jan", "Mitglied")),
        201,
    )
    .await;
    let (office_id, institution_id) = (id_of(&office), id_of(&institution));
    let (speaker_id, member_id) = (id_of(&speaker), id_of(&member));

    // The management term waits until the committee has learnt the youth office from the events.
    let mut term = None;
    for _ in 0..100 {
        let response = http
            .post(committee.url("/v1/management-terms"))
            .bearer_auth(&secretary)
            .json(&json!({"office_id": office_id, "start_on": "2026-01-01"}))
            .send()
            .await
            .unwrap();
        if response.status() == 201 {
            term = Some(response.json::<Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        term.is_some(),
        "the youth office reached the committee service"
    );
    // People arrive the same way.
    let mut known = false;
    for _ in 0..100 {
        let response = http
            .get(committee.url(&format!("/v1/people/{speaker_id}")))
            .bearer_auth(&secretary)
            .send()
            .await
            .unwrap();
        if response.status() == 200 {
            assert_eq!(
                response.json::<Value>().await.unwrap()["family_name"],
                "Sprecherin"
            );
            known = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(known, "the person reached the committee service");

    let (bodies, _) = call(
        http.get(committee.url("/v1/bodies?limit=200"))
            .bearer_auth(&secretary),
        200,
    )
    .await;
    let body = |name: &str| {
        bodies["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["name"] == name)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (group, forum) = (body("AK QMF"), body("Forum Jugendhilfe"));
    for (person, org, role) in [
        (speaker_id, institution_id, "speaker"),
        (member_id, office_id, "member"),
    ] {
        call(http.post(committee.url(&format!("/v1/bodies/{group}/memberships"))).bearer_auth(&secretary)
            .json(&json!({"person_id": person, "organization_id": org, "role": role, "start_on": "2026-01-01"})), 201).await;
    }
    let speaker_token = auth::token_for(
        &speaker_id.to_string(),
        &["institution_staff"],
        Some(institution_id),
    );
    let member_token = auth::token_for(
        &member_id.to_string(),
        &["youth_office_staff"],
        Some(office_id),
    );
    // The managing youth office chairs the steering group; its staff deliberate for it.
    let chair_token = auth::token_for("stg-chair", &["youth_office_staff"], Some(office_id));

    // Draft, submit, referral back, new draft, submit, forward.
    let (topic, mut etag) = call(
        http.post(committee.url(&format!("/v1/bodies/{group}/topics")))
            .bearer_auth(&member_token)
            .json(&json!({"title": "Empfehlung Inklusion", "text": "Entwurf 1"})),
        201,
    )
    .await;
    let topic_id = topic["id"].as_str().unwrap().to_string();
    let step = |token: &str, etag: &str, body: Value| {
        http.post(committee.url(&format!("/v1/topics/{topic_id}/transitions")))
            .bearer_auth(token)
            .header("If-Match", etag)
            .json(&body)
    };
    (_, etag) = call(
        step(&speaker_token, &etag, json!({"action": "submit"})),
        200,
    )
    .await;
    (_, etag) = call(
        step(
            &chair_token,
            &etag,
            json!({"action": "refer_back", "reason": "Zuständigkeiten ergänzen."}),
        ),
        200,
    )
    .await;
    (_, etag) = call(
        http.post(committee.url(&format!("/v1/topics/{topic_id}/drafts")))
            .bearer_auth(&member_token)
            .header("If-Match", &etag)
            .json(
                &json!({"title": "Empfehlung Inklusion", "text": "Entwurf 2 mit Zuständigkeiten"}),
            ),
        201,
    )
    .await;
    (_, etag) = call(
        step(&speaker_token, &etag, json!({"action": "submit"})),
        200,
    )
    .await;
    (_, etag) = call(step(&chair_token, &etag, json!({"action": "forward"})), 200).await;

    // The management puts it on the Forum's agenda, invites, and the Forum meets.
    let (meeting, _) = call(http.post(committee.url(&format!("/v1/bodies/{forum}/meetings"))).bearer_auth(&secretary)
        .json(&json!({"title": "Forum Jugendhilfe, Frühjahr", "starts_at": "2026-03-17T09:00:00Z", "ends_at": "2026-03-17T13:00:00Z",
            "place": "Landratsamt Heilbronn", "public": true})), 201).await;
    let meeting_id = meeting["id"].as_str().unwrap().to_string();
    (_, etag) = call(
        step(
            &secretary,
            &etag,
            json!({"action": "schedule", "meeting_id": meeting_id}),
        ),
        200,
    )
    .await;
    let mut meeting_etag = call(
        http.get(committee.url(&format!("/v1/meetings/{meeting_id}")))
            .bearer_auth(&secretary),
        200,
    )
    .await
    .1;
    (_, meeting_etag) = call(
        http.post(committee.url(&format!("/v1/meetings/{meeting_id}/invitations")))
            .bearer_auth(&secretary)
            .header("If-Match", &meeting_etag)
            .json(&json!({})),
        200,
    )
    .await;
    call(
        http.post(committee.url(&format!("/v1/meetings/{meeting_id}/transitions")))
            .bearer_auth(&secretary)
            .header("If-Match", &meeting_etag)
            .json(&json!({"transition": "mark_held"})),
        200,
    )
    .await;
    let (adopted, _) = call(step(&secretary, &etag, json!({"action": "decide", "outcome": "adopted", "decision": {
        "kind": "establish_working_group", "title": "Einrichtung AK Inklusion", "text": "Das Forum beschließt die Empfehlung und richtet den AK Inklusion ein.",
        "working_group": {"name": "AK Inklusion", "permanent": false, "mandate": "Inklusive Hilfen bis 2028."}}})), 200).await;
    assert_eq!(adopted["state"], "adopted");
    let new_group = adopted["decisions"][0]["body_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (established, _) = call(
        http.get(committee.url(&format!("/v1/bodies/{new_group}")))
            .bearer_auth(&member_token),
        200,
    )
    .await;
    assert_eq!(established["name"], "AK Inklusion");
    let (register, _) = call(
        http.get(committee.url("/v1/decisions?q=Inklusion"))
            .bearer_auth(&member_token),
        200,
    )
    .await;
    assert_eq!(register["items"][0]["body_id"], new_group.as_str());

    // The consumer sees the whole route.
    let mut events = Vec::new();
    while let Some(event) = consumer.next(Duration::from_secs(5)).await {
        let done = event["type"] == "committee.topic.transitioned.v1"
            && event["data"]["action"] == "decide";
        events.push(event);
        if done {
            break;
        }
    }
    let route: Vec<String> = events
        .iter()
        .filter(|e| e["type"] == "committee.topic.transitioned.v1")
        .map(|e| e["data"]["action"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        route,
        [
            "draft",
            "submit",
            "refer_back",
            "new_draft",
            "submit",
            "forward",
            "schedule",
            "decide"
        ]
    );
    let types: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    for expected in [
        "committee.management_term.started.v1",
        "committee.meeting.scheduled.v1",
        "committee.meeting.invitations_sent.v1",
        "committee.meeting.held.v1",
        "committee.body.established.v1",
        "committee.decision.recorded.v1",
    ] {
        assert!(
            types.contains(&expected),
            "{expected} missing from {types:?}"
        );
    }
    // The decision, the new body and the final step are one transaction, published in order.
    let position = |t: &str| types.iter().position(|x| *x == t).unwrap();
    assert!(position("committee.body.established.v1") < position("committee.decision.recorded.v1"));
    assert!(events.iter().all(|e| e["source"] == "/qmf/committee"));

    committee.stop().await;
    directory.stop().await;
}
