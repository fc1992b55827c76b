//! Scheduling dialogues by hand: every hard rule of one dialogue, the region-wide limits,
//! guests, cancelling, and the history.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{NaiveDate, Weekday};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;

/// A cycle from next year; hosts with a representative, a room for 8 and proposed dates; and a
/// possible guest in every organisation.
pub struct Setup {
    pub app: TestApp,
    pub cycle: Value,
    pub year: i32,
    /// Representative per host organisation.
    reps: Vec<(Uuid, Uuid)>,
    /// A staff member per organisation, who can be a guest.
    staff: Vec<(Uuid, Uuid)>,
}

/// Wednesdays of May and June next year: the dates every host proposes.
pub fn wednesdays(year: i32) -> Vec<NaiveDate> {
    (1..=4)
        .flat_map(|n| {
            [5, 6].map(|m| NaiveDate::from_weekday_of_month_opt(year, m, Weekday::Wed, n).unwrap())
        })
        .collect()
}

impl Setup {
    pub async fn new() -> Setup {
        let app = spawn().await;
        let year = this_year() + 1;
        let cycle = open_cycle(&app, year).await;
        let mut reps = Vec::new();
        let mut staff = Vec::new();
        for org in eligible() {
            let rep = person(&app, org).await;
            reps.push((org, rep));
            staff.push((org, person(&app, org).await));
            let host = host_of(&app, &cycle, org).await;
            let path = format!("/v1/hosts/{}", host["id"].as_str().unwrap());
            coordinator(&app)
                .put(&path)
                .if_match(host_etag(&app, &path).await)
                .json(&json!({"representatives": [rep], "room_capacity": 8,
                    "report_ready_on": format!("{year}-02-01"), "proposed_dates": wednesdays(year)}))
                .send()
                .await
                .expect(StatusCode::OK);
        }
        app.new_events().await;
        Setup {
            app,
            cycle,
            year,
            reps,
            staff,
        }
    }

    pub fn guest(&self, org: Uuid) -> Uuid {
        self.staff.iter().find(|(o, _)| *o == org).unwrap().1
    }

    pub fn rep(&self, org: Uuid) -> Uuid {
        self.reps.iter().find(|(o, _)| *o == org).unwrap().1
    }

    /// A valid guest list for a host: a guest from every other organisation of the setup
    /// (two youth offices, institutions), at most four.
    pub fn guests_for(&self, host: Uuid) -> Vec<Uuid> {
        self.staff
            .iter()
            .filter(|(o, _)| *o != host)
            .map(|(_, p)| *p)
            .take(4)
            .collect()
    }

    pub async fn dialogue_of(&self, host: Uuid) -> (String, String) {
        let host = host_of(&self.app, &self.cycle, host).await;
        let path = format!("/v1/dialogues/{}", host["dialogue_id"].as_str().unwrap());
        let etag = coordinator(&self.app).get(&path).send().await.etag();
        (path, etag)
    }

    pub fn body(&self, day: NaiveDate, guests: &[Uuid]) -> Value {
        json!({"starts_at": format!("{day}T07:00:00Z"), "ends_at": format!("{day}T11:00:00Z"),
            "place": "Seminarraum", "guests": guests})
    }

    pub async fn schedule(&self, host: Uuid, day: NaiveDate, guests: &[Uuid]) -> Reply {
        let (path, etag) = self.dialogue_of(host).await;
        coordinator(&self.app)
            .post(&format!("{path}/schedule"))
            .if_match(etag)
            .json(&self.body(day, guests))
            .send()
            .await
    }

    async fn set_rules(&self, change: impl FnOnce(&mut Value)) {
        let path = format!("/v1/cycles/{}", self.cycle["id"].as_str().unwrap());
        let read = coordinator(&self.app).get(&path).send().await;
        let mut rules = read.expect(StatusCode::OK)["rules"].clone();
        change(&mut rules);
        coordinator(&self.app)
            .put(&format!("{path}/rules"))
            .if_match(read.etag())
            .json(&json!({"rules": rules}))
            .send()
            .await
            .expect(StatusCode::OK);
    }
}

