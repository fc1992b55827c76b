#![allow(clippy::unwrap_used, clippy::expect_used)]
//! CSV import of organisations and people: all rows or none, every bad cell reported as
//! `/lines/<line>/<column>` (line 1 is the header).

use crate::common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

const ORG_REGISTERED: &str = "directory.organization.registered.v1";
const ORG_DEACTIVATED: &str = "directory.organization.deactivated.v1";
const PERSON_REGISTERED: &str = "directory.person.registered.v1";

const ORG_HEADER: &str =
    "name,kind,district,umbrella_carrier,street,postal_code,city,email,phone,external_ids";

async fn upload(app: &TestApp, path: &str, content_type: Option<&str>, body: &str) -> Reply {
    let mut request = app.as_(Persona::admin()).post(path).body(body.to_string());
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    request.send().await
}

async fn import_organizations(app: &TestApp, csv: &str) -> Reply {
    upload(app, "/v1/organizations/import", Some("text/csv"), csv).await
}

async fn import_people(app: &TestApp, csv: &str) -> Reply {
    upload(app, "/v1/people/import", Some("text/csv"), csv).await
}

#[tokio::test]
async fn a_valid_organization_file_stores_every_row() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut probe = app.probe().await;
    // A byte order mark, upper-case headers in another order, quoted cells, blank cells.
    let csv = "\u{feff}KIND,Name,district,street,postal_code,city,umbrella_carrier,email,phone,external_ids\r\n\
        institution,\"Kinder- und Jugendhilfe Öhringen, Haus 2\",hohenlohekreis,Hunnenstraße 12,74613,Öhringen,Diakonie Württemberg,Info@KJH.example,+49 7941 1234-0,okjug=INST-0042; case.v2 = 77\r\n\
        youth_office,Jugendamt Main-Tauber-Kreis,main_tauber_kreis,Gartenstraße 1,97941,Tauberbischofsheim,,,,\r\n\
        education_provider,  JuCon Bildung  ,,Lerchenstraße 40,74072,Heilbronn,,,,\r\n";
    let reply = import_organizations(&app, csv).await;
    let body = reply.expect(StatusCode::CREATED).clone();
    assert_eq!(body["created"], 3);
    let ids: Vec<String> = body["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(admin.list_ids("/v1/organizations").await, ids, "row order");

    let first = admin
        .get(&format!("/v1/organizations/{}", ids[0]))
        .send()
        .await;
    let first = first.expect(StatusCode::OK);
    assert_eq!(first["name"], "Kinder- und Jugendhilfe Öhringen, Haus 2");
    assert_eq!(first["kind"], "institution");
    assert_eq!(first["district"], "hohenlohekreis");
    assert_eq!(first["umbrella_carrier"], "Diakonie Württemberg");
    assert_eq!(
        first["address"],
        json!({"street": "Hunnenstraße 12", "postal_code": "74613", "city": "Öhringen"})
    );
    assert_eq!(first["email"], "info@kjh.example");
    assert_eq!(first["phone"], "+49 7941 1234-0");
    assert_eq!(
        first["external_ids"],
        json!({"okjug": "INST-0042", "case.v2": "77"})
    );
    assert_eq!(first["version"], 1);
    let second = admin
        .get(&format!("/v1/organizations/{}", ids[1]))
        .send()
        .await;
    assert_eq!(second.body["umbrella_carrier"], serde_json::Value::Null);
    assert_eq!(second.body["email"], serde_json::Value::Null);
    assert_eq!(second.body["external_ids"], json!({}));
    let third = admin
        .get(&format!("/v1/organizations/{}", ids[2]))
        .send()
        .await;
    assert_eq!(third.body["name"], "JuCon Bildung");
    assert_eq!(third.body["district"], serde_json::Value::Null);

    let events = app
        .expect_events(
            &mut probe,
            &[ORG_REGISTERED, ORG_REGISTERED, ORG_REGISTERED],
        )
        .await;
    let subjects: Vec<&str> = events
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ids.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(
        events[0]["data"]["name"],
        "Kinder- und Jugendhilfe Öhringen, Haus 2"
    );

    // Repeating the upload with the same Idempotency-Key replays the report.
    let csv = format!(
        "{ORG_HEADER}\nEinrichtung Nord,institution,stadt_heilbronn,,Weg 1,74072,Heilbronn,,,\n"
    );
    let keyed = || {
        admin
            .post("/v1/organizations/import")
            .header("Content-Type", "text/csv; charset=utf-8")
            .idempotency_key("import-1")
            .body(csv.clone())
    };
    let first = keyed().send().await;
    first.expect(StatusCode::CREATED);
    let again = keyed().send().await;
    assert_eq!(again.expect(StatusCode::CREATED), &first.body);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(admin.list_ids("/v1/organizations").await.len(), 4);
    app.expect_events(&mut probe, &[ORG_REGISTERED]).await;
    app.stop().await;
}

