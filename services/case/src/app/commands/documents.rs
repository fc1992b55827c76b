//! What several steps carry: a filled instrument (stored encrypted, validated against its
//! version's JSON Schema) and ratings of the goals of the plan in force.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use diesel_async::AsyncPgConnection;
use jsonschema::Validator;
use qmf_platform::{ApiError, ApiResult, FieldError};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use super::Locked;
use crate::domain::codes::RATING_SCALE;
use crate::domain::instruments::{self, InstrumentKey};
use crate::store::instruments::{self as instrument_store, NewDocument};
use crate::store::plans as plan_store;

/// A filled instrument attached to a step.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"instrument_version": 1, "content": {"development": "Regelmäßiger Schulbesuch seit März.", "continue_help": true}}))]
pub struct DocumentInput {
    /// Version of the instrument; the newest released version when omitted.
    #[serde(default)]
    pub instrument_version: Option<i32>,
    /// The filled form; must satisfy the instrument version's JSON Schema.
    #[schema(value_type = std::collections::BTreeMap<String, serde_json::Value>)]
    pub content: Value,
}

/// A rating of one goal of the plan in force.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"goal_id": "01937a30-0000-7000-8000-0000000000e1", "rating": 4}))]
pub struct GoalRating {
    pub goal_id: Uuid,
    /// 1 not reached, 2 hardly, 3 partly, 4 largely, 5 fully reached.
    #[schema(minimum = 1, maximum = 5)]
    pub rating: i32,
}

/// 422 with `errors`, unless there are none.
pub fn valid(errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

/// Checks a text of 1 to `max` characters (trimmed) at `pointer`.
pub fn text(pointer: &str, value: &str, max: usize) -> ApiResult<()> {
    let len = value.trim().chars().count();
    if len == 0 || len > max {
        return Err(ApiError::validation(
            pointer,
            format!("must have 1 to {max} characters"),
        ));
    }
    Ok(())
}

/// Compiled schemas of instrument versions. A released version never changes, so its compiled
/// schema is kept for the life of the process (a handful of versions; the map is emptied should
/// it ever hold more than [`MAX_COMPILED`]).
static COMPILED: LazyLock<Mutex<CompiledSchemas>> = LazyLock::new(Mutex::default);

/// Compiled schemas by instrument and version.
type CompiledSchemas = HashMap<(InstrumentKey, i32), Arc<Validator>>;

/// Most compiled schemas kept.
const MAX_COMPILED: usize = 256;

/// The compiled schema of instrument `key` at `version`, if it was compiled before.
fn cached(key: InstrumentKey, version: i32) -> ApiResult<Option<Arc<Validator>>> {
    Ok(COMPILED
        .lock()
        .map_err(|_| ApiError::internal("the schema cache is poisoned"))?
        .get(&(key, version))
        .cloned())
}

/// Compiles the schema of instrument `key` at `version` and keeps it.
fn compile(key: InstrumentKey, version: i32, schema: &Value) -> ApiResult<Arc<Validator>> {
    let validator =
        Arc::new(instruments::compile(schema, "/document/content").map_err(ApiError::Validation)?);
    let mut cache = COMPILED
        .lock()
        .map_err(|_| ApiError::internal("the schema cache is poisoned"))?;
    if cache.len() >= MAX_COMPILED {
        cache.clear();
    }
    cache.insert((key, version), Arc::clone(&validator));
    Ok(validator)
}

/// The compiled schema of instrument `key` at `version` (the newest version when `None`): a
/// version compiled before is taken from memory, with no query when the version is named; the
/// schema itself is read only the first time.
async fn validator(
    conn: &mut AsyncPgConnection,
    key: InstrumentKey,
    version: Option<i32>,
) -> ApiResult<(i32, Arc<Validator>)> {
    let version = match version {
        Some(version) => version,
        None => instrument_store::latest_version(conn, key)
            .await?
            .ok_or_else(|| ApiError::Internal(format!("no {key:?} instrument released")))?,
    };
    if let Some(validator) = cached(key, version)? {
        return Ok((version, validator));
    }
    let instrument = instrument_store::find(conn, key, version)
        .await?
        .ok_or_else(|| {
            ApiError::validation(
                "/document/instrument_version",
                "no such version of this instrument",
            )
        })?;
    Ok((version, compile(key, version, &instrument.schema)?))
}

/// Validates and stores a document of `key` for the locked case, encrypted; returns its id and
/// instrument version.
pub(super) async fn store_document(
    conn: &mut AsyncPgConnection,
    locked: &Locked<'_>,
    key: InstrumentKey,
    input: &DocumentInput,
) -> ApiResult<(Uuid, i32)> {
    let (version, validator) = validator(conn, key, input.instrument_version).await?;
    instruments::check_document(&validator, &input.content, "/document/content")
        .map_err(ApiError::Validation)?;
    let case_id = locked.case.id;
    let (key_id, sealed) = locked
        .caller
        .settings
        .keyring
        .seal_json(case_id, &input.content);
    let id = instrument_store::insert_document(
        conn,
        NewDocument {
            case_id,
            key,
            version,
            sealed: &sealed,
            key_id: &key_id,
            created_by: &locked.caller.principal.subject,
        },
    )
    .await?;
    Ok((id, version))
}

/// The ids of a plan's goals, in their order.
pub(super) async fn goal_ids(conn: &mut AsyncPgConnection, plan_id: Uuid) -> ApiResult<Vec<Uuid>> {
    Ok(plan_store::goals(conn, plan_id)
        .await?
        .into_iter()
        .map(|g| g.id)
        .collect())
}

/// Checks that `ratings` rate every goal of the plan exactly once, on the scale (422 with a
/// pointer below `pointer` for each problem); returns them as (goal, rating) pairs.
pub(super) fn check_ratings(
    ratings: &[GoalRating],
    goals: &[Uuid],
    pointer: &str,
) -> ApiResult<Vec<(Uuid, i32)>> {
    let mut errors = Vec::new();
    for (i, rating) in ratings.iter().enumerate() {
        if !RATING_SCALE.contains(&rating.rating) {
            errors.push(FieldError::new(
                format!("{pointer}/{i}/rating"),
                "must be 1 to 5",
            ));
        }
        if !goals.contains(&rating.goal_id) {
            errors.push(FieldError::new(
                format!("{pointer}/{i}/goal_id"),
                "is not a goal of the plan in force",
            ));
        }
        if ratings[..i].iter().any(|r| r.goal_id == rating.goal_id) {
            errors.push(FieldError::new(
                format!("{pointer}/{i}/goal_id"),
                "rates a goal twice",
            ));
        }
    }
    if goals
        .iter()
        .any(|goal| !ratings.iter().any(|r| r.goal_id == *goal))
    {
        errors.push(FieldError::new(
            pointer,
            "must rate every goal of the plan in force",
        ));
    }
    valid(errors)?;
    Ok(ratings.iter().map(|r| (r.goal_id, r.rating)).collect())
}