async fn host_etag(app: &TestApp, path: &str) -> String {
    coordinator(app).get(path).send().await.etag()
}

pub fn rules_of(problem: &Value) -> Vec<String> {
    problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["rule"].as_str().unwrap().to_string())
        .collect()
}

fn violation<'a>(problem: &'a Value, rule: &str) -> &'a Value {
    problem["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["rule"] == rule)
        .unwrap_or_else(|| panic!("{rule} not in {problem}"))
}

#[tokio::test]
async fn a_dialogue_is_scheduled_rescheduled_and_keeps_its_history() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let days = wednesdays(s.year);
    let guests = s.guests_for(host);
    let scheduled = s.schedule(host, days[0], &guests).await;
    let dialogue = scheduled.expect(StatusCode::OK).clone();
    assert_eq!(dialogue["state"], "scheduled");
    assert_eq!(dialogue["date"], json!(days[0]));
    assert_eq!(dialogue["representatives"], json!([s.rep(host)]));
    assert_eq!(dialogue["guests"].as_array().unwrap().len(), 4);
    assert!(
        dialogue["guests"]
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["response"] == "listed")
    );
    let events = s
        .app
        .expect_outbox(&["dialogue.dialogue.scheduled.v1"])
        .await;
    assert_eq!(events[0].subject, dialogue["id"].as_str().unwrap());

    // Rescheduling to another proposed date, with a reason.
    let path = format!("/v1/dialogues/{}", dialogue["id"].as_str().unwrap());
    let mut body = s.body(days[1], &guests);
    body["reason"] = json!("Raum belegt");
    let moved = coordinator(&s.app)
        .post(&format!("{path}/schedule"))
        .if_match(scheduled.etag())
        .json(&body)
        .send()
        .await;
    assert_eq!(moved.expect(StatusCode::OK)["date"], json!(days[1]));
    s.app
        .expect_outbox(&["dialogue.dialogue.rescheduled.v1"])
        .await;
    let history = staff_of(&s.app, host)
        .get(&format!("{path}/history"))
        .send()
        .await;
    let steps = history.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(steps.len(), 2);
    assert_eq!(steps[0]["action"], "schedule");
    assert_eq!(steps[1]["action"], "reschedule");
    assert_eq!(steps[1]["date_before"], json!(days[0]));
    assert_eq!(steps[1]["date_after"], json!(days[1]));
    assert_eq!(steps[1]["reason"], "Raum belegt");
    // The history is the host's and the coordination's.
    staff_of(&s.app, INSTITUTIONS[1])
        .get(&format!("{path}/history"))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    // The calendar of the cycle.
    let listed = s
        .app
        .as_(Persona::youth_office_staff().of(OFFICES[0]))
        .list_all(&format!(
            "/v1/cycles/{}/dialogues?state=scheduled",
            s.cycle["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(listed.len(), 1);
    s.app.stop().await;
}

#[tokio::test]
async fn every_broken_rule_is_named_with_who_and_when() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let (holiday, _) = qmf_dialogue::domain::calendar::bw_public_holidays(s.year)
        .into_iter()
        .find(|h| h.name.contains("Himmelfahrt"))
        .map(|h| (h.date, h.name))
        .unwrap();
    let colleague = person(&s.app, host).await;
    let second_of_office = person(&s.app, OFFICES[0]).await;
    let stranger = Uuid::now_v7();
    let guests = vec![colleague, s.guest(OFFICES[0]), second_of_office, stranger];
    let reply = s.schedule(host, holiday, &guests).await;
    let problem = reply.expect_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        rules_of(problem),
        [
            "date_not_candidate",
            "date_public_holiday",
            "guest_unknown",
            "guest_from_host_org",
            "guest_same_org",
            "org_count",
            "too_few_institutions"
        ]
    );
    assert_eq!(problem["rule"], "date_not_candidate");
    assert_eq!(
        violation(problem, "date_public_holiday")["dates"],
        json!([holiday])
    );
    assert_eq!(
        violation(problem, "guest_unknown")["people"],
        json!([stranger])
    );
    assert_eq!(
        violation(problem, "guest_from_host_org")["people"],
        json!([colleague])
    );
    assert_eq!(
        violation(problem, "guest_same_org")["organizations"],
        json!([OFFICES[0]])
    );
    // Nothing was written.
    s.app.expect_outbox(&[]).await;

    // An absent guest and representative; a room too small.
    let day = wednesdays(s.year)[2];
    let guests = s.guests_for(host);
    s.app
        .as_(Persona::person(guests[0], OFFICES[0]))
        .post("/v1/absences")
        .json(&json!({"person_id": guests[0], "start_on": day, "end_on": day}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    coordinator(&s.app)
        .post("/v1/absences")
        .json(&json!({"person_id": s.rep(host), "weekday": 3}))
        .send()
        .await
        .expect(StatusCode::CREATED);
    let host_row = host_of(&s.app, &s.cycle, host).await;
    let host_path = format!("/v1/hosts/{}", host_row["id"].as_str().unwrap());
    coordinator(&s.app)
        .put(&host_path)
        .if_match(host_etag(&s.app, &host_path).await)
        .json(
            &json!({"representatives": [s.rep(host)], "room_capacity": 4,
            "report_ready_on": format!("{}-02-01", s.year), "proposed_dates": wednesdays(s.year)}),
        )
        .send()
        .await
        .expect(StatusCode::OK);
    let reply = s.schedule(host, day, &guests).await;
    let problem = reply.expect_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        rules_of(problem),
        ["host_rep_unavailable", "guest_unavailable", "room_capacity"]
    );
    assert_eq!(
        violation(problem, "host_rep_unavailable")["people"],
        json!([s.rep(host)])
    );
    assert_eq!(
        violation(problem, "guest_unavailable")["people"],
        json!([guests[0]])
    );
    s.app.stop().await;
}

#[tokio::test]
async fn the_region_holds_one_dialogue_a_day_and_two_a_week() {
    let s = Setup::new().await;
    // A proposed Wednesday whose Thursday and Friday are no public holidays.
    let holidays: Vec<NaiveDate> = qmf_dialogue::domain::calendar::bw_public_holidays(s.year)
        .into_iter()
        .map(|h| h.date)
        .collect();
    let day = wednesdays(s.year)
        .into_iter()
        .find(|d| (1..=2).all(|n| !holidays.contains(&(*d + chrono::Days::new(n)))))
        .unwrap();
    let [a, b, c] = INSTITUTIONS;
    s.schedule(a, day, &s.guests_for(a))
        .await
        .expect(StatusCode::OK);
    // The same day again; its guests, shared with A's dialogue, are busy too.
    let problem = s.schedule(b, day, &s.guests_for(b)).await;
    let problem = problem.expect_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(rules_of(problem), ["day_overload", "guest_double_booked"]);
    // Another day of the same week is fine once, not twice. The hosts propose it first.
    let thursday = day + chrono::Days::new(1);
    let friday = day + chrono::Days::new(2);
    for host in [b, c] {
        let host_row = host_of(&s.app, &s.cycle, host).await;
        let path = format!("/v1/hosts/{}", host_row["id"].as_str().unwrap());
        let mut dates = wednesdays(s.year);
        dates.extend([thursday, friday]);
        coordinator(&s.app)
            .put(&path)
            .if_match(host_etag(&s.app, &path).await)
            .json(
                &json!({"representatives": [s.rep(host)], "room_capacity": 8,
                "report_ready_on": format!("{}-02-01", s.year), "proposed_dates": dates}),
            )
            .send()
            .await
            .expect(StatusCode::OK);
    }
    s.schedule(b, thursday, &s.guests_for(b))
        .await
        .expect(StatusCode::OK);
    let problem = s.schedule(c, friday, &s.guests_for(c)).await;
    let problem = problem.expect_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(rules_of(problem), ["week_overload"]);

    // Cancelling frees the day.
    let (path, etag) = s.dialogue_of(a).await;
    coordinator(&s.app)
        .post(&format!("{path}/cancel"))
        .if_match(&etag)
        .json(&json!({"reason": "Raum nicht verfügbar"}))
        .send()
        .await
        .expect(StatusCode::OK);
    s.schedule(c, day, &s.guests_for(c))
        .await
        .expect(StatusCode::OK);
    // A cancelled dialogue stays cancelled.
    let (_, etag) = s.dialogue_of(a).await;
    coordinator(&s.app)
        .post(&format!("{path}/cancel"))
        .if_match(&etag)
        .json(&json!({"reason": "nochmal"}))
        .send()
        .await
        .expect_conflict("dialogue_is_final");
    s.app.stop().await;
}

#[tokio::test]
async fn guests_are_not_booked_twice_a_day_nor_beyond_their_yearly_limit() {
    let s = Setup::new().await;
    s.set_rules(|rules| {
        rules["max_dialogues_per_day"] = json!(2);
        rules["max_guest_dialogues_per_staff_per_year"] = json!(1);
    })
    .await;
    let days = wednesdays(s.year);
    let [a, b, _] = INSTITUTIONS;
    let shared = s.guest(OFFICES[0]);
    let guests_a = vec![shared, s.guest(OFFICES[1]), s.guest(INSTITUTIONS[2])];
    s.schedule(a, days[0], &guests_a)
        .await
        .expect(StatusCode::OK);
    // Two dialogues a day are allowed now, but A's guests are busy at A's that day.
    let guests_b = vec![shared, s.guest(OFFICES[1]), s.guest(INSTITUTIONS[2])];
    let problem = s.schedule(b, days[0], &guests_b).await;
    let problem = problem.expect_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(
        rules_of(problem),
        ["guest_double_booked", "guest_year_overload"]
    );
    assert_eq!(
        violation(problem, "guest_double_booked")["people"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let problem = s.schedule(b, days[1], &guests_b).await;
    let problem = problem.expect_problem(StatusCode::CONFLICT, "conflict");
    assert_eq!(rules_of(problem), ["guest_year_overload"]);
    s.app.stop().await;
}

#[tokio::test]
async fn only_the_coordination_and_the_hosts_staff_plan_at_the_version_read() {
    let s = Setup::new().await;
    let host = INSTITUTIONS[0];
    let (path, etag) = s.dialogue_of(host).await;
    let body = s.body(wednesdays(s.year)[0], &s.guests_for(host));
    staff_of(&s.app, INSTITUTIONS[1])
        .post(&format!("{path}/schedule"))
        .if_match(&etag)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    staff_of(&s.app, host)
        .post(&format!("{path}/schedule"))
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    let done = staff_of(&s.app, host)
        .post(&format!("{path}/schedule"))
        .if_match(&etag)
        .json(&body)
        .send()
        .await;
    done.expect(StatusCode::OK);
    staff_of(&s.app, host)
        .post(&format!("{path}/schedule"))
        .if_match(&etag)
        .json(&body)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    // Times across midnight, an empty place, a guest twice.
    let mut bad = body.clone();
    bad["ends_at"] = json!(format!("{}T23:30:00Z", wednesdays(s.year)[0]));
    bad["place"] = json!(" ");
    bad["guests"] = json!([s.guest(OFFICES[0]), s.guest(OFFICES[0])]);
    staff_of(&s.app, host)
        .post(&format!("{path}/schedule"))
        .if_match(done.etag())
        .json(&bad)
        .send()
        .await
        .expect_validation(&["/ends_at", "/place", "/guests"]);

    // Guests change while scheduled, checked like scheduling.
    let guests = s.guests_for(host);
    let fewer = &guests[..1];
    staff_of(&s.app, host)
        .put(&format!("{path}/guests"))
        .if_match(done.etag())
        .json(&json!({"guests": fewer}))
        .send()
        .await
        .expect_conflict("org_count");
    let changed = staff_of(&s.app, host)
        .put(&format!("{path}/guests"))
        .if_match(done.etag())
        .json(&json!({"guests": &guests[..3]}))
        .send()
        .await;
    assert_eq!(
        changed.expect(StatusCode::OK)["guests"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    s.app
        .expect_outbox(&[
            "dialogue.dialogue.scheduled.v1",
            "dialogue.dialogue.guests_changed.v1",
        ])
        .await;
    // An unscheduled dialogue has no guests to change.
    let (other, other_etag) = s.dialogue_of(INSTITUTIONS[1]).await;
    coordinator(&s.app)
        .put(&format!("{other}/guests"))
        .if_match(other_etag)
        .json(&json!({"guests": &guests[..3]}))
        .send()
        .await
        .expect_conflict("guests_fixed_after_invitations");
    s.app.stop().await;
}

#[tokio::test]
async fn two_hosts_asking_for_the_same_day_at_once_get_it_once() {
    let s = Setup::new().await;
    let day = wednesdays(s.year)[3];
    let [a, b, _] = INSTITUTIONS;
    let (path_a, etag_a) = s.dialogue_of(a).await;
    let (path_b, etag_b) = s.dialogue_of(b).await;
    let body_a = s.body(day, &s.guests_for(a));
    let body_b = s.body(day, &s.guests_for(b));
    let coordination = coordinator(&s.app);
    let (first, second) = tokio::join!(
        coordination
            .post(&format!("{path_a}/schedule"))
            .if_match(&etag_a)
            .json(&body_a)
            .send(),
        coordination
            .post(&format!("{path_b}/schedule"))
            .if_match(&etag_b)
            .json(&body_b)
            .send(),
    );
    let mut statuses = [first.status.as_u16(), second.status.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409]);
    let on_day = s
        .app
        .sql(&format!(
            "SELECT count(*) AS n FROM dialogues WHERE day = '{day}' AND state = 'scheduled'"
        ))
        .await;
    assert_eq!(on_day[0]["n"], 1);
    s.app.stop().await;
}

#[tokio::test]
async fn no_dialogue_on_the_day_of_a_training_session() {
    let setup = Setup::new().await;
    let day = wednesdays(setup.year)[0];
    setup
        .app
        .apply_event(
            "/qmf/training",
            "training.session.scheduled.v1",
            json!({"session_id": Uuid::now_v7(), "course_id": Uuid::now_v7(),
                "title": "Instrumente in der Hilfeplanung", "topic": "instruments", "days": [day],
                "place": "Heilbronn", "online": false, "capacity": 20}),
        )
        .await;
    let host = INSTITUTIONS[0];
    let refused = setup.schedule(host, day, &setup.guests_for(host)).await;
    let problem = refused.expect(StatusCode::CONFLICT);
    assert_eq!(problem["rule"], "date_training", "{problem}");
    assert_eq!(problem["violations"][0]["dates"], json!([day]));
    // The planner is not offered the day either.
    let cycle = setup.cycle["id"].as_str().unwrap();
    let instance = coordinator(&setup.app)
        .get(&format!("/v1/cycles/{cycle}/planning-instance"))
        .send()
        .await;
    let instance = instance.expect(StatusCode::OK).clone();
    for organisation in instance["organisations"].as_array().unwrap() {
        assert!(
            !organisation["candidate_dates"]
                .as_array()
                .unwrap()
                .contains(&json!(day))
        );
    }
    setup.app.stop().await;
}
