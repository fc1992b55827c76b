//! Commitment at a glance across the directory, committee, dialogue and training services: one
//! institution starts with nothing and, step by step through the services' APIs, signs a
//! quality development agreement, has its leader confirm the cooperation, takes a seat in a
//! working group and attends its meeting, hosts a quality dialogue of the running cycle and
//! visits another as guest, agrees measures there (one overdue) and carries one out, and has
//! its leader complete a required training. After each step the directory's engagement view
//! (fed by the other services' events) shows the criterion change, and at the end the
//! region's table lists the institution as the only one meeting every criterion.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
use serde_json::{Value, json};
use uuid::Uuid;

use qmf_directory::domain::engagement::CRITERIA;

use crate::common::{self, Caller, Cluster, Persona, StatusCode, eventually, uuid_of};

/// The status of each criterion of a view, in [`CRITERIA`] order.
fn statuses(view: &Value) -> Vec<&str> {
    CRITERIA
        .iter()
        .map(|c| view["criteria"][c]["status"].as_str().unwrap_or("?"))
        .collect()
}

/// Reads the organisation's engagement at `path` until `reached` holds (the other services'
/// events take a moment to arrive); returns that view.
async fn view_until(
    reader: &Caller,
    path: &str,
    what: &str,
    reached: impl Fn(&Value) -> bool,
) -> Value {
    let reached = &reached;
    eventually(what, || async move {
        let view = reader.get(path).send().await;
        let view = view.expect(StatusCode::OK).clone();
        reached(&view).then_some(view)
    })
    .await
}

