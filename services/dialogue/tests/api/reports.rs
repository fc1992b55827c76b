//! Quality reports: written by the host from the template, submitted in time, read only by
//! the invited and the coordination after submission, every read recorded; outcome figures
//! from closed cases pre-fill them with small groups suppressed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;
use uuid::Uuid;

use crate::common::*;
use crate::dialogues::{Setup, wednesdays};

fn content() -> serde_json::Value {
    json!({"profile": "Stationäre und ambulante Hilfen.", "offers": "Wohngruppen, SPFH.",
        "developments": "Neues Beteiligungskonzept.", "topics": ["Übergänge in die Volljährigkeit"]})
}

#[tokio::test]
async fn the_report_is_written_submitted_in_time_and_read_only_by_the_invited() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let guests = s.guests_for(host);
    let scheduled = s.schedule(host, wednesdays(s.year)[0], &guests).await;
    let id = scheduled.expect(StatusCode::OK)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/dialogues/{id}/report");
    let staff = staff_of(&s.app, host);
    let template = staff.get("/v1/report-template").send().await;
    assert_eq!(template.expect(StatusCode::OK)["version"], 1);

    // Only the host writes it, following the template.
    staff_of(&s.app, INSTITUTIONS[1])
        .put(&path)
        .json(&json!({"content": content()}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    staff
        .put(&path)
        .json(&json!({"content": {"profile": "", "topics": []}}))
        .send()
        .await
        .expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let draft = staff
        .put(&path)
        .json(&json!({"content": content()}))
        .send()
        .await;
    assert_eq!(draft.expect(StatusCode::OK)["state"], "draft");
    staff
        .put(&path)
        .json(&json!({"content": content()}))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");

    // An invited guest cannot read a draft; the host can.
    let guest = s.app.as_(Persona::person(guests[0], OFFICES[0]));
    guest
        .get(&path)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    staff.get(&path).send().await.expect(StatusCode::OK);

    s.app.new_events().await;
    let submitted = staff
        .post(&format!("{path}/submission"))
        .if_match(draft.etag())
        .send()
        .await;
    assert_eq!(submitted.expect(StatusCode::OK)["state"], "submitted");
    s.app.expect_outbox(&["dialogue.report.submitted.v1"]).await;
    staff
        .put(&path)
        .if_match(submitted.etag())
        .json(&json!({"content": content()}))
        .send()
        .await
        .expect_conflict("report_submitted");

    // Readable by the invited and the coordination, not by a stranger of another organisation.
    assert_eq!(
        guest.get(&path).send().await.expect(StatusCode::OK)["content"],
        content()
    );
    coordinator(&s.app)
        .get(&path)
        .send()
        .await
        .expect(StatusCode::OK);
    let stranger = person(&s.app, INSTITUTIONS[1]).await;
    s.app
        .as_(Persona::person(stranger, INSTITUTIONS[1]))
        .get(&path)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let reads = staff.get(&format!("{path}/reads")).send().await;
    let readers: Vec<String> = reads.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reader"].as_str().unwrap().to_string())
        .collect();
    assert!(readers.contains(&guests[0].to_string()), "{readers:?}");
    assert_eq!(
        readers.len(),
        3,
        "host, guest and coordination; refused reads are not reads"
    );
    guest
        .get(&format!("{path}/reads"))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    s.app.stop().await;
}

#[tokio::test]
async fn a_report_submitted_too_late_is_refused() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let scheduled = s
        .schedule(host, wednesdays(s.year)[0], &s.guests_for(host))
        .await;
    let id = scheduled.expect(StatusCode::OK)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/v1/dialogues/{id}/report");
    let staff = staff_of(&s.app, host);
    let draft = staff
        .put(&path)
        .json(&json!({"content": content()}))
        .send()
        .await;
    draft.expect(StatusCode::OK);
    s.app.new_events().await;
    // The dialogue comes closer than the 28 days.
    s.app
        .execute(&format!(
            "UPDATE dialogues SET day = current_date + 10 WHERE id = '{id}'"
        ))
        .await;
    staff
        .post(&format!("{path}/submission"))
        .if_match(draft.etag())
        .send()
        .await
        .expect_conflict("report_too_late");
    s.app.expect_outbox(&[]).await;
    s.app.stop().await;
}

#[tokio::test]
async fn closed_cases_pre_fill_the_hosts_outcome_figures_with_small_groups_suppressed() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let closed = |kind: &str, days: i64, end: &str, goals: f64| {
        json!({"case": Uuid::now_v7(), "office_id": OFFICES[0], "provider_id": host, "help_kind": kind,
            "duration_days": days, "end_kind": end, "end_reason": "goals_reached", "goal_attainment": goals})
    };
    for i in 0..5 {
        let end = if i < 4 { "planned" } else { "unplanned" };
        s.app
            .apply_event(
                "/qmf/case",
                "case.closed.v1",
                closed("family_help", 300 + i * 10, end, 4.0),
            )
            .await;
    }
    let repeated = closed("residential_care", 500, "planned", 3.0);
    for _ in 0..2 {
        s.app
            .apply_event("/qmf/case", "case.closed.v1", repeated.clone())
            .await;
    }
    let (path, _) = s.dialogue_of(host).await;
    let prefill = staff_of(&s.app, host)
        .get(&format!("{path}/report/prefill"))
        .send()
        .await;
    let outcomes = prefill.expect(StatusCode::OK)["outcomes"].clone();
    assert_eq!(
        outcomes,
        json!([
            {"help_kind": "family_help", "suppressed": false, "cases": 5, "mean_duration_days": 320.0,
             "planned_end_share": 0.8, "goal_attainment": 4.0},
            {"help_kind": "residential_care", "suppressed": true, "cases": null, "mean_duration_days": null,
             "planned_end_share": null, "goal_attainment": null}
        ])
    );
    staff_of(&s.app, INSTITUTIONS[1])
        .get(&format!("{path}/report/prefill"))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    s.app.stop().await;
}
