//! iCalendar (RFC 5545) objects for meeting invitations: one VEVENT per meeting, its UID
//! stable across changes, `SEQUENCE` from the meeting's version so calendars replace older
//! copies, text escaped and lines folded at 75 octets.

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// What the calendar entry shows.
pub struct CalendarEvent<'a> {
    pub meeting_id: Uuid,
    pub sequence: i32,
    pub title: &'a str,
    pub place: &'a str,
    pub description: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub cancelled: bool,
    pub stamp: DateTime<Utc>,
}

/// The calendar object, CRLF line endings.
pub fn calendar(event: &CalendarEvent<'_>) -> String {
    let status = if event.cancelled {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    let lines = [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".to_string(),
        "PRODID:-//QMF Heilbronn-Franken//committee//DE".to_string(),
        "CALSCALE:GREGORIAN".to_string(),
        "BEGIN:VEVENT".to_string(),
        format!("UID:{}@committee.qmf", event.meeting_id),
        format!("DTSTAMP:{}", utc(event.stamp)),
        format!("DTSTART:{}", utc(event.starts_at)),
        format!("DTEND:{}", utc(event.ends_at)),
        format!("SEQUENCE:{}", event.sequence.max(0)),
        format!("STATUS:{status}"),
        format!("SUMMARY:{}", escape(event.title)),
        format!("LOCATION:{}", escape(event.place)),
        format!("DESCRIPTION:{}", escape(event.description)),
        "END:VEVENT".to_string(),
        "END:VCALENDAR".to_string(),
    ];
    let mut out = String::new();
    for line in lines {
        fold_into(&mut out, &line);
    }
    out
}

fn utc(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT value escaping (RFC 5545 3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Appends `line` folded to at most 75 octets per physical line (3.1), never splitting a
/// UTF-8 character; continuation lines start with one space.
fn fold_into(out: &mut String, line: &str) {
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sample(title: &str, cancelled: bool) -> String {
        let at = |h| {
            Utc.with_ymd_and_hms(2027, 3, 17, h, 0, 0)
                .single()
                .unwrap_or_default()
        };
        calendar(&CalendarEvent {
            meeting_id: Uuid::nil(),
            sequence: 3,
            title,
            place: "Landratsamt Künzelsau; Saal 1, EG",
            description: "TOP 1: Begrüßung\nTOP 2: Bericht",
            starts_at: at(9),
            ends_at: at(13),
            cancelled,
            stamp: at(8),
        })
    }

    #[test]
    fn fields_are_escaped_and_lines_folded() {
        let long = "Forum Jugendhilfe – Frühjahrssitzung mit Fachtag zur Kooperation von Jugendhilfe und Psychiatrie";
        let text = sample(long, false);
        assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(text.ends_with("END:VEVENT\r\nEND:VCALENDAR\r\n"));
        assert!(text.contains("DTSTART:20270317T090000Z\r\n"));
        assert!(text.contains("SEQUENCE:3\r\n"));
        assert!(text.contains("STATUS:CONFIRMED\r\n"));
        assert!(text.contains("LOCATION:Landratsamt Künzelsau\\; Saal 1\\, EG\r\n"));
        assert!(text.contains("DESCRIPTION:TOP 1: Begrüßung\\nTOP 2: Bericht\r\n"));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{line:?} has {} octets", line.len());
        }
        // Unfolding gives back the summary.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{long}\r\n")));
        assert!(sample("x", true).contains("STATUS:CANCELLED\r\n"));
    }
}
