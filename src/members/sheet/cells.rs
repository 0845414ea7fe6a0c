//! The first worksheet, streamed cell by cell (SEC-35). Only cells holding a value are kept,
//! in a sparse map, and a value past row 10 050 or column 50 stops the read: memory follows
//! what is kept, never what a `<dimension>`, a far `r` or a run of implicit positions claims.

use std::collections::BTreeMap;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::archive::{attr, push_ref};
use super::parts::{MAX_CELL_TEXT, MAX_TEXT_BYTES, SharedStrings};
use super::{Cell, HEADER_ROOM, MAX_COLS, MAX_ROWS, SheetError, excel_date};

/// Excel's last row and column; a position past them is not a worksheet.
const EXCEL_ROWS: u32 = 1_048_576;
const EXCEL_COLS: u32 = 16_384;

/// The kept cells: Excel row number → cells by column (index 0 is column A).
pub type Grid = BTreeMap<u32, Vec<Cell>>;

/// What the cells refer to.
pub struct Context<'a> {
    /// The shared strings.
    pub strings: &'a SharedStrings,
    /// Whether each cell format shows a date.
    pub dates: &'a [bool],
    /// Dates count from 1904.
    pub date1904: bool,
}

#[derive(Default)]
struct Pending {
    row: u32,
    col: u32,
    kind: String,
    style: usize,
    v: String,
    f: String,
    inline: String,
    has_v: bool,
    has_inline: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Sink {
    Nothing,
    Value,
    Formula,
    Inline,
}

/// Reads the cells of a worksheet part, stopping at the end of `<sheetData>`.
///
/// # Errors
/// A value outside the limits, too much text, or malformed XML.
pub fn worksheet<R: BufRead>(r: &mut Reader<R>, cx: &Context<'_>) -> Result<Grid, SheetError> {
    let mut grid = Grid::new();
    let mut kept_text = 0usize;
    let (mut in_data, mut in_is, mut phonetic) = (false, false, 0u32);
    let (mut row, mut next_col) = (0u32, 0u32);
    let mut pending: Option<Pending> = None;
    let mut into = Sink::Nothing;
    let mut buf = Vec::new();
    loop {
        let event = r
            .read_event_into(&mut buf)
            .map_err(|_| SheetError::Damaged)?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.local_name().as_ref() {
                    "sheetData" if empty => return Ok(grid),
                    "sheetData" => in_data = true,
                    "row" if in_data => {
                        row = match attr(e, "r")? {
                            Some(v) => v.trim().parse().map_err(|_| SheetError::Damaged)?,
                            None => row.saturating_add(1),
                        };
                        if row == 0 || row > EXCEL_ROWS {
                            return Err(SheetError::Damaged);
                        }
                        next_col = 0;
                    }
                    "c" if in_data => {
                        let p = start_cell(e, &mut row, &mut next_col)?;
                        if !empty {
                            pending = Some(p);
                        }
                    }
                    "v" if !empty && pending.is_some() => {
                        into = Sink::Value;
                        if let Some(p) = pending.as_mut() {
                            p.has_v = true;
                        }
                    }
                    "f" if !empty && pending.is_some() => into = Sink::Formula,
                    "is" if !empty && pending.is_some() => {
                        in_is = true;
                        if let Some(p) = pending.as_mut() {
                            p.has_inline = true;
                        }
                    }
                    "t" if !empty && in_is && phonetic == 0 => into = Sink::Inline,
                    "rPh" if !empty => phonetic += 1,
                    _ => {}
                }
            }
            Event::End(ref e) => match e.local_name().as_ref() {
                "v" | "f" | "t" => into = Sink::Nothing,
                "is" => in_is = false,
                "rPh" => phonetic = phonetic.saturating_sub(1),
                "c" => {
                    if let Some(p) = pending.take() {
                        keep(&mut grid, &mut kept_text, &p, cx)?;
                    }
                    (into, in_is, phonetic) = (Sink::Nothing, false, 0);
                }
                "sheetData" => return Ok(grid),
                _ => {}
            },
            Event::Text(ref t) => append(&mut pending, into, &t.xml10_content())?,
            Event::CData(ref t) => append(&mut pending, into, &t.xml10_content())?,
            Event::GeneralRef(ref g) => {
                let mut s = String::new();
                push_ref(&mut s, g)?;
                append(&mut pending, into, &s)?;
            }
            Event::Eof => return Ok(grid),
            _ => {}
        }
        buf.clear();
    }
}

/// The position of a `<c>`: its `r` if it has one, else the column after the previous cell.
fn start_cell(
    e: &BytesStart<'_>,
    row: &mut u32,
    next_col: &mut u32,
) -> Result<Pending, SheetError> {
    let col = match attr(e, "r")? {
        Some(r) => {
            let (c, at_row) = cell_ref(&r).ok_or(SheetError::Damaged)?;
            if let Some(n) = at_row {
                *row = n;
            }
            c
        }
        None => *next_col,
    };
    if *row == 0 {
        // A cell before any row: the first row.
        *row = 1;
    }
    *next_col = col.saturating_add(1);
    if *next_col > EXCEL_COLS {
        return Err(SheetError::Damaged);
    }
    Ok(Pending {
        row: *row,
        col,
        kind: attr(e, "t")?.unwrap_or_default(),
        style: attr(e, "s")?
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0),
        ..Pending::default()
    })
}

