//! Certificates: issued with each completion, readable by their holder and the organisers
//! only, downloadable as PDF, verifiable by anyone with the code, revoked by the organisers
//! (with If-Match) or by a correction that takes the completion back, and issued anew.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::Days;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::common::*;

async fn count(app: &TestApp, event_type: &str) -> i64 {
    app.sql(&format!(
        "SELECT count(*) AS n FROM outbox WHERE event_type = '{event_type}'"
    ))
    .await[0]["n"]
        .as_i64()
        .unwrap()
}

struct Held {
    session: String,
    days: [chrono::NaiveDate; 2],
    /// (person, organisation, registration)
    anna: (Uuid, Uuid, String),
    ben: (Uuid, Uuid, String),
}

/// A session held the last two days; Anna (institution, named Jürgen Weiß in the directory)
/// was present on both, Ben (youth office) only on the first.
async fn held(app: &TestApp) -> Held {
    let session = session(app, json!({})).await;
    let session_id = session["id"].as_str().unwrap().to_string();
    let mut people = Vec::new();
    for org in [INSTITUTIONS[0], OFFICES[0]] {
        let person = person(app, org).await;
        let reply = register(app, &session, person, org).await;
        people.push((
            person,
            org,
            reply.expect(StatusCode::CREATED)["id"]
                .as_str()
                .unwrap()
                .to_string(),
        ));
    }
    app.execute(&format!(
        "UPDATE directory_people SET given_name = 'Jürgen', family_name = 'Weiß' WHERE id = '{}'",
        people[0].0
    ))
    .await;
    let days = [today() - Days::new(2), today() - Days::new(1)];
    app.execute(&format!(
        "UPDATE sessions SET days = ARRAY['{}', '{}']::date[] WHERE id = '{session_id}'",
        days[0], days[1]
    ))
    .await;
    let held = Held {
        session: session_id,
        days,
        ben: people.pop().unwrap(),
        anna: people.pop().unwrap(),
    };
    record(
        app,
        &held,
        0,
        &[(&held.anna.2, "present"), (&held.ben.2, "present")],
    )
    .await;
    record(
        app,
        &held,
        1,
        &[(&held.anna.2, "present"), (&held.ben.2, "absent")],
    )
    .await;
    held
}

async fn record(app: &TestApp, held: &Held, day: usize, entries: &[(&str, &str)]) {
    let body = json!({"entries": entries.iter().map(|(r, s)| json!({"registration_id": r, "status": s})).collect::<Vec<_>>()});
    organiser(app)
        .put(&format!(
            "/v1/sessions/{}/attendance/{}",
            held.session, held.days[day]
        ))
        .json(&body)
        .send()
        .await
        .expect(StatusCode::OK);
}

