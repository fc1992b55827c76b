//! The participant list and the sign-in sheet of a session, as PDF and CSV.

use chrono::NaiveDate;
use qmf_platform::csv_out;
use qmf_platform::pdf::{Align, Column, Document, Weight};

use super::certificates::{ISSUER, days_de, place_de};

/// The session as the head of both documents shows it.
#[derive(Debug, Clone)]
pub struct SessionHead<'a> {
    pub course_title: &'a str,
    pub days: &'a [NaiveDate],
    pub place: Option<&'a str>,
    pub online: bool,
    pub capacity: i32,
}

/// One confirmed participant.
#[derive(Debug, Clone)]
pub struct Participant<'a> {
    pub given_name: &'a str,
    pub family_name: &'a str,
    pub email: Option<&'a str>,
    pub organization_name: &'a str,
    /// `youth_office` or `institution`.
    pub organization_kind: &'a str,
}

fn kind_de(kind: &str) -> &'static str {
    match kind {
        "youth_office" => "Jugendamt",
        "institution" => "Freier Träger",
        _ => "",
    }
}

fn head(doc: &mut Document, title: &str, head: &SessionHead<'_>) {
    doc.text(title, 18.0, Weight::Bold, Align::Left);
    doc.space(6.0);
    doc.field("Schulung", head.course_title, 10.5);
    doc.field("Termin", &days_de(head.days), 10.5);
    doc.field("Ort", &place_de(head.place, head.online), 10.5);
    doc.field("Veranstalter", ISSUER, 10.5);
    doc.space(12.0);
}

/// The participant list: every confirmed participant with organisation and its kind.
pub fn participant_list_pdf(session: &SessionHead<'_>, people: &[Participant<'_>]) -> Vec<u8> {
    let mut doc = Document::new(
        &format!("Teilnehmerliste {}", session.course_title),
        "QMF Heilbronn-Franken · Teilnehmerliste",
    );
    head(&mut doc, "Teilnehmerliste", session);
    doc.text(
        &format!(
            "{} von {} Plätzen bestätigt",
            people.len(),
            session.capacity
        ),
        10.0,
        Weight::Regular,
        Align::Left,
    );
    doc.space(8.0);
    let columns = [
        Column {
            heading: "Nr.",
            share: 0.07,
        },
        Column {
            heading: "Name",
            share: 0.33,
        },
        Column {
            heading: "Organisation",
            share: 0.42,
        },
        Column {
            heading: "Art",
            share: 0.18,
        },
    ];
    let rows: Vec<Vec<String>> = people
        .iter()
        .enumerate()
        .map(|(i, p)| {
            vec![
                (i + 1).to_string(),
                format!("{}, {}", p.family_name, p.given_name),
                p.organization_name.to_string(),
                kind_de(p.organization_kind).to_string(),
            ]
        })
        .collect();
    doc.table(&columns, &rows, 0.0);
    doc.finish()
}

/// The participant list as CSV (one row per participant).
pub fn participant_list_csv(people: &[Participant<'_>]) -> Result<String, csv::Error> {
    csv_out::write(
        &[
            "family_name",
            "given_name",
            "email",
            "organization",
            "organization_kind",
        ],
        people.iter().map(|p| {
            [
                p.family_name,
                p.given_name,
                p.email.unwrap_or(""),
                p.organization_name,
                p.organization_kind,
            ]
        }),
    )
}

/// The sign-in sheet: one page per session day, a row per participant with room to sign.
pub fn sign_in_sheet_pdf(session: &SessionHead<'_>, people: &[Participant<'_>]) -> Vec<u8> {
    let mut doc = Document::new(
        &format!("Unterschriftenliste {}", session.course_title),
        "QMF Heilbronn-Franken · Unterschriftenliste",
    );
    let columns = [
        Column {
            heading: "Nr.",
            share: 0.07,
        },
        Column {
            heading: "Name",
            share: 0.3,
        },
        Column {
            heading: "Organisation",
            share: 0.33,
        },
        Column {
            heading: "Unterschrift",
            share: 0.3,
        },
    ];
    for day in session.days {
        doc.page_break();
        head(&mut doc, "Unterschriftenliste", session);
        doc.text(
            &format!("Tag: {}", day.format("%d.%m.%Y")),
            12.0,
            Weight::Bold,
            Align::Left,
        );
        doc.space(8.0);
        let rows: Vec<Vec<String>> = people
            .iter()
            .enumerate()
            .map(|(i, p)| {
                vec![
                    (i + 1).to_string(),
                    format!("{}, {}", p.family_name, p.given_name),
                    p.organization_name.to_string(),
                    String::new(),
                ]
            })
            .collect();
        doc.table(&columns, &rows, 26.0);
    }
    doc.finish()
}

/// The sign-in sheet as CSV: a row per day and participant, the signature column empty.
pub fn sign_in_sheet_csv(
    days: &[NaiveDate],
    people: &[Participant<'_>],
) -> Result<String, csv::Error> {
    let rows = days.iter().flat_map(|day| {
        people.iter().map(move |p| {
            vec![
                day.to_string(),
                p.family_name.to_string(),
                p.given_name.to_string(),
                p.organization_name.to_string(),
                String::new(),
            ]
        })
    });
    csv_out::write(
        &[
            "day",
            "family_name",
            "given_name",
            "organization",
            "signature",
        ],
        rows,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use qmf_platform::pdf::shows;

    fn fixture() -> (Vec<NaiveDate>, Vec<Participant<'static>>) {
        let days = vec![
            NaiveDate::from_ymd_opt(2027, 3, 10).unwrap(),
            NaiveDate::from_ymd_opt(2027, 3, 11).unwrap(),
        ];
        let people = vec![
            Participant {
                given_name: "Jürgen",
                family_name: "Weiß",
                email: Some("j.weiss@example.org"),
                organization_name: "Einrichtung Öhringen",
                organization_kind: "institution",
            },
            Participant {
                given_name: "Anna",
                family_name: "=Becker",
                email: None,
                organization_name: "Jugendamt Heilbronn",
                organization_kind: "youth_office",
            },
        ];
        (days, people)
    }

    #[test]
    fn the_sign_in_sheet_has_a_page_per_day() {
        let (days, people) = fixture();
        let head = SessionHead {
            course_title: "Grundlagen der Kooperation",
            days: &days,
            place: Some("Heilbronn"),
            online: false,
            capacity: 20,
        };
        let bytes = sign_in_sheet_pdf(&head, &people);
        assert!(String::from_utf8_lossy(&bytes).contains("/Count 2"));
        assert!(shows(&bytes, "Tag: 10.03.2027"));
        assert!(shows(&bytes, "Tag: 11.03.2027"));
        assert!(shows(&bytes, "Weiß, Jürgen"));
        let list = participant_list_pdf(&head, &people);
        assert!(shows(&list, "2 von 20 Plätzen bestätigt"));
        assert!(shows(&list, "Freier Träger"));
    }

    #[test]
    fn the_csv_files_are_neutralised_against_formulas() {
        let (days, people) = fixture();
        let sheet = sign_in_sheet_csv(&days, &people).unwrap();
        assert_eq!(sheet.lines().count(), 5);
        assert!(sheet.contains("2027-03-11,'=Becker,Anna,Jugendamt Heilbronn,"));
        let list = participant_list_csv(&people).unwrap();
        assert!(list.starts_with("family_name,given_name,email,organization,organization_kind"));
        assert!(list.contains("Weiß,Jürgen,j.weiss@example.org,Einrichtung Öhringen,institution"));
    }
}
