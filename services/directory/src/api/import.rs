//! Bulk import of organisations and people from CSV, for admin scripts: every row is validated,
//! and either all rows are stored or none; the problem lists every bad row by line number.

use std::collections::{BTreeMap, HashMap, HashSet};

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, post, web};
use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use qmf_contracts::directory::{District, OrganizationKind, StaffFunction};
use qmf_platform::{ApiError, ApiResult, DbPool, FieldError, Principal};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::domain::access;
use crate::domain::organization::{Address, OrganizationDraft};
use crate::domain::person::PersonDraft;
use crate::events;
use crate::store::{organizations as organization_store, people as person_store};

/// Most data rows one upload may hold.
pub const MAX_ROWS: usize = 10_000;

/// Outcome of a successful import.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({"created": 2, "ids": ["01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f", "01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e60"]}))]
pub struct ImportReport {
    /// Number of rows stored.
    #[schema(format = Int64)]
    pub created: usize,
    /// Ids of the new records, in the order of the rows.
    pub ids: Vec<Uuid>,
}

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
    req: &HttpRequest,
    body: &[u8],
    known: &[&str],
    required: &[&str],
) -> ApiResult<Vec<Row>> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
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

/// Import organisations from CSV.
///
/// Admins and coordinators. Columns (header row required, order free): `name`, `kind`,
/// `district`, `umbrella_carrier`, `street`, `postal_code`, `city`, `email`, `phone`,
/// `external_ids` (`system=value;system2=value`). Codes as in the JSON API. All rows are
/// stored or none: a 422 problem lists every bad cell as `/lines/<line>/<column>`, where line 1
/// is the header. Publishes `directory.organization.registered.v1` for each row.
#[utoipa::path(
    tag = "organizations",
    operation_id = "import_organizations",
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row",
        example = "name,kind,district,umbrella_carrier,street,postal_code,city,email,phone,external_ids\nKinder- und Jugendhilfe Öhringen,institution,hohenlohekreis,Diakonie Württemberg,Hunnenstraße 12,74613,Öhringen,info@kjh-oehringen.example,+49 7941 1234-0,okjug=INST-0042\n"),
    responses(
        (status = 201, description = "All rows stored.", body = ImportReport),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
        (status = 409, description = "A row conflicts with a stored organisation (the detail names the line).", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/organizations/import")]
pub async fn import_organizations(
    principal: Principal,
    pool: web::Data<DbPool>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    access::require_writer(&principal)?;
    let rows = read_rows(&req, &body, ORGANIZATION_COLUMNS, ORGANIZATION_REQUIRED)?;
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
    let mut conn = pool.get().await?;
    let names: Vec<String> = drafts.iter().map(|(_, d)| d.name.to_lowercase()).collect();
    let taken: HashSet<String> = organization_store::taken_names(&mut conn, &names)
        .await?
        .into_iter()
        .collect();
    for (line, draft) in &drafts {
        if taken.contains(&draft.name.to_lowercase()) {
            errors.push(FieldError::new(
                format!("/lines/{line}/name"),
                "an organisation with this name already exists",
            ));
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| line_of(&e.pointer));
        return Err(ApiError::Validation(errors));
    }
    let ids = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let mut ids = Vec::with_capacity(drafts.len());
            for (line, draft) in &drafts {
                let row = organization_store::insert(conn, Uuid::now_v7(), draft)
                    .await
                    .map_err(|e| at_line(*line, e))?;
                events::organization_registered(conn, &row).await?;
                ids.push(row.id);
            }
            Ok(ids)
        })
        .await?;
    Ok(HttpResponse::Created().json(ImportReport {
        created: ids.len(),
        ids,
    }))
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

/// Import staff members from CSV.
///
/// Admins and coordinators. Columns: `organization_id`, `given_name`, `family_name`, `email`,
/// `phone`, `functions` (codes separated by `;`), `active_from`, `active_until` (YYYY-MM-DD).
/// All rows are stored or none; a 422 problem lists every bad cell as `/lines/<line>/<column>`.
/// Publishes `directory.person.registered.v1` for each row.
#[utoipa::path(
    tag = "people",
    operation_id = "import_people",
    request_body(content = String, content_type = "text/csv", description = "CSV with a header row",
        example = "organization_id,given_name,family_name,email,phone,functions,active_from,active_until\n01936f3e-8a2b-7c4d-9e1f-0a1b2c3d4e5f,Lena,Beispiel,l.beispiel@jugendamt.example,,caseworker;qmf_coordinator,2024-01-01,\n"),
    responses(
        (status = 201, description = "All rows stored.", body = ImportReport),
        (status = 403, description = "Only admins and coordinators.", body = qmf_platform::Problem, content_type = "application/problem+json"),
    )
)]
#[post("/v1/people/import")]
pub async fn import_people(
    principal: Principal,
    pool: web::Data<DbPool>,
    req: HttpRequest,
    body: web::Bytes,
) -> ApiResult<HttpResponse> {
    access::require_writer(&principal)?;
    let rows = read_rows(&req, &body, PERSON_COLUMNS, PERSON_REQUIRED)?;
    let mut errors = Vec::new();
    let mut drafts = Vec::new();
    for row in &rows {
        if let Some(draft) = person_from_row(row, &mut errors) {
            drafts.push((row.line, draft));
        }
    }
    let mut conn = pool.get().await?;
    let mut organization_ids: Vec<Uuid> = drafts.iter().map(|(_, d)| d.organization_id).collect();
    organization_ids.sort();
    organization_ids.dedup();
    let known: HashMap<Uuid, bool> = organization_store::activity(&mut conn, &organization_ids)
        .await?
        .into_iter()
        .collect();
    for (line, draft) in &drafts {
        let message = match known.get(&draft.organization_id) {
            None => "no such organisation",
            Some(false) => "the organisation is deactivated",
            Some(true) => continue,
        };
        errors.push(FieldError::new(
            format!("/lines/{line}/organization_id"),
            message,
        ));
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| line_of(&e.pointer));
        return Err(ApiError::Validation(errors));
    }
    let ids = conn
        .transaction::<_, ApiError, _>(async move |conn| {
            let mut ids = Vec::with_capacity(drafts.len());
            for (line, draft) in &drafts {
                let row = person_store::insert(conn, Uuid::now_v7(), draft)
                    .await
                    .map_err(|e| at_line(*line, e))?;
                events::person_registered(conn, &row).await?;
                ids.push(row.id);
            }
            Ok(ids)
        })
        .await?;
    Ok(HttpResponse::Created().json(ImportReport {
        created: ids.len(),
        ids,
    }))
}

fn line_of(pointer: &str) -> u64 {
    pointer
        .split('/')
        .nth(2)
        .and_then(|l| l.parse().ok())
        .unwrap_or_default()
}

/// Names the line in a conflict found only while storing.
fn at_line(line: u64, error: ApiError) -> ApiError {
    match error {
        ApiError::Conflict { rule, detail } => ApiError::Conflict {
            rule,
            detail: format!("line {line}: {detail}"),
        },
        other => other,
    }
}
