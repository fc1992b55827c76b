//! Minutes of closed (non-public) meetings are for the members of the meeting's body, the
//! management, the coordination and admins, on every path that shows minutes; minutes of
//! public meetings stay readable by every caller.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;

use serde_json::{Value, json};
use uuid::Uuid;

const CLOSED_MINUTES: &str = "Vertrauliches Protokoll: Personalfragen der Einrichtung.";
const PUBLIC_MINUTES: &str = "Öffentliches Protokoll: Bericht des AK.";

/// Plans, holds and minutes a past meeting of `body`; returns its id.
async fn minuted_meeting(
    app: &TestApp,
    body: &str,
    day: &str,
    public: bool,
    minutes: &str,
) -> String {
    let secretary = secretary(app);
    let mut meeting = app.plan_meeting(body, day, public).await;
    meeting
        .transition(&secretary, "mark_held")
        .await
        .expect(StatusCode::OK);
    meeting
        .put(&secretary, "/minutes", json!({"text": minutes}))
        .await
        .expect(StatusCode::OK);
    meeting.id
}

/// A person of `organization` seated in a body with `role` from `start` to `end`.
async fn seated(
    app: &TestApp,
    body: &str,
    organization: Uuid,
    role: &str,
    start: &str,
    end: Option<&str>,
) -> Persona {
    let person = Uuid::now_v7();
    app.known_person(person, organization).await;
    secretary(app)
        .post(&format!("/v1/bodies/{body}/memberships"))
        .json(
            &json!({"person_id": person, "organization_id": organization, "role": role,
            "start_on": start, "end_on": end}),
        )
        .send()
        .await
        .expect(StatusCode::CREATED);
    Persona::person(person, organization)
}

