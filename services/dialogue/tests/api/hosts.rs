//! Hosts: planning details, judged proposed dates, and joining and leaving with the directory.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, Weekday};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;

/// A weekday of `year` away from holidays: the second Wednesday of June.
fn plain_day(year: i32) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, 6, Weekday::Wed, 2).unwrap()
}

fn ascension(year: i32) -> (NaiveDate, &'static str) {
    let holiday = qmf_dialogue::domain::calendar::bw_public_holidays(year)
        .into_iter()
        .find(|h| h.name.contains("Himmelfahrt"))
        .unwrap();
    (holiday.date, holiday.name)
}

async fn host_path(app: &TestApp, cycle: &Value, organization: Uuid) -> (String, String) {
    let host = host_of(app, cycle, organization).await;
    let path = format!("/v1/hosts/{}", host["id"].as_str().unwrap());
    let etag = coordinator(app).get(&path).send().await.etag();
    (path, etag)
}

#[tokio::test]
async fn a_host_records_its_planning_and_each_proposed_date_is_judged() {
    let app = spawn().await;
    let year = this_year() + 1;
    let cycle = open_cycle(&app, year).await;
    let host = INSTITUTIONS[0];
    let rep = person(&app, host).await;
    let (path, etag) = host_path(&app, &cycle, host).await;

    // A Forum meeting from the committee, a school holiday and an absence of the representative.
    let forum_day = NaiveDate::from_weekday_of_month_opt(year, 3, Weekday::Wed, 3).unwrap();
    let meeting = Uuid::now_v7();
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.scheduled.v1",
        json!({"meeting_id": meeting, "body_id": Uuid::now_v7(), "title": "Forum Jugendhilfe",
            "starts_at": format!("{forum_day}T08:00:00Z"), "ends_at": format!("{forum_day}T12:00:00Z"),
            "place": "Heilbronn", "public": true, "body_kind": "forum"}),
    )
    .await;
    // A working group's meeting blocks nothing.
    let group_day = forum_day + chrono::Days::new(7);
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.scheduled.v1",
        json!({"meeting_id": Uuid::now_v7(), "body_id": Uuid::now_v7(), "title": "AK QMF",
            "starts_at": format!("{group_day}T08:00:00Z"), "ends_at": format!("{group_day}T12:00:00Z"),
            "place": "Heilbronn", "public": false, "body_kind": "working_group"}),
    )
    .await;
    let autumn = NaiveDate::from_weekday_of_month_opt(year, 10, Weekday::Mon, 4).unwrap();
    let school_year = format!("{}-{:02}", year, (year + 1) % 100);
    coordinator(&app)
        .put(&format!("/v1/school-holidays/{school_year}"))
        .header("Content-Type", "text/csv")
        .body(format!(
            "name,start,end\nHerbstferien,{autumn},{}\n",
            autumn + chrono::Days::new(4)
        ))
        .send()
        .await
        .expect(StatusCode::OK);
    let away = NaiveDate::from_ymd_opt(year, 7, 6).unwrap();
    app.as_(Persona::person(rep, host))
        .post("/v1/absences")
        .json(&json!({"person_id": rep, "start_on": away, "end_on": away + chrono::Days::new(4)}))
        .send()
        .await
        .expect(StatusCode::CREATED);

    let (holiday, holiday_name) = ascension(year);
    let report_ready = NaiveDate::from_ymd_opt(year, 2, 1).unwrap();
    let too_early = NaiveDate::from_ymd_opt(year, 2, 10).unwrap();
    let saturday = NaiveDate::from_weekday_of_month_opt(year, 9, Weekday::Sat, 1).unwrap();
    let good = plain_day(year);
    let body = json!({"representatives": [rep], "room_capacity": 10, "preferred_months": [6, 5],
        "report_ready_on": report_ready,
        "proposed_dates": [good, holiday, forum_day, group_day, autumn, away, too_early, saturday]});
    let reply = staff_of(&app, host)
        .put(&path)
        .if_match(&etag)
        .json(&body)
        .send()
        .await;
    let recorded = reply.expect(StatusCode::OK);
    assert_eq!(recorded["representatives"], json!([rep]));
    assert_eq!(recorded["preferred_months"], json!([5, 6]));
    assert_eq!(
        recorded["earliest_dialogue_on"],
        json!(report_ready + chrono::Days::new(28))
    );
    let dates: Vec<(String, bool, Vec<Value>)> = recorded["proposed_dates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["date"].as_str().unwrap().to_string(),
                d["usable"].as_bool().unwrap(),
                d["flags"].as_array().unwrap().clone(),
            )
        })
        .collect();
    let flags_of = |day: NaiveDate| {
        dates
            .iter()
            .find(|(d, _, _)| *d == day.to_string())
            .map(|(_, usable, flags)| (*usable, flags.clone()))
            .unwrap()
    };
    assert_eq!(flags_of(good), (true, vec![]));
    assert_eq!(flags_of(group_day), (true, vec![]));
    assert_eq!(
        flags_of(holiday),
        (
            false,
            vec![json!({"kind": "public_holiday", "name": holiday_name})]
        )
    );
    assert_eq!(
        flags_of(forum_day),
        (
            false,
            vec![
                json!({"kind": "forum_meeting", "meeting_id": meeting, "title": "Forum Jugendhilfe"})
            ]
        )
    );
    assert_eq!(
        flags_of(autumn),
        (
            true,
            vec![json!({"kind": "school_holiday", "name": "Herbstferien"})]
        )
    );
    assert_eq!(
        flags_of(away),
        (
            false,
            vec![json!({"kind": "representative_absent", "person_id": rep})]
        )
    );
    assert_eq!(
        flags_of(too_early),
        (
            false,
            vec![
                json!({"kind": "before_report", "earliest": report_ready + chrono::Days::new(28)})
            ]
        )
    );
    assert_eq!(
        flags_of(saturday),
        (false, vec![json!({"kind": "weekend"})])
    );
    assert!(dates.windows(2).all(|w| w[0].0 < w[1].0), "dates in order");

    // The same flags when read; a cancelled Forum meeting frees its day.
    app.apply_event(
        "/qmf/committee",
        "committee.meeting.cancelled.v1",
        json!({"meeting_id": meeting, "body_id": Uuid::now_v7(), "starts_at": format!("{forum_day}T08:00:00Z"),
            "invitations_were_sent": false, "ics": null, "body_kind": "forum"}),
    )
    .await;
    let read = app
        .as_(Persona::youth_office_staff().of(OFFICES[0]))
        .get(&path)
        .send()
        .await;
    let read = read.expect(StatusCode::OK);
    let forum = read["proposed_dates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["date"] == json!(forum_day))
        .unwrap();
    assert_eq!(forum["flags"], json!([]));
    app.stop().await;
}

