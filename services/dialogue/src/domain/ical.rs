//! iCalendar invitations and subscription feeds for quality dialogues (RFC 5545), written by
//! the platform's shared writer (`qmf_platform::ical`) with the dialogue service's product id
//! and UIDs.

use chrono::{DateTime, Utc};
use qmf_platform::ical::{self as shared, Entry, Status, When};

const PRODID: &str = "-//QMF Heilbronn-Franken//Dialogue//DE";
const UID_DOMAIN: &str = "dialogue.qmf-heilbronn-franken.de";

/// One quality dialogue as a calendar entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DialogueEntry<'a> {
    /// Gives the UID `<id>@dialogue.qmf-heilbronn-franken.de`, stable across changes.
    pub dialogue_id: uuid::Uuid,
    /// Raised on every change, so calendar programs replace older copies. A negative value
    /// is written as 0 (RFC 5545 allows no negative sequence).
    pub sequence: i32,
    /// E.g. "Qualitätsdialog bei <host name>".
    pub summary: &'a str,
    pub location: &'a str,
    pub description: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Written as STATUS:CANCELLED.
    pub cancelled: bool,
    /// DTSTAMP: when this version of the entry was made.
    pub stamp: DateTime<Utc>,
}

impl<'a> DialogueEntry<'a> {
    fn shared(&self) -> Entry<'a> {
        Entry {
            uid: format!("{}@{UID_DOMAIN}", self.dialogue_id),
            sequence: self.sequence,
            summary: self.summary,
            location: self.location,
            description: self.description,
            when: When::Timed {
                starts_at: self.starts_at,
                ends_at: self.ends_at,
            },
            status: if self.cancelled {
                Status::Cancelled
            } else {
                Status::Confirmed
            },
            stamp: self.stamp,
        }
    }
}

/// One invitation: METHOD:REQUEST, or METHOD:CANCEL when cancelled.
pub fn invitation(entry: &DialogueEntry<'_>) -> String {
    shared::invitation(PRODID, &entry.shared())
}

