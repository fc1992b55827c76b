//! The coverage report of a cycle, as JSON and CSV, for the coordination only.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::json;

use crate::common::*;
use crate::dialogues::{Setup, wednesdays};

#[tokio::test]
async fn the_coverage_report_counts_hosting_attendance_districts_and_measures() {
    let s = Setup::new().await;
    let [a, b, _] = INSTITUTIONS;
    let guests = s.guests_for(a);
    // A held and documented dialogue of A; B scheduled; the rest open.
    let scheduled = s.schedule(a, wednesdays(s.year)[0], &guests).await;
    let path = format!(
        "/v1/dialogues/{}",
        scheduled.expect(StatusCode::OK)["id"].as_str().unwrap()
    );
    let invited = coordinator(&s.app)
        .post(&format!("{path}/invitations"))
        .if_match(scheduled.etag())
        .send()
        .await;
    let id = path.rsplit('/').next().unwrap().to_string();
    s.app
        .execute(&format!(
            "UPDATE dialogues SET day = current_date - 1 WHERE id = '{id}'"
        ))
        .await;
    let held = coordinator(&s.app)
        .post(&format!("{path}/held"))
        .if_match(invited.etag())
        .json(&json!({"present": [s.rep(a), guests[0], guests[1]]}))
        .send()
        .await;
    let due = chrono::Utc::now().date_naive() + chrono::Days::new(90);
    coordinator(&s.app)
        .put(&format!("{path}/documentation"))
        .if_match(held.etag())
        .json(&json!({"minutes": "Protokoll.", "findings": [
            {"kind": "agreed_measure", "title": "Checkliste", "summary": "Erarbeiten.", "owner_organization_id": a, "due_on": due}]}))
        .send()
        .await
        .expect(StatusCode::OK);
    s.schedule(b, wednesdays(s.year)[1], &s.guests_for(b))
        .await
        .expect(StatusCode::OK);

    let cycle = s.cycle["id"].as_str().unwrap();
    let report = coordinator(&s.app)
        .get(&format!("/v1/cycles/{cycle}/coverage"))
        .send()
        .await;
    let report = report.expect(StatusCode::OK).clone();
    assert_eq!(
        report["hosts"],
        json!({"hosts": 5, "hosted": 1, "scheduled": 1, "open": 3, "cancelled": 0, "withdrawn": 0})
    );
    let row = |org: uuid::Uuid| {
        report["organizations"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["organization_id"] == json!(org))
            .unwrap()
            .clone()
    };
    assert_eq!(row(a)["hosted"], true);
    assert_eq!(row(OFFICES[0])["guest_attendances"], 1);
    // OFFICES[0]'s guest is also on B's list, still to come.
    assert_eq!(row(OFFICES[0])["guest_places_planned"], 1);
    assert_eq!(report["people"]["target"], 2);
    let attended: i64 = report["people"]["people"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["attended"].as_i64().unwrap())
        .sum();
    assert_eq!(attended, 2);
    assert_eq!(report["people"]["reached"], 0);
    assert_eq!(
        report["districts"],
        json!([{"district": "heilbronn_county", "dialogues": 1, "with_district_youth_office": 1}])
    );
    assert_eq!(report["findings"]["agreed_measure"], 1);
    assert_eq!(report["findings"]["measures_open"], 1);
    assert_eq!(report["findings"]["measures_overdue"], 0);

    let csv = coordinator(&s.app)
        .get(&format!("/v1/cycles/{cycle}/coverage?format=csv"))
        .send()
        .await;
    csv.expect(StatusCode::OK);
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    let text = csv.body.as_str().unwrap();
    assert!(
        text.starts_with("organization_id,name,kind,district,host_state"),
        "{text}"
    );
    assert_eq!(text.lines().count(), 6);
    staff_of(&s.app, a)
        .get(&format!("/v1/cycles/{cycle}/coverage"))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    s.app.stop().await;
}

#[tokio::test]
async fn one_request_gives_a_calendar_screen() {
    let s = Setup::new().await;
    let [a, b, _] = INSTITUTIONS;
    let days = wednesdays(s.year);
    s.schedule(a, days[0], &s.guests_for(a))
        .await
        .expect(StatusCode::OK);
    s.schedule(b, days[1], &s.guests_for(b))
        .await
        .expect(StatusCode::OK);
    let cycle = s.cycle["id"].as_str().unwrap();
    let from = chrono::NaiveDate::from_ymd_opt(s.year, 5, 1).unwrap();
    let to = chrono::NaiveDate::from_ymd_opt(s.year, 5, 31).unwrap();
    let screen = staff_of(&s.app, INSTITUTIONS[2])
        .get(&format!("/v1/cycles/{cycle}/calendar?from={from}&to={to}"))
        .send()
        .await;
    let screen = screen.expect(StatusCode::OK).clone();
    // days[0] is the first Wednesday of May, days[1] of June.
    let dialogues = screen["dialogues"].as_array().unwrap();
    assert_eq!(dialogues.len(), 1);
    assert_eq!(dialogues[0]["date"], json!(days[0]));
    assert_eq!(dialogues[0]["guests"], 4);
    assert_eq!(screen["unscheduled"], 3);
    // May has Tag der Arbeit or Christi Himmelfahrt on a weekday in most years.
    let holidays: Vec<chrono::NaiveDate> =
        qmf_dialogue::domain::calendar::bw_public_holidays(s.year)
            .into_iter()
            .map(|h| h.date)
            .filter(|d| {
                *d >= from && *d <= to && chrono::Datelike::weekday(d).number_from_monday() <= 5
            })
            .collect();
    assert_eq!(
        screen["blackout_days"].as_array().unwrap().len(),
        holidays.len()
    );
    staff_of(&s.app, a)
        .get(&format!("/v1/cycles/{cycle}/calendar?from={to}&to={from}"))
        .send()
        .await
        .expect_validation(&["/query/to"]);
    s.app.stop().await;
}
