//! Requests to a service under test as one caller. A [`Caller`] is a service's base URL with
//! an `Authorization` header (a persona's token, any token, or none); it is cheap to clone and
//! owns what it needs, so it can move into spawned tasks.
//!
//! ```ignore
//! let admin = app.as_(Persona::admin());
//! let org = admin.post("/v1/organizations").json(&draft).send().await;
//! let id = org.expect(StatusCode::CREATED)["id"].as_str().unwrap().to_string();
//! admin.put(&format!("/v1/organizations/{id}"))
//!     .if_match(org.etag())
//!     .json(&changed)
//!     .send().await
//!     .expect(StatusCode::OK);
//! let all = admin.list_all("/v1/organizations?kind=institution").await; // every page
//! app.anonymous().get("/health/live").send().await.expect(StatusCode::OK);
//! app.bearer("not-a-token").get("/v1/organizations").send().await
//!     .expect_problem(StatusCode::UNAUTHORIZED, "unauthorized");
//! ```

use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Serialize;
use serde_json::Value;

use crate::Reply;

/// One caller of one service.
#[derive(Debug, Clone)]
pub struct Caller {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Caller {
    /// A caller of the service at `base` (`http://host:port`) with `token` as bearer, or
    /// without `Authorization` when `None`.
    pub fn new(http: reqwest::Client, base: &str, token: Option<String>) -> Caller {
        Caller {
            http,
            base: base.to_string(),
            token,
        }
    }

    /// The bearer token this caller sends, if any.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// A request of any method to `path` (with its query string, if any).
    pub fn request(&self, method: Method, path: &str) -> Request {
        let mut builder = self
            .http
            .request(method.clone(), format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            builder = builder.bearer_auth(token);
        }
        Request {
            builder,
            what: format!("{method} {path}"),
            method,
        }
    }

    pub fn get(&self, path: &str) -> Request {
        self.request(Method::GET, path)
    }

    pub fn post(&self, path: &str) -> Request {
        self.request(Method::POST, path)
    }

    pub fn put(&self, path: &str) -> Request {
        self.request(Method::PUT, path)
    }

    pub fn delete(&self, path: &str) -> Request {
        self.request(Method::DELETE, path)
    }

    pub fn head(&self, path: &str) -> Request {
        self.request(Method::HEAD, path)
    }

