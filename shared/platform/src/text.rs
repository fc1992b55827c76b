//! The rules every piece of text entering the platform obeys, in one place: JSON bodies,
//! query strings, paths and CSV cells all pass through [`clean`].
//!
//! - No control characters other than tab, line feed and carriage return (PostgreSQL refuses
//!   NUL in text, and the others have no business in names, reasons or minutes).
//! - No bidirectional embedding, override or isolate characters (U+202A–U+202E,
//!   U+2066–U+2069): they make a name display as something else ("Trojan source").
//!   Right-to-left scripts need none of them.
//! - Text made only of invisible characters (zero-width spaces, joiners, soft hyphens…) is
//!   refused: it looks empty but is not.
//! - Text is stored in Unicode normalisation form C, so the same name typed on two systems
//!   (precomposed or decomposed umlauts) is one name.
//! - Values that are dates (`YYYY-MM-DD`, alone or starting a timestamp) lie between
//!   [`MIN_YEAR`] and [`MAX_YEAR`]; anything else breaks calendars, sorting and the API's own
//!   schema on reading.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// Earliest year a date in the API may have.
pub const MIN_YEAR: i64 = 1900;
/// Latest year a date in the API may have.
pub const MAX_YEAR: i64 = 2200;

/// Why a text value was refused; the message is safe to show (it never repeats the value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextError {
    ControlCharacter,
    BidiControl,
    NoVisibleCharacter,
    DateOutOfRange,
}

impl TextError {
    pub fn message(self) -> &'static str {
        match self {
            TextError::ControlCharacter => {
                "must not contain control characters (only tab and line breaks are allowed)"
            }
            TextError::BidiControl => {
                "must not contain bidirectional override, embedding or isolate characters"
            }
            TextError::NoVisibleCharacter => "must contain at least one visible character",
            TextError::DateOutOfRange => "dates must lie between 1900-01-01 and 2200-12-31",
        }
    }
}

/// Checks `value` and returns it in NFC.
pub fn clean(value: &str) -> Result<Cow<'_, str>, TextError> {
    let mut visible = false;
    let mut invisible = false;
    for c in value.chars() {
        match c {
            '\t' | '\n' | '\r' => {}
            c if c.is_control() => return Err(TextError::ControlCharacter),
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' => {
                return Err(TextError::BidiControl);
            }
            c if is_invisible(c) => invisible = true,
            c if c.is_whitespace() => {}
            _ => visible = true,
        }
    }
    if invisible && !visible {
        return Err(TextError::NoVisibleCharacter);
    }
    if date_out_of_range(value) {
        return Err(TextError::DateOutOfRange);
    }
    Ok(match is_nfc_quick(value.chars()) {
        IsNormalized::Yes => Cow::Borrowed(value),
        _ => Cow::Owned(value.nfc().collect()),
    })
}

/// Characters that render as nothing (format characters and fillers).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}'
        | '\u{206A}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{E0000}'..='\u{E007F}')
}

/// Whether `value` is a date (or starts a timestamp) whose year lies outside the range.
/// Matches `[+-]?YYYY[Y…]-MM-DD` alone or followed by `T` and a time.
fn date_out_of_range(value: &str) -> bool {
    let bytes = value.as_bytes();
    let (negative, digits_start) = match bytes.first() {
        Some(b'+') => (false, 1),
        Some(b'-') => (true, 1),
        _ => (false, 0),
    };
    let year_len = bytes[digits_start..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    if year_len < 4 {
        return false;
    }
    let rest = &bytes[digits_start + year_len..];
    let shape = rest.len() >= 6
        && rest[0] == b'-'
        && rest[1..3].iter().all(u8::is_ascii_digit)
        && rest[3] == b'-'
        && rest[4..6].iter().all(u8::is_ascii_digit)
        && (rest.len() == 6 || matches!(rest[6], b'T' | b't'));
    if !shape {
        return false;
    }
    let year: i64 = value[digits_start..digits_start + year_len]
        .parse()
        .unwrap_or(i64::MAX);
    let year = if negative { -year } else { year };
    !(MIN_YEAR..=MAX_YEAR).contains(&year)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ordinary_text_passes_unchanged() {
        for ok in [
            "Jugendamt Heilbronn",
            "Zeile eins\nZeile zwei\tmit Tab\r\n",
            "محمد",
            "",
            "  ",
            "2026-12-03",
            "2026-12-03T10:00:00Z",
            "1900-01-01",
            "2200-12-31",
            "Protokoll vom 10000-fachen Versuch",
            "123-45-67",
        ] {
            assert_eq!(clean(ok).unwrap(), ok, "{ok:?}");
        }
    }

    #[test]
    fn control_characters_are_refused_but_tab_and_line_breaks_are_not() {
        for bad in ["a\0b", "\u{0007}", "x\u{007F}", "\u{0085}", "\u{001B}[31m"] {
            assert_eq!(clean(bad), Err(TextError::ControlCharacter), "{bad:?}");
        }
    }

    #[test]
    fn bidi_overrides_are_refused() {
        for bad in ["abc\u{202E}fdp.exe", "\u{2066}x\u{2069}", "\u{202A}"] {
            assert_eq!(clean(bad), Err(TextError::BidiControl), "{bad:?}");
        }
    }

    #[test]
    fn text_of_invisible_characters_only_is_refused() {
        assert_eq!(
            clean("\u{200B}\u{200B}"),
            Err(TextError::NoVisibleCharacter)
        );
        assert_eq!(clean(" \u{FEFF} "), Err(TextError::NoVisibleCharacter));
        assert_eq!(clean("Anna\u{200D}").unwrap(), "Anna\u{200D}");
    }

    #[test]
    fn text_is_normalised_to_nfc() {
        let decomposed = "Mu\u{0308}ller";
        assert_eq!(clean(decomposed).unwrap(), "M\u{00FC}ller");
        assert!(matches!(clean("Müller").unwrap(), Cow::Borrowed(_)));
    }

    #[test]
    fn dates_outside_the_range_are_refused() {
        for bad in [
            "+10000-01-01",
            "0000-01-01",
            "-0001-01-01",
            "1899-12-31",
            "2201-01-01",
            "9999-12-31T23:59:59Z",
            "+275760-09-13T00:00:00Z",
        ] {
            assert_eq!(clean(bad), Err(TextError::DateOutOfRange), "{bad:?}");
        }
    }
}
