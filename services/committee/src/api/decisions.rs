//! The Forum's decisions (Beschlüsse) and the searchable decision register.

use actix_web::{get, post, web};
use chrono::NaiveDate;
use qmf_platform::{
    ApiError, ApiResult, DbPool, Json, Page, PageParams, Paged, Principal, Reply, Write,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app;
use crate::domain::access;
use crate::domain::decisions::DecisionKind;
use crate::model::decisions::{Decision, DecisionInput};
use crate::store::decisions::DecisionFilter;

/// Record a decision of the Forum that has no topic (e.g. an expert day agreed in the meeting).
///
/// The management's office (`committee_secretary`) or admins, in a Forum meeting that was held
/// and whose minutes are not yet approved. A decision to set up or dissolve a working group
/// does so in the same transaction. Decisions on topics are recorded with the topic's
/// `decide` step instead.
#[utoipa::path(
    tag = "decisions",
    operation_id = "record_decision",
    request_body = DecisionInput,
    params(("id" = Uuid, Path, description = "Meeting id")),
    responses(
        (status = 201, description = "Recorded.", body = Decision, headers(("Location" = String, description = "URL of the decision"))),
        (status = 403, description = "Only admins and the committee secretary.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such meeting.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `decisions_belong_to_the_forum`, `forum_meeting_not_held`, `meeting_is_final`, `body_name_unique`, `only_temporary_working_groups_dissolve`, `body_dissolved`, `dissolve_sub_groups_first` or `meeting_day_not_reached` (the meeting's day has not come).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/meetings/{id}/decisions")]
pub async fn create(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<DecisionInput>,
) -> ApiResult<Reply> {
    access::require_decision_recorder(&principal)?;
    let input = input.into_inner()?;
    let errors = input.validate("");
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let id = *id;
    write
        .run(async move |conn| {
            let decision =
                app::decisions::record_in_meeting(conn, id, &input, &principal.subject).await?;
            let location = format!("/v1/decisions/{}", decision.id);
            Ok(Reply::created_at(&decision, location))
        })
        .await
}

/// Filters of the decision register.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DecisionQuery {
    /// Full-text search in title and text (German stemming; web-search syntax: words, "phrases", -excluded, or).
    pub q: Option<String>,
    pub kind: Option<DecisionKind>,
    /// Decided on or after this day.
    pub from: Option<NaiveDate>,
    /// Decided on or before this day.
    pub to: Option<NaiveDate>,
    pub meeting_id: Option<Uuid>,
}

/// The decision register: newest first, searchable. Every authenticated caller may read it.
///
/// Cursor-paginated.
#[utoipa::path(
    tag = "decisions",
    operation_id = "list_decisions",
    params(DecisionQuery, PageParams),
    responses(
        (status = 200, description = "One page of decisions.", body = Page<Decision>),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`), `q` empty or longer than 200 characters, `from` after `to`, or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/decisions")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<DecisionQuery>,
) -> ApiResult<Reply> {
    let filter = &query.filter;
    if filter
        .q
        .as_deref()
        .is_some_and(|q| q.trim().is_empty() || q.chars().count() > 200)
    {
        return Err(ApiError::validation(
            "/query/q",
            "must have 1 to 200 characters",
        ));
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to)
        && from > to
    {
        return Err(ApiError::validation("/query/from", "must not be after to"));
    }
    let after = query.after::<(NaiveDate, Uuid)>()?;
    let register = DecisionFilter {
        q: filter.q.as_deref().map(str::trim),
        kind: filter.kind,
        from: filter.from,
        to: filter.to,
        meeting_id: filter.meeting_id,
    };
    let mut conn = pool.get().await?;
    let page = app::decisions::list(&mut conn, &register, after, query.limit).await?;
    Ok(Reply::ok(&page))
}

/// Read one decision.
///
/// Every authenticated caller may read it, like the register.
#[utoipa::path(
    tag = "decisions",
    operation_id = "get_decision",
    params(("id" = Uuid, Path, description = "Decision id")),
    responses(
        (status = 200, description = "The decision.", body = Decision),
        (status = 404, description = "No such decision.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/decisions/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::decisions::get(&mut conn, *id).await?))
}
