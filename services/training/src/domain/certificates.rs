//! Certificates of attendance: the verification code, and the certificate as a PDF page.

use chrono::NaiveDate;
use qmf_platform::pdf::{Align, Document, Weight};

/// Crockford's base32: digits and capitals without I, L, O and U, so a code read aloud or
/// typed from paper is not mistaken.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// The issuer named on every certificate.
pub const ISSUER: &str = "JuCon / Diakonische Jugendhilfe Heilbronn";

/// A verification code of 16 characters from 80 random bits (10 bytes).
pub fn code_from(random: [u8; 10]) -> String {
    let mut bits: u128 = 0;
    for byte in random {
        bits = (bits << 8) | u128::from(byte);
    }
    (0..16)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect()
}

/// A fresh code.
pub fn new_code() -> String {
    let bytes = uuid::Uuid::new_v4().into_bytes();
    let mut random = [0u8; 10];
    // A version 4 UUID holds random bits everywhere but bytes 6 and 8 (version, variant).
    random[..6].copy_from_slice(&bytes[..6]);
    random[6] = bytes[7];
    random[7..].copy_from_slice(&bytes[9..12]);
    code_from(random)
}

/// The code as printed: four groups of four.
pub fn grouped(code: &str) -> String {
    code.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("-")
}

/// A code as someone typed it, read the way Crockford's base32 is meant to be read: case,
/// hyphens and spaces do not matter, O is 0, I and L are 1. `None` when it cannot be a code.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed
        .chars()
        .filter(|c| *c != '-' && *c != ' ')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == 16 && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// What a certificate shows.
#[derive(Debug, Clone)]
pub struct Certificate<'a> {
    pub holder_name: &'a str,
    pub organization_name: &'a str,
    pub course_title: &'a str,
    pub topic: &'a str,
    pub duration_hours: i32,
    pub days: &'a [NaiveDate],
    pub place: Option<&'a str>,
    pub online: bool,
    pub issued_on: NaiveDate,
    pub code: &'a str,
    /// Where the code is checked, e.g. `https://qmf.example/v1/certificate-verifications/`.
    pub verify_at: &'a str,
}

/// The German name of a course topic.
pub fn topic_de(topic: &str) -> &'static str {
    match topic {
        "guidelines" => "Leitlinien und Philosophie der Kooperation",
        "process_steps" => "Prozessschritte des Hilfefalls",
        "instruments" => "Anwendung der Instrumente",
        "quality_dialogue" => "Qualitätsdialog",
        "refresher" => "Auffrischung",
        "expert_day" => "Fachtag",
        _ => "Schulung",
    }
}

/// Where a session takes place, in German: the place, "online", or both.
pub fn place_de(place: Option<&str>, online: bool) -> String {
    match (place, online) {
        (Some(place), true) => format!("{place} und online"),
        (Some(place), false) => place.to_string(),
        (None, _) => "online".to_string(),
    }
}

