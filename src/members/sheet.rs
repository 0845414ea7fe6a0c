//! Reading an uploaded workbook safely (SEC-35). calamine puts no bound on decompression and
//! allocates a dense range up to the furthest cell, so before it sees a byte we check the
//! file's size and signature, the zip directory (entries, declared sizes, compression ratio),
//! and every cell reference in every worksheet, decompressing with a hard cap.

use std::io::{Cursor, Read};

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use time::{Date, Duration};

/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 10 * 1024 * 1024;
/// Largest total uncompressed size of the parts.
pub const MAX_UNPACKED_BYTES: u64 = 50 * 1024 * 1024;
/// Most zip entries.
pub const MAX_ENTRIES: usize = 1000;
/// Highest compression ratio of a large entry.
pub const MAX_RATIO: u64 = 100;
/// Most data rows (besides the header).
pub const MAX_ROWS: u32 = 10_000;
/// Most columns.
pub const MAX_COLS: u32 = 50;

/// Why a workbook was refused, in the user's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SheetError {
    /// Over the size limit.
    #[error("文件过大（上限 10 MB）")]
    TooLarge,
    /// Not an .xlsx file.
    #[error("文件不是 Excel 工作簿（.xlsx）；如为 .xls 或 WPS 格式，请另存为 .xlsx 后再上传")]
    NotXlsx,
    /// Unpacks to far more than it weighs.
    #[error("文件内容异常（解压后过大），已拒绝")]
    Bomb,
    /// Too many rows.
    #[error("数据行数超过上限 {MAX_ROWS} 行，请分批导入")]
    TooManyRows,
    /// Too many columns.
    #[error("列数超过上限 {MAX_COLS} 列")]
    TooManyCols,
    /// The workbook has no data.
    #[error("工作簿中没有数据")]
    Empty,
    /// Damaged or unreadable.
    #[error("文件已损坏或无法读取")]
    Damaged,
}

/// One cell as read (formulas arrive as their cached values).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Empty.
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A date.
    Date(Date),
    /// TRUE / FALSE.
    Bool(bool),
    /// An error value such as #N/A.
    Error,
}

/// The first worksheet: header row and data rows, each with its Excel row number.
#[derive(Debug, Clone)]
pub struct Sheet {
    /// Header texts.
    pub headers: Vec<String>,
    /// Excel row number of the header.
    pub header_row: u32,
    /// Data rows: (Excel row number, cells).
    pub rows: Vec<(u32, Vec<Cell>)>,
}

/// Excel's day 0 for the 1900 date system (serial 1 = 1900-01-01, with the 1900 leap-year bug
/// folded in for serials after February 1900).
fn excel_date(serial: f64) -> Option<Date> {
    if !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = Date::from_calendar_date(1899, time::Month::December, 30).ok()?;
    #[expect(clippy::cast_possible_truncation, reason = "range checked above")]
    let days = serial.floor() as i64;
    Some(base + Duration::days(days))
}

/// Converts an Excel serial (as text or number) to a date.
#[must_use]
pub fn serial_to_date(serial: f64) -> Option<Date> {
    excel_date(serial)
}

/// Column letters for a 0-based index (`0` → `A`).
#[must_use]
pub fn column_name(mut i: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(char::from(b'A' + u8::try_from(i % 26).unwrap_or(0)));
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.iter().rev().collect()
}

/// Scans the zip directory and every worksheet's cell references before parsing.
fn prescan(bytes: &[u8]) -> Result<(), SheetError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(SheetError::TooLarge);
    }
    if !bytes.starts_with(b"PK\x03\x04") {
        return Err(SheetError::NotXlsx);
    }
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::Damaged)?;
    if zip.len() > MAX_ENTRIES {
        return Err(SheetError::Bomb);
    }
    let mut total: u64 = 0;
    let mut sheets = Vec::new();
    for i in 0..zip.len() {
        let f = zip.by_index_raw(i).map_err(|_| SheetError::Damaged)?;
        let (size, packed) = (f.size(), f.compressed_size().max(1));
        total = total.saturating_add(size);
        if total > MAX_UNPACKED_BYTES || (size > 1024 * 1024 && size / packed > MAX_RATIO) {
            return Err(SheetError::Bomb);
        }
        let name = f.name().map_err(|_| SheetError::Damaged)?.into_owned();
        if name.starts_with("xl/worksheets/") && name.ends_with(".xml") {
            sheets.push(i);
        }
    }
    if !zip
        .file_names()
        .any(|n| n.is_ok_and(|n| n == "xl/workbook.xml"))
    {
        return Err(SheetError::NotXlsx);
    }
    for i in sheets {
        let f = zip.by_index(i).map_err(|_| SheetError::Damaged)?;
        // Declared sizes can lie: never read more than the limit, whatever the header says.
        let mut xml = Vec::new();
        f.take(MAX_UNPACKED_BYTES + 1)
            .read_to_end(&mut xml)
            .map_err(|_| SheetError::Damaged)?;
        if xml.len() as u64 > MAX_UNPACKED_BYTES {
            return Err(SheetError::Bomb);
        }
        let (rows, cols) = max_reference(&xml);
        if rows > MAX_ROWS + 50 {
            return Err(SheetError::TooManyRows);
        }
        if cols > MAX_COLS {
            return Err(SheetError::TooManyCols);
        }
    }
    Ok(())
}

