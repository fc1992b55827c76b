//! RFC 9457 problem details: the one error shape every QMF endpoint returns.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Base of the `type` URIs of our problems; each problem kind has a stable slug.
pub const PROBLEM_TYPE_BASE: &str = "https://qmf-heilbronn-franken.de/problems/";

/// One invalid input field, addressed by a JSON pointer (RFC 6901) into the request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"pointer": "/name", "message": "must not be empty"}))]
pub struct FieldError {
    /// JSON pointer to the offending field (`/address/postal_code`), or to a CSV cell (`/rows/3/name`).
    pub pointer: String,
    /// What is wrong, in plain English.
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// The body of every error response (`application/problem+json`, RFC 9457).
/// One of several rules checked together (a dialogue's date, guests and room, say) that the
/// request would break, with the people, organisations and days that cause it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"rule": "guest_unavailable", "message": "1 guest is absent on 2027-05-12",
    "people": ["01936f40-0000-7000-8000-000000000001"], "dates": ["2027-05-12"]}))]
pub struct Violation {
    /// The rule's stable name.
    pub rule: String,
    /// What is wrong, in plain words.
    pub message: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub organizations: Vec<uuid::Uuid>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dates: Vec<chrono::NaiveDate>,
}

impl Violation {
    pub fn new(rule: impl crate::rules::RuleName, message: impl Into<String>) -> Self {
        Violation {
            rule: rule.name().to_string(),
            message: message.into(),
            people: vec![],
            organizations: vec![],
            dates: vec![],
        }
    }

    pub fn people(mut self, people: impl IntoIterator<Item = uuid::Uuid>) -> Self {
        self.people.extend(people);
        self
    }

    pub fn organizations(mut self, organizations: impl IntoIterator<Item = uuid::Uuid>) -> Self {
        self.organizations.extend(organizations);
        self
    }

    pub fn dates(mut self, dates: impl IntoIterator<Item = chrono::NaiveDate>) -> Self {
        self.dates.extend(dates);
        self
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "type": "https://qmf-heilbronn-franken.de/problems/validation",
    "title": "The request is not valid",
    "status": 422,
    "detail": "2 fields are invalid",
    "errors": [{"pointer": "/name", "message": "must not be empty"}]
}))]
pub struct Problem {
    /// URI identifying the kind of problem; stable, safe to switch on.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// Short summary of the problem kind.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Explanation of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Field-level validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The domain rule that refused a command (for 409 conflicts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// With a 409 for several rules checked together: every broken rule; `rule` names the
    /// first of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<Violation>,
}

/// Every error a handler can return. Converts into a problem response.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("validation failed")]
    Validation(Vec<FieldError>),
    #[error("authentication required: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("method not allowed")]
    MethodNotAllowed { allow: Vec<String> },
    #[error("conflict with rule {rule}: {detail}")]
    Conflict { rule: String, detail: String },
    /// Several rules checked together are broken (409); never empty.
    #[error("{} rules broken", .0.len())]
    Violations(Vec<Violation>),
    #[error("precondition required: {0}")]
    PreconditionRequired(String),
    #[error("precondition failed: {0}")]
    PreconditionFailed(String),
    #[error("payload too large: {0}")]
    PayloadTooLarge(String),
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("idempotency key reused with another request")]
    IdempotencyKeyReused,
    #[error("a request with this idempotency key is still being processed")]
    IdempotencyKeyInFlight,
    #[error("request header too large: {0}")]
    HeaderTooLarge(String),
    #[error("request timeout: {0}")]
    RequestTimeout(String),
    #[error("too many requests; retry after {retry_after_secs} s")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Anything unexpected; the cause goes to the log, never to the client.
    #[error("internal error: {0}")]
    Internal(String),
}

impl ApiError {
    pub fn validation(pointer: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError::Validation(vec![FieldError::new(pointer, message)])
    }

