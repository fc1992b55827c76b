//! Planning runs: requested by the coordination, run by the job runner, accepted into the
//! cycle through the rules of scheduling by hand; cancelled; taken up again after a process
//! died; refused when the data changed under the plan.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;
use crate::dialogues::{Setup, wednesdays};

/// Requests a run of the setup's cycle; returns the run and its path.
async fn request(setup: &Setup, body: Value) -> (Value, String) {
    let cycle = setup.cycle["id"].as_str().unwrap();
    let reply = coordinator(&setup.app)
        .post(&format!("/v1/cycles/{cycle}/planning-runs"))
        .json(&body)
        .send()
        .await;
    let run = reply.expect(StatusCode::ACCEPTED).clone();
    let location = reply.header("location").unwrap().to_string();
    assert_eq!(
        location,
        format!("/v1/planning-runs/{}", run["id"].as_str().unwrap())
    );
    (run, location)
}

/// Reads the run until `done` holds for it (at most a minute).
async fn wait_for(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let started = Instant::now();
    loop {
        let run = coordinator(app)
            .get(path)
            .send()
            .await
            .expect(StatusCode::OK)
            .clone();
        if done(&run) {
            return run;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the run did not get there: {run}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn ended(run: &Value) -> bool {
    ["finished", "failed", "cancelled", "accepted"].contains(&run["state"].as_str().unwrap())
}

async fn count(app: &TestApp, query: &str) -> i64 {
    app.sql(query).await[0]["n"].as_i64().unwrap()
}

#[tokio::test]
async fn a_run_plans_the_cycle_and_accepting_it_schedules_and_invites_every_dialogue() {
    let setup = Setup::new().await;
    let app = &setup.app;
    let (run, path) = request(&setup, json!({"seconds": 1, "seed": 7})).await;
    assert_eq!(run["state"], "queued");
    assert_eq!(
        (run["seconds"].as_i64(), run["seed"].as_i64()),
        (Some(1), Some(7))
    );
    assert_eq!(run["pinned"], 0);

    let run = wait_for(app, &path, ended).await;
    assert_eq!(run["state"], "finished", "{run}");
    assert_eq!(run["score"]["hard"], 0);
    assert_eq!(run["score"]["medium"], 0, "every host gets a dialogue");
    assert_eq!(run["attempts"], 1);

    // The plan, its explanation, and its documents in the planner's formats: scored again
    // outside the service, the same score.
    let plan = coordinator(app).get(&format!("{path}/plan")).send().await;
    let plan = plan.expect(StatusCode::OK).clone();
    assert_eq!(
        plan["dialogues"].as_array().unwrap().len(),
        eligible().len()
    );
    assert!(
        plan["explanation"]
            .as_array()
            .unwrap()
            .iter()
            .all(|item| item["severity"] == "soft" && !item["text"].as_str().unwrap().is_empty())
    );
    let document = |name: &str| {
        let path = format!("{path}/{name}");
        async move {
            coordinator(app)
                .get(&path)
                .send()
                .await
                .expect(StatusCode::OK)
                .clone()
        }
    };
    let instance = qmf_planner::model::Instance::from_json(&document("instance").await).unwrap();
    let solution =
        qmf_planner::model::Solution::from_json(&document("solution").await, &instance).unwrap();
    let score = qmf_planner::score::evaluate(&instance, &solution.plan).score();
    assert_eq!(
        json!({"hard": score.hard, "medium": score.medium, "soft": score.soft}),
        json!({"hard": run["score"]["hard"], "medium": run["score"]["medium"], "soft": run["score"]["soft"]})
    );
    coordinator(app)
        .get(&format!("{path}/nonsense"))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");

    // Accepted: every dialogue scheduled on its planned date and invited.
    coordinator(app)
        .post(&format!("{path}/acceptance"))
        .if_match("\"1\"")
        .json(&json!({}))
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    let etag = coordinator(app).get(&path).send().await.etag();
    let accepted = coordinator(app)
        .post(&format!("{path}/acceptance"))
        .if_match(&etag)
        .json(&json!({"starts": "10:00:00", "ends": "14:00:00"}))
        .send()
        .await;
    let accepted = accepted.expect(StatusCode::OK).clone();
    assert_eq!(accepted["run"]["state"], "accepted");
    assert_eq!(
        accepted["scheduled"].as_array().unwrap().len(),
        eligible().len()
    );
    assert_eq!(
        accepted["invited"].as_array().unwrap().len(),
        eligible().len()
    );
    for entry in plan["dialogues"].as_array().unwrap() {
        let host: Uuid = entry["host"].as_str().unwrap().parse().unwrap();
        let (dialogue, _) = setup.dialogue_of(host).await;
        let read = coordinator(app).get(&dialogue).send().await;
        let read = read.expect(StatusCode::OK);
        assert_eq!(read["state"], "invited");
        assert_eq!(read["date"], entry["date"]);
        // 10:00 in Heilbronn in May or June is 08:00 UTC.
        assert!(
            read["starts_at"].as_str().unwrap().ends_with("T08:00:00Z"),
            "{read}"
        );
        let mut guests: Vec<&str> = read["guests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["person_id"].as_str().unwrap())
            .collect();
        let mut planned: Vec<&str> = entry["guests"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g.as_str().unwrap())
            .collect();
        guests.sort_unstable();
        planned.sort_unstable();
        assert_eq!(guests, planned);
    }
    let scheduled = count(
        app,
        "SELECT count(*) AS n FROM outbox WHERE event_type = 'dialogue.dialogue.scheduled.v1'",
    )
    .await;
    assert_eq!(scheduled, eligible().len() as i64);

    // Accepted once only.
    let etag = coordinator(app).get(&path).send().await.etag();
    coordinator(app)
        .post(&format!("{path}/acceptance"))
        .if_match(&etag)
        .json(&json!({}))
        .send()
        .await
        .expect_conflict("run_not_finished");
    setup.app.stop().await;
}

#[tokio::test]
async fn only_the_coordination_plans_and_reads_plans() {
    let setup = Setup::new().await;
    let app = &setup.app;
    let cycle = setup.cycle["id"].as_str().unwrap();
    let staff = staff_of(app, INSTITUTIONS[0]);
    staff
        .post(&format!("/v1/cycles/{cycle}/planning-runs"))
        .json(&json!({}))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    staff
        .get(&format!("/v1/cycles/{cycle}/planning-instance"))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let (_, path) = request(&setup, json!({"seconds": 1})).await;
    staff
        .get(&path)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    coordinator(app)
        .post(&format!("/v1/cycles/{cycle}/planning-runs"))
        .json(&json!({"seconds": 0, "seed": -1}))
        .send()
        .await
        .expect_validation(&["/seconds", "/seed"]);
    let listed = coordinator(app)
        .list_all(&format!("/v1/cycles/{cycle}/planning-runs"))
        .await;
    assert_eq!(listed.len(), 1);
    wait_for(app, &path, ended).await;
    setup.app.stop().await;
}

#[tokio::test]
async fn a_running_run_stops_when_cancelled_and_an_ended_one_cannot_be() {
    let setup = Setup::new().await;
    let app = &setup.app;
    let (_, path) = request(&setup, json!({"seconds": 600})).await;
    let running = wait_for(app, &path, |run| {
        run["state"] == "running" && run["progress"]["best"].is_object()
    })
    .await;
    assert_eq!(running["progress"]["best"]["hard"], 0);
    let etag = coordinator(app).get(&path).send().await.etag();
    let stopping = coordinator(app)
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .send()
        .await;
    assert_eq!(stopping.expect(StatusCode::OK)["cancel_requested"], true);
    let started = Instant::now();
    let run = wait_for(app, &path, ended).await;
    assert_eq!(run["state"], "cancelled");
    assert!(started.elapsed() < Duration::from_secs(30));
    coordinator(app)
        .get(&format!("{path}/plan"))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    let etag = coordinator(app).get(&path).send().await.etag();
    coordinator(app)
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .send()
        .await
        .expect_conflict("run_not_cancellable");
    setup.app.stop().await;
}

#[tokio::test]
async fn a_run_whose_process_died_is_taken_up_again_and_given_up_after_three_tries() {
    let setup = Setup::new().await;
    let app = &setup.app;
    let (run, path) = request(&setup, json!({"seconds": 1})).await;
    let finished = wait_for(app, &path, ended).await;
    assert_eq!(finished["attempts"], 1);
    // As if the process running it had died mid-search: running, no plan.
    let id = run["id"].as_str().unwrap();
    app.execute(&format!(
        "UPDATE planning_runs SET state = 'running', solution = NULL, score = NULL \
         WHERE id = '{id}'"
    ))
    .await;
    let again = wait_for(app, &path, ended).await;
    assert_eq!(again["state"], "finished");
    assert_eq!(again["attempts"], 2);
    app.execute(&format!(
        "UPDATE planning_runs SET state = 'running', solution = NULL, score = NULL, attempts = 3 \
         WHERE id = '{id}'"
    ))
    .await;
    let given_up = wait_for(app, &path, ended).await;
    assert_eq!(given_up["state"], "failed");
    assert!(given_up["error"].as_str().unwrap().contains("3 times"));
    setup.app.stop().await;
}

#[tokio::test]
async fn a_plan_broken_by_a_later_absence_is_refused_and_changes_nothing() {
    let setup = Setup::new().await;
    let app = &setup.app;
    let (_, path) = request(&setup, json!({"seconds": 1})).await;
    wait_for(app, &path, ended).await;
    let plan = coordinator(app).get(&format!("{path}/plan")).send().await;
    let entry = plan.expect(StatusCode::OK)["dialogues"][0].clone();
    let guest = entry["guests"][0].as_str().unwrap();
    let date = entry["date"].as_str().unwrap();
    let organization = app
        .sql(&format!(
            "SELECT organization_id FROM directory_people WHERE id = '{guest}'"
        ))
        .await[0]["organization_id"]
        .as_str()
        .unwrap()
        .to_string();
    app.execute(&format!(
        "INSERT INTO absences (id, person_id, organization_id, start_on, end_on, created_by) \
         VALUES ('{}', '{guest}', '{organization}', '{date}', '{date}', 'test')",
        Uuid::now_v7()
    ))
    .await;
    let etag = coordinator(app).get(&path).send().await.etag();
    let refused = coordinator(app)
        .post(&format!("{path}/acceptance"))
        .if_match(&etag)
        .json(&json!({}))
        .send()
        .await;
    let problem = refused.expect(StatusCode::CONFLICT);
    assert_eq!(problem["rule"], "guest_unavailable", "{problem}");
    assert_eq!(problem["violations"][0]["people"], json!([guest]));
    let scheduled = count(
        app,
        "SELECT count(*) AS n FROM dialogues WHERE state <> 'unscheduled'",
    )
    .await;
    assert_eq!(scheduled, 0);
    assert_eq!(
        coordinator(app)
            .get(&path)
            .send()
            .await
            .expect(StatusCode::OK)["state"],
        "finished"
    );
    setup.app.stop().await;
}

#[tokio::test]
async fn replanning_keeps_held_dialogues_and_pins_announced_ones_on_request() {
    let setup = Setup::new().await;
    let app = &setup.app;
    let host = INSTITUTIONS[0];
    let day = wednesdays(setup.year)[3];
    setup
        .schedule(host, day, &setup.guests_for(host))
        .await
        .expect(StatusCode::OK);

    let (published, path) = request(&setup, json!({"seconds": 1})).await;
    assert_eq!(
        (
            published["pinned"].as_i64(),
            published["published"].as_i64()
        ),
        (Some(0), Some(1))
    );
    wait_for(app, &path, ended).await;
    let previous = coordinator(app)
        .get(&format!("{path}/previous"))
        .send()
        .await;
    let previous = previous.expect(StatusCode::OK).clone();
    assert_eq!(previous["dialogues"][0]["host"], host.to_string());
    assert_eq!(previous["dialogues"][0]["published"], true);
    // Moving it would cost a medium point: it stays.
    let plan = coordinator(app).get(&format!("{path}/plan")).send().await;
    let plan = plan.expect(StatusCode::OK).clone();
    let kept = plan["dialogues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["host"] == host.to_string())
        .unwrap()
        .clone();
    assert_eq!(kept["date"], json!(day));
    assert_eq!(plan["score"]["medium"], 0);

    let (pinned, _) = request(&setup, json!({"seconds": 1, "pin_published": true})).await;
    assert_eq!(
        (pinned["pinned"].as_i64(), pinned["published"].as_i64()),
        (Some(1), Some(0))
    );
    let cycle = setup.cycle["id"].as_str().unwrap();
    let now = coordinator(app)
        .get(&format!("/v1/cycles/{cycle}/planning-previous"))
        .send()
        .await;
    assert_eq!(
        now.expect(StatusCode::OK)["dialogues"][0]["published"],
        true
    );
    let instance = coordinator(app)
        .get(&format!("/v1/cycles/{cycle}/planning-instance"))
        .send()
        .await;
    let instance = instance.expect(StatusCode::OK).clone();
    qmf_planner::model::Instance::from_json(&instance).unwrap();
    assert_eq!(
        instance["organisations"].as_array().unwrap().len(),
        eligible().len()
    );
    let all_runs = coordinator(app)
        .list_all(&format!("/v1/cycles/{cycle}/planning-runs"))
        .await;
    for run in all_runs {
        wait_for(
            app,
            &format!("/v1/planning-runs/{}", run["id"].as_str().unwrap()),
            ended,
        )
        .await;
    }
    setup.app.stop().await;
}

#[tokio::test]
async fn a_second_replica_takes_up_the_run_of_a_replica_that_stopped() {
    let setup = Setup::new().await;
    let (run, path) = request(&setup, json!({"seconds": 600})).await;
    let Setup { app: mut first, .. } = setup;
    // Only the first replica runs jobs yet: the run is its.
    wait_for(&first, &path, |run| run["state"] == "running").await;
    let mut second = qmf_testkit::Cluster::of(&first)
        .start_replica(crate::common::dialogue(), &first)
        .await;
    first.hand_database_to(&mut second);
    first.stop().await;

    // The second replica finds the run left running and takes it up.
    let taken_up = wait_for(&second, &path, |run| {
        run["state"] == "running" && run["attempts"] == 2
    })
    .await;
    assert_eq!(taken_up["id"], run["id"]);
    let abandoned = second
        .sql(
            "SELECT outcome, error FROM job_runs WHERE job_name = 'dialogue.planning' \
             AND outcome = 'cancelled'",
        )
        .await;
    assert_eq!(abandoned.len(), 1, "{abandoned:?}");
    let etag = coordinator(&second).get(&path).send().await.etag();
    coordinator(&second)
        .post(&format!("{path}/cancellation"))
        .if_match(&etag)
        .send()
        .await
        .expect(StatusCode::OK);
    let ended_run = wait_for(&second, &path, ended).await;
    assert_eq!(ended_run["state"], "cancelled");
    second.stop().await;
}
