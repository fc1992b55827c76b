//! CSV the platform writes (exports, reports): every cell is neutralised against formula
//! injection (OWASP "CSV injection"): a cell a spreadsheet would run as a formula (starting
//! with `=`, `+`, `-`, `@`, tab or carriage return) gets a leading apostrophe, unless it is a
//! plain number. Imports store what was sent; neutralising happens on the way out, so the
//! stored data stays exact.

use std::borrow::Cow;

/// `value` as it may stand in a CSV cell.
pub fn safe_cell(value: &str) -> Cow<'_, str> {
    let risky = value
        .chars()
        .next()
        .is_some_and(|c| matches!(c, '=' | '+' | '-' | '@' | '\t' | '\r'));
    if risky && value.parse::<f64>().is_err() {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
    }
}

/// A CSV document (RFC 4180, header row first) with every cell neutralised.
pub fn write<R, C>(header: &[&str], rows: R) -> Result<String, csv::Error>
where
    R: IntoIterator<Item = C>,
    C: IntoIterator,
    C::Item: AsRef<str>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(header.iter().map(|h| safe_cell(h).into_owned()))?;
    for row in rows {
        writer.write_record(row.into_iter().map(|c| safe_cell(c.as_ref()).into_owned()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_numbers_are_not() {
        assert_eq!(
            safe_cell("=HYPERLINK(\"http://evil\")"),
            "'=HYPERLINK(\"http://evil\")"
        );
        assert_eq!(safe_cell("+49 7131 1234"), "'+49 7131 1234");
        assert_eq!(safe_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(safe_cell("-2+3"), "'-2+3");
        assert_eq!(safe_cell("\t=1"), "'\t=1");
        assert_eq!(safe_cell("-12.5"), "-12.5");
        assert_eq!(safe_cell("Jugendamt"), "Jugendamt");
        assert_eq!(safe_cell(""), "");
    }

    #[test]
    fn written_documents_neutralise_every_cell() {
        let text = write(&["name", "count"], [["=1+1", "3"], ["Anna", "-1"]]).unwrap();
        assert_eq!(text, "name,count\n'=1+1,3\nAnna,-1\n");
    }
}