    /// 409 for breaking `rule`, one of the service's typed rules (see [`crate::rules`]).
    pub fn conflict(rule: impl crate::rules::RuleName, detail: impl Into<String>) -> Self {
        ApiError::Conflict {
            rule: rule.name().into(),
            detail: detail.into(),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        ApiError::Internal(cause.to_string())
    }

    fn slug_and_title(&self) -> (&'static str, &'static str) {
        match self {
            ApiError::BadRequest(_) => ("bad-request", "The request is malformed"),
            ApiError::Validation(_) => ("validation", "The request is not valid"),
            ApiError::Unauthorized(_) => ("unauthorized", "Authentication is required"),
            ApiError::Forbidden(_) => ("forbidden", "This action is not allowed for you"),
            ApiError::NotFound(_) => ("not-found", "The resource does not exist"),
            ApiError::MethodNotAllowed { .. } => (
                "method-not-allowed",
                "The method is not allowed on this resource",
            ),
            ApiError::Conflict { .. } | ApiError::Violations(_) => {
                ("conflict", "The request conflicts with a rule")
            }
            ApiError::PreconditionRequired(_) => {
                ("precondition-required", "An If-Match header is required")
            }
            ApiError::PreconditionFailed(_) => (
                "precondition-failed",
                "The resource has changed since it was read",
            ),
            ApiError::PayloadTooLarge(_) => ("payload-too-large", "The request body is too large"),
            ApiError::UnsupportedMediaType(_) => (
                "unsupported-media-type",
                "The request body has the wrong content type",
            ),
            ApiError::IdempotencyKeyReused => (
                "idempotency-key-reused",
                "The idempotency key was used for a different request",
            ),
            ApiError::IdempotencyKeyInFlight => (
                "idempotency-key-in-flight",
                "A request with this idempotency key is still being processed",
            ),
            ApiError::HeaderTooLarge(_) => (
                "header-too-large",
                "A request header or the request line is too large",
            ),
            ApiError::RequestTimeout(_) => {
                ("request-timeout", "The request was not received in time")
            }
            ApiError::TooManyRequests { .. } => (
                "too-many-requests",
                "Too many requests; slow down and retry later",
            ),
            ApiError::Unavailable(_) => ("unavailable", "The service is temporarily unavailable"),
            ApiError::Internal(_) => ("internal", "Internal server error"),
        }
    }

    /// The problem body; 5xx bodies are generic so no internals leak.
    pub fn problem(&self) -> Problem {
        let (slug, title) = self.slug_and_title();
        let status = self.status_code().as_u16();
        let (detail, errors, rule) = match self {
            ApiError::Validation(errors) => (
                Some(match errors.len() {
                    1 => "1 field is invalid".to_string(),
                    n => format!("{n} fields are invalid"),
                }),
                errors.clone(),
                None,
            ),
            ApiError::Conflict { rule, detail } => {
                (Some(detail.clone()), vec![], Some(rule.clone()))
            }
            ApiError::Violations(violations) => {
                let names: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
                let detail = match violations.as_slice() {
                    [only] => only.message.clone(),
                    _ => format!("{} rules are broken: {}", names.len(), names.join(", ")),
                };
                (Some(detail), vec![], names.first().map(|n| n.to_string()))
            }
            ApiError::MethodNotAllowed { allow } => (
                Some(format!("allowed methods: {}", allow.join(", "))),
                vec![],
                None,
            ),
            ApiError::Internal(_) => (
                Some("The request could not be completed; the cause has been logged.".into()),
                vec![],
                None,
            ),
            ApiError::Unavailable(_) => (
                Some("A dependency of the service is unavailable; try again later.".into()),
                vec![],
                None,
            ),
            ApiError::IdempotencyKeyReused | ApiError::IdempotencyKeyInFlight => {
                (None, vec![], None)
            }
            ApiError::TooManyRequests { retry_after_secs } => (
                Some(format!(
                    "The rate limit was reached; retry after {retry_after_secs} seconds."
                )),
                vec![],
                None,
            ),
            ApiError::BadRequest(d)
            | ApiError::Unauthorized(d)
            | ApiError::Forbidden(d)
            | ApiError::NotFound(d)
            | ApiError::PreconditionRequired(d)
            | ApiError::PreconditionFailed(d)
            | ApiError::PayloadTooLarge(d)
            | ApiError::HeaderTooLarge(d)
            | ApiError::RequestTimeout(d)
            | ApiError::UnsupportedMediaType(d) => (Some(d.clone()), vec![], None),
        };
        Problem {
            problem_type: format!("{PROBLEM_TYPE_BASE}{slug}"),
            title: title.to_string(),
            status,
            detail,
            errors,
            rule,
            violations: match self {
                ApiError::Violations(violations) => violations.clone(),
                _ => vec![],
            },
        }
    }
}

impl ApiError {
    /// What a log line may say about this error: its kind, the broken rules and the pointers of
    /// invalid fields, never a message. Messages can repeat input (a name in a search, a value
    /// the JSON parser refused) or name people (the planner's violations), and logs must hold no
    /// personal data. A server error's cause is logged separately when its response is built.
    pub fn log_summary(&self) -> String {
        match self {
            ApiError::Validation(errors) => {
                let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
                format!("validation failed at {}", pointers.join(", "))
            }
            ApiError::Conflict { rule, .. } => format!("conflict with rule {rule}"),
            ApiError::Violations(violations) => {
                let rules: Vec<&str> = violations.iter().map(|v| v.rule.as_str()).collect();
                format!("rules broken: {}", rules.join(", "))
            }
            ApiError::MethodNotAllowed { .. }
            | ApiError::IdempotencyKeyReused
            | ApiError::IdempotencyKeyInFlight
            | ApiError::TooManyRequests { .. } => self.to_string(),
            _ => self
                .status_code()
                .canonical_reason()
                .unwrap_or("error")
                .to_lowercase(),
        }
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Validation(_) | ApiError::IdempotencyKeyReused => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. }
            | ApiError::Violations(_)
            | ApiError::IdempotencyKeyInFlight => StatusCode::CONFLICT,
            ApiError::PreconditionRequired(_) => StatusCode::PRECONDITION_REQUIRED,
            ApiError::PreconditionFailed(_) => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ApiError::HeaderTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if self.status_code().is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = HttpResponse::build(self.status_code());
        response.insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        ));
        match self {
            ApiError::Unauthorized(_) => {
                response.insert_header((
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"qmf\""),
                ));
            }
            ApiError::MethodNotAllowed { allow } => {
                if let Ok(value) = HeaderValue::from_str(&allow.join(", ")) {
                    response.insert_header((header::ALLOW, value));
                }
            }
            ApiError::TooManyRequests { retry_after_secs } => {
                response.insert_header((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            ApiError::RequestTimeout(_) | ApiError::HeaderTooLarge(_) => {
                response.insert_header((header::CONNECTION, HeaderValue::from_static("close")));
            }
            _ => {}
        }
        response.json(self.problem())
    }
}

