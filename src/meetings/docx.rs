//! A meeting's 会议记录 as a .docx in the usual layout (title, then a two-column table of
//! 时间 / 地点 / 主持人 / 记录人 / 应到实到 / 缺席及原因 / 议题 / 发言摘要 / 决议 / 表决结果), written as
//! `WordprocessingML` by hand. Chinese fonts are named for the East Asian script (宋体 for text,
//! 黑体 for the title) so Word and WPS render it without substitution; a year's records go into
//! one .zip.

use std::fmt::Write as _;
use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use super::minutes::Record;
use super::store::Meeting;

/// Escapes text for XML, dropping characters XML 1.0 cannot hold.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

fn run(text: &str, bold: bool) -> String {
    let b = if bold { "<w:b/>" } else { "" };
    format!(
        "<w:r><w:rPr>{b}</w:rPr><w:t xml:space=\"preserve\">{}</w:t></w:r>",
        esc(text)
    )
}

/// Paragraphs, one per line of `text` (at least one, so empty cells stay valid).
fn paras(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    if lines.is_empty() {
        return "<w:p/>".into();
    }
    lines.iter().fold(String::new(), |mut out, l| {
        let _ = write!(out, "<w:p>{}</w:p>", run(l.trim_end(), false));
        out
    })
}

fn row(label: &str, body: &str) -> String {
    format!(
        "<w:tr><w:tc><w:tcPr><w:tcW w:w=\"1900\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr>\
         <w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{}</w:p></w:tc>\
         <w:tc><w:tcPr><w:tcW w:w=\"7100\" w:type=\"dxa\"/></w:tcPr>{}</w:tc></w:tr>",
        run(label, true),
        paras(body)
    )
}

