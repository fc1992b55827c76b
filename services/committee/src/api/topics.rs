//! Topics (Vorlagen): drafted by a working group (or raised by the steering group), submitted,
//! deliberated, forwarded or referred back, scheduled on a Forum agenda and decided.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_platform::etag::with_etag;
use qmf_platform::{
    ApiError, ApiResult, DbPool, FieldError, IfMatch, Json, Page, PageQuery, Principal, Role,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::decisions::{Decision, DecisionInput, check_forum_meeting, decision, record};
use crate::domain::bodies::{BodyKind, acts_for_body};
use crate::domain::meetings as meeting_rules;
use crate::domain::topics::{
    self as rules, Actor, ForumOutcome, Step, TopicFacts, TopicState, draft_allowed, needs_reason,
};
use crate::events;
use crate::store::bodies::{self as body_store, BodyRow};
use crate::store::meetings as meeting_store;
use crate::store::topics::{self as store, Change, NewHistory, NewTopic, TopicFilter, TopicRow};
use crate::store::{decisions as decision_store, parse_code};

/// A topic with its current draft.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937d00-0000-7000-8000-000000000005", "origin_body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "state": "scheduled", "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "text": "Das Forum empfiehlt …",
    "draft_number": 2, "meeting_id": "01937c00-0000-7000-8000-000000000003", "agenda_item_id": "01937c01-0000-7000-8000-000000000004",
    "finding_id": null, "decisions": [], "version": 6, "created_at": "2027-01-10T08:00:00Z", "updated_at": "2027-02-20T10:30:00Z"}))]
pub struct Topic {
    pub id: Uuid,
    /// The working group that drafts it, or the steering group for topics it raised.
    pub origin_body_id: Uuid,
    pub state: TopicState,
    /// Title of the current draft.
    pub title: String,
    /// Text of the current draft.
    pub text: String,
    /// Number of the current draft (1, 2, …).
    pub draft_number: i32,
    /// The Forum meeting whose agenda carries (or carried, once decided) the topic.
    pub meeting_id: Option<Uuid>,
    pub agenda_item_id: Option<Uuid>,
    /// The escalated quality-dialogue finding it came from.
    pub finding_id: Option<Uuid>,
    /// The Forum's decisions on it.
    pub decisions: Vec<Decision>,
    /// For `If-Match`.
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

async fn topic_out(conn: &mut AsyncPgConnection, row: TopicRow) -> ApiResult<Topic> {
    let draft = store::current_draft(conn, &row).await?;
    let decisions = decision_store::of_topic(conn, row.id)
        .await?
        .into_iter()
        .map(decision)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(Topic {
        id: row.id,
        origin_body_id: row.origin_body_id,
        state: parse_code(&row.state)?,
        title: row.title,
        text: draft.text,
        draft_number: row.draft_number,
        meeting_id: row.meeting_id,
        agenda_item_id: row.agenda_item_id,
        finding_id: row.finding_id,
        decisions,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// A topic in a list (without its text).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937d00-0000-7000-8000-000000000005", "origin_body_id": "7d1c2b9e-5f0a-4a57-9c39-0f7b2f3e8a11",
    "state": "submitted", "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie", "draft_number": 2, "meeting_id": null,
    "finding_id": null, "version": 5, "updated_at": "2027-02-20T10:30:00Z"}))]
pub struct TopicSummary {
    pub id: Uuid,
    pub origin_body_id: Uuid,
    pub state: TopicState,
    pub title: String,
    pub draft_number: i32,
    pub meeting_id: Option<Uuid>,
    pub finding_id: Option<Uuid>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

fn summary(row: TopicRow) -> ApiResult<TopicSummary> {
    Ok(TopicSummary {
        id: row.id,
        origin_body_id: row.origin_body_id,
        state: parse_code(&row.state)?,
        title: row.title,
        draft_number: row.draft_number,
        meeting_id: row.meeting_id,
        finding_id: row.finding_id,
        version: row.version,
        updated_at: row.updated_at,
    })
}

fn reply(status: actix_web::http::StatusCode, topic: Topic) -> HttpResponse {
    let version = topic.version;
    with_etag(&mut HttpResponse::build(status), version).json(topic)
}

/// Title and text of a draft.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie",
    "text": "Das Forum empfiehlt den Jugendämtern und Kliniken, gemeinsame Fallkonferenzen …"}))]
