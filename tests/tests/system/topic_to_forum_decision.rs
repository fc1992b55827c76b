//! A topic from a working group through the steering group (referred back once) to an adopted
//! Forum decision that sets up a new working group, across the directory and the committee
//! service: organisations and people reach the committee only through the directory's events,
//! and a consumer sees the committee's events in order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{self, Caller, Cluster, Persona, Reply, StatusCode, eventually, uuid_of};

/// One step of a topic's state machine with the topic's current ETag.
async fn transition(caller: &Caller, topic: &str, etag: &str, body: Value) -> Reply {
    let reply = caller
        .post(&format!("/v1/topics/{topic}/transitions"))
        .if_match(etag)
        .json(&body)
        .send()
        .await;
    reply.expect(StatusCode::OK);
    reply
}

#[tokio::test]
async fn a_working_group_topic_becomes_a_forum_decision_that_sets_up_a_working_group() {
    let cluster = Cluster::new();
    let committee = cluster.start(common::committee()).await;
    let directory = cluster.start(common::directory()).await;
    let mut consumer = cluster.probe("committee.#").await;
    let admin = directory.as_(Persona::admin());
    let secretary = committee.as_(Persona::committee_secretary());

    // The directory knows the organisations and the people.
    let address = json!({"street": "Allee 40", "postal_code": "74072", "city": "Heilbronn"});
    let office = admin.post("/v1/organizations")
        .json(&json!({"name": "Jugendamt Landkreis Heilbronn", "kind": "youth_office", "district": "landkreis_heilbronn", "address": address}))
        .send()
        .await;
    let office_id = uuid_of(office.expect(StatusCode::CREATED));
    let institution = admin.post("/v1/organizations")
        .json(&json!({"name": "Jugendhilfeverbund Unterland", "kind": "institution", "district": "landkreis_heilbronn", "address": address}))
        .send()
        .await;
    let institution_id = uuid_of(institution.expect(StatusCode::CREATED));
    let person = |org: Uuid, given: &str, family: &str| json!({"organization_id": org, "given_name": given, "family_name": family, "functions": ["qmf_coordinator"], "active_from": "2024-01-01"});
    let speaker = admin
        .post("/v1/people")
        .json(&person(institution_id, "Mara", "Sprecherin"))
        .send()
        .await;
    let speaker_id = uuid_of(speaker.expect(StatusCode::CREATED));
    let member = admin
        .post("/v1/people")
        .json(&person(office_id, "Jan", "Mitglied"))
        .send()
        .await;
    let member_id = uuid_of(member.expect(StatusCode::CREATED));

    // The management term waits until the committee has learnt the youth office from the events.
    let at_committee = &secretary;
    eventually(
        "the youth office reached the committee service",
        || async move {
            let reply = at_committee
                .post("/v1/management-terms")
                .json(&json!({"office_id": office_id, "start_on": "2026-01-01"}))
                .send()
                .await;
            (reply.status == StatusCode::CREATED).then_some(())
        },
    )
    .await;
    // People arrive the same way.
    let known = eventually("the person reached the committee service", || async move {
        let reply = at_committee
            .get(&format!("/v1/people/{speaker_id}"))
            .send()
            .await;
        (reply.status == StatusCode::OK).then_some(reply.body)
    })
    .await;
    assert_eq!(known["family_name"], "Sprecherin");
    // Both people: each arrives by its own event, and the seats need both.
    eventually("the member reached the committee service", || async move {
        let reply = at_committee
            .get(&format!("/v1/people/{member_id}"))
            .send()
            .await;
        (reply.status == StatusCode::OK).then_some(())
    })
    .await;

    let bodies = secretary.get("/v1/bodies?limit=200").send().await;
    let bodies = bodies.expect(StatusCode::OK);
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
        secretary.post(&format!("/v1/bodies/{group}/memberships"))
            .json(&json!({"person_id": person, "organization_id": org, "role": role, "start_on": "2026-01-01"}))
            .send()
            .await
            .expect(StatusCode::CREATED);
    }
    let speaker = committee.as_(
        Persona::role("institution_staff")
            .of(institution_id)
            .subject(speaker_id),
    );
    let member = committee.as_(
        Persona::role("youth_office_staff")
            .of(office_id)
            .subject(member_id),
    );
    // The managing youth office chairs the steering group; its staff deliberate for it.
    let chair = committee.as_(
        Persona::role("youth_office_staff")
            .of(office_id)
            .subject("stg-chair"),
    );

    // Draft, submit, referral back, new draft, submit, forward.
    let topic = member
        .post(&format!("/v1/bodies/{group}/topics"))
        .json(&json!({"title": "Empfehlung Inklusion", "text": "Entwurf 1"}))
        .send()
        .await;
    topic.expect(StatusCode::CREATED);
    let topic_id = topic.id();
    let mut etag = topic.etag();
    etag = transition(&speaker, &topic_id, &etag, json!({"action": "submit"}))
        .await
        .etag();
    etag = transition(
        &chair,
        &topic_id,
        &etag,
        json!({"action": "refer_back", "reason": "Zuständigkeiten ergänzen."}),
    )
    .await
    .etag();
    let draft = member
        .post(&format!("/v1/topics/{topic_id}/drafts"))
        .if_match(&etag)
        .json(&json!({"title": "Empfehlung Inklusion", "text": "Entwurf 2 mit Zuständigkeiten"}))
        .send()
        .await;
    draft.expect(StatusCode::CREATED);
    etag = draft.etag();
    etag = transition(&speaker, &topic_id, &etag, json!({"action": "submit"}))
        .await
        .etag();
    etag = transition(&chair, &topic_id, &etag, json!({"action": "forward"}))
        .await
        .etag();

    // The management puts it on the Forum's agenda, invites, and the Forum meets.
    let meeting = secretary.post(&format!("/v1/bodies/{forum}/meetings"))
        .json(&json!({"title": "Forum Jugendhilfe, Frühjahr", "starts_at": "2026-03-17T09:00:00Z", "ends_at": "2026-03-17T13:00:00Z",
            "place": "Landratsamt Heilbronn", "public": true}))
        .send()
        .await;
    meeting.expect(StatusCode::CREATED);
    let meeting_id = meeting.id();
    etag = transition(
        &secretary,
        &topic_id,
        &etag,
        json!({"action": "schedule", "meeting_id": meeting_id}),
    )
    .await
    .etag();
    let read = secretary
        .get(&format!("/v1/meetings/{meeting_id}"))
        .send()
        .await;
    read.expect(StatusCode::OK);
    let invited = secretary
        .post(&format!("/v1/meetings/{meeting_id}/invitations"))
        .if_match(read.etag())
        .json(&json!({}))
        .send()
        .await;
    invited.expect(StatusCode::OK);
    secretary
        .post(&format!("/v1/meetings/{meeting_id}/transitions"))
        .if_match(invited.etag())
        .json(&json!({"transition": "mark_held"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let adopted = transition(&secretary, &topic_id, &etag, json!({"action": "decide", "outcome": "adopted", "decision": {
        "kind": "establish_working_group", "title": "Einrichtung AK Inklusion", "text": "Das Forum beschließt die Empfehlung und richtet den AK Inklusion ein.",
        "working_group": {"name": "AK Inklusion", "permanent": false, "mandate": "Inklusive Hilfen bis 2028."}}})).await;
    assert_eq!(adopted.body["state"], "adopted");
    let new_group = adopted.body["decisions"][0]["body_id"]
        .as_str()
        .unwrap()
        .to_string();
    let established = member.get(&format!("/v1/bodies/{new_group}")).send().await;
    assert_eq!(established.expect(StatusCode::OK)["name"], "AK Inklusion");
    let register = member.get("/v1/decisions?q=Inklusion").send().await;
    assert_eq!(
        register.expect(StatusCode::OK)["items"][0]["body_id"],
        new_group.as_str()
    );

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
