//! Reading an uploaded workbook safely (SEC-35). The workbook is read by our own streaming
//! reader (zip + quick-xml), never into a dense range: the container is checked first (size,
//! signature, zip directory), every part is decompressed under real byte limits, the first
//! sheet is found through the workbook's relationships, and only cells holding a value are
//! kept, so memory is bounded by the 10 000 rows × 50 columns we accept whatever positions,
//! dimensions, shared strings or styles the file claims.

mod archive;
mod cells;
mod parts;

use time::{Date, Duration};

use archive::Archive;
use parts::{MAX_STYLES_BYTES, SharedStrings};

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
/// Rows above the header (titles, notes) allowed besides the data rows.
pub const HEADER_ROOM: u32 = 50;
/// Largest workbook or relationships part read, in bytes.
const MAX_SMALL_PART: u64 = 4 * 1024 * 1024;

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
    #[error("文件内容异常（解压后过大或包含的部件过多），已拒绝")]
    Bomb,
    /// Too many rows.
    #[error("表格过大：最多 {MAX_ROWS} 行、{MAX_COLS} 列；数据行数超过上限，请分批导入")]
    TooManyRows,
    /// Too many columns.
    #[error("表格过大：最多 {MAX_ROWS} 行、{MAX_COLS} 列；请删去第 {MAX_COLS} 列之后的内容")]
    TooManyCols,
    /// Too many strings, or a cell or the whole sheet with too much text.
    #[error("文件中的文字过多或单元格内容过长，已拒绝；请删去无关内容或分批导入")]
    TooMuchText,
    /// Far more cell formats than any roster needs.
    #[error("文件中的单元格格式过多，已拒绝；请把数据复制到新建的工作簿后再上传")]
    TooManyStyles,
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

/// Reads the first worksheet under the limits above.
///
/// # Errors
/// A [`SheetError`] naming what is wrong with the file.
pub fn read(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let mut zip = Archive::open(bytes)?;
    #[expect(
        clippy::redundant_closure,
        reason = "the parser is generic over the part's reader, whose lifetimes the closure binds"
    )]
    let info = zip.with_part(
        "xl/workbook.xml",
        MAX_SMALL_PART,
        SheetError::Damaged,
        |r| parts::workbook(r),
    )?;
    let rid = info.first_sheet.ok_or(SheetError::Empty)?;
    let rels = zip
        .find("xl/_rels/workbook.xml.rels")
        .ok_or(SheetError::Damaged)?;
    let targets = zip.with_part(&rels, MAX_SMALL_PART, SheetError::Damaged, |r| {
        parts::relationships(r, &rid)
    })?;
    let sheet = targets
        .sheet
        .and_then(|p| zip.find(&p))
        .ok_or(SheetError::Damaged)?;
    let strings = match targets
        .shared_strings
        .or_else(|| Some("xl/sharedStrings.xml".to_owned()))
        .and_then(|p| zip.find(&p))
    {
        Some(p) => zip.with_part(&p, MAX_UNPACKED_BYTES, SheetError::TooMuchText, |r| {
            parts::shared_strings(r)
        })?,
        None => SharedStrings::default(),
    };
    let dates = match targets
        .styles
        .or_else(|| Some("xl/styles.xml".to_owned()))
        .and_then(|p| zip.find(&p))
    {
        Some(p) => zip.with_part(&p, MAX_STYLES_BYTES, SheetError::TooManyStyles, |r| {
            parts::date_styles(r)
        })?,
        None => Vec::new(),
    };
    let cx = cells::Context {
        strings: &strings,
        dates: &dates,
        date1904: info.date1904,
    };
    let grid = zip.with_part(&sheet, MAX_UNPACKED_BYTES, SheetError::Bomb, |r| {
        cells::worksheet(r, &cx)
    })?;
    assemble(grid)
}

/// Header row and data rows from the kept cells; blank rows are skipped.
fn assemble(grid: cells::Grid) -> Result<Sheet, SheetError> {
    let width = grid.values().map(Vec::len).max().unwrap_or(0);
    let mut rows = grid
        .into_iter()
        .filter(|(_, r)| r.iter().any(|c| *c != Cell::Empty));
    let (header_row, header) = rows.next().ok_or(SheetError::Empty)?;
    let mut headers: Vec<String> = header.iter().map(header_text).collect();
    headers.resize(width, String::new());
    let mut out = Vec::new();
    for (n, mut r) in rows {
        if out.len() >= MAX_ROWS as usize {
            return Err(SheetError::TooManyRows);
        }
        r.resize(width, Cell::Empty);
        out.push((n, r));
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

fn header_text(c: &Cell) -> String {
    match c {
        Cell::Text(s) => s.clone(),
        Cell::Number(n) => n.to_string(),
        Cell::Bool(b) => b.to_string(),
        Cell::Date(d) => crate::shared::text::ymd(*d),
        Cell::Empty | Cell::Error => String::new(),
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
    fn sec_35_parts_are_found_through_the_relationships() {
        assert_eq!(
            archive::resolve("xl", "worksheets/sheet1.xml").as_deref(),
            Some("xl/worksheets/sheet1.xml")
        );
        assert_eq!(
            archive::resolve("xl", "/hidden/data.xml").as_deref(),
            Some("hidden/data.xml")
        );
        assert_eq!(
            archive::resolve("xl", "../other/s.xml").as_deref(),
            Some("other/s.xml")
        );
        assert_eq!(archive::resolve("xl", "../../../etc/passwd"), None);
    }

    #[test]
    fn sec_35_date_formats() {
        assert!(parts::is_date_format("yyyy-mm-dd"));
        assert!(parts::is_date_format("yyyy\"年\"m\"月\"d\"日\""));
        assert!(parts::is_date_format("[$-F800]dddd, mmmm dd, yyyy"));
        assert!(!parts::is_date_format("General"));
        assert!(!parts::is_date_format("#,##0.00\"元\""));
        assert!(!parts::is_date_format("[Red]0.00;0.00"));
        assert!(!parts::is_date_format("@"));
    }

    #[test]
    fn sec_35_garbage_is_refused_quickly() {
        assert_eq!(read(b"not a zip").unwrap_err(), SheetError::NotXlsx);
        assert_eq!(read(b"PK\x03\x04garbage").unwrap_err(), SheetError::Damaged);
        assert_eq!(
            read(&vec![0u8; MAX_FILE_BYTES + 1]).unwrap_err(),
            SheetError::TooLarge
        );
    }
}