impl From<diesel::result::Error> for ApiError {
    fn from(error: diesel::result::Error) -> Self {
        use diesel::result::DatabaseErrorKind::{ClosedConnection, UnableToSendCommand};
        match error {
            diesel::result::Error::NotFound => ApiError::NotFound("no such resource".into()),
            // The connection went away under the request (database restarted, network cut):
            // the request may be retried; the pool replaces the connection at the next checkout.
            diesel::result::Error::DatabaseError(ClosedConnection | UnableToSendCommand, info) => {
                ApiError::Unavailable(format!("database connection lost: {}", info.message()))
            }
            // The server ends the session: shutdown or restart (SQLSTATE 57P01–57P03). The
            // driver keeps the SQLSTATE to itself, so the server's (English) message tells.
            diesel::result::Error::DatabaseError(_, info) if server_going_away(info.message()) => {
                ApiError::Unavailable(format!("database unavailable: {}", info.message()))
            }
            other => ApiError::Internal(format!("database: {other}")),
        }
    }
}

/// Whether a database error says the server is ending the session or not taking any: admin
/// shutdown, crash of another backend, shutting down, starting up, in recovery.
fn server_going_away(message: &str) -> bool {
    message.starts_with("terminating connection") || message.starts_with("the database system is")
}

impl From<diesel_async::pooled_connection::deadpool::PoolError> for ApiError {
    fn from(error: diesel_async::pooled_connection::deadpool::PoolError) -> Self {
        ApiError::Unavailable(format!("database pool: {error}"))
    }
}

/// Maps actix's JSON body errors (syntax, unknown fields, size, content type) to problems.
pub fn json_error_handler(
    err: actix_web::error::JsonPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let api = match &err {
        E::OverflowKnownLength { length, limit } => {
            ApiError::PayloadTooLarge(format!("body has {length} bytes, the limit is {limit}"))
        }
        E::Overflow { limit } => ApiError::PayloadTooLarge(format!("the limit is {limit} bytes")),
        E::ContentType => {
            ApiError::UnsupportedMediaType("expected Content-Type: application/json".into())
        }
        E::Deserialize(e) if e.is_data() => ApiError::Validation(vec![FieldError::new(
            "",
            crate::json::strip_position(&e.to_string()),
        )]),
        E::Deserialize(e) => ApiError::BadRequest(format!("invalid JSON: {e}")),
        E::Payload(e) => return payload_error_ref(e).into(),
        other => ApiError::BadRequest(format!("could not read the body: {other}")),
    };
    api.into()
}

/// Maps path extractor errors (a malformed id in the URL) to 404: such a resource cannot exist.
pub fn path_error_handler(
    err: actix_web::error::PathError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::NotFound(format!("no resource at this path ({err})")).into()
}

/// Maps query-string extractor errors to 400 with the reason.
pub fn query_error_handler(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::BadRequest(format!(
        "invalid query string: {}",
        crate::json::strip_position(&err.to_string())
    ))
    .into()
}

