//! Refused reads of case data leave an audit record (who, when, which case id, refused), and
//! the caller learns nothing from it: a case that exists and one that does not are refused
//! alike. Only auditors read the records.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use qmf_testkit::auth;
use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

async fn refused(app: &TestApp, path: &str, token: &str, status: StatusCode) -> Value {
    let problem = expect_status(app.get(path, token).send().await.unwrap(), status).await;
    json!({"status": problem["status"], "title": problem["title"], "detail": problem["detail"]})
}

async fn audit_log(app: &TestApp, query: &str) -> Vec<Value> {
    let auditor = auth::token(&["auditor"], None);
    let page = expect_status(
        app.get(&format!("/v1/audit-log?limit=200{query}"), &auditor)
            .send()
            .await
            .unwrap(),
        StatusCode::OK,
    )
    .await;
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn refused_case_reads_are_audited_without_telling_the_caller() {
    let app = spawn().await;
    let case = app.open_case().await;
    let existing = case["id"].as_str().unwrap().to_string();
    let missing = Uuid::now_v7().to_string();
    let document = Uuid::now_v7();
    let reads = [
        ("", "case.read"),
        ("/timeline", "case.timeline"),
        ("/overview", "case.overview"),
        ("/plans", "case.plans"),
        (&format!("/documents/{document}") as &str, "case.document"),
    ];
    // Another office and an institution get the same answer for a case that exists and for one
    // that does not.
    for token in [app.other_office_staff(), app.provider_staff()] {
        for (suffix, _) in &reads {
            let there = refused(
                &app,
                &format!("/v1/cases/{existing}{suffix}"),
                &token,
                StatusCode::NOT_FOUND,
            )
            .await;
            let absent = refused(
                &app,
                &format!("/v1/cases/{missing}{suffix}"),
                &token,
                StatusCode::NOT_FOUND,
            )
            .await;
            assert_eq!(there, absent, "{suffix}");
        }
    }
    // Roles that never see single cases, and lists.
    let coordinator = auth::token_for("coordinator-1", &["coordinator"], None);
    refused(
        &app,
        &format!("/v1/cases/{existing}"),
        &coordinator,
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        &app,
        &format!("/v1/cases/{existing}/plans"),
        &coordinator,
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(&app, "/v1/cases", &coordinator, StatusCode::FORBIDDEN).await;
    refused(
        &app,
        "/v1/reviews/due",
        &app.provider_staff(),
        StatusCode::FORBIDDEN,
    )
    .await;
    // The office itself: an unknown document of its case, an unknown external id.
    let cw = app.caseworker();
    refused(
        &app,
        &format!("/v1/cases/{existing}/documents/{document}"),
        &cw,
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        &app,
        "/v1/cases/by-external-id/okjug/2026-999999",
        &cw,
        StatusCode::NOT_FOUND,
    )
    .await;

    let refusals = audit_log(&app, "&outcome=refused").await;
    let entry = |e: &Value| {
        (
            e["subject"].as_str().unwrap().to_string(),
            e["case_id"].as_str().map(str::to_string),
            e["action"].as_str().unwrap().to_string(),
        )
    };
    let mut expected = Vec::new();
    for (subject, org) in [
        ("caseworker-2", app.other_office),
        ("provider-staff", app.provider),
    ] {
        for (_, action) in &reads {
            for id in [&existing, &missing] {
                expected.push((
                    (subject.to_string(), Some(id.clone()), action.to_string()),
                    Some(org),
                ));
            }
        }
    }
    let mut found: Vec<_> = refusals
        .iter()
        .filter(|e| e["subject"] == "caseworker-2" || e["subject"] == "provider-staff")
        .filter(|e| e["action"] != "case.review_due")
        .map(|e| {
            (
                entry(e),
                e["organization_id"]
                    .as_str()
                    .map(|o| o.parse::<Uuid>().unwrap()),
            )
        })
        .collect();
    found.sort();
    expected.sort();
    assert_eq!(found, expected);
    for (subject, case_id, action) in [
        ("coordinator-1", Some(existing.clone()), "case.read"),
        ("coordinator-1", Some(existing.clone()), "case.plans"),
        ("coordinator-1", None, "case.list"),
        ("provider-staff", None, "case.review_due"),
        ("caseworker-1", Some(existing.clone()), "case.document"),
        ("caseworker-1", None, "case.lookup"),
    ] {
        assert!(
            refusals
                .iter()
                .any(|e| entry(e) == (subject.to_string(), case_id.clone(), action.to_string())),
            "{subject} {case_id:?} {action}: {refusals:?}"
        );
    }
    assert!(
        refusals
            .iter()
            .all(|e| e["outcome"] == "refused" && e["at"].is_string())
    );
    assert_eq!(refusals.len(), expected.len() + 6);

    // Granted reads keep their records; a refused caller has none.
    let all = audit_log(&app, "").await;
    assert!(
        all.iter()
            .any(|e| e["action"] == "case.open" && e["outcome"] == "granted")
    );
    assert!(
        all.iter()
            .filter(|e| e["subject"] == "caseworker-2" || e["subject"] == "provider-staff")
            .all(|e| e["outcome"] == "refused")
    );
    // As every audit record, refusals are for auditors only.
    for token in [cw, coordinator, app.other_office_staff()] {
        expect_status(
            app.get("/v1/audit-log?outcome=refused", &token)
                .send()
                .await
                .unwrap(),
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    app.stop().await;
}

#[tokio::test]
async fn roles_that_never_see_single_cases_get_403_on_every_case_read() {
    let app = spawn().await;
    let id = app.open_case().await["id"].as_str().unwrap().to_string();
    let document = Uuid::now_v7();
    for role in ["coordinator", "auditor", "admin"] {
        let token = auth::token_for(role, &[role], Some(app.office));
        for suffix in [
            "".to_string(),
            "/timeline".into(),
            "/overview".into(),
            "/plans".into(),
            format!("/documents/{document}"),
        ] {
            refused(
                &app,
                &format!("/v1/cases/{id}{suffix}"),
                &token,
                StatusCode::FORBIDDEN,
            )
            .await;
        }
    }
    let refusals = audit_log(&app, &format!("&outcome=refused&case_id={id}")).await;
    assert_eq!(refusals.len(), 15);
    app.stop().await;
}
