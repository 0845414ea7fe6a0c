//! SEC-35: hostile workbooks, each built here with the zip crate. Every trick that made the old
//! dense reader allocate hundreds of GB is refused with a Chinese message, quickly, with the
//! parsing process staying under 200 MB (measured in a child process), and through the web
//! import nothing is written; a valid 10 000-row roster still imports.

use std::io::{Cursor, Write};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use zhibu::members::import;
use zhibu::members::sheet::{self, Cell, SheetError};
use zip::CompressionMethod::{Deflated, Stored};

use crate::db_test;
use crate::support::{Backend, text};

const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const HEADER: &str = r#"<row r="1"><c r="A1" t="inlineStr"><is><t>姓名</t></is></c></row>"#;

/// One zip entry: pieces written `times` times each, so big parts never sit in memory.
struct Entry {
    name: String,
    method: zip::CompressionMethod,
    pieces: Vec<(Vec<u8>, usize)>,
}

fn entry(name: &str, body: &str) -> Entry {
    Entry {
        name: name.into(),
        method: Deflated,
        pieces: vec![(body.as_bytes().to_vec(), 1)],
    }
}

fn repeated(name: &str, method: zip::CompressionMethod, pieces: &[(&str, usize)]) -> Entry {
    Entry {
        name: name.into(),
        method,
        pieces: pieces
            .iter()
            .map(|(p, n)| (p.as_bytes().to_vec(), *n))
            .collect(),
    }
}

fn zip_of(entries: &[Entry]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for e in entries {
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(e.method)
            .large_file(false);
        z.start_file(e.name.as_str(), opts).unwrap();
        for (piece, times) in &e.pieces {
            for _ in 0..*times {
                z.write_all(piece).unwrap();
            }
        }
    }
    z.finish().unwrap().into_inner()
}

fn workbook_xml() -> Entry {
    entry(
        "xl/workbook.xml",
        &format!(
            r#"<?xml version="1.0"?><workbook {NS}><sheets><sheet name="名册" sheetId="1" r:id="rId1"/></sheets></workbook>"#
        ),
    )
}

fn rels(sheet_target: &str) -> Entry {
    entry(
        "xl/_rels/workbook.xml.rels",
        &format!(
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{REL}/worksheet" Target="{sheet_target}"/><Relationship Id="rId2" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="{REL}/styles" Target="styles.xml"/></Relationships>"#
        ),
    )
}

fn rows_sheet(rows: &str) -> String {
    format!("<worksheet {NS}><sheetData>{rows}</sheetData></worksheet>")
}

/// A workbook whose first sheet is `sheet`, at the usual path, plus any other parts.
fn book_with(sheet: &str, extra: Vec<Entry>) -> Vec<u8> {
    let mut entries = vec![
        workbook_xml(),
        rels("worksheets/sheet1.xml"),
        entry("xl/worksheets/sheet1.xml", sheet),
    ];
    entries.extend(extra);
    zip_of(&entries)
}

const OPEN: &str = "<sheetData>";
const CLOSE: &str = "</sheetData></worksheet>";

/// A streamed first sheet: its pieces are written, never held.
fn sheet_stream(method: zip::CompressionMethod, rows: &[(&str, usize)]) -> (Entry, usize) {
    let open = format!("<worksheet {NS}>{OPEN}");
    let mut pieces = vec![(open.as_str(), 1)];
    pieces.extend_from_slice(rows);
    pieces.push((CLOSE, 1));
    let size = pieces.iter().map(|(p, n)| p.len() * n).sum();
    (repeated("xl/worksheets/sheet1.xml", method, &pieces), size)
}

fn streamed_book(method: zip::CompressionMethod, rows: &[(&str, usize)]) -> (Vec<u8>, usize) {
    let (sheet, size) = sheet_stream(method, rows);
    (
        zip_of(&[workbook_xml(), rels("worksheets/sheet1.xml"), sheet]),
        size,
    )
}

