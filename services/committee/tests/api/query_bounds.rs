//! Every numeric query parameter is bounded: extreme and out-of-range values are refused with a
//! 422 problem naming the parameter, never a crash or a runaway query.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

/// Extreme integers: the type's bounds and beyond them.
const EXTREMES: [&str; 6] = [
    "-2147483648",
    "2147483647",
    "-9223372036854775808",
    "9223372036854775807",
    "99999999999999999999999999999999999999999999",
    "-99999999999999999999999999999999999999999999",
];

/// GETs `path`, with a youth office's token unless it is OParl.
async fn get(app: &TestApp, path: &str) -> Reply {
    let caller = if path.starts_with("/oparl/") {
        app.anonymous()
    } else {
        app.as_(Persona::youth_office_staff().of(OFFICES[0]))
    };
    caller.get(path).send().await
}

/// Asserts a 422 problem whose errors name exactly `pointers`.
async fn refused(app: &TestApp, path: &str, pointers: &[&str]) {
    get(app, path).await.expect_validation(pointers);
}

/// Asserts a 200 and returns the body.
async fn ok(app: &TestApp, path: &str) -> serde_json::Value {
    get(app, path).await.expect(StatusCode::OK).clone()
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
    for years in ["from_year=2030&to_year=2029", "from_year=1900&to_year=2200"] {
        refused(&app, &format!("{report}?{years}"), &["/query/from_year"]).await;
    }

    // The bounds themselves are accepted.
    let years = ok(&app, &format!("{report}?from_year=1900&to_year=1950")).await;
    assert_eq!(years.as_array().unwrap().len(), 51);
    assert_eq!(years[0]["year"], 1900);
    let years = ok(&app, &format!("{report}?from_year=2200&to_year=2200")).await;
    assert_eq!(years[0]["year"], 2200);
    // What is not a number at all is a malformed query string.
    get(&app, &format!("{report}?from_year=2026.5"))
        .await
        .expect(StatusCode::BAD_REQUEST);
    // The worker survived all of it.
    ok(&app, report).await;
    app.stop().await;
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
            ok(&app, &format!("{list}?limit={limit}")).await;
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
            let page = ok(&app, &format!("{meetings}?{name}={value}")).await;
            assert_eq!(page["pagination"]["elementsPerPage"], 200, "{name}={value}");
        }
    }
    app.stop().await;
}