fn payload_error_ref(err: &actix_web::error::PayloadError) -> ApiError {
    match err {
        actix_web::error::PayloadError::Overflow => {
            ApiError::PayloadTooLarge("the request body is too large".into())
        }
        actix_web::error::PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            ApiError::RequestTimeout("the request body was not received in time".into())
        }
        _ => ApiError::BadRequest("could not read the body".into()),
    }
}

/// Maps raw payload errors (CSV upload bodies) to problems.
pub fn payload_error(err: actix_web::error::PayloadError) -> ApiError {
    match err {
        actix_web::error::PayloadError::Overflow => {
            ApiError::PayloadTooLarge("the request body is too large".into())
        }
        actix_web::error::PayloadError::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => {
            ApiError::RequestTimeout("the request body was not received in time".into())
        }
        other => ApiError::BadRequest(format!("could not read the body: {other}")),
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    crate::rules! {
        pub enum TestRule {
            GuestUnavailable = "guest_unavailable",
            RoomCapacity = "room_capacity",
        }
    }

    #[test]
    fn log_summaries_name_kinds_rules_and_fields_but_repeat_no_message() {
        let cases = [
            (
                ApiError::Violations(vec![
                    Violation::new(
                        TestRule::GuestUnavailable,
                        "guest Vorname Nachname is away on 2027-05-05",
                    ),
                    Violation::new(TestRule::RoomCapacity, "room of Anna Beispiel too small"),
                ]),
                "rules broken: guest_unavailable, room_capacity",
            ),
            (
                ApiError::Validation(vec![
                    FieldError::new("/young_person/given_name", "Mia is too long"),
                    FieldError::new("/email", "mia@example.org is not an address"),
                ]),
                "validation failed at /young_person/given_name, /email",
            ),
            (
                ApiError::Conflict {
                    rule: "person_inactive".into(),
                    detail: "Anna Beispiel left in 2024".into(),
                },
                "conflict with rule person_inactive",
            ),
            (
                ApiError::BadRequest("unknown variant `Beispiel`, expected `mother`".into()),
                "bad request",
            ),
            (
                ApiError::NotFound("no person Anna Beispiel".into()),
                "not found",
            ),
        ];
        for (error, summary) in cases {
            assert_eq!(error.log_summary(), summary);
        }
    }

    #[test]
    fn a_database_going_away_answers_503_and_other_database_errors_500() {
        use diesel::result::{DatabaseErrorKind, Error};
        let database = |kind, message: &str| {
            ApiError::from(Error::DatabaseError(kind, Box::new(message.to_string()))).status_code()
        };
        for message in [
            "terminating connection due to administrator command",
            "terminating connection because of crash of another server process",
            "the database system is shutting down",
            "the database system is starting up",
        ] {
            assert_eq!(
                database(DatabaseErrorKind::Unknown, message),
                StatusCode::SERVICE_UNAVAILABLE,
                "{message}"
            );
        }
        assert_eq!(
            database(DatabaseErrorKind::ClosedConnection, "connection closed"),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            database(DatabaseErrorKind::Unknown, "division by zero"),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }

    #[test]
    fn several_broken_rules_answer_409_naming_each_with_what_causes_it() {
        let person = uuid::Uuid::now_v7();
        let day = chrono::NaiveDate::from_ymd_opt(2027, 5, 12).unwrap();
        let error = ApiError::Violations(vec![
            Violation::new(TestRule::GuestUnavailable, "1 guest is absent")
                .people([person])
                .dates([day]),
            Violation::new(TestRule::RoomCapacity, "9 participants, the room holds 8"),
        ]);
        assert_eq!(TestRule::ALL.len(), 2);
        assert_eq!(error.status_code(), StatusCode::CONFLICT);
        let problem = serde_json::to_value(error.problem()).unwrap();
        assert_eq!(problem["rule"], "guest_unavailable");
        assert_eq!(
            problem["detail"],
            "2 rules are broken: guest_unavailable, room_capacity"
        );
        assert_eq!(
            problem["violations"],
            serde_json::json!([
                {"rule": "guest_unavailable", "message": "1 guest is absent",
                 "people": [person], "dates": ["2027-05-12"]},
                {"rule": "room_capacity", "message": "9 participants, the room holds 8"}
            ])
        );
        let one = ApiError::Violations(vec![Violation::new(
            TestRule::RoomCapacity,
            "9 participants, the room holds 8",
        )]);
        assert_eq!(
            one.problem().detail.as_deref(),
            Some("9 participants, the room holds 8")
        );
        // Other problems carry no violations member at all.
        let plain = serde_json::to_value(ApiError::NotFound("x".into()).problem()).unwrap();
        assert!(plain.get("violations").is_none());
    }
}
