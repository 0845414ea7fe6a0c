//! The workbook's small parts: which sheet comes first and where it lives (the relationships,
//! not a fixed path), the shared strings and the date styles. Each is read with counts and
//! byte limits, and no count the file declares is ever used to reserve memory (SEC-35).

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::SheetError;
use super::archive::{attr, prefixed_attr, push_ref, resolve};

/// Most shared strings kept.
pub const MAX_SHARED_STRINGS: usize = 1_000_000;
/// Longest text of one cell, in bytes (Excel's limit is 32 767 characters).
pub const MAX_CELL_TEXT: usize = 32_767 * 4;
/// Most text kept, in bytes: over the shared strings, and again over the cells kept.
pub const MAX_TEXT_BYTES: usize = 32 * 1024 * 1024;
/// Most cell formats (Excel's own limit is 64 000).
pub const MAX_STYLES: usize = 65_536;
/// Most custom number formats.
pub const MAX_NUMBER_FORMATS: usize = 4096;
/// Largest styles part read, in bytes.
pub const MAX_STYLES_BYTES: u64 = 16 * 1024 * 1024;

/// What `xl/workbook.xml` says: the first sheet's relationship id and the date system.
#[derive(Debug, Default)]
pub struct WorkbookInfo {
    /// Relationship id of the first sheet, if there is one.
    pub first_sheet: Option<String>,
    /// Dates count from 1904 (old Mac workbooks).
    pub date1904: bool,
}

/// Reads the workbook part up to its first sheet.
///
/// # Errors
/// Malformed XML.
pub fn workbook<R: BufRead>(r: &mut Reader<R>) -> Result<WorkbookInfo, SheetError> {
    let mut info = WorkbookInfo::default();
    let mut buf = Vec::new();
    loop {
        match r
            .read_event_into(&mut buf)
            .map_err(|_| SheetError::Damaged)?
        {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "workbookPr" => {
                    info.date1904 = matches!(attr(&e, "date1904")?.as_deref(), Some("1" | "true"));
                }
                "sheet" => {
                    info.first_sheet = prefixed_attr(&e, "id")?;
                    return Ok(info);
                }
                _ => {}
            },
            Event::Eof => return Ok(info),
            _ => {}
        }
        buf.clear();
    }
}

/// The parts the workbook's relationships point to.
#[derive(Debug, Default)]
pub struct Targets {
    /// The first sheet.
    pub sheet: Option<String>,
    /// The shared strings.
    pub shared_strings: Option<String>,
    /// The styles.
    pub styles: Option<String>,
}

/// Reads `xl/_rels/workbook.xml.rels`, keeping only the three targets needed.
///
/// # Errors
/// Malformed XML or a target outside the package.
pub fn relationships<R: BufRead>(r: &mut Reader<R>, sheet_id: &str) -> Result<Targets, SheetError> {
    let mut t = Targets::default();
    let mut buf = Vec::new();
    loop {
        match r
            .read_event_into(&mut buf)
            .map_err(|_| SheetError::Damaged)?
        {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Relationship" => {
                if attr(&e, "TargetMode")?.is_some_and(|m| m.eq_ignore_ascii_case("External")) {
                    buf.clear();
                    continue;
                }
                let id = attr(&e, "Id")?.unwrap_or_default();
                let kind = attr(&e, "Type")?.unwrap_or_default();
                let Some(target) = attr(&e, "Target")? else {
                    buf.clear();
                    continue;
                };
                let path = || resolve("xl", &target).ok_or(SheetError::Damaged);
                if id == sheet_id && t.sheet.is_none() {
                    t.sheet = Some(path()?);
                } else if kind.ends_with("/sharedStrings") && t.shared_strings.is_none() {
                    t.shared_strings = Some(path()?);
                } else if kind.ends_with("/styles") && t.styles.is_none() {
                    t.styles = Some(path()?);
                }
            }
            Event::Eof => return Ok(t),
            _ => {}
        }
        buf.clear();
    }
}

/// The shared strings, packed into one buffer.
#[derive(Debug, Default)]
pub struct SharedStrings {
    text: String,
    ends: Vec<u32>,
}

impl SharedStrings {
    /// The string at `i`.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => 0,
            _ => *self.ends.get(i - 1)? as usize,
        };
        self.text.get(start..end)
    }
}

