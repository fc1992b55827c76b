//! PDF documents the platform writes (certificates, participant lists, sign-in sheets): A4
//! pages of text and tables, in German.
//!
//! `pdf-writer` writes the file (objects, streams, cross-reference table). The text uses two
//! of the standard fonts every PDF reader has, Helvetica and Helvetica-Bold, in the
//! Windows-1252 encoding (`WinAnsiEncoding`), which holds the German letters; so nothing is
//! embedded and a document of a few pages stays a few kilobytes. A character outside that
//! encoding is written as `?`. Lines are broken at spaces by the fonts' published glyph
//! widths, so text never runs off a page or out of a table cell.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};
use unicode_normalization::UnicodeNormalization;

/// A4 in points.
const PAGE_WIDTH: f32 = 595.0;
const PAGE_HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const FOOTER_Y: f32 = 30.0;
const REGULAR: Name<'static> = Name(b"F1");
const BOLD: Name<'static> = Name(b"F2");

/// The weight of a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// Where a line of text stands between the margins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Center,
}

/// One column of a table: its heading and its share of the text width (the shares of a
/// table's columns add up to 1).
#[derive(Debug, Clone, Copy)]
pub struct Column<'a> {
    pub heading: &'a str,
    pub share: f32,
}

/// A document being written, page by page, from the top.
pub struct Document {
    title: String,
    footer: String,
    pages: Vec<Content>,
    page: Content,
    /// The baseline of the next line.
    y: f32,
}

impl Document {
    /// An empty document; `title` goes into its properties, `footer` at the foot of every
    /// page beside the page number ("Seite n von m").
    pub fn new(title: &str, footer: &str) -> Document {
        Document {
            title: title.to_string(),
            footer: footer.to_string(),
            pages: Vec::new(),
            page: Content::new(),
            y: PAGE_HEIGHT - MARGIN,
        }
    }

    /// The width text may take on a page.
    pub fn text_width() -> f32 {
        PAGE_WIDTH - 2.0 * MARGIN
    }

    /// Moves down by `points`.
    pub fn space(&mut self, points: f32) {
        self.y -= points;
    }

    /// Writes `text` broken into lines of the text width.
    pub fn text(&mut self, text: &str, size: f32, weight: Weight, align: Align) {
        for line in wrap(text, size, weight, Document::text_width()) {
            self.room_for(size * 1.35);
            let x = match align {
                Align::Left => MARGIN,
                Align::Center => (PAGE_WIDTH - width(&line, size, weight)) / 2.0,
            };
            self.y -= size;
            show(&mut self.page, &line, x, self.y, size, weight);
            self.y -= size * 0.35;
        }
    }

    /// A label in bold and its value beside it, the value wrapped at the text width.
    pub fn field(&mut self, label: &str, value: &str, size: f32) {
        let label_width = 150.0;
        let lines = wrap(
            value,
            size,
            Weight::Regular,
            Document::text_width() - label_width,
        );
        for (i, line) in lines.iter().enumerate() {
            self.room_for(size * 1.4);
            self.y -= size;
            if i == 0 {
                show(&mut self.page, label, MARGIN, self.y, size, Weight::Bold);
            }
            show(
                &mut self.page,
                line,
                MARGIN + label_width,
                self.y,
                size,
                Weight::Regular,
            );
            self.y -= size * 0.4;
        }
    }

