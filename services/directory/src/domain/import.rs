//! Reading CSV uploads of organisations and people: the file's shape, every cell, and the
//! drafts the rows describe, each with its line number. Pure: no I/O; storing is
//! `app::import`.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use qmf_contracts::directory::{District, OrganizationKind, StaffFunction};
use qmf_platform::{ApiError, ApiResult, FieldError};
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::organization::{Address, OrganizationDraft};
use super::person::PersonDraft;

/// Most data rows one upload may hold.
pub const MAX_ROWS: usize = 10_000;

const ORGANIZATION_COLUMNS: &[&str] = &[
    "name",
    "kind",
    "district",
    "umbrella_carrier",
    "street",
    "postal_code",
    "city",
    "email",
    "phone",
    "external_ids",
];
const ORGANIZATION_REQUIRED: &[&str] = &["name", "kind", "street", "postal_code", "city"];

const PERSON_COLUMNS: &[&str] = &[
    "organization_id",
    "given_name",
    "family_name",
    "email",
    "phone",
    "functions",
    "active_from",
    "active_until",
];
const PERSON_REQUIRED: &[&str] = &[
    "organization_id",
    "given_name",
    "family_name",
    "functions",
    "active_from",
];

/// One data row: its line number in the file and its cells by column name.
struct Row {
    line: u64,
    cells: HashMap<String, String>,
}

impl Row {
    fn get(&self, column: &str) -> Option<String> {
        self.cells.get(column).cloned().filter(|v| !v.is_empty())
    }

    fn pointer(&self, column: &str) -> String {
        format!("/lines/{}/{column}", self.line)
    }
}

/// 1-based line numbers of byte offsets into a text, for offsets in increasing order.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: u64,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    fn line_at(&mut self, offset: u64) -> u64 {
        let mut offset = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        // After a CRLF row the reader reports the next record from the LF on: a record
        // never starts with a line break, so skip them.
        while offset < self.text.len() && matches!(self.text[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset > self.offset {
            let newlines = self.text[self.offset..offset]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = offset;
        }
        self.line
    }
}