#[tokio::test]
async fn an_institution_meets_each_criterion_of_commitment_in_turn() {
    let cluster = Cluster::new();
    let directory = cluster.start(common::directory()).await;
    let committee = cluster.start(common::committee()).await;
    let dialogue = cluster.start(common::dialogue()).await;
    let training = cluster.start(common::training()).await;
    let admin = directory.as_(Persona::admin());
    let coordination = directory.as_(Persona::coordinator());
    // The day in the region (Europe/Berlin), as every service judges it.
    let today = qmf_platform::region::today();
    let yesterday = today - Days::new(1);

    // The region: a youth office and two institutions with agreements (Anna and Ben each) ...
    let others = common::organizations_with_agreements(
        &admin,
        &[
            ("Jugendamt Hohenlohekreis", "youth_office", "hohenlohekreis"),
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
    let office_people = others[0].1.clone();
    let (neighbour, neighbour_people) = others[1].clone();
    let third_people = others[2].1.clone();
    // ... and X, registered without an agreement, with one specialist, Tom.
    let address = json!({"street": "Allee 40", "postal_code": "74072", "city": "Heilbronn"});
    let x = admin
        .post("/v1/organizations")
        .json(
            &json!({"name": "Jugendhilfeverbund Unterland", "kind": "institution",
            "district": "landkreis_heilbronn", "address": address}),
        )
        .send()
        .await;
    let x = uuid_of(x.expect(StatusCode::CREATED));
    let person = |given: &str, family: &str, function: &str| {
        json!({"organization_id": x, "given_name": given, "family_name": family,
            "functions": [function], "active_from": "2020-01-01"})
    };
    let tom = admin
        .post("/v1/people")
        .json(&person("Tom", "Unterland", "specialist"))
        .send()
        .await;
    let tom = uuid_of(tom.expect(StatusCode::CREATED));
    let path = format!("/v1/organizations/{x}/engagement");
    let path = path.as_str();

    // 1. Nothing yet: no agreement, no confirmation, no seat. No cycle runs (dialogues not
    //    judged), no measures, nothing required.
    let view = coordination.get(path).send().await;
    let view = view.expect(StatusCode::OK).clone();
    assert_eq!(
        statuses(&view),
        ["not_met", "not_met", "not_met", "met", "met", "met"]
    );
    assert_eq!(view["overall"], "not_met");
    assert_eq!(view["criteria"]["agreement"]["kind"], Value::Null);
    assert_eq!(view["criteria"]["committees"]["seats"], 0);
    assert_eq!(view["criteria"]["dialogues"]["cycle_id"], Value::Null);

    // 2. Agreement: X signs a quality development agreement.
    admin
        .post("/v1/agreements")
        .json(
            &json!({"organization_id": x, "kind": "quality_development_agreement",
            "signed_on": "2024-03-01", "signed_by": "Geschäftsführung"}),
        )
        .send()
        .await
        .expect(StatusCode::CREATED);
    let view = coordination.get(path).send().await;
    let view = view.expect(StatusCode::OK).clone();
    assert_eq!(
        statuses(&view),
        ["met", "not_met", "not_met", "met", "met", "met"]
    );
    assert_eq!(
        view["criteria"]["agreement"]["kind"],
        "quality_development_agreement"
    );

    // 3. Leadership: X's leader, Lea, confirms the cooperation today.
    let lea = admin
        .post("/v1/people")
        .json(&person("Lea", "Unterland", "leader"))
        .send()
        .await;
    let lea = uuid_of(lea.expect(StatusCode::CREATED));
    coordination
        .post("/v1/leadership-confirmations")
        .json(&json!({"organization_id": x, "leader_id": lea, "confirmed_on": today}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let view = coordination.get(path).send().await;
    let view = view.expect(StatusCode::OK).clone();
    assert_eq!(
        statuses(&view),
        ["met", "met", "not_met", "met", "met", "met"]
    );
    assert_eq!(view["criteria"]["leadership"]["confirmed_on"], json!(today));
    assert_eq!(
        view["criteria"]["leadership"]["valid_until"],
        json!(today.checked_add_months(Months::new(24)).unwrap())
    );

    // 4. Committees: Tom takes a seat for X in the AK QMF (once the committee service has
    //    learnt X and Tom from the directory's events) ...
    let secretary = committee.as_(Persona::committee_secretary());
    let bodies = secretary.get("/v1/bodies?limit=200").send().await;
    let group = bodies.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["name"] == "AK QMF")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let seat_start = today - Days::new(30);
    let (at_committee, group_path) = (&secretary, format!("/v1/bodies/{group}/memberships"));
    let group_path = &group_path;
    eventually("X and Tom reached the committee service", || async move {
        let reply = at_committee
            .post(group_path)
            .json(
                &json!({"person_id": tom, "organization_id": x, "role": "member",
                "start_on": seat_start}),
            )
            .send()
            .await;
        (reply.status == StatusCode::CREATED).then_some(())
    })
    .await;
    // ... a seat without a meeting yet is at risk ...
    let view = view_until(&coordination, path, "X holds a seat", |v| {
        v["criteria"]["committees"]["seats"] == 1
    })
    .await;
    assert_eq!(
        view["criteria"]["committees"],
        json!({"status": "at_risk", "seats": 1, "meetings": 0, "present": 0, "excused": 0})
    );
    // ... and the group met yesterday with Tom present (the committee records a meeting on a
    //     past day as it does one ahead; Tom counts for the organisation he works for).
    let meeting = secretary
        .post(&format!("/v1/bodies/{group}/meetings"))
        .json(
            &json!({"title": "AK QMF", "starts_at": format!("{yesterday}T09:00:00Z"),
            "ends_at": format!("{yesterday}T12:00:00Z"), "place": "Heilbronn", "public": false}),
        )
        .send()
        .await;
    meeting.expect(StatusCode::CREATED);
    let meeting_path = format!("/v1/meetings/{}", meeting.id());
    let attended = secretary
        .put(&format!("{meeting_path}/attendance"))
        .if_match(meeting.etag())
        .json(&json!({"entries": [
            {"person_id": tom, "status": "present"}]}))
        .send()
        .await;
    attended.expect(StatusCode::OK);
    secretary
        .post(&format!("{meeting_path}/transitions"))
        .if_match(attended.etag())
        .json(&json!({"transition": "mark_held"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let view = view_until(&coordination, path, "the meeting counts", |v| {
        v["criteria"]["committees"]["meetings"] == 1 && v["criteria"]["committees"]["present"] == 1
    })
    .await;
    assert_eq!(statuses(&view), ["met", "met", "met", "met", "met", "met"]);
    assert_eq!(view["criteria"]["committees"]["seats"], 1);
    assert_eq!(view["overall"], "met");

    // 5. Dialogues: the dialogue service knows the four agreements and the eight people ...
    let dialogue_app = &dialogue;
    eventually(
        "the dialogue service knows the agreements and people",
        || async move {
            let n = dialogue_app
                .sql(
                    "SELECT (SELECT count(*) FROM directory_agreements) AS agreements, \
                  (SELECT count(*) FROM directory_people) AS people",
                )
                .await;
            (n[0]["agreements"] == 4 && n[0]["people"] == 8).then_some(())
        },
    )
    .await;
    // ... and the coordination opens a cycle that began last year: the view judges the cycle
    // running today, and a cycle starting last year (the earliest the API accepts) runs
    // yesterday and today whatever the day of the run, 1 January included.
    let coordinator = dialogue.as_(Persona::coordinator());
    let cycle = coordinator
        .post("/v1/cycles")
        .json(&json!({"start_year": today.year() - 1}))
        .send()
        .await;
    let cycle = cycle.expect(StatusCode::CREATED)["id"]
        .as_str()
        .unwrap()
        .to_string();
    // X hosts: a dialogue pending, none visited: not met.
    let view = view_until(
        &coordination,
        path,
        "the cycle and X's dialogue arrived",
        |v| {
            v["criteria"]["dialogues"]["cycle_id"] == json!(cycle)
                && v["criteria"]["dialogues"]["hosted_pending"] == 1
        },
    )
    .await;
    assert_eq!(
        statuses(&view),
        ["met", "met", "met", "not_met", "met", "met"]
    );
    assert_eq!(view["overall"], "not_met");
    let hosts = coordinator
        .list_all(&format!("/v1/cycles/{cycle}/hosts"))
        .await;
    assert_eq!(hosts.len(), 4);
    let host_of = |org: Uuid| -> (String, String) {
        let host = hosts
            .iter()
            .find(|h| h["organization"]["id"] == json!(org))
            .unwrap();
        (
            host["id"].as_str().unwrap().to_string(),
            host["dialogue_id"].as_str().unwrap().to_string(),
        )
    };

    // Two Wednesdays of next year's June (inside the cycle, no public holiday) to plan on;
    // each dialogue's day is then moved back (a dialogue is held on its day or later).
    let year = today.year() + 1;
    let neighbours_day = NaiveDate::from_weekday_of_month_opt(year, 6, Weekday::Wed, 2).unwrap();
    let xs_day = NaiveDate::from_weekday_of_month_opt(year, 6, Weekday::Wed, 4).unwrap();
    // Hosts plan, schedule and invite; returns the dialogue's path and the invited ETag.
    let plan = async |org: Uuid, representative: Uuid, day: NaiveDate, guests: &[Uuid]| {
        let staff = dialogue.as_(Persona::institution_staff().of(org));
        let (host, dialogue_id) = host_of(org);
        let host_path = format!("/v1/hosts/{host}");
        let etag = staff.get(&host_path).send().await.etag();
        staff
            .put(&host_path)
            .if_match(etag)
            .json(
                &json!({"representatives": [representative], "room_capacity": 10,
                "proposed_dates": [day]}),
            )
            .send()
            .await
            .expect(StatusCode::OK);
        let dialogue_path = format!("/v1/dialogues/{dialogue_id}");
        let etag = staff.get(&dialogue_path).send().await.etag();
        let scheduled = staff
            .post(&format!("{dialogue_path}/schedule"))
            .if_match(etag)
            .json(&json!({"starts_at": format!("{day}T07:00:00Z"),
                "ends_at": format!("{day}T11:00:00Z"), "place": "Seminarraum", "guests": guests}))
            .send()
            .await;
        scheduled.expect(StatusCode::OK);
        let invited = staff
            .post(&format!("{dialogue_path}/invitations"))
            .if_match(scheduled.etag())
            .send()
            .await;
        invited.expect(StatusCode::OK);
        (staff, dialogue_id, dialogue_path, invited.etag())
    };

    // The neighbour hosts with guests from the youth office, the third institution and X (Tom).
    let neighbours_guests = [office_people[1], third_people[1], tom];
    let (neighbour_staff, neighbours_dialogue, neighbours_path, etag) = plan(
        neighbour,
        neighbour_people[1],
        neighbours_day,
        &neighbours_guests,
    )
    .await;
    dialogue
        .execute(&format!(
            "UPDATE dialogues SET day = current_date - 2 WHERE id = '{neighbours_dialogue}'"
        ))
        .await;
    let mut present = vec![neighbour_people[1]];
    present.extend(neighbours_guests);
    neighbour_staff
        .post(&format!("{neighbours_path}/held"))
        .if_match(etag)
        .json(&json!({"present": present}))
        .send()
        .await
        .expect(StatusCode::OK);
    // A visit as guest, X's own dialogue still pending: at risk.
    let view = view_until(&coordination, path, "Tom's visit counts", |v| {
        v["criteria"]["dialogues"]["guest_visits"] == 1
    })
    .await;
    assert_eq!(view["criteria"]["dialogues"]["status"], "at_risk");
    assert_eq!(
        (
            &view["criteria"]["dialogues"]["hosted_held"],
            &view["criteria"]["dialogues"]["hosted_pending"]
        ),
        (&json!(0), &json!(1))
    );
    // The coordination sees staff only as counts.
    assert_eq!(
        view["criteria"]["dialogues"]["guest_visits_by_person"],
        Value::Null
    );

    // X hosts Lea with guests from the other three organisations; it is held yesterday.
    let xs_guests = [office_people[0], neighbour_people[0], third_people[0]];
    let (x_staff, xs_dialogue, xs_path, etag) = plan(x, lea, xs_day, &xs_guests).await;
    dialogue
        .execute(&format!(
            "UPDATE dialogues SET day = current_date - 1 WHERE id = '{xs_dialogue}'"
        ))
        .await;
    let mut present = vec![lea];
    present.extend(xs_guests);
    let held = x_staff
        .post(&format!("{xs_path}/held"))
        .if_match(etag)
        .json(&json!({"present": present}))
        .send()
        .await;
    held.expect(StatusCode::OK);
    let view = view_until(&coordination, path, "X's dialogue was held", |v| {
        v["criteria"]["dialogues"]["hosted_held"] == 1
    })
    .await;
    assert_eq!(statuses(&view), ["met", "met", "met", "met", "met", "met"]);
    assert_eq!(view["criteria"]["dialogues"]["hosted_pending"], 0);

    // Results: the dialogue agrees two measures X carries out; one was due yesterday.
    let (checklist, house_rules) = (
        "Gemeinsame Checkliste Hilfeplangespräch",
        "Hausordnung überarbeiten",
    );
    let measure = |title: &str, due: NaiveDate| {
        json!({"kind": "agreed_measure", "title": title,
            "summary": "Die Einrichtung setzt die Vereinbarung aus dem Dialog um.",
            "owner_organization_id": x, "due_on": due})
    };
    x_staff
        .put(&format!("{xs_path}/documentation"))
        .if_match(held.etag())
        .json(&json!({"minutes": "Ergebnisse des Dialogs.", "findings": [
            measure(checklist, today + Days::new(180)), measure(house_rules, yesterday)]}))
        .send()
        .await
        .expect(StatusCode::OK);
    let view = view_until(&coordination, path, "the measures arrived", |v| {
        v["criteria"]["results"]["open"] == 2
    })
    .await;
    assert_eq!(
        view["criteria"]["results"],
        json!({"status": "at_risk", "open": 2, "done": 0, "overdue": [house_rules]})
    );
    assert_eq!(view["overall"], "at_risk");
    // X carries out the overdue one (dated today in the region by the dialogue service, and
    // judged on that day by the directory).
    let overdue = x_staff
        .get(&format!(
            "/v1/measures?owner_organization_id={x}&overdue=true"
        ))
        .send()
        .await;
    let overdue = overdue.expect(StatusCode::OK)["items"].clone();
    assert_eq!(overdue.as_array().unwrap().len(), 1);
    let finding = format!("/v1/findings/{}", overdue[0]["id"].as_str().unwrap());
    let etag = x_staff.get(&finding).send().await.etag();
    x_staff
        .post(&format!(
            "/v1/measures/{}/completion",
            overdue[0]["id"].as_str().unwrap()
        ))
        .if_match(etag)
        .json(&json!({"state": "done"}))
        .send()
        .await
        .expect(StatusCode::OK);
    let view = view_until(&coordination, path, "the measure was done", |v| {
        v["criteria"]["results"]["done"] == 1
    })
    .await;
    assert_eq!(
        view["criteria"]["results"],
        json!({"status": "met", "open": 1, "done": 1, "overdue": []})
    );
    assert_eq!(view["overall"], "met");

    // 6. Trainings: a course required for leaders: Lea misses it.
    let training_app = &training;
    eventually("the training service knows the people", || async move {
        let n = training_app
            .sql("SELECT count(*) AS n FROM directory_people")
            .await;
        (n[0]["n"] == 8).then_some(())
    })
    .await;
    let trainer = training.as_(Persona::role("trainer"));
    let title = "Leitung und Qualitätsentwicklung";
    let course = trainer
        .post("/v1/courses")
        .json(&json!({"title": title, "topic": "instruments",
            "description": "Die Leitung verankert die Qualitätsentwicklung im Haus.",
            "duration_hours": 6, "completion_rule": "all_parts_attended",
            "required_for": ["leader"], "instruments": []}))
        .send()
        .await;
    let course = course.expect(StatusCode::CREATED)["id"].clone();
    let view = view_until(&coordination, path, "the course is required", |v| {
        v["criteria"]["trainings"]["required"] == 1
    })
    .await;
    assert_eq!(
        view["criteria"]["trainings"],
        json!({"status": "not_met", "required": 1, "done": 0,
            "missing": [{"function": "leader", "course": title, "staff": 1}]})
    );
    assert_eq!(view["overall"], "not_met");
    // A session; X's software registers Lea; the day comes (moved back) and she attends.
    let mut day = today + Days::new(21);
    while day.weekday().number_from_monday() > 5 {
        day = day + Days::new(1);
    }
    let session = trainer
        .post("/v1/sessions")
        .json(
            &json!({"course_id": course, "days": [day], "place": "Heilbronn", "capacity": 10,
            "registration_opens_on": today,
            "registration_closes_on": today + Days::new(14),
            "cancellation_deadline": today + Days::new(14)}),
        )
        .send()
        .await;
    session.expect(StatusCode::CREATED);
    let session_id = session.id();
    let registration = training
        .as_(Persona::role("service").of(x))
        .post(&format!("/v1/sessions/{session_id}/registrations"))
        .json(&json!({"person_id": lea}))
        .send()
        .await;
    let registration = registration.expect(StatusCode::CREATED).clone();
    assert_eq!(registration["state"], "confirmed");
    training
        .execute(&format!(
            "UPDATE sessions SET days = ARRAY['{yesterday}']::date[] WHERE id = '{session_id}'"
        ))
        .await;
    trainer
        .put(&format!("/v1/sessions/{session_id}/attendance/{yesterday}"))
        .json(&json!({"entries": [{"registration_id": registration["id"], "status": "present"}]}))
        .send()
        .await
        .expect(StatusCode::OK);
    let view = view_until(&coordination, path, "Lea's completion counts", |v| {
        v["criteria"]["trainings"]["done"] == 1
    })
    .await;
    assert_eq!(
        view["criteria"]["trainings"],
        json!({"status": "met", "required": 1, "done": 1, "missing": []})
    );

    // Every criterion met, and the region's table agrees: X is the only organisation that
    // meets them all (the others have no leadership confirmation).
    assert_eq!(statuses(&view), ["met", "met", "met", "met", "met", "met"]);
    assert_eq!(view["overall"], "met");
    let table = coordination.get("/v1/engagement?status=met").send().await;
    let table = table.expect(StatusCode::OK).clone();
    assert_eq!(table["counts"]["organizations"], 4);
    assert_eq!(
        table["counts"]["overall"],
        json!({"met": 1, "at_risk": 0, "not_met": 3})
    );
    let items = table["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["organization_id"], json!(x));
    assert_eq!(items[0]["overall"], view["overall"]);
    assert_eq!(items[0]["criteria"], view["criteria"]);
    assert_eq!(view["criteria"]["dialogues"]["cycle_id"], json!(cycle));

    training.stop().await;
    dialogue.stop().await;
    committee.stop().await;
    directory.stop().await;
}