    /// A table with a heading row, repeated on every page it runs onto. Every row is at
    /// least `min_row_height` high (room for a signature), more when a cell wraps.
    pub fn table(&mut self, columns: &[Column<'_>], rows: &[Vec<String>], min_row_height: f32) {
        let size = 9.5;
        let padding = 4.0;
        let total = Document::text_width();
        let widths: Vec<f32> = columns.iter().map(|c| c.share * total).collect();
        let heading: Vec<String> = columns.iter().map(|c| c.heading.to_string()).collect();
        self.table_row(&heading, &widths, size, padding, 0.0, Weight::Bold, true);
        for row in rows {
            let height = self.row_height(row, &widths, size, padding, min_row_height);
            if self.y - height < MARGIN + 10.0 {
                self.new_page();
                self.table_row(&heading, &widths, size, padding, 0.0, Weight::Bold, true);
            }
            self.table_row(
                row,
                &widths,
                size,
                padding,
                min_row_height,
                Weight::Regular,
                false,
            );
        }
    }

    fn row_height(&self, row: &[String], widths: &[f32], size: f32, padding: f32, min: f32) -> f32 {
        let lines = row
            .iter()
            .zip(widths)
            .map(|(cell, w)| wrap(cell, size, Weight::Regular, w - 2.0 * padding).len())
            .max()
            .unwrap_or(1)
            .max(1);
        (lines as f32 * size * 1.25 + 2.0 * padding).max(min)
    }

    #[allow(clippy::too_many_arguments)]
    fn table_row(
        &mut self,
        row: &[String],
        widths: &[f32],
        size: f32,
        padding: f32,
        min: f32,
        weight: Weight,
        shaded: bool,
    ) {
        let height = self.row_height(row, widths, size, padding, min);
        self.room_for(height);
        let top = self.y;
        let bottom = top - height;
        if shaded {
            self.page.save_state();
            self.page.set_fill_gray(0.9);
            self.page
                .rect(MARGIN, bottom, Document::text_width(), height);
            self.page.fill_nonzero();
            self.page.restore_state();
        }
        let mut x = MARGIN;
        for (cell, w) in row.iter().zip(widths) {
            self.page.set_line_width(0.5);
            self.page.rect(x, bottom, *w, height);
            self.page.stroke();
            let mut baseline = top - padding - size;
            for line in wrap(cell, size, weight, w - 2.0 * padding) {
                show(&mut self.page, &line, x + padding, baseline, size, weight);
                baseline -= size * 1.25;
            }
            x += w;
        }
        self.y = bottom;
    }

    /// Starts a new page (nothing when the current one is still empty).
    pub fn page_break(&mut self) {
        if self.y < PAGE_HEIGHT - MARGIN {
            self.new_page();
        }
    }

    /// Starts a new page unless `height` still fits above the bottom margin.
    fn room_for(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.new_page();
        }
    }

    fn new_page(&mut self) {
        let page = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(page);
        self.y = PAGE_HEIGHT - MARGIN;
    }