/// The body of the record as (label, text) rows.
#[must_use]
pub fn rows(m: &Meeting, r: &Record) -> Vec<(&'static str, String)> {
    let agenda = m
        .agenda_items()
        .iter()
        .enumerate()
        .map(|(i, a)| format!("{}. {a}", i + 1))
        .collect::<Vec<_>>()
        .join("\n");
    let votes = r
        .minutes
        .votes
        .iter()
        .map(|v| {
            if v.is_election() {
                let tally = super::elections::candidates_text(&v.candidates);
                return format!(
                    "{}（选举）：应到会有选举权 {} 人，实到 {} 人；应选 {} 人；得票：{tally}；{}；当选：{}",
                    v.topic, v.entitled, v.present, v.seats, v.result_label(), v.elected_text()
                );
            }
            format!(
                "{}：应到会有表决权 {} 人，到会 {} 人；赞成 {}（含书面意见 {}），反对 {}，弃权 {}；{}；{}",
                v.topic, v.entitled, v.present, v.yes + v.written_yes, v.written_yes, v.no, v.abstain,
                v.method_label(), v.result_label()
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut absent = r.absent_text();
    if !r.minutes.absence_notes.trim().is_empty() {
        absent = format!("{absent}\n{}", r.minutes.absence_notes.trim());
    }
    let mut out = vec![
        ("会议名称", m.title.clone()),
        ("会议类型", m.kinds_text()),
        (
            "时    间",
            format!(
                "{} 至 {}",
                crate::shared::text::datetime(m.starts_at),
                crate::shared::text::datetime(m.ends_at)
            ),
        ),
        ("地    点", m.place.clone()),
        ("主 持 人", m.host_name.clone()),
        ("记 录 人", m.recorder_name.clone()),
        (
            "应到 / 实到",
            format!(
                "应到 {} 人，实到 {} 人，请假 {} 人，缺席 {} 人",
                r.expected,
                r.present.len(),
                r.leave.len(),
                r.absent.len()
            ),
        ),
        ("出席人员", r.present.join("、")),
        ("缺席人员及原因", absent),
        ("列席人员", m.guests.clone()),
        ("议    题", agenda),
        ("发言摘要", r.minutes.speeches.clone()),
        ("决    议", r.minutes.decisions.clone()),
        ("表决结果", votes),
    ];
    if m.reviewed_at.is_some() {
        out.push((
            "审阅意见",
            format!("{}（{}）", m.review_comment, m.reviewed_by_name),
        ));
    }
    out
}

fn document(m: &Meeting, r: &Record) -> String {
    let table: String = rows(m, r).iter().map(|(l, b)| row(l, b)).collect();
    let border = |side: &str| {
        format!("<w:{side} w:val=\"single\" w:sz=\"6\" w:space=\"0\" w:color=\"000000\"/>")
    };
    let borders: String = ["top", "left", "bottom", "right", "insideH", "insideV"]
        .iter()
        .map(|s| border(s))
        .collect();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>\
<w:p><w:pPr><w:pStyle w:val=\"Title\"/><w:jc w:val=\"center\"/></w:pPr><w:r><w:t>会议记录</w:t></w:r></w:p>\
<w:p><w:pPr><w:jc w:val=\"center\"/></w:pPr>{}</w:p>\
<w:tbl><w:tblPr><w:tblW w:w=\"9000\" w:type=\"dxa\"/><w:tblBorders>{borders}</w:tblBorders>\
<w:tblCellMar><w:top w:w=\"80\" w:type=\"dxa\"/><w:bottom w:w=\"80\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr>\
<w:tblGrid><w:gridCol w:w=\"1900\"/><w:gridCol w:w=\"7100\"/></w:tblGrid>{table}</w:tbl>\
<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1440\" w:right=\"1440\" w:bottom=\"1440\" w:left=\"1440\" w:header=\"851\" w:footer=\"992\" w:gutter=\"0\"/></w:sectPr>\
</w:body></w:document>",
        run(&m.org_name, false)
    )
}

const STYLES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<w:styles xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">\
<w:docDefaults><w:rPrDefault><w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"宋体\" w:cs=\"Times New Roman\"/>\
<w:sz w:val=\"24\"/><w:szCs w:val=\"24\"/><w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\"/></w:rPr></w:rPrDefault>\
<w:pPrDefault><w:pPr><w:spacing w:after=\"60\" w:line=\"360\" w:lineRule=\"auto\"/></w:pPr></w:pPrDefault></w:docDefaults>\
<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/></w:style>\
<w:style w:type=\"paragraph\" w:styleId=\"Title\"><w:name w:val=\"Title\"/><w:basedOn w:val=\"Normal\"/>\
<w:pPr><w:spacing w:before=\"240\" w:after=\"240\"/></w:pPr>\
<w:rPr><w:rFonts w:ascii=\"Times New Roman\" w:hAnsi=\"Times New Roman\" w:eastAsia=\"黑体\"/><w:b/><w:sz w:val=\"36\"/><w:szCs w:val=\"36\"/></w:rPr></w:style>\
</w:styles>";

const CONTENT_TYPES: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">\
<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>\
<Default Extension=\"xml\" ContentType=\"application/xml\"/>\
<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/>\
<Override PartName=\"/word/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml\"/>\
</Types>";

const RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/>\
</Relationships>";

const DOC_RELS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\
<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">\
<Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/>\
</Relationships>";

fn zip_of(parts: &[(&str, &[u8])]) -> std::io::Result<Vec<u8>> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        z.start_file(*name, opts).map_err(std::io::Error::other)?;
        z.write_all(data)?;
    }
    Ok(z.finish().map_err(std::io::Error::other)?.into_inner())
}

/// The record as a .docx file.
///
/// # Errors
/// Only if writing to memory fails.
pub fn minutes_docx(m: &Meeting, r: &Record) -> std::io::Result<Vec<u8>> {
    let doc = document(m, r);
    zip_of(&[
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", RELS.as_bytes()),
        ("word/_rels/document.xml.rels", DOC_RELS.as_bytes()),
        ("word/document.xml", doc.as_bytes()),
        ("word/styles.xml", STYLES.as_bytes()),
    ])
}

/// A file name for a record: "2026-11-05 支委会 第一党支部.docx" without path characters.
#[must_use]
pub fn file_name(m: &Meeting) -> String {
    let d = crate::shared::text::ymd(super::model::china_date(m.starts_at));
    let raw = format!("{d} {} {}", m.title, m.org_name);
    let clean: String = raw
        .chars()
        .map(|c| {
            if c.is_control() || "/\\:*?\"<>|".contains(c) {
                '_'
            } else {
                c
            }
        })
        .take(80)
        .collect();
    format!("{clean}-{}.docx", m.id)
}

/// Several .docx files in one .zip.
///
/// # Errors
/// Only if writing to memory fails.
pub fn zip_files(files: &[(String, Vec<u8>)]) -> std::io::Result<Vec<u8>> {
    let parts: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(n, d)| (n.as_str(), d.as_slice()))
        .collect();
    zip_of(&parts)
}

#[cfg(test)]
mod tests {
    #[test]
    fn xml_text_is_escaped_and_cleaned() {
        assert_eq!(super::esc("a<b>&\"\u{1}c"), "a&lt;b&gt;&amp;&quot;c");
    }
}
