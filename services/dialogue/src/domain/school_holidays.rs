//! Import of Baden-Württemberg's school holidays for a school year.
//!
//! The coordination uploads the ministry's list as CSV or an iCalendar file from a
//! school-holiday site. Both are read into the same entries, checked together, and every
//! problem is reported at once, so a file can be fixed in one go.

use chrono::{Days, NaiveDate, NaiveTime};
use icalendar::DatePerhapsTime;
use icalendar::parser::{Component, Property, read_components, unfold};

/// A single holiday longer than this is taken for a typing error (summer holidays in
/// Baden-Württemberg last about 45 days).
const MAX_DAYS: i64 = 70;
const MAX_NAME_CHARS: usize = 200;
/// A school year has about six holidays; a longer file is not a school-holiday list.
const MAX_ENTRIES: usize = 100;

/// One school holiday; `end` is the last day off (inclusive).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolHoliday {
    pub name: String,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    Csv,
    ICalendar,
}

/// Something wrong with an imported file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ImportProblem {
    /// 1-based line of the input, when known.
    pub line: Option<usize>,
    pub message: String,
}

impl ImportProblem {
    fn new(line: Option<usize>, message: impl Into<String>) -> Self {
        ImportProblem {
            line,
            message: message.into(),
        }
    }
}

/// Every problem is reported, not only the first; on success the holidays are sorted by
/// start and merged if two entries have the same name and overlap or touch.
pub fn parse(format: ImportFormat, text: &str) -> Result<Vec<SchoolHoliday>, Vec<ImportProblem>> {
    // Spreadsheet programs on Windows like to start UTF-8 files with a byte order mark.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut problems = Vec::new();
    let entries = match format {
        ImportFormat::Csv => read_csv(text, &mut problems),
        ImportFormat::ICalendar => read_ical(text, &mut problems),
    };
    if !problems.is_empty() && entries.is_empty() {
        // The file could not be read at all; "no entries" would only repeat that.
        return Err(problems);
    }
    let holidays = check(entries, &mut problems);
    if problems.is_empty() {
        Ok(merge(holidays))
    } else {
        // In the order of the file; problems of the whole file first.
        problems.sort_by_key(|problem| problem.line);
        Err(problems)
    }
}

/// One entry as read, before the checks common to both formats. A date is `None` when it
/// was missing or unreadable; that problem has been reported already.
struct Entry {
    line: Option<usize>,
    name: String,
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

fn check(entries: Vec<Entry>, problems: &mut Vec<ImportProblem>) -> Vec<SchoolHoliday> {
    if entries.is_empty() {
        problems.push(ImportProblem::new(None, "the file has no entries"));
    }
    if entries.len() > MAX_ENTRIES {
        problems.push(ImportProblem::new(
            None,
            format!(
                "the file has {} entries; at most {MAX_ENTRIES} are allowed",
                entries.len()
            ),
        ));
    }
    let mut holidays = Vec::with_capacity(entries.len());
    for entry in entries {
        let line = entry.line;
        let name = entry.name.trim();
        if name.is_empty() {
            problems.push(ImportProblem::new(line, "the name is missing"));
        }
        let chars = name.chars().count();
        if chars > MAX_NAME_CHARS {
            problems.push(ImportProblem::new(
                line,
                format!("the name has {chars} characters; at most {MAX_NAME_CHARS} are allowed"),
            ));
        }
        let (Some(start), Some(end)) = (entry.start, entry.end) else {
            continue;
        };
        if end < start {
            problems.push(ImportProblem::new(
                line,
                format!("the end {end} is before the start {start}"),
            ));
            continue;
        }
        let days = end.signed_duration_since(start).num_days() + 1;
        if days > MAX_DAYS {
            problems.push(ImportProblem::new(
                line,
                format!("the holiday lasts {days} days; at most {MAX_DAYS} are allowed"),
            ));
        }
        holidays.push(SchoolHoliday {
            name: name.to_owned(),
            start,
            end,
        });
    }
    holidays
}

/// Sorts by start and joins entries of the same name that overlap or touch (a file may
/// list one holiday twice, or split it at a weekend).
fn merge(mut holidays: Vec<SchoolHoliday>) -> Vec<SchoolHoliday> {
    holidays.sort_by(|a, b| (a.start, a.end, &a.name).cmp(&(b.start, b.end, &b.name)));
    let mut merged: Vec<SchoolHoliday> = Vec::with_capacity(holidays.len());
    for holiday in holidays {
        // Sorted by start, so only the latest kept entry of this name can touch it.
        let previous = merged
            .iter_mut()
            .rev()
            .find(|kept| kept.name == holiday.name);
        match previous {
            Some(kept)
                if kept.end.checked_add_days(Days::new(1)).unwrap_or(kept.end) >= holiday.start =>
            {
                kept.end = kept.end.max(holiday.end);
            }
            _ => merged.push(holiday),
        }
    }
    merged
}

/// A date as `YYYY-MM-DD` or `DD.MM.YYYY`, with a four-digit year so that `26.10.26` is
/// not read as the year 26.
fn parse_date(text: &str) -> Option<NaiveDate> {
    let number = |part: &str, min_len: usize, max_len: usize| {
        let digits =
            (min_len..=max_len).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
        if digits {
            part.parse::<u32>().ok()
        } else {
            None
        }
    };
    let (year, month, day) = if let [y, m, d] = text.split('-').collect::<Vec<_>>()[..] {
        (number(y, 4, 4)?, number(m, 1, 2)?, number(d, 1, 2)?)
    } else if let [d, m, y] = text.split('.').collect::<Vec<_>>()[..] {
        (number(y, 4, 4)?, number(m, 1, 2)?, number(d, 1, 2)?)
    } else {
        return None;
    };
    NaiveDate::from_ymd_opt(i32::try_from(year).ok()?, month, day)
}

// ---------------------------------------------------------------------------------------
// CSV

#[derive(Clone, Copy, PartialEq, Eq)]
enum Column {
    Name,
    Start,
    End,
}

impl Column {
    const ALL: [Column; 3] = [Column::Name, Column::Start, Column::End];

