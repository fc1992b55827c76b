//! Invitations, guests' answers and replacements, and calendar feeds.

use diesel_async::AsyncPgConnection;
use qmf_contracts::dialogue::{
    DialogueInvitedV1, Participant, ParticipantReplacedV1, ParticipantRespondedV1,
};
use qmf_platform::ical::{feed_secret_digest, new_feed_secret};
use qmf_platform::{ApiError, ApiResult, IfMatch, Principal, RuleName, not_found};
use uuid::Uuid;

use crate::domain::access;
use crate::domain::dialogues::{self as rules, DialogueState, StateRule};
use crate::domain::ical::{self, DialogueEntry};
use crate::events;
use crate::store::dialogues::{self as store, ContactRow, DialogueRow};
use crate::store::feeds::{self as feed_store, FeedRow};

fn summary(row: &DialogueRow) -> String {
    format!("Qualitätsdialog bei {}", row.host_name)
}

fn description(row: &DialogueRow) -> String {
    format!(
        "Qualitätsdialog der QMF-Kooperation Heilbronn-Franken, Gastgeber: {}. \
         Der Qualitätsbericht steht den Eingeladenen vorab zur Verfügung.",
        row.host_name
    )
}

/// The calendar entry of a dialogue with a date.
fn entry<'a>(
    row: &'a DialogueRow,
    summary: &'a str,
    description: &'a str,
) -> Option<DialogueEntry<'a>> {
    Some(DialogueEntry {
        dialogue_id: row.id,
        sequence: row.version,
        summary,
        location: row.place.as_deref().unwrap_or(""),
        description,
        starts_at: row.starts_at?,
        ends_at: row.ends_at?,
        cancelled: row.state == "cancelled",
        stamp: row.updated_at,
    })
}

fn invitation_ics(row: &DialogueRow) -> ApiResult<String> {
    let (summary, description) = (summary(row), description(row));
    let entry = entry(row, &summary, &description)
        .ok_or_else(|| ApiError::internal("an invitation for a dialogue without a date"))?;
    Ok(ical::invitation(&entry))
}

fn participant(contact: &ContactRow, role: &str) -> Participant {
    Participant {
        person_id: contact.person_id,
        organization_id: contact.organization_id,
        role: role.to_string(),
        name: contact.name.clone(),
        email: contact.email.clone(),
    }
}

/// Sends the invitations of a scheduled dialogue (`dialogue.dialogue.invited.v1` with every
/// representative and guest and the iCalendar object).
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn invite(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    if_match: &IfMatch,
) -> ApiResult<DialogueRow> {
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    access::require_host_editor(principal, current.host_organization_id)?;
    if_match.check(current.version)?;
    rules::invite(DialogueState::parse(&current.state)?)?;
    store::mark_invited(conn, id).await?;
    let row = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    let mut people = row.representatives.clone();
    people.extend(row.guest_ids.iter().copied());
    let contacts = store::contacts(conn, &people).await?;
    let participants = contacts
        .iter()
        .map(|c| {
            let role = if row.representatives.contains(&c.person_id) {
                "representative"
            } else {
                "guest"
            };
            participant(c, role)
        })
        .collect();
    let (Some(date), Some(starts_at), Some(ends_at)) = (row.day, row.starts_at, row.ends_at) else {
        return Err(ApiError::internal("an invited dialogue without a date"));
    };
    events::dialogue_invited(
        conn,
        DialogueInvitedV1 {
            dialogue_id: id,
            cycle_id: row.cycle_id,
            host_organization_id: row.host_organization_id,
            host_name: row.host_name.clone(),
            date,
            starts_at,
            ends_at,
            place: row.place.clone().unwrap_or_default(),
            participants,
            ics_filename: format!("qualitaetsdialog-{id}.ics"),
            ics: invitation_ics(&row)?,
        },
    )
    .await?;
    Ok(row)
}

/// A guest's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Accepted,
    Declined { replacement: Option<Uuid> },
}

