//! A quality dialogue across the directory, the committee and the dialogue service: the
//! directory's organisations with agreements become the hosts of a cycle, a Forum meeting
//! planned in the committee blocks its day, a dialogue is scheduled by hand, invited, held,
//! documented and evaluated, and its Forum-topic finding arrives in the committee's
//! steering-group inbox exactly once.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, NaiveDate, Weekday};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::{self, Cluster, Persona, StatusCode, eventually};

#[tokio::test]
async fn a_dialogue_from_the_directory_to_the_steering_groups_inbox() {
    let cluster = Cluster::new();
    let directory = cluster.start(common::directory()).await;
    let committee = cluster.start(common::committee()).await;
    let dialogue = cluster.start(common::dialogue()).await;
    let admin = directory.as_(Persona::admin());
    let coordinator = dialogue.as_(Persona::coordinator());

    // Two youth offices and three institutions with agreements, each with two people.
    let organizations = common::organizations_with_agreements(
        &admin,
        &[
            (
                "Jugendamt Stadt Heilbronn",
                "youth_office",
                "stadt_heilbronn",
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
                "Erziehungshilfe Schwäbisch Hall",
                "institution",
                "schwaebisch_hall",
            ),
        ],
    )
    .await;
    let dialogue_app = &dialogue;
    eventually("the dialogue service knows the agreements and people", || async move {
        let n = dialogue_app
            .sql("SELECT (SELECT count(*) FROM directory_agreements) + (SELECT count(*) FROM directory_people) AS n")
            .await;
        (n[0]["n"] == 15).then_some(())
    })
    .await;

    // The Forum meets on a Wednesday next year.
    let year = chrono::Utc::now().year() + 1;
    let forum_day = NaiveDate::from_weekday_of_month_opt(year, 6, Weekday::Wed, 2).unwrap();
    let other_day = NaiveDate::from_weekday_of_month_opt(year, 6, Weekday::Wed, 4).unwrap();
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
    let reader = &coordinator;
    let blackout = &blackout;
    eventually("the Forum day is a blackout day", || async move {
        let days = reader.get(blackout).send().await;
        let items = days.expect(StatusCode::OK)["items"].clone();
        (items[0]["reasons"][0]["kind"] == "forum_meeting").then_some(())
    })
    .await;

    // The cycle: every organisation hosts.
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
    assert_eq!(hosts.len(), 5);
    let (host_org, host_people) = organizations[2].clone();
    let host: &Value = hosts
        .iter()
        .find(|h| h["organization"]["id"] == json!(host_org))
        .unwrap();
    let host_path = format!("/v1/hosts/{}", host["id"].as_str().unwrap());
    let host_staff = dialogue.as_(Persona::institution_staff().of(host_org));
    let etag = host_staff.get(&host_path).send().await.etag();
    let planned = host_staff
        .put(&host_path)
        .if_match(etag)
        .json(
            &json!({"representatives": [host_people[0]], "room_capacity": 10,
            "report_ready_on": format!("{year}-03-01"), "proposed_dates": [forum_day, other_day]}),
        )
        .send()
        .await;
    let proposed = planned.expect(StatusCode::OK)["proposed_dates"].clone();
    assert_eq!(proposed[0]["usable"], false);
    assert_eq!(proposed[0]["flags"][0]["kind"], "forum_meeting");

    // Scheduled by hand: not on the Forum's day, on the other.
    let guests: Vec<Uuid> = organizations
        .iter()
        .filter(|(org, _)| *org != host_org)
        .map(|(_, people)| people[1])
        .collect();
    let dialogue_path = format!("/v1/dialogues/{}", host["dialogue_id"].as_str().unwrap());
    let body = |day: NaiveDate| {
        json!({"starts_at": format!("{day}T07:00:00Z"), "ends_at": format!("{day}T11:00:00Z"),
        "place": "Seminarraum", "guests": guests})
    };
    let etag = coordinator.get(&dialogue_path).send().await.etag();
    coordinator
        .post(&format!("{dialogue_path}/schedule"))
        .if_match(&etag)
        .json(&body(forum_day))
        .send()
        .await
        .expect_conflict("date_forum");
    let scheduled = host_staff
        .post(&format!("{dialogue_path}/schedule"))
        .if_match(&etag)
        .json(&body(other_day))
        .send()
        .await;
    scheduled.expect(StatusCode::OK);
    let invited = host_staff
        .post(&format!("{dialogue_path}/invitations"))
        .if_match(scheduled.etag())
        .send()
        .await;
    invited.expect(StatusCode::OK);
    // The day has come (the test moves it back).
    let dialogue_id = host["dialogue_id"].as_str().unwrap();
    dialogue
        .execute(&format!(
            "UPDATE dialogues SET day = current_date - 1 WHERE id = '{dialogue_id}'"
        ))
        .await;
    let held = host_staff
        .post(&format!("{dialogue_path}/held"))
        .if_match(invited.etag())
        .json(&json!({"present": [host_people[0], guests[0], guests[1], guests[2]]}))
        .send()
        .await;
    held.expect(StatusCode::OK);
    let title = "Übergänge aus stationären Hilfen in die Volljährigkeit";
    let documented = host_staff
        .put(&format!("{dialogue_path}/documentation"))
        .if_match(held.etag())
        .json(&json!({"minutes": "Ergebnisse des Dialogs.", "findings": [
            {"kind": "forum_topic", "title": title, "summary": "Hilfen nach §41 SGB VIII enden zu früh."}]}))
        .send()
        .await;
    documented.expect(StatusCode::OK);
    dialogue
        .as_(Persona::person(guests[0], organizations[0].0))
        .post(&format!("{dialogue_path}/ratings"))
        .json(
            &json!({"ratings": {"preparation": 4, "exchange": 5, "results": 4, "organisation": 5}}),
        )
        .send()
        .await
        .expect(StatusCode::CREATED);
    let etag = host_staff.get(&dialogue_path).send().await.etag();
    let evaluated = host_staff
        .post(&format!("{dialogue_path}/evaluation"))
        .if_match(etag)
        .send()
        .await;
    assert_eq!(evaluated.expect(StatusCode::OK)["state"], "evaluated");

    // The finding is a topic in the steering group's inbox, once.
    let steering = committee.as_(Persona::committee_secretary());
    let steering = &steering;
    let inbox = eventually(
        "the finding reached the steering group's inbox",
        || async move {
            let topics = steering.list_all("/v1/topics?state=submitted").await;
            let matching: Vec<Value> = topics.into_iter().filter(|t| t["title"] == title).collect();
            (!matching.is_empty()).then_some(matching)
        },
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let again: Vec<Value> = steering
        .list_all("/v1/topics?state=submitted")
        .await
        .into_iter()
        .filter(|t| t["title"] == title)
        .collect();
    assert_eq!((inbox.len(), again.len()), (1, 1));
    committee.stop().await;
    dialogue.stop().await;
    directory.stop().await;
}
