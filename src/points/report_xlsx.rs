//! The 积分通报 as a workbook: a summary sheet with the draft notice, then one sheet each for
//! the top members, the organisations, the movers and the members with no points.

use rust_xlsxwriter::{DocProperties, Format, Workbook, Worksheet, XlsxError};

use crate::members::workbook::safe_text;

use super::report::{Report, draft};

fn header() -> Format {
    Format::new()
        .set_bold()
        .set_background_color("#F5F6F7")
        .set_font_name("宋体")
}

/// Writes a sheet: a header row, then rows of cells (numbers stay numbers).
fn table(ws: &mut Worksheet, heads: &[&str], rows: &[Vec<Cell>]) -> Result<(), XlsxError> {
    let h = header();
    for (c, name) in heads.iter().enumerate() {
        let col = u16::try_from(c).unwrap_or(0);
        ws.write_string_with_format(0, col, *name, &h)?;
        ws.set_column_width(col, if c == 0 { 10 } else { 18 })?;
    }
    for (r, cells) in rows.iter().enumerate() {
        let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        for (c, cell) in cells.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(0);
            match cell {
                Cell::Text(t) => ws.write_string(row, col, safe_text(t))?,
                // Spreadsheet numbers are `f64`; counts and points stay far below 2^52.
                #[allow(clippy::cast_precision_loss, reason = "XLSX stores numbers as f64")]
                Cell::Int(n) => ws.write_number(row, col, *n as f64)?,
                Cell::Real(x) => ws.write_number(row, col, *x)?,
            };
        }
    }
    ws.set_freeze_panes(1, 0)?;
    Ok(())
}

enum Cell {
    Text(String),
    Int(i64),
    Real(f64),
}

use Cell::{Int, Real, Text};

/// The workbook of a report; `by` is who downloaded it and when (printed in the page header).
///
/// # Errors
/// Writer failures (bugs).
pub fn workbook(r: &Report, by: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let (title, body) = draft(r);
    {
        let ws = wb.add_worksheet().set_name("概况")?;
        let summary = vec![
            vec![Text("组织".into()), Text(r.org_name.clone())],
            vec![
                Text("期间".into()),
                Text(format!("{}（{} 至 {}）", r.period_label, r.from, r.to)),
            ],
            vec![Text("党员人数".into()), Int(r.members)],
            vec![Text("累计积分".into()), Int(r.total)],
            vec![Text("人均积分".into()), Real(r.average)],
            vec![Text("零积分人数".into()), Int(r.without_points)],
            vec![Text("通报草稿".into()), Text(format!("{title}\n\n{body}"))],
        ];
        table(ws, &["项目", "内容"], &summary)?;
        ws.set_column_width(1, 80)?;
        ws.set_header(format!(
            "&L{}积分通报&R导出：{}",
            r.period_label,
            by.replace('&', "&&")
        ));
    }
    let top: Vec<Vec<Cell>> = r
        .top
        .iter()
        .map(|t| {
            vec![
                Int(t.rank),
                Text(t.name.clone()),
                Text(t.org_name.clone()),
                Int(t.points),
            ]
        })
        .collect();
    table(
        wb.add_worksheet().set_name("排名前列")?,
        &["名次", "姓名", "所在组织", "积分"],
        &top,
    )?;
    let orgs: Vec<Vec<Cell>> = r
        .orgs
        .iter()
        .enumerate()
        .map(|(i, o)| {
            vec![
                Int(i64::try_from(i + 1).unwrap_or(0)),
                Text(o.name.clone()),
                Int(o.members),
                Int(o.total),
                Real(o.average),
            ]
        })
        .collect();
    table(
        wb.add_worksheet().set_name("各组织人均")?,
        &["序号", "组织", "党员", "总积分", "人均积分"],
        &orgs,
    )?;
    let movers: Vec<Vec<Cell>> = r
        .risers
        .iter()
        .map(|m| ("进步", m))
        .chain(r.fallers.iter().map(|m| ("下降", m)))
        .map(|(way, m)| {
            vec![
                Text(way.into()),
                Text(m.name.clone()),
                Text(m.org_name.clone()),
                Int(m.previous),
                Int(m.points),
                Int(m.change()),
            ]
        })
        .collect();
    table(
        wb.add_worksheet().set_name("变化较大")?,
        &[
            "方向",
            "姓名",
            "所在组织",
            &format!("{}积分", r.previous_label),
            "本期积分",
            "变化",
        ],
        &movers,
    )?;
    let zero: Vec<Vec<Cell>> = r
        .no_points
        .iter()
        .enumerate()
        .map(|(i, z)| {
            vec![
                Int(i64::try_from(i + 1).unwrap_or(0)),
                Text(z.name.clone()),
                Text(z.org_name.clone()),
            ]
        })
        .collect();
    table(
        wb.add_worksheet().set_name("零积分党员")?,
        &["序号", "姓名", "所在组织"],
        &zero,
    )?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_author("支部")
            .set_comment(format!("导出：{by}")),
    );
    wb.save_to_buffer()
}
