//! Photos and attachments of a meeting: recognised by their bytes (never by name alone), pictures
//! re-encoded without metadata, documents limited to PDF and Office formats, kept in the database
//! so they are backed up with it; after the record is submitted an addition is an audited
//! correction with its reason.

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, Scope};

use super::records_store::{self, FileInfo};
use super::service::{MeetingError, MeetingResult, get, get_managed};

/// Decides what an uploaded file is by its bytes and name: (kind, content type, bytes to keep,
/// file name to keep).
///
/// # Errors
/// A Chinese message for anything that is not a picture or a common office document.
pub fn classify(
    filename: &str,
    bytes: &[u8],
    max: usize,
) -> Result<(&'static str, &'static str, Vec<u8>, String), String> {
    if bytes.is_empty() {
        return Err("请选择要上传的文件".into());
    }
    if bytes.len() > max {
        return Err(format!("文件不能超过 {} MB", max / (1024 * 1024)));
    }
    let name = clean_name(filename);
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if crate::shared::picture::is_picture(bytes) {
        let jpg = crate::shared::picture::reencode(bytes, max, 1600, "图片")?;
        let stem = name
            .rsplit_once('.')
            .map_or(name.as_str(), |(s, _)| s)
            .to_owned();
        return Ok(("photo", "image/jpeg", jpg, format!("{stem}.jpg")));
    }
    let ooxml = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let ct =
        match ext.as_str() {
            "pdf" if bytes.starts_with(b"%PDF-") => "application/pdf",
            "docx" if ooxml => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            "xlsx" if ooxml => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "pptx" if ooxml => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            "doc" if ole => "application/msword",
            "xls" if ole => "application/vnd.ms-excel",
            "ppt" if ole => "application/vnd.ms-powerpoint",
            _ => return Err(
                "只能上传 JPG/PNG 图片，或 PDF、Word、Excel、PowerPoint 文件（内容须与扩展名一致）"
                    .into(),
            ),
        };
    Ok(("attachment", ct, bytes.to_vec(), name))
}

/// Keeps the last path component, drops control and path characters, at most 100 characters.
fn clean_name(s: &str) -> String {
    let base = s.rsplit(['/', '\\']).next().unwrap_or("");
    let name: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .collect();
    let name = name.trim().trim_start_matches('.');
    let v: Vec<char> = name.chars().collect();
    let keep = if v.len() > 100 {
        v[v.len() - 100..].iter().collect()
    } else {
        name.to_owned()
    };
    if keep.is_empty() {
        "附件".into()
    } else {
        keep
    }
}

/// Adds a photo or attachment. Once the record is submitted an addition is a correction: it
/// needs a reason, which the audit row keeps with the file name.
///
/// # Errors
/// Denied, no reason after submission, too many, or not an accepted file.
pub async fn upload(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    (filename, bytes): (&str, &[u8]),
    reason: &str,
) -> MeetingResult<i64> {
    let (m, _) = get_managed(app, scope, id).await?;
    if m.is_cancelled() {
        return Err(MeetingError::Invalid("该会议已取消".into()));
    }
    let reason = reason.trim();
    if crate::shared::text::char_len(reason) > 200 {
        return Err(MeetingError::Invalid("补充原因不能超过 200 字".into()));
    }
    let needs_reason = |held: bool| {
        if held && reason.is_empty() {
            Err(MeetingError::Refused(
                "reason_required",
                "会议记录已提交，补充照片或附件须填写原因".into(),
            ))
        } else {
            Ok(())
        }
    };
    needs_reason(m.is_held())?;
    let c = &app.config.meetings;
    let max = usize::try_from(c.attachment_max_mib).unwrap_or(10) * 1024 * 1024;
    let (kind, ct, content, name) =
        classify(filename, bytes, max).map_err(|e| MeetingError::Refused("file_rejected", e))?;
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            // The record may have been submitted since the page was read.
            let m = super::store::get(&mut w.exec(), id).await?;
            needs_reason(m.is_held())?;
            let have = records_store::files(&mut w.exec(), id).await?.len();
            if have >= usize::try_from(c.attachments_per_meeting).unwrap_or(50) {
                return Err(MeetingError::Refused(
                    "too_many_files",
                    format!("每次会议最多上传 {} 个文件", c.attachments_per_meeting),
                ));
            }
            let fid = records_store::insert_file(
                &mut w.exec(),
                id,
                records_store::NewFile {
                    kind,
                    filename: &name,
                    content_type: ct,
                    content: &content,
                },
                actor.user_id,
                now,
            )
            .await?;
            let detail = if m.is_held() {
                format!("会后补充：{name}（{reason}）")
            } else {
                name
            };
            let ev = AuditEvent::success("meeting.file.upload", "meeting", id)
                .org(m.org_id)
                .detail(detail);
            w.audit(ev).await?;
            Ok(fid)
        })
        .await
}

/// Files of a meeting whose whole record the caller may read.
///
/// # Errors
/// Denied outside scope.
pub async fn files(app: &App, scope: &Scope, id: i64) -> MeetingResult<Vec<FileInfo>> {
    let m = get(app, scope, id).await?;
    super::access::require_full(app, scope, &m).await?;
    Ok(records_store::files(&mut app.db.conn().await?.exec(), id).await?)
}

/// One file of a meeting whose whole record the caller may read (MEET-02/03: a 支委会's
/// attachments are the committee's).
///
/// # Errors
/// `NotFound` for files of other meetings, `Forbidden` where only the fact of the meeting may
/// be seen.
pub async fn file(
    app: &App,
    scope: &Scope,
    id: i64,
    fid: i64,
) -> MeetingResult<(FileInfo, Vec<u8>)> {
    let m = get(app, scope, id).await?;
    super::access::require_full(app, scope, &m).await?;
    records_store::file(&mut app.db.conn().await?.exec(), id, fid)
        .await?
        .ok_or(MeetingError::Denied(Denial::NotFound))
}
