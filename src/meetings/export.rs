//! Exports: one record as .docx, a branch's year of records as a .zip, and the personal
//! calendar feed (iCalendar) that a phone's calendar app subscribes to with a private link.

use time::OffsetDateTime;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, OrgAction, Scope};
use crate::shared::token::{new_token, sm3_hex};

use super::access::Standing;
use super::docx;
use super::minutes::{self, parse};
use super::model::{Period, RecordAccess};
use super::records_store;
use super::roll_store;
use super::service::{MeetingError, MeetingResult, may_view};
use super::store::{self, ListFilter, Meeting};

/// Most records in one year export.
const MAX_IN_ZIP: i64 = 2000;

/// The submitted record of a meeting as .docx: (file name, bytes).
///
/// # Errors
/// Denied outside scope; invalid before submission.
pub async fn record_docx(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> MeetingResult<(String, Vec<u8>)> {
    let v = minutes::load(app, scope, id).await?;
    let Some(rec) = v.current else {
        return Err(MeetingError::Invalid("会议记录提交后才能导出".into()));
    };
    let bytes = docx::minutes_docx(&v.meeting, &rec)
        .map_err(|e| MeetingError::Invalid(format!("导出失败：{e}")))?;
    let ev = AuditEvent::success("meeting.export", "meeting", id).org(v.meeting.org_id);
    audit::record_alone(&app.db, actor, app.now(), ev).await?;
    Ok((docx::file_name(&v.meeting), bytes))
}

/// Every submitted record of the subtree of `org_id` in `year` that the caller may read in
/// full, one .docx each, in a .zip.
///
/// # Errors
/// Denied outside scope; invalid when there is nothing to export.
pub async fn year_zip(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    year: i32,
) -> MeetingResult<(String, Vec<u8>)> {
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    if !may_view(scope, &org.path) {
        return Err(Denial::Forbidden.into());
    }
    let p = Period::Year(year);
    let at = |d: time::Date| d.midnight().assume_offset(crate::shared::clock::CHINA);
    let f = ListFilter {
        roots: scope.visible_within(&org)?,
        from: Some(at(p.start())),
        // Checked (SEC-43): the year after the last one the calendar knows has no start.
        to: p.next().map(|n| at(n.start())),
        kind: None,
        status: Some("held".into()),
    };
    let mut conn = app.db.conn().await?;
    let (meetings, _) = store::list(&mut conn.exec(), &f, MAX_IN_ZIP, 0).await?;
    if meetings.is_empty() {
        return Err(MeetingError::Invalid(format!(
            "{}没有已提交的会议记录",
            p.label()
        )));
    }
    let standing = Standing::load(&mut conn.exec(), scope).await?;
    let mut files = Vec::with_capacity(meetings.len());
    for m in meetings.iter().rev() {
        // MEET-02/03: a member's zip leaves out the records of the 支委会 and of other groups.
        if standing.access(&mut conn.exec(), scope, m).await? != RecordAccess::Full {
            continue;
        }
        let Some(rev) = records_store::revisions(&mut conn.exec(), m.id)
            .await?
            .pop()
        else {
            continue;
        };
        let bytes = docx::minutes_docx(m, &parse(&rev))
            .map_err(|e| MeetingError::Invalid(format!("导出失败：{e}")))?;
        files.push((docx::file_name(m), bytes));
    }
    drop(conn);
    if files.is_empty() {
        return Err(MeetingError::Invalid(format!(
            "{}没有您可以查阅的会议记录",
            p.label()
        )));
    }
    let zip =
        docx::zip_files(&files).map_err(|e| MeetingError::Invalid(format!("导出失败：{e}")))?;
    let ev = AuditEvent::success("meeting.export_year", "org", org.id)
        .org(org.id)
        .detail(format!("{year} 年 {} 份会议记录", files.len()));
    audit::record_alone(&app.db, actor, app.now(), ev).await?;
    Ok((format!("{}-{year}年会议记录.zip", org.name), zip))
}

/// Issues (or replaces) the caller's private calendar link; returns the token to show once.
///
/// # Errors
/// Refused for accounts without a member record.
pub async fn issue_feed(app: &App, actor: &Actor, scope: &Scope) -> MeetingResult<String> {
    if scope.member_id.is_none() {
        return Err(MeetingError::Refused(
            "no_member_record",
            "您的账号没有关联党员档案，没有个人会议日历".into(),
        ));
    }
    let token = new_token();
    let now = app.now();
    let mut tx = app.db.begin().await?;
    records_store::set_feed(
        &mut tx.exec(),
        scope.user_id,
        &sm3_hex(token.as_bytes()),
        now,
    )
    .await?;
    audit::record(
        &mut tx,
        actor,
        now,
        AuditEvent::success("meeting.feed.issue", "user", scope.user_id),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// The calendar behind a private link, or `None` for an unknown or revoked one.
///
/// # Errors
/// Storage failures.
pub async fn feed(app: &App, token: &str) -> MeetingResult<Option<String>> {
    let mut conn = app.db.conn().await?;
    let Some((_, member_id)) =
        records_store::feed_owner(&mut conn.exec(), &sm3_hex(token.as_bytes())).await?
    else {
        return Ok(None);
    };
    let since = app.now() - time::Duration::days(90);
    let events = with_attendance(&mut conn.exec(), member_id, since, 500)
        .await?
        .into_iter()
        .map(|(m, _)| m)
        .collect::<Vec<_>>();
    Ok(Some(ics(&events, app.now())))
}

/// Whether the caller has a calendar link.
///
/// # Errors
/// Storage failures.
pub async fn has_feed(app: &App, scope: &Scope) -> MeetingResult<bool> {
    Ok(records_store::has_feed(&mut app.db.conn().await?.exec(), scope.user_id).await?)
}

/// Upcoming meetings where the caller is expected, with their attendance.
///
/// # Errors
/// Storage failures.
pub async fn mine(app: &App, scope: &Scope) -> MeetingResult<Vec<(Meeting, String)>> {
    let Some(member_id) = scope.member_id else {
        return Ok(Vec::new());
    };
    Ok(with_attendance(&mut app.db.conn().await?.exec(), member_id, app.now(), 50).await?)
}

/// Meetings a member is expected at that end after `from`, in start order, with their
/// attendance: two queries whatever the number (the home page asks on every visit).
async fn with_attendance(
    ex: &mut crate::db::Exec<'_>,
    member_id: i64,
    from: OffsetDateTime,
    limit: i64,
) -> Result<Vec<(Meeting, String)>, crate::db::StoreError> {
    let rows = roll_store::for_member(ex, member_id, from, limit).await?;
    let ids: Vec<i64> = rows.iter().map(|(id, _)| *id).collect();
    let mut by_id: std::collections::HashMap<i64, Meeting> = store::get_many(ex, &ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|(id, status)| by_id.remove(&id).map(|m| (m, status)))
        .collect())
}

fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace('\r', "")
        .replace('\n', "\\n")
}

/// Folds a content line at 75 octets (RFC 5545 §3.1) without splitting a character.
fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut len = 0;
    for c in line.chars() {
        if len + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

fn stamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An iCalendar document of meetings.
#[must_use]
pub fn ics(meetings: &[Meeting], now: OffsetDateTime) -> String {
    let mut s = String::from(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Zhibu//Meetings//ZH\r\nCALSCALE:GREGORIAN\r\nX-WR-CALNAME:支部会议\r\n",
    );
    for m in meetings {
        s.push_str("BEGIN:VEVENT\r\n");
        s.push_str(&fold(&format!("UID:meeting-{}@zhibu", m.id)));
        s.push_str(&fold(&format!("DTSTAMP:{}", stamp(now))));
        s.push_str(&fold(&format!("DTSTART:{}", stamp(m.starts_at))));
        s.push_str(&fold(&format!("DTEND:{}", stamp(m.ends_at))));
        s.push_str(&fold(&format!(
            "SUMMARY:{}",
            ics_text(&format!("{}（{}）", m.title, m.org_name))
        )));
        s.push_str(&fold(&format!("LOCATION:{}", ics_text(&m.place))));
        let desc = format!(
            "{}\n主持人：{}\n议题：{}",
            m.kinds_text(),
            m.host_name,
            m.agenda_items().join("；")
        );
        s.push_str(&fold(&format!("DESCRIPTION:{}", ics_text(&desc))));
        if m.is_cancelled() {
            s.push_str("STATUS:CANCELLED\r\n");
        }
        s.push_str("END:VEVENT\r\n");
    }
    s.push_str("END:VCALENDAR\r\n");
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn lines_fold_at_75_octets_on_character_boundaries() {
        let line = format!("SUMMARY:{}", "党".repeat(40));
        let folded = super::fold(&line);
        for l in folded.split("\r\n") {
            assert!(l.len() <= 75, "{}", l.len());
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }
}
