//! The demo's leadership confirmations, written through the directory API as the coordination
//! records them, so that the engagement view (`GET /v1/engagement`) shows every status: of the
//! youth offices and institutions, in turn, one has no confirmation, one a recent one, one that
//! runs out within three months (at risk) and one older than two years (expired); and the
//! region's counts per status for the banner.

use chrono::{Days, Months, NaiveDate};
use serde_json::{Value, json};

use crate::Result;
use crate::seed::Api;

/// How old each organisation's confirmation is, in turn: none, a month, 22 months, 27 months.
const AGES: [Option<Age>; 4] = [
    None,
    Some(Age::Days(30)),
    Some(Age::Months(22)),
    Some(Age::Months(27)),
];

#[derive(Clone, Copy)]
enum Age {
    Days(u64),
    Months(u32),
}

impl Age {
    fn before(self, day: NaiveDate) -> Option<NaiveDate> {
        match self {
            Age::Days(n) => day.checked_sub_days(Days::new(n)),
            Age::Months(n) => day.checked_sub_months(Months::new(n)),
        }
    }
}

pub fn run(directory_url: &str, token: &str) -> Result<String> {
    let directory = Api::new(directory_url, token)?;
    let existing = directory.get("/v1/leadership-confirmations?limit=1")?;
    let seeded = if existing["items"]
        .as_array()
        .is_some_and(|items| !items.is_empty())
    {
        "leadership confirmations exist; nothing seeded".to_string()
    } else {
        let today = chrono::Utc::now().date_naive();
        let mut confirmed = 0;
        let mut n = 0;
        for kind in ["youth_office", "institution"] {
            let page = directory.get(&format!(
                "/v1/organizations?kind={kind}&active=true&limit=200"
            ))?;
            for org in page["items"].as_array().into_iter().flatten() {
                let age = AGES[n % AGES.len()];
                n += 1;
                let (Some(org), Some(age)) = (org["id"].as_str(), age) else {
                    continue;
                };
                let leaders = directory.get(&format!(
                    "/v1/people?organization_id={org}&function=leader&active=true&limit=1"
                ))?;
                let Some(leader) = leaders["items"].as_array().and_then(|l| l.first()) else {
                    continue;
                };
                let Some(day) = confirmation_day(leader, age, today) else {
                    continue;
                };
                directory.post(
                    "/v1/leadership-confirmations",
                    &json!({"organization_id": org, "leader_id": leader["id"],
                        "confirmed_on": day,
                        "statement": "Die Leitung trägt die Kooperation in ihr Haus und stellt \
                            ihre Umsetzung sicher."}),
                    None,
                )?;
                confirmed += 1;
            }
        }
        format!("{confirmed} leadership confirmations")
    };
    let region = directory.get("/v1/engagement")?;
    let counts = &region["counts"]["overall"];
    Ok(format!(
        "engagement demo: {seeded}; the region today (GET /v1/engagement): {} met, {} at risk, \
         {} not met (committee, dialogue and training facts arrive by events and may still be \
         on their way)",
        counts["met"], counts["at_risk"], counts["not_met"]
    ))
}

/// The day `age` before today, but not before the leader took office (the directory refuses a
/// confirmation by someone not yet in office).
fn confirmation_day(leader: &Value, age: Age, today: NaiveDate) -> Option<NaiveDate> {
    let day = age.before(today)?;
    let from: NaiveDate = leader["active_from"].as_str()?.parse().ok()?;
    Some(day.max(from))
}
