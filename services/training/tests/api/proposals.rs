//! Expert days proposed by a Forum decision or a dialogue finding, and sessions that realise
//! them and link back.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use uuid::Uuid;

use crate::common::*;

#[tokio::test]
async fn an_expert_day_session_realises_a_forum_or_dialogue_proposal() {
    let app = spawn().await;
    let decision = Uuid::now_v7();
    let finding = Uuid::now_v7();
    let decided = json!({"decision_id": decision, "meeting_id": Uuid::now_v7(), "topic_id": null,
        "kind": "event", "title": "Fachtag Inklusion 2027", "decided_on": "2027-03-17",
        "body_id": null});
    // Delivered twice: stored once.
    for _ in 0..2 {
        app.apply_event(
            "/qmf/committee",
            "committee.decision.recorded.v1",
            decided.clone(),
        )
        .await;
    }
    app.apply_event(
        "/qmf/committee",
        "committee.decision.recorded.v1",
        json!({"decision_id": Uuid::now_v7(), "meeting_id": Uuid::now_v7(), "topic_id": null,
            "kind": "guideline", "title": "Leitlinie", "decided_on": "2027-03-17", "body_id": null}),
    )
    .await;
    app.apply_event(
        "/qmf/dialogue",
        "dialogue.finding.recorded.v1",
        json!({"finding_id": finding, "dialogue_id": Uuid::now_v7(),
            "host_organization_id": INSTITUTIONS[0], "kind": "expert_day",
            "title": "Fachtag Übergänge in die Volljährigkeit",
            "summary": "Die Praxis nach §41 SGB VIII klären.", "owner_organization_id": null,
            "due_on": null, "held_on": "2027-05-12"}),
    )
    .await;

    let path = "/v1/expert-day-proposals";
    app.as_(Persona::role("service").of(INSTITUTIONS[0]))
        .get(path)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let all = organiser(&app).get(path).send().await;
    let all = all.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(all.len(), 2);
    assert_eq!(all[0]["id"], json!(finding));
    assert_eq!(all[0]["source"], "dialogue_finding");
    assert_eq!(all[1]["source"], "committee_decision");

    // A guidelines course does not realise it; an unknown proposal is refused.
    let guidelines = course(&app).await;
    organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(&guidelines, json!({"proposal_id": decision})))
        .send()
        .await
        .expect_conflict("proposal_needs_expert_day");
    let expert_day = organiser(&app)
        .post("/v1/courses")
        .json(&json!({"title": "Fachtag Inklusion", "topic": "expert_day",
            "description": "Gemeinsamer Fachtag.", "duration_hours": 6,
            "completion_rule": "all_parts_attended"}))
        .send()
        .await;
    let expert_day = expert_day.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string();
    organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(
            &expert_day,
            json!({"proposal_id": Uuid::now_v7()}),
        ))
        .send()
        .await
        .expect_conflict("proposal_unknown");
    let session = organiser(&app)
        .post("/v1/sessions")
        .json(&session_body(&expert_day, json!({"proposal_id": decision})))
        .send()
        .await;
    let session = session.expect(StatusCode::CREATED).clone();
    assert_eq!(session["proposal_id"], json!(decision));
    let published = app
        .sql(
            "SELECT envelope->'data'->>'proposal_id' AS proposal FROM outbox \
             WHERE event_type = 'training.session.scheduled.v1'",
        )
        .await;
    assert_eq!(published.last().unwrap()["proposal"], json!(decision));

    // The decision is no longer open; the finding still is.
    let open = organiser(&app)
        .get(&format!("{path}?open=true"))
        .send()
        .await;
    let open = open.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["id"], json!(finding));
    let all = organiser(&app).get(path).send().await;
    let realised = all.expect(StatusCode::OK)["items"][1].clone();
    assert_eq!(realised["sessions"], json!([session["id"]]));
    app.stop().await;
}