    fn from_header(header: &str) -> Option<Column> {
        match header.trim().to_lowercase().as_str() {
            "name" | "bezeichnung" => Some(Column::Name),
            "start" | "beginn" | "von" => Some(Column::Start),
            "end" | "ende" | "bis" => Some(Column::End),
            _ => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Column::Name => "name (or bezeichnung)",
            Column::Start => "start (or beginn, von)",
            Column::End => "end (or ende, bis)",
        }
    }
}

/// `;` when the header has more semicolons than commas outside quotes (German
/// spreadsheets write `;` because the comma is their decimal separator), else `,`.
fn detect_separator(text: &str) -> u8 {
    let header = text
        .lines()
        .find(|line| !line.trim().is_empty())
        .unwrap_or("");
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for c in header.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => commas += 1,
            ';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}

fn read_csv(text: &str, problems: &mut Vec<ImportProblem>) -> Vec<Entry> {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(detect_separator(text))
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut lines = CsvLines::new(text);
    let mut columns: Option<[usize; 3]> = None;
    let mut entries = Vec::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(error) => {
                let line = error.position().map(|p| lines.at(p));
                problems.push(ImportProblem::new(line, format!("unreadable CSV: {error}")));
                continue;
            }
        };
        if record.iter().all(str::is_empty) {
            continue;
        }
        let line = record.position().map(|p| lines.at(p));
        let Some(columns) = columns else {
            match header_columns(&record, line) {
                Ok(found) => columns = Some(found),
                // Without the columns no row can be read.
                Err(mut header_problems) => {
                    problems.append(&mut header_problems);
                    return Vec::new();
                }
            }
            continue;
        };
        let [name, start, end] = columns.map(|i| record.get(i).unwrap_or(""));
        entries.push(Entry {
            line,
            name: name.to_owned(),
            start: csv_date(start, "start", line, problems),
            end: csv_date(end, "end", line, problems),
        });
    }
    if columns.is_none() && problems.is_empty() {
        problems.push(ImportProblem::new(
            None,
            "the file is empty: expected a header row with the columns name, start and end",
        ));
    }
    entries
}

/// Line numbers of CSV records. The csv crate's own line count leaves out the blank lines
/// it skips, so the line is counted here from the record's byte offset.
struct CsvLines<'t> {
    text: &'t str,
    counted_to: usize,
    line: usize,
}

impl<'t> CsvLines<'t> {
    fn new(text: &'t str) -> Self {
        CsvLines {
            text,
            counted_to: 0,
            line: 1,
        }
    }

    /// Records come in order, so counting goes on from the previous one.
    fn at(&mut self, position: &csv::Position) -> usize {
        let offset = usize::try_from(position.byte()).unwrap_or(usize::MAX);
        // The offset is where the reader stood, before any blank lines it skipped.
        let rest = self.text.get(offset..).unwrap_or("");
        let start = offset + (rest.len() - rest.trim_start_matches(['\r', '\n']).len());
        if let Some(counted) = self.text.get(self.counted_to..start) {
            self.line += counted.matches('\n').count();
            self.counted_to = start;
        }
        self.line
    }
}

/// The positions of the name, start and end columns.
fn header_columns(
    record: &csv::StringRecord,
    line: Option<usize>,
) -> Result<[usize; 3], Vec<ImportProblem>> {
    let mut found: [Option<usize>; 3] = [None; 3];
    let mut problems = Vec::new();
    for (index, header) in record.iter().enumerate() {
        let Some(column) = Column::from_header(header) else {
            continue;
        };
        let slot = &mut found[column as usize];
        if slot.is_some() {
            problems.push(ImportProblem::new(
                line,
                format!("the column {} appears twice", column.describe()),
            ));
        } else {
            *slot = Some(index);
        }
    }
    for column in Column::ALL {
        if found[column as usize].is_none() {
            problems.push(ImportProblem::new(
                line,
                format!("the header row has no column {}", column.describe()),
            ));
        }
    }
    match found {
        [Some(name), Some(start), Some(end)] if problems.is_empty() => Ok([name, start, end]),
        _ => Err(problems),
    }
}