#[tokio::test]
async fn every_bad_organization_row_is_reported_and_nothing_stored() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut probe = app.probe().await;
    let stored = app
        .create_organization(with(
            institution("hohenlohekreis"),
            "/name",
            json!("Jugendhilfe Nord"),
        ))
        .await;
    app.expect_events(&mut probe, &[ORG_REGISTERED]).await;

    let csv = format!(
        "{ORG_HEADER}\n\
         Einrichtung Eins,institution,hohenlohekreis,,Weg 1,74653,Künzelsau,,,\n\
         Einrichtung Zwei,church,hohenlohekreis,,Weg 2,74653,Künzelsau,,,\n\
         Einrichtung Drei,institution,hohenlohekreis,,Weg 3,7465,Künzelsau,,,\n\
         ,institution,hohenlohekreis,,Weg 4,74653,Künzelsau,,,\n\
         EINRICHTUNG EINS,institution,hohenlohekreis,,Weg 5,74653,Künzelsau,,,\n\
         jugendhilfe nord,institution,hohenlohekreis,,Weg 6,74653,Künzelsau,,,\n\
         Einrichtung Sieben,institution,,,Weg 7,74653,Künzelsau,,,\n\
         Einrichtung Acht,institution,hohenlohekreis,,Weg 8,74653,Künzelsau,,,okjug\n\
         Einrichtung Neun,institution,hohenlohekreis,,Weg 9,74653,Künzelsau,kein-at,,\n\
         Jugendamt Zehn,youth_office,main_tauber_kreis,Caritas,Weg 10,97941,Tauberbischofsheim,,,\n\
         Einrichtung Elf,institution,berlin,,Weg 11,74653,Künzelsau,,,\n\
         Einrichtung Zwölf,institution,hohenlohekreis,,Weg 12,12,Künzelsau,,ruf an,\n\
         Einrichtung Dreizehn,institution,hohenlohekreis,,,74653,,,,\n\
         Einrichtung Vierzehn,institution,hohenlohekreis,,Weg 14,74653,Künzelsau,,,\n"
    );
    let reply = import_organizations(&app, &csv).await;
    reply.expect_validation(&[
        "/lines/3/kind",
        "/lines/4/postal_code",
        "/lines/5/name",
        "/lines/6/name",
        "/lines/7/name",
        "/lines/8/district",
        "/lines/9/external_ids",
        "/lines/10/email",
        "/lines/11/umbrella_carrier",
        "/lines/12/district",
        "/lines/13/postal_code",
        "/lines/13/phone",
        "/lines/14/street",
        "/lines/14/city",
    ]);
    assert_eq!(admin.list_ids("/v1/organizations").await, vec![id(&stored)]);
    app.expect_outbox(&[]).await;

    // The file's shape: unknown and missing columns are reported on line 1.
    let reply = import_organizations(
        &app,
        "name,kind,colour,district,street,city\nEinrichtung X,institution,blau,hohenlohekreis,Weg 1,Künzelsau\n",
    )
    .await;
    reply.expect_validation(&["/lines/1/colour", "/lines/1/postal_code"]);
    let reply = import_organizations(&app, "email,phone\nx@example.org,0711 1\n").await;
    reply.expect_validation(&[
        "/lines/1/name",
        "/lines/1/kind",
        "/lines/1/street",
        "/lines/1/postal_code",
        "/lines/1/city",
    ]);
    // A row with more cells than the header.
    let reply = import_organizations(
        &app,
        &format!(
            "{ORG_HEADER}\nEinrichtung X,institution,hohenlohekreis,,Weg 1,74653,Künzelsau,,,\nA,b,c,d,e,f,g,h,i,j,k\n"
        ),
    )
    .await;
    reply.expect_validation(&["/lines/3"]);
    // No data rows.
    for empty in ["", "\n", &format!("{ORG_HEADER}\n")] {
        let reply = import_organizations(&app, empty).await;
        reply.expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert!(!reply.pointers().is_empty());
    }
    import_organizations(&app, &format!("{ORG_HEADER}\n"))
        .await
        .expect_validation(&["/lines"]);
    // Too many rows.
    let mut big = String::from("name,kind,district,street,postal_code,city\n");
    for i in 0..=10_000 {
        big.push_str(&format!(
            "E{i},institution,hohenlohekreis,Weg,74653,Künzelsau\n"
        ));
    }
    import_organizations(&app, &big)
        .await
        .expect_validation(&["/lines"]);

    // A row that only the database can refuse (a second youth office for a district) fails the
    // whole upload with the rule and the line; the rows before it are not kept.
    app.create_organization(youth_office("main_tauber_kreis"))
        .await;
    app.expect_events(&mut probe, &[ORG_REGISTERED]).await;
    let reply = import_organizations(
        &app,
        &format!(
            "{ORG_HEADER}\n\
             Einrichtung Fünfzehn,institution,hohenlohekreis,,Weg 1,74653,Künzelsau,,,\n\
             Jugendamt Zwei,youth_office,main_tauber_kreis,,Weg 2,97941,Tauberbischofsheim,,,\n"
        ),
    )
    .await;
    reply.expect_conflict("one_youth_office_per_district");
    assert!(
        reply.body["detail"].as_str().unwrap().contains("line 3"),
        "{}",
        reply.body
    );
    assert_eq!(
        admin.list_ids("/v1/organizations?kind=institution").await,
        vec![id(&stored)]
    );

    // Over the upload limit (5 MiB): 413.
    let mut huge = String::from("name,kind,district,street,postal_code,city\n");
    while huge.len() <= 5 * 1024 * 1024 {
        huge.push_str("Einrichtung mit einem recht langen Namen,institution,hohenlohekreis,Weg,74653,Künzelsau\n");
    }
    import_organizations(&app, &huge)
        .await
        .expect_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload-too-large");

    // Wrong content types: 415. Bytes that are no UTF-8: 400.
    let valid = format!(
        "{ORG_HEADER}\nEinrichtung X,institution,hohenlohekreis,,Weg 1,74653,Künzelsau,,,\n"
    );
    for content_type in [Some("application/json"), Some("text/plain"), None] {
        upload(&app, "/v1/organizations/import", content_type, &valid)
            .await
            .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");
    }
    let latin1 = admin.post("/v1/organizations/import")
            .header("Content-Type", "text/csv")
            .body(b"name,kind,district,street,postal_code,city\nK\xfcnzelsau,institution,hohenlohekreis,Weg,74653,K\xfcnzelsau\n".to_vec()).send()
    .await;
    latin1.expect_problem(StatusCode::BAD_REQUEST, "bad-request");

    assert_eq!(admin.list_ids("/v1/organizations").await.len(), 2);
    app.expect_outbox(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn a_valid_people_file_stores_every_row() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut probe = app.probe().await;
    let org_a = app.institution_id().await;
    let org_b = id(&app
        .create_organization(youth_office("hohenlohekreis"))
        .await);
    app.expect_events(&mut probe, &[ORG_REGISTERED, ORG_REGISTERED])
        .await;

    let csv = format!(
        "organization_id,given_name,family_name,email,phone,functions,active_from,active_until\n\
         {org_a},Lena,Beispiel,L.Beispiel@Example.org,+49 7131 1234,caseworker;qmf_coordinator,2024-01-01,\n\
         {org_b},Jonas,Müller,,,leader,2020-05-01,2030-12-31\n\
         {org_b},Mia,\"Schäfer, geb. Braun\",,, trainer ; specialist ,2019-01-01,2023-06-30\n"
    );
    let reply = import_people(&app, &csv).await;
    let body = reply.expect(StatusCode::CREATED).clone();
    assert_eq!(body["created"], 3);
    let ids: Vec<String> = body["ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_str().unwrap().to_string())
        .collect();
    assert_eq!(admin.list_ids("/v1/people").await, ids);

    let lena = admin.get(&format!("/v1/people/{}", ids[0])).send().await;
    let lena = lena.expect(StatusCode::OK);
    assert_eq!(lena["organization_id"], org_a.as_str());
    assert_eq!(lena["email"], "l.beispiel@example.org");
    assert_eq!(lena["phone"], "+49 7131 1234");
    assert_eq!(lena["functions"], json!(["caseworker", "qmf_coordinator"]));
    assert_eq!(lena["active_from"], "2024-01-01");
    assert_eq!(lena["active_until"], serde_json::Value::Null);
    let mia = admin.get(&format!("/v1/people/{}", ids[2])).send().await;
    assert_eq!(mia.body["family_name"], "Schäfer, geb. Braun");
    assert_eq!(mia.body["functions"], json!(["trainer", "specialist"]));
    assert_eq!(mia.body["active"], false);
    assert_eq!(
        admin
            .list_ids(&format!("/v1/people?organization_id={org_b}"))
            .await,
        ids[1..].to_vec()
    );

    let events = app
        .expect_events(
            &mut probe,
            &[PERSON_REGISTERED, PERSON_REGISTERED, PERSON_REGISTERED],
        )
        .await;
    let subjects: Vec<&str> = events
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ids.iter().map(String::as_str).collect::<Vec<_>>());
    app.stop().await;
}