#[tokio::test]
async fn only_the_hosts_own_staff_and_the_coordination_record_its_planning() {
    let app = spawn().await;
    let year = this_year() + 1;
    let cycle = open_cycle(&app, year).await;
    let host = INSTITUTIONS[0];
    let rep = person(&app, host).await;
    let stranger = person(&app, INSTITUTIONS[1]).await;
    let (path, etag) = host_path(&app, &cycle, host).await;
    let body = |rep: Uuid| json!({"representatives": [rep], "room_capacity": 10, "proposed_dates": [plain_day(year)]});

    staff_of(&app, INSTITUTIONS[1])
        .put(&path)
        .if_match(&etag)
        .json(&body(rep))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.as_(Persona::auditor().of(host))
        .put(&path)
        .if_match(&etag)
        .json(&body(rep))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    // A representative from another organisation.
    staff_of(&app, host)
        .put(&path)
        .if_match(&etag)
        .json(&body(stranger))
        .send()
        .await
        .expect_conflict("representative_of_own_organization");
    // Dates outside the cycle, a month 13, nobody named.
    staff_of(&app, host)
        .put(&path)
        .if_match(&etag)
        .json(&json!({"representatives": [], "preferred_months": [13],
            "proposed_dates": [format!("{}-06-10", year - 1)]}))
        .send()
        .await
        .expect_validation(&[
            "/representatives",
            "/preferred_months/0",
            "/proposed_dates/0",
        ]);
    let saved = staff_of(&app, host)
        .put(&path)
        .if_match(&etag)
        .json(&body(rep))
        .send()
        .await;
    saved.expect(StatusCode::OK);
    // The ETag read before is stale now.
    coordinator(&app)
        .put(&path)
        .if_match(&etag)
        .json(&body(rep))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    coordinator(&app)
        .put(&path)
        .if_match(saved.etag())
        .json(&body(rep))
        .send()
        .await
        .expect(StatusCode::OK);
    app.stop().await;
}