/// Parses the upload into rows, or lists what is wrong with the file's shape.
fn read_rows(
    content_type: &str,
    body: &[u8],
    known: &[&str],
    required: &[&str],
) -> ApiResult<Vec<Row>> {
    if !content_type.to_ascii_lowercase().starts_with("text/csv") {
        return Err(ApiError::UnsupportedMediaType(
            "expected Content-Type: text/csv".into(),
        ));
    }
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::BadRequest("the file is not UTF-8 encoded".into()))?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| ApiError::validation("/lines/1", format!("unreadable header: {e}")))?
        .iter()
        .map(|h| h.to_ascii_lowercase())
        .collect();
    let mut errors = Vec::new();
    for (index, column) in headers.iter().enumerate() {
        if headers[..index].contains(column) {
            errors.push(FieldError::new(
                format!("/lines/1/{column}"),
                "the column appears more than once",
            ));
            continue;
        }
        if !known.contains(&column.as_str()) {
            errors.push(FieldError::new(
                format!("/lines/1/{column}"),
                format!("unknown column; known columns: {}", known.join(", ")),
            ));
        }
    }
    for column in required {
        if !headers.iter().any(|h| h == column) {
            errors.push(FieldError::new(
                format!("/lines/1/{column}"),
                "required column is missing",
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let mut rows = Vec::new();
    // Line numbers are counted from the record's byte offset: the CSV reader's own count is
    // one short after CRLF line ends, which spreadsheets write.
    let mut lines = LineCounter::new(text);
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = lines.line_at(record.position().map_or(0, |p| p.byte()));
                let mut cells = Vec::with_capacity(headers.len());
                for (column, cell) in headers.iter().zip(record.iter()) {
                    // The same text rules as JSON bodies: no control or bidi characters, NFC.
                    match qmf_platform::text::clean(cell) {
                        Ok(clean) => cells.push((column.clone(), clean.into_owned())),
                        Err(e) => errors.push(FieldError::new(
                            format!("/lines/{line}/{column}"),
                            e.message(),
                        )),
                    }
                }
                rows.push(Row {
                    line,
                    cells: cells.into_iter().collect(),
                });
            }
            Err(e) => {
                let line = lines.line_at(e.position().map_or(0, |p| p.byte()));
                errors.push(FieldError::new(
                    format!("/lines/{line}"),
                    format!("malformed row: {e}"),
                ));
            }
        }
        if rows.len() > MAX_ROWS {
            return Err(ApiError::validation(
                "/lines",
                format!("at most {MAX_ROWS} rows per upload"),
            ));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    if rows.is_empty() {
        return Err(ApiError::validation("/lines", "the file has no data rows"));
    }
    Ok(rows)
}

/// Parses a code cell (`youth_office`) into its enum.
fn parse_cell<T: DeserializeOwned>(
    row: &Row,
    column: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let value = row.get(column)?;
    match serde_json::from_value(serde_json::Value::String(value.clone())) {
        Ok(parsed) => Some(parsed),
        Err(_) => {
            errors.push(FieldError::new(
                row.pointer(column),
                format!("unknown value {value:?}"),
            ));
            None
        }
    }
}

fn parse_date(row: &Row, column: &str, errors: &mut Vec<FieldError>) -> Option<NaiveDate> {
    let value = row.get(column)?;
    match NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
        Ok(date) => Some(date),
        Err(_) => {
            errors.push(FieldError::new(
                row.pointer(column),
                "must be a date YYYY-MM-DD",
            ));
            None
        }
    }
}

/// Re-addresses a draft's field errors (`/address/city`) to the row's cells (`/lines/3/city`).
fn row_errors(row: &Row, field_errors: Vec<FieldError>) -> impl Iterator<Item = FieldError> + '_ {
    field_errors.into_iter().map(move |e| {
        let column = e
            .pointer
            .trim_start_matches("/address")
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        FieldError::new(row.pointer(&column), e.message)
    })
}

/// `system=value;system2=value` → map.
fn parse_external_ids(row: &Row, errors: &mut Vec<FieldError>) -> BTreeMap<String, String> {
    let mut ids = BTreeMap::new();
    let Some(cell) = row.get("external_ids") else {
        return ids;
    };
    for pair in cell.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some((system, value)) => {
                ids.insert(system.trim().to_string(), value.trim().to_string());
            }
            None => errors.push(FieldError::new(
                row.pointer("external_ids"),
                "use system=value pairs separated by ;",
            )),
        }
    }
    ids
}

fn organization_from_row(row: &Row, errors: &mut Vec<FieldError>) -> Option<OrganizationDraft> {
    let mut row_errs = Vec::new();
    for column in ORGANIZATION_REQUIRED {
        if row.get(column).is_none() {
            row_errs.push(FieldError::new(row.pointer(column), "must not be empty"));
        }
    }
    let kind: Option<OrganizationKind> = parse_cell(row, "kind", &mut row_errs);
    let district: Option<District> = parse_cell(row, "district", &mut row_errs);
    let external_ids = parse_external_ids(row, &mut row_errs);
    if !row_errs.is_empty() {
        errors.append(&mut row_errs);
        return None;
    }
    let draft = OrganizationDraft {
        name: row.get("name").unwrap_or_default(),
        kind: kind?,
        district,
        umbrella_carrier: row.get("umbrella_carrier"),
        address: Address {
            street: row.get("street").unwrap_or_default(),
            postal_code: row.get("postal_code").unwrap_or_default(),
            city: row.get("city").unwrap_or_default(),
        },
        email: row.get("email"),
        phone: row.get("phone"),
        external_ids,
    }
    .normalized();
    match draft.validate() {
        Ok(()) => Some(draft),
        Err(field_errors) => {
            errors.extend(row_errors(row, field_errors));
            None
        }
    }
}