/// The largest row and column named by any `r="…"` or `ref="…"` attribute.
fn max_reference(xml: &[u8]) -> (u32, u32) {
    let (mut max_row, mut max_col) = (0u32, 0u32);
    let mut i = 0;
    while i + 3 < xml.len() {
        if xml[i] == b'r'
            && (xml[i + 1] == b'=' || xml[i..].starts_with(b"ref="))
            && (i == 0 || !xml[i - 1].is_ascii_alphanumeric())
        {
            let start = if xml[i + 1] == b'=' { i + 3 } else { i + 5 };
            let mut j = start;
            loop {
                let (mut col, mut row) = (0u32, 0u32);
                while j < xml.len() && xml[j] == b'$' {
                    j += 1;
                }
                while j < xml.len() && xml[j].is_ascii_uppercase() {
                    col = col
                        .saturating_mul(26)
                        .saturating_add(u32::from(xml[j] - b'A' + 1));
                    j += 1;
                }
                while j < xml.len() && xml[j] == b'$' {
                    j += 1;
                }
                while j < xml.len() && xml[j].is_ascii_digit() {
                    row = row
                        .saturating_mul(10)
                        .saturating_add(u32::from(xml[j] - b'0'));
                    j += 1;
                }
                max_row = max_row.max(row);
                max_col = max_col.max(col);
                if j < xml.len() && (xml[j] == b':' || xml[j] == b' ') {
                    j += 1;
                    continue;
                }
                break;
            }
            i = j;
        } else {
            i += 1;
        }
    }
    (max_row, max_col)
}

/// Reads the first worksheet after the safety checks.
///
/// # Errors
/// A [`SheetError`] naming what is wrong with the file.
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    prescan(bytes)?;
    let mut wb: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(|_| SheetError::Damaged)?;
    let range = wb
        .worksheet_range_at(0)
        .ok_or(SheetError::Empty)?
        .map_err(|_| SheetError::Damaged)?;
    let (first_row, _) = range.start().unwrap_or((0, 0));
    let mut rows = range
        .rows()
        .enumerate()
        .map(|(i, r)| (first_row + u32::try_from(i).unwrap_or(0) + 1, r));
    let (header_row, header) = rows
        .by_ref()
        .find(|(_, r)| r.iter().any(|c| !matches!(c, Data::Empty)))
        .ok_or(SheetError::Empty)?;
    let headers: Vec<String> = header
        .iter()
        .map(|c| text_of(c).trim().to_owned())
        .collect();
    let mut out = Vec::new();
    for (n, r) in rows {
        if r.iter()
            .all(|c| matches!(c, Data::Empty) || text_of(c).trim().is_empty())
        {
            continue;
        }
        if out.len() >= MAX_ROWS as usize {
            return Err(SheetError::TooManyRows);
        }
        out.push((n, r.iter().map(cell_of).collect()));
    }
    if out.is_empty() {
        return Err(SheetError::Empty);
    }
    Ok(Sheet {
        headers,
        header_row,
        rows: out,
    })
}

fn text_of(c: &Data) -> String {
    match c {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn cell_of(c: &Data) -> Cell {
    match c {
        Data::Empty => Cell::Empty,
        Data::String(s) if s.trim().is_empty() => Cell::Empty,
        Data::String(s) => Cell::Text(s.trim().to_owned()),
        #[expect(clippy::cast_precision_loss, reason = "integers in a roster are small")]
        Data::Int(i) => Cell::Number(*i as f64),
        Data::Float(f) => Cell::Number(*f),
        Data::Bool(b) => Cell::Bool(*b),
        Data::DateTime(d) => excel_date(d.as_f64()).map_or(Cell::Error, Cell::Date),
        Data::DateTimeIso(s) => {
            super::model::parse_any_date(s.get(..10).unwrap_or(s)).map_or(Cell::Error, Cell::Date)
        }
        Data::DurationIso(_) | Data::Error(_) => Cell::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn serials_and_column_names() {
        assert_eq!(excel_date(45_000.0), Some(date!(2023 - 03 - 15)));
        assert_eq!(excel_date(1.0), Some(date!(1899 - 12 - 31)));
        assert_eq!(excel_date(-5.0), None);
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(16_383), "XFD");
    }

    #[test]
    fn far_references_are_found() {
        assert_eq!(
            max_reference(br#"<dimension ref="A1:XFD1048576"/>"#),
            (1_048_576, 16_384)
        );
        assert_eq!(
            max_reference(br#"<row r="3"><c r="B3" t="s"><v>1</v></c></row>"#),
            (3, 2)
        );
        assert_eq!(max_reference(br#"<mergeCell ref="$A$1:$C$9"/>"#), (9, 3));
        assert_eq!(
            max_reference(b"<c hr=\"Z9\"/>"),
            (0, 0),
            "only whole attribute names count"
        );
    }

    #[test]
    fn garbage_is_refused_quickly() {
        assert_eq!(read(b"not a zip").unwrap_err(), SheetError::NotXlsx);
        assert_eq!(read(b"PK\x03\x04garbage").unwrap_err(), SheetError::Damaged);
        assert_eq!(
            read(&vec![0u8; MAX_FILE_BYTES + 1]).unwrap_err(),
            SheetError::TooLarge
        );
    }
}
