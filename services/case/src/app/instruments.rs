//! The instrument catalogue: read by everyone who works with cases, released by the coordination.

use diesel_async::AsyncPgConnection;
use qmf_platform::{ApiError, ApiResult, FieldError, Principal, not_found};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::domain::instruments::{self, InstrumentKey};
use crate::store::audit;
use crate::store::instruments as store;

pub use crate::store::instruments::InstrumentRow;

/// A new instrument version.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Hilfeplangespräch / Fortschreibung (2027)", "description": "Adopted by the Forum on 2026-11-05.",
    "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", "required": ["development"],
        "properties": {"development": {"type": "string", "minLength": 1}}}}))]
pub struct Release {
    pub title: String,
    pub description: String,
    /// JSON Schema (2020-12; `$schema` may be left out) of the documents. It must constrain
    /// them: `type: object`, the fields in `properties` (at least one) and a non-empty
    /// `required` list of some of them.
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub schema: Value,
}

impl Release {
    /// Title, description and schema, each error with its pointer.
    pub fn validate(&self) -> ApiResult<()> {
        let mut errors = Vec::new();
        if self.title.trim().is_empty() || self.title.chars().count() > 200 {
            errors.push(FieldError::new("/title", "must have 1 to 200 characters"));
        }
        if self.description.chars().count() > 4000 {
            errors.push(FieldError::new(
                "/description",
                "must have at most 4000 characters",
            ));
        }
        if let Err(mut schema_errors) = instruments::check_schema(&self.schema) {
            errors.append(&mut schema_errors);
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// Every released instrument version, by key and version.
#[tracing::instrument(skip_all)]
pub async fn list(conn: &mut AsyncPgConnection) -> ApiResult<Vec<InstrumentRow>> {
    store::list(conn).await
}

/// One released instrument version.
#[tracing::instrument(skip_all, fields(key = ?key, version))]
pub async fn get(
    conn: &mut AsyncPgConnection,
    key: InstrumentKey,
    version: i32,
) -> ApiResult<InstrumentRow> {
    store::find(conn, key, version)
        .await?
        .ok_or_else(|| not_found("instrument version"))
}

/// Releases the next version of an instrument, audited as `instrument.release` about
/// `instrument/{key}/{version}`.
#[tracing::instrument(skip_all, fields(key = ?key))]
pub async fn release(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    key: InstrumentKey,
    input: &Release,
) -> ApiResult<InstrumentRow> {
    let row = store::release(
        conn,
        key,
        input.title.trim(),
        &input.description,
        &input.schema,
        &principal.subject,
    )
    .await?;
    let target = format!("instrument/{}/{}", row.key, row.version);
    audit::record_about(conn, principal, &target, "instrument.release").await?;
    crate::events::instrument_released(conn, &row).await?;
    Ok(row)
}