/// Records a guest's answer: the guest themselves, the host's staff or the coordination. A
/// declining guest may be replaced by a colleague of the same organisation, checked against
/// every rule of the dialogue like a change of guests.
#[tracing::instrument(skip_all, fields(dialogue_id = %id))]
pub async fn respond(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
    person: Uuid,
    answer: Answer,
) -> ApiResult<DialogueRow> {
    let peek = store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    let is_guest_themselves = access::person_of(principal) == Some(person);
    if !is_guest_themselves {
        access::require_host_editor(principal, peek.host_organization_id)?;
    }
    let cycle = crate::store::cycles::lock(conn, peek.cycle_id)
        .await?
        .ok_or_else(|| not_found("cycle"))?;
    let current = store::lock(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))?;
    rules::respond(DialogueState::parse(&current.state)?)?;
    let Some(position) = current.guest_ids.iter().position(|g| *g == person) else {
        return Err(not_found("guest of this dialogue"));
    };
    let organization = current.guest_organizations[position];
    let response = match answer {
        Answer::Accepted => "accepted",
        Answer::Declined { .. } => "declined",
    };
    store::set_response(conn, id, person, response).await?;
    events::participant_responded(
        conn,
        ParticipantRespondedV1 {
            dialogue_id: id,
            person_id: person,
            organization_id: organization,
            response: response.to_string(),
        },
    )
    .await?;
    if let Answer::Declined {
        replacement: Some(replacement),
    } = answer
    {
        let orgs =
            store::organizations_of(conn, &[replacement], current.day.unwrap_or_default()).await?;
        if orgs.get(&replacement).map(|o| o.id) != Some(organization) {
            return Err(StateRule::ReplacementFromTheSameOrganization
                .conflict("the replacement must be an active colleague of the declining guest"));
        }
        let mut guests: Vec<Uuid> = current
            .guest_ids
            .iter()
            .zip(current.guest_responses.iter())
            .filter(|(g, r)| **g != person && r.as_str() != "declined")
            .map(|(g, _)| *g)
            .collect();
        guests.push(replacement);
        let date = current
            .day
            .ok_or_else(|| ApiError::internal("an invited dialogue without a day"))?;
        super::dialogues::check_guests(conn, &cycle, &current, date, &guests).await?;
        store::add_invited_guest(conn, id, replacement, organization).await?;
        store::touch(conn, id).await?;
        let row = store::find(conn, id)
            .await?
            .ok_or_else(|| not_found("dialogue"))?;
        let contact = store::contacts(conn, &[replacement])
            .await?
            .into_iter()
            .next()
            .ok_or_else(|| ApiError::internal("replacement vanished"))?;
        events::participant_replaced(
            conn,
            ParticipantReplacedV1 {
                dialogue_id: id,
                declined_person_id: person,
                replacement: participant(&contact, "guest"),
                ics: invitation_ics(&row)?,
            },
        )
        .await?;
        return Ok(row);
    }
    store::find(conn, id)
        .await?
        .ok_or_else(|| not_found("dialogue"))
}

/// Creates a feed; returns it with its secret, which is shown only now.
#[tracing::instrument(skip_all)]
pub async fn create_feed(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    person: Option<Uuid>,
    organization: Option<Uuid>,
) -> ApiResult<(FeedRow, String)> {
    access::require_feed_owner(principal, person, organization)?;
    let token = new_feed_secret();
    let row = feed_store::insert(
        conn,
        &feed_secret_digest(&token),
        person,
        organization,
        &principal.subject,
    )
    .await?;
    Ok((row, token))
}

#[tracing::instrument(skip_all, fields(feed_id = %id))]
pub async fn revoke_feed(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    let feed = feed_store::find(conn, id)
        .await?
        .filter(|f| f.revoked_at.is_none())
        .ok_or_else(|| not_found("feed"))?;
    access::require_feed_owner(principal, feed.person_id, feed.organization_id)?;
    feed_store::revoke(conn, id).await
}

/// The iCalendar text of the feed a secret opens (404 for an unknown or revoked one).
#[tracing::instrument(skip_all)]
pub async fn feed_calendar(conn: &mut AsyncPgConnection, token: &str) -> ApiResult<String> {
    let feed = feed_store::by_token(conn, &feed_secret_digest(token))
        .await?
        .ok_or_else(|| not_found("feed"))?;
    let rows = store::for_feed(conn, feed.person_id, feed.organization_id).await?;
    let texts: Vec<(String, String)> = rows.iter().map(|r| (summary(r), description(r))).collect();
    let entries: Vec<DialogueEntry<'_>> = rows
        .iter()
        .zip(texts.iter())
        .filter_map(|(row, (summary, description))| entry(row, summary, description))
        .collect();
    Ok(ical::feed(
        "Qualitätsdialoge QMF Heilbronn-Franken",
        &entries,
    ))
}