/// Reads the shared strings: each `<si>` is its `<t>` runs joined, phonetic hints left out.
///
/// # Errors
/// Too many or too long strings, or malformed XML.
pub fn shared_strings<R: BufRead>(r: &mut Reader<R>) -> Result<SharedStrings, SheetError> {
    let mut out = SharedStrings::default();
    let mut buf = Vec::new();
    let (mut in_si, mut in_t, mut phonetic) = (false, false, 0u32);
    let mut start = 0usize;
    loop {
        match r
            .read_event_into(&mut buf)
            .map_err(|_| SheetError::Damaged)?
        {
            Event::Start(e) => match e.local_name().as_ref() {
                "sst" => declared_count_ok(&e)?,
                "si" => {
                    (in_si, in_t, phonetic) = (true, false, 0);
                    start = out.text.len();
                }
                "t" if in_si && phonetic == 0 => in_t = true,
                "rPh" => phonetic += 1,
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                "sst" => declared_count_ok(&e)?,
                "si" => push_string(&mut out)?,
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "si" => {
                    in_si = false;
                    push_string(&mut out)?;
                }
                "t" => in_t = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                _ => {}
            },
            Event::Text(t) if in_t => out.text.push_str(&t.xml10_content()),
            Event::CData(t) if in_t => out.text.push_str(&t.xml10_content()),
            Event::GeneralRef(g) if in_t => push_ref(&mut out.text, &g)?,
            Event::Eof => return Ok(out),
            _ => {}
        }
        if in_t && (out.text.len() - start > MAX_CELL_TEXT || out.text.len() > MAX_TEXT_BYTES) {
            return Err(SheetError::TooMuchText);
        }
        buf.clear();
    }
}

/// An honest file never declares more strings than it holds, so a huge count is refused
/// outright (and never used to reserve memory).
fn declared_count_ok(e: &quick_xml::events::BytesStart<'_>) -> Result<(), SheetError> {
    let declared = attr(e, "uniqueCount")?.and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_SHARED_STRINGS as u64) {
        return Err(SheetError::TooMuchText);
    }
    Ok(())
}

fn push_string(out: &mut SharedStrings) -> Result<(), SheetError> {
    if out.ends.len() >= MAX_SHARED_STRINGS {
        return Err(SheetError::TooMuchText);
    }
    let end = u32::try_from(out.text.len()).map_err(|_| SheetError::TooMuchText)?;
    out.ends.push(end);
    Ok(())
}

/// Reads which cell formats (`cellXfs`, by index) show a date; the rest of the styles part
/// is not kept.
///
/// # Errors
/// Too many formats, or malformed XML.
pub fn date_styles<R: BufRead>(r: &mut Reader<R>) -> Result<Vec<bool>, SheetError> {
    let mut custom: HashMap<u32, bool> = HashMap::new();
    let mut out = Vec::new();
    let (mut in_fmts, mut in_xfs) = (false, false);
    let mut buf = Vec::new();
    loop {
        match r
            .read_event_into(&mut buf)
            .map_err(|_| SheetError::Damaged)?
        {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                "numFmts" => in_fmts = true,
                "cellXfs" => in_xfs = true,
                "numFmt" if in_fmts => {
                    if custom.len() >= MAX_NUMBER_FORMATS {
                        return Err(SheetError::TooManyStyles);
                    }
                    let id = number(attr(&e, "numFmtId")?);
                    let code = attr(&e, "formatCode")?.unwrap_or_default();
                    custom.insert(id, is_date_format(&code));
                }
                "xf" if in_xfs => {
                    if out.len() >= MAX_STYLES {
                        return Err(SheetError::TooManyStyles);
                    }
                    let id = number(attr(&e, "numFmtId")?);
                    out.push(custom.get(&id).copied().unwrap_or_else(|| builtin_date(id)));
                }
                _ => {}
            },
            Event::End(e) => match e.local_name().as_ref() {
                "numFmts" => in_fmts = false,
                // Nothing after the cell formats matters to us.
                "cellXfs" => return Ok(out),
                _ => {}
            },
            Event::Eof => return Ok(out),
            _ => {}
        }
        buf.clear();
    }
}

fn number(v: Option<String>) -> u32 {
    v.and_then(|s| s.trim().parse().ok()).unwrap_or(0)
}

/// Excel's built-in date and time formats, including the Chinese ones.
fn builtin_date(id: u32) -> bool {
    matches!(id, 14..=22 | 27..=36 | 45..=47 | 50..=58)
}

/// Whether a custom number format shows a date or time: a d, m, y, h or s outside quoted
/// text, escapes and `[…]` (colours, locales, elapsed times).
#[must_use]
pub fn is_date_format(code: &str) -> bool {
    let (mut quoted, mut bracket, mut escaped) = (false, false, false);
    for c in code.chars() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' | '_' | '*' => escaped = true,
            '"' => quoted = !quoted,
            '[' if !quoted => bracket = true,
            ']' if !quoted => bracket = false,
            c if !quoted
                && !bracket
                && matches!(c.to_ascii_lowercase(), 'd' | 'm' | 'y' | 'h' | 's') =>
            {
                return true;
            }
            _ => {}
        }
    }
    false
}
