//! Topics (Vorlagen): drafted by a working group (or raised by the steering group), submitted,
//! deliberated, forwarded or referred back, scheduled on a Forum agenda and decided.

use actix_web::{get, post, web};
use qmf_platform::{
    ApiResult, DbPool, IfMatch, Json, Page, PageParams, Paged, Principal, Reply, Write,
};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use super::id_cursor;
use crate::app;
use crate::domain::topics::TopicState;
use crate::model::topics::{Draft, DraftInput, HistoryEntry, Topic, TopicSummary, TransitionInput};
use crate::store::topics::TopicFilter;

/// Draft a topic in a working group, or raise one in the steering group.
///
/// A working group's members (chair, deputy, speaker, member) draft; the topic starts as
/// `draft`. Members of the steering group raise topics themselves; those start in the
/// steering group's inbox (`submitted`). Publishes `committee.topic.transitioned.v1`.
#[utoipa::path(
    tag = "topics",
    operation_id = "create_topic",
    request_body = DraftInput,
    params(("id" = Uuid, Path, description = "Body id: a working group or the steering group")),
    responses(
        (status = 201, description = "Created.", body = Topic, headers(("ETag" = String, description = "Strong ETag"), ("Location" = String, description = "URL of the topic"))),
        (status = 403, description = "Not a member of the body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such body.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `topics_come_from_working_groups_or_the_steering_group` or `body_dissolved`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/bodies/{id}/topics")]
pub async fn create(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<DraftInput>,
) -> ApiResult<Reply> {
    let body_id = *id;
    write
        .run(async move |conn| {
            let topic = app::topics::create(conn, &principal, body_id, input).await?;
            let location = format!("/v1/topics/{}", topic.id);
            Ok(Reply::created(&topic, topic.version, location))
        })
        .await
}

/// Filters of the topic list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TopicQuery {
    /// E.g. `submitted` for the steering group's inbox, `forwarded` for the management's.
    pub state: Option<TopicState>,
    /// Topics of one working group (or of the steering group).
    pub origin_body_id: Option<Uuid>,
    /// Topics on one Forum meeting's agenda.
    pub meeting_id: Option<Uuid>,
}

/// List topics, oldest first. Every authenticated caller may read them.
///
/// Cursor-paginated; filters by state, originating body and meeting.
#[utoipa::path(
    tag = "topics",
    operation_id = "list_topics",
    params(TopicQuery, PageParams),
    responses(
        (status = 200, description = "One page of topics.", body = Page<TopicSummary>),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`) or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/topics")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: Paged<TopicQuery>,
) -> ApiResult<Reply> {
    let after = id_cursor(&query)?;
    let filter = TopicFilter {
        state: query.filter.state,
        origin_body_id: query.filter.origin_body_id,
        meeting_id: query.filter.meeting_id,
    };
    let mut conn = pool.get().await?;
    let page = app::topics::list(&mut conn, &filter, after, query.limit).await?;
    Ok(Reply::ok(&page))
}

/// Read a topic with its current draft and decisions.
///
/// Answers with a strong `ETag`; send it as `If-Match` with the next step on the topic's route.
#[utoipa::path(
    tag = "topics",
    operation_id = "get_topic",
    params(("id" = Uuid, Path, description = "Topic id")),
    responses(
        (status = 200, description = "The topic.", body = Topic, headers(("ETag" = String, description = "Strong ETag"))),
        (status = 404, description = "No such topic.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/topics/{id}")]
pub async fn get(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let topic = app::topics::get(&mut conn, *id).await?;
    Ok(Reply::ok_with_etag(&topic, topic.version))
}

/// The history of a topic: every step, oldest first.
///
/// A plain array, not a page: one entry per step on the topic's route, a short list read whole.
#[utoipa::path(
    tag = "topics",
    operation_id = "topic_history",
    params(("id" = Uuid, Path, description = "Topic id")),
    responses(
        (status = 200, description = "The steps.", body = Vec<HistoryEntry>),
        (status = 404, description = "No such topic.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/topics/{id}/history")]
pub async fn history(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::topics::history(&mut conn, *id).await?))
}

/// Every draft of a topic, oldest first.
///
/// A plain array, not a page: a topic has one draft per revision on its route, a short list read
/// whole.
#[utoipa::path(
    tag = "topics",
    operation_id = "list_topic_drafts",
    params(("id" = Uuid, Path, description = "Topic id")),
    responses(
        (status = 200, description = "The drafts.", body = Vec<Draft>),
        (status = 404, description = "No such topic.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/topics/{id}/drafts")]
pub async fn drafts(
    _principal: Principal,
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    Ok(Reply::ok(&app::topics::drafts(&mut conn, *id).await?))
}

/// Write a new draft of a topic.
///
/// Members of the body the topic comes from, while it is a draft or was referred back (and,
/// for topics the steering group raised, while it is in its inbox). Earlier drafts stay readable.
#[utoipa::path(
    tag = "topics",
    operation_id = "add_topic_draft",
    request_body = DraftInput,
    params(("id" = Uuid, Path, description = "Topic id"), ("If-Match" = String, Header, description = "ETag of the topic")),
    responses(
        (status = 201, description = "The topic with its new draft.", body = Topic, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Not a member of the body the topic comes from.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such topic.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `topic_is_final` or `draft_locked`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/topics/{id}/drafts")]
pub async fn add_draft(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<DraftInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let id = *id;
    write
        .run(async move |conn| {
            let topic = app::topics::add_draft(conn, &principal, id, &if_match, input).await?;
            Ok(Reply::created_without_location(&topic).with_etag(topic.version))
        })
        .await
}

/// Move a topic along its route.
///
/// | action | from | to | who |
/// |---|---|---|---|
/// | `submit` | draft, referred_back (after a new draft) | submitted | the working group's speaker (steering-group members for its own topics) |
/// | `forward` | submitted | forwarded | steering-group members |
/// | `refer_back` | submitted | referred_back | steering-group members, with `reason` |
/// | `schedule` | forwarded, postponed | scheduled | the management (`committee_secretary` or a management member), onto a planned or invited Forum meeting; adds the agenda item |
/// | `decide` | scheduled | adopted, adopted_with_changes, rejected, postponed, referred_back | the management, in the held Forum meeting; adopting outcomes record the `decision` (setting up or dissolving a working group in the same transaction) |
///
/// Adopted, adopted with changes and rejected are final. Every step is kept in the history and
/// publishes `committee.topic.transitioned.v1` (and `committee.decision.recorded.v1`).
#[utoipa::path(
    tag = "topics",
    operation_id = "change_topic_state",
    request_body = TransitionInput,
    params(("id" = Uuid, Path, description = "Topic id"), ("If-Match" = String, Header, description = "ETag of the topic")),
    responses(
        (status = 200, description = "The topic after the step.", body = Topic, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "The caller does not hold the role the step needs.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such topic.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `topic_is_final`, `transition_not_allowed`, `new_draft_required`, `meeting_not_of_forum`, `agenda_fixed_after_meeting`, `forum_meeting_not_held`, `meeting_is_final`, `meeting_day_not_reached` or a rule of the decision.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/topics/{id}/transitions")]
pub async fn transition(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    input: Json<TransitionInput>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    let input = input.into_inner()?;
    let step = input.step()?;
    let id = *id;
    write
        .run(async move |conn| {
            let topic =
                app::topic_steps::take(conn, &principal, id, &if_match, step, &input).await?;
            Ok(Reply::ok_with_etag(&topic, topic.version))
        })
        .await
}
