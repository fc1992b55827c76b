//! Calendar subscription feeds of training sessions.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, Json, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::app;
use crate::store::feeds::{FeedRow, Owner};

/// Creating a feed: of a person, an organisation or a trainer (exactly one).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60"}))]
pub struct NewFeed {
    /// The sessions a person registered for (with their registration's state).
    pub person_id: Option<Uuid>,
    /// The sessions with registrations of an organisation's staff.
    pub organization_id: Option<Uuid>,
    /// The sessions a trainer teaches.
    pub trainer_id: Option<Uuid>,
}

/// A training calendar feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938300-0000-7000-8000-000000000001", "person_id": "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60",
    "organization_id": null, "trainer_id": null, "created_at": "2026-12-04T10:00:00Z", "revoked_at": null,
    "url": "/v1/training-feeds/3f2a…9c1d/calendar.ics"}))]
pub struct TrainingFeed {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub trainer_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Only in the answer that created the feed: the secret address to give to a calendar
    /// program. It is not stored and cannot be shown again; revoke the feed and make a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

fn view(row: FeedRow, url: Option<String>) -> TrainingFeed {
    TrainingFeed {
        id: row.id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        trainer_id: row.trainer_id,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
        url,
    }
}

/// Create a training calendar feed.
///
/// A person's (the person, their organisation's software, the organisers, the coordination),
/// an organisation's (its staff and software, the organisers, the coordination) or a
/// trainer's (the trainer, the administration). Calendar programs cannot send tokens, so the
/// feed is read through a secret address, returned only in this answer.
#[utoipa::path(
    tag = "feeds",
    operation_id = "create_training_feed",
    request_body = NewFeed,
    responses(
        (status = 201, description = "Created; `url` holds the secret.", body = TrainingFeed, headers(("Location" = String, description = "URL of the feed's record"))),
        (status = 403, description = "Another person's, organisation's or trainer's feed.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such person.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not exactly one of `person_id`, `organization_id`, `trainer_id`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/training-feeds")]
pub async fn create(principal: Principal, write: Write, body: Json<NewFeed>) -> ApiResult<Reply> {
    let input = body.into_inner()?;
    let owner = Owner {
        person_id: input.person_id,
        organization_id: input.organization_id,
        trainer_id: input.trainer_id,
    };
    let given = [owner.person_id, owner.organization_id, owner.trainer_id]
        .iter()
        .filter(|o| o.is_some())
        .count();
    if given != 1 {
        return Err(ApiError::validation(
            "",
            "exactly one of person_id, organization_id and trainer_id",
        ));
    }
    write
        .run(async move |conn| {
            let (row, secret) = app::feeds::create(conn, &principal, owner).await?;
            let location = format!("/v1/training-feeds/{}", row.id);
            let url = format!("/v1/training-feeds/{secret}/calendar.ics");
            Ok(Reply::created_at(&view(row, Some(url)), location))
        })
        .await
}

/// The caller's training feeds.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct TrainingFeedList {
    pub items: Vec<TrainingFeed>,
}

/// List training feeds: those the caller made, their own and their organisation's (the
/// organisers and the coordination see all), newest first, without their secrets.
#[utoipa::path(
    tag = "feeds",
    operation_id = "list_training_feeds",
    responses((status = 200, description = "The feeds.", body = TrainingFeedList))
)]
#[get("/v1/training-feeds")]
pub async fn list(principal: Principal, pool: web::Data<DbPool>) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let rows = app::feeds::list(&mut conn, &principal).await?;
    Ok(Reply::ok(&TrainingFeedList {
        items: rows.into_iter().map(|r| view(r, None)).collect(),
    }))
}

/// Revoke a training feed: its address answers 404 from now on. Who made it, or whoever
/// may create it.
#[utoipa::path(
    tag = "feeds",
    operation_id = "revoke_training_feed",
    params(("id" = Uuid, Path, description = "Feed id")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 403, description = "Another person's, organisation's or trainer's feed.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such feed, or revoked already.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/training-feeds/{id}")]
pub async fn revoke(principal: Principal, write: Write, id: web::Path<Uuid>) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            app::feeds::revoke(conn, &principal, *id).await?;
            Ok(Reply::no_content())
        })
        .await
}

/// Read a training calendar feed (for calendar programs).
///
/// No bearer token: the feed's unguessable address (244 random bits, stored only as its
/// SHA-256) is the key. iCalendar (`text/calendar`), one whole-day entry per session day of
/// the last year and every coming one (at most 1,000 sessions): for a person their
/// registrations (waiting list and offers as tentative, ended ones and cancelled sessions as
/// cancelled), for an organisation the sessions its staff registered for with their number,
/// for a trainer what they teach. Online links are not in the feed. An unknown or revoked
/// address answers 404.
#[utoipa::path(
    tag = "feeds",
    operation_id = "read_training_feed",
    security(()),
    params(("address" = String, Path, description = "The feed's secret address (64 hexadecimal characters), as returned when the feed was created")),
    responses(
        (status = 200, description = "The calendar.", body = String, content_type = "text/calendar"),
        (status = 404, description = "No such feed, or revoked.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/training-feeds/{address}/calendar.ics")]
pub async fn calendar(
    pool: web::Data<DbPool>,
    address: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if !qmf_platform::ical::is_feed_secret(&address) {
        return Err(qmf_platform::not_found("feed"));
    }
    let mut conn = pool.get().await?;
    let text = app::feeds::calendar(&mut conn, &address).await?;
    Ok(qmf_platform::ical::feed_response(text))
}
