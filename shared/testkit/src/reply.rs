//! An answer of a service under test: status, headers and body, with the assertions every
//! service's tests need. Each assertion panics with the request and the body, so a failing test
//! says what it sent and what came back.
//!
//! ```ignore
//! let created = admin.post("/v1/organizations").json(&draft).send().await;
//! let body = created.expect(StatusCode::CREATED);           // the JSON body
//! let etag = created.etag();                                // "\"1\""
//! admin.post("/v1/organizations").json(&json!({})).send().await
//!     .expect_validation(&["/name", "/kind"]);              // 422 with these pointers
//! reply.expect_conflict("organization_name_unique");        // 409 naming the rule
//! reply.expect_problem(StatusCode::FORBIDDEN, "forbidden"); // any RFC 9457 problem
//! ```

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

/// Where the `type` URLs of the platform's problems start.
pub const PROBLEM_BASE: &str = "https://qmf-heilbronn-franken.de/problems/";

/// The content type of RFC 9457 problems.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A response, read completely. The body is the JSON the service sent, `Null` when it sent
/// none, or the text as a JSON string when it was not JSON (CSV, metrics, HTML).
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    /// `METHOD /path?query` of the request, for messages.
    pub request: String,
}

impl Reply {
    /// Reads a whole response; `method` only names the request in messages.
    pub async fn read(method: &str, response: reqwest::Response) -> Reply {
        let url = response.url();
        let request = match url.query() {
            Some(query) => format!("{method} {}?{query}", url.path()),
            None => format!("{method} {}", url.path()),
        };
        let status = response.status();
        let headers = response.headers().clone();
        let text = match response.text().await {
            Ok(text) => text,
            Err(e) => panic!("{request}: the body of the {status} answer broke off: {e}"),
        };
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        };
        Reply {
            status,
            headers,
            body,
            request,
        }
    }

    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(&self, status: StatusCode) -> &Value {
        assert_eq!(
            self.status, status,
            "{}: unexpected status; body: {}",
            self.request, self.body
        );
        &self.body
    }

    /// A header as text, `None` when absent (or not text).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The `ETag` header; panics when there is none.
    #[track_caller]
    pub fn etag(&self) -> String {
        match self.header("etag") {
            Some(etag) => etag.to_string(),
            None => panic!(
                "{}: no ETag; status {} body {}",
                self.request, self.status, self.body
            ),
        }
    }

    /// The `id` member of the body as text; panics when there is none.
    #[track_caller]
    pub fn id(&self) -> String {
        match self.body["id"].as_str() {
            Some(id) => id.to_string(),
            None => panic!("{}: no id in {} {}", self.request, self.status, self.body),
        }
    }

    /// Asserts an RFC 9457 problem: `status`, content type `application/problem+json`, a
    /// `type` of [`PROBLEM_BASE`] + `slug`, the same `status` member and a `title`.
    #[track_caller]
    pub fn expect_problem(&self, status: StatusCode, slug: &str) -> &Value {
        self.expect(status);
        assert_eq!(
            self.header("content-type"),
            Some(PROBLEM_JSON),
            "{}: problem content type; body: {}",
            self.request,
            self.body
        );
        assert_eq!(
            self.body["type"],
            format!("{PROBLEM_BASE}{slug}"),
            "{}: {}",
            self.request,
            self.body
        );
        assert_eq!(
            self.body["status"],
            status.as_u16(),
            "{}: {}",
            self.request,
            self.body
        );
        assert!(
            self.body["title"].is_string(),
            "{}: {}",
            self.request,
            self.body
        );
        &self.body
    }

    /// The `errors[].pointer` of a validation problem, in order.
    pub fn pointers(&self) -> Vec<String> {
        pointers(&self.body).into_iter().map(String::from).collect()
    }

    /// Asserts a 422 validation problem naming exactly `pointers`, in order, each with a
    /// message.
    #[track_caller]
    pub fn expect_validation(&self, pointers: &[&str]) -> &Value {
        self.expect_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(
            self.pointers(),
            pointers,
            "{}: body: {}",
            self.request,
            self.body
        );
        let errors = self.body["errors"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        for error in errors {
            assert!(
                error["message"].as_str().is_some_and(|m| !m.is_empty()),
                "{}: a validation error without message: {}",
                self.request,
                self.body
            );
        }
        &self.body
    }

    /// Asserts a 409 conflict naming `rule`.
    #[track_caller]
    pub fn expect_conflict(&self, rule: &str) -> &Value {
        self.expect_problem(StatusCode::CONFLICT, "conflict");
        assert_eq!(
            self.body["rule"], rule,
            "{}: body: {}",
            self.request, self.body
        );
        &self.body
    }
}