#[tokio::test]
async fn every_bad_people_row_is_reported_and_nothing_stored() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut probe = app.probe().await;
    let org = app.institution_id().await;
    let closed = app.institution_id().await;
    admin
        .post(&format!("/v1/organizations/{closed}/deactivate"))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    app.expect_events(
        &mut probe,
        &[ORG_REGISTERED, ORG_REGISTERED, ORG_DEACTIVATED],
    )
    .await;
    let unknown = uuid::Uuid::now_v7();

    let csv = format!(
        "organization_id,given_name,family_name,email,phone,functions,active_from,active_until\n\
         {org},Lena,Beispiel,,,caseworker,2024-01-01,\n\
         {unknown},Jonas,Müller,,,leader,2024-01-01,\n\
         kein-uuid,Mia,Schäfer,,,leader,2024-01-01,\n\
         {org},Paul,Schmidt,,,leader,2024-02-30,\n\
         {org},Anna,Wagner,,,boss,2024-01-01,\n\
         {org},Tim,,,,leader,2024-01-01,\n\
         {org},Eva,Klein,,,leader,2024-01-01,2023-12-31\n\
         {closed},Max,Groß,,,leader,2024-01-01,\n\
         {org},Ida,Lang,keine-mail,,leader,2024-01-01,\n\
         {org},Leo,Kurz,,,,2024-01-01,\n\
         {org},Ben,Hoch,,,leader;leader,2024-01-01,\n\
         {org},Uwe,Tief,,,leader,01.01.2024,31.12.2024\n\
         {org},Kim,Weit,,,caseworker;chef,2024-01-01,\n\
         {org},Ole,Nah,,,specialist,2024-01-01,\n"
    );
    let reply = import_people(&app, &csv).await;
    reply.expect_validation(&[
        "/lines/3/organization_id",
        "/lines/4/organization_id",
        "/lines/5/active_from",
        "/lines/6/functions",
        "/lines/7/family_name",
        "/lines/8/active_until",
        "/lines/9/organization_id",
        "/lines/10/email",
        "/lines/11/functions",
        "/lines/12/functions",
        "/lines/13/active_from",
        "/lines/13/active_until",
        "/lines/14/functions",
    ]);
    assert!(admin.list_ids("/v1/people").await.is_empty());
    app.expect_outbox(&[]).await;

    // The file's shape.
    let reply = import_people(
        &app,
        &format!("organization_id,given_name,family_name,salary,functions\n{org},A,B,1,leader\n"),
    )
    .await;
    reply.expect_validation(&["/lines/1/salary", "/lines/1/active_from"]);
    import_people(
        &app,
        "organization_id,given_name,family_name,functions,active_from\n",
    )
    .await
    .expect_validation(&["/lines"]);
    let reply = import_people(&app, "").await;
    reply.expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    upload(
        &app,
        "/v1/people/import",
        Some("application/json"),
        &format!("organization_id,given_name,family_name,functions,active_from\n{org},A,B,leader,2024-01-01\n"),
    )
    .await
    .expect_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type");

    assert!(admin.list_ids("/v1/people").await.is_empty());
    app.expect_outbox(&[]).await;
    app.stop().await;
}