fn person_from_row(row: &Row, errors: &mut Vec<FieldError>) -> Option<PersonDraft> {
    let mut row_errs = Vec::new();
    for column in PERSON_REQUIRED {
        if row.get(column).is_none() {
            row_errs.push(FieldError::new(row.pointer(column), "must not be empty"));
        }
    }
    let organization_id = row
        .get("organization_id")
        .and_then(|v| match Uuid::parse_str(&v) {
            Ok(id) => Some(id),
            Err(_) => {
                row_errs.push(FieldError::new(
                    row.pointer("organization_id"),
                    "must be a UUID",
                ));
                None
            }
        });
    let mut functions = Vec::new();
    for name in row
        .get("functions")
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|f| !f.is_empty())
    {
        match serde_json::from_value::<StaffFunction>(serde_json::Value::String(name.into())) {
            Ok(function) => functions.push(function),
            Err(_) => row_errs.push(FieldError::new(
                row.pointer("functions"),
                format!("unknown function {name:?}"),
            )),
        }
    }
    let active_from = parse_date(row, "active_from", &mut row_errs);
    let active_until = parse_date(row, "active_until", &mut row_errs);
    if !row_errs.is_empty() {
        errors.append(&mut row_errs);
        return None;
    }
    let draft = PersonDraft {
        organization_id: organization_id?,
        given_name: row.get("given_name").unwrap_or_default(),
        family_name: row.get("family_name").unwrap_or_default(),
        email: row.get("email"),
        phone: row.get("phone"),
        functions,
        active_from: active_from?,
        active_until,
    }
    .normalized();
    match draft.validate() {
        Ok(()) => Some(draft),
        Err(field_errors) => {
            errors.extend(row_errors(row, field_errors));
            None
        }
    }
}

fn line_of(pointer: &str) -> u64 {
    pointer
        .split('/')
        .nth(2)
        .and_then(|l| l.parse().ok())
        .unwrap_or_default()
}

/// Names the line in a conflict found only while storing.
pub fn at_line(line: u64, error: ApiError) -> ApiError {
    match error {
        ApiError::Conflict { rule, detail } => ApiError::Conflict {
            rule,
            detail: format!("line {line}: {detail}"),
        },
        other => other,
    }
}

/// The drafts of an upload's rows, each with its line, and the problems of the rows.
pub type Parsed<D> = (Vec<(u64, D)>, Vec<FieldError>);

/// The organisation drafts of an upload with their lines, and every problem found in the rows
/// (including a name repeated within the file).
pub fn organizations(content_type: &str, body: &[u8]) -> ApiResult<Parsed<OrganizationDraft>> {
    let rows = read_rows(
        content_type,
        body,
        ORGANIZATION_COLUMNS,
        ORGANIZATION_REQUIRED,
    )?;
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    let mut seen = HashSet::new();
    for row in &rows {
        if let Some(draft) = organization_from_row(row, &mut errors) {
            if !seen.insert(draft.name.to_lowercase()) {
                errors.push(FieldError::new(
                    row.pointer("name"),
                    "repeats a name of an earlier row",
                ));
            }
            drafts.push((row.line, draft));
        }
    }
    Ok((drafts, errors))
}

/// The person drafts of an upload with their lines, and every problem found in the rows.
pub fn people(content_type: &str, body: &[u8]) -> ApiResult<Parsed<PersonDraft>> {
    let rows = read_rows(content_type, body, PERSON_COLUMNS, PERSON_REQUIRED)?;
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    for row in &rows {
        if let Some(draft) = person_from_row(row, &mut errors) {
            drafts.push((row.line, draft));
        }
    }
    Ok((drafts, errors))
}

/// Refuses the upload with every problem, ordered by line.
pub fn refuse(mut errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort_by_key(|e| line_of(&e.pointer));
    Err(ApiError::Validation(errors))
}
