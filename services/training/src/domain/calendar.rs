//! Sessions as calendar entries: one whole-day entry per session day.

use chrono::{DateTime, NaiveDate, Utc};
use qmf_platform::ical::{Entry, Status, When};
use uuid::Uuid;

use super::certificates::{ISSUER, place_de};

pub const PRODID: &str = "-//QMF Heilbronn-Franken//Training//DE";
const UID_DOMAIN: &str = "training.qmf-heilbronn-franken.de";

/// What a feed shows of one session.
#[derive(Debug, Clone)]
pub struct SessionDays<'a> {
    pub session_id: Uuid,
    pub title: &'a str,
    pub days: &'a [NaiveDate],
    pub place: Option<&'a str>,
    pub online: bool,
    pub cancelled: bool,
    pub version: i32,
    pub stamp: DateTime<Utc>,
    /// How the feed's owner stands: a person's registration, or an organisation's count.
    pub standing: Standing,
}

/// The owner's part in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// A person's registration in this state.
    Registration(Registration),
    /// An organisation with this many confirmed participants.
    Participants(i64),
    /// The trainer teaching it, with this many confirmed participants.
    Teaching(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    PendingApproval,
    Confirmed,
    Offered,
    Waitlisted,
    Ended,
}

impl Registration {
    pub fn parse(state: &str) -> Registration {
        match state {
            "confirmed" => Registration::Confirmed,
            "offered" => Registration::Offered,
            "waitlisted" => Registration::Waitlisted,
            "pending_approval" => Registration::PendingApproval,
            _ => Registration::Ended,
        }
    }
}

/// The summaries and descriptions of a session's entries (owned, for `entries` to borrow).
pub fn texts(session: &SessionDays<'_>) -> Vec<(String, String)> {
    let count = session.days.len();
    let note = match session.standing {
        Standing::Registration(Registration::Offered) => " (Platz angeboten)".to_string(),
        Standing::Registration(Registration::Waitlisted) => " (Warteliste)".to_string(),
        Standing::Registration(Registration::PendingApproval) => {
            " (Freigabe ausstehend)".to_string()
        }
        Standing::Participants(n) => format!(" ({n} Teilnehmende)"),
        Standing::Teaching(n) => format!(" (Leitung, {n} Teilnehmende)"),
        _ => String::new(),
    };
    let place = place_de(session.place, session.online);
    (1..=count)
        .map(|i| {
            let part = if count > 1 {
                format!(", Tag {i} von {count}")
            } else {
                String::new()
            };
            (
                format!("QMF-Schulung: {}{part}{note}", session.title),
                format!("Ort: {place}\nVeranstalter: {ISSUER}"),
            )
        })
        .collect()
}

/// One entry per day; `texts` from [`texts`].
pub fn entries<'a>(session: &'a SessionDays<'a>, texts: &'a [(String, String)]) -> Vec<Entry<'a>> {
    let status = if session.cancelled {
        Status::Cancelled
    } else {
        match session.standing {
            Standing::Registration(Registration::Confirmed) => Status::Confirmed,
            Standing::Registration(Registration::Ended) => Status::Cancelled,
            Standing::Registration(_) | Standing::Participants(0) => Status::Tentative,
            _ => Status::Confirmed,
        }
    };
    session
        .days
        .iter()
        .zip(texts)
        .map(|(day, (summary, description))| Entry {
            uid: format!(
                "{}-{}@{UID_DOMAIN}",
                session.session_id,
                day.format("%Y%m%d")
            ),
            sequence: session.version,
            summary,
            location: session.place.unwrap_or("online"),
            description,
            when: When::Day(*day),
            status,
            stamp: session.stamp,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn each_day_is_an_entry_and_the_standing_sets_the_status() {
        let days = [
            NaiveDate::from_ymd_opt(2027, 3, 10).unwrap(),
            NaiveDate::from_ymd_opt(2027, 3, 12).unwrap(),
        ];
        let mut session = SessionDays {
            session_id: Uuid::from_u128(5),
            title: "Grundlagen der Kooperation",
            days: &days,
            place: Some("Heilbronn"),
            online: false,
            cancelled: false,
            version: 2,
            stamp: Utc::now(),
            standing: Standing::Registration(Registration::Waitlisted),
        };
        let texts_ = texts(&session);
        let list = entries(&session, &texts_);
        assert_eq!(list.len(), 2);
        assert_eq!(list[1].when, When::Day(days[1]));
        assert_eq!(
            list[1].summary,
            "QMF-Schulung: Grundlagen der Kooperation, Tag 2 von 2 (Warteliste)"
        );
        assert_eq!(list[0].status, Status::Tentative);
        assert!(
            list[0]
                .uid
                .ends_with("-20270310@training.qmf-heilbronn-franken.de")
        );
        session.standing = Standing::Registration(Registration::Confirmed);
        assert_eq!(entries(&session, &texts_)[0].status, Status::Confirmed);
        session.standing = Standing::Registration(Registration::Ended);
        assert_eq!(entries(&session, &texts_)[0].status, Status::Cancelled);
        session.standing = Standing::Participants(3);
        session.cancelled = true;
        assert_eq!(entries(&session, &texts_)[0].status, Status::Cancelled);
    }
}