pub struct DraftInput {
    /// 1 to 300 characters.
    pub title: String,
    /// 1 to 50,000 characters.
    pub text: String,
}

impl DraftInput {
    fn validate(&self) -> ApiResult<()> {
        let mut errors = Vec::new();
        if !(1..=300).contains(&self.title.trim().chars().count()) {
            errors.push(FieldError::new("/title", "must have 1 to 300 characters"));
        }
        if !(1..=50_000).contains(&self.text.trim().chars().count()) {
            errors.push(FieldError::new("/text", "must have 1 to 50000 characters"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(errors))
        }
    }
}

/// What the caller is for this topic: seats held today in the origin body, the steering group
/// and the management, and the `committee_secretary` role. A seat names a person (the token's
/// subject) or only an organisation (the token's `org`), whose staff then act for it.
async fn actor(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    origin: &BodyRow,
) -> ApiResult<Actor> {
    let steering = body_store::central(conn, BodyKind::SteeringGroup).await?;
    let management = body_store::central(conn, BodyKind::Management).await?;
    let person = Uuid::parse_str(&principal.subject).ok();
    let today = crate::store::regional_day(conn, Utc::now()).await?;
    let seats = store::roles_in(
        conn,
        &[origin.id, steering.id, management.id],
        person,
        principal.organization,
        today,
    )
    .await?;
    let mut actor = Actor {
        management: principal.has_role(Role::CommitteeSecretary),
        ..Actor::default()
    };
    for (body, role) in &seats {
        if *body == origin.id {
            actor.member_of_origin |= acts_for_body(role);
            actor.speaker_of_origin |= role == "speaker";
        }
        if *body == steering.id {
            actor.steering_group_member |= acts_for_body(role);
        }
        if *body == management.id {
            actor.management |= acts_for_body(role);
        }
    }
    Ok(actor)
}

fn facts(row: &TopicRow, origin: &BodyRow) -> ApiResult<TopicFacts> {
    Ok(TopicFacts {
        state: parse_code(&row.state)?,
        origin_is_steering_group: origin.kind == "steering_group",
        draft_number: row.draft_number,
        referred_at_draft: row.referred_at_draft,
    })
}

/// Writes the history entry and the event of a step.
pub(crate) async fn log_step(
    conn: &mut AsyncPgConnection,
    before: Option<TopicState>,
    after: &TopicRow,
    action: &str,
    reason: Option<&str>,
    actor: &str,
) -> ApiResult<()> {
    let to_state: TopicState = parse_code(&after.state)?;
    store::record(
        conn,
        NewHistory {
            topic_id: after.id,
            action,
            from_state: before,
            to_state,
            draft_number: after.draft_number,
            meeting_id: after.meeting_id,
            reason,
            actor,
        },
    )
    .await?;
    events::topic_transitioned(conn, after, action, before).await
}

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
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<DraftInput>,
) -> ApiResult<HttpResponse> {
    let body_id = *id;
    let mut conn = pool.get().await?;
    let topic = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let origin = body_store::find(conn, body_id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such body".into()))?;
            let (state, action) = match origin.kind.as_str() {
                "working_group" => (TopicState::Draft, "draft"),
                "steering_group" => (TopicState::Submitted, "raise"),
                _ => {
                    return Err(ApiError::conflict(
                        "topics_come_from_working_groups_or_the_steering_group",
                        "topics are drafted by a working group or raised by the steering group",
                    ));
                }
            };
            if origin.status != "active" {
                return Err(ApiError::conflict(
                    "body_dissolved",
                    "the body is dissolved",
                ));
            }
            let who = actor(conn, &principal, &origin).await?;
            let allowed = if state == TopicState::Draft {
                who.member_of_origin
            } else {
                who.steering_group_member
            };
            if !allowed {
                return Err(ApiError::Forbidden(
                    "only members of the body draft or raise its topics".into(),
                ));
            }
            // The body is looked at only once the caller may draft here.
            let input = input.into_inner()?;
            input.validate()?;
            let row = store::insert(
                conn,
                NewTopic {
                    origin_body_id: origin.id,
                    state,
                    title: input.title.trim(),
                    text: input.text.trim(),
                    finding_id: None,
                    created_by: &principal.subject,
                },
            )
            .await?
            .ok_or_else(|| ApiError::internal("topic insert returned nothing"))?;
            log_step(conn, None, &row, action, None, &principal.subject).await?;
            topic_out(conn, row).await
        })
        .await?;
    let location = format!("/v1/topics/{}", topic.id);
    let mut response = reply(actix_web::http::StatusCode::CREATED, topic);
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&location) {
        response
            .headers_mut()
            .insert(actix_web::http::header::LOCATION, value);
    }
    Ok(response)
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
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// List topics, oldest first. Every authenticated caller may read them.
///
/// Cursor-paginated; filters by state, originating body and meeting.
#[utoipa::path(
    tag = "topics",
    operation_id = "list_topics",
    params(TopicQuery),
    responses(
        (status = 200, description = "One page of topics.", body = Page<TopicSummary>),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`) or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/topics")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<TopicQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<Uuid>()?);
    let filter = TopicFilter {
        state: query.state,
        origin_body_id: query.origin_body_id,
        meeting_id: query.meeting_id,
    };
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn, &filter, after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| row.id);
    Ok(HttpResponse::Ok().json(page.try_map(summary)?))
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
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such topic".into()))?;
    Ok(reply(
        actix_web::http::StatusCode::OK,
        topic_out(&mut conn, row).await?,
    ))
}

/// One step in a topic's history.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"action": "refer_back", "from_state": "submitted", "to_state": "referred_back", "draft_number": 1,
    "meeting_id": null, "reason": "Bitte die Rolle der Kliniken konkretisieren.", "actor": "01936f40-0000-7000-8000-000000000007",
    "at": "2027-02-03T15:12:00Z"}))]
pub struct HistoryEntry {
    /// draft, raise, escalate, new_draft, submit, forward, refer_back, schedule, unschedule or decide.
    pub action: String,
    pub from_state: Option<TopicState>,
    pub to_state: TopicState,
    /// The draft the step was about.
    pub draft_number: i32,
    pub meeting_id: Option<Uuid>,
    pub reason: Option<String>,
    /// Token subject of who acted (`/qmf/dialogue` for escalated findings).
    pub actor: String,
    pub at: DateTime<Utc>,
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
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such topic".into()))?;
    let entries = store::history(&mut conn, *id)
        .await?
        .into_iter()
        .map(|row| {
            Ok(HistoryEntry {
                action: row.action,
                from_state: row.from_state.as_deref().map(parse_code).transpose()?,
                to_state: parse_code(&row.to_state)?,
                draft_number: row.draft_number,
                meeting_id: row.meeting_id,
                reason: row.reason,
                actor: row.actor,
                at: row.at,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(HttpResponse::Ok().json(entries))
}

/// One version of a topic's draft.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"number": 2, "title": "Empfehlung zur Kooperation Jugendhilfe–Psychiatrie",
    "text": "Das Forum empfiehlt gemeinsame Fallkonferenzen …", "created_by": "01936f40-0000-7000-8000-000000000003",
    "created_at": "2027-02-10T09:12:00Z"}))]
pub struct Draft {
    pub number: i32,
    pub title: String,
    pub text: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
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
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such topic".into()))?;
    let drafts: Vec<Draft> = store::drafts(&mut conn, *id)
        .await?
        .into_iter()
        .map(|row| Draft {
            number: row.number,
            title: row.title,
            text: row.text,
            created_by: row.created_by,
            created_at: row.created_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(drafts))
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
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<DraftInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let id = *id;
    let mut conn = pool.get().await?;
    let topic = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (row, origin) = lock_checked(conn, id, &if_match).await?;
            let who = actor(conn, &principal, &origin).await?;
            draft_allowed(facts(&row, &origin)?, who)?;
            let input = input.into_inner()?;
            input.validate()?;
            let state: TopicState = parse_code(&row.state)?;
            let row = store::add_draft(
                conn,
                &row,
                input.title.trim(),
                input.text.trim(),
                &principal.subject,
            )
            .await?;
            log_step(
                conn,
                Some(state),
                &row,
                "new_draft",
                None,
                &principal.subject,
            )
            .await?;
            topic_out(conn, row).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::CREATED, topic))
}

async fn lock_checked(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<(TopicRow, BodyRow)> {
    let row = store::lock(conn, id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such topic".into()))?;
    if_match.check(row.version)?;
    let origin = body_store::find(conn, row.origin_body_id)
        .await?
        .ok_or_else(|| ApiError::internal("topic without origin body"))?;
    Ok((row, origin))
}

/// A step a client asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TopicAction {
    /// The working group's speaker submits the current draft to the steering group.
    Submit,
    /// The steering group forwards the topic to the Forum (through the management).
    Forward,
    /// The steering group refers it back to the working group (`reason` required).
    ReferBack,
    /// The management puts it on a planned Forum meeting's agenda (`meeting_id` required).
    Schedule,
    /// The management records the Forum's decision (`outcome` required; `decision` for adopting outcomes).
    Decide,
}

/// A step on a topic's route.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TopicTransitionInput)]
#[schema(example = json!({"action": "decide", "outcome": "adopted",
    "decision": {"kind": "establish_working_group", "title": "Einrichtung AK Inklusion", "text": "Das Forum richtet den befristeten AK Inklusion ein.",
        "working_group": {"name": "AK Inklusion", "permanent": false, "mandate": "Empfehlungen zur inklusiven Jugendhilfe."}}}))]
pub struct TransitionInput {
    pub action: TopicAction,
    /// Required for `refer_back`, and for `decide` with `referred_back` or `adopted_with_changes`
    /// (what changed); 1 to 4000 characters.
    #[serde(default)]
    pub reason: Option<String>,
    /// The Forum meeting, for `schedule`.
    #[serde(default)]
    pub meeting_id: Option<Uuid>,
    /// The Forum's outcome, for `decide`.
    #[serde(default)]
    pub outcome: Option<ForumOutcome>,
    /// The decision's content, for `decide` with `adopted` or `adopted_with_changes`.
    #[serde(default)]
    pub decision: Option<DecisionInput>,
}

impl TransitionInput {
    /// The step asked for, after checking which fields belong to it.
    fn step(&self) -> ApiResult<Step> {
        let mut errors = Vec::new();
        let step = match self.action {
            TopicAction::Submit => Step::Submit,
            TopicAction::Forward => Step::Forward,
            TopicAction::ReferBack => Step::ReferBack,
            TopicAction::Schedule => Step::Schedule,
            TopicAction::Decide => match self.outcome {
                Some(outcome) => Step::Decide(outcome),
                None => {
                    errors.push(FieldError::new("/outcome", "is required to decide"));
                    Step::Decide(ForumOutcome::Postponed)
                }
            },
        };
        let schedule = step == Step::Schedule;
        match (self.meeting_id.is_some(), schedule) {
            (false, true) => errors.push(FieldError::new("/meeting_id", "is required to schedule")),
            (true, false) => {
                errors.push(FieldError::new("/meeting_id", "is only given to schedule"))
            }
            _ => {}
        }
        if self.outcome.is_some() && !matches!(step, Step::Decide(_)) {
            errors.push(FieldError::new("/outcome", "is only given to decide"));
        }
        match (&self.reason, needs_reason(step)) {
            (None, true) => errors.push(FieldError::new("/reason", "is required for this step")),
            (Some(reason), _) if !(1..=4000).contains(&reason.trim().chars().count()) => {
                errors.push(FieldError::new("/reason", "must have 1 to 4000 characters"))
            }
            _ => {}
        }
        let adopting = matches!(
            step,
            Step::Decide(ForumOutcome::Adopted | ForumOutcome::AdoptedWithChanges)
        );
        if let Err(ApiError::Validation(mut more)) =
            crate::domain::decisions::decision_matches_outcome(adopting, self.decision.is_some())
        {
            errors.append(&mut more);
        }
        if let Some(decision) = &self.decision {
            errors.extend(decision.validate("/decision"));
        }
        if errors.is_empty() {
            Ok(step)
        } else {
            Err(ApiError::Validation(errors))
        }
    }
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
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<TransitionInput>,
    if_match: IfMatch,
) -> ApiResult<HttpResponse> {
    let input = input.into_inner()?;
    let step = input.step()?;
    let reason = input.reason.as_deref().map(str::trim);
    let id = *id;
    let mut conn = pool.get().await?;
    let topic = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let (row, origin) = lock_checked(conn, id, &if_match).await?;
            let who = actor(conn, &principal, &origin).await?;
            let before = facts(&row, &origin)?;
            let next = rules::step(before, step, who)?;
            let mut change = Change {
                state: next,
                meeting_id: None,
                agenda_item_id: None,
                referred_at_draft: None,
            };
            match step {
                Step::ReferBack => change.referred_at_draft = Some(row.draft_number),
                Step::Schedule => {
                    let meeting_id = input.meeting_id.unwrap_or_default();
                    let meeting = meeting_store::lock(conn, meeting_id)
                        .await?
                        .ok_or_else(|| ApiError::validation("/meeting_id", "no such meeting"))?;
                    let forum = body_store::central(conn, BodyKind::Forum).await?;
                    if meeting.body_id != forum.id {
                        return Err(ApiError::conflict(
                            "meeting_not_of_forum",
                            "topics are scheduled on a meeting of the Forum Jugendhilfe",
                        ));
                    }
                    meeting_rules::agenda_editable(parse_code(&meeting.state)?)?;
                    let item =
                        meeting_store::add_item(conn, meeting.id, &row.title, true, Some(row.id))
                            .await?;
                    meeting_store::touch(conn, meeting.id, None).await?;
                    change.meeting_id = Some(meeting.id);
                    change.agenda_item_id = Some(item.id);
                }
                Step::Decide(outcome) => {
                    let meeting_id = row
                        .meeting_id
                        .ok_or_else(|| ApiError::internal("scheduled topic without meeting"))?;
                    let meeting = meeting_store::lock(conn, meeting_id)
                        .await?
                        .ok_or_else(|| ApiError::internal("topic's meeting missing"))?;
                    check_forum_meeting(conn, &meeting).await?;
                    if let Some(decision) = &input.decision {
                        record(conn, &meeting, Some(row.id), decision, &principal.subject).await?;
                    }
                    match outcome {
                        ForumOutcome::Adopted
                        | ForumOutcome::AdoptedWithChanges
                        | ForumOutcome::Rejected => {
                            change.meeting_id = row.meeting_id;
                            change.agenda_item_id = row.agenda_item_id;
                        }
                        ForumOutcome::ReferredBack => {
                            change.referred_at_draft = Some(row.draft_number)
                        }
                        ForumOutcome::Postponed => {}
                    }
                }
                Step::Submit | Step::Forward | Step::Unschedule => {}
            }
            let after = store::apply(conn, &row, change).await?;
            // Decisions name the meeting even when the topic leaves its agenda.
            let logged = TopicRow {
                meeting_id: after.meeting_id.or(match step {
                    Step::Decide(_) => row.meeting_id,
                    _ => None,
                }),
                ..after.clone()
            };
            log_step(
                conn,
                Some(before.state),
                &logged,
                step.action(),
                reason,
                &principal.subject,
            )
            .await?;
            topic_out(conn, after).await
        })
        .await?;
    Ok(reply(actix_web::http::StatusCode::OK, topic))
}

/// Takes a scheduled topic off a meeting that was cancelled or whose agenda item was removed:
/// back to `forwarded`, so the management can schedule it again.
pub(crate) async fn unschedule(
    conn: &mut AsyncPgConnection,
    row: &TopicRow,
    meeting_id: Uuid,
    reason: &str,
    actor: &str,
) -> ApiResult<()> {
    let next = rules::step(
        TopicFacts {
            state: parse_code(&row.state)?,
            origin_is_steering_group: false,
            draft_number: row.draft_number,
            referred_at_draft: row.referred_at_draft,
        },
        Step::Unschedule,
        Actor::default(),
    )?;
    let after = store::apply(
        conn,
        row,
        Change {
            state: next,
            meeting_id: None,
            agenda_item_id: None,
            referred_at_draft: None,
        },
    )
    .await?;
    let logged = TopicRow {
        meeting_id: Some(meeting_id),
        ..after
    };
    log_step(
        conn,
        Some(TopicState::Scheduled),
        &logged,
        Step::Unschedule.action(),
        Some(reason),
        actor,
    )
    .await
}

/// Unschedules every topic on a cancelled meeting.
pub(crate) async fn unschedule_meeting(
    conn: &mut AsyncPgConnection,
    meeting_id: Uuid,
    actor: &str,
) -> ApiResult<()> {
    for row in store::scheduled_on(conn, meeting_id).await? {
        unschedule(conn, &row, meeting_id, "the meeting was cancelled", actor).await?;
    }
    Ok(())
}
