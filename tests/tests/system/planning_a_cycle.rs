//! Planning a cycle across the directory, the committee and the dialogue service: the
//! directory's organisations with agreements host, a Forum meeting planned in the committee and
//! an absence recorded by an organisation's software shape the plan, the planner runs on the
//! dialogue service's job runner, and accepting its plan schedules and invites every dialogue.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{self, Cluster, Persona, StatusCode, eventually};

#[tokio::test]
async fn a_cycle_is_planned_around_the_forum_and_absences_and_the_plan_accepted() {
    let cluster = Cluster::new();
    let directory = cluster.start(common::directory()).await;
    let committee = cluster.start(common::committee()).await;
    let dialogue = cluster.start(common::dialogue()).await;
    let admin = directory.as_(Persona::admin());
    let coordinator = dialogue.as_(Persona::coordinator());

    // Three districts, each with its youth office and an institution; two people each.
    let organizations = common::organizations_with_agreements(
        &admin,
        &[
            (
                "Jugendamt Stadt Heilbronn",
                "youth_office",
                "stadt_heilbronn",
            ),
            (
                "Jugendamt Landkreis Heilbronn",
                "youth_office",
                "landkreis_heilbronn",
            ),
            ("Jugendamt Hohenlohekreis", "youth_office", "hohenlohekreis"),
            (
                "Jugendhilfeverbund Unterland",
                "institution",
                "landkreis_heilbronn",
            ),
            (
                "Kinder- und Jugendhilfe Öhringen",
                "institution",
                "hohenlohekreis",
            ),
            (
                "Kinderschutzbund Heilbronn",
                "institution",
                "stadt_heilbronn",
            ),
        ],
    )
    .await;
    let dialogue_app = &dialogue;
    eventually("the dialogue service knows the agreements and people", || async move {
        let n = dialogue_app
            .sql("SELECT (SELECT count(*) FROM directory_agreements) + (SELECT count(*) FROM directory_people) AS n")
            .await;
        (n[0]["n"] == 18).then_some(())
    })
    .await;

    // Every host proposes the four Wednesdays of June next year; the Forum meets on the second.
    let year = chrono::Utc::now().year() + 1;
    let wednesdays: Vec<NaiveDate> = (1..=4)
        .map(|n| NaiveDate::from_weekday_of_month_opt(year, 6, Weekday::Wed, n).unwrap())
        .chain(
            (1..=4)
                .map(|n| NaiveDate::from_weekday_of_month_opt(year, 7, Weekday::Wed, n).unwrap()),
        )
        .collect();
    let forum_day = wednesdays[1];
    let secretary = committee.as_(Persona::committee_secretary());
    let forum = common::forum_of(&secretary).await;
    secretary
        .post(&format!("/v1/bodies/{forum}/meetings"))
        .json(
            &json!({"title": "Forum Jugendhilfe", "starts_at": format!("{forum_day}T07:00:00Z"),
            "ends_at": format!("{forum_day}T11:00:00Z"), "place": "Heilbronn", "public": true}),
        )
        .send()
        .await
        .expect(StatusCode::CREATED);
    let blackout = format!("/v1/blackout-days?from={forum_day}&to={forum_day}");
    let (reader, blackout) = (&coordinator, &blackout);
    eventually("the Forum day is a blackout day", || async move {
        let days = reader.get(blackout).send().await;
        let items = days.expect(StatusCode::OK)["items"].clone();
        (items[0]["reasons"][0]["kind"] == "forum_meeting").then_some(())
    })
    .await;

    let cycle = coordinator
        .post("/v1/cycles")
        .json(&json!({"start_year": year}))
        .send()
        .await;
    let cycle_id = cycle.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string();
    let hosts = coordinator
        .list_all(&format!("/v1/cycles/{cycle_id}/hosts"))
        .await;
    assert_eq!(hosts.len(), 6);
    for host in &hosts {
        let org: Uuid = host["organization"]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let people = &organizations.iter().find(|(o, _)| *o == org).unwrap().1;
        let path = format!("/v1/hosts/{}", host["id"].as_str().unwrap());
        let etag = coordinator.get(&path).send().await.etag();
        coordinator
            .put(&path)
            .if_match(etag)
            .json(&json!({"representatives": [people[0]], "room_capacity": 10,
                "report_ready_on": format!("{year}-03-01"), "proposed_dates": wednesdays}))
            .send()
            .await
            .expect(StatusCode::OK);
    }
    // The second person of the first institution is away all of June, as its software says.
    let (away_org, away_people) = organizations[3].clone();
    let away = away_people[1];
    let software = dialogue.as_(Persona::role("service").of(away_org));
    software
        .put(&format!("/v1/organizations/{away_org}/absences"))
        .json(
            &json!({"absences": [{"person_id": away, "start_on": format!("{year}-06-01"),
            "end_on": format!("{year}-06-30"), "note": "Abwesend"}]}),
        )
        .send()
        .await
        .expect(StatusCode::OK);

    // The planner's run.
    let run = coordinator
        .post(&format!("/v1/cycles/{cycle_id}/planning-runs"))
        .json(&json!({"seconds": 2}))
        .send()
        .await;
    run.expect(StatusCode::ACCEPTED);
    let run_path = run.header("location").unwrap().to_string();
    let (reader, run_path_ref) = (&coordinator, &run_path);
    let finished = eventually("the planning run finished", || async move {
        let run = reader.get(run_path_ref).send().await;
        let run = run.expect(StatusCode::OK).clone();
        (run["state"] != "queued" && run["state"] != "running").then_some(run)
    })
    .await;
    assert_eq!(finished["state"], "finished", "{finished}");
    assert_eq!(finished["score"]["hard"], 0);
    assert_eq!(finished["score"]["medium"], 0);
    let plan = coordinator.get(&format!("{run_path}/plan")).send().await;
    let plan = plan.expect(StatusCode::OK).clone();
    let dialogues = plan["dialogues"].as_array().unwrap();
    assert_eq!(dialogues.len(), 6);
    for entry in dialogues {
        let date: NaiveDate = entry["date"].as_str().unwrap().parse().unwrap();
        assert_ne!(date, forum_day, "a dialogue on the Forum's day: {entry}");
        if date.month() == 6 {
            assert!(
                !entry["guests"].as_array().unwrap().contains(&json!(away)),
                "the absent person is a guest on {date}"
            );
        }
    }

    // Accepted: every dialogue scheduled on its planned date and invited.
    let etag = coordinator.get(&run_path).send().await.etag();
    let accepted = coordinator
        .post(&format!("{run_path}/acceptance"))
        .if_match(etag)
        .json(&json!({}))
        .send()
        .await;
    let accepted = accepted.expect(StatusCode::OK).clone();
    assert_eq!(accepted["scheduled"].as_array().unwrap().len(), 6);
    assert_eq!(accepted["invited"].as_array().unwrap().len(), 6);
    let listed = coordinator
        .list_all(&format!("/v1/cycles/{cycle_id}/dialogues"))
        .await;
    let states: Vec<&Value> = listed.iter().map(|d| &d["state"]).collect();
    assert!(states.iter().all(|s| **s == "invited"), "{states:?}");
    let invited = dialogue
        .sql("SELECT count(*) AS n FROM outbox WHERE event_type = 'dialogue.dialogue.invited.v1'")
        .await;
    assert_eq!(invited[0]["n"], 6);
    tokio::time::sleep(Duration::from_millis(100)).await;
    committee.stop().await;
    dialogue.stop().await;
    directory.stop().await;
}
