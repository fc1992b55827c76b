#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Cursor pagination: complete and ordered page walks, stability under concurrent inserts, and
//! change order for incremental sync.

use crate::common;

use std::collections::HashSet;

use common::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Walks `path` (which may carry filters) page by page with `limit`; returns the pages.
async fn pages(app: &TestApp, path: &str, limit: usize) -> Vec<Vec<Value>> {
    let mut pages = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut request = app
            .as_(Persona::admin())
            .get(path)
            .query(&[("limit", limit.to_string())]);
        if let Some(cursor) = &cursor {
            request = request.query(&[("cursor", cursor)]);
        }
        let reply = request.send().await;
        let body = reply.expect(StatusCode::OK).clone();
        let items = body["items"].as_array().unwrap().clone();
        assert!(items.len() <= limit, "a page holds at most `limit` items");
        let next = body["next_cursor"].as_str().map(str::to_string);
        if next.is_some() {
            assert_eq!(items.len(), limit, "only the last page may be short");
        }
        pages.push(items);
        match next {
            Some(next) => cursor = Some(next),
            None => return pages,
        }
        assert!(pages.len() < 1000, "the walk does not end");
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items.iter().map(id).collect()
}

#[tokio::test]
async fn page_walks_are_complete_and_ordered() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let mut orgs = Vec::new();
    for _ in 0..7 {
        orgs.push(id(&app
            .create_organization(institution("hohenlohekreis"))
            .await));
    }
    let mut people = Vec::new();
    for org in orgs.iter().take(5) {
        people.push(id(&app.create_person(person(org)).await));
    }
    let mut agreements = Vec::new();
    for org in orgs.iter().take(4) {
        agreements.push(id(&app.create_agreement(quality_agreement(org)).await));
    }

    for (path, expected) in [
        ("/v1/organizations", &orgs),
        ("/v1/people", &people),
        ("/v1/agreements", &agreements),
    ] {
        for limit in [1, 2, 3, expected.len(), expected.len() + 1, 200] {
            let walk = pages(&app, path, limit).await;
            let expected_pages = expected.len().div_ceil(limit);
            assert_eq!(walk.len(), expected_pages, "{path} limit {limit}");
            let seen: Vec<String> = walk.iter().flat_map(|p| ids(p)).collect();
            assert_eq!(
                &seen, expected,
                "{path} limit {limit}: creation order, each once"
            );
        }
    }

    // The default page size is 50.
    for _ in 0..44 {
        app.create_organization(regional("education_provider"))
            .await;
    }
    let first = admin.get("/v1/organizations").send().await;
    assert_eq!(first.body["items"].as_array().unwrap().len(), 50);
    let cursor = first.body["next_cursor"].as_str().unwrap().to_string();
    let rest = admin
        .get("/v1/organizations")
        .query(&[("cursor", &cursor)])
        .send()
        .await;
    assert_eq!(rest.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    // Filters hold across pages.
    let walk = pages(&app, "/v1/organizations?kind=institution", 2).await;
    let seen: Vec<String> = walk.iter().flat_map(|p| ids(p)).collect();
    assert_eq!(seen, orgs);
    let walk = pages(&app, &format!("/v1/people?organization_id={}", orgs[0]), 1).await;
    assert_eq!(walk.len(), 1);
    assert_eq!(ids(&walk[0]), vec![people[0].clone()]);

    // An empty list is one empty page.
    let walk = pages(&app, "/v1/organizations?kind=youth_office", 2).await;
    assert_eq!(walk, vec![Vec::<Value>::new()]);
    app.stop().await;
}

#[tokio::test]
async fn pages_stay_consistent_while_rows_are_inserted() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let org = app.institution_id().await;
    let mut existing = vec![org.clone()];
    for _ in 0..29 {
        existing.push(id(&app
            .create_organization(regional("education_provider"))
            .await));
    }
    let mut existing_people = Vec::new();
    for _ in 0..20 {
        existing_people.push(id(&app.create_person(person(&org)).await));
    }

    // Writers insert while a reader walks small pages.
    let writer = {
        let admin = admin.clone();
        tokio::spawn(async move {
            let mut created = Vec::new();
            for i in 0..30 {
                let (path, body) = if i % 2 == 0 {
                    ("/v1/organizations", regional("education_provider"))
                } else {
                    ("/v1/people", person(&org))
                };
                let reply = admin.post(path).json(&body).send().await;
                created.push(id(reply.expect(StatusCode::CREATED)));
                tokio::task::yield_now().await;
            }
            created
        })
    };
    let mut org_walks = Vec::new();
    let mut people_walks = Vec::new();
    for _ in 0..3 {
        org_walks.push(pages(&app, "/v1/organizations", 3).await);
        people_walks.push(pages(&app, "/v1/people", 2).await);
    }
    let created: HashSet<String> = writer.await.unwrap().into_iter().collect();

    for (walks, existing) in [(&org_walks, &existing), (&people_walks, &existing_people)] {
        for walk in walks {
            let seen: Vec<String> = walk.iter().flat_map(|p| ids(p)).collect();
            let mut sorted = seen.clone();
            sorted.sort();
            assert_eq!(seen, sorted, "creation order (time-ordered ids)");
            let unique: HashSet<&String> = seen.iter().collect();
            assert_eq!(unique.len(), seen.len(), "no row is seen twice");
            // Every row that existed before the walk is seen exactly once, in order.
            let old: Vec<&String> = seen.iter().filter(|i| existing.contains(i)).collect();
            assert_eq!(old, existing.iter().collect::<Vec<_>>());
            // Everything else was inserted during the walk.
            assert!(
                seen.iter()
                    .all(|i| existing.contains(i) || created.contains(i))
            );
        }
    }
    // After the writers are done, a walk sees everything.
    let all = admin.list_ids("/v1/organizations").await;
    assert_eq!(all.len(), 30 + 15);
    app.stop().await;
}