fn csv_date(
    text: &str,
    what: &str,
    line: Option<usize>,
    problems: &mut Vec<ImportProblem>,
) -> Option<NaiveDate> {
    if text.is_empty() {
        problems.push(ImportProblem::new(
            line,
            format!("the {what} date is missing"),
        ));
        return None;
    }
    let date = parse_date(text);
    if date.is_none() {
        problems.push(ImportProblem::new(
            line,
            format!("unparsable {what} date \"{text}\": expected YYYY-MM-DD or DD.MM.YYYY"),
        ));
    }
    date
}

// ---------------------------------------------------------------------------------------
// iCalendar

fn read_ical(text: &str, problems: &mut Vec<ImportProblem>) -> Vec<Entry> {
    let lines = LineIndex::new(text);
    let unfolded = unfold(text);
    let components = match read_components(&unfolded) {
        Ok(components) => components,
        Err(error) => {
            problems.push(ImportProblem::new(
                lines.error_line(&error),
                "not a readable iCalendar file",
            ));
            return Vec::new();
        }
    };
    let mut events = Vec::new();
    collect_events(&components, &mut events);
    events
        .iter()
        .enumerate()
        .map(|(index, event)| read_event(event, &lines.event(index), problems))
        .collect()
}

/// Depth first, in the order of the file, so the n-th event found is the n-th
/// `BEGIN:VEVENT` line.
fn collect_events<'c, 'a>(components: &'c [Component<'a>], events: &mut Vec<&'c Component<'a>>) {
    for component in components {
        if component.name.as_str().eq_ignore_ascii_case("VEVENT") {
            events.push(component);
        }
        collect_events(&component.components, events);
    }
}

fn find<'c, 'a>(event: &'c Component<'a>, name: &str) -> Option<&'c Property<'a>> {
    event
        .properties
        .iter()
        .find(|p| p.name.as_str().eq_ignore_ascii_case(name))
}

fn read_event(
    event: &Component<'_>,
    lines: &EventLines,
    problems: &mut Vec<ImportProblem>,
) -> Entry {
    let name = match find(event, "SUMMARY") {
        Some(summary) if summary.name.as_str() == "SUMMARY" => summary.val.as_str().to_owned(),
        // The parser unescapes text only under the upper-case name.
        Some(summary) => summary.val.clone().unescape_text().as_str().to_owned(),
        None => String::new(),
    };
    let start = ical_date(event, "DTSTART", lines, problems);
    if find(event, "DTSTART").is_none() {
        problems.push(ImportProblem::new(lines.begin, "the event has no DTSTART"));
    }
    let end = ical_date(event, "DTEND", lines, problems);
    let has_end = find(event, "DTEND").is_some();
    let duration = find(event, "DURATION");
    if has_end && duration.is_some() {
        problems.push(ImportProblem::new(
            lines.of("DURATION"),
            "the event has both DTEND and DURATION",
        ));
    }
    let last_day = match (&start, duration) {
        (Some(start), None) if has_end => end.map(|end| inclusive_end(start, &end)),
        (Some(start), Some(duration)) if !has_end => {
            duration_end(start.date_naive(), duration, lines, problems)
        }
        (Some(start), None) => Some(start.date_naive()),
        _ => None,
    };
    Entry {
        line: lines.begin,
        name,
        start: start.map(|start| start.date_naive()),
        end: last_day,
    }
}

fn ical_date(
    event: &Component<'_>,
    name: &str,
    lines: &EventLines,
    problems: &mut Vec<ImportProblem>,
) -> Option<DatePerhapsTime> {
    let property = find(event, name)?;
    let date = DatePerhapsTime::from_property(&icalendar::Property::from(property.clone()));
    if date.is_none() {
        problems.push(ImportProblem::new(
            lines.of(name),
            format!(
                "unparsable {name} \"{}\": expected a date (20261026) or date-time (20261026T080000)",
                property.val.as_str()
            ),
        ));
    }
    date
}

/// DTEND is exclusive (RFC 5545): the day before a DATE end is the last day off.
fn inclusive_end(start: &DatePerhapsTime, end: &DatePerhapsTime) -> NaiveDate {
    let start_day = start.date_naive();
    let end_day = end.date_naive();
    let exclusive = match end {
        DatePerhapsTime::Date(_) => true,
        // A date-time end at midnight ends with the day before, like a DATE end.
        DatePerhapsTime::DateTime(_) => is_midnight(end),
    };
    // Some producers write DTEND equal to DTSTART for a single day; read it as that day.
    if exclusive && end_day > start_day {
        end_day.pred_opt().unwrap_or(end_day)
    } else {
        end_day
    }
}

fn is_midnight(date: &DatePerhapsTime) -> bool {
    use icalendar::CalendarDateTime;
    let time = match date {
        DatePerhapsTime::Date(_) => return true,
        DatePerhapsTime::DateTime(CalendarDateTime::Floating(at)) => at.time(),
        DatePerhapsTime::DateTime(CalendarDateTime::Utc(at)) => at.time(),
        DatePerhapsTime::DateTime(CalendarDateTime::WithTimezone { date_time, .. }) => {
            date_time.time()
        }
    };
    time == NaiveTime::MIN
}