    /// Every item of a list (`items`), following `next_cursor` to the last page.
    pub async fn list_all(&self, path: &str) -> Vec<Value> {
        let mut items = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut request = self.get(path);
            if let Some(cursor) = &cursor {
                request = request.query(&[("cursor", cursor)]);
            }
            let reply = request.send().await;
            let body = reply.expect(StatusCode::OK);
            match body["items"].as_array() {
                Some(page) => items.extend(page.iter().cloned()),
                None => panic!("{}: not a list: {body}", reply.request),
            }
            match body["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }

    /// One incremental sync run over the list at `path` (no query string) in change order:
    /// `modified_since=since`, pages of `limit`, starting at `cursor` if any, following
    /// `next_cursor` to the end. Returns the items in the order handed out and moves `cursor`
    /// to the last page's `sync_cursor`, where the next run resumes.
    pub async fn sync(
        &self,
        path: &str,
        since: &str,
        limit: usize,
        cursor: &mut Option<String>,
    ) -> Vec<Value> {
        let mut items = Vec::new();
        loop {
            let mut request = self
                .get(path)
                .query(&[("modified_since", since), ("limit", &limit.to_string())]);
            if let Some(cursor) = cursor.as_deref() {
                request = request.query(&[("cursor", cursor)]);
            }
            let reply = request.send().await;
            let body = reply.expect(StatusCode::OK);
            match body["items"].as_array() {
                Some(page) => items.extend(page.iter().cloned()),
                None => panic!("{}: not a list: {body}", reply.request),
            }
            match body["sync_cursor"].as_str() {
                Some(resume) => *cursor = Some(resume.to_string()),
                None => panic!(
                    "{}: a page in change order without sync_cursor",
                    reply.request
                ),
            }
            match body["next_cursor"].as_str() {
                Some(next) => *cursor = Some(next.to_string()),
                None => return items,
            }
        }
    }

    /// The `id`s of every item of a list, in list order.
    pub async fn list_ids(&self, path: &str) -> Vec<String> {
        self.list_all(path)
            .await
            .iter()
            .map(|item| match item["id"].as_str() {
                Some(id) => id.to_string(),
                None => panic!("{path}: an item without id: {item}"),
            })
            .collect()
    }
}

/// A request being built; [`Request::send`] sends it and reads the whole answer.
#[derive(Debug)]
pub struct Request {
    builder: RequestBuilder,
    method: Method,
    what: String,
}

impl Request {
    /// A JSON body (`Content-Type: application/json`).
    pub fn json<T: Serialize + ?Sized>(self, body: &T) -> Request {
        crate::logs::note_personal_data(body);
        self.map(|b| b.json(body))
    }

    /// A raw body; set its content type with [`Request::header`].
    pub fn body(self, body: impl Into<reqwest::Body>) -> Request {
        self.map(|b| b.body(body))
    }

    /// Adds a header.
    pub fn header(self, name: &str, value: impl AsRef<str>) -> Request {
        self.map(|b| b.header(name, value.as_ref()))
    }

    /// `If-Match` with an ETag (as the service sent it, quotes included).
    pub fn if_match(self, etag: impl AsRef<str>) -> Request {
        self.header("If-Match", etag)
    }

    /// `Idempotency-Key`.
    pub fn idempotency_key(self, key: impl AsRef<str>) -> Request {
        self.header("Idempotency-Key", key)
    }

    /// Appends query parameters, e.g. `&[("cursor", cursor)]`.
    pub fn query<T: Serialize + ?Sized>(self, query: &T) -> Request {
        self.map(|b| b.query(query))
    }

    /// Anything else reqwest can do to the request (timeouts, …).
    pub fn map(mut self, f: impl FnOnce(RequestBuilder) -> RequestBuilder) -> Request {
        self.builder = f(self.builder);
        self
    }

    /// Sends the request and reads the answer; panics when there is none (the service is
    /// down or cut the connection).
    pub async fn send(self) -> Reply {
        let what = self.what.clone();
        match self.try_send().await {
            Ok(reply) => reply,
            Err(e) => panic!("{what}: no answer: {e}"),
        }
    }

    /// Sends the request; an error when no answer arrived (for tests that stop a service).
    pub async fn try_send(self) -> Result<Reply, reqwest::Error> {
        let response = self.builder.send().await?;
        Ok(Reply::read(self.method.as_str(), response).await)
    }
}

/// A resource a test changes step by step with `If-Match`: it holds the resource's current
/// `ETag` and moves on to the one of every answer that carries one (a successful write), so
/// a sequence of writes reads like the sequence of requests (a case through its commands, a
/// meeting through its agenda and transitions).
///
/// ```ignore
/// let created = secretary.post(&meetings).json(&draft).send().await;
/// let mut meeting = Versioned::of(&created);              // "\"1\""
/// meeting.send(secretary.post(&agenda).json(&item)).await.expect(StatusCode::OK); // "\"2\""
/// meeting.send(secretary.post(&agenda).json(&late)).await
///     .expect_conflict("agenda_fixed_after_meeting");     // still "\"2\""
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Versioned {
    etag: String,
}

impl Versioned {
    /// A resource at the given `ETag` (quotes included, as the service sends it).
    pub fn new(etag: impl Into<String>) -> Versioned {
        Versioned { etag: etag.into() }
    }

    /// A resource at the `ETag` of `reply` (e.g. the answer that created it); panics when it
    /// has none.
    #[track_caller]
    pub fn of(reply: &Reply) -> Versioned {
        Versioned::new(reply.etag())
    }

    /// The current `ETag`.
    pub fn etag(&self) -> &str {
        &self.etag
    }

    /// Sends `request` with `If-Match` set to the current `ETag`; an answer with an `ETag`
    /// makes that the current one.
    pub async fn send(&mut self, request: Request) -> Reply {
        let reply = request.if_match(&self.etag).send().await;
        if let Some(etag) = reply.header("etag") {
            self.etag = etag.to_string();
        }
        reply
    }
}
