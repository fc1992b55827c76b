//! The Forum's decisions (Beschlüsse) and the searchable decision register.

use actix_web::{HttpResponse, get, post, web};
use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use qmf_platform::{
    ApiError, ApiResult, DbPool, FieldError, Json, Page, PageQuery, Principal, Role,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::bodies::{
    NewWorkingGroup, dissolve_working_group, establish_working_group, validate_working_group,
};
use super::meetings::check_meeting_day;
use crate::domain::bodies::BodyKind;
use crate::domain::decisions::{DecisionKind, meeting_can_decide};
use crate::events;
use crate::store::decisions::{self as store, DecisionFilter, DecisionRow, NewDecision};
use crate::store::meetings::{self as meeting_store, MeetingRow};
use crate::store::{bodies as body_store, parse_code};

/// A decision in the register.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01937e00-0000-7000-8000-000000000006", "meeting_id": "01937c00-0000-7000-8000-000000000003",
    "topic_id": "01937d00-0000-7000-8000-000000000005", "kind": "establish_working_group", "title": "Einrichtung AK Inklusion",
    "text": "Das Forum richtet den befristeten AK Inklusion ein; Auftrag: Empfehlungen zur inklusiven Jugendhilfe bis Ende 2028.",
    "decided_on": "2027-03-17", "body_id": "01937e01-0000-7000-8000-000000000007", "created_at": "2027-03-17T14:02:11Z"}))]
pub struct Decision {
    pub id: Uuid,
    /// The held Forum meeting in which the decision was taken.
    pub meeting_id: Uuid,
    /// The topic (Vorlage) decided on, if any.
    pub topic_id: Option<Uuid>,
    pub kind: DecisionKind,
    pub title: String,
    pub text: String,
    /// Day of the meeting (Europe/Berlin).
    pub decided_on: NaiveDate,
    /// The working group set up or dissolved by the decision.
    pub body_id: Option<Uuid>,
    pub created_at: chrono::DateTime<Utc>,
}

pub(crate) fn decision(row: DecisionRow) -> ApiResult<Decision> {
    Ok(Decision {
        id: row.id,
        meeting_id: row.meeting_id,
        topic_id: row.topic_id,
        kind: parse_code(&row.kind)?,
        title: row.title,
        text: row.text,
        decided_on: row.decided_on,
        body_id: row.body_id,
        created_at: row.created_at,
    })
}

/// The working group a decision sets up; it starts on the day of the decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"name": "AK Inklusion", "short_name": "AK Inkl", "permanent": false,
    "mandate": "Empfehlungen zur inklusiven Jugendhilfe bis Ende 2028.", "parent_id": null}))]
pub struct WorkingGroupSpec {
    /// Unique among all bodies.
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    pub permanent: bool,
    #[serde(default)]
    pub mandate: Option<String>,
    /// The working group it is a sub-group of.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
}

/// The content of a decision.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "establish_working_group", "title": "Einrichtung AK Inklusion",
    "text": "Das Forum richtet den befristeten AK Inklusion ein.",
    "working_group": {"name": "AK Inklusion", "permanent": false, "mandate": "Empfehlungen zur inklusiven Jugendhilfe."}}))]
pub struct DecisionInput {
    pub kind: DecisionKind,
    /// 1 to 300 characters.
    pub title: String,
    /// The wording decided, 1 to 50,000 characters.
    pub text: String,
    /// Required for `establish_working_group`, not allowed otherwise.
    #[serde(default)]
    pub working_group: Option<WorkingGroupSpec>,
    /// The working group to dissolve: required for `dissolve_working_group`, not allowed otherwise.
    #[serde(default)]
    pub body_id: Option<Uuid>,
}

impl DecisionInput {
    /// Field errors, with pointers below `prefix` (`""` or `/decision`).
    pub(crate) fn validate(&self, prefix: &str) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let title = self.title.trim().chars().count();
        if !(1..=300).contains(&title) {
            errors.push(FieldError::new(
                format!("{prefix}/title"),
                "must have 1 to 300 characters",
            ));
        }
        let text = self.text.trim().chars().count();
        if !(1..=50_000).contains(&text) {
            errors.push(FieldError::new(
                format!("{prefix}/text"),
                "must have 1 to 50000 characters",
            ));
        }
        let establish = self.kind == DecisionKind::EstablishWorkingGroup;
        match (&self.working_group, establish) {
            (None, true) => errors.push(FieldError::new(
                format!("{prefix}/working_group"),
                "is required to set up a working group",
            )),
            (Some(_), false) => errors.push(FieldError::new(
                format!("{prefix}/working_group"),
                "is only given for establish_working_group",
            )),
            (Some(spec), true) => errors.extend(validate_working_group(
                &spec.as_new(NaiveDate::MIN),
                &format!("{prefix}/working_group"),
            )),
            (None, false) => {}
        }
        let dissolve = self.kind == DecisionKind::DissolveWorkingGroup;
        match (self.body_id, dissolve) {
            (None, true) => errors.push(FieldError::new(
                format!("{prefix}/body_id"),
                "is required to dissolve a working group",
            )),
            (Some(_), false) => errors.push(FieldError::new(
                format!("{prefix}/body_id"),
                "is only given for dissolve_working_group",
            )),
            _ => {}
        }
        errors
    }
}