/// The last day of a `P<n>D` or `P<n>W` duration from `start`.
fn duration_end(
    start: NaiveDate,
    duration: &Property<'_>,
    lines: &EventLines,
    problems: &mut Vec<ImportProblem>,
) -> Option<NaiveDate> {
    let text = duration.val.as_str().trim();
    let days = text
        .strip_prefix('+')
        .unwrap_or(text)
        .strip_prefix('P')
        .and_then(|rest| {
            let (count, factor) = match rest.strip_suffix('D') {
                Some(count) => (count, 1),
                None => (rest.strip_suffix('W')?, 7),
            };
            if count.is_empty() || !count.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            count.parse::<u64>().ok()?.checked_mul(factor)
        });
    match days {
        Some(0) => {
            problems.push(ImportProblem::new(
                lines.of("DURATION"),
                format!("the DURATION \"{text}\" covers no day"),
            ));
            None
        }
        Some(days) => start.checked_add_days(Days::new(days - 1)).or_else(|| {
            problems.push(ImportProblem::new(
                lines.of("DURATION"),
                format!("the DURATION \"{text}\" is too long"),
            ));
            None
        }),
        None => {
            problems.push(ImportProblem::new(
                lines.of("DURATION"),
                format!("unparsable DURATION \"{text}\": expected whole days such as P5D"),
            ));
            None
        }
    }
}

/// Where the content lines of the input start, so that problems found in the unfolded
/// text can name the line of the file itself.
struct LineIndex {
    /// For each content line (folded lines joined), its 1-based line in the input and its
    /// upper-cased property or BEGIN/END name.
    content: Vec<(usize, String)>,
}

/// The input lines of one VEVENT.
struct EventLines {
    begin: Option<usize>,
    properties: Vec<(usize, String)>,
}

impl EventLines {
    fn of(&self, name: &str) -> Option<usize> {
        self.properties
            .iter()
            .find(|(_, key)| key == name)
            .map(|(line, _)| *line)
            .or(self.begin)
    }
}

impl LineIndex {
    fn new(text: &str) -> Self {
        let content = text
            .split('\n')
            .enumerate()
            // A line starting with a space or tab continues the previous one (RFC 5545 3.1).
            .filter(|(index, line)| *index == 0 || !line.starts_with([' ', '\t']))
            .map(|(index, line)| {
                let key_end = line.find([':', ';']).unwrap_or(line.len());
                let key = line[..key_end].trim().to_ascii_uppercase();
                let key = if key == "BEGIN" || key == "END" {
                    let value = line.get(key_end + 1..).unwrap_or("");
                    format!("{key}:{}", value.trim().to_ascii_uppercase())
                } else {
                    key
                };
                (index + 1, key)
            })
            .collect();
        LineIndex { content }
    }

    fn event(&self, index: usize) -> EventLines {
        let begin = self
            .content
            .iter()
            .enumerate()
            .filter(|(_, (_, key))| key == "BEGIN:VEVENT")
            .nth(index)
            .map(|(position, _)| position);
        let Some(begin) = begin else {
            return EventLines {
                begin: None,
                properties: Vec::new(),
            };
        };
        // The event's own lines, without those of nested components such as VALARM.
        let mut properties = Vec::new();
        let mut depth = 0usize;
        for (line, key) in &self.content[begin + 1..] {
            if key == "END:VEVENT" && depth == 0 {
                break;
            } else if key.starts_with("BEGIN:") {
                depth += 1;
            } else if key.starts_with("END:") {
                depth = depth.saturating_sub(1);
            } else if depth == 0 {
                properties.push((*line, key.clone()));
            }
        }
        EventLines {
            begin: self.content.get(begin).map(|(line, _)| *line),
            properties,
        }
    }

