//! Invitations, guests' answers, and calendar feeds.

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use qmf_platform::{ApiError, ApiResult, DbPool, IfMatch, Json, Principal, Reply, Write};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::dialogues::reply;
use crate::app;
use crate::app::invitations::Answer;
use crate::domain::access;
use crate::store::feeds::{FeedRow, list as list_feeds};

/// Send the invitations of a scheduled dialogue.
///
/// The coordination, or staff of the host's organisation. The dialogue becomes `invited`,
/// every guest `invited`. Publishes `dialogue.dialogue.invited.v1` with every representative
/// and guest (name and work e-mail from the directory) and an iCalendar object to attach.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "invite_to_dialogue",
    params(("id" = Uuid, Path, description = "Dialogue id"), ("If-Match" = String, Header, description = "ETag of the dialogue")),
    responses(
        (status = 200, description = "Invited.", body = super::dialogues::Dialogue, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Only the coordination and the host's own staff.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `invitations_need_a_schedule`.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 412, description = "The dialogue changed since it was read.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 428, description = "If-Match is missing.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/invitations")]
pub async fn invite(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    if_match: IfMatch,
) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            reply(app::invitations::invite(conn, &principal, *id, &if_match).await?)
        })
        .await
}

/// A guest's answer to an invitation.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Response {
    Accepted,
    Declined,
}

/// Answering an invitation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f40-0000-7000-8000-000000000011", "response": "declined",
    "replacement_id": "01936f40-0000-7000-8000-000000000012"}))]
pub struct ResponseInput {
    /// The guest answering.
    pub person_id: Uuid,
    pub response: Response,
    /// With `declined`: a colleague of the same organisation who comes instead.
    pub replacement_id: Option<Uuid>,
}

/// Answer an invitation.
///
/// The guest themselves (token subject = their person id), the host's staff or the
/// coordination. Needs no If-Match: each guest answers for themselves. A declining guest may
/// name a colleague of the same organisation, who is invited instead if every rule of the
/// dialogue still holds. Publishes `dialogue.participant.responded.v1`, and
/// `dialogue.participant.replaced.v1` with the replacement's invitation.
#[utoipa::path(
    tag = "dialogues",
    operation_id = "respond_to_invitation",
    request_body = ResponseInput,
    params(("id" = Uuid, Path, description = "Dialogue id")),
    responses(
        (status = 200, description = "Recorded.", body = super::dialogues::Dialogue, headers(("ETag" = String, description = "New ETag"))),
        (status = 403, description = "Not the guest, the host's staff or the coordination.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such dialogue, or the person is no guest of it.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Rule `responses_need_invitations` or `replacement_from_the_same_organization`, or the rules of one dialogue (listed in `violations`) with the replacement.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "A replacement with an acceptance.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/dialogues/{id}/responses")]
pub async fn respond(
    principal: Principal,
    write: Write,
    id: web::Path<Uuid>,
    body: Json<ResponseInput>,
) -> ApiResult<Reply> {
    let input = body.into_inner()?;
    let answer = match (input.response, input.replacement_id) {
        (Response::Accepted, None) => Answer::Accepted,
        (Response::Accepted, Some(_)) => {
            return Err(ApiError::validation(
                "/replacement_id",
                "only a declining guest names a replacement",
            ));
        }
        (Response::Declined, replacement) => Answer::Declined { replacement },
    };
    write
        .run(async move |conn| {
            reply(app::invitations::respond(conn, &principal, *id, input.person_id, answer).await?)
        })
        .await
}

/// Creating a feed: of a person, or of an organisation.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"person_id": "01936f40-0000-7000-8000-000000000011"}))]
pub struct FeedInput {
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
}

/// A calendar feed.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"id": "01938120-0000-7000-8000-000000000001", "person_id": "01936f40-0000-7000-8000-000000000011",
    "organization_id": null, "created_at": "2026-12-04T10:00:00Z", "revoked_at": null,
    "url": "/v1/feeds/3f2a…9c1d/calendar.ics"}))]