#[tokio::test]
async fn modified_since_walks_in_change_order() {
    let app = spawn().await;
    let admin = app.as_(Persona::admin());
    let a = app.create_organization(institution("hohenlohekreis")).await;
    let b = app.create_organization(institution("hohenlohekreis")).await;
    let c = app.create_organization(institution("hohenlohekreis")).await;
    let since = "2000-01-01T00:00:00Z";
    let path = format!("/v1/organizations?modified_since={since}");

    // Take the first page, then change A: it reappears after its change, later in the walk.
    app.settle_writes().await;
    let first = admin.get(&path).query(&[("limit", "1")]).send().await;
    let first = first.expect(StatusCode::OK).clone();
    assert_eq!(ids(first["items"].as_array().unwrap()), vec![id(&a)]);
    let cursor = first["next_cursor"].as_str().unwrap().to_string();
    let renamed = admin
        .put(&format!("/v1/organizations/{}", id(&a)))
        .if_match("\"1\"")
        .json(&with(
            institution("hohenlohekreis"),
            "/name",
            json!("A neu"),
        ))
        .send()
        .await;
    renamed.expect(StatusCode::OK);
    app.settle_writes().await;
    let mut seen = Vec::new();
    let mut cursor = Some(cursor);
    while let Some(current) = cursor {
        let reply = admin
            .get(&path)
            .query(&[("limit", "1"), ("cursor", current.as_str())])
            .send()
            .await;
        let body = reply.expect(StatusCode::OK).clone();
        seen.extend(body["items"].as_array().unwrap().iter().cloned());
        cursor = body["next_cursor"].as_str().map(str::to_string);
    }
    assert_eq!(ids(&seen), vec![id(&b), id(&c), id(&a)]);
    assert_eq!(seen[2]["name"], "A neu");
    assert_eq!(seen[2]["version"], 2);

    // A fresh sync sees every row once, in change order.
    let walk = pages(&app, &path, 2).await;
    let all: Vec<String> = walk.iter().flat_map(|p| ids(p)).collect();
    assert_eq!(all, vec![id(&b), id(&c), id(&a)]);

    // A deactivation and a new row are changes, too; a sync from the last seen change time
    // picks up exactly those.
    let last_change = seen[2]["updated_at"].as_str().unwrap().replace('+', "%2B");
    admin
        .post(&format!("/v1/organizations/{}/deactivate", id(&b)))
        .if_match("\"1\"")
        .send()
        .await
        .expect(StatusCode::OK);
    let d = app.create_organization(institution("hohenlohekreis")).await;
    app.settle_writes().await;
    let walk = pages(
        &app,
        &format!("/v1/organizations?modified_since={last_change}"),
        1,
    )
    .await;
    let changed: Vec<String> = walk.iter().flat_map(|p| ids(p)).collect();
    assert_eq!(changed, vec![id(&b), id(&d)]);

    // Cursors belong to their order: a creation-order cursor does not fit a sync walk, and the
    // reverse.
    let created_order = admin
        .get("/v1/organizations")
        .query(&[("limit", "1")])
        .send()
        .await;
    let created_cursor = created_order.body["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .get(&path)
        .query(&[("cursor", &created_cursor)])
        .send()
        .await
        .expect_validation(&["/query/cursor"]);
    let change_order = admin.get(&path).query(&[("limit", "1")]).send().await;
    let change_cursor = change_order.body["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .get("/v1/organizations")
        .query(&[("cursor", &change_cursor)])
        .send()
        .await
        .expect_validation(&["/query/cursor"]);

    // People and agreements follow the same change order.
    let org = id(&d);
    let p1 = app.create_person(person(&org)).await;
    let p2 = app.create_person(person(&org)).await;
    admin
        .put(&format!("/v1/people/{}", id(&p1)))
        .if_match("\"1\"")
        .json(&with(person(&org), "/given_name", json!("Neu")))
        .send()
        .await
        .expect(StatusCode::OK);
    app.settle_writes().await;
    let walk = pages(&app, &format!("/v1/people?modified_since={since}"), 1).await;
    let order: Vec<String> = walk.iter().flat_map(|p| ids(p)).collect();
    assert_eq!(order, vec![id(&p2), id(&p1)]);

    let a1 = app.create_agreement(quality_agreement(&org)).await;
    let a2 = app
        .create_agreement(agreement(&org, "cooperation_agreement", "2019-01-01"))
        .await;
    admin
        .post(&format!("/v1/agreements/{}/terminate", id(&a1)))
        .if_match("\"1\"")
        .json(&json!({"terminated_on": "2030-01-01", "reason": "Ende"}))
        .send()
        .await
        .expect(StatusCode::OK);
    app.settle_writes().await;
    let walk = pages(&app, &format!("/v1/agreements?modified_since={since}"), 1).await;
    let order: Vec<String> = walk.iter().flat_map(|p| ids(p)).collect();
    assert_eq!(order, vec![id(&a2), id(&a1)]);
    app.stop().await;
}
