//! The demo's running cycle of quality dialogues, written through the dialogue API: a cycle
//! from this year, every host with representatives, room and proposed dates, a few dialogues
//! held and documented (with findings, one of them a Forum topic for the steering group), some
//! scheduled ahead, the rest still open.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate, Weekday};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::Result;
use crate::seed::Api;

/// Dialogues held and documented, and scheduled ahead, in the demo cycle.
const HELD: usize = 4;
const AHEAD: usize = 4;

/// Seeds the demo cycle unless the dialogue service has a cycle; returns a line for the banner.
pub fn run(directory_url: &str, dialogue_url: &str, token: &str) -> Result<String> {
    let directory = Api::new(directory_url, token)?;
    let dialogue = Api::new(dialogue_url, token)?;
    let cycles = dialogue.get("/v1/cycles?limit=1")?;
    if cycles["items"]
        .as_array()
        .is_some_and(|items| !items.is_empty())
    {
        return Ok("dialogue demo: a cycle exists; nothing seeded".into());
    }
    let today = chrono::Utc::now().date_naive();
    let year = today.year();
    let (status, _, cycle) = dialogue.call(
        Method::POST,
        "/v1/cycles",
        Some(&json!({"start_year": year})),
        None,
    )?;
    if status != StatusCode::CREATED {
        return Err(format!("POST {dialogue_url}/v1/cycles answered {status}: {cycle}").into());
    }
    let cycle_id = cycle["id"].as_str().unwrap_or_default().to_string();
    let hosts = settled_hosts(&dialogue, &cycle_id)?;

    // Wednesdays of the cycle that are no blackout day, one per week.
    let blocked = blocked_days(&dialogue, year)?;
    let wednesdays: Vec<NaiveDate> = (1..=52)
        .filter_map(|week| NaiveDate::from_isoywd_opt(year, week, Weekday::Wed))
        .chain((1..=52).filter_map(|week| NaiveDate::from_isoywd_opt(year + 1, week, Weekday::Wed)))
        .filter(|d| !blocked.contains(d) && d.year() >= year)
        .collect();
    let past: Vec<NaiveDate> = wednesdays
        .iter()
        .copied()
        .filter(|d| *d >= NaiveDate::from_ymd_opt(year, 3, 1).unwrap_or(*d) && *d < today)
        .collect();
    let ahead: Vec<NaiveDate> = wednesdays
        .iter()
        .copied()
        .filter(|d| *d > today + chrono::Days::new(35))
        .collect();

    // Every host: representatives, room, report date and proposed dates.
    let mut planned = Vec::new();
    let active: Vec<&Value> = hosts.iter().filter(|h| h["state"] == "active").collect();
    for (i, host) in active.into_iter().enumerate() {
        let org = host["organization"]["id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let people = people_of(&directory, &org)?;
        let Some(rep) = people.first().cloned() else {
            continue;
        };
        let date = if i < HELD {
            past.get(i * 3).copied()
        } else if i < HELD + AHEAD {
            ahead.get((i - HELD) * 2).copied()
        } else {
            ahead.get(i % ahead.len().max(1)).copied()
        };
        let Some(date) = date else { continue };
        let proposed = vec![date, date + chrono::Days::new(7)];
        let path = format!("/v1/hosts/{}", host["id"].as_str().unwrap_or_default());
        let body = json!({"representatives": [rep], "room_capacity": 12,
            "report_ready_on": format!("{year}-01-02"), "proposed_dates": proposed});
        if put_until_known(&dialogue, &path, &body)? {
            planned.push((host.clone(), org, people, date));
        }
    }

    // Guests: one person of each of four other organisations, a youth office among them,
    // taken in turns so nobody goes more than a few times a year.
    let offices: Vec<usize> = (0..planned.len())
        .filter(|i| planned[*i].0["organization"]["kind"] == "youth_office")
        .collect();
    let institutions: Vec<usize> = (0..planned.len())
        .filter(|i| planned[*i].0["organization"]["kind"] == "institution")
        .collect();
    let mut held = 0;
    let mut scheduled = 0;
    for (n, (host, org, _, date)) in planned.iter().enumerate().take(HELD + AHEAD) {
        let mut guests = Vec::new();
        let mut used = BTreeSet::from([org.clone()]);
        let pick =
            |pool: &[usize], k: usize, used: &mut BTreeSet<String>, guests: &mut Vec<String>| {
                for offset in 0..pool.len() {
                    if guests.len() >= k {
                        break;
                    }
                    let candidate = &planned[pool[(n * 3 + offset) % pool.len()]];
                    if used.insert(candidate.1.clone()) {
                        let person = candidate.2.get(1).or(candidate.2.first()).cloned();
                        if let Some(person) = person {
                            guests.push(person);
                        }
                    }
                }
            };
        pick(&offices, 1, &mut used, &mut guests);
        pick(&institutions, 4, &mut used, &mut guests);
        let dialogue_path = format!(
            "/v1/dialogues/{}",
            host["dialogue_id"].as_str().unwrap_or_default()
        );
        let (_, etag, _) = dialogue.call(Method::GET, &dialogue_path, None, None)?;
        let (status, etag, body) = dialogue.call(
            Method::POST,
            &format!("{dialogue_path}/schedule"),
            Some(&json!({"starts_at": format!("{date}T08:00:00Z"), "ends_at": format!("{date}T12:00:00Z"),
                "place": format!("{}, Besprechungsraum", host["organization"]["name"].as_str().unwrap_or("Gastgeber")),
                "guests": guests})),
            etag.as_deref(),
        )?;
        if status != StatusCode::OK {
            eprintln!("xtask: dialogue demo: {dialogue_path} not scheduled ({status}): {body}");
            continue;
        }
        scheduled += 1;
        if n >= HELD {
            continue;
        }
        let (_, etag, _) = dialogue.call(
            Method::POST,
            &format!("{dialogue_path}/invitations"),
            None,
            etag.as_deref(),
        )?;
        let mut present = vec![body["representatives"][0].clone()];
        present.extend(guests.iter().map(|g| json!(g)));
        let (status, etag, answer) = dialogue.call(
            Method::POST,
            &format!("{dialogue_path}/held"),
            Some(&json!({"present": present})),
            etag.as_deref(),
        )?;
        if status != StatusCode::OK {
            eprintln!("xtask: dialogue demo: {dialogue_path} not held ({status}): {answer}");
            continue;
        }
        let mut findings = vec![
            json!({"kind": "agreed_measure", "title": "Gemeinsame Checkliste für Hilfeplangespräche",
            "summary": "Jugendamt und Einrichtung erarbeiten eine Checkliste zur Vorbereitung der Hilfeplangespräche.",
            "owner_organization_id": org, "due_on": format!("{}-06-30", year + 1)}),
        ];
        if n == 0 {
            findings.push(json!({"kind": "forum_topic", "title": "Übergänge aus stationären Hilfen in die Volljährigkeit",
                "summary": "Mehrere Einrichtungen berichten, dass Hilfen nach § 41 SGB VIII zu früh enden; Vorschlag: eine gemeinsame Empfehlung."}));
        }
        if n == 1 {
            findings.push(json!({"kind": "expert_day", "title": "Fachtag Beteiligung junger Menschen",
                "summary": "Ein gemeinsamer Fachtag zu Beteiligungsverfahren in stationären Hilfen."}));
        }
        let (status, _, answer) = dialogue.call(
            Method::PUT,
            &format!("{dialogue_path}/documentation"),
            Some(&json!({"minutes": "Protokoll des Qualitätsdialogs: Vorstellung des Qualitätsberichts, Austausch zu Hilfeplanung und Übergängen, Vereinbarungen.",
                "findings": findings})),
            etag.as_deref(),
        )?;
        if status == StatusCode::OK {
            held += 1;
        } else {
            eprintln!("xtask: dialogue demo: {dialogue_path} not documented ({status}): {answer}");
        }
    }
    Ok(format!(
        "dialogue demo: cycle {year}–{} with {} hosts; {scheduled} dialogues scheduled, {held} of them held and documented",
        year + 2,
        hosts.len()
    ))
}

/// The cycle's hosts once their number stops growing (organisations arrive by events).
fn settled_hosts(api: &Api, cycle: &str) -> Result<Vec<Value>> {
    let started = Instant::now();
    let mut last = 0;
    let mut stable_since = Instant::now();
    loop {
        let page = api.get(&format!("/v1/cycles/{cycle}/hosts?limit=200"))?;
        let items = page["items"].as_array().cloned().unwrap_or_default();
        if items.len() != last {
            last = items.len();
            stable_since = Instant::now();
        }
        if (last > 0 && stable_since.elapsed() > Duration::from_secs(2))
            || started.elapsed() > Duration::from_secs(30)
        {
            return Ok(items);
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn blocked_days(api: &Api, year: i32) -> Result<BTreeSet<NaiveDate>> {
    let mut days = BTreeSet::new();
    for y in [year, year + 1] {
        let list = api.get(&format!("/v1/blackout-days?from={y}-01-01&to={y}-12-31"))?;
        for day in list["items"].as_array().cloned().unwrap_or_default() {
            if let Some(date) = day["date"].as_str().and_then(|d| d.parse().ok()) {
                days.insert(date);
            }
        }
    }
    Ok(days)
}

fn people_of(api: &Api, organization: &str) -> Result<Vec<String>> {
    let page = api.get(&format!(
        "/v1/people?organization_id={organization}&limit=10"
    ))?;
    Ok(page["items"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p["id"].as_str().map(str::to_string))
        .collect())
}

/// Records a host's planning, waiting while its people are still on their way to the dialogue
/// service (409 `representative_of_own_organization`); `false` when the host cannot plan (it
/// left the cycle meanwhile), which the demo skips.
fn put_until_known(api: &Api, path: &str, body: &Value) -> Result<bool> {
    let started = Instant::now();
    loop {
        let (_, etag, _) = api.call(Method::GET, path, None, None)?;
        let (status, _, answer) = api.call(Method::PUT, path, Some(body), etag.as_deref())?;
        if status == StatusCode::OK {
            return Ok(true);
        }
        let waiting = answer["rule"] == "representative_of_own_organization";
        if !waiting {
            eprintln!("xtask: dialogue demo: {path} skipped ({status}): {answer}");
            return Ok(false);
        }
        if started.elapsed() > Duration::from_secs(20) {
            return Err(format!("PUT {path} answered {status}: {answer}").into());
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}