pub struct Feed {
    pub id: Uuid,
    pub person_id: Option<Uuid>,
    pub organization_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Only in the answer that created the feed: the secret URL to give to a calendar program.
    /// It is not stored and cannot be shown again; revoke the feed and create a new one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

fn feed_view(row: FeedRow, url: Option<String>) -> Feed {
    Feed {
        id: row.id,
        person_id: row.person_id,
        organization_id: row.organization_id,
        created_at: row.created_at,
        revoked_at: row.revoked_at,
        url,
    }
}

/// Create a calendar feed.
///
/// A person for their own dialogues, an organisation's staff or software for its dialogues
/// (hosted, or with a guest of it), or the coordination for either. Calendar programs cannot
/// send tokens, so the feed is read through a secret URL, returned only in this answer.
#[utoipa::path(
    tag = "feeds",
    operation_id = "create_feed",
    request_body = FeedInput,
    responses(
        (status = 201, description = "Created; `url` holds the secret.", body = Feed, headers(("Location" = String, description = "URL of the feed's record"))),
        (status = 403, description = "Another person's or organisation's feed.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Neither or both of person and organisation.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/feeds")]
pub async fn create_feed(
    principal: Principal,
    write: Write,
    body: Json<FeedInput>,
) -> ApiResult<Reply> {
    let input = body.into_inner()?;
    if input.person_id.is_some() == input.organization_id.is_some() {
        return Err(ApiError::validation(
            "",
            "give either person_id or organization_id",
        ));
    }
    access::require_feed_owner(&principal, input.person_id, input.organization_id)?;
    write
        .run(async move |conn| {
            let (row, token) = app::invitations::create_feed(
                conn,
                &principal,
                input.person_id,
                input.organization_id,
            )
            .await?;
            let location = format!("/v1/feeds/{}", row.id);
            let url = format!("/v1/feeds/{token}/calendar.ics");
            Ok(Reply::created_at(&feed_view(row, Some(url)), location))
        })
        .await
}

/// The caller's feeds.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedList {
    pub items: Vec<Feed>,
}

/// List feeds: the caller's own and their organisation's (the coordination sees all), newest
/// first, without their secrets.
#[utoipa::path(
    tag = "feeds",
    operation_id = "list_feeds",
    responses((status = 200, description = "The feeds.", body = FeedList))
)]
#[get("/v1/feeds")]
pub async fn list(principal: Principal, pool: web::Data<DbPool>) -> ApiResult<Reply> {
    let mut conn = pool.get().await?;
    let rows = list_feeds(
        &mut conn,
        access::person_of(&principal),
        principal.organization,
        access::coordination(&principal),
    )
    .await?;
    Ok(Reply::ok(&FeedList {
        items: rows.into_iter().map(|r| feed_view(r, None)).collect(),
    }))
}

/// Revoke a feed: its URL answers 404 from now on. Whoever may create it.
#[utoipa::path(
    tag = "feeds",
    operation_id = "revoke_feed",
    params(("id" = Uuid, Path, description = "Feed id")),
    responses(
        (status = 204, description = "Revoked."),
        (status = 403, description = "Another person's or organisation's feed.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such feed, or revoked already.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/v1/feeds/{id}")]
pub async fn revoke(principal: Principal, write: Write, id: web::Path<Uuid>) -> ApiResult<Reply> {
    write
        .run(async move |conn| {
            app::invitations::revoke_feed(conn, &principal, *id).await?;
            Ok(Reply::no_content())
        })
        .await
}

/// Read a calendar feed (for calendar programs).
///
/// No bearer token: calendar programs cannot send one, so the feed's unguessable address
/// (244 random bits, stored only as its SHA-256) is the key, as with the secret iCal addresses
/// of common calendar services. It reads one person's or organisation's dialogue dates only,
/// and is revoked with `DELETE /v1/feeds/{id}`. iCalendar (`text/calendar`) with one event per
/// dialogue of the person or organisation that has a date (cancelled ones marked
/// `STATUS:CANCELLED`), at most 1,000. An unknown or revoked secret answers 404.
#[utoipa::path(
    tag = "feeds",
    operation_id = "read_feed",
    security(()),
    params(("address" = String, Path, description = "The feed's secret address (64 hexadecimal characters), as returned when the feed was created")),
    responses(
        (status = 200, description = "The calendar.", body = String, content_type = "text/calendar"),
        (status = 404, description = "No such feed, or revoked.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[get("/v1/feeds/{address}/calendar.ics")]
pub async fn calendar(
    pool: web::Data<DbPool>,
    address: web::Path<String>,
) -> ApiResult<HttpResponse> {
    if !qmf_platform::ical::is_feed_secret(&address) {
        return Err(qmf_platform::not_found("feed"));
    }
    let mut conn = pool.get().await?;
    let text = app::invitations::feed_calendar(&mut conn, &address).await?;
    Ok(qmf_platform::ical::feed_response(text))
}