    /// The parser reports "at line N" of the unfolded text, which is the N-th content line.
    fn error_line(&self, error: &str) -> Option<usize> {
        let rest = &error[error.find("at line ")? + "at line ".len()..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let unfolded_line: usize = digits.parse().ok()?;
        self.content
            .get(unfolded_line.checked_sub(1)?)
            .map(|(line, _)| *line)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn holiday(name: &str, start: &str, end: &str) -> SchoolHoliday {
        SchoolHoliday {
            name: name.to_owned(),
            start: date(start),
            end: date(end),
        }
    }

    /// Example ranges for the school year 2026/27 in Baden-Württemberg: plausible, close to
    /// the ministry's pattern, but not its official list.
    fn school_year() -> Vec<SchoolHoliday> {
        vec![
            holiday("Herbstferien 2026", "2026-10-26", "2026-10-30"),
            holiday("Weihnachtsferien 2026/27", "2026-12-23", "2027-01-09"),
            holiday("Osterferien 2027", "2027-03-25", "2027-04-03"),
            holiday("Pfingstferien 2027", "2027-05-18", "2027-05-28"),
            holiday("Sommerferien 2027", "2027-07-29", "2027-09-11"),
        ]
    }

    fn problems(format: ImportFormat, text: &str) -> Vec<ImportProblem> {
        parse(format, text).expect_err("the file has problems")
    }

    fn problem(line: Option<usize>, message: &str) -> ImportProblem {
        ImportProblem::new(line, message)
    }

    fn has(problems: &[ImportProblem], line: Option<usize>, part: &str) -> bool {
        problems
            .iter()
            .any(|p| p.line == line && p.message.contains(part))
    }

    // --- CSV ---------------------------------------------------------------------------

    #[test]
    fn csv_school_year_in_iso_with_commas() {
        let text = "name,start,end\n\
            Herbstferien 2026,2026-10-26,2026-10-30\n\
            Weihnachtsferien 2026/27,2026-12-23,2027-01-09\n\
            Osterferien 2027,2027-03-25,2027-04-03\n\
            Pfingstferien 2027,2027-05-18,2027-05-28\n\
            Sommerferien 2027,2027-07-29,2027-09-11\n";
        assert_eq!(parse(ImportFormat::Csv, text).unwrap(), school_year());
    }

    #[test]
    fn csv_school_year_as_a_german_spreadsheet_exports_it() {
        // BOM, semicolons, German headers and dates, CRLF, quotes, blank lines, any order.
        let text = "\u{feff}Ende;Bezeichnung;Beginn;Bemerkung\r\n\
            \r\n\
            11.09.2027;Sommerferien 2027;29.07.2027;\r\n\
            30.10.2026;\"Herbstferien 2026\";26.10.2026;\"inkl. Reformationstag; nur Beispiel\"\r\n\
            09.01.2027;Weihnachtsferien 2026/27;23.12.2026;\r\n\
            \r\n\
            03.04.2027;Osterferien 2027;25.03.2027;\r\n\
            28.05.2027;Pfingstferien 2027;18.05.2027;\r\n\
            \r\n";
        assert_eq!(parse(ImportFormat::Csv, text).unwrap(), school_year());
    }

    #[test]
    fn csv_headers_are_case_insensitive_and_have_aliases() {
        for header in [
            "NAME,START,END",
            "Name,Von,Bis",
            " bezeichnung , beginn , ende ",
        ] {
            let text = format!("{header}\nHerbstferien 2026,2026-10-26,2026-10-30\n");
            assert_eq!(
                parse(ImportFormat::Csv, &text).unwrap(),
                school_year()[..1],
                "{header}"
            );
        }
    }

    #[test]
    fn csv_quoted_names_may_hold_the_separator() {
        let text = "name,start,end\n\"Ferien, bewegliche Tage\",2027-02-08,2027-02-12\n";
        assert_eq!(
            parse(ImportFormat::Csv, text).unwrap(),
            [holiday(
                "Ferien, bewegliche Tage",
                "2027-02-08",
                "2027-02-12"
            )]
        );
    }

    #[test]
    fn csv_header_problems() {
        assert_eq!(
            problems(ImportFormat::Csv, "name;beginn\nHerbstferien;26.10.2026\n"),
            [problem(
                Some(1),
                "the header row has no column end (or ende, bis)"
            )]
        );
        let found = problems(ImportFormat::Csv, "\n\nname,von,start,end\n");
        assert_eq!(
            found,
            [problem(
                Some(3),
                "the column start (or beginn, von) appears twice"
            )]
        );
        let found = problems(ImportFormat::Csv, "titel,datum\n");
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn csv_empty_files() {
        for text in ["", "\u{feff}", "\n\r\n  \n"] {
            assert_eq!(
                problems(ImportFormat::Csv, text),
                [problem(
                    None,
                    "the file is empty: expected a header row with the columns name, start and end"
                )],
                "{text:?}"
            );
        }
        assert_eq!(
            problems(ImportFormat::Csv, "name,start,end\r\n\r\n"),
            [problem(None, "the file has no entries")]
        );
    }

    #[test]
    fn csv_reports_every_problem_with_its_line() {
        let long_name = "x".repeat(201);
        let text = format!(
            "name;start;end\n\
             ;2026-10-26;2026-10-30\n\
             Herbstferien;26.10.26;30.10.2026\n\
             Herbstferien;2026-10-26;31.02.2026\n\
             Herbstferien;2026-10-30;2026-10-26\n\
             Sommerferien;2027-07-01;2027-09-11\n\
             {long_name};2027-01-01;2027-01-02\n\
             Pfingstferien;;2027-05-28\n\
             Osterferien 2027;2027-03-25;2027-04-03\n"
        );
        let found = problems(ImportFormat::Csv, &text);
        assert_eq!(
            found,
            [
                problem(Some(2), "the name is missing"),
                problem(
                    Some(3),
                    "unparsable start date \"26.10.26\": expected YYYY-MM-DD or DD.MM.YYYY"
                ),
                problem(
                    Some(4),
                    "unparsable end date \"31.02.2026\": expected YYYY-MM-DD or DD.MM.YYYY"
                ),
                problem(Some(5), "the end 2026-10-26 is before the start 2026-10-30"),
                problem(Some(6), "the holiday lasts 73 days; at most 70 are allowed"),
                problem(
                    Some(7),
                    "the name has 201 characters; at most 200 are allowed"
                ),
                problem(Some(8), "the start date is missing"),
            ]
        );
    }

    #[test]
    fn csv_lines_count_blank_lines_and_quoted_line_breaks() {
        let text = "\r\n\r\nname;start;end\r\n\r\n\"Herbst\r\nferien\";2026-10-26;2026-10-30\r\n\
            \r\n   \r\nSommerferien;;2027-09-11\r\n\nx;1.1.27;2027-01-01\n";
        assert_eq!(
            problems(ImportFormat::Csv, text),
            [
                problem(Some(9), "the start date is missing"),
                problem(
                    Some(11),
                    "unparsable start date \"1.1.27\": expected YYYY-MM-DD or DD.MM.YYYY"
                ),
            ]
        );
    }

    #[test]
    fn csv_limits_are_inclusive() {
        let name = "n".repeat(200);
        let text = format!("name,start,end\n{name},2027-07-01,2027-09-08\n");
        let parsed = parse(ImportFormat::Csv, &text).unwrap();
        assert_eq!(parsed[0].end, date("2027-09-08"));
        let text = "name,start,end\nx,2027-07-01,2027-09-09\n";
        assert!(has(&problems(ImportFormat::Csv, text), Some(2), "71 days"));
    }

    #[test]
    fn csv_more_than_100_entries() {
        let mut text = String::from("name,start,end\n");
        for i in 0..101 {
            text.push_str(&format!("Ferientag {i},2027-01-01,2027-01-01\n"));
        }
        assert_eq!(
            problems(ImportFormat::Csv, &text),
            [problem(
                None,
                "the file has 101 entries; at most 100 are allowed"
            )]
        );
        let hundred: String = text.lines().take(101).map(|l| format!("{l}\n")).collect();
        assert_eq!(parse(ImportFormat::Csv, &hundred).unwrap().len(), 100);
    }

    #[test]
    fn entries_of_one_name_that_overlap_or_touch_are_merged() {
        let text = "name,start,end\n\
            Sommerferien 2027,2027-08-16,2027-09-11\n\
            Pfingstferien 2027,2027-05-18,2027-05-22\n\
            Sommerferien 2027,2027-07-29,2027-08-15\n\
            Pfingstferien 2027,2027-05-20,2027-05-28\n\
            Osterferien 2027,2027-03-25,2027-03-27\n\
            Osterferien 2027,2027-03-29,2027-04-03\n\
            Brückentag,2027-05-20,2027-05-21\n";
        assert_eq!(
            parse(ImportFormat::Csv, text).unwrap(),
            [
                // A gap of one day keeps them apart.
                holiday("Osterferien 2027", "2027-03-25", "2027-03-27"),
                holiday("Osterferien 2027", "2027-03-29", "2027-04-03"),
                holiday("Pfingstferien 2027", "2027-05-18", "2027-05-28"),
                // Another name is never merged, even when it overlaps.
                holiday("Brückentag", "2027-05-20", "2027-05-21"),
                holiday("Sommerferien 2027", "2027-07-29", "2027-09-11"),
            ]
        );
    }

    #[test]
    fn merging_swallows_a_contained_entry() {
        let text = "name,start,end\nX,2027-01-01,2027-01-31\nX,2027-01-05,2027-01-06\nX,2027-01-01,2027-01-31\n";
        assert_eq!(
            parse(ImportFormat::Csv, text).unwrap(),
            [holiday("X", "2027-01-01", "2027-01-31")]
        );
    }

    #[test]
    fn dates_in_both_notations() {
        assert_eq!(parse_date("2026-10-26"), Some(date("2026-10-26")));
        assert_eq!(parse_date("26.10.2026"), Some(date("2026-10-26")));
        assert_eq!(parse_date("1.9.2027"), Some(date("2027-09-01")));
        for bad in [
            "26.10.26",
            "2026/10/26",
            "20261026",
            "2026-13-01",
            "29.02.2027",
            "",
            "+2026-10-26",
            "26.10.2026.",
            "26. 10.2026",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    // --- iCalendar -----------------------------------------------------------------------

    /// The school year as a school-holiday site publishes it, with LF line ends.
    const SCHOOL_YEAR_ICS: &str = "BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Beispiel//Schulferien BW//DE
CALSCALE:GREGORIAN
X-WR-CALNAME:Schulferien Baden-Württemberg 2026/27
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:STANDARD
DTSTART:19701025T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:herbst-2026@beispiel.example
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261026
DTEND;VALUE=DATE:20261031
SUMMARY:Herbstferien 2026
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:weihnachten-2026@beispiel.example
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20261223
DTEND;VALUE=DATE:20270110
SUMMARY:Weihnachtsferien 2026/27
END:VEVENT
BEGIN:VEVENT
UID:ostern-2027@beispiel.example
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270325
DTEND;VALUE=DATE:20270404
SUMMARY:Osterferien 2027
END:VEVENT
BEGIN:VEVENT
UID:pfingsten-2027@beispiel.example
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270518
DTEND;VALUE=DATE:20270529
SUMMARY:Pfingstferien 2027
END:VEVENT
BEGIN:VEVENT
UID:sommer-2027@beispiel.example
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20270729
DTEND;VALUE=DATE:20270912
SUMMARY:Sommerferien 2027
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:Ferien
TRIGGER:-P1D
END:VALARM
END:VEVENT
END:VCALENDAR
";

    #[test]
    fn ical_school_year_with_lf() {
        assert_eq!(
            parse(ImportFormat::ICalendar, SCHOOL_YEAR_ICS).unwrap(),
            school_year()
        );
    }

    #[test]
    fn ical_school_year_with_crlf_and_bom() {
        let crlf = format!("\u{feff}{}", SCHOOL_YEAR_ICS.replace('\n', "\r\n"));
        assert_eq!(
            parse(ImportFormat::ICalendar, &crlf).unwrap(),
            school_year()
        );
    }

    #[test]
    fn csv_and_ical_agree() {
        let csv = "name,start,end\n\
            Sommerferien 2027,29.07.2027,11.09.2027\n\
            Herbstferien 2026,26.10.2026,30.10.2026\n\
            Osterferien 2027,25.03.2027,03.04.2027\n\
            Pfingstferien 2027,18.05.2027,28.05.2027\n\
            Weihnachtsferien 2026/27,23.12.2026,09.01.2027\n";
        assert_eq!(
            parse(ImportFormat::Csv, csv).unwrap(),
            parse(ImportFormat::ICalendar, SCHOOL_YEAR_ICS).unwrap()
        );
    }

    fn calendar(events: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//DE\r\n{events}END:VCALENDAR\r\n")
    }

    fn one(event_lines: &str) -> Result<Vec<SchoolHoliday>, Vec<ImportProblem>> {
        let event = format!("BEGIN:VEVENT\r\n{event_lines}END:VEVENT\r\n");
        parse(ImportFormat::ICalendar, &calendar(&event))
    }

    #[test]
    fn ical_folded_lines_are_unfolded() {
        for eol in ["\r\n", "\n"] {
            let text = [
                "BEGIN:VCALENDAR",
                "VERSION:2.0",
                "BEGIN:VEVENT",
                "SUMMARY:Weihnachts",
                " ferien 2026/27 (Bei",
                "\tspiel)",
                "DTSTART;VALUE=DATE:202",
                " 61223",
                "DTEND;VALUE",
                " =DATE:20270110",
                "END:VEVENT",
                "END:VCALENDAR",
                "",
            ]
            .join(eol);
            assert_eq!(
                parse(ImportFormat::ICalendar, &text).unwrap(),
                [holiday(
                    "Weihnachtsferien 2026/27 (Beispiel)",
                    "2026-12-23",
                    "2027-01-09"
                )],
                "{eol:?}"
            );
        }
    }

    #[test]
    fn ical_summary_is_unescaped() {
        let parsed =
            one("SUMMARY:Ferien\\, Teil 1\\; Nord\\nSüd\r\nDTSTART;VALUE=DATE:20270208\r\n");
        assert_eq!(
            parsed.unwrap(),
            [holiday(
                "Ferien, Teil 1; Nord\nSüd",
                "2027-02-08",
                "2027-02-08"
            )]
        );
    }

    #[test]
    fn ical_names_may_be_lower_case() {
        let text = "begin:vcalendar\nbegin:vevent\nsummary:Ferien\\, Nord\n\
            dtstart;value=date:20270208\ndtend;value=date:20270213\nend:vevent\nend:vcalendar\n";
        assert_eq!(
            parse(ImportFormat::ICalendar, text).unwrap(),
            [holiday("Ferien, Nord", "2027-02-08", "2027-02-12")]
        );
    }

    #[test]
    fn ical_end_forms() {
        let cases = [
            // DATE end is exclusive.
            (
                "DTSTART;VALUE=DATE:20261026\r\nDTEND;VALUE=DATE:20261031\r\n",
                "2026-10-30",
            ),
            // A DATE without VALUE=DATE is read as a date as well.
            ("DTSTART:20261026\r\nDTEND:20261031\r\n", "2026-10-30"),
            // Neither DTEND nor DURATION: one day.
            ("DTSTART;VALUE=DATE:20261026\r\n", "2026-10-26"),
            // DTEND equal to DTSTART, as some programs write a single day.
            (
                "DTSTART;VALUE=DATE:20261026\r\nDTEND;VALUE=DATE:20261026\r\n",
                "2026-10-26",
            ),
            // Durations in days and weeks.
            (
                "DTSTART;VALUE=DATE:20261026\r\nDURATION:P5D\r\n",
                "2026-10-30",
            ),
            (
                "DTSTART;VALUE=DATE:20261026\r\nDURATION:P1W\r\n",
                "2026-11-01",
            ),
            // Date-times: their date part.
            (
                "DTSTART:20261026T080000\r\nDTEND:20261030T170000\r\n",
                "2026-10-30",
            ),
            (
                "DTSTART:20261026T080000Z\r\nDTEND:20261030T170000Z\r\n",
                "2026-10-30",
            ),
            (
                "DTSTART;TZID=Europe/Berlin:20261026T080000\r\nDTEND;TZID=Europe/Berlin:20261030T170000\r\n",
                "2026-10-30",
            ),
            // A date-time end at midnight is exclusive like a DATE.
            (
                "DTSTART:20261026T000000\r\nDTEND:20261031T000000\r\n",
                "2026-10-30",
            ),
            ("DTSTART:20261026T080000\r\nDURATION:P5D\r\n", "2026-10-30"),
        ];
        for (dates, end) in cases {
            let parsed = one(&format!("SUMMARY:Herbstferien\r\n{dates}"));
            assert_eq!(
                parsed.unwrap(),
                [holiday("Herbstferien", "2026-10-26", end)],
                "{dates}"
            );
        }
    }

    #[test]
    fn ical_problems_name_their_lines() {
        let text = calendar(
            "BEGIN:VEVENT\r\n\
             DTSTART;VALUE=DATE:20261026\r\n\
             END:VEVENT\r\n\
             BEGIN:VEVENT\r\n\
             SUMMARY:Herbstferien\r\n\
             DTSTART;VALUE=DATE:2026-10-26\r\n\
             DTEND;VALUE=DATE:20261031\r\n\
             END:VEVENT\r\n\
             BEGIN:VEVENT\r\n\
             SUMMARY:Osterferien\r\n\
             DTSTART;VALUE=DATE:20270404\r\n\
             DTEND;VALUE=DATE:20270325\r\n\
             END:VEVENT\r\n\
             BEGIN:VEVENT\r\n\
             SUMMARY:Sommerferien\r\n\
             DTSTART;VALUE=DATE:20270701\r\n\
             DURATION:P80D\r\n\
             END:VEVENT\r\n\
             BEGIN:VEVENT\r\n\
             SUMMARY:Ohne Beginn\r\n\
             DTEND;VALUE=DATE:20270101\r\n\
             END:VEVENT\r\n\
             BEGIN:VEVENT\r\n\
             SUMMARY:Doppelt\r\n\
             DTSTART;VALUE=DATE:20270101\r\n\
             DTEND;VALUE=DATE:20270103\r\n\
             DURATION:P2D\r\n\
             END:VEVENT\r\n\
             BEGIN:VEVENT\r\n\
             SUMMARY:Stunden\r\n\
             DTSTART;VALUE=DATE:20270101\r\n\
             DURATION:PT8H\r\n\
             END:VEVENT\r\n\
             BEGIN:VEVENT\r\n\
             SUMMARY:Null\r\n\
             DTSTART;VALUE=DATE:20270101\r\n\
             DURATION:P0D\r\n\
             END:VEVENT\r\n",
        );
        let found = problems(ImportFormat::ICalendar, &text);
        assert_eq!(
            found,
            [
                problem(Some(4), "the name is missing"),
                problem(
                    Some(9),
                    "unparsable DTSTART \"2026-10-26\": expected a date (20261026) or date-time (20261026T080000)"
                ),
                problem(
                    Some(12),
                    "the end 2027-03-25 is before the start 2027-04-04"
                ),
                problem(
                    Some(17),
                    "the holiday lasts 80 days; at most 70 are allowed"
                ),
                problem(Some(22), "the event has no DTSTART"),
                problem(Some(30), "the event has both DTEND and DURATION"),
                problem(
                    Some(35),
                    "unparsable DURATION \"PT8H\": expected whole days such as P5D"
                ),
                problem(Some(40), "the DURATION \"P0D\" covers no day"),
            ]
        );
    }

    #[test]
    fn ical_long_names_and_too_many_events() {
        let long = format!(
            "SUMMARY:{}\r\nDTSTART;VALUE=DATE:20270101\r\n",
            "ü".repeat(201)
        );
        assert_eq!(
            one(&long).unwrap_err(),
            [problem(
                Some(4),
                "the name has 201 characters; at most 200 are allowed"
            )]
        );
        let events: String = (0..101)
            .map(|i| format!("BEGIN:VEVENT\r\nSUMMARY:Tag {i}\r\nDTSTART;VALUE=DATE:20270101\r\nEND:VEVENT\r\n"))
            .collect();
        assert_eq!(
            problems(ImportFormat::ICalendar, &calendar(&events)),
            [problem(
                None,
                "the file has 101 entries; at most 100 are allowed"
            )]
        );
    }

    #[test]
    fn ical_without_events_or_unreadable() {
        assert_eq!(
            problems(ImportFormat::ICalendar, &calendar("")),
            [problem(None, "the file has no entries")]
        );
        let broken = problems(
            ImportFormat::ICalendar,
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:Offen\r\n",
        );
        assert_eq!(broken, [problem(Some(2), "not a readable iCalendar file")]);
        let trailing = "BEGIN:VCALENDAR\n\
            BEGIN:VEVENT\n\
            SUMMARY:Herbst\n ferien\n\
            END:VEVENT\n\
            END:VCALENDAR\n\
            kein iCalendar\n";
        // The parser counts unfolded lines; the problem names the line of the file.
        assert_eq!(
            problems(ImportFormat::ICalendar, trailing),
            [problem(Some(7), "not a readable iCalendar file")]
        );
        for text in ["", "name,start,end\n"] {
            assert_eq!(problems(ImportFormat::ICalendar, text).len(), 1, "{text:?}");
        }
    }

    #[test]
    fn school_holidays_serialize_as_iso_dates() {
        let json =
            serde_json::to_value(holiday("Herbstferien 2026", "2026-10-26", "2026-10-30")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name": "Herbstferien 2026", "start": "2026-10-26", "end": "2026-10-30"})
        );
    }
}