/// A subscription feed: METHOD:PUBLISH, X-WR-CALNAME `calendar_name`, one VEVENT per entry.
pub fn feed(calendar_name: &str, entries: &[DialogueEntry<'_>]) -> String {
    let entries: Vec<Entry<'_>> = entries.iter().map(DialogueEntry::shared).collect();
    shared::feed(PRODID, calendar_name, &entries)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use icalendar::{
        Calendar, CalendarComponent, Component, DatePerhapsTime, Event, EventLike, EventStatus,
    };

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().to_utc()
    }

    fn entry(id: u128) -> DialogueEntry<'static> {
        DialogueEntry {
            dialogue_id: uuid::Uuid::from_u128(id),
            sequence: 3,
            summary: "Qualitätsdialog bei Jugendhilfe Unterland",
            location: "Lerchenstraße 40, 74072 Heilbronn",
            description: "Qualitätsdialog im dritten Jahr des Zyklus.",
            starts_at: utc("2027-03-10T08:30:00Z"),
            ends_at: utc("2027-03-10T11:00:00Z"),
            cancelled: false,
            stamp: utc("2027-02-01T12:00:00Z"),
        }
    }

    fn parse(text: &str) -> Calendar {
        text.parse().expect("the generated text parses")
    }

    fn events(calendar: &Calendar) -> Vec<&Event> {
        calendar
            .components
            .iter()
            .filter_map(CalendarComponent::as_event)
            .collect()
    }

    fn lines(text: &str) -> Vec<&str> {
        text.strip_suffix("\r\n").unwrap().split("\r\n").collect()
    }

    #[test]
    fn an_invitation_carries_the_dialogue() {
        let text = invitation(&entry(7));
        let calendar = parse(&text);
        assert_eq!(calendar.property_value("METHOD"), Some("REQUEST"));
        assert_eq!(calendar.property_value("PRODID"), Some(PRODID));
        assert_eq!(calendar.property_value("VERSION"), Some("2.0"));
        let events = events(&calendar);
        assert_eq!(events.len(), 1);
        let event = events[0];
        assert_eq!(
            event.get_uid(),
            Some("00000000-0000-0000-0000-000000000007@dialogue.qmf-heilbronn-franken.de")
        );
        assert_eq!(event.get_sequence(), Some(3));
        assert_eq!(event.get_status(), Some(EventStatus::Confirmed));
        assert_eq!(
            event.get_summary(),
            Some("Qualitätsdialog bei Jugendhilfe Unterland")
        );
        assert_eq!(
            event.get_location(),
            Some("Lerchenstraße 40, 74072 Heilbronn")
        );
        assert_eq!(
            event.get_start(),
            Some(DatePerhapsTime::from(utc("2027-03-10T08:30:00Z")))
        );
        assert_eq!(
            event.get_end(),
            Some(DatePerhapsTime::from(utc("2027-03-10T11:00:00Z")))
        );
        assert_eq!(event.get_timestamp(), Some(utc("2027-02-01T12:00:00Z")));
        // Times in UTC, literally.
        assert!(text.contains("\r\nDTSTART:20270310T083000Z\r\n"));
        assert!(text.contains("\r\nDTEND:20270310T110000Z\r\n"));
        assert!(text.contains("\r\nDTSTAMP:20270201T120000Z\r\n"));
        assert!(text.contains("\r\nSTATUS:CONFIRMED\r\n"));
    }

    #[test]
    fn a_cancellation_keeps_the_uid() {
        let mut cancelled = entry(7);
        cancelled.cancelled = true;
        cancelled.sequence = 4;
        let text = invitation(&cancelled);
        let calendar = parse(&text);
        assert_eq!(calendar.property_value("METHOD"), Some("CANCEL"));
        let event = events(&calendar)[0];
        assert_eq!(event.get_status(), Some(EventStatus::Cancelled));
        assert_eq!(event.get_sequence(), Some(4));
        let original = parse(&invitation(&entry(7)));
        assert_eq!(event.get_uid(), events(&original)[0].get_uid());
        assert!(text.contains("\r\nSTATUS:CANCELLED\r\n"));
    }

    #[test]
    fn a_negative_sequence_is_written_as_zero() {
        let mut odd = entry(1);
        odd.sequence = -5;
        let calendar = parse(&invitation(&odd));
        assert_eq!(events(&calendar)[0].get_sequence(), Some(0));
    }

    #[test]
    fn text_is_escaped_and_round_trips() {
        let mut tricky = entry(2);
        tricky.summary = "Dialog; Teil 1, Nachbereitung";
        tricky.location = r"Raum A\B, 2. OG; Eingang Süd";
        tricky.description = "Zeile eins\nZeile zwei\r\nZeile drei\rEnde";
        let text = invitation(&tricky);
        assert!(
            text.contains(r"SUMMARY:Dialog\; Teil 1\, Nachbereitung"),
            "{text}"
        );
        assert!(
            text.contains(r"LOCATION:Raum A\\B\, 2. OG\; Eingang Süd"),
            "{text}"
        );
        assert!(
            text.contains(r"DESCRIPTION:Zeile eins\nZeile zwei\nZeile drei\nEnde"),
            "{text}"
        );
        let calendar = parse(&text);
        let event = events(&calendar)[0];
        assert_eq!(event.get_summary(), Some(tricky.summary));
        assert_eq!(event.get_location(), Some(tricky.location));
        assert_eq!(
            event.get_description(),
            Some("Zeile eins\nZeile zwei\nZeile drei\nEnde")
        );
    }

    #[test]
    fn control_characters_are_dropped() {
        let mut odd = entry(3);
        odd.summary = "Dialog\u{0007} mit\u{0000} Gast\tTab";
        let text = invitation(&odd);
        let event = events(&parse(&text))[0].clone();
        assert_eq!(event.get_summary(), Some("Dialog mit Gast\tTab"));
    }

    #[test]
    fn long_lines_are_folded_at_75_octets() {
        let description = "Vorbereitung des Qualitätsdialogs: Qualitätsbericht, Kennzahlen \
            und Vereinbarungen der Träger im Landkreis Heilbronn und im Hohenlohekreis; \
            Ergebnisse werden dokumentiert. "
            .repeat(4);
        let mut long = entry(4);
        long.description = &description;
        let text = invitation(&long);
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        // No bare LF: every line ends with CRLF.
        assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
        let all = lines(&text);
        assert!(all.iter().all(|line| line.len() <= 75), "{text}");
        let continuation = all.iter().filter(|line| line.starts_with(' ')).count();
        assert!(continuation >= 5, "{text}");
        let calendar = parse(&text);
        assert_eq!(
            events(&calendar)[0].get_description(),
            Some(description.as_str())
        );
    }

    #[test]
    fn an_empty_feed() {
        let text = feed("Qualitätsdialoge Heilbronn-Franken", &[]);
        let calendar = parse(&text);
        assert_eq!(calendar.property_value("METHOD"), Some("PUBLISH"));
        assert_eq!(
            calendar.property_value("X-WR-CALNAME"),
            Some("Qualitätsdialoge Heilbronn-Franken")
        );
        assert!(events(&calendar).is_empty());
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
    }

    #[test]
    fn a_feed_with_several_entries() {
        let mut cancelled = entry(2);
        cancelled.cancelled = true;
        let entries = [entry(1), cancelled, entry(3)];
        let text = feed("Dialoge, Kreis; Heilbronn", &entries);
        let calendar = parse(&text);
        assert_eq!(calendar.property_value("METHOD"), Some("PUBLISH"));
        assert_eq!(
            calendar.property_value("X-WR-CALNAME"),
            Some("Dialoge, Kreis; Heilbronn")
        );
        let events = events(&calendar);
        let uids: Vec<_> = events.iter().map(|e| e.get_uid().unwrap()).collect();
        assert_eq!(
            uids,
            entries
                .iter()
                .map(|e| format!("{}@{UID_DOMAIN}", e.dialogue_id))
                .collect::<Vec<_>>()
        );
        let statuses: Vec<_> = events.iter().map(|e| e.get_status().unwrap()).collect();
        assert_eq!(
            statuses,
            [
                EventStatus::Confirmed,
                EventStatus::Cancelled,
                EventStatus::Confirmed
            ]
        );
        assert_eq!(text.matches("BEGIN:VEVENT\r\n").count(), 3);
        assert_eq!(text.matches("\r\nPRODID:").count(), 1);
    }
}