#[tokio::test]
async fn minutes_of_closed_meetings_are_for_members_management_coordination_and_admins() {
    let app = spawn().await;
    let group = app.body("AK QMF").await;
    let forum = app.forum().await;
    let management = app.body("Geschäftsführung").await;
    // The first youth office holds the management this year.
    secretary(&app)
        .post("/v1/management-terms")
        .json(&json!({"office_id": OFFICES[0], "start_on": "2026-01-01"}))
        .send()
        .await
        .expect(StatusCode::CREATED);

    let member = seated(&app, &group, INSTITUTION, "member", "2026-01-01", None).await;
    let guest = seated(&app, &group, OFFICES[2], "guest", "2026-01-01", None).await;
    let former = seated(
        &app,
        &group,
        INSTITUTION,
        "member",
        "2025-01-01",
        Some("2025-12-31"),
    )
    .await;
    let future = seated(&app, &group, INSTITUTION, "member", "2030-01-01", None).await;
    let forum_member = seated(&app, &forum, INSTITUTION, "member", "2026-01-01", None).await;
    let manager = seated(&app, &management, OFFICES[1], "member", "2026-01-01", None).await;
    let management_guest = seated(&app, &management, OFFICES[1], "guest", "2026-01-01", None).await;

    let closed = minuted_meeting(&app, &group, "2026-03-10", false, CLOSED_MINUTES).await;
    let public = minuted_meeting(&app, &group, "2026-04-14", true, PUBLIC_MINUTES).await;
    let unwritten = app.plan_meeting(&group, "2026-05-12", false).await.id;

    let allowed = [
        ("admin", Persona::admin()),
        ("coordinator", Persona::coordinator()),
        ("committee secretary", Persona::committee_secretary()),
        ("member of the body", member),
        ("guest of the body", guest),
        ("member of the management", manager),
        (
            "staff of the managing youth office",
            Persona::youth_office_staff()
                .of(OFFICES[0])
                .subject("gf-office"),
        ),
    ];
    let refused = [
        ("auditor", Persona::auditor()),
        ("caseworker", Persona::caseworker().of(OFFICES[1])),
        (
            "staff of another youth office",
            Persona::youth_office_staff().of(OFFICES[1]),
        ),
        (
            "staff of the member's organisation",
            Persona::institution_staff().of(INSTITUTION),
        ),
        ("former member", former),
        ("member from 2030", future),
        ("member of another body", forum_member),
        ("guest of the management", management_guest),
        ("service client", Persona::role("service").of(INSTITUTION)),
    ];
    let closed_minutes = format!("/v1/meetings/{closed}/minutes");
    let meetings = format!("/v1/bodies/{group}/meetings");

    for (who, persona) in &allowed {
        let caller = app.as_(persona);
        let meeting = caller.get(&format!("/v1/meetings/{closed}")).send().await;
        let meeting = meeting.expect(StatusCode::OK);
        assert_eq!(meeting["minutes"], CLOSED_MINUTES, "{who}");
        assert_eq!(meeting["minutes_withheld"], false, "{who}");
        let minutes = caller.get(&closed_minutes).send().await;
        let minutes = minutes.expect(StatusCode::OK);
        assert_eq!(minutes["text"], CLOSED_MINUTES, "{who}");
        assert_eq!(minutes["approved"], false);
        assert_eq!(minutes["meeting_id"], closed.as_str());
        let list = caller.get(&meetings).send().await;
        assert!(list.body.to_string().contains(CLOSED_MINUTES), "{who}");
        // Not written yet: there is nothing to read.
        let reply = caller
            .get(&format!("/v1/meetings/{unwritten}/minutes"))
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{who}");
    }

    for (who, persona) in &refused {
        let caller = app.as_(persona);
        // The meeting itself stays readable, without its minutes.
        let meeting = caller.get(&format!("/v1/meetings/{closed}")).send().await;
        let meeting = meeting.expect(StatusCode::OK);
        assert_eq!(meeting["minutes"], Value::Null, "{who}");
        assert_eq!(meeting["minutes_withheld"], true, "{who}");
        assert_eq!(meeting["state"], "held");
        let problem = caller.get(&closed_minutes).send().await;
        let problem = problem.expect(StatusCode::FORBIDDEN);
        assert_eq!(problem["status"], 403);
        assert!(!problem.to_string().contains(CLOSED_MINUTES));
        // Whether minutes exist is not told either.
        let reply = caller
            .get(&format!("/v1/meetings/{unwritten}/minutes"))
            .send()
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{who}");
        // Lists: the closed meeting's minutes withheld, the public one's shown.
        let list = caller.get(&meetings).send().await;
        let list = list.expect(StatusCode::OK);
        assert!(!list.to_string().contains(CLOSED_MINUTES), "{who}: {list}");
        let items = list["items"].as_array().unwrap();
        let of = |id: &str| items.iter().find(|m| m["id"] == id).unwrap().clone();
        assert_eq!(of(&closed)["minutes_withheld"], true);
        assert_eq!(of(&public)["minutes"], PUBLIC_MINUTES, "{who}");
        assert_eq!(of(&public)["minutes_withheld"], false);
        // Public meetings' minutes are for everyone.
        let minutes = caller
            .get(&format!("/v1/meetings/{public}/minutes"))
            .send()
            .await;
        assert_eq!(minutes.status, StatusCode::OK, "{who}");
        assert_eq!(minutes.body["text"], PUBLIC_MINUTES);
        let meeting = caller.get(&format!("/v1/meetings/{public}")).send().await;
        assert_eq!(meeting.body["minutes"], PUBLIC_MINUTES, "{who}");
        // Nor can they write or approve them.
        let write = caller
            .put(&closed_minutes)
            .if_match("\"3\"")
            .json(&json!({"text": "überschrieben"}))
            .send()
            .await;
        assert_eq!(write.status, StatusCode::FORBIDDEN, "{who}");
    }
    let auditor = app.as_(&refused[0].1);
    // HEAD answers like GET.
    auditor
        .head(&closed_minutes)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);
    // No such meeting: 404 for everyone.
    auditor
        .get(&format!("/v1/meetings/{}/minutes", Uuid::now_v7()))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    // Without a token: 401.
    app.anonymous()
        .get(&closed_minutes)
        .send()
        .await
        .expect(StatusCode::UNAUTHORIZED);

    // Approved minutes say so; members still read them, others still do not.
    app.meeting(&closed)
        .await
        .transition(&secretary(&app), "approve_minutes")
        .await
        .expect(StatusCode::OK);
    let minutes = app.as_(&allowed[3].1).get(&closed_minutes).send().await;
    assert_eq!(minutes.body["approved"], true);
    auditor
        .get(&closed_minutes)
        .send()
        .await
        .expect(StatusCode::FORBIDDEN);

    // The public OParl interface knows neither the closed meeting nor any minutes.
    app.settle_transactions().await;
    let oparl = app.anonymous();
    oparl
        .get(&format!("/oparl/v1/meeting/{closed}"))
        .send()
        .await
        .expect(StatusCode::NOT_FOUND);
    let mut published = String::new();
    for list in [
        "/oparl/v1/body/region/meeting".to_string(),
        "/oparl/v1/body/region/agenda-item".to_string(),
        "/oparl/v1/body/region/organization".to_string(),
        format!("/oparl/v1/organization/{group}/meeting"),
        format!("/oparl/v1/meeting/{public}"),
    ] {
        let reply = oparl.get(&list).send().await;
        published.push_str(&reply.expect(StatusCode::OK).to_string());
    }
    assert!(
        published.contains(&public),
        "the public meeting is published"
    );
    assert!(!published.contains(&closed), "{published}");
    assert!(!published.contains(CLOSED_MINUTES));
    app.stop().await;
}