#[tokio::test]
async fn organisations_join_and_leave_the_open_cycle_with_their_agreements() {
    let app = spawn().await;
    let cycle = open_cycle(&app, this_year() + 1).await;
    app.new_events().await;

    // An organisation signs: it joins, once however often the event arrives.
    let signed = json!({"id": Uuid::now_v7(), "organization_id": NO_AGREEMENT,
        "kind": "quality_development_agreement", "signed_on": "2026-01-15"});
    app.apply_event(
        "/qmf/directory",
        "directory.agreement.signed.v1",
        signed.clone(),
    )
    .await;
    app.apply_event("/qmf/directory", "directory.agreement.signed.v1", signed)
        .await;
    let joined = app.expect_outbox(&["dialogue.host.joined.v1"]).await;
    assert_eq!(joined[0].subject, NO_AGREEMENT.to_string());
    let host = host_of(&app, &cycle, NO_AGREEMENT).await;
    assert_eq!(host["state"], "active");

    // Its agreement ends: it leaves and its unscheduled dialogue is withdrawn.
    let terminated = json!({"id": Uuid::now_v7(), "organization_id": NO_AGREEMENT,
        "kind": "quality_development_agreement", "terminated_on": "2026-01-20"});
    // The copy terminates the agreement it knows; point the event at it.
    let agreement = app
        .sql(&format!(
            "SELECT id FROM directory_agreements WHERE organization_id = '{NO_AGREEMENT}'"
        ))
        .await;
    let mut terminated = terminated;
    terminated["id"] = agreement[0]["id"].clone();
    app.apply_event(
        "/qmf/directory",
        "directory.agreement.terminated.v1",
        terminated,
    )
    .await;
    let left = app.expect_outbox(&["dialogue.host.withdrawn.v1"]).await;
    assert_eq!(left[0].subject, NO_AGREEMENT.to_string());
    let host = host_of(&app, &cycle, NO_AGREEMENT).await;
    assert_eq!(host["state"], "withdrawn");
    assert_eq!(host["withdrawn_reason"], "agreement_ended");
    assert_eq!(host["dialogue_state"], "withdrawn");

    // A host whose dialogue is scheduled leaves too, but its dialogue stays, flagged.
    let scheduled = host_of(&app, &cycle, INSTITUTIONS[1]).await;
    app.execute(&format!(
        "UPDATE dialogues SET state = 'scheduled', day = '{}-06-09', starts_at = '{}-06-09T07:00:00Z', \
         ends_at = '{}-06-09T11:00:00Z' WHERE id = '{}'",
        this_year() + 1, this_year() + 1, this_year() + 1,
        scheduled["dialogue_id"].as_str().unwrap()
    ))
    .await;
    app.apply_event(
        "/qmf/directory",
        "directory.organization.deactivated.v1",
        json!({"id": INSTITUTIONS[1], "deactivated_at": "2026-12-01T10:00:00Z", "version": 2}),
    )
    .await;
    app.expect_outbox(&["dialogue.host.withdrawn.v1"]).await;
    let host = host_of(&app, &cycle, INSTITUTIONS[1]).await;
    assert_eq!(host["withdrawn_reason"], "organization_deactivated");
    assert_eq!(host["dialogue_state"], "scheduled");
    let flagged = app
        .sql(&format!(
            "SELECT flagged FROM dialogues WHERE id = '{}'",
            scheduled["dialogue_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(flagged[0]["flagged"], "organization_deactivated");

    // A withdrawn host does not record planning any more.
    let path = format!("/v1/hosts/{}", host["id"].as_str().unwrap());
    let etag = coordinator(&app).get(&path).send().await.etag();
    let rep = person(&app, INSTITUTIONS[1]).await;
    coordinator(&app)
        .put(&path)
        .if_match(&etag)
        .json(&json!({"representatives": [rep]}))
        .send()
        .await
        .expect_conflict("host_withdrawn");
    app.stop().await;
}

#[tokio::test]
async fn without_an_open_cycle_directory_events_only_update_the_copy() {
    let app = spawn().await;
    app.apply_event(
        "/qmf/directory",
        "directory.agreement.signed.v1",
        json!({"id": Uuid::now_v7(), "organization_id": NO_AGREEMENT,
            "kind": "quality_development_agreement", "signed_on": "2026-01-15"}),
    )
    .await;
    app.expect_outbox(&[]).await;
    // Opening now includes it.
    let cycle = open_cycle(&app, this_year() + 1).await;
    host_of(&app, &cycle, NO_AGREEMENT).await;
    app.stop().await;
}

#[tokio::test]
async fn an_agreement_ending_on_a_later_day_takes_the_host_out_on_that_day() {
    let app = spawn().await;
    let cycle = open_cycle(&app, this_year() + 1).await;
    app.new_events().await;
    // Nothing out of step: the job changes nothing.
    assert_eq!(
        qmf_dialogue::jobs::reconcile_hosts(app.pool())
            .await
            .unwrap(),
        0
    );
    app.expect_outbox(&[]).await;
    // The termination event came earlier, naming a later day; that day has now come.
    app.execute(&format!(
        "UPDATE directory_agreements SET terminated_on = current_date - 1 \
         WHERE organization_id = '{}'",
        INSTITUTIONS[2]
    ))
    .await;
    assert_eq!(
        qmf_dialogue::jobs::reconcile_hosts(app.pool())
            .await
            .unwrap(),
        1
    );
    app.expect_outbox(&["dialogue.host.withdrawn.v1"]).await;
    let host = host_of(&app, &cycle, INSTITUTIONS[2]).await;
    assert_eq!(host["state"], "withdrawn");
    assert_eq!(host["withdrawn_reason"], "agreement_ended");
    assert_eq!(
        qmf_dialogue::jobs::reconcile_hosts(app.pool())
            .await
            .unwrap(),
        0
    );
    app.stop().await;
}
