//! A dialogue held, documented with findings, rated and evaluated; agreed measures tracked.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;
use crate::dialogues::{Setup, wednesdays};

/// An invited dialogue of INSTITUTIONS[0] with its guests; its path and current ETag.
async fn invited(s: &Setup) -> (String, String, Vec<Uuid>) {
    let host = INSTITUTIONS[0];
    let guests = s.guests_for(host);
    let scheduled = s.schedule(host, wednesdays(s.year)[0], &guests).await;
    let path = format!(
        "/v1/dialogues/{}",
        scheduled.expect(StatusCode::OK)["id"].as_str().unwrap()
    );
    let invited = coordinator(&s.app)
        .post(&format!("{path}/invitations"))
        .if_match(scheduled.etag())
        .send()
        .await;
    invited.expect(StatusCode::OK);
    (path, invited.etag(), guests)
}

async fn etag(s: &Setup, path: &str) -> String {
    coordinator(&s.app).get(path).send().await.etag()
}

#[tokio::test]
async fn a_dialogue_is_held_documented_rated_and_its_measures_tracked() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let rep = s.rep(host);
    let (path, tag, guests) = invited(&s).await;
    let held_body = json!({"present": [rep, guests[0], guests[1]]});
    // Not before its day.
    staff_of(&s.app, host)
        .post(&format!("{path}/held"))
        .if_match(&tag)
        .json(&held_body)
        .send()
        .await
        .expect_conflict("dialogue_day_not_reached");
    // The day has come (the test moves it back).
    let id = path.rsplit('/').next().unwrap();
    s.app
        .execute(&format!(
            "UPDATE dialogues SET day = current_date - 1 WHERE id = '{id}'"
        ))
        .await;
    staff_of(&s.app, host)
        .post(&format!("{path}/held"))
        .if_match(&tag)
        .json(&json!({"present": [rep, Uuid::now_v7()]}))
        .send()
        .await
        .expect_conflict("attendance_of_participants");
    s.app.new_events().await;
    let held = staff_of(&s.app, host)
        .post(&format!("{path}/held"))
        .if_match(&tag)
        .json(&held_body)
        .send()
        .await;
    assert_eq!(held.expect(StatusCode::OK)["state"], "held");
    let rows = s.app.expect_outbox(&["dialogue.dialogue.held.v1"]).await;
    let sent = s
        .app
        .sql(&format!(
            "SELECT envelope FROM outbox WHERE event_id = '{}'",
            rows[0].event_id
        ))
        .await;
    let attendance = sent[0]["envelope"]["data"]["attendance"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(attendance.len(), 1 + guests.len());
    assert_eq!(
        attendance.iter().filter(|a| a["present"] == true).count(),
        3
    );

    // Documentation with a finding of each kind.
    let due = chrono::Utc::now().date_naive() - chrono::Days::new(1);
    let documented = staff_of(&s.app, host)
        .put(&format!("{path}/documentation"))
        .if_match(held.etag())
        .json(&json!({"minutes": "Protokoll des Qualitätsdialogs.", "findings": [
            {"kind": "forum_topic", "title": "Übergänge in die Volljährigkeit", "summary": "Hilfen nach §41 enden zu früh."},
            {"kind": "expert_day", "title": "Fachtag Elternarbeit", "summary": "Ein gemeinsamer Fachtag."},
            {"kind": "agreed_measure", "title": "Checkliste Hilfeplangespräch", "summary": "Gemeinsam erarbeiten.",
             "owner_organization_id": OFFICES[0], "due_on": due},
            {"kind": "publication", "title": "Handreichung", "summary": "Veröffentlichung der Ergebnisse."}]}))
        .send()
        .await;
    let findings = documented.expect(StatusCode::OK)["findings"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(findings.len(), 4);
    s.app
        .expect_outbox(&[
            "dialogue.dialogue.documented.v1",
            "dialogue.finding.recorded.v1",
            "dialogue.finding.escalated.v1",
            "dialogue.finding.recorded.v1",
            "dialogue.finding.recorded.v1",
            "dialogue.finding.recorded.v1",
        ])
        .await;
    coordinator(&s.app)
        .put(&format!("{path}/documentation"))
        .if_match(documented.etag())
        .json(&json!({"minutes": "Nochmal"}))
        .send()
        .await
        .expect_conflict("documentation_needs_held");
    // Read by those who took part, not by others.
    let read = staff_of(&s.app, OFFICES[1])
        .get(&format!("{path}/documentation"))
        .send()
        .await;
    assert_eq!(
        read.expect(StatusCode::OK)["minutes"],
        "Protokoll des Qualitätsdialogs."
    );
    app_provider(&s)
        .get(&format!("{path}/documentation"))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");

    // Ratings: present participants, once each.
    let ratings =
        json!({"ratings": {"preparation": 4, "exchange": 5, "results": 3, "organisation": 5}});
    s.app
        .as_(Persona::person(guests[2], OFFICES[0]))
        .post(&format!("{path}/ratings"))
        .json(&ratings)
        .send()
        .await
        .expect_conflict("ratings_by_present_participants");
    // The evaluation needs a rating first.
    coordinator(&s.app)
        .post(&format!("{path}/evaluation"))
        .if_match(etag(&s, &path).await)
        .send()
        .await
        .expect_conflict("evaluation_needs_ratings");
    let guest = s.app.as_(Persona::person(guests[0], OFFICES[0]));
    guest
        .post(&format!("{path}/ratings"))
        .json(
            &json!({"ratings": {"preparation": 6, "exchange": 5, "results": 3, "organisation": 5}}),
        )
        .send()
        .await
        .expect_validation(&["/ratings/preparation"]);
    guest
        .post(&format!("{path}/ratings"))
        .json(&ratings)
        .send()
        .await
        .expect(StatusCode::CREATED);
    guest
        .post(&format!("{path}/ratings"))
        .json(&ratings)
        .send()
        .await
        .expect_conflict("ratings_by_present_participants");
    s.app
        .as_(Persona::person(rep, host))
        .post(&format!("{path}/ratings"))
        .json(
            &json!({"ratings": {"preparation": 5, "exchange": 4, "results": 4, "organisation": 4}}),
        )
        .send()
        .await
        .expect(StatusCode::CREATED);
    s.app.new_events().await;
    let evaluated = staff_of(&s.app, host)
        .post(&format!("{path}/evaluation"))
        .if_match(etag(&s, &path).await)
        .send()
        .await;
    assert_eq!(evaluated.expect(StatusCode::OK)["state"], "evaluated");
    let rows = s
        .app
        .expect_outbox(&["dialogue.evaluation.completed.v1"])
        .await;
    let sent = s
        .app
        .sql(&format!(
            "SELECT envelope FROM outbox WHERE event_id = '{}'",
            rows[0].event_id
        ))
        .await;
    let data = &sent[0]["envelope"]["data"];
    assert_eq!(
        (
            data["ratings"].clone(),
            data["preparation"].clone(),
            data["results"].clone()
        ),
        (json!(2), json!(450), json!(350))
    );

    // The agreed measure is overdue; its owner closes it.
    let overdue = coordinator(&s.app)
        .list_all("/v1/measures?overdue=true")
        .await;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["overdue"], true);
    let measure: Value = overdue[0].clone();
    let measure_path = format!("/v1/findings/{}", measure["id"].as_str().unwrap());
    let completion = format!(
        "/v1/measures/{}/completion",
        measure["id"].as_str().unwrap()
    );
    let measure_tag = coordinator(&s.app).get(&measure_path).send().await.etag();
    staff_of(&s.app, INSTITUTIONS[1])
        .post(&completion)
        .if_match(&measure_tag)
        .json(&json!({"state": "done"}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let owner = s.app.as_(Persona::youth_office_staff().of(OFFICES[0]));
    owner
        .post(&completion)
        .if_match(&measure_tag)
        .json(&json!({"state": "dropped"}))
        .send()
        .await
        .expect_validation(&["/reason"]);
    s.app.new_events().await;
    let done = owner
        .post(&completion)
        .if_match(&measure_tag)
        .json(&json!({"state": "done"}))
        .send()
        .await;
    assert_eq!(done.expect(StatusCode::OK)["measure_state"], "done");
    let rows = s
        .app
        .expect_outbox(&["dialogue.measure.completed.v1"])
        .await;
    let sent = s
        .app
        .sql(&format!(
            "SELECT envelope FROM outbox WHERE event_id = '{}'",
            rows[0].event_id
        ))
        .await;
    assert_eq!(sent[0]["envelope"]["data"]["overdue"], true);
    owner
        .post(&completion)
        .if_match(done.etag())
        .json(&json!({"state": "dropped", "reason": "x"}))
        .send()
        .await
        .expect_conflict("measure_closed");
    let topic = findings
        .iter()
        .find(|f| f["kind"] == "forum_topic")
        .unwrap();
    let topic_path = format!("/v1/findings/{}", topic["id"].as_str().unwrap());
    coordinator(&s.app)
        .post(&format!(
            "/v1/measures/{}/completion",
            topic["id"].as_str().unwrap()
        ))
        .if_match(coordinator(&s.app).get(&topic_path).send().await.etag())
        .json(&json!({"state": "done"}))
        .send()
        .await
        .expect_conflict("not_a_measure");
    assert!(
        coordinator(&s.app)
            .list_all("/v1/measures?overdue=true")
            .await
            .is_empty()
    );
    s.app.stop().await;
}

fn app_provider(s: &Setup) -> Caller {
    s.app.as_(Persona::institution_staff().of(PROVIDER))
}