    /// The finished file.
    pub fn finish(mut self) -> Vec<u8> {
        let last = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(last);
        let count = self.pages.len();
        let mut pdf = Pdf::new();
        let catalog = Ref::new(1);
        let tree = Ref::new(2);
        let regular = Ref::new(3);
        let bold = Ref::new(4);
        let info = Ref::new(5);
        let first_page = 6;
        let page_refs: Vec<Ref> = (0..count)
            .map(|i| Ref::new(first_page + 2 * i as i32))
            .collect();
        pdf.catalog(catalog).pages(tree);
        pdf.pages(tree)
            .kids(page_refs.iter().copied())
            .count(count as i32);
        pdf.type1_font(regular)
            .base_font(Name(b"Helvetica"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.type1_font(bold)
            .base_font(Name(b"Helvetica-Bold"))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
        pdf.document_info(info)
            .title(TextStr(&self.title))
            .producer(TextStr("QMF Heilbronn-Franken"));
        for (i, mut content) in self.pages.into_iter().enumerate() {
            let footer = format!("{}    Seite {} von {count}", self.footer, i + 1);
            show(
                &mut content,
                &footer,
                MARGIN,
                FOOTER_Y,
                8.0,
                Weight::Regular,
            );
            let page_ref = page_refs[i];
            let content_ref = Ref::new(page_ref.get() + 1);
            let mut page = pdf.page(page_ref);
            page.media_box(Rect::new(0.0, 0.0, PAGE_WIDTH, PAGE_HEIGHT))
                .parent(tree)
                .contents(content_ref);
            page.resources()
                .fonts()
                .pair(REGULAR, regular)
                .pair(BOLD, bold);
            page.finish();
            pdf.stream(content_ref, &content.finish());
        }
        pdf.finish()
    }
}

fn show(content: &mut Content, text: &str, x: f32, y: f32, size: f32, weight: Weight) {
    let font = match weight {
        Weight::Regular => REGULAR,
        Weight::Bold => BOLD,
    };
    content
        .begin_text()
        .set_font(font, size)
        .next_line(x, y)
        .show(Str(&encode(text)))
        .end_text();
}

/// `text` in Windows-1252; other characters become `?`, control characters a space.
pub fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut buffer = [0u8; 4];
    for c in text.chars() {
        if c.is_control() {
            out.push(b' ');
            continue;
        }
        let (bytes, _, unmappable) = encoding_rs::WINDOWS_1252.encode(c.encode_utf8(&mut buffer));
        if unmappable || bytes.len() != 1 {
            out.push(b'?');
        } else {
            out.extend_from_slice(&bytes);
        }
    }
    out
}

/// Whether `pdf` shows `text` as one piece (a line, a cell): for checking documents in tests.
/// Text in plain ASCII stands in the file as it is, other text as hexadecimal bytes.
pub fn shows(pdf: &[u8], text: &str) -> bool {
    let bytes = encode(text);
    let written = if bytes.is_ascii() {
        format!("({text})")
    } else {
        let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
        format!("<{hex}>")
    };
    pdf.windows(written.len()).any(|w| w == written.as_bytes())
}

/// Breaks `text` into lines no wider than `max` (a word wider than a line is cut). Line
/// breaks in the text are kept.
pub fn wrap(text: &str, size: f32, weight: Weight, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if width(&candidate, size, weight) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word longer than a line is cut where it must be.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width(&piece, size, weight) > max && piece.chars().count() > 1 {
                    piece.pop();
                    lines.push(std::mem::take(&mut piece));
                    piece.push(c);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

/// The width of `text` in points.
pub fn width(text: &str, size: f32, weight: Weight) -> f32 {
    let units: u32 = text.chars().map(|c| glyph_width(c, weight)).sum();
    units as f32 * size / 1000.0
}

/// Glyph widths of Helvetica and Helvetica-Bold (in 1/1000 em) for the printable ASCII
/// characters, from the fonts' published metrics (AFM files of the standard 14 fonts).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

fn glyph_width(c: char, weight: Weight) -> u32 {
    let table = match weight {
        Weight::Regular => &HELVETICA,
        Weight::Bold => &HELVETICA_BOLD,
    };
    let ascii = |c: char| {
        let code = c as u32;
        (32..127)
            .contains(&code)
            .then(|| u32::from(table[(code - 32) as usize]))
    };
    if let Some(w) = ascii(c) {
        return w;
    }
    match c {
        'ß' => 611,
        '\u{a0}' => 278,
        '–' | '€' => 556,
        '—' => 1000,
        '„' | '“' | '”' => 500,
        '‚' | '‘' | '’' => 278,
        '…' => 1000,
        '•' => 350,
        // An accented letter is as wide as its base letter (ä as a, Ü as U).
        _ => c.nfd().next().and_then(ascii).unwrap_or(556),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn german_letters_are_written_in_windows_1252() {
        assert_eq!(encode("Müller"), b"M\xfcller");
        assert_eq!(
            encode("Straße – „Fachtag“"),
            b"Stra\xdfe \x96 \x84Fachtag\x93"
        );
        assert_eq!(encode("Łódź\n"), b"?\xf3d? ");
    }

    #[test]
    fn lines_are_broken_at_spaces_within_the_width() {
        let text = "Grundlagen der Kooperation in der Jugendhilfe Heilbronn-Franken";
        let lines = wrap(text, 10.0, Weight::Regular, 120.0);
        assert!(lines.len() > 1);
        assert!(
            lines
                .iter()
                .all(|l| width(l, 10.0, Weight::Regular) <= 120.0)
        );
        assert_eq!(lines.join(" "), text);
        let long = wrap(&"x".repeat(100), 10.0, Weight::Bold, 50.0);
        assert!(long.len() > 1);
        assert_eq!(long.concat(), "x".repeat(100));
        assert_eq!(wrap("a\nb", 10.0, Weight::Regular, 100.0), ["a", "b"]);
        assert!(width("Ä", 10.0, Weight::Regular) > width("a", 10.0, Weight::Regular));
    }

    #[test]
    fn a_long_table_runs_onto_numbered_pages() {
        let mut doc = Document::new("Teilnehmerliste", "QMF Heilbronn-Franken");
        doc.text("Teilnehmerliste", 16.0, Weight::Bold, Align::Center);
        let rows: Vec<Vec<String>> = (0..80)
            .map(|i| {
                vec![
                    format!("Person {i}"),
                    "Jugendamt Heilbronn".into(),
                    String::new(),
                ]
            })
            .collect();
        let columns = [
            Column {
                heading: "Name",
                share: 0.4,
            },
            Column {
                heading: "Organisation",
                share: 0.35,
            },
            Column {
                heading: "Unterschrift",
                share: 0.25,
            },
        ];
        doc.table(&columns, &rows, 24.0);
        let bytes = doc.finish();
        let text = String::from_utf8_lossy(&bytes);
        assert!(bytes.starts_with(b"%PDF-"));
        assert!(text.trim_end().ends_with("%%EOF"));
        assert!(text.contains("/WinAnsiEncoding"));
        assert!(shows(&bytes, "Person 79"));
        assert!(!shows(&bytes, "Person 80"));
        // 28 rows fit on the first page under the title, 29 on the next: three pages.
        assert!(text.contains("Seite 3 von 3"));
        assert!(!text.contains("Seite 4"));
        assert!(text.contains("/Count 3"));
    }
}