#[tokio::test]
async fn duplicate_columns_and_control_characters_are_reported_with_their_cell() {
    let app = spawn().await;
    let csv = "name,kind,district,street,postal_code,city,Name\r\n\
        Haus A,institution,hohenlohekreis,Hunnenstraße 12,74613,Öhringen,Haus B\r\n";
    import_organizations(&app, csv)
        .await
        .expect_validation(&["/lines/1/name"]);
    let csv = "name,kind,district,street,postal_code,city,external_ids\r\n\
        Haus C,institution,hohenlohekreis,Hunnenstraße 12,74613,Öhringen,okjug=C1\r\n\
        Haus\u{0}A,institution,hohenlohekreis,Hunnenstraße 12,74613,Öhringen,okjug=A\u{202E}1\r\n";
    import_organizations(&app, csv)
        .await
        .expect_validation(&["/lines/3/name", "/lines/3/external_ids"]);
    assert!(
        app.as_(Persona::admin())
            .list_ids("/v1/organizations")
            .await
            .is_empty()
    );
    // A formula-like cell is stored as sent; CSV written by the platform neutralises it.
    let csv = "name,kind,district,street,postal_code,city\r\n\
        =HYPERLINK(\"http://evil.example\"),institution,hohenlohekreis,Hunnenstraße 12,74613,Öhringen\r\n";
    let reply = import_organizations(&app, csv).await;
    reply.expect(StatusCode::CREATED);
    app.stop().await;
}