impl WorkingGroupSpec {
    fn as_new(&self, established_on: NaiveDate) -> NewWorkingGroup {
        NewWorkingGroup {
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            permanent: self.permanent,
            mandate: self.mandate.clone(),
            parent_id: self.parent_id,
            established_on,
        }
    }
}

/// Checks that `meeting` is a held Forum meeting whose day has come (a decision carries the
/// meeting's day, never a future one).
pub(crate) async fn check_forum_meeting(
    conn: &mut AsyncPgConnection,
    meeting: &MeetingRow,
) -> ApiResult<()> {
    let forum = body_store::central(conn, BodyKind::Forum).await?;
    meeting_can_decide(meeting.body_id == forum.id, parse_code(&meeting.state)?)?;
    check_meeting_day(conn, meeting).await
}

/// Records a decision inside the caller's transaction: sets up or dissolves the working group
/// it names, writes the register entry and publishes `committee.decision.recorded.v1`.
/// The caller checked the meeting with [`check_forum_meeting`] and validated `input`.
pub(crate) async fn record(
    conn: &mut AsyncPgConnection,
    meeting: &MeetingRow,
    topic_id: Option<Uuid>,
    input: &DecisionInput,
    actor: &str,
) -> ApiResult<DecisionRow> {
    let decided_on = crate::store::regional_day(conn, meeting.starts_at).await?;
    let body_id = match input.kind {
        DecisionKind::EstablishWorkingGroup => match &input.working_group {
            Some(spec) => Some(
                establish_working_group(conn, &spec.as_new(decided_on))
                    .await?
                    .id,
            ),
            None => None,
        },
        DecisionKind::DissolveWorkingGroup => match input.body_id {
            Some(id) => {
                body_store::find(conn, id)
                    .await?
                    .ok_or_else(|| ApiError::validation("/decision/body_id", "no such body"))?;
                Some(dissolve_working_group(conn, id, decided_on, None).await?.id)
            }
            None => None,
        },
        _ => None,
    };
    let row = store::insert(
        conn,
        NewDecision {
            meeting_id: meeting.id,
            topic_id,
            kind: input.kind,
            title: input.title.trim(),
            text: input.text.trim(),
            decided_on,
            body_id,
            created_by: actor,
        },
    )
    .await?;
    events::decision_recorded(conn, &row).await?;
    Ok(row)
}

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
    pool: web::Data<DbPool>,
    id: web::Path<Uuid>,
    input: Json<DecisionInput>,
) -> ApiResult<HttpResponse> {
    principal.require_any(&[Role::Admin, Role::CommitteeSecretary])?;
    let input = input.into_inner()?;
    let errors = input.validate("");
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let id = *id;
    let mut conn = pool.get().await?;
    let row = conn
        .transaction::<_, ApiError, _>(async |conn| {
            let meeting = meeting_store::lock(conn, id)
                .await?
                .ok_or_else(|| ApiError::NotFound("no such meeting".into()))?;
            check_forum_meeting(conn, &meeting).await?;
            record(conn, &meeting, None, &input, &principal.subject).await
        })
        .await?;
    let location = format!("/v1/decisions/{}", row.id);
    Ok(HttpResponse::Created()
        .insert_header((actix_web::http::header::LOCATION, location))
        .json(decision(row)?))
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
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    #[serde(default, deserialize_with = "qmf_platform::input::query_int")]
    pub limit: Option<i64>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// The decision register: newest first, searchable. Every authenticated caller may read it.
///
/// Cursor-paginated.
#[utoipa::path(
    tag = "decisions",
    operation_id = "list_decisions",
    params(DecisionQuery),
    responses(
        (status = 200, description = "One page of decisions.", body = Page<Decision>),
        (status = 422, description = "`limit` outside 1 to 200 (pointer `/query/limit`), `q` empty or longer than 200 characters, `from` after `to`, or a `cursor` that is not from this list.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/decisions")]
pub async fn list(
    _principal: Principal,
    pool: web::Data<DbPool>,
    query: web::Query<DecisionQuery>,
) -> ApiResult<HttpResponse> {
    let query = query.into_inner();
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.trim().is_empty() || q.chars().count() > 200)
    {
        return Err(ApiError::validation(
            "/query/q",
            "must have 1 to 200 characters",
        ));
    }
    if let (Some(from), Some(to)) = (query.from, query.to)
        && from > to
    {
        return Err(ApiError::validation("/query/from", "must not be after to"));
    }
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let (limit, after) = (page.limit()?, page.after::<(NaiveDate, Uuid)>()?);
    let filter = DecisionFilter {
        q: query.q.as_deref().map(str::trim),
        kind: query.kind,
        from: query.from,
        to: query.to,
        meeting_id: query.meeting_id,
    };
    let mut conn = pool.get().await?;
    let rows = store::list(&mut conn, &filter, after, limit).await?;
    let page = Page::from_rows(rows, limit, |row| (row.decided_on, row.id));
    Ok(HttpResponse::Ok().json(page.try_map(decision)?))
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
) -> ApiResult<HttpResponse> {
    let mut conn = pool.get().await?;
    let row = store::find(&mut conn, *id)
        .await?
        .ok_or_else(|| ApiError::NotFound("no such decision".into()))?;
    Ok(HttpResponse::Ok().json(decision(row)?))
}