/// Days as a German list: "10.03.2027, 11.03.2027".
pub fn days_de(days: &[NaiveDate]) -> String {
    days.iter()
        .map(|d| d.format("%d.%m.%Y").to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The certificate as a one-page PDF (A4, German).
pub fn pdf(certificate: &Certificate<'_>) -> Vec<u8> {
    let grouped = grouped(certificate.code);
    let mut doc = Document::new(
        &format!("Teilnahmebescheinigung {grouped}"),
        &format!("Prüfcode {grouped}"),
    );
    doc.space(40.0);
    doc.text(
        "Qualitätsmanagement Jugendhilfe Heilbronn-Franken",
        11.0,
        Weight::Regular,
        Align::Center,
    );
    doc.space(24.0);
    doc.text("Teilnahmebescheinigung", 26.0, Weight::Bold, Align::Center);
    doc.space(36.0);
    doc.text(certificate.holder_name, 18.0, Weight::Bold, Align::Center);
    doc.text(
        certificate.organization_name,
        11.0,
        Weight::Regular,
        Align::Center,
    );
    doc.space(24.0);
    doc.text(
        "hat an der QMF-Schulung",
        12.0,
        Weight::Regular,
        Align::Center,
    );
    doc.space(6.0);
    doc.text(certificate.course_title, 16.0, Weight::Bold, Align::Center);
    doc.space(6.0);
    doc.text(
        "erfolgreich teilgenommen.",
        12.0,
        Weight::Regular,
        Align::Center,
    );
    doc.space(36.0);
    doc.field("Thema", topic_de(certificate.topic), 11.0);
    doc.field("Termin", &days_de(certificate.days), 11.0);
    doc.field(
        "Umfang",
        &format!("{} Zeitstunden", certificate.duration_hours),
        11.0,
    );
    doc.field(
        "Ort",
        &place_de(certificate.place, certificate.online),
        11.0,
    );
    doc.field("Veranstalter", ISSUER, 11.0);
    doc.field(
        "Ausgestellt am",
        &certificate.issued_on.format("%d.%m.%Y").to_string(),
        11.0,
    );
    doc.space(36.0);
    doc.text(
        &format!("Prüfcode: {grouped}"),
        12.0,
        Weight::Bold,
        Align::Left,
    );
    doc.text(
        &format!(
            "Die Echtheit dieser Bescheinigung lässt sich unter {}{} prüfen. \
             Die Prüfung zeigt, ob die Bescheinigung gültig ist, für wen und worüber sie \
             ausgestellt wurde.",
            certificate.verify_at, certificate.code
        ),
        9.5,
        Weight::Regular,
        Align::Left,
    );
    doc.finish()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use qmf_platform::pdf::shows;

    #[test]
    fn a_code_has_sixteen_unambiguous_characters() {
        assert_eq!(code_from([0; 10]), "0000000000000000");
        assert_eq!(code_from([0xff; 10]), "ZZZZZZZZZZZZZZZZ");
        assert_eq!(
            code_from([0, 0, 0, 0, 0, 0, 0, 0, 0, 33]),
            "0000000000000011"
        );
        let a = new_code();
        let b = new_code();
        assert_ne!(a, b);
        assert_eq!(normalise(&a), Some(a.clone()));
        assert_eq!(grouped("ABCDEFGHJKMNPQRS"), "ABCD-EFGH-JKMN-PQRS");
    }

    #[test]
    fn a_typed_code_is_read_leniently_but_only_as_a_code() {
        assert_eq!(
            normalise("abcd-efgh-jkmn-pqrs").as_deref(),
            Some("ABCDEFGHJKMNPQRS")
        );
        assert_eq!(
            normalise("oOiI LlAB CDEF GHJK").as_deref(),
            Some("001111ABCDEFGHJK")
        );
        assert_eq!(normalise("ABCD-EFGH-JKMN-PQR"), None);
        assert_eq!(normalise("ABCD-EFGH-JKMN-PQRU"), None);
        assert_eq!(normalise("ABCD-EFGH-JKMN-PQR%"), None);
    }

    #[test]
    fn the_certificate_shows_holder_course_and_code() {
        let days = [
            NaiveDate::from_ymd_opt(2027, 3, 10).unwrap(),
            NaiveDate::from_ymd_opt(2027, 3, 11).unwrap(),
        ];
        let bytes = pdf(&Certificate {
            holder_name: "Jürgen Weiß",
            organization_name: "Jugendamt Heilbronn",
            course_title: "Grundlagen der Kooperation",
            topic: "guidelines",
            duration_hours: 12,
            days: &days,
            place: Some("Heilbronn"),
            online: false,
            issued_on: days[1],
            code: "ABCDEFGHJKMNPQRS",
            verify_at: "/v1/certificate-verifications/",
        });
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(shows(&bytes, "Jürgen Weiß"));
        assert!(shows(&bytes, "Prüfcode: ABCD-EFGH-JKMN-PQRS"));
        assert!(shows(&bytes, "10.03.2027, 11.03.2027"));
        assert!(
            shows(&bytes, "Fachtag") || shows(&bytes, "Leitlinien und Philosophie der Kooperation")
        );
        assert!(String::from_utf8_lossy(&bytes).contains("/Count 1"));
    }
}
