//! Every numeric query parameter is bounded: extreme and out-of-range values are refused with a
//! 422 problem naming the parameter, never a crash or a runaway query.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common;

use common::*;
use qmf_testkit::auth;
use reqwest::StatusCode;
use serde_json::Value;

/// Extreme integers: the type's bounds and beyond them.
const EXTREMES: [&str; 6] = [
    "-2147483648",
    "2147483647",
    "-9223372036854775808",
    "9223372036854775807",
    "99999999999999999999999999999999999999999999",
    "-99999999999999999999999999999999999999999999",
];

/// GETs `path` (with a token unless it is OParl) and returns status, content type and body.
async fn get(app: &App, path: &str) -> (StatusCode, String, Value) {
    let mut request = app.http.get(format!("{}{path}", app.base));
    if !path.starts_with("/oparl/") {
        request = request.bearer_auth(auth::token(&["youth_office_staff"], Some(app.offices[0])));
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let text = response.text().await.unwrap();
    (
        status,
        content_type,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

/// Asserts a 422 problem whose errors name exactly `pointers`.
async fn refused(app: &App, path: &str, pointers: &[&str]) {
    let (status, content_type, problem) = get(app, path).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{path}: {problem}"
    );
    assert!(
        content_type.starts_with("application/problem+json"),
        "{path}: {content_type}"
    );
    assert_eq!(problem["status"], 422, "{path}");
    let named: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("{path}: no errors in {problem}"))
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(named, pointers, "{path}: {problem}");
}

#[tokio::test]
async fn the_forum_report_refuses_years_outside_1900_to_2200() {
    let app = spawn().await;
    let report = "/v1/reports/forum-meetings";
    for year in EXTREMES.iter().chain(&["1899", "2201", "0", "-1"]) {
        refused(
            &app,
            &format!("{report}?from_year={year}"),
            &["/query/from_year"],
        )
        .await;
        refused(
            &app,
            &format!("{report}?from_year=2026&to_year={year}"),
            &["/query/to_year"],
        )
        .await;
    }
    // The attack as reported: the smallest 32-bit year with the default end.
    refused(
        &app,
        &format!("{report}?from_year=-2147483648"),
        &["/query/from_year"],
    )
    .await;
    refused(
        &app,
        &format!("{report}?from_year=-2147483648&to_year=2147483647"),
        &["/query/from_year", "/query/to_year"],
    )
    .await;
    // Reversed or too far apart: named at from_year as before.
    refused(
        &app,
        &format!("{report}?from_year=2030&to_year=2029"),
        &["/query/from_year"],
    )
    .await;
    refused(
        &app,
        &format!("{report}?from_year=1900&to_year=2200"),
        &["/query/from_year"],
    )
    .await;

    // The bounds themselves are accepted.
    let (status, _, years) = get(&app, &format!("{report}?from_year=1900&to_year=1950")).await;
    assert_eq!(status, StatusCode::OK, "{years}");
    assert_eq!(years.as_array().unwrap().len(), 51);
    assert_eq!(years[0]["year"], 1900);
    let (status, _, years) = get(&app, &format!("{report}?from_year=2200&to_year=2200")).await;
    assert_eq!(status, StatusCode::OK, "{years}");
    assert_eq!(years[0]["year"], 2200);
    // What is not a number at all is a malformed query string.
    let (status, _, _) = get(&app, &format!("{report}?from_year=2026.5")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // The worker survived all of it.
    let (status, _, _) = get(&app, report).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn list_limits_refuse_extreme_values() {
    let app = spawn().await;
    let forum = app.forum().await;
    let lists = [
        "/v1/bodies".to_string(),
        format!("/v1/bodies/{forum}/memberships"),
        format!("/v1/bodies/{forum}/meetings"),
        "/v1/topics".to_string(),
        "/v1/decisions".to_string(),
    ];
    for list in &lists {
        for limit in EXTREMES.iter().chain(&["0", "201"]) {
            refused(&app, &format!("{list}?limit={limit}"), &["/query/limit"]).await;
        }
        for limit in ["1", "200"] {
            let (status, _, page) = get(&app, &format!("{list}?limit={limit}")).await;
            assert_eq!(status, StatusCode::OK, "{list}?limit={limit}: {page}");
        }
    }

    // OParl serves at most 200 objects per page whatever is asked; below 1 is refused.
    let meetings = "/oparl/v1/body/region/meeting";
    for (name, pointer) in [
        ("limit", "/query/limit"),
        ("elementsPerPage", "/query/elementsPerPage"),
    ] {
        for value in EXTREMES.iter().filter(|v| v.starts_with('-')).chain(&["0"]) {
            refused(&app, &format!("{meetings}?{name}={value}"), &[pointer]).await;
        }
        for value in EXTREMES.iter().filter(|v| !v.starts_with('-')) {
            let (status, _, page) = get(&app, &format!("{meetings}?{name}={value}")).await;
            assert_eq!(status, StatusCode::OK, "{name}={value}: {page}");
            assert_eq!(page["pagination"]["elementsPerPage"], 200, "{name}={value}");
        }
    }
}
