//! 请假: a member asks before the meeting starts; an officer approves or rejects, and approval
//! marks the attendee 请假 (publishing a corrected event when the record was already submitted).

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, Scope};
use crate::db::StoreError;
use crate::shared::text::char_len;

use super::checkin::publish_one;
use super::roll_store;
use super::service::{MeetingError, MeetingResult, get, get_managed};

/// A member asks for leave before the meeting starts.
///
/// # Errors
/// Not on the roll, too late, already asked, or no reason.
pub async fn request_leave(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    reason: &str,
) -> MeetingResult<i64> {
    let m = get(app, scope, id).await?;
    let Some(member_id) = scope.member_id else {
        return Err(MeetingError::Refused(
            "no_member_record",
            "您的账号没有关联党员档案，无法请假".into(),
        ));
    };
    let reason = reason.trim();
    if reason.is_empty() || char_len(reason) > 200 {
        return Err(MeetingError::Invalid(
            "请填写请假事由（不超过 200 字）".into(),
        ));
    }
    let now = app.now();
    if m.is_cancelled() || m.is_held() || now >= m.starts_at {
        return Err(MeetingError::Refused(
            "leave_closed",
            "请假须在会议开始前提出".into(),
        ));
    }
    app.db
        .write(actor, now, async |w| {
            match roll_store::attendee(&mut w.exec(), id, member_id).await? {
                None => {
                    return Err(MeetingError::Refused(
                        "not_on_roll",
                        "您不在本次会议的应到人员名单中".into(),
                    ));
                }
                Some(a) if a.present() => {
                    return Err(MeetingError::Refused(
                        "already_checked_in",
                        "您已签到，无需请假".into(),
                    ));
                }
                Some(_) => {}
            }
            let lid = match roll_store::insert_leave(
                &mut w.exec(),
                id,
                member_id,
                reason,
                actor.user_id,
                now,
            )
            .await
            {
                Ok(l) => l,
                Err(StoreError::Duplicate) => {
                    return Err(MeetingError::Refused(
                        "leave_exists",
                        "您已提交过请假申请".into(),
                    ));
                }
                Err(e) => return Err(e.into()),
            };
            let ev = AuditEvent::success("meeting.leave.request", "meeting", id)
                .org(m.org_id)
                .detail(reason);
            w.audit(ev).await?;
            // The officers hear of it in the bell, as of every request that waits for them.
            let title = format!("{}申请不参加“{}”，待审批", actor.name, m.title);
            crate::notices::service::to_officers(
                &mut w.exec(),
                m.org_id,
                ("todo", &title, &format!("/meetings/{id}#leave")),
                now,
            )
            .await?;
            Ok(lid)
        })
        .await
}

/// An officer approves or rejects a request; approval marks the attendee 请假.
///
/// # Errors
/// Denied, unknown request, or already decided.
pub async fn decide_leave(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    leave_id: i64,
    approve: bool,
    note: &str,
) -> MeetingResult<()> {
    let (m, _) = get_managed(app, scope, id).await?;
    let l = match roll_store::leave(&mut app.db.conn().await?.exec(), leave_id).await {
        Ok(l) if l.meeting_id == id => l,
        Ok(_) | Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(MeetingError::Invalid("不批准时请填写原因".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if !roll_store::decide_leave(&mut w.exec(), leave_id, approve, actor.user_id, note, now)
                .await?
            {
                return Err(MeetingError::Invalid("该请假申请已经处理".into()));
            }
            if approve {
                roll_store::set_attendance(&mut w.exec(), id, l.member_id, "leave", &l.reason)
                    .await?;
                if m.is_held() {
                    publish_one(w.tx(), &m, l.member_id, true, now).await?;
                }
            }
            let what = if approve { "批准" } else { "不批准" };
            let ev = AuditEvent::success("meeting.leave.decide", "meeting", id)
                .org(m.org_id)
                .detail(format!("{what}{}的请假", l.name));
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
