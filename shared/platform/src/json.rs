//! JSON request bodies whose errors point at the offending field.
//!
//! Like `actix_web::web::Json`, but a body that does not match the schema is answered with a
//! 422 problem whose `errors[].pointer` names the field (`/address/postal_code`), so clients
//! can show the error next to the input.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::{ApiError, FieldError};

/// Size limit of JSON bodies, registered as app data by the HTTP shell.
#[derive(Clone, Copy)]
pub struct JsonLimit(pub usize);

/// A JSON body of type `T`, parsed when the handler asks for it.
///
/// Extraction never fails: a body that is missing, too large, of the wrong content type or
/// invalid is answered only when the handler calls [`Json::into_inner`], which it does after
/// its access check. So a caller who may not use an endpoint learns that (403) before anything
/// about the body (422) — validation errors tell nothing to whom the endpoint is closed anyway.
#[derive(Debug)]
pub struct Json<T>(Result<T, ApiError>);

impl<T> Json<T> {
    /// The parsed body, or the problem with it.
    pub fn into_inner(self) -> Result<T, ApiError> {
        self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<JsonLimit>()
            .map(|l| l.0)
            .unwrap_or(256 * 1024);
        let content_type = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let mut payload = payload.take();
        Box::pin(async move {
            let body = async {
                match content_type.as_deref() {
                    Some("application/json") => {}
                    Some(ct) if ct.starts_with("application/") && ct.ends_with("+json") => {}
                    _ => {
                        return Err(ApiError::UnsupportedMediaType(
                            "expected Content-Type: application/json".into(),
                        ));
                    }
                }
                let mut body = actix_web::web::BytesMut::new();
                while let Some(chunk) = payload.next().await {
                    let chunk = chunk.map_err(crate::error::payload_error)?;
                    if body.len() + chunk.len() > limit {
                        return Err(ApiError::PayloadTooLarge(format!(
                            "the limit is {limit} bytes"
                        )));
                    }
                    body.extend_from_slice(&chunk);
                }
                parse(&body)
            };
            Ok(Json(body.await))
        })
    }
}

/// Deserializes `body`, reporting syntax errors as 400 and schema mismatches as 422 with a pointer.
///
/// Every string and object key passes the platform's text rules first ([`crate::text`]):
/// control and bidirectional override characters, invisible-only text and out-of-range dates
/// are refused with a pointer each, and text is normalised to NFC before the handler sees it.
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut value: serde_json::Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))?;
    let mut errors = Vec::new();
    clean_value(&mut value, &mut String::new(), &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    from_value(value)
}

/// Deserializes an already cleaned JSON value, reporting mismatches with a pointer.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let mut pointer = pointer(error.path());
        let message = strip_position(&error.into_inner().to_string());
        // serde reports a missing field at the object that lacks it; point at the field.
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|rest| rest.strip_suffix('`'))
        {
            pointer.push('/');
            pointer.push_str(&field.replace('~', "~0").replace('/', "~1"));
            return ApiError::Validation(vec![FieldError::new(pointer, "is required")]);
        }
        ApiError::Validation(vec![FieldError::new(pointer, message)])
    })
}

/// Applies [`crate::text::clean`] to every string and key of `value`, in place.
fn clean_value(value: &mut serde_json::Value, at: &mut String, errors: &mut Vec<FieldError>) {
    use serde_json::Value;
    match value {
        Value::String(text) => match crate::text::clean(text) {
            Ok(std::borrow::Cow::Owned(normalised)) => *text = normalised,
            Ok(std::borrow::Cow::Borrowed(_)) => {}
            Err(e) => errors.push(FieldError::new(at.clone(), e.message())),
        },
        Value::Array(items) => {
            for (index, item) in items.iter_mut().enumerate() {
                let len = at.len();
                at.push('/');
                at.push_str(&index.to_string());
                clean_value(item, at, errors);
                at.truncate(len);
            }
        }
        Value::Object(map) => {
            let needs_rekey = map
                .keys()
                .any(|key| !matches!(crate::text::clean(key), Ok(std::borrow::Cow::Borrowed(_))));
            if needs_rekey {
                let entries = std::mem::take(map);
                for (key, item) in entries {
                    match crate::text::clean(&key) {
                        Ok(clean) => {
                            map.insert(clean.into_owned(), item);
                        }
                        Err(e) => errors.push(FieldError::new(
                            format!("{at}/{}", key.replace('~', "~0").replace('/', "~1")),
                            format!("field name {}", e.message()),
                        )),
                    }
                }
            }
            for (key, item) in map.iter_mut() {
                let len = at.len();
                at.push('/');
                at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                clean_value(item, at, errors);
                at.truncate(len);
            }
        }
        _ => {}
    }
}

fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    path.iter()
        .filter_map(|segment| match segment {
            Segment::Seq { index } => Some(index.to_string()),
            Segment::Map { key } => Some(key.replace('~', "~0").replace('/', "~1")),
            Segment::Enum { .. } | Segment::Unknown => None,
        })
        .map(|s| format!("/{s}"))
        .collect()
}

/// serde's message without its position and without the submitted value: request bodies may
/// hold personal data, and error messages end up in logs.
pub(crate) fn strip_position(message: &str) -> String {
    let message = match message.rfind(" at line ") {
        Some(index) => &message[..index],
        None => message,
    };
    for (prefix, replacement) in [
        ("invalid type: ", "invalid type"),
        ("invalid value: ", "invalid value"),
        ("unknown variant ", "unknown value"),
    ] {
        if let Some(rest) = message.strip_prefix(prefix) {
            return match rest.rfind(", expected ") {
                Some(index) => format!("{replacement}{}", &rest[index..]),
                None => replacement.to_string(),
            };
        }
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde::Deserialize;

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Outer {
        name: String,
        inner: Inner,
        list: Vec<u8>,
    }

    #[allow(dead_code)]
    #[derive(Debug, Deserialize)]
    struct Inner {
        code: u8,
    }

    fn pointer_of(body: &str) -> Option<String> {
        match parse::<Outer>(body.as_bytes()) {
            Err(ApiError::Validation(errors)) => Some(errors[0].pointer.clone()),
            _ => None,
        }
    }

    #[test]
    fn schema_errors_point_at_the_field() {
        assert_eq!(
            pointer_of(r#"{"name":"a","inner":{"code":"x"},"list":[]}"#).as_deref(),
            Some("/inner/code")
        );
        assert_eq!(
            pointer_of(r#"{"name":"a","inner":{"code":1},"list":[1,"x"]}"#).as_deref(),
            Some("/list/1")
        );
        assert_eq!(
            pointer_of(r#"{"name":"a","inner":{"code":1}}"#).as_deref(),
            Some("/list")
        );
        assert_eq!(
            pointer_of(r#"{"name":"a","inner":{},"list":[]}"#).as_deref(),
            Some("/inner/code")
        );
    }

    #[test]
    fn messages_never_repeat_the_submitted_value() {
        let errors =
            match parse::<Outer>(br#"{"name":"a","inner":{"code":"Mia Beispiel"},"list":[]}"#) {
                Err(ApiError::Validation(errors)) => errors,
                other => panic!("{other:?}"),
            };
        assert!(!errors[0].message.contains("Mia"), "{}", errors[0].message);
        assert!(
            errors[0].message.starts_with("invalid type, expected"),
            "{}",
            errors[0].message
        );
    }

    #[test]
    fn text_rules_apply_to_every_string_with_a_pointer() {
        let errors = match parse::<serde_json::Value>(
            br#"{"name":"a\u0000b","list":["ok","\u202Eevil"],"when":"+10000-01-01"}"#,
        ) {
            Err(ApiError::Validation(errors)) => errors,
            other => panic!("{other:?}"),
        };
        let pointers: Vec<&str> = errors.iter().map(|e| e.pointer.as_str()).collect();
        assert_eq!(pointers, ["/list/1", "/name", "/when"]);
        let normalised: serde_json::Value =
            parse("{\"name\":\"Mu\u{0308}ller\"}".as_bytes()).unwrap();
        assert_eq!(normalised["name"], "M\u{00FC}ller");
    }

    #[test]
    fn syntax_errors_are_bad_requests() {
        assert!(matches!(
            parse::<Outer>(b"{\"name\":"),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Outer>(br#"{"name":"a","inner":{"code":1},"list":[]} x"#),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Outer>(br#"{"name":"a"} x"#),
            Err(ApiError::BadRequest(_))
        ));
        assert!(matches!(
            parse::<Outer>(br#"{"name":1, "inner": "#),
            Err(ApiError::BadRequest(_))
        ));
    }
}