/// The `errors[].pointer` of a validation problem's body, in order; for a body already taken
/// from its [`Reply`] (e.g. by a fixture that returns bodies). Empty when it names none.
pub fn pointers(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["pointer"].as_str().unwrap_or("<no pointer>"))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use serde_json::json;

    fn reply(status: StatusCode, content_type: &str, body: Value) -> Reply {
        let mut headers = HeaderMap::new();
        headers.insert(
            "content-type",
            HeaderValue::from_str(content_type).unwrap_or(HeaderValue::from_static("x")),
        );
        Reply {
            status,
            headers,
            body,
            request: "POST /v1/things".into(),
        }
    }

    fn problem(status: u16, slug: &str) -> Value {
        json!({"type": format!("{PROBLEM_BASE}{slug}"), "title": "t", "status": status})
    }

    #[test]
    fn problems_are_checked_by_status_type_and_content_type() {
        let forbidden = reply(
            StatusCode::FORBIDDEN,
            PROBLEM_JSON,
            problem(403, "forbidden"),
        );
        forbidden.expect_problem(StatusCode::FORBIDDEN, "forbidden");
        for wrong in [
            reply(
                StatusCode::FORBIDDEN,
                "application/json",
                problem(403, "forbidden"),
            ),
            reply(
                StatusCode::FORBIDDEN,
                PROBLEM_JSON,
                problem(403, "not-found"),
            ),
            reply(
                StatusCode::FORBIDDEN,
                PROBLEM_JSON,
                problem(401, "forbidden"),
            ),
            reply(
                StatusCode::NOT_FOUND,
                PROBLEM_JSON,
                problem(403, "forbidden"),
            ),
        ] {
            let result = std::panic::catch_unwind(|| {
                wrong.expect_problem(StatusCode::FORBIDDEN, "forbidden");
            });
            assert!(result.is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn validation_problems_name_their_pointers_in_order() {
        let mut body = problem(422, "validation");
        body["errors"] = json!([
            {"pointer": "/name", "message": "required"},
            {"pointer": "/kind", "message": "unknown"}
        ]);
        let invalid = reply(StatusCode::UNPROCESSABLE_ENTITY, PROBLEM_JSON, body.clone());
        invalid.expect_validation(&["/name", "/kind"]);
        assert!(
            std::panic::catch_unwind(|| invalid.expect_validation(&["/kind", "/name"])).is_err()
        );
        body["errors"][1]["message"] = json!("");
        let silent = reply(StatusCode::UNPROCESSABLE_ENTITY, PROBLEM_JSON, body);
        assert!(
            std::panic::catch_unwind(|| silent.expect_validation(&["/name", "/kind"])).is_err()
        );
    }

    #[test]
    fn conflicts_name_their_rule() {
        let mut body = problem(409, "conflict");
        body["rule"] = json!("organization_inactive");
        let conflict = reply(StatusCode::CONFLICT, PROBLEM_JSON, body);
        conflict.expect_conflict("organization_inactive");
        assert!(std::panic::catch_unwind(|| conflict.expect_conflict("other_rule")).is_err());
    }
}