/// `B7` → (column index 1, row 7); the row may be absent.
fn cell_ref(r: &str) -> Option<(u32, Option<u32>)> {
    let r = r.trim();
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    if letters == 0 || letters > 3 {
        return None;
    }
    let mut col = 0u32;
    for b in r[..letters].bytes() {
        col = col * 26 + u32::from(b.to_ascii_uppercase() - b'A' + 1);
    }
    if col > EXCEL_COLS {
        return None;
    }
    let digits = &r[letters..];
    let row = if digits.is_empty() {
        None
    } else {
        let n: u32 = digits.parse().ok()?;
        if n == 0 || n > EXCEL_ROWS || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(n)
    };
    Some((col - 1, row))
}

fn append(pending: &mut Option<Pending>, into: Sink, s: &str) -> Result<(), SheetError> {
    let Some(p) = pending.as_mut() else {
        return Ok(());
    };
    let target = match into {
        Sink::Nothing => return Ok(()),
        Sink::Value => &mut p.v,
        Sink::Formula => &mut p.f,
        Sink::Inline => &mut p.inline,
    };
    if target.len() + s.len() > MAX_CELL_TEXT {
        return Err(SheetError::TooMuchText);
    }
    target.push_str(s);
    Ok(())
}

/// Stores a finished cell if it holds anything, enforcing the row, column and text limits.
fn keep(
    grid: &mut Grid,
    kept_text: &mut usize,
    p: &Pending,
    cx: &Context<'_>,
) -> Result<(), SheetError> {
    let cell = value(p, cx)?;
    if cell == Cell::Empty {
        return Ok(());
    }
    if p.row > MAX_ROWS + HEADER_ROOM {
        return Err(SheetError::TooManyRows);
    }
    if p.col >= MAX_COLS {
        return Err(SheetError::TooManyCols);
    }
    if let Cell::Text(t) = &cell {
        *kept_text += t.len();
        if *kept_text > MAX_TEXT_BYTES {
            return Err(SheetError::TooMuchText);
        }
    }
    let cells = grid.entry(p.row).or_default();
    let col = p.col as usize;
    if cells.len() <= col {
        cells.resize(col + 1, Cell::Empty);
    }
    cells[col] = cell;
    Ok(())
}

fn text(s: &str) -> Cell {
    match s.trim() {
        "" => Cell::Empty,
        t => Cell::Text(t.to_owned()),
    }
}

/// A cell's value; formulas are never evaluated: their cached value, or else their text.
fn value(p: &Pending, cx: &Context<'_>) -> Result<Cell, SheetError> {
    if !p.has_v && !p.has_inline {
        let f = p.f.trim();
        return Ok(if f.is_empty() {
            Cell::Empty
        } else {
            text(&format!("={f}"))
        });
    }
    let v = p.v.trim();
    Ok(match p.kind.as_str() {
        "s" => {
            let i: usize = v.parse().map_err(|_| SheetError::Damaged)?;
            text(cx.strings.get(i).ok_or(SheetError::Damaged)?)
        }
        "inlineStr" if p.has_inline => text(&p.inline),
        "inlineStr" | "str" => text(&p.v),
        "b" => match v {
            "1" | "true" | "TRUE" => Cell::Bool(true),
            "0" | "false" | "FALSE" => Cell::Bool(false),
            _ => Cell::Error,
        },
        "e" => Cell::Error,
        _ if v.is_empty() => Cell::Empty,
        "d" => super::super::model::parse_any_date(v.get(..10).unwrap_or(v))
            .map_or(Cell::Error, Cell::Date),
        _ => match v.parse::<f64>() {
            Ok(n) if cx.dates.get(p.style).copied().unwrap_or(false) => {
                let offset = if cx.date1904 { 1462.0 } else { 0.0 };
                excel_date(n + offset).map_or(Cell::Error, Cell::Date)
            }
            Ok(n) if n.is_finite() => Cell::Number(n),
            _ => Cell::Error,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_35_cell_references() {
        assert_eq!(cell_ref("A1"), Some((0, Some(1))));
        assert_eq!(cell_ref(" xfd1048576 "), Some((16_383, Some(1_048_576))));
        assert_eq!(cell_ref("C"), Some((2, None)));
        assert_eq!(cell_ref("XFE1"), None);
        assert_eq!(cell_ref("A1048577"), None);
        assert_eq!(cell_ref("A0"), None);
        assert_eq!(cell_ref("1A"), None);
        assert_eq!(cell_ref("A+1"), None);
    }
}
