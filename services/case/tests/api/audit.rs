//! Refused reads of case data leave an audit record (who, when, which case id, refused), and
//! the caller learns nothing from it: a case that exists and one that does not are refused
//! alike. Only auditors read the records.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use serde_json::{Value, json};
use uuid::Uuid;

/// GETs `path` as `caller`, expects `status` and returns what the problem tells.
async fn refused(caller: &Caller, path: &str, status: StatusCode) -> Value {
    let reply = caller.get(path).send().await;
    let problem = reply.expect(status);
    json!({"status": problem["status"], "title": problem["title"], "detail": problem["detail"]})
}

async fn audit_log(app: &TestApp, query: &str) -> Vec<Value> {
    let page = app
        .as_(Persona::auditor())
        .get(&format!("/v1/audit-log?limit=200{query}"))
        .send()
        .await;
    page.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn refused_case_reads_are_audited_without_telling_the_caller() {
    let app = spawn().await;
    let existing = id(&open_case(&app).await);
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
    for persona in [other_office_staff(), provider_staff()] {
        let caller = app.as_(persona);
        for (suffix, _) in &reads {
            let there = refused(
                &caller,
                &format!("/v1/cases/{existing}{suffix}"),
                StatusCode::NOT_FOUND,
            )
            .await;
            let absent = refused(
                &caller,
                &format!("/v1/cases/{missing}{suffix}"),
                StatusCode::NOT_FOUND,
            )
            .await;
            assert_eq!(there, absent, "{suffix}");
        }
    }
    // Roles that never see single cases, and lists.
    let coordinator = app.as_(Persona::coordinator().subject("coordinator-1"));
    refused(
        &coordinator,
        &format!("/v1/cases/{existing}"),
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(
        &coordinator,
        &format!("/v1/cases/{existing}/plans"),
        StatusCode::FORBIDDEN,
    )
    .await;
    refused(&coordinator, "/v1/cases", StatusCode::FORBIDDEN).await;
    refused(
        &app.as_(provider_staff()),
        "/v1/reviews/due",
        StatusCode::FORBIDDEN,
    )
    .await;
    // The office itself: an unknown document of its case, an unknown external id.
    let cw = app.as_(caseworker());
    refused(
        &cw,
        &format!("/v1/cases/{existing}/documents/{document}"),
        StatusCode::NOT_FOUND,
    )
    .await;
    refused(
        &cw,
        "/v1/cases/by-external-id/okjug/2026-999999",
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
    for (subject, org) in [("caseworker-2", OTHER_OFFICE), ("provider-staff", PROVIDER)] {
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
    for caller in [cw, coordinator, app.as_(other_office_staff())] {
        caller
            .get("/v1/audit-log?outcome=refused")
            .send()
            .await
            .expect(StatusCode::FORBIDDEN);
    }
    app.stop().await;
}

#[tokio::test]
async fn roles_that_never_see_single_cases_get_403_on_every_case_read() {
    let app = spawn().await;
    let id = id(&open_case(&app).await);
    let document = Uuid::now_v7();
    for role in ["coordinator", "auditor", "admin"] {
        let caller = app.as_(Persona::role(role).of(OFFICE).subject(role));
        for suffix in [
            "".to_string(),
            "/timeline".into(),
            "/overview".into(),
            "/plans".into(),
            format!("/documents/{document}"),
        ] {
            refused(
                &caller,
                &format!("/v1/cases/{id}{suffix}"),
                StatusCode::FORBIDDEN,
            )
            .await;
        }
    }
    let refusals = audit_log(&app, &format!("&outcome=refused&case_id={id}")).await;
    assert_eq!(refusals.len(), 15);
    app.stop().await;
}
