//! iCalendar (RFC 5545) the services write: invitations and subscription feeds, and the
//! secret addresses feeds are read through.
//!
//! The `icalendar` crate writes the text: it escapes TEXT values, folds lines at 75 octets
//! and ends them with CRLF. Times are written in UTC, so no VTIMEZONE is needed; whole days
//! are written as dates (`VALUE=DATE`, the end exclusive, as the RFC wants).

use chrono::{DateTime, Days, NaiveDate, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus};
use sha2::{Digest, Sha256};

/// When an entry takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// From a time to a time.
    Timed {
        starts_at: DateTime<Utc>,
        ends_at: DateTime<Utc>,
    },
    /// One whole day.
    Day(NaiveDate),
}

/// How firmly an entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Confirmed,
    /// E.g. a place on a waiting list.
    Tentative,
    Cancelled,
}

/// One calendar entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// Stable across changes (`<id>@<service domain>`), so programs replace older copies.
    pub uid: String,
    /// Raised on every change. A negative value is written as 0 (RFC 5545 allows none).
    pub sequence: i32,
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub when: When,
    pub status: Status,
    /// DTSTAMP: when this version of the entry was made.
    pub stamp: DateTime<Utc>,
}

/// One invitation: METHOD:REQUEST, or METHOD:CANCEL when cancelled.
pub fn invitation(prodid: &str, entry: &Entry<'_>) -> String {
    let method = if entry.status == Status::Cancelled {
        "CANCEL"
    } else {
        "REQUEST"
    };
    let mut calendar = calendar(prodid, method);
    calendar.push(event(entry));
    calendar.to_string()
}

/// A subscription feed: METHOD:PUBLISH, the calendar's name, one VEVENT per entry.
pub fn feed(prodid: &str, calendar_name: &str, entries: &[Entry<'_>]) -> String {
    let mut calendar = calendar(prodid, "PUBLISH");
    // Sets both NAME (RFC 7986) and X-WR-CALNAME, which older programs read.
    calendar.name(&plain_text(calendar_name));
    calendar.extend(entries.iter().map(event));
    calendar.to_string()
}

fn calendar(prodid: &str, method: &str) -> Calendar {
    // Not Calendar::new(): it brings the crate's own PRODID.
    let mut calendar = Calendar::empty();
    calendar
        .append_property(("VERSION", "2.0"))
        .append_property(("PRODID", prodid))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", method));
    calendar
}

fn event(entry: &Entry<'_>) -> Event {
    let status = match entry.status {
        Status::Confirmed => EventStatus::Confirmed,
        Status::Tentative => EventStatus::Tentative,
        Status::Cancelled => EventStatus::Cancelled,
    };
    let mut event = Event::new();
    event
        .uid(&entry.uid)
        .sequence(u32::try_from(entry.sequence).unwrap_or(0))
        .timestamp(entry.stamp);
    match entry.when {
        When::Timed { starts_at, ends_at } => event.starts(starts_at).ends(ends_at),
        When::Day(day) => event
            .starts(day)
            .ends(day.checked_add_days(Days::new(1)).unwrap_or(day)),
    };
    event
        .summary(&plain_text(entry.summary))
        .location(&plain_text(entry.location))
        .description(&plain_text(entry.description))
        .status(status)
        .done()
}

/// TEXT values may hold line breaks only as the escape `\n` and no other control
/// characters (RFC 5545 3.3.11); the crate escapes LF, so CR and the rest go here.
fn plain_text(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect()
}

/// The secret in a feed's address: 244 random bits from the system's generator, as 64
/// hexadecimal characters. Only its digest is stored; it is shown once, when made.
pub fn new_feed_secret() -> String {
    format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// What is stored of a secret: its SHA-256 in hexadecimal.
pub fn feed_secret_digest(secret: &str) -> String {
    Sha256::digest(secret.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether an address part can be a feed secret at all (checked before any database read).
pub fn is_feed_secret(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// A feed as calendar programs fetch it: `text/calendar`, cached privately for five minutes.
pub fn feed_response(text: String) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header(("Cache-Control", "private, max-age=300"))
        .body(text)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use icalendar::{CalendarComponent, DatePerhapsTime};

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, d).unwrap()
    }

    #[test]
    fn a_whole_day_is_a_date_with_an_exclusive_end() {
        let entry = Entry {
            uid: "s-20270310@training.example".into(),
            sequence: 2,
            summary: "Grundlagen der Kooperation (Tag 1 von 2)",
            location: "Heilbronn",
            description: "",
            when: When::Day(day(10)),
            status: Status::Tentative,
            stamp: DateTime::parse_from_rfc3339("2027-02-01T12:00:00Z")
                .unwrap()
                .to_utc(),
        };
        let text = feed("-//QMF//Test//DE", "Schulungen", &[entry]);
        assert!(
            text.contains("\r\nDTSTART;VALUE=DATE:20270310\r\n"),
            "{text}"
        );
        assert!(text.contains("\r\nDTEND;VALUE=DATE:20270311\r\n"), "{text}");
        assert!(text.contains("\r\nSTATUS:TENTATIVE\r\n"));
        let calendar: Calendar = text.parse().unwrap();
        let event = calendar
            .components
            .iter()
            .find_map(CalendarComponent::as_event)
            .unwrap();
        assert_eq!(event.get_start(), Some(DatePerhapsTime::Date(day(10))));
    }

    #[test]
    fn secrets_are_long_random_and_stored_as_digests() {
        let (a, b) = (new_feed_secret(), new_feed_secret());
        assert_ne!(a, b);
        assert!(is_feed_secret(&a));
        assert!(!is_feed_secret(&a[1..]));
        assert!(!is_feed_secret(&format!("{}g", &a[1..])));
        assert_eq!(feed_secret_digest(&a).len(), 64);
        assert_ne!(feed_secret_digest(&a), a);
        assert_eq!(
            feed_secret_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
