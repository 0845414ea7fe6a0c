//! 代签 and absences marked by the recorder: one member or many at once from a paper sign-in
//! sheet. A reason is asked only for absences; after the record was submitted every change is a
//! correction and publishes the member's attendance again.

use time::Duration;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::Scope;
use crate::shared::text::char_len;

use super::checkin::publish_one;
use super::roll_store;
use super::service::{MeetingError, MeetingResult, get_managed};
use super::store;

/// Note kept with a 代签 when the recorder gives none.
pub const DEFAULT_NOTE: &str = "会务人员代签";

/// At most this many members in one bulk mark (a branch roll is far smaller).
const MAX_BULK: usize = 1000;

fn note_or_default(note: &str) -> MeetingResult<String> {
    let note = note.trim();
    if char_len(note) > 200 {
        return Err(MeetingError::Invalid("说明不能超过 200 字".into()));
    }
    Ok(if note.is_empty() {
        DEFAULT_NOTE.to_owned()
    } else {
        note.to_owned()
    })
}

/// Marks one member present (代签, note optional) or absent (reason required).
///
/// # Errors
/// Denied, not on the roll, already checked in, no reason for an absence, or a cancelled
/// meeting.
pub async fn mark(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    member_id: i64,
    present: bool,
    reason: &str,
) -> MeetingResult<()> {
    if present {
        return mark_present(app, actor, scope, id, &[member_id], reason)
            .await
            .map(|_| ());
    }
    mark_absent(app, actor, scope, id, member_id, reason).await
}

/// Marks every listed member present at once (a meeting held with a paper sign-in sheet):
/// those already present are left as they are. Returns how many were marked. One audit row per
/// member, so the log names each person. After the record was submitted the note is the
/// correction's reason and must be given.
///
/// # Errors
/// Denied, nobody chosen, someone not on the roll (nothing is marked then), too early, or a
/// cancelled meeting.
pub async fn mark_present(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    members: &[i64],
    note: &str,
) -> MeetingResult<usize> {
    let (m, _) = get_managed(app, scope, id).await?;
    if m.is_cancelled() {
        return Err(MeetingError::Invalid("该会议已取消".into()));
    }
    if members.is_empty() {
        return Err(MeetingError::Invalid("请勾选到会的党员".into()));
    }
    if members.len() > MAX_BULK {
        return Err(MeetingError::Invalid(format!("一次最多代签 {MAX_BULK} 人")));
    }
    let typed = note.trim().to_owned();
    let note = note_or_default(note)?;
    let now = app.now();
    if now < m.starts_at - Duration::hours(24) {
        return Err(MeetingError::Invalid("会议开始前一天起才能代签".into()));
    }
    let mut ids = members.to_vec();
    ids.sort_unstable();
    ids.dedup();
    app.db
        .write(actor, now, async |w| {
            // The record may have been submitted since the page was read: decide on it here.
            let m = store::get(&mut w.exec(), id).await?;
            if m.is_held() && typed.is_empty() {
                return Err(MeetingError::Refused(
                    "reason_required",
                    "会议记录已提交，代签须填写说明（更正原因）".into(),
                ));
            }
            let mut marked = 0;
            for &member_id in &ids {
                let Some(a) = roll_store::attendee(&mut w.exec(), id, member_id).await? else {
                    return Err(MeetingError::Refused(
                        "not_on_roll",
                        "所选人员不在本次会议的应到人员名单中".into(),
                    ));
                };
                if a.present() {
                    continue;
                }
                roll_store::check_in(
                    &mut w.exec(),
                    id,
                    member_id,
                    "proxy",
                    actor.user_id,
                    &note,
                    now,
                )
                .await?;
                if m.is_held() {
                    publish_one(w.tx(), &m, member_id, true, now).await?;
                }
                let ev = AuditEvent::success("meeting.attendance", "meeting", id)
                    .org(m.org_id)
                    .detail(format!("代签：{}（{note}）", a.name));
                w.audit(ev).await?;
                marked += 1;
            }
            if marked == 0 {
                // Nothing to write: refused, so no success is recorded for it.
                return Err(MeetingError::Refused(
                    "already_checked_in",
                    "所选党员均已签到".into(),
                ));
            }
            Ok(marked)
        })
        .await
}

/// Marks a member absent with the reason (a check-in undone, or an absence explained).
///
/// # Errors
/// Denied, not on the roll, no reason, or a cancelled meeting.
pub async fn mark_absent(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    member_id: i64,
    reason: &str,
) -> MeetingResult<()> {
    let (m, _) = get_managed(app, scope, id).await?;
    if m.is_cancelled() {
        return Err(MeetingError::Invalid("该会议已取消".into()));
    }
    let reason = reason.trim();
    if reason.is_empty() || char_len(reason) > 200 {
        return Err(MeetingError::Invalid(
            "记为缺席须填写原因（不超过 200 字）".into(),
        ));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let m = store::get(&mut w.exec(), id).await?;
            let Some(a) = roll_store::attendee(&mut w.exec(), id, member_id).await? else {
                return Err(MeetingError::Refused(
                    "not_on_roll",
                    "该党员不在本次会议的应到人员名单中".into(),
                ));
            };
            roll_store::set_attendance(&mut w.exec(), id, member_id, "absent", reason).await?;
            if m.is_held() {
                publish_one(w.tx(), &m, member_id, true, now).await?;
            }
            let ev = AuditEvent::success("meeting.attendance", "meeting", id)
                .org(m.org_id)
                .detail(format!("记为缺席：{}（{reason}）", a.name));
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