async fn certificates_of(app: &TestApp, person: (Uuid, Uuid)) -> Vec<Value> {
    let reply = as_person(app, person.0, person.1)
        .get(&format!("/v1/certificates?person_id={}", person.0))
        .send()
        .await;
    reply.expect(StatusCode::OK)["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn a_completion_brings_a_certificate_its_holder_reads_and_anyone_verifies() {
    let app = spawn().await;
    let held = held(&app).await;
    assert_eq!(count(&app, "training.certificate.issued.v1").await, 1);
    let anna = (held.anna.0, held.anna.1);
    let certificates = certificates_of(&app, anna).await;
    assert_eq!(certificates.len(), 1);
    let certificate = &certificates[0];
    assert_eq!(certificate["state"], "valid");
    assert_eq!(certificate["holder_name"], "Jürgen Weiß");
    assert_eq!(certificate["organization_name"], "Einrichtung Öhringen");
    assert_eq!(certificate["course_title"], "Grundlagen der Kooperation");
    assert_eq!(certificate["days"], json!(held.days));
    assert_eq!(certificate["registration_id"], json!(held.anna.2));
    let code = certificate["code"].as_str().unwrap().to_string();
    assert_eq!(code.len(), 19);
    let path = format!("/v1/certificates/{}", certificate["id"].as_str().unwrap());
    assert!(
        certificates_of(&app, (held.ben.0, held.ben.1))
            .await
            .is_empty()
    );

    // Ben is another person: the certificate does not exist for him, nor her list.
    as_person(&app, held.ben.0, held.ben.1)
        .get(&path)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    as_person(&app, held.ben.0, held.ben.1)
        .get(&format!("/v1/certificates?person_id={}", anna.0))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    as_person(&app, held.ben.0, held.ben.1)
        .get(&format!("/v1/certificates?session_id={}", held.session))
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    app.as_(Persona::role("service").of(INSTITUTIONS[1]))
        .get(&path)
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    app.anonymous()
        .get(&path)
        .send()
        .await
        .expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
    // Her organisation's software and the organisers read it.
    app.as_(Persona::role("service").of(INSTITUTIONS[0]))
        .get(&path)
        .send()
        .await
        .expect(StatusCode::OK);
    let by_session = organiser(&app)
        .get(&format!("/v1/certificates?session_id={}", held.session))
        .send()
        .await;
    assert_eq!(
        by_session.expect(StatusCode::OK)["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // The PDF, read as bytes.
    let staff = Persona::role("institution_staff")
        .of(anna.1)
        .subject(anna.0);
    let pdf = reqwest::Client::new()
        .get(app.url(&format!("{path}/document")))
        .bearer_auth(staff.token())
        .send()
        .await
        .unwrap();
    assert_eq!(pdf.status(), StatusCode::OK);
    assert_eq!(
        pdf.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(qmf_platform::pdf::shows(&bytes, "Jürgen Weiß"));
    assert!(qmf_platform::pdf::shows(
        &bytes,
        &format!("Prüfcode: {code}")
    ));
    as_person(&app, held.ben.0, held.ben.1)
        .get(&format!("{path}/document"))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");

    // Anyone verifies the code, typed sloppily; it shows only what the paper shows.
    let typed = code.replace('-', " ").to_lowercase();
    let verified = app
        .anonymous()
        .get(&format!("/v1/certificate-verifications/{typed}"))
        .send()
        .await;
    let verified = verified.expect(StatusCode::OK).clone();
    assert_eq!(verified["state"], "valid");
    assert_eq!(verified["code"], json!(code));
    assert_eq!(verified["holder_name"], "Jürgen Weiß");
    assert_eq!(verified["days"], json!(held.days));
    assert_eq!(verified["revoked_on"], Value::Null);
    for hidden in [
        "person_id",
        "organization_id",
        "registration_id",
        "id",
        "revoke_reason",
    ] {
        assert!(verified.get(hidden).is_none(), "{hidden} is not shown");
    }
    for unknown in ["0000-0000-0000-0000", "not-a-code", "ABCD-EFGH-JKMN-PQRU"] {
        app.anonymous()
            .get(&format!("/v1/certificate-verifications/{unknown}"))
            .send()
            .await
            .expect_problem(StatusCode::NOT_FOUND, "not-found");
    }
    app.stop().await;
}

#[tokio::test]
async fn only_the_organisers_revoke_with_the_current_etag_and_issue_anew() {
    let app = spawn().await;
    let held = held(&app).await;
    let anna = (held.anna.0, held.anna.1);
    let certificate = certificates_of(&app, anna).await.remove(0);
    let path = format!("/v1/certificates/{}", certificate["id"].as_str().unwrap());
    let code = certificate["code"].as_str().unwrap().to_string();
    let reason = json!({"reason": "Name falsch geschrieben"});
    let revocation = format!("{path}/revocation");

    as_person(&app, anna.0, anna.1)
        .post(&revocation)
        .if_match("\"1\"")
        .json(&reason)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    organiser(&app)
        .post(&revocation)
        .json(&reason)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    organiser(&app)
        .post(&revocation)
        .if_match("\"7\"")
        .json(&reason)
        .send()
        .await
        .expect_problem(StatusCode::PRECONDITION_FAILED, "precondition-failed");
    organiser(&app)
        .post(&revocation)
        .if_match("\"1\"")
        .json(&json!({"reason": " "}))
        .send()
        .await
        .expect_validation(&["/reason"]);
    assert_eq!(count(&app, "training.certificate.revoked.v1").await, 0);

    let revoked = organiser(&app)
        .post(&revocation)
        .if_match("\"1\"")
        .json(&reason)
        .send()
        .await;
    assert_eq!(revoked.expect(StatusCode::OK)["state"], "revoked");
    let etag = revoked.etag();
    organiser(&app)
        .post(&revocation)
        .if_match(&etag)
        .json(&reason)
        .send()
        .await
        .expect_conflict("certificate_revoked");
    assert_eq!(count(&app, "training.certificate.revoked.v1").await, 1);
    let verified = app
        .anonymous()
        .get(&format!("/v1/certificate-verifications/{code}"))
        .send()
        .await;
    let verified = verified.expect(StatusCode::OK);
    assert_eq!(verified["state"], "revoked");
    assert_eq!(verified["revoked_on"], json!(today()));
    as_person(&app, anna.0, anna.1)
        .get(&format!("{path}/document"))
        .send()
        .await
        .expect_conflict("certificate_revoked");

    // Issued anew: a new code; once only; never for a registration without completion.
    let reissue = format!("/v1/registrations/{}/certificate", held.anna.2);
    as_person(&app, anna.0, anna.1)
        .post(&reissue)
        .send()
        .await
        .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    let fresh = organiser(&app).post(&reissue).send().await;
    let fresh = fresh.expect(StatusCode::CREATED).clone();
    assert_eq!(fresh["state"], "valid");
    assert_ne!(fresh["code"], json!(code));
    organiser(&app)
        .post(&reissue)
        .send()
        .await
        .expect_conflict("certificate_valid");
    organiser(&app)
        .post(&format!("/v1/registrations/{}/certificate", held.ben.2))
        .send()
        .await
        .expect_conflict("not_completed");
    organiser(&app)
        .post(&format!("/v1/registrations/{}/certificate", Uuid::now_v7()))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    let states: Vec<Value> = certificates_of(&app, anna)
        .await
        .iter()
        .map(|c| c["state"].clone())
        .collect();
    assert_eq!(states, [json!("valid"), json!("revoked")]);
    app.stop().await;
}

#[tokio::test]
async fn a_correction_that_takes_the_completion_back_revokes_the_certificate() {
    let app = spawn().await;
    let held = held(&app).await;
    let anna = (held.anna.0, held.anna.1);
    let code = certificates_of(&app, anna).await[0]["code"]
        .as_str()
        .unwrap()
        .to_string();
    record(&app, &held, 1, &[(&held.anna.2, "absent")]).await;
    let certificates = certificates_of(&app, anna).await;
    assert_eq!(certificates.len(), 1);
    assert_eq!(certificates[0]["state"], "revoked");
    assert!(
        certificates[0]["revoke_reason"]
            .as_str()
            .unwrap()
            .contains("berichtigt")
    );
    // Repeating the correction changes nothing; correcting it back issues a new certificate.
    record(&app, &held, 1, &[(&held.anna.2, "absent")]).await;
    assert_eq!(count(&app, "training.certificate.revoked.v1").await, 1);
    record(&app, &held, 1, &[(&held.anna.2, "present")]).await;
    let certificates = certificates_of(&app, anna).await;
    assert_eq!(certificates.len(), 2);
    assert_eq!(certificates[0]["state"], "valid");
    assert_ne!(certificates[0]["code"], json!(code));
    assert_eq!(count(&app, "training.certificate.issued.v1").await, 2);
    app.stop().await;
}

#[tokio::test]
async fn the_participant_list_and_sign_in_sheet_are_for_the_organisers() {
    let app = spawn().await;
    let held = held(&app).await;
    let list = format!("/v1/sessions/{}/participants", held.session);
    let sheet = format!("/v1/sessions/{}/sign-in-sheet", held.session);
    for path in [&list, &sheet] {
        as_person(&app, held.anna.0, held.anna.1)
            .get(path)
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
        app.as_(Persona::role("service").of(INSTITUTIONS[0]))
            .get(path)
            .send()
            .await
            .expect_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    organiser(&app)
        .get(&format!("/v1/sessions/{}/participants", Uuid::now_v7()))
        .send()
        .await
        .expect_problem(StatusCode::NOT_FOUND, "not-found");
    let json = organiser(&app).get(&list).send().await;
    let json = json.expect(StatusCode::OK);
    let names: Vec<&str> = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["family_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Nachname", "Weiß"]);
    let csv = app
        .as_(Persona::role("coordinator"))
        .get(&format!("{list}?format=csv"))
        .send()
        .await;
    csv.expect(StatusCode::OK);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    let text = csv.body.as_str().unwrap();
    assert_eq!(text.lines().count(), 3);
    assert!(text.contains("Weiß,Jürgen,v.nachname@example.org,Einrichtung Öhringen,institution"));
    let sheet_csv = organiser(&app)
        .get(&format!("{sheet}?format=csv"))
        .send()
        .await;
    assert_eq!(
        sheet_csv
            .expect(StatusCode::OK)
            .as_str()
            .unwrap()
            .lines()
            .count(),
        5
    );
    organiser(&app)
        .get(&format!("{sheet}?format=json"))
        .send()
        .await
        .expect_validation(&["/format"]);
    let pdf = reqwest::Client::new()
        .get(app.url(&sheet))
        .bearer_auth(Persona::role("trainer").of(PROVIDER).token())
        .send()
        .await
        .unwrap();
    assert_eq!(
        pdf.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    let bytes = pdf.bytes().await.unwrap();
    assert!(qmf_platform::pdf::shows(&bytes, "Weiß, Jürgen"));
    assert!(qmf_platform::pdf::shows(
        &bytes,
        &format!("Tag: {}", held.days[1].format("%d.%m.%Y"))
    ));
    app.stop().await;
}
