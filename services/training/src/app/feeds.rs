//! Calendar feeds of a person's, an organisation's or a trainer's sessions.

use diesel_async::AsyncPgConnection;
use qmf_platform::ical::{self, feed_secret_digest, new_feed_secret};
use qmf_platform::{ApiError, ApiResult, Principal, not_found};
use uuid::Uuid;

use crate::domain::access;
use crate::domain::calendar::{self, Registration, SessionDays, Standing};
use crate::store::feeds::{self as store, FeedRow, Owner};

/// Who may hold a feed of `owner`.
async fn require_follow(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    owner: Owner,
) -> ApiResult<()> {
    let allowed = if let Some(person) = owner.person_id {
        let organization = qmf_directory_copy::store::find_person(conn, person)
            .await?
            .map(|p| p.organization_id)
            .ok_or_else(|| not_found("person"))?;
        super::may_act_for(conn, principal, person, organization).await?
    } else if let Some(organization) = owner.organization_id {
        access::may_follow_organization(principal, organization)
    } else {
        access::may_follow_trainer(principal, owner.trainer_id.unwrap_or_default())
    };
    if allowed {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "a feed of another person's, organisation's or trainer's sessions".into(),
        ))
    }
}

/// Creates a feed; returns it with its secret, which is shown only now.
pub async fn create(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    owner: Owner,
) -> ApiResult<(FeedRow, String)> {
    require_follow(conn, principal, owner).await?;
    let secret = new_feed_secret();
    let row = store::insert(
        conn,
        &feed_secret_digest(&secret),
        owner,
        &principal.subject,
    )
    .await?;
    Ok((row, secret))
}

fn owner_of(row: &FeedRow) -> Owner {
    Owner {
        person_id: row.person_id,
        organization_id: row.organization_id,
        trainer_id: row.trainer_id,
    }
}

/// Revokes a feed: whoever may create it, or who made it.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    principal: &Principal,
    id: Uuid,
) -> ApiResult<()> {
    let feed = store::find(conn, id)
        .await?
        .filter(|f| f.revoked_at.is_none())
        .ok_or_else(|| not_found("feed"))?;
    if feed.created_by != principal.subject {
        require_follow(conn, principal, owner_of(&feed)).await?;
    }
    store::revoke(conn, id).await
}

/// The caller's feeds: made by them, or of them, or of their organisation; all for the
/// organisers and the coordination.
pub async fn list(conn: &mut AsyncPgConnection, principal: &Principal) -> ApiResult<Vec<FeedRow>> {
    let me = principal.subject.parse::<Uuid>().ok();
    store::list(
        conn,
        &principal.subject,
        me,
        principal.organization,
        access::acts_for_everyone(principal),
    )
    .await
}

/// The iCalendar text of the feed a secret opens (404 for an unknown or revoked one).
pub async fn calendar(conn: &mut AsyncPgConnection, secret: &str) -> ApiResult<String> {
    let feed = store::by_digest(conn, &feed_secret_digest(secret))
        .await?
        .ok_or_else(|| not_found("feed"))?;
    let owner = owner_of(&feed);
    let rows = store::sessions(conn, owner).await?;
    let sessions: Vec<SessionDays<'_>> = rows
        .iter()
        .map(|r| SessionDays {
            session_id: r.id,
            title: &r.title,
            days: &r.days,
            place: r.place.as_deref(),
            online: r.online,
            cancelled: r.state == "cancelled",
            version: r.version,
            stamp: r.updated_at,
            standing: match (&r.registration_state, owner.organization_id) {
                (Some(state), _) => Standing::Registration(Registration::parse(state)),
                (None, Some(_)) => Standing::Participants(r.participants),
                (None, None) => Standing::Teaching(r.participants),
            },
        })
        .collect();
    let texts: Vec<Vec<(String, String)>> = sessions.iter().map(calendar::texts).collect();
    let entries: Vec<ical::Entry<'_>> = sessions
        .iter()
        .zip(texts.iter())
        .flat_map(|(session, texts)| calendar::entries(session, texts))
        .collect();
    Ok(ical::feed(
        calendar::PRODID,
        "QMF-Schulungen Heilbronn-Franken",
        &entries,
    ))
}