/// Rewrites every zip header that declares `real` uncompressed bytes to declare `claim`.
fn lie_about_size(mut zip: Vec<u8>, real: u32, claim: u32) -> Vec<u8> {
    for (sig, at) in [(b"PK\x03\x04", 22), (b"PK\x01\x02", 24)] {
        let mut i = 0;
        while let Some(p) = zip[i..].windows(4).position(|w| w == sig) {
            let field = i + p + at;
            if zip.get(field..field + 4) == Some(&real.to_le_bytes()[..]) {
                zip[field..field + 4].copy_from_slice(&claim.to_le_bytes());
            }
            i += p + 4;
        }
    }
    zip
}

/// The hostile workbooks by name.
fn hostile(name: &str) -> Vec<u8> {
    let far = |r: &str| rows_sheet(&format!(r#"{HEADER}<row r="2"><c {r}><v>1</v></c></row>"#));
    match name {
        "space_before_equals" => book_with(&far(r#"r ="XFD1048576""#), vec![]),
        "single_quotes_and_spaces" => book_with(&far("r = 'XFD1048576'"), vec![]),
        "far_column" => book_with(&far(r#"r="AZ2""#), vec![]),
        "sheet_at_other_path" => {
            let hidden = rows_sheet(&format!(
                r#"{HEADER}<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#
            ));
            let decoy = rows_sheet(&format!(
                r#"{HEADER}<row r="2"><c r="A2" t="inlineStr"><is><t>张三</t></is></c></row>"#
            ));
            zip_of(&[
                workbook_xml(),
                rels("/hidden/data/s.xml"),
                entry("hidden/data/s.xml", &hidden),
                entry("xl/worksheets/sheet1.xml", &decoy),
            ])
        }
        "implicit_cells_after_far_row" => book_with(
            &rows_sheet(&format!(
                r#"{HEADER}<row r="1048000"><c><v>1</v></c><c><v>2</v></c></row>"#
            )),
            vec![],
        ),
        "implicit_columns" => {
            let cells = "<c><v>1</v></c>".repeat(60);
            book_with(&rows_sheet(&format!("{HEADER}<row>{cells}</row>")), vec![])
        }
        "million_rows_without_r" => {
            streamed_book(
                Stored,
                &[
                    (HEADER, 1),
                    ("<row/>", 1_000_000),
                    (r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#, 1),
                ],
            )
            .0
        }
        "lying_dimension" => book_with(
            &format!(
                r#"<worksheet {NS}><dimension ref="A1:B2"/><sheetData>{HEADER}<row r="500000"><c r="B500000"><v>7</v></c></row></sheetData></worksheet>"#
            ),
            vec![],
        ),
        "shared_strings_count" => book_with(
            &rows_sheet(&format!(
                r#"{HEADER}<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#
            )),
            vec![entry(
                "xl/sharedStrings.xml",
                &format!(
                    r#"<sst {NS} count="4000000000" uniqueCount="4000000000"><si><t>张三</t></si></sst>"#
                ),
            )],
        ),
        "shared_strings_huge_text" => book_with(
            &rows_sheet(HEADER),
            vec![repeated(
                "xl/sharedStrings.xml",
                Stored,
                &[
                    (&format!("<sst {NS}><si><t>"), 1),
                    ("字", 200_000),
                    ("</t></si></sst>", 1),
                ],
            )],
        ),
        "shared_strings_too_many" => book_with(
            &rows_sheet(HEADER),
            vec![repeated(
                "xl/sharedStrings.xml",
                Stored,
                &[
                    (&format!("<sst {NS}>"), 1),
                    ("<si/>", 1_000_001),
                    ("</sst>", 1),
                ],
            )],
        ),
        "styles_bomb" => book_with(
            &rows_sheet(HEADER),
            vec![repeated(
                "xl/styles.xml",
                Stored,
                &[
                    (&format!("<styleSheet {NS}><cellXfs>"), 1),
                    (r#"<xf numFmtId="14"/>"#, 100_000),
                    ("</cellXfs></styleSheet>", 1),
                ],
            )],
        ),
        "long_cell_text" => {
            streamed_book(
                Stored,
                &[
                    (HEADER, 1),
                    (r#"<row><c t="inlineStr"><is><t>"#, 1),
                    ("字", 3_000_000),
                    ("</t></is></c></row>", 1),
                ],
            )
            .0
        }
        "zip_bomb" => {
            let zeros = "\0".repeat(64 * 1024);
            streamed_book(Deflated, &[(&zeros, 960)]).0
        }
        "lying_zip_sizes" => {
            let (book, size) = streamed_book(Deflated, &[(HEADER, 1), ("<row/>", 7_000_000)]);
            lie_about_size(book, u32::try_from(size).unwrap(), 1000)
        }
        "malformed_xml" => book_with(
            &rows_sheet(&format!("{HEADER}<row><c><v>1</v></row>")),
            vec![],
        ),
        "entity_expansion" => book_with(
            &format!(
                r#"<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><worksheet {NS}><sheetData>{HEADER}<row><c t="inlineStr"><is><t>&b;</t></is></c></row></sheetData></worksheet>"#
            ),
            vec![],
        ),
        "too_many_entries" => {
            let mut entries = vec![workbook_xml(), rels("worksheets/sheet1.xml")];
            entries.extend((0..1000).map(|i| entry(&format!("xl/media/{i}.bin"), "x")));
            zip_of(&entries)
        }
        other => panic!("no hostile workbook named {other}"),
    }
}

/// Each hostile workbook and the refusal it must get.
const HOSTILE: [(&str, SheetError); 18] = [
    ("space_before_equals", SheetError::TooManyRows),
    ("single_quotes_and_spaces", SheetError::TooManyRows),
    ("far_column", SheetError::TooManyCols),
    ("sheet_at_other_path", SheetError::TooManyRows),
    ("implicit_cells_after_far_row", SheetError::TooManyRows),
    ("implicit_columns", SheetError::TooManyCols),
    ("million_rows_without_r", SheetError::TooManyRows),
    ("lying_dimension", SheetError::TooManyRows),
    ("shared_strings_count", SheetError::TooMuchText),
    ("shared_strings_huge_text", SheetError::TooMuchText),
    ("shared_strings_too_many", SheetError::TooMuchText),
    ("styles_bomb", SheetError::TooManyStyles),
    ("long_cell_text", SheetError::TooMuchText),
    ("zip_bomb", SheetError::Bomb),
    // The zip reader itself stops at the declared size; the CRC then fails.
    ("lying_zip_sizes", SheetError::Damaged),
    ("malformed_xml", SheetError::Damaged),
    ("entity_expansion", SheetError::Damaged),
    ("too_many_entries", SheetError::Bomb),
];

const CHILD: &str = "ZHIBU_SEC35_HOSTILE_CASE";

/// The peak resident memory of this process, in KiB, if the system reports it.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Each hostile workbook is parsed in a child process (this test binary again), which reports
/// the refusal, the time and its peak RSS; the peak must stay under 200 MB.
#[test]
fn sec_35_hostile_workbooks_are_refused_in_bounded_memory() {
    if let Ok(case) = std::env::var(CHILD) {
        let bytes = hostile(&case);
        // Forget the memory used to build the file, so the peak is the parse's (Linux ≥ 4.0).
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let started = Instant::now();
        let result = sheet::read(&bytes);
        let ms = started.elapsed().as_millis();
        let rss = peak_rss_kib().map_or("none".to_owned(), |k| k.to_string());
        let outcome = match result {
            Ok(s) => format!("accepted {} rows", s.rows.len()),
            Err(e) => format!("{e:?}|{e}"),
        };
        println!("\nSEC35|{case}|{outcome}|{ms}|{rss}|{reset}");
        return;
    }
    let me = std::env::current_exe().unwrap();
    let test = format!(
        "{}::sec_35_hostile_workbooks_are_refused_in_bounded_memory",
        module_path!().split_once("::").map_or("", |(_, m)| m)
    );
    let mut unmeasured = Vec::new();
    for (case, expected) in HOSTILE {
        let out = std::process::Command::new(&me)
            .args(["--exact", &test, "--nocapture", "--test-threads=1"])
            .env(CHILD, case)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let line = stdout
            .lines()
            .find_map(|l| l.find("SEC35|").map(|at| &l[at..]))
            .unwrap_or_else(|| {
                panic!(
                    "{case}: the child died: {stdout} {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            });
        let f: Vec<&str> = line.split('|').collect();
        let (debug, message, ms, rss) = (f[2], f[3], f[4], f[5]);
        assert_eq!(debug, format!("{expected:?}"), "{case}: {line}");
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{case}: the refusal is in Chinese: {message}"
        );
        // Unoptimised test builds are slow; the import's own limit is 20 s.
        assert!(
            ms.parse::<u64>().unwrap() < 15_000,
            "{case}: refused quickly ({ms} ms)"
        );
        match rss.parse::<u64>() {
            Ok(kib) => {
                println!(
                    "SEC-35 {case}: refused in {ms} ms, peak RSS {} MB",
                    kib / 1024
                );
                assert!(kib < 200 * 1024, "{case}: peak RSS {kib} KiB");
            }
            Err(_) => unmeasured.push(case),
        }
    }
    if !unmeasured.is_empty() {
        eprintln!("skipped: peak RSS not measurable here (no /proc) for {unmeasured:?}");
    }
}

/// What the streaming reader keeps: a sheet found through the relationships at a
/// non-standard path, shared strings with rich runs (phonetic hints left out), date styles,
/// formulas as their cached value or their text, implicit positions, escaped text.
#[test]
fn sec_35_streaming_reader_reads_what_excel_shows() {
    let sst = r"<si><t>姓名</t></si><si><t>入党日期</t></si><si><r><t>张</t></r><r><t>三</t></r><rPh><t>zhang</t></rPh></si>";
    let styles = format!(
        r#"<styleSheet {NS}><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/></cellXfs></styleSheet>"#
    );
    let sheet = format!(
        r#"<worksheet {NS}><dimension ref="A1:Z9999"/><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c t="s"><v>1</v></c><c r="D1" t="inlineStr"><is><t>备注</t></is></c></row><row r="3"><c t="s"><v>2</v></c><c s="1"><v>45000</v></c><c t="str"><f>A3&amp;"x"</f><v>张三x</v></c><c><f>SUM(1,2)</f></c><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c><v>12.5</v></c></row><row><c s="2"><v>45001</v></c><c r="B4" t="inlineStr"><is><t> a&amp;b&#x4e00; </t></is></c></row><row r="6"><c r="C6" s="1"/></row></sheetData><mergeCells><mergeCell ref="A1:XFD1048576"/></mergeCells></worksheet>"#
    );
    let bytes = zip_of(&[
        workbook_xml(),
        rels("sheets/main.xml"),
        entry("xl/sheets/main.xml", &sheet),
        entry("xl/sharedStrings.xml", &format!("<sst {NS}>{sst}</sst>")),
        entry("xl/styles.xml", &styles),
    ]);
    let s = sheet::read(&bytes).unwrap();
    assert_eq!(s.header_row, 1);
    assert_eq!(s.headers, ["姓名", "入党日期", "", "备注", "", "", ""]);
    let d = |y, m, day| {
        Cell::Date(
            time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), day).unwrap(),
        )
    };
    let t = |v: &str| Cell::Text(v.into());
    assert_eq!(
        s.rows.len(),
        2,
        "the row with only an empty styled cell is skipped"
    );
    assert_eq!(s.rows[0].0, 3);
    assert_eq!(
        s.rows[0].1,
        [
            t("张三"),
            d(2023, 3, 15),
            t("张三x"),
            t("=SUM(1,2)"),
            Cell::Bool(true),
            Cell::Error,
            Cell::Number(12.5)
        ]
    );
    assert_eq!(s.rows[1].0, 4, "a row without r follows the one before");
    assert_eq!(s.rows[1].1[..3], [d(2023, 3, 16), t("a&b一"), Cell::Empty]);
}

/// 10 001 data rows, each within the position limits, are still too many.
#[test]
fn sec_35_more_than_10000_rows_are_refused() {
    let row = r#"<row><c t="inlineStr"><is><t>x</t></is></c></row>"#;
    let (book, _) = streamed_book(Deflated, &[(HEADER, 1), (row, 10_001)]);
    assert_eq!(sheet::read(&book).unwrap_err(), SheetError::TooManyRows);
    let (book, _) = streamed_book(Deflated, &[(HEADER, 1), (row, 10_000)]);
    assert_eq!(sheet::read(&book).unwrap().rows.len(), 10_000);
}

/// Through the web import each hostile file gets its Chinese message and nothing is stored.
async fn sec_35_hostile_uploads_write_nothing(b: Backend) {
    let (t, a, _) = crate::sheets::branch(b).await;
    let uid = t.user("shuji", "officer", Some(a)).await;
    let (tok, csrf) = t.session(uid).await;
    let (members, uploads) = (t.rows("members").await, t.rows("uploads").await);
    for (case, expected) in [
        ("space_before_equals", SheetError::TooManyRows),
        ("sheet_at_other_path", SheetError::TooManyRows),
        ("shared_strings_count", SheetError::TooMuchText),
        ("styles_bomb", SheetError::TooManyStyles),
        ("malformed_xml", SheetError::Damaged),
    ] {
        let started = Instant::now();
        let res = t
            .send(crate::sheets::multipart(a, &hostile(case), &csrf, &tok))
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{case}");
        let html = text(res).await;
        assert!(html.contains(&expected.to_string()), "{case}: {html}");
        assert!(started.elapsed() < Duration::from_secs(10), "{case}");
    }
    assert_eq!(t.rows("members").await, members);
    assert_eq!(t.rows("uploads").await, uploads);
}
db_test!(sec_35_hostile_uploads_write_nothing);

/// A valid roster of 10 000 members, the most accepted, passes every check and imports.
async fn sec_35_valid_10000_row_roster_imports(b: Backend) {
    let (t, a, _) = crate::sheets::branch(b).await;
    let start = time::Date::from_calendar_date(1970, time::Month::January, 1).unwrap();
    let rows: Vec<Vec<String>> = (0..10_000u32)
        .map(|i| {
            let born = start + time::Duration::days(i64::from(i / 400));
            let body = format!(
                "110105{}{:03}",
                born.format(time::macros::format_description!("[year][month][day]"))
                    .unwrap(),
                (i % 400) * 2 + 1
            );
            let id = format!(
                "{body}{}",
                zhibu::members::idcard::check_char(&body).unwrap()
            );
            [
                (i + 1).to_string(),
                format!("导入{i}"),
                id,
                "汉族".into(),
                "本科".into(),
                "正式党员".into(),
                "2005/7/1".into(),
                "2006年7月1日".into(),
                format!("138{i:08}"),
            ]
            .to_vec()
        })
        .collect();
    let bytes = crate::sheets::book(&rows);
    let scope = zhibu::auth::Scope::operator();
    let started = Instant::now();
    let (_, checked) = import::check(&t.app, &scope, a, bytes.clone())
        .await
        .unwrap();
    assert!(
        checked.errors.is_empty(),
        "{:?}",
        &checked.errors[..3.min(checked.errors.len())]
    );
    assert_eq!(checked.inserts(), 10_000);
    let actor = zhibu::audit::Actor::cli("test");
    assert_eq!(
        import::commit(&t.app, &actor, &scope, a, bytes)
            .await
            .unwrap(),
        (10_000, 0)
    );
    assert_eq!(t.rows("members").await, 10_000);
    println!("SEC-35 10 000-row import: {:?}", started.elapsed());
}
db_test!(sec_35_valid_10000_row_roster_imports);
